"""The static type lattice (spec §5): names, lists, unification, assignability.

Types are their spec names as strings: the eight scalars, ``object``, the list types
(``listString`` … ``listObject``), ``null`` (the literal), ``any`` (known at run time only) and
``listAny`` (a list whose element type is unknown: ``[]`` and payload lists of lists).
"""

from __future__ import annotations

SCALARS = ("string", "integer", "decimal", "boolean", "dateTime", "dateTimeOnly", "dateOnly",
           "duration")
LIST_OF = {s: "list" + s[0].upper() + s[1:] for s in SCALARS} | {"object": "listObject",
                                                                 "any": "listAny",
                                                                 "null": "listAny"}
ELEMENT_OF = {v: k for k, v in LIST_OF.items() if k != "null"}
DECLARABLE = frozenset((*SCALARS, "object", *(LIST_OF[s] for s in (*SCALARS, "object")), "any"))
ORDERABLE = frozenset(("integer", "decimal", "dateTime", "dateTimeOnly", "dateOnly", "duration"))
NUMBERS = frozenset(("integer", "decimal"))


def is_list(t: str) -> bool:
    return t in ELEMENT_OF


def element(t: str) -> str:
    """Element type of a list type (``any`` for ``listAny``)."""
    return ELEMENT_OF[t]


def list_of(t: str) -> str:
    """The list type whose elements are ``t`` (``listAny`` when there is none)."""
    return LIST_OF.get(t, "listAny")


def display(t: str) -> str:
    return "list" if t == "listAny" else t


def unify(a: str, b: str) -> str | None:
    """Common type of two list elements or if-branches (spec §5.2, §7), or None."""
    if a == b:
        return a
    if a in ("null", "any"):
        return b
    if b in ("null", "any"):
        return a
    if {a, b} == NUMBERS:
        return "decimal"
    if is_list(a) and is_list(b):
        inner = unify(element(a), element(b))
        return list_of(inner) if inner is not None else None
    return None


def accepts(param: str, arg: str) -> str | None:
    """How a parameter of type ``param`` accepts ``arg``: "exact", "widen" or None."""
    if arg == param or arg in ("null", "any"):
        return "exact"
    if param == "decimal" and arg == "integer":
        return "widen"
    if param == "listDecimal" and arg == "listInteger":
        return "widen"
    if is_list(param) and arg == "listAny":
        return "exact"
    if param == "listAny" and is_list(arg):
        return "exact"
    return None


def assignable(target: str, value: str) -> bool:
    """Whether a value of static type ``value`` may stand where ``target`` is expected."""
    return target == "any" or accepts(target, value) is not None


def equality_compatible(a: str, b: str) -> bool:
    """Spec §6.3 static rule."""
    if a == b or "null" in (a, b) or "any" in (a, b):
        return True
    if {a, b} == NUMBERS:
        return True
    if is_list(a) and is_list(b):
        return equality_compatible(element(a), element(b))
    return False


def orderable(a: str, b: str) -> bool:
    """Spec §6.4 static rule (null and any are decided at run time)."""
    if a in ("null", "any") or b in ("null", "any"):
        return (a in ORDERABLE or a in ("null", "any")) and (b in ORDERABLE or b in ("null", "any"))
    if a in NUMBERS and b in NUMBERS:
        return True
    return a == b and a in ORDERABLE
