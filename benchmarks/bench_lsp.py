"""Language-server latency on a large generated workspace, over the real server over stdio.

::

    python benchmarks/bench_lsp.py                   # needs the [lsp] extra
    python benchmarks/bench_lsp.py --rounds 100 --edits 1000 --runs 3

The workspace is generated in a temporary folder: one file of declarations and 50 journey files
of 100 steps each (``bench_workspace.generate``: every step kind, about 10,000 lines and 4,000
references). A real client (pygls's ``LanguageClient``) starts ``python -m jengine lsp`` and
talks JSON-RPC over its stdin/stdout, so every figure includes serialisation and the protocol
loop. Measured, each as the median and 95th percentile over ``--rounds`` requests:

* **first analysis**: ``didOpen`` of one file → its first ``publishDiagnostics`` (the whole
  workspace parsed, checked and published);
* **diagnostics after an edit**: ``didChange`` of one journey file (a new version) → the
  publication of that version (each edit waits for the previous publication, so it is a lone
  edit, which the server's debounce lets through at once);
* **completion**, **hover**, **definition** at several kinds of places (reference fields, step
  names after ``->``, a cross-file declaration, a step name, an action);
* **RSS** of the server process (``/proc/PID/status``) before and after ``--edits`` edits,
  each waited for, with the figures in between to show whether it grows;
* the **CPU time** the server used (``/proc/PID/stat``) for the first analysis and per edit:
  on a shared machine wall times grow with the load, CPU time much less.

The machine may be shared: ``--runs N`` repeats the latency part with a fresh server and
prints the median of the runs' medians and p95s. Targets (issue 13): diagnostics < 200 ms p95,
hover and definition < 20 ms p95, completion < 50 ms p95, first analysis < 3 s, RSS flat.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_workspace import generate

EDITED = "j7.journey"


class Client(LanguageClient):  # type: ignore[misc]
    """A client that records when each (uri, version) publication arrives."""

    def __init__(self) -> None:
        super().__init__("bench", "1")
        self.published: dict[tuple[str, int | None], float] = {}
        self.arrived = asyncio.Event()

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: types.PublishDiagnosticsParams) -> None:
            self.published.setdefault((params.uri, params.version), time.perf_counter())
            self.arrived.set()

    async def wait_for(self, uri: str, version: int | None, timeout: float = 120.0) -> float:
        deadline = time.perf_counter() + timeout
        while (uri, version) not in self.published:
            self.arrived.clear()
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no publication of {uri} version {version}")
            try:
                await asyncio.wait_for(self.arrived.wait(), min(left, 1.0))
            except TimeoutError:
                continue
        return self.published[(uri, version)]


def position(text: str, marker: str, shift: int | None = None) -> types.Position:
    offset = text.index(marker) + (len(marker) if shift is None else shift)
    return types.Position(line=text.count("\n", 0, offset),
                          character=offset - text.rfind("\n", 0, offset) - 1)


def stats(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) the process has used, in ms (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def timed(rounds: int, call: Callable[[], Awaitable[Any]]) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        await call()
        out.append((time.perf_counter() - start) * 1000)
    return out


async def start(root: Path) -> Client:
    client = Client()
    await client.start_io(sys.executable, "-m", "jengine", "lsp")
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="bench")]))
    client.initialized(types.InitializedParams())
    return client


async def stop(client: Client) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


def open_doc(client: Client, path: Path, text: str) -> str:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=path.as_uri(), language_id="journey",
                                             version=1, text=text)))
    return path.as_uri()


def change(client: Client, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


def edited(text: str, version: int) -> str:
    """The text with one step changed: the first wait's duration (a new text per version)."""
    new, count = re.subn(r"wait \d+h", f"wait {version}h", text, count=1)
    assert count == 1, "the edited file has no wait step"
    return new


