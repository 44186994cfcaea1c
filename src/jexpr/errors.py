"""Evaluation failures raised by runtime code, before a source range is attached.

Runtime helpers (function implementations, operators, coercions) know *what* went wrong but not
*where* in the expression: they raise :class:`EvalFault` with a spec §15.2 ``E-EVAL-*`` code and a
one-line message. The program layer catches it, finds the failing sub-expression and re-raises
the public :class:`jexpr.EvaluationError` carrying a full diagnostic with a range.
"""

from __future__ import annotations


class EvalFault(Exception):
    """An evaluation error without a position: ``code`` is an ``E-EVAL-*`` code of spec §15.2."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
