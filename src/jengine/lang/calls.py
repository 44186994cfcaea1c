"""The HTTP settings of actions and data sources: headers, query, path, auth, size cap.

AJO configures a custom action or an external data source with constant and *variable*
headers and query parameters, a dynamic URL path, and an authentication (API key in a header
or the query, basic, or custom: a token endpoint). This module checks those clauses and turns
them into :class:`~jengine.lang.model.HttpSettings`: the step parameters they add (a variable
header or query entry is a parameter named like the entry, ``path`` a string parameter), each
with its declared type, so :mod:`jengine.lang.sites` type-checks what the step passes.

Rules (``J-CLAUSE`` unless stated): variable entries only in an action's ``headers``/``query``;
a parameter name at most once across ``body``, ``headers``, ``query`` and ``path``;
``maxsize`` from 1B to 100MB; a custom authentication needs ``endpoint``, takes at most one
token placement (default ``bearer``), and its ``cache`` lasts from 1s to 91d (default 1h).
"""

from __future__ import annotations

from collections.abc import Iterable

from jengine.lang import ast as A
from jengine.lang.declared import usage_type
from jengine.lang.index import Reporter
from jengine.lang.literals import MAX_TIMEOUT_MS, UNIT_MS
from jengine.lang.model import DEFAULT_MAX_BYTES, HttpSettings
from jexpr.diagnostics import Diagnostic, error
from jexpr.source import Source

__all__ = ["MAX_BYTES", "http_settings"]

MAX_BYTES = 100 * 1024 * 1024
_AUTH = (A.ApiKeyAuth, A.BasicAuth, A.CustomAuth)


def http_settings(node: A.Action | A.Datasource, reporter: Reporter,
                  source: Source) -> HttpSettings:
    """Check the HTTP clauses of a declaration and collect them."""
    return _Collect(node, reporter, source).run()


class _Collect:
    def __init__(self, node: A.Action | A.Datasource, reporter: Reporter,
                 source: Source) -> None:
        self.node, self.reporter, self.source = node, reporter, source
        self.action = isinstance(node, A.Action)
        self.params: dict[str, str] = {}

    def report(self, diag: Diagnostic) -> None:
        self.reporter.add(self.source, diag)

    def run(self) -> HttpSettings:
        headers: tuple[A.Header, ...] = ()
        query: tuple[A.Header, ...] = ()
        path = False
        max_bytes = DEFAULT_MAX_BYTES
        for f in _body(self.node):
            self.params[f.name.text] = usage_type(f.type) or "any"
        auths = [c for c in self.node.clauses if isinstance(c, _AUTH)]
        for extra in auths[1:]:
            self.report(error("J-CLAUSE", "'auth' is given twice", extra.span,
                              "a declaration has at most one authentication"))
        for clause in self.node.clauses:
            if isinstance(clause, A.Headers):
                entries = self.entries(clause)
                if clause.keyword == "query":
                    query = entries
                else:
                    headers = entries
            elif isinstance(clause, A.PathParam):
                path = True
                self.param("path", "string", clause.span)
            elif isinstance(clause, A.MaxSize):
                max_bytes = self.max_size(clause)
            elif isinstance(clause, A.CustomAuth):
                self.custom(clause)
        return HttpSettings(headers, query, path, auths[0] if auths else None, max_bytes,
                            dict(self.params))

    def entries(self, clause: A.Headers) -> tuple[A.Header, ...]:
        for entry in clause.headers:
            if entry.type is None:
                continue
            if not self.action:
                self.report(error("J-CLAUSE", f"a variable {_word(clause)} entry is not allowed "
                                  "in a data source", entry.span, "data sources take their "
                                  "variable values as field-group params"))
                continue
            self.param(str(entry.name.value), entry.type.name, entry.name.span)
        return clause.headers

    def param(self, name: str, kind: str, span: object) -> None:
        if name in self.params:
            self.report(error("J-CLAUSE", f"the step parameter '{name}' is declared twice "
                              "(body, headers, query or path)", span,  # type: ignore[arg-type]
                              "give each body field, variable header and query entry its own "
                              "name"))
            return
        self.params[name] = kind

    def max_size(self, clause: A.MaxSize) -> int:
        value = int(clause.size.value)
        if not 1 <= value <= MAX_BYTES:
            self.report(error("J-CLAUSE", f"maxsize {clause.size.text} is outside 1B to 100MB",
                              clause.size.span, "responses larger than this fail the call"))
            return DEFAULT_MAX_BYTES
        return value

    def custom(self, auth: A.CustomAuth) -> None:
        settings = [i for i in auth.items if isinstance(i, A.AuthSetting)]
        if not any(s.keyword == "endpoint" for s in settings):
            self.report(error("J-CLAUSE", "a custom authentication needs 'endpoint'", auth.span,
                              'add endpoint "https://…/token"'))
        _once(self, [s for s in settings if s.keyword in ("bearer", "header", "query")],
              "the token placement (bearer, header or query)")
        _once(self, [i for i in auth.items if isinstance(i, A.Cache) or (
            isinstance(i, A.AuthSetting) and i.keyword == "cache from")], "'cache'")
        for word in ("endpoint", "token"):
            _once(self, [s for s in settings if s.keyword == word], f"'{word}'")
        _once(self, [i for i in auth.items if isinstance(i, A.AuthBody)], "the body")
        for item in auth.items:
            if isinstance(item, A.Headers):
                for entry in (e for e in item.headers if e.type is not None):
                    self.report(error("J-CLAUSE", "a variable header is not allowed in a custom "
                                      "authentication", entry.span, "use a constant or secret()"))
            elif isinstance(item, A.Cache) and item.duration.value is not None and not (
                    UNIT_MS["s"] <= item.duration.value <= MAX_TIMEOUT_MS):
                self.report(error("J-CLAUSE", f"a token cache of {item.duration.text} is outside "
                                  "1s to 91d", item.duration.span, "AJO's default is 1h"))


def _once(owner: _Collect, items: list[A.Node], what: str) -> None:
    for extra in items[1:]:
        owner.report(error("J-CLAUSE", f"{what} is given twice in this authentication",
                           extra.span, "give it once"))


def _word(clause: A.Headers) -> str:
    return "header" if clause.keyword == "headers" else "query"


def _body(node: A.Action | A.Datasource) -> Iterable[A.Field]:
    for clause in node.clauses:
        if isinstance(clause, A.Fields) and clause.keyword == "body":
            return clause.fields
    return ()
