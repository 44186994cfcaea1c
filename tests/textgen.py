"""Hypothesis strategies shared by the parser tests: token soups over a vocabulary and
mutants of real texts (cut, a word inserted, a run deleted) — what hostile-input fuzzes and
parser-equivalence properties both feed the parsers."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st


def soups(words: Sequence[str], max_size: int) -> st.SearchStrategy[str]:
    """Up to ``max_size`` words of the vocabulary, space-separated."""
    return st.lists(st.sampled_from(list(words)), max_size=max_size).map(" ".join)


def mutants(texts: Sequence[str], words: Sequence[str], *, edits: int = 3,
            max_delete: int = 10) -> st.SearchStrategy[str]:
    """One of ``texts`` after 1 to ``edits`` random edits: cut there, insert a word, or delete
    up to ``max_delete`` characters."""

    @st.composite
    def build(draw: st.DrawFn) -> str:
        text = draw(st.sampled_from(list(texts)))
        for _ in range(draw(st.integers(1, edits))):
            at = draw(st.integers(0, len(text)))
            kind = draw(st.sampled_from(["cut", "insert", "delete"]))
            if kind == "cut":
                text = text[:at]
            elif kind == "insert":
                text = text[:at] + draw(st.sampled_from(list(words))) + text[at:]
            else:
                text = text[:at] + text[at + draw(st.integers(1, max_delete)):]
        return text

    return build()
