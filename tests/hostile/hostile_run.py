"""Shared by the runtime attacks: a small workspace, a run in a temporary folder, its outputs."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jengine.runtime.runner import RunOptions, RunResult, run

JOURNEY = """\
event Signup {
  namespace email
  key @event{Signup.email}
  fields {
    email: string
    plan: string
    n: integer
  }
}

journey hello "Hello" {
  version 1
  entry on event Signup
  greet: email {
    template: "hi"
    to: @event{Signup.email}
  }
  pause: wait 1d
  again: email {
    template: "again"
    to: @event{Signup.email}
  }
}
"""


def event(email: str, time: str = "2026-12-01T10:00:00Z", **payload: Any) -> str:
    """One ``Signup`` event line."""
    body = {"email": email, "plan": "pro", "n": 1, **payload}
    return json.dumps({"event": "Signup", "time": time, "payload": body})


def workspace(tmp: Path, text: str = JOURNEY) -> Path:
    folder = tmp / "ws"
    folder.mkdir(exist_ok=True)
    (folder / "hello.journey").write_text(text, encoding="utf-8")
    return folder


def options(tmp: Path, events: Path | str, journey: str = JOURNEY, **kw: Any) -> RunOptions:
    """Run options with every output in ``tmp`` (the workspace: ``journey``)."""
    return RunOptions(workspace=workspace(tmp, journey), events=events, state=tmp / "state.db",
                      outbox=tmp / "outbox.jsonl", journal=tmp / "journal.jsonl",
                      dead_letters=tmp / "deadletters.jsonl", err=io.StringIO(), **kw)


def run_lines(tmp: Path, lines: list[str], **kw: Any) -> RunResult:
    """Run the lines (written to ``events.jsonl``) through the hello workspace."""
    path = tmp / "events.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return run(options(tmp, path, **kw))


def outputs(tmp: Path, name: str) -> list[dict[str, Any]]:
    path = tmp / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@contextmanager
def peak_memory(limit: int) -> Iterator[None]:
    """Fail when the Python allocations inside the block peak above ``limit`` bytes."""
    tracemalloc.start()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < limit, f"peak {peak:,} bytes > {limit:,}"
