"""The journey language server (``jengine lsp``): a thin pygls protocol layer over plain features.

Layout (architecture rule 9):

* :mod:`jengine.lsp.server` — the only module with ``@server.feature``; handlers fetch the cached
  :class:`~jengine.lsp.analysis.Analysis` and call a feature function;
* :mod:`jengine.lsp.analysis` — per-version cache of the whole workspace (open editors overlaid on
  the folder), with diagnostics by file and an index of declarations and references;
* :mod:`jengine.lsp.convert` — the one place where spans (code points) meet LSP positions
  (UTF-16 by default, through pygls's ``PositionCodec``);
* :mod:`jengine.lsp.features` — one module per feature, each a set of plain functions.

pygls and lsprotocol are imported only inside this package, and only when the server starts
(the ``lsp`` extra: ``pip install -e '.[lsp]'`` in the repository).
"""

from __future__ import annotations

__all__ = ["main"]


def main() -> int:
    """Start the server over stdio (``jengine lsp``)."""
    from jengine.lsp.server import start

    start()
    return 0
