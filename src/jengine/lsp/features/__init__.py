"""LSP features as plain functions over an :class:`~jengine.lsp.analysis.Analysis`.

Each module takes an analysis (and a document and an offset where it needs one) and returns
lsprotocol values; none of them knows about the server, so each is unit-tested without one.
"""
