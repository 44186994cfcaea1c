"""The helper-function catalogue: every function a template may call, by name.

Names are case-sensitive, as in AJO. Functions AJO documents but this engine does not provide,
and journey-expression functions that personalization lacks, have a hint instead
(:data:`NOT_AVAILABLE`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from jengine.templates.functions import dates, lists, numbers, strings
from jengine.templates.functions.signature import Fn

__all__ = ["FUNCTIONS", "NOT_AVAILABLE"]

FUNCTIONS: Mapping[str, Fn] = MappingProxyType(
    {f.name: f for module in (strings, dates, numbers, lists) for f in module.FUNCTIONS})

NOT_AVAILABLE: Mapping[str, str] = MappingProxyType({
    "now": "use getCurrentZonedDateTime() (now() is a journey-expression function)",
    "truncate": "use substr(text, 0, n)",
    "substring": "the personalization function is substr(text, begin, end)",
    "ampCompare": "AJO does not document its operator codes; compare with = != < > <= >=",
    "inAudience": "audiences are not part of the template context in this engine",
})
