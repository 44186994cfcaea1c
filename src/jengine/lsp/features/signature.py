"""Signature help: the overloads of the function whose argument list holds the cursor.

The call is found in the text (the innermost open ``(`` preceded by a function name), not in
the AST, because an argument list being typed rarely parses. The active parameter is the
number of top-level commas before the cursor; the active signature is the first overload with
that many parameters (spec X§10.1 tries overloads in order).
"""

from __future__ import annotations

from lsprotocol import types

from jengine.lsp.features.textscan import context_at, split_top
from jexpr import types as T
from jexpr.functions.registry import Function, Signature, lookup


def signature_help(text: str, offset: int) -> types.SignatureHelp | None:
    """The signatures of the call around an offset, or None outside a call."""
    ctx = context_at(text, offset)
    frame = ctx.top
    if ctx.in_text or frame is None or frame.kind != "paren":
        return None
    fn = lookup(frame.name)
    if fn is None or not fn.signatures:
        return None
    active = len(split_top(text[frame.start:offset], ",")) - 1
    chosen = next((i for i, s in enumerate(fn.signatures) if len(s.params) > active), 0)
    return types.SignatureHelp(signatures=[_signature(frame.name, fn, s) for s in fn.signatures],
                               active_signature=chosen, active_parameter=active)


def _signature(name: str, fn: Function, sig: Signature) -> types.SignatureInformation:
    label = f"{name}("
    params: list[types.ParameterInformation] = []
    for i, p in enumerate(sig.params):
        if i:
            label += ", "
        shown = T.display(p)
        params.append(types.ParameterInformation(label=(len(label), len(label) + len(shown))))
        label += shown
    label += f") → {T.display(sig.result)}"
    doc = types.MarkupContent(kind=types.MarkupKind.Markdown, value=fn.doc)
    return types.SignatureInformation(label=label, documentation=doc, parameters=params)

