"""``jengine check`` on hostile files (issue 16, low): each problem is a coded diagnostic with a
position in the file it belongs to — never a traceback — and the other files are still checked."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from jengine.cli import main

EVENT = "event E { namespace email key @event{E.email} fields { email: string } }\n"
JOURNEY = "journey j {\n  entry on event E\n  a: email { template: \"t\", to: @event{E.emial} }\n}\n"


def check(folder: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", str(folder)], out, err)
    assert "Traceback" not in out.getvalue() + err.getvalue()
    return code, out.getvalue()


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("name", "text", "code", "where"), [
    ("deep.journey", "journey d {\n  entry on event E when " + "(" * 3000 + "1" + ")" * 3000
     + "\n}\n", "J-TOO-DEEP", "deep.journey:2:"),
    ("types.journey", "event T { namespace email key @event{T.email} fields { email: string, x: "
     + "{ a: " * 40 + "string" + " }" * 40 + " } }\n", "J-TYPE", "types.journey:1:"),
    ("schema.journey", 'event S { namespace email key @event{S.email} schema "deep.json" }\n',
     "J-SCHEMA", "schema.journey:1:"),
])
def test_hostile_file_is_one_coded_diagnostic(tmp_path: Path, name: str, text: str, code: str,
                                              where: str) -> None:
    (tmp_path / "deep.json").write_text('{"properties": {"x": ' + "[" * 100_000
                                        + "]" * 100_000 + "}}", encoding="utf-8")
    (tmp_path / "ok.journey").write_text(EVENT + JOURNEY, encoding="utf-8")
    (tmp_path / name).write_text(text, encoding="utf-8")
    status, out = check(tmp_path)
    assert status == 1
    assert f" {code} " in out and where in out
    assert "E-FIELD-UNKNOWN" in out  # the other file is still checked (emial)
