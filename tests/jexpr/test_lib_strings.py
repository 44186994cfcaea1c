"""Tests for jexpr.runtime.lib.strings: the string functions of spec §10.9 with the null rules of §9."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

import pytest

from jexpr.errors import EvalFault
from jexpr.runtime.lib import strings as S

T = 1.0


def _regex(fn: Callable[..., Any]) -> Callable[..., Any]:
    return lambda *args: fn(*args, T)


EXAMPLES: list[tuple[Callable[..., Any], tuple[Any, ...], Any]] = [
    (S.concat, ("Hello", "World"), "HelloWorld"),
    (S.concat_list, (["Hello", " ", "World"],), "Hello World"),
    (S.concat_list, (["a", None, "b"],), "ab"),
    (S.concat_list, ([],), ""),
    (S.contain, ("rowing is great", "great"), True),
    (S.contain, ("rowing", ""), True),
    (S.contain, ("rowing", "x"), False),
    (S.contain_ignore_case, ("ÉCOLE", "éco"), True),
    (S.end_with, ("Hello World", "Hello"), False),
    (S.end_with, ("Hello World", "World"), True),
    (S.end_with_ignore_case, ("rowing is great", "AT"), True),
    (S.start_with, ("Hello World", "Hello"), True),
    (S.start_with_ignore_case, ("rowing is great", "RO"), True),
    (S.equal_ignore_case, ("rowing is great", "rowing is GREAT"), True),
    (S.equal_ignore_case, ("a", "b"), False),
    (S.not_equal_ignore_case, ("IPAD", "iPad"), False),
    (S.not_equal_ignore_case, ("IPAD", "iPod"), True),
    (S.index_of, ("Hello", "l"), 2),
    (S.index_of, ("😀abc", "b"), 2),
    (S.index_of, ("Hello", ""), 0),
    (S.index_of, ("Hello", "z"), -1),
    (S.last_index_of, ("Hello", "l"), 3),
    (S.last_index_of, ("Hello", ""), 5),
    (S.last_index_of, ("Hello", "z"), -1),
    (S.is_empty, ("",), True),
    (S.is_empty, ("a",), False),
    (S.is_not_empty, ("hello",), True),
    (S.is_not_empty, ("",), False),
    (S.length, ("😀",), 1),
    (S.length, ("Hello",), 5),
    (S.lower, ("HeLLo",), "hello"),
    (S.upper, ("i",), "I"),
    (S.upper, ("straße",), "STRASSE"),
    (S.trim, (" Hello ",), "Hello"),
    (S.trim, ("\t\n\x00Hi\r\x1f ",), "Hi"),
    (S.trim, ("\u00a0Hi\u00a0",), "\u00a0Hi\u00a0"),
    (_regex(S.match_reg_exp), ("12345", "\\d+"), True),
    (_regex(S.match_reg_exp), ("12a45", "\\d+"), False),
    (_regex(S.match_reg_exp), ("abc", "b"), False),
    (_regex(S.match_reg_exp), ("é", "\\w"), False),
    (_regex(S.match_reg_exp), ("é", "\\p{Alpha}"), False),
    (_regex(S.match_reg_exp), ("É", "(?i)é"), False),
    (_regex(S.match_reg_exp), ("É", "\\p{Lu}"), True),
    (_regex(S.replace), ("Hello World", "l", "x"), "Hexlo World"),
    (_regex(S.replace), ("|OFFER_A|OFFER_B", "\\|OFFER_A", ""), "|OFFER_B"),
    (_regex(S.replace), ("aaa", "aa", "b"), "ba"),
    (_regex(S.replace_all), ("Hello World", "l", "x"), "Hexxo Worxd"),
    (_regex(S.replace_all), ("abc", "", "-"), "-a-b-c-"),
    (_regex(S.replace_all), ("aaa", "a*", "X"), "XX"),
    (_regex(S.replace_all), ("a.b.c", "\\.", "\\$"), "a$b$c"),
    (_regex(S.split), ("20.45.2.3434", "\\."), ["20", "45", "2", "3434"]),
    (_regex(S.split), ("a,b,,c,,", ","), ["a", "b", "", "c"]),
    (_regex(S.split), ("", ","), [""]),
    (_regex(S.split), (",a,b", ","), ["", "a", "b"]),
    (_regex(S.split), ("abc", ""), ["a", "b", "c"]),
    (_regex(S.split), (",,,", ","), []),
    (_regex(S.split), ("a.b", "(\\.)"), ["a", "b"]),
    (S.substr, ("Hello World", 6), "World"),
    (S.substr, ("abc", 3), ""),
    (S.substr, ("😀abc", 1), "abc"),
    (S.substr_range, ("Hello World", 0, 5), "Hello"),
    (S.substr_range, ("😀abc", 0, 2), "😀a"),
    (S.substr_range, ("abc", 1, 1), ""),
]


@pytest.mark.parametrize(("fn", "args", "expected"), EXAMPLES)
def test_examples(fn: Callable[..., Any], args: tuple[Any, ...], expected: Any) -> None:
    assert fn(*args) == expected


PREDICATES: list[tuple[Callable[..., bool], int]] = [
    (S.contain, 2),
    (S.contain_ignore_case, 2),
    (S.end_with, 2),
    (S.end_with_ignore_case, 2),
    (S.start_with, 2),
    (S.start_with_ignore_case, 2),
    (S.equal_ignore_case, 2),
    (S.not_equal_ignore_case, 2),
    (_regex(S.match_reg_exp), 2),
    (S.is_empty, 1),
    (S.is_not_empty, 1),
]


@pytest.mark.parametrize(("fn", "arity"), PREDICATES)
def test_predicates_are_false_on_any_null(fn: Callable[..., bool], arity: int) -> None:
    for position in range(arity):
        args: list[Any] = ["a"] * arity
        args[position] = None
        assert fn(*args) is False
    assert fn(*([None] * arity)) is False


OTHERS: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (S.concat, ("a", "b")),
    (S.concat_list, (["a"],)),
    (S.index_of, ("a", "b")),
    (S.last_index_of, ("a", "b")),
    (S.length, ("a",)),
    (S.lower, ("a",)),
    (S.upper, ("a",)),
    (S.trim, ("a",)),
    (_regex(S.replace), ("a", "a", "b")),
    (_regex(S.replace_all), ("a", "a", "b")),
    (_regex(S.split), ("a", ",")),
    (S.substr, ("abc", 1)),
    (S.substr_range, ("abc", 1, 2)),
]


@pytest.mark.parametrize(("fn", "args"), OTHERS)
def test_other_functions_are_null_on_any_null(
    fn: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    assert fn(*args) is not None
    for position in range(len(args)):
        nulled = list(args)
        nulled[position] = None
        assert fn(*nulled) is None


def test_null_arguments_win_over_invalid_regexes() -> None:
    assert S.replace_all(None, "[", "$", T) is None
    assert S.split(None, "[", T) is None
    assert S.match_reg_exp(None, "[", T) is False


@pytest.mark.parametrize(
    ("fn", "args"),
    [
        (S.substr, ("abc", 4)),
        (S.substr, ("abc", -1)),
        (S.substr_range, ("abc", 2, 1)),
        (S.substr_range, ("abc", 0, 4)),
        (S.substr_range, ("abc", -1, 2)),
        (S.substr_range, ("😀", 0, 2)),
    ],
)
def test_substr_out_of_range(fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    with pytest.raises(EvalFault) as info:
        fn(*args)
    assert info.value.code == "E-EVAL-RANGE"


@pytest.mark.parametrize(
    ("fn", "args", "code"),
    [
        (S.match_reg_exp, ("a", "*adobe"), "E-EVAL-REGEX"),
        (S.replace, ("a", "a", "$"), "E-EVAL-REGEX"),
        (S.replace_all, ("a", "(", "x"), "E-EVAL-REGEX"),
        (S.split, ("a", "(?U)a"), "E-EVAL-REGEX"),
        (S.match_reg_exp, ("a" * 60 + "!", "(a|aa)+$"), "E-EVAL-REGEX-TIMEOUT"),
    ],
)
def test_regex_faults(fn: Callable[..., Any], args: tuple[Any, ...], code: str) -> None:
    with pytest.raises(EvalFault) as info:
        fn(*args, 0.1)
    assert info.value.code == code


_UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def test_uuid_is_version_4_lowercase_and_seedable() -> None:
    first = S.uuid(random.Random(42))
    assert len(first) == 36 and _UUID4.fullmatch(first)
    assert S.uuid(random.Random(42)) == first
    rng = random.Random(7)
    assert S.uuid(rng) != S.uuid(rng)
