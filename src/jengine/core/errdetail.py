"""The ``code``, ``message`` and ``detail`` of an ``error`` journal line (issue 15).

A step that fails journals ``error`` with its code in ``reason`` (kept for the report's
counters); :func:`error_fields` adds ``code`` (the same), ``message`` (in words) and ``detail``
— for an expression that failed, the failing sub-expression's text and its span in the
``.journey`` source (0-based offsets, 1-based line and column); for an HTTP action, the
action and the status of the last attempt (an HTTP status, or the network failure:
``timedOut``, ``internalError``, ``capped``); otherwise the step.
"""

from __future__ import annotations

from typing import Any, Final

from jengine.core.state import Json
from jexpr.diagnostics import EvaluationError

__all__ = ["EXPRESSION", "action_fields", "error_fields", "evaluation_fields"]

EXPRESSION: Final = "jengine_expression"   # the attribute Env.evaluate sets on the error

_MESSAGES: Final = {
    "E-EVAL-NULL": "the value is null where a value is needed",
    "E-EVAL-TYPE": "the value has the wrong type",
    "timedOut": "the call did not answer within its timeout",
    "internalError": "the call failed (network error, or a response over the size cap)",
    "capped": "the call was refused by its capping or throttling rule",
}


def error_fields(code: str, step: str | None, message: str | None = None,
                 detail: Json | None = None) -> Json:
    """The fields of an ``error`` journal line after ``reason``."""
    text = message or _MESSAGES.get(code) or (
        f"the HTTP call answered status {code}" if code.isdigit() else code)
    return {"code": code, "message": text, "detail": {"step": step, **(detail or {})}}


def evaluation_fields(exc: EvaluationError, step: str) -> Json:
    """The fields of an expression error: the failing sub-expression's text (at most 500
    characters) and span."""
    d = exc.diagnostic
    source: Any = getattr(exc, EXPRESSION, None)
    detail: Json = {"span": {"start": d.span.start, "end": d.span.end,
                             "line": d.span.start_line + 1, "column": d.span.start_column + 1}}
    if isinstance(source, str):
        detail["text"] = source[d.span.start:d.span.end][:500]
    return error_fields(d.code, step, d.message, detail)


def action_fields(code: str, step: str, action: str, failure: str = "") -> Json:
    """The fields of a failed HTTP action; ``failure`` says in words what failed when no
    HTTP status came (a refused connection, a missing secret, a timeout)."""
    detail: Json = {"action": action}
    if code.isdigit():
        detail["status"] = int(code)
    else:
        detail["error"] = code
    if failure:
        detail["failure"] = failure
    return error_fields(code, step, None, detail)
