"""The regex fast paths and limits (issues 11 and 16): the backtracking cost bound, the size
limits, Python's ``re`` as a twin of the ``regex`` package, and the plain-text shortcuts."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jexpr.errors import EvalFault
from jexpr.runtime import javaregex as jr
from jexpr.runtime.javaregex.pattern import JavaPattern


@pytest.mark.parametrize(("pattern", "unbounded", "choices", "anchored", "unsafe"), [
    ("[a-z]+@[a-z]+", 2, 1, False, False),
    ("^[A-Z]+-[0-9]{2,4}", 1, 3, True, False),
    (r"\d{5}", 0, 1, False, False),
    ("a|b|c", 0, 3, False, False),
    ("^a|b", 0, 2, False, False),  # two top-level branches: not anchored
    ("(a+)+b", 2, 1, False, True),  # nested repetition
    ("(a|aa)*", 1, 2, False, True),  # alternation under repetition
    (r"(a)\1", 0, 1, False, True),  # back reference
    ("a(?=b)", 0, 1, False, True),  # lookaround
    ("a*+b", 0, 1, False, False),  # possessive: no choice
])
def test_cost_profile(pattern: str, unbounded: int, choices: int, anchored: bool,
                      unsafe: bool) -> None:
    cost = jr.compile_pattern(pattern).cost
    assert (cost.unbounded, cost.choices, cost.anchored, cost.unsafe) == \
        (unbounded, choices, anchored, unsafe)


def test_cost_limits() -> None:
    email = jr.compile_pattern(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}")
    assert 40 <= email.limit(0.1, False) < 10_000  # cubic: emails, not books
    assert email.limit(0.1, True) < email.limit(0.1, False)  # a search starts anywhere
    assert email.limit(1.0, False) > email.limit(0.1, False)
    linear = jr.compile_pattern("[^0-9+]")
    assert linear.limit(0.1, True) > 100_000
    assert jr.compile_pattern("(x+x+)+y").limit(0.1, False) == -1
    assert email.limit(float("nan"), False) == -1


def test_size_limits() -> None:
    assert jr.compile_pattern("a{50000}")
    assert jr.compile_pattern("(?:ab){25000}")
    for refused in ("a{50001}", "(ab){25001}", "((a{100}){100}){10}", "a" * 10_001):
        with pytest.raises(jr.JavaRegexError, match=r"too large|longer than"):
            jr.compile_pattern(refused)
    assert jr.literal_pattern_error("(((a{100}){100}){100}){100}") is not None


def test_replacement_output_bound() -> None:
    pattern = jr.compile_pattern("x")
    assert pattern.replace("x" * 1000, "y" * 1000, 0.1, False) == "y" * 1_000_000
    with pytest.raises(EvalFault) as caught:
        pattern.replace("x" * 1002, "y" * 1000, 0.1, False)  # grows by 1,000,998
    assert caught.value.code == "E-EVAL-OVERFLOW"
    assert len(jr.compile_pattern("(x)").replace("x" * 2000, "$1$1", 0.1, False)) == 4000


# ---- Python's re as the twin of the regex package -----------------------------------------

_ATOMS = st.sampled_from(["a", "b", "ab", ".", "[ab]", "[^a]", "[a-c]", r"\d", r"\w", r"\s",
                          r"\b", "^", "$", "x", r"\.", "[0-9]", r"\W"])
_QUANTIFIERS = st.sampled_from(["", "", "*", "+", "?", "{2}", "{1,3}", "*?", "+?", "*+"])


@st.composite
def java_patterns(draw: Any) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        atom = draw(_ATOMS)
        if draw(st.integers(0, 5)) == 0:
            atom = f"({atom}|{draw(_ATOMS)})"
        parts.append(atom + draw(_QUANTIFIERS))
    return "".join(parts)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(java_patterns(), st.text(alphabet="ab1 .x\n", max_size=12), st.sampled_from(["", "-", "$0"]))
def test_stdlib_twin_matches_like_regex(pattern: str, text: str, replacement: str) -> None:
    compiled = jr.compile_pattern(pattern)
    if compiled.fast is compiled.compiled:
        return  # no twin: nothing to compare
    twin, engine = compiled.fast, compiled.compiled
    assert (twin.fullmatch(text) is None) == (engine.fullmatch(text) is None)
    assert [m.span() for m in twin.finditer(text)] == [m.span() for m in engine.finditer(text)]
    template = compiled.replacement(replacement)[1]
    assert twin.sub(template, text) == engine.sub(template, text)


# ---- plain-text patterns through str methods ----------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([",", "-", "ab", "a", "##", "x y"]),
       st.text(alphabet="ab,-# xy", max_size=12), st.sampled_from(["", "+", "zz"]))
def test_plain_text_patterns_agree_with_the_engine(pattern: str, text: str, replacement: str
                                                   ) -> None:
    fast = jr.compile_pattern(pattern)
    assert fast.literal == pattern
    slow = JavaPattern(pattern, fast.compiled, fast.cost)
    slow.literal = None
    assert fast.matches(text, 0.1) == slow.matches(text, 0.1)
    assert fast.split(text, 0.1) == slow.split(text, 0.1)
    for first in (True, False):
        assert fast.replace(text, replacement, 0.1, first) == \
            slow.replace(text, replacement, 0.1, first)
