"""``jengine graph JOURNEY``: a journey drawn as Graphviz SVG or dot source, or a Mermaid flowchart."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from jengine.cli.common import existing
from jengine.lang.graph import GraphError, render
from jengine.lang.roots import enclosing_root
from jengine.lang.workspace import load_files, load_workspace

__all__ = ["HELP", "configure", "run"]

HELP = 'draw a journey as a diagram'


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("journey", help="the journey's name")
    p.add_argument("--workspace", "-w", type=Path, default=Path("."),
                   help="the workspace folder (default: the current folder), or a .journey "
                        "file: the workspace it belongs to (journeys.toml, else its folder)")
    p.add_argument("--format", "-f", choices=("svg", "dot", "mermaid"), default="mermaid")
    p.add_argument("--output", "-o", type=Path, help="write to a file instead of stdout")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if existing(args.workspace).is_file():
        root = enclosing_root(args.workspace.resolve())
        ws = load_files(root.folder, root.files, root.config)
    else:
        ws = load_workspace(args.workspace)
    journey = ws.model.journeys.get(args.journey)
    if journey is None:
        names = ", ".join(sorted(ws.model.journeys)) or "none"
        print(f"jengine: no journey '{args.journey}' in {args.workspace} (journeys: {names})",
              file=err)
        return 2
    try:
        text = render(journey, args.format)
    except GraphError as exc:
        print(f"jengine: {exc}", file=err)
        return 2
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        out.write(text)
    return 0
