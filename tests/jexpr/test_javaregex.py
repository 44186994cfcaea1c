"""Tests for jexpr.runtime.javaregex: the Java regex dialect of spec §13."""

from __future__ import annotations

import pytest
import regex

from jexpr.errors import EvalFault
from jexpr.runtime import javaregex as jr

T = 1.0  # a generous time bound for the functional tests

MATCHES = [
    # §13.2
    (r"\d+", "12345", True),
    (r"\d+", "12a45", False),
    ("b", "abc", False),
    # ASCII classes and case folding (§13.1)
    (r"\w", "é", False),
    (r"\p{Alpha}", "é", False),
    (r"\P{Alpha}", "é", True),
    (r"[\p{Alpha}]", "é", False),
    (r"\d", "٣", False),
    (r"\s", "\u00a0", False),
    (r"\h", "\u00a0", True),
    ("(?i)é", "É", False),
    ("(?i)abc", "ABC", True),
    ("(?iu)é", "É", True),
    ("(?u)(?i)é", "É", True),
    ("(?iu)ß", "SS", False),
    (r"(?iu)\w", "é", False),
    # Unicode properties
    (r"\p{Lu}", "É", True),
    (r"\p{Lu}", "é", False),
    (r"\p{L}", "é", True),
    (r"\pL", "é", True),
    (r"\P{L}", "é", False),
    (r"\p{IsLatin}", "é", True),
    (r"\p{IsGreek}", "é", False),
    (r"\p{InGreek}", "α", True),
    (r"\p{sc=Latin}", "a", True),
    (r"\p{IsAlphabetic}", "é", True),
    (r"\p{IsLu}", "É", True),
    (r"[\p{L}\d]+", "é1", True),
    (r"[\p{L}&&[^é]]", "é", False),
    (r"[^\p{L}]", "1", True),
    # POSIX classes
    (r"\p{Punct}", "!", True),
    (r"\p{Punct}", "¡", False),
    (r"\p{XDigit}+", "0aF", True),
    (r"[\p{Alpha}\d]+", "ab12", True),
    (r"\p{Lower}", "a", True),
    (r"\p{Upper}", "a", False),
    (r"\p{Space}", "\u2028", False),
    # dot and line terminators
    (".", "\u2028", False),
    (".", "\n", False),
    (".", "\r", False),
    (".", "\x85", False),
    (".", "é", True),
    ("(?s).", "\u2028", True),
    ("(?s:.)", "\n", True),
    ("(?s:.).", "\n\n", False),
    ("(?d).", "\r", True),
    # \Q…\E
    (r"\Qa.b\E", "a.b", True),
    (r"\Qa.b\E", "axb", False),
    (r"\Q(*)\E+", "(*)))", True),
    (r"\Q[a]", "[a]", True),
    (r"a\Q\E*", "aaa", True),
    (r"[\Q]\E]", "]", True),
    (r"\Q\\E", "\\", True),
    (r"\Q1\E{2}", "11", True),
    # class intersection and class syntax
    (r"[a-z&&[^aeiou]]+", "bcd", True),
    (r"[a-z&&[^aeiou]]", "a", False),
    (r"[abc&&b-d]", "b", True),
    (r"[abc&&b-d]", "a", False),
    (r"[abc&&b-d]", "d", False),
    (r"[&&a]", "a", True),
    (r"[a&b]+", "a&b", True),
    (r"[^a-z&&[aeiou]]", "b", True),
    (r"[^a-z&&[aeiou]]", "a", False),
    (r"[a[b]]+", "ab", True),
    ("[]a]+", "]a", True),
    ("[^]a]", "b", True),
    ("[a-]+", "a-", True),
    ("[-a]", "-", True),
    (r"[a-[b]]+", "a-b", True),
    (r"[\d-z]+", "1-z", True),
    (r"[\v-\x0C]", "\x0b", True),
    ("]", "]", True),
    ("}", "}", True),
    # groups, names, back references
    (r"(?<y>\d{4})-\k<y>", "2020-2020", True),
    (r"(?<y>\d{4})-\k<y>", "2020-2021", False),
    (r"(a)\1", "aa", True),
    (r"(a)\2", "aa", False),
    (r"(a)\10", "aa0", True),
    (r"(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\10", "abcdefghijj", True),
    ("(?:ab)+", "abab", True),
    # possessive and atomic
    ("a*+a", "aaa", False),
    ("a*a", "aaa", True),
    ("(?>a+)a", "aaa", False),
    ("a++b", "aab", True),
    ("a?+a", "a", False),
    ("a{1,3}+a", "aaa", False),
    ("a{2}{3}", "aa", True),
    (r"\b*a", "a", True),
    ("^*a", "a", True),
    ("(?=a)*a", "a", True),
    ("(?x)a{ 2 , 3 }", "aaa", True),
    ("(?x)a + b", "aab", True),
    ("(?x)[a - c]+", "abc", True),
    # lookaround
    ("a(?=b)b", "ab", True),
    ("(?<!x)ab", "ab", True),
    ("a(?<=a)b", "ab", True),
    ("a(?!b).", "ab", False),
    # inline flag scoping
    ("(a(?i)b)c", "aBc", True),
    ("(a(?i)b)c", "aBC", False),
    ("(?i:a)b", "Ab", True),
    ("(?i:a)b", "AB", False),
    ("a(?i)b|c", "C", True),
    ("(?i)a(?-i)b", "Ab", True),
    ("(?i)a(?-i)b", "AB", False),
    ("(?x) a b # comment", "ab", True),
    ("(?x)[a b]", " ", False),
    (r"(?x)a\ b", "a b", True),
    ("(?)a", "a", True),
    # word boundaries (ASCII)
    (r".\b.", "a!", True),
    (r"\bé", "é", False),
    (r"(?u)\bé", "é", False),
    (r"a\Bb", "ab", True),
    # escapes
    (r"\x41\u0042\0103\x{44}", "ABCD", True),
    (r"\uD83D\uDE00", "😀", True),
    ("😀", "😀", True),
    (r"\t\n\r\f\a\e", "\t\n\r\f\x07\x1b", True),
    (r"\cA", "\x01", True),
    (r"\N{LATIN SMALL LETTER E WITH ACUTE}", "é", True),
    (r"\.\$\#", ".$#", True),
    (r"\R", "\r\n", True),
    (r"\R\n", "\r\n", False),
    # anchors
    (r"^a$", "a", True),
    (r"a$", "a\n", False),  # Java matches() must consume the whole input
    (r"a$\n", "a\n", True),
    (r"a\Z\u2028", "a\u2028", True),
    (r"a$\r\n", "a\r\n", True),
    (r"a\r$\n", "a\r\n", False),
    (r"(?m)a$\nb$", "a\nb", True),
    (r"a\z", "a", True),
    (r"\Aa", "a", True),
]


