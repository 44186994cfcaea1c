"""The shared store as files in one folder, for a single machine (several worker processes).

* ``outbox.jsonl``, ``journal.jsonl``, ``deadletters.jsonl`` — the output lines, exactly as the
  embedded engine writes them, each exactly once.
* ``effects.idx`` — one line per output line: ``effect id``, stream, the stream file's size
  after that line. It is the de-duplication index and the commit record: a line is committed
  when its index line is written. At every write, under the lock, each stream file is first
  cut back to its last committed size (a crash between the two writes leaves a line without
  index line; the retried activity writes it again).
* ``profiles.jsonl`` — the profile directory, appended (the last line of an id wins).
* ``state.json`` — cap counters and applied claims, the rate log, the version registry and
  the latest spec id (rewritten atomically: a temporary file renamed over it).
* ``specs/<id>.json`` — the published spec snapshots.

Every operation holds ``lock`` (``flock``) while it runs; reads refresh from the files.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jengine.temporal.codec import OutputRecord
from jengine.temporal.store import STREAMS, SharedStore

__all__ = ["FileStore"]

Json = dict[str, Any]
FILES = {"outbox": "outbox.jsonl", "journal": "journal.jsonl", "deadletter": "deadletters.jsonl"}


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class FileStore(SharedStore):
    """See the module docstring."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.location = str(self.folder)
        (self.folder / "specs").mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._state: Json = {}
        self._dirty = False

    # -- locking and the state file ---------------------------------------------------------

    @contextmanager
    def locked(self, name: str = "") -> Iterator[None]:
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth = depth
            return
        with open(self.folder / "lock", "a+b") as fd:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._local.depth = 1
            try:
                self._state = self._read_state()
                self._dirty = False
                yield
                if self._dirty:
                    self._write_state()
            finally:
                self._local.depth = 0
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _read_state(self) -> Json:
        path = self.folder / "state.json"
        if not path.exists():
            return {}
        data: Json = json.loads(path.read_text(encoding="utf-8"))
        return data

    def _write_state(self) -> None:
        tmp = self.folder / f"state.json.{os.getpid()}.{threading.get_ident()}"
        tmp.write_text(_dumps(self._state), encoding="utf-8")
        os.replace(tmp, self.folder / "state.json")

    def _section(self, name: str) -> Json:
        section: Json = self._state.setdefault(name, {})
        return section

    # -- outputs ---------------------------------------------------------------------------

    def _index(self) -> tuple[set[str], dict[str, int]]:
        ids: set[str] = set()
        sizes = dict.fromkeys(STREAMS, 0)
        path = self.folder / "effects.idx"
        if path.exists():
            with path.open("rb") as f:
                for raw in f:
                    if not raw.endswith(b"\n"):
                        break  # a partial index line: not committed
                    eid, stream, size = raw.decode("utf-8").rstrip("\n").rsplit("\t", 2)
                    ids.add(eid)
                    sizes[stream] = int(size)
        return ids, sizes

    def put_outputs(self, records: Sequence[OutputRecord]) -> int:
        with self.locked("outputs"):
            ids, sizes = self._index()
            self._repair(sizes)
            index_lines: list[str] = []
            chunks: dict[str, list[str]] = {s: [] for s in STREAMS}
            for rec in records:
                if rec.id in ids:
                    continue
                ids.add(rec.id)
                line = _dumps(rec.line) + "\n"
                chunks[rec.stream].append(line)
                sizes[rec.stream] += len(line.encode("utf-8"))
                index_lines.append(f"{rec.id}\t{rec.stream}\t{sizes[rec.stream]}\n")
            for stream, lines in chunks.items():
                if lines:
                    with (self.folder / FILES[stream]).open("ab") as f:
                        f.write("".join(lines).encode("utf-8"))
            if index_lines:
                with (self.folder / "effects.idx").open("ab") as f:
                    f.write("".join(index_lines).encode("utf-8"))
            return len(index_lines)

    def _repair(self, sizes: Mapping[str, int]) -> None:
        """Cut every stream file back to its committed size."""
        for stream, size in sizes.items():
            path = self.folder / FILES[stream]
            if path.exists() and path.stat().st_size > size:
                with path.open("r+b") as f:
                    f.truncate(size)
        idx = self.folder / "effects.idx"
        if idx.exists():
            data = idx.read_bytes()
            if data and not data.endswith(b"\n"):
                idx.write_bytes(data[:data.rfind(b"\n") + 1])

    def output_records(self, stream: str) -> list[OutputRecord]:
        with self.locked("outputs"):
            ids, sizes = self._index()
            path = self.folder / FILES[stream]
            if not path.exists():
                return []
            data = path.read_bytes()[:sizes[stream]]
            order = [line.split("\t")[0] for line in
                     (self.folder / "effects.idx").read_text(encoding="utf-8").splitlines()
                     if line.split("\t")[1:2] == [stream]] if ids else []
        lines = [json.loads(x) for x in data.decode("utf-8").splitlines() if x]
        return [OutputRecord(eid, stream, line) for eid, line in zip(order, lines, strict=False)]

    # -- profiles --------------------------------------------------------------------------

    def put_profiles(self, rows: Sequence[tuple[str, Json, Sequence[str]]]) -> None:
        if not rows:
            return
        text = "".join(_dumps({"id": pid, "profile": p, "member": sorted(m)}) + "\n"
                       for pid, p, m in rows)
        with self.locked("profiles"), (self.folder / "profiles.jsonl").open("ab") as f:
            f.write(text.encode("utf-8"))

    def _profiles(self) -> dict[str, Json]:
        path = self.folder / "profiles.jsonl"
        out: dict[str, Json] = {}
        if path.exists():
            with self.locked("profiles"), path.open("rb") as f:
                for raw in f:
                    if raw.endswith(b"\n"):
                        row = json.loads(raw)
                        out[row["id"]] = row
        return out

    def members(self, audience: str) -> list[str]:
        return sorted(pid for pid, row in self._profiles().items() if audience in row["member"])

    def profile(self, pid: str) -> Json | None:
        row = self._profiles().get(pid)
        return None if row is None else dict(row["profile"])

    # -- cap counters ----------------------------------------------------------------------

    def claim(self, claim_id: str, changes: Mapping[str, tuple[int, int]]) -> dict[str, int]:
        with self.locked("caps"):
            counters, claims = self._section("counters"), self._section("claims")
            if claim_id in claims:
                return {}
            current = {k: int(counters.get(k, 0)) for k in changes}
            if any(current[k] != old for k, (old, _) in changes.items()):
                return current
            for k, (_, new) in changes.items():
                counters[k] = new
            claims[claim_id] = True
            self._dirty = True
            return {}

    # -- rate log --------------------------------------------------------------------------

    def _rates(self, action: str) -> dict[str, list[Any]]:
        rates: dict[str, list[Any]] = self._section("rates").setdefault(action, {})
        return rates

    def rate_times(self, action: str, after: int, key: str) -> list[int]:
        with self.locked():
            return sorted(at for k, (at, _) in self._rates(action).items()
                          if at > after and k != key)

    def rate_count(self, action: str, low: int, high: int, key: str) -> int:
        with self.locked():
            return sum(1 for k, (at, made) in self._rates(action).items()
                       if made and low < at <= high and k != key)

    def rate_reserved(self, action: str, key: str) -> int | None:
        with self.locked():
            entry = self._rates(action).get(key)
            return None if entry is None else int(entry[0])

    def rate_log(self, action: str, key: str, at: int, made: bool) -> None:
        with self.locked():
            self._rates(action)[key] = [at, made]
            self._dirty = True

    def rate_forget(self, action: str, key: str) -> None:
        with self.locked():
            self._rates(action).pop(key, None)
            self._dirty = True

    def rate_prune(self, action: str, before: int) -> None:
        with self.locked():
            rates = self._rates(action)
            for k in [k for k, (at, _) in rates.items() if at <= before]:
                del rates[k]
                self._dirty = True

    # -- versions and specs ----------------------------------------------------------------

    def registry(self) -> list[Json]:
        with self.locked():
            return list(self._state.get("registry", []))

    def put_registry(self, records: Sequence[Json]) -> None:
        with self.locked():
            self._state["registry"] = list(records)
            self._dirty = True

    def put_spec(self, snapshot: Json) -> None:
        with self.locked():
            path = self.folder / "specs" / f"{snapshot['id']}.json"
            if not path.exists():
                tmp = path.with_suffix(".tmp")
                tmp.write_text(_dumps(snapshot), encoding="utf-8")
                os.replace(tmp, path)
            latest = self._state.get("latest")
            if latest is None or snapshot["gen"] > latest["gen"]:
                self._state["latest"] = {"id": snapshot["id"], "gen": snapshot["gen"]}
                self._dirty = True

    def spec(self, spec_id: str) -> Json | None:
        path = self.folder / "specs" / f"{spec_id}.json"
        if not path.exists():
            return None
        data: Json = json.loads(path.read_text(encoding="utf-8"))
        return data

    def latest_spec(self) -> Json | None:
        with self.locked():
            latest = self._state.get("latest")
        return None if latest is None else self.spec(latest["id"])
