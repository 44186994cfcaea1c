"""The expression size limits: how deep a tree may nest, and the stack that depth needs.

The checker, the code generator, the constant folder and the printers walk a tree
recursively. Instead of letting a hostile text (a sum of thousands of terms, brackets nested
thousands deep) end in Python's ``RecursionError``, every tree is measured first — iteratively
— and one nested deeper than :data:`MAX_DEPTH` is refused with ``E-SYN-TOO-DEEP`` at the node
where the limit is passed. A tree within the limit is then guaranteed enough stack:
:func:`ensure_headroom` raises Python's recursion limit (never lowers it) so that the deepest
accepted tree has :data:`FRAMES_PER_LEVEL` frames per level above the caller's own depth.
Whatever passes the check therefore also compiles and runs (docs/security.md).
"""

from __future__ import annotations

import sys

from jexpr.diagnostics import Diagnostic, error
from jexpr.syntax import ast

MAX_DEPTH = 600
"""The deepest tree accepted: each operator, call, bracket and list counts one level, so a
left-to-right sum or ``or`` chain of n terms is n levels deep."""

MAX_DECLARED_SEGMENTS = 128
"""The most segments a declared schema path (``fieldTypes``/``schema`` key) may have: the
declarations keep every prefix of every path, so the bound keeps them linear in size."""

FRAMES_PER_LEVEL = 8
"""Python frames a stage may spend per tree level (the deepest today uses four)."""

_MARGIN = 300
_BASE = 1000  # Python's default limit: the frames a host may already use


def too_deep(node: ast.Node, limit: int = MAX_DEPTH) -> Diagnostic | None:
    """``E-SYN-TOO-DEEP`` at the first node nested deeper than ``limit`` (None when within)."""
    stack: list[tuple[ast.Node, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > limit:
            return error(
                "E-SYN-TOO-DEEP",
                f"the expression nests more than {limit} levels deep here",
                current.span,
                "split it into shorter expressions, compare against a list with 'in' instead "
                "of chaining 'or', or sum a list with sum([...])")
        stack.extend((child, depth + 1) for child in ast.children(current))
    return None


def ensure_headroom(levels: int = MAX_DEPTH) -> None:
    """Make room on Python's stack for a recursive walk of a tree ``levels`` deep, called
    from the current frame. Only ever raises the recursion limit (threads share it)."""
    depth = 0
    frame = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    needed = depth + FRAMES_PER_LEVEL * levels + _MARGIN
    if sys.getrecursionlimit() < needed:
        sys.setrecursionlimit(needed)


ensure_headroom(_BASE // FRAMES_PER_LEVEL + MAX_DEPTH)  # once, on import: later calls rarely
# need to change the limit (test tools such as Hypothesis warn when it changes under them)