@pytest.mark.parametrize(("pattern", "s", "expected"), MATCHES)
def test_matches(pattern: str, s: str, expected: bool) -> None:
    assert jr.matches(s, pattern, T) is expected


REPLACE = [
    # (s, pattern, replacement, replace_first, replace_all)
    ("Hello World", "l", "x", "Hexlo World", "Hexxo Worxd"),
    ("|OFFER_A|OFFER_B", r"\|OFFER_A", "", "|OFFER_B", "|OFFER_B"),
    ("abc", "", "-", "-abc", "-a-b-c-"),
    ("aaa", "a*", "X", "X", "XX"),
    ("aaa", "aa", "b", "ba", "ba"),
    ("abxd", "x*", "-", "-abxd", "-a-b--d-"),
    ("a.b.c", r"\.", r"\$", "a$b.c", "a$b$c"),
    ("ab", "(a)(b)", "$21", "b1", "b1"),
    ("ab", "(a)(b)", "$2$1", "ba", "ba"),
    ("abcdefghijkl", "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)", "$11", "kl", "kl"),
    ("abcdefghijkl", "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)", "$11", "a1kl", "a1kl"),
    ("ab", "(?<x>a)", "${x}!", "a!b", "a!b"),
    ("ab", "(x)?a", "[$1]", "[]b", "[]b"),
    ("ab", "a", "\\\\", "\\b", "\\b"),
    ("ab", "a", "$0$0", "aab", "aab"),
    ("a", "a", "\\x", "x", "x"),
    ("xyz", "a", "q", "xyz", "xyz"),
    ("a\n", "$", "X", "aX\n", "aX\nX"),
    ("a\r", "$", "X", "aX\r", "aX\rX"),
    ("a\r\n", "$", "X", "aX\r\n", "aX\r\nX"),
    ("a\nb\n", "(?m)^", ">", ">a\nb\n", ">a\n>b\n"),
    ("a\r\nb", "(?m)$", "X", "aX\r\nb", "aX\r\nbX"),
    ("abcd", "(?<=ab|c)\\w", "_", "ab_d", "ab__"),
    ("a😀b", ".", "x", "x😀b", "xxx"),
]


@pytest.mark.parametrize(("s", "pattern", "repl", "first", "every"), REPLACE)
def test_replace(s: str, pattern: str, repl: str, first: str, every: str) -> None:
    assert jr.replace_first(s, pattern, repl, T) == first
    assert jr.replace_all(s, pattern, repl, T) == every


BAD_REPLACEMENTS = [
    ("a", "$"),
    ("a", "\\"),
    ("a", "ab\\"),
    ("(a)", "$2"),
    ("a", "$1"),
    ("a", "${nope}"),
    ("a", "$x"),
    ("(?<x>a)", "${x"),
    ("a", "${1}"),
    ("a", "${}"),
]


@pytest.mark.parametrize(("pattern", "repl"), BAD_REPLACEMENTS)
def test_bad_replacement(pattern: str, repl: str) -> None:
    message = jr.literal_replacement_error(pattern, repl)
    assert message is not None and "replacement" in message
    with pytest.raises(jr.JavaRegexError):
        jr.check_replacement(jr.compile_java(pattern), repl)
    for fn in (jr.replace_first, jr.replace_all):
        with pytest.raises(EvalFault) as info:
            fn("a", pattern, repl, T)
        assert info.value.code == "E-EVAL-REGEX"