async def latency_run(root: Path, rounds: int) -> dict[str, tuple[float, float]]:
    """One server: first analysis, then edits, completion, hover and definition."""
    client = await start(root)
    path = root / EDITED
    text = path.read_text(encoding="utf-8")
    pid = client._server.pid  # the server subprocess
    cpu0, t0 = cpu_ms(pid), time.perf_counter()
    uri = open_doc(client, path, text)
    first = (await client.wait_for(uri, 1) - t0) * 1000
    out: dict[str, tuple[float, float]] = {"first analysis": (first, first),
                                           "first analysis, server CPU": (
                                               cpu_ms(pid) - cpu0, cpu_ms(pid) - cpu0)}
    diag_times = []
    cpu0 = cpu_ms(pid)
    for version in range(2, rounds + 2):
        t0 = time.perf_counter()
        change(client, uri, version, edited(text, version))
        diag_times.append((await client.wait_for(uri, version) - t0) * 1000)
    per_edit = (cpu_ms(pid) - cpu0) / rounds
    out["diagnostics after an edit"] = stats(diag_times)
    out["  server CPU per edit (mean)"] = (per_edit, per_edit)
    current = edited(text, rounds + 1)
    doc = types.TextDocumentIdentifier(uri=uri)

    def at(marker: str, shift: int | None = None) -> types.Position:
        return position(current, marker, shift)

    for label, pos in (("completion @event{Signup.", at("@event{Signup.")),
                       ("completion after '-> '", at("-> ")),
                       ("completion #{ExperiencePlatform.", at("#{ExperiencePlatform."))):
        out[label] = stats(await timed(rounds, lambda p=pos: client.text_document_completion_async(
            types.CompletionParams(text_document=doc, position=p))))
    for label, pos in (("hover event root Signup", at("@event{Signup", -5)),
                       ("hover field email", at("Signup.email", 8)),
                       ("hover step target", at("-> s6", 4)),
                       ("hover action crm", at("action crm", 8))):
        out[label] = stats(await timed(rounds, lambda p=pos: client.text_document_hover_async(
            types.HoverParams(text_document=doc, position=p))))
    for label, pos in (("definition event (other file)", at("@event{Signup", -5)),
                       ("definition step target", at("-> s6", 4)),
                       ("definition action", at("action crm", 8))):
        out[label] = stats(await timed(rounds, lambda p=pos: client.text_document_definition_async(
            types.DefinitionParams(text_document=doc, position=p))))
    await stop(client)
    return out


async def memory_run(root: Path, edits: int) -> list[tuple[int, int]]:
    """RSS (kB) of the server after 0 … ``edits`` edits, each waited for."""
    client = await start(root)
    path = root / EDITED
    text = path.read_text(encoding="utf-8")
    uri = open_doc(client, path, text)
    await client.wait_for(uri, 1)
    pid = client._server.pid  # the server subprocess
    marks = [(0, rss_kb(pid))]
    step = max(1, edits // 4)
    for version in range(2, edits + 2):
        change(client, uri, version, edited(text, version))
        await client.wait_for(uri, version)
        if (version - 1) % step == 0:
            marks.append((version - 1, rss_kb(pid)))
    await stop(client)
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=100, help="requests per measurement")
    parser.add_argument("--edits", type=int, default=1000, help="edits for the RSS figure")
    parser.add_argument("--runs", type=int, default=3, help="servers (median of the runs)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "workspace"
        root.mkdir()
        texts = generate(5000, 100)
        for name, text in texts.items():
            (root / name).write_text(text, encoding="utf-8")
        lines = sum(t.count("\n") for t in texts.values())
        print(f"workspace: {len(texts)} files, {lines} lines; {args.rounds} requests per "
              f"figure, median of {args.runs} server runs\n")
        runs = [asyncio.run(latency_run(root, args.rounds)) for _ in range(args.runs)]
        print(f"{'':<36} {'median ms':>10} {'p95 ms':>8}")
        for label in runs[0]:
            median = statistics.median(r[label][0] for r in runs)
            p95 = statistics.median(r[label][1] for r in runs)
            print(f"{label:<36} {median:>10.1f} {p95:>8.1f}")
        if args.edits:
            marks = asyncio.run(memory_run(root, args.edits))
            print("\nserver RSS after N edits: " + ", ".join(
                f"{n}: {kb / 1024:.0f} MB" for n, kb in marks))


if __name__ == "__main__":
    main()
