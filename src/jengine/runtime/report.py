"""``jengine report``: per journey version and per step counts of a state store (§5.3).

The counts are the ``report`` counters the runner aggregates from the journal lines it
commits: ``entered`` (step ``""``), per step ``completed``, ``error``, ``timed_out``,
``exited:<reason>``, ``jump_skipped``, and ``discarded:<reason>`` (step ``""``); ``late``
counts the journal lines of a step that a late input caused (``"late": true``, §4.4).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any, TextIO

from jengine.runtime.store import Store

__all__ = ["collect", "report_command"]

COLUMNS = ("entered", "completed", "error", "timed_out", "exited", "late")


def collect(store: Store) -> list[dict[str, Any]]:
    """One row per (journey, version, step) with its counters (discards by reason)."""
    rows: dict[tuple[str, int, str], dict[str, Any]] = defaultdict(dict)
    for c in store.counters("report"):
        row = rows[(c.journey, c.version, c.step)]
        if ":" in c.name:
            kind, reason = c.name.split(":", 1)
            row.setdefault(kind, 0)
            row[kind] += c.value
            row.setdefault(f"{kind}_by_reason", {})[reason] = c.value
        else:
            row[c.name] = row.get(c.name, 0) + c.value
    return [{"journey": j, "version": v, "step": s or None, **counts}
            for (j, v, s), counts in sorted(rows.items())]


def report_command(path: Path, as_json: bool, out: TextIO, width: int = 160,
                   colour: bool = False) -> int:
    """Print the report of a store: JSON, or a table laid out in ``width`` columns."""
    with Store(path) as store:
        rows = collect(store)
    if as_json:
        out.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title="jengine report")
    for name in ("journey", "version", "step", *COLUMNS, "discarded"):
        table.add_column(name, justify="left" if name in ("journey", "step") else "right")
    for row in rows:
        discards = row.get("discarded_by_reason") or {}
        table.add_row(row["journey"], str(row["version"]), row["step"] or "(journey)",
                      *(str(row.get(c, "")) for c in COLUMNS),
                      ", ".join(f"{k} {v}" for k, v in sorted(discards.items())))
    Console(file=out, width=width, no_color=not colour, force_terminal=colour,
            highlight=False).print(table)
    return 0
