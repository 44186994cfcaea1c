"""Live mode: a non-UTF-8 byte saved into a workspace file used to stop the engine (issue 16,
medium). It is a file error like a syntax error: the new version is refused
(``J-FILE-ENCODING`` reported), the loaded one keeps running, a later good save is taken.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from hostile_run import JOURNEY

from jengine.runtime.runner import RunOptions, run


def _event(n: int) -> str:
    return json.dumps({"event": "Signup", "payload": {"email": f"p{n}@example.com",
                                                      "plan": "pro", "n": n}}) + "\n"


@pytest.mark.timeout(60)
def test_non_utf8_save_is_refused_and_the_old_version_runs(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    source = ws / "hello.journey"
    source.write_text(JOURNEY, encoding="utf-8")
    events = tmp_path / "events.jsonl"
    events.write_text(_event(0), encoding="utf-8")
    v2 = JOURNEY.replace("version 1", "version 2")
    changes: list[bytes] = [
        v2.replace('"Hello"', '"H\xe9llo"').encode("latin-1"),   # a bare 0xE9 byte
        b"\xff\xfe" + v2.encode("utf-16-le"),                      # another encoding
        v2.encode("utf-8"),                                        # fixed: version 2 opens
    ]
    journal = tmp_path / "journal.jsonl"
    deadline = time.monotonic() + 40
    state: dict[str, Any] = {"n": 0}

    def entered() -> list[Any]:
        if not journal.exists():
            return []
        return [j for j in map(json.loads, journal.read_text().splitlines())
                if j["outcome"] == "entered"]

    def stop() -> bool:
        n = state["n"]
        if time.monotonic() > deadline:
            return True
        if len(entered()) < n + 1:
            return False
        if n == len(changes):
            return True
        source.write_bytes(changes[n])
        with events.open("a", encoding="utf-8") as f:
            f.write(_event(n + 1))
        state["n"] = n + 1
        return False

    err = io.StringIO()
    result = run(RunOptions(workspace=ws, events=events, state=tmp_path / "s.db",
                            outbox=tmp_path / "outbox.jsonl", journal=journal,
                            dead_letters=tmp_path / "dead.jsonl", mode="live", stop=stop,
                            err=err))
    assert result.status == 0, err.getvalue()
    assert [j["version"] for j in entered()] == [1, 1, 1, 2]
    text = err.getvalue()
    assert text.count("J-FILE-ENCODING") == 2 and "Traceback" not in text
    assert text.count("changed workspace has errors") == 2
