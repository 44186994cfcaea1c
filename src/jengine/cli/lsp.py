"""``jengine lsp``: start the language server over stdio (needs the ``lsp`` extra)."""

from __future__ import annotations

import argparse
from typing import TextIO

__all__ = ["HELP", "configure", "run"]

HELP = 'start the language server over stdio'


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stdio", action="store_true", help="talk over stdio (the default)")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importlib.util import find_spec

    if find_spec("pygls") is None or find_spec("lsprotocol") is None:  # pragma: no cover
        from jexpr.console import install_hint

        print("jengine: the language server needs pygls and lsprotocol (the 'lsp' extra): "
              f"{install_hint('lsp')}", file=err)
        return 2
    from jengine.lsp import main as lsp_main

    return lsp_main()
