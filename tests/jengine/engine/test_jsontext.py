"""The store's JSON texts (issue 12): :func:`pack` decodes to the same value as
:func:`dumps` for everything the store holds, falls back to the standard library for what
orjson does not take exactly as it would, and :func:`loads` reads both spellings."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jengine.runtime.jsontext import dumps, loads, pack

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@given(JSON)
def test_pack_round_trips_like_dumps(value: object) -> None:
    assert loads(pack(value)) == json.loads(dumps(value))
    assert loads(dumps(value)) == json.loads(dumps(value))


def test_pack_falls_back_where_orjson_differs() -> None:
    big = {"n": 2**70}
    assert pack(big) == dumps(big) == '{"n":1180591620717411303424}'
    assert pack({1: "a"}) == dumps({1: "a"}) == '{"1":"a"}'     # a non-string key
    with pytest.raises(TypeError):
        pack({"t": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)})  # refused, as by dumps
    assert pack({"x": 1e16, "s": "é\n"}) in ('{"x":1e16,"s":"é\\n"}', dumps({"x": 1e16,
                                                                            "s": "é\n"}))


def test_loads_takes_what_only_the_standard_library_reads() -> None:
    assert loads('{"n": 1180591620717411303424}') == {"n": 2**70}
    assert math.isnan(loads("NaN"))
    assert loads('"\\ud800"') == "\ud800"