def test_good_replacement_and_pattern_report_none() -> None:
    assert jr.literal_replacement_error("(a)(b)", "$21\\$") is None
    assert jr.literal_replacement_error("(?<x>a)", "${x}") is None
    assert jr.literal_replacement_error("[", "$") is None  # the pattern error is reported apart
    assert jr.literal_pattern_error(r"\d+") is None
    jr.check_replacement(jr.compile_java("(a)"), "$1$0\\$")


SPLIT = [
    ("20.45.2.3434", r"\.", ["20", "45", "2", "3434"]),
    ("a,b,,c,,", ",", ["a", "b", "", "c"]),
    ("", ",", [""]),
    ("abc", "x", ["abc"]),
    (",a,b", ",", ["", "a", "b"]),
    ("abc", "", ["a", "b", "c"]),
    (",,,", ",", []),
    ("a.b", r"(\.)", ["a", "b"]),
    ("a1b22c", r"\d", ["a", "b", "", "c"]),
    ("a1b22c", r"\d+", ["a", "b", "c"]),
    ("", "", [""]),
    ("aXbXc", "(?i)x", ["a", "b", "c"]),
    ("boo:and:foo", "o", ["b", "", ":and:f"]),
]


@pytest.mark.parametrize(("s", "pattern", "expected"), SPLIT)
def test_split(s: str, pattern: str, expected: list[str]) -> None:
    assert jr.split(s, pattern, T) == expected


INVALID = [
    "*adobe",
    "[",
    "(?U)x",
    "(?iU)x",
    "(",
    ")",
    "a)",
    "+",
    "?",
    "a**",
    "a{",
    "a{2",
    "a{2,1}",
    "{x}",
    "a{x}",
    "x{2147483648}",
    "\\",
    r"\k<n>",
    r"\kn",
    r"(?<n>a)(?<n>b)",
    "(?<1a>x)",
    r"\E",
    r"\g",
    r"\i",
    r"\y",
    r"[z-a]",
    r"[a-\d]",
    r"[\b]",
    r"[\1]",
    r"(?<=a+)b",
    r"(?<!a*)b",
    r"(a)(?<=\1)",
    r"\p{Foo}",
    r"\p{IsFoo}",
    r"\p{InFoo}",
    r"\p{javaLowerCase}",
    r"\p{}",
    r"\p{L",
    r"\G",
    r"\X",
    r"\b{g}",
    "[a&&]",
    "[&&]",
    "[a&&&b]",
    r"\x",
    r"\xG1",
    r"\x{110000}",
    r"\u12",
    r"\0",
    r"\09",
    r"\c",
    r"\N{NO SUCH CHARACTER}",
    r"\2(a)(b)",
    "(?$)",
    "(?@)",
    "(?z)",
    "(?i-m-s)",
    "[a",
    "[]",
    "[^]",
    r"\Q\E*",
]


@pytest.mark.parametrize("pattern", INVALID)
def test_invalid_pattern(pattern: str) -> None:
    with pytest.raises(jr.JavaRegexError):
        jr.compile_java(pattern)
    message = jr.literal_pattern_error(pattern)
    assert message is not None and message.startswith("invalid regular expression")
    with pytest.raises(EvalFault) as info:
        jr.matches("a", pattern, T)
    assert info.value.code == "E-EVAL-REGEX"
    with pytest.raises(EvalFault):
        jr.split("a", pattern, T)


def test_error_messages_say_what_is_wrong() -> None:
    assert "dangling meta character '*'" in (jr.literal_pattern_error("*adobe") or "")
    assert "unclosed character class" in (jr.literal_pattern_error("[") or "")
    assert "(?U)" in (jr.literal_pattern_error("(?U)x") or "")


CATASTROPHIC = [(r"(a|aa)+$", "a" * 60 + "!"), (r"(a|a)+b", "a" * 40)]


@pytest.mark.parametrize(("pattern", "s"), CATASTROPHIC)
def test_timeout(pattern: str, s: str) -> None:
    for call in (
        lambda: jr.matches(s, pattern, 0.1),
        lambda: jr.replace_all(s, pattern, "x", 0.1),
        lambda: jr.replace_first(s, pattern, "x", 0.1),
        lambda: jr.split(s, pattern, 0.1),
    ):
        with pytest.raises(EvalFault) as info:
            call()
        assert info.value.code == "E-EVAL-REGEX-TIMEOUT"


def test_compile_is_cached_and_uses_ascii_v1() -> None:
    first = jr.compile_java(r"\w+")
    assert jr.compile_java(r"\w+") is first
    assert first.flags & regex.ASCII and first.flags & regex.V1
    unicode = jr.compile_java("(?iu)é")
    assert not unicode.flags & regex.ASCII and unicode.flags & regex.V1


def test_groups_are_preserved() -> None:
    compiled = jr.compile_java(r"(?<year>\d{4})-(\d{2})(?:x)(?=(y))")
    assert compiled.groups == 3
    assert compiled.groupindex == {"year": 1}
