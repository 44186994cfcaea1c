"""``jengine report --store LOC``: the per journey version and step counts of a shared store,
aggregated from its journal lines exactly as the embedded runner aggregates its report
counters (:func:`jengine.temporal.store.report_rows`), printed in the same table or JSON."""

from __future__ import annotations

import json
from typing import TextIO

from jengine.runtime.report import COLUMNS
from jengine.temporal.store import report_rows
from jengine.temporal.stores import open_store

__all__ = ["shared_report"]


def shared_report(location: str, as_json: bool, out: TextIO) -> int:
    with open_store(location) as store:
        rows = report_rows(store.outputs("journal"))
    if as_json:
        out.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"jengine report ({location})")
    for name in ("journey", "version", "step", *COLUMNS, "discarded"):
        table.add_column(name, justify="left" if name in ("journey", "step") else "right")
    for row in rows:
        discards = row.get("discarded_by_reason") or {}
        table.add_row(row["journey"], str(row["version"]), row["step"] or "(journey)",
                      *(str(row.get(c, "")) for c in COLUMNS),
                      ", ".join(f"{k} {v}" for k, v in sorted(discards.items())))
    Console(file=out, width=160).print(table)
    return 0
