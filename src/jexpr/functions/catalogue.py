"""The builtin catalogue of spec §10.2: each function's signatures, bound to its implementation.

Signatures are listed in the spec's order, which is the overload-resolution order. ``needs``
names the context values an implementation takes first (``now``, ``rng``, ``timeout``,
``audiences``); ``kwargs`` are static keyword arguments fixed by the signature.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from jexpr.functions.signatures import Function
from jexpr.functions.signatures import Signature as S
from jexpr.runtime.lib import aggregates as agg
from jexpr.runtime.lib import dates, lists, numbers, strings
from jexpr.runtime.render import render_value

DEC = (("decimal", True),)
TEMPORAL = ("duration", "dateTime", "dateTimeOnly", "dateOnly")
LIST_PARAMS = {"X": "listX"}

#: Every builtin by name, in the order registered (filled below, at import).
BUILTINS: dict[str, Function] = {}


def register(name: str, category: str, doc: str, *signatures: S, pure: bool = True,
             on_list: Any = None) -> None:
    """Add one builtin to :data:`BUILTINS`."""
    BUILTINS[name] = Function(name, category, doc, tuple(signatures), pure, on_list)


def in_audience(audiences: Any, name: Any) -> bool:
    """True when the profile is a member (status realized or existing) of the audience."""
    if name is None or audiences is None:
        return False
    if isinstance(audiences, Mapping):
        return audiences.get(name) in ("realized", "existing")
    return isinstance(audiences, Collection) and name in audiences


def to_string(value: Any) -> str | None:
    return render_value(value)


def _identity(value: Any) -> Any:
    return value


def _match_reg_exp(timeout: float, s: Any, pattern: Any) -> bool:
    return strings.match_reg_exp(s, pattern, timeout)


def _replace(timeout: float, s: Any, pattern: Any, repl: Any) -> Any:
    return strings.replace(s, pattern, repl, timeout)


def _replace_all(timeout: float, s: Any, pattern: Any, repl: Any) -> Any:
    return strings.replace_all(s, pattern, repl, timeout)


def _split(timeout: float, s: Any, pattern: Any) -> Any:
    return strings.split(s, pattern, timeout)


def _register_audience() -> None:
    register("inAudience", "Audience", "True when the profile belongs to the audience "
             "(status realized or existing).",
             S(("string",), "boolean", in_audience, needs=("audiences",)), pure=False)


def _register_aggregation() -> None:
    register("avg", "Aggregation", "Arithmetic mean of the non-null values; null when none.",
             S(("listInteger",), "decimal", agg.avg_list), S(("listDecimal",), "decimal",
                                                              agg.avg_list),
             S(("decimal", "decimal"), "decimal", agg.avg_pair), on_list=agg.avg_numbers)
    for name, impl, doc in (
            ("count", agg.count, "Number of non-null elements."),
            ("countOnlyNull", agg.count_only_null, "Number of null elements."),
            ("countWithNull", agg.count_with_null, "Number of elements, nulls included."),
            ("distinctCountWithNull", agg.distinct_count_with_null,
             "Number of distinct values, null counting as one value.")):
        register(name, "Aggregation", doc, S(("listAny",), "integer", impl))
    register("distinctCount", "Aggregation", "Number of distinct non-null values (or of "
             "distinct values of an attribute).",
             S(("listAny",), "integer", agg.distinct_count),
             S(("listObject", "string"), "integer", agg.distinct_count_by_key))
    for name, lst, pair, by_elements, doc in (
            ("max", agg.max_list, agg.max_pair, agg.max_numbers, "Largest value."),
            ("min", agg.min_list, agg.min_pair, agg.min_numbers, "Smallest value.")):
        sigs = [S(("listInteger",), "integer", lst), S(("listDecimal",), "decimal", lst, kwargs=DEC)]
        sigs += [S(("list" + t[0].upper() + t[1:],), t, lst) for t in TEMPORAL]
        sigs += [S(("integer", "integer"), "integer", pair),
                 S(("decimal", "decimal"), "decimal", pair, kwargs=DEC)]
        sigs += [S((t, t), t, pair) for t in TEMPORAL]
        register(name, "Aggregation", doc + " Null when there is none.", *sigs,
                 on_list=by_elements)
    register("sum", "Aggregation", "Sum of the non-null values; 0 when none.",
             S(("listInteger",), "integer", agg.sum_list),
             S(("listDecimal",), "decimal", agg.sum_list, kwargs=DEC),
             S(("integer", "integer"), "integer", agg.sum_pair),
             S(("decimal", "decimal"), "decimal", agg.sum_pair, kwargs=DEC),
             on_list=agg.sum_numbers)


def _register_conversion() -> None:
    register("toBool", "Conversion", "Boolean of a number (≠ 0) or a string (\"true\" ignoring "
             "case).", *(S((t,), "boolean", numbers.to_bool)
                         for t in ("boolean", "integer", "decimal", "string")))
    register("toDateOnly", "Conversion", "The date part of a date-time or of a text.",
             S(("dateOnly",), "dateOnly", _identity),
             S(("dateTime",), "dateOnly", dates.to_date_only_date_time),
             S(("dateTimeOnly",), "dateOnly", dates.to_date_only_local),
             S(("string",), "dateOnly", dates.to_date_only_string),
             S(("integer", "integer", "integer"), "dateOnly", dates.to_date_only_ymd))
    register("toDateTime", "Conversion", "A dateTime from ISO text, epoch milliseconds, or a "
             "wall time placed in a zone.",
             S(("dateTime",), "dateTime", _identity),
             S(("string",), "dateTime", dates.to_date_time_string),
             S(("string", "dateTimeOnly"), "dateTime", dates.to_date_time_zone_local),
             S(("string", "dateOnly"), "dateTime", dates.to_date_time_zone_date),
             S(("integer",), "dateTime", dates.to_date_time_millis),
             S(("dateTimeOnly", "string"), "dateTime", dates.to_date_time_local_zone))
    register("toDateTimeOnly", "Conversion", "A wall-clock date-time from a dateTime or text.",
             S(("dateTimeOnly",), "dateTimeOnly", _identity),
             S(("dateTime",), "dateTimeOnly", dates.to_date_time_only_date_time),
             S(("string",), "dateTimeOnly", dates.to_date_time_only_string))
    register("toDecimal", "Conversion", "A decimal from a number, boolean or numeric text.",
             *(S((t,), "decimal", numbers.decimal_of_text if t == "string" else
                 numbers.to_decimal) for t in ("decimal", "integer", "string", "boolean")))
    register("toDuration", "Conversion", "A duration from ISO-8601 text (Java grammar) or "
             "milliseconds.",
             S(("duration",), "duration", _identity),
             S(("string",), "duration", dates.to_duration_string),
             S(("integer",), "duration", dates.to_duration_millis))
    register("toInteger", "Conversion", "An integer from a number (truncated), boolean, "
             "integer text or dateTime (epoch ms).",
             *(S((t,), "integer", numbers.integer_of_text if t == "string" else
                 numbers.to_integer) for t in ("integer", "decimal", "string", "boolean",
                                               "dateTime")))
    register("toString", "Conversion", "The text of a scalar value (Java rendering).",
             *(S((t,), "string", to_string) for t in (
                 "string", "integer", "decimal", "boolean", "dateTime", "dateTimeOnly",
                 "dateOnly", "duration")))
    register("date", "Conversion", "A dateOnly, dateTimeOnly or dateTime from a literal text, "
             "by its shape.", S(("string",), "any", dates.date_literal))


def _register_dates() -> None:
    register("currentTimeInMillis", "Date", "Epoch milliseconds of now.",
             S((), "integer", dates.current_time_in_millis, needs=("now",)), pure=False)
    register("now", "Date", "The evaluation instant, at UTC or at a zone's offset.",
             S((), "dateTime", dates.now_utc, needs=("now",)),
             S(("string",), "dateTime", dates.now_in_zone, needs=("now",)), pure=False)
    register("nowWithDelta", "Date", "Now shifted by a number of years, months, weeks, days, "
             "hours, minutes or seconds in a zone.",
             S(("integer", "string"), "dateTime", dates.now_with_delta, needs=("now",)),
             S(("integer", "string", "string"), "dateTime", dates.now_with_delta,
               needs=("now",)), pure=False)
    register("setHours", "Date", "Replace the hour (0–23), keeping the offset.",
             S(("dateTime", "integer"), "dateTime", dates.set_hours),
             S(("dateTimeOnly", "integer"), "dateTimeOnly", dates.set_hours))
    register("setDays", "Date", "Replace the day of month, keeping everything else.",
             S(("dateTime", "integer"), "dateTime", dates.set_days),
             S(("dateTimeOnly", "integer"), "dateTimeOnly", dates.set_days))
    register("updateTimeZone", "Date", "The same instant at a zone's offset.",
             S(("dateTime", "string"), "dateTime", dates.update_time_zone))
    for name, impl in (("inLastDays", dates.in_last_days), ("inLastHours", dates.in_last_hours),
                       ("inLastMonths", dates.in_last_months),
                       ("inLastYears", dates.in_last_years),
                       ("inNextDays", dates.in_next_days), ("inNextHours", dates.in_next_hours),
                       ("inNextMonths", dates.in_next_months),
                       ("inNextYears", dates.in_next_years)):
        unit = name[6:].lower()
        direction = "last" if name.startswith("inLast") else "next"
        register(name, "Date", f"True when the dateTime lies within the {direction} n {unit} "
                 "(bounds inclusive).",
                 S(("dateTime", "integer"), "boolean", impl, needs=("now",)), pure=False)
    register("dateDiff", "Date", "First minus second: days for dates, milliseconds otherwise.",
             S(("dateOnly", "dateOnly"), "integer", dates.date_diff_dates),
             S(("dateTimeOnly", "dateTimeOnly"), "integer", dates.date_diff_locals),
             S(("dateTime", "dateTime"), "integer", dates.date_diff_date_times))


def _register_lists() -> None:
    register("distinct", "List", "Distinct non-null elements (or objects, or objects by "
             "attribute), first occurrence kept.",
             S(("listX",), "listX", lists.distinct), S(("listObject",), "listObject",
                                                         lists.distinct),
             S(("listObject", "string"), "listObject", lists.distinct_by_key))
    register("distinctWithNull", "List", "Distinct elements, keeping one null.",
             S(("listX",), "listX", lists.distinct_with_null))
    register("filter", "List", "Objects whose attribute equals one of the values.",
             S(("listObject", "string", "listX"), "listObject", lists.filter_))
    register("getListItem", "List", "Element at a 0-based index; null when out of range.",
             S(("listX", "integer"), "X", lists.get_list_item),
             S(("listObject", "integer"), "object", lists.get_list_item))
    register("in", "List", "True when the value equals some element of the list.",
             S(("X", "listX"), "boolean", lists.in_))
    register("intersect", "List", "Elements of the first list found in the second.",
             S(("listX", "listX"), "listX", lists.intersect))
    register("limit", "List", "The first n (or last n) elements.",
             S(("listX", "integer"), "listX", lists.limit),
             S(("listObject", "integer"), "listObject", lists.limit),
             S(("listX", "integer", "boolean"), "listX", lists.limit),
             S(("listObject", "integer", "boolean"), "listObject", lists.limit))
    register("list", "List", "A one-element list of a value; a list unchanged.",
             S(("listX",), "listX", lists.list_), S(("listObject",), "listObject", lists.list_),
             S(("X",), "listX", lists.list_), S(("object",), "listObject", lists.list_))
    register("listSize", "List", "Number of elements, nulls included.",
             S(("listAny",), "integer", lists.list_size))
    register("serializeList", "List", "Non-null elements rendered and joined with a "
             "separator, optionally quoted.",
             S(("listX", "string", "boolean"), "string", lists.serialize_list))
    register("sort", "List", "Stable sort, nulls last; objects by an attribute.",
             S(("listX", "boolean"), "listX", lists.sort),
             S(("listObject", "string", "boolean"), "listObject", lists.sort_by_key))


def _register_math() -> None:
    register("random", "Math", "A uniform decimal in [0, 1).",
             S((), "decimal", numbers.random_, needs=("rng",)), pure=False)
    register("round", "Math", "Nearest integer, ties toward positive infinity.",
             S(("integer",), "integer", numbers.round_),
             S(("decimal",), "integer", numbers.round_))


def _register_strings() -> None:
    two = ("string", "string")
    register("concat", "String", "Concatenation of two strings, or of a list of strings.",
             S(two, "string", strings.concat), S(("listString",), "string",
                                                 strings.concat_list))
    for name, impl, doc in (
            ("contain", strings.contain, "True when the first string contains the second."),
            ("containIgnoreCase", strings.contain_ignore_case, "contain, ignoring case."),
            ("endWith", strings.end_with, "Suffix test."),
            ("endWithIgnoreCase", strings.end_with_ignore_case, "Suffix test ignoring case."),
            ("startWith", strings.start_with, "Prefix test."),
            ("startWithIgnoreCase", strings.start_with_ignore_case,
             "Prefix test ignoring case."),
            ("equalIgnoreCase", strings.equal_ignore_case, "Equality ignoring case."),
            ("notEqualIgnoreCase", strings.not_equal_ignore_case,
             "Inequality ignoring case (false when either is null).")):
        register(name, "String", doc, S(two, "boolean", impl))
    register("indexOf", "String", "First code-point index of the second string, or -1.",
             S(two, "integer", strings.index_of))
    register("lastIndexOf", "String", "Last code-point index of the second string, or -1.",
             S(two, "integer", strings.last_index_of))
    register("isEmpty", "String", "True for the empty string.",
             S(("string",), "boolean", strings.is_empty))
    register("isNotEmpty", "String", "True for a non-empty string.",
             S(("string",), "boolean", strings.is_not_empty))
    register("length", "String", "Number of code points.",
             S(("string",), "integer", strings.length))
    register("lower", "String", "Lowercase.", S(("string",), "string", strings.lower))
    register("upper", "String", "Uppercase.", S(("string",), "string", strings.upper))
    register("trim", "String", "Without leading and trailing characters ≤ U+0020.",
             S(("string",), "string", strings.trim))
    register("matchRegExp", "String", "True when the Java regex matches the whole string.",
             S(two, "boolean", _match_reg_exp, needs=("timeout",)))
    register("replace", "String", "Replace the first regex match (Java replacement syntax).",
             S(("string", "string", "string"), "string", _replace, needs=("timeout",)))
    register("replaceAll", "String", "Replace every regex match (Java replacement syntax).",
             S(("string", "string", "string"), "string", _replace_all,
               needs=("timeout",)))
    register("split", "String", "Split around regex matches (Java String.split).",
             S(two, "listString", _split, needs=("timeout",)))
    register("substr", "String", "Code points from begin (inclusive) to end (exclusive).",
             S(("string", "integer"), "string", strings.substr),
             S(("string", "integer", "integer"), "string", strings.substr_range))
    register("uuid", "String", "A random version-4 UUID.",
             S((), "string", strings.uuid, needs=("rng",)), pure=False)


for _register in (_register_audience, _register_aggregation, _register_conversion,
                  _register_dates, _register_lists, _register_math, _register_strings):
    _register()
