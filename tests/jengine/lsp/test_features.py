"""Unit tests of the feature functions (no server): convert, completion, hover, signature help,
formatting, folding, semantic tokens and diagnostics over the example workspace."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsprotocol import types

from jengine.lsp.analysis import Analysis, AnalysisCache
from jengine.lsp.convert import Document, range_from_str
from jengine.lsp.features import completion, folding, formatting, hover, semantic_tokens
from jengine.lsp.features.diagnostics import Publisher, workspace_diagnostics
from jengine.lsp.features.signature import signature_help
from jexpr.source import Source

EXAMPLES = Path(__file__).parents[3] / "examples" / "workspace"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("features") / "workspace"
    shutil.copytree(EXAMPLES, target)
    return target


@pytest.fixture(scope="module")
def analysis(root: Path) -> Analysis:
    return AnalysisCache(root).get({})


def labels(analysis: Analysis, text: str, marker: str, shift: int | None = None) -> list[str]:
    offset = text.index(marker) + (len(marker) if shift is None else shift)
    return [i.label for i in completion.complete(analysis, text, offset).items]


# ---- convert: the one place of UTF-16


@pytest.mark.parametrize(("text", "start", "end", "expected"), [
    ('a: "x" b', 7, 8, "0:7-0:8"),
    ('a: "😀" b', 7, 8, "0:8-0:9"),                  # astral: 2 UTF-16 units
    ('a: "é" b', 7, 8, "0:7-0:8"),                   # BMP: 1 unit
    ('x\r\n"😀😀"\rb', 8, 9, "2:0-2:1"),              # \r\n and a lone \r end lines
    ('x\n"😀😀" y', 7, 8, "1:7-1:8"),
])
def test_convert_spans_to_utf16(text: str, start: int, end: int, expected: str) -> None:
    doc = Document("file:///t.journey", Source(text))
    assert doc.range_of(start, end) == range_from_str(expected)
    assert doc.span(range_from_str(expected)).start == start
    assert doc.span(range_from_str(expected)).end == end


def test_convert_clamps_positions_past_the_end() -> None:
    doc = Document("file:///t.journey", Source("ab\ncd"))
    assert doc.offset(types.Position(line=0, character=99)) == 2
    assert doc.offset(types.Position(line=9, character=0)) == 5


# ---- diagnostics


def test_examples_have_no_diagnostics(analysis: Analysis) -> None:
    assert all(p.diagnostics == [] for p in workspace_diagnostics(analysis))


def test_publisher_sends_only_changes(root: Path) -> None:
    sent: list[types.PublishDiagnosticsParams] = []
    publisher = Publisher(sent.append)
    cache = AnalysisCache(root)
    first = cache.get({})
    assert publisher.update(first) == len(first.paths)
    assert publisher.update(first) == 0
    path = root / "welcome.journey"
    text = path.read_text(encoding="utf-8").replace("-> tips\n    vip", "-> tipz\n    vip")
    second = cache.get({path: (path.as_uri(), text, 2)})
    assert publisher.update(second) == 1
    assert sent[-1].version == 2 and sent[-1].diagnostics[0].code == "J-NAME-UNKNOWN"


def test_diagnostic_carries_its_fix_in_data(root: Path) -> None:
    path = root / "welcome.journey"
    text = path.read_text(encoding="utf-8").replace('inAudience("VIP")', 'inSegment("VIP")')
    analysis = AnalysisCache(root).get({path: (path.as_uri(), text, 2)})
    [diag] = analysis.diagnostics[path]
    lsp = analysis.document(path).diagnostic(diag)
    assert lsp.code == "W-DEPRECATED-ALIAS" and lsp.tags == [types.DiagnosticTag.Deprecated]
    assert isinstance(lsp.data, dict) and lsp.data["fix"]["newText"] == "inAudience"


def test_analysis_is_cached_per_version(root: Path) -> None:
    cache = AnalysisCache(root)
    path = root / "welcome.journey"
    text = path.read_text(encoding="utf-8")
    one = cache.get({path: (path.as_uri(), text, 1)})
    assert cache.get({path: (path.as_uri(), text, 1)}) is one
    assert cache.get({path: (path.as_uri(), text + " ", 2)}) is not one


# ---- completion


def test_completion_contexts(analysis: Analysis, root: Path) -> None:
    text = (root / "welcome.journey").read_text(encoding="utf-8")
    assert labels(analysis, text, "@event{SubscriptionCreated.") == [
        "email", "firstName", "plan", "source"]
    assert "SubscriptionCreated" in labels(analysis, text, "@event{")
    assert labels(analysis, text, "#{ExperiencePlatform.") == ["ProfileFieldGroup", "Events"]
    fields = labels(analysis, text, "#{ExperiencePlatform.Events.experienceevent.")
    assert {"_id", "timestamp", "all", "first"} <= set(fields)
    assert "step" in labels(analysis, text, "(\n        currentDataPackField.")
    assert labels(analysis, text, "opened reminder -> ")[:3] == ["hello", "pause", "engaged"]
    assert labels(analysis, text, "  pause: ")[:3] == ["action", "await", "condition"]
    assert labels(analysis, text, "hello: email {\n") == ["template", "to", "channel"]
    assert labels(analysis, text, "// opened") == []                   # in a comment
    assert labels(analysis, text, 'template: "wel') == []              # in a string
    assert labels(analysis, "", "") == ["event", "datasource", "action", "audience", "channel", "rules", "journey"]


def test_completion_of_channel_settings(analysis: Analysis) -> None:
    text = 'channel mail email {\n  provider: smtp\n  \n}\nchannel t sms {\n  \n}\n'
    smtp = labels(analysis, text, "provider: smtp\n  ")
    assert {"server", "security", "from", "address", "tracking"} <= set(smtp)
    assert "provider" not in smtp and "messagingService" not in smtp     # given; twilio's
    assert {"provider", "messagingService", "server"} <= set(labels(analysis, text, "sms {\n  "))
    assert "channel" in labels(analysis, (analysis.root / "welcome.journey").read_text(
        encoding="utf-8"), "hello: email {\n")


def test_completion_of_names_after_keywords(analysis: Analysis) -> None:
    text = "journey j {\n  entry on event X\n  a: action \n  b: jump \n  c: wait 1d\n}\n"
    assert "couponService" in labels(analysis, text, "a: action ")
    assert "welcome" in labels(analysis, text, "b: jump ")
    assert "VIP" in labels(analysis, "journey j { exit on audience ", "audience ")


def test_completion_of_action_parameters(analysis: Analysis) -> None:
    text = "journey j {\n  s: action couponService {\n    email: \"x\"\n    \n  }\n}\n"
    got = labels(analysis, text, 'email: "x"\n    ')
    assert got == ["cartId", "amount", "skus"]


def test_completion_of_functions_with_snippets(analysis: Analysis) -> None:
    text = "journey j { entry on event PurchaseMade when "
    items = completion.complete(analysis, text, len(text)).items
    count = next(i for i in items if i.label == "count")
    assert count.insert_text_format == types.InsertTextFormat.Snippet
    alias = next(i for i in items if i.label == "inSegment")
    assert alias.tags == [types.CompletionItemTag.Deprecated]


# ---- hover and signature help


def hover_text(analysis: Analysis, path: Path, marker: str, shift: int = 1) -> str | None:
    text = analysis.texts[path]
    found = hover.hover(analysis, path, text.index(marker) + shift)
    if found is None:
        return None
    assert isinstance(found.contents, types.MarkupContent)
    return found.contents.value


def test_hover(analysis: Analysis, root: Path) -> None:
    path = root / "welcome.journey"
    assert "inAudience(string) → boolean" in (hover_text(analysis, path, "inAudience") or "")
    step = hover_text(analysis, path, "react: await") or ""
    assert "await" in step and "- `opened reminder` → `tips`" in step
    field = hover_text(analysis, path, "SubscriptionCreated.plan}", 21) or ""
    assert "`string`" in field
    event = hover_text(analysis, path, "event SubscriptionCreated {", 7) or ""
    assert "`plan`: string" in event
    assert hover_text(analysis, path, "// Welcome", 3) is None


def test_signature_help_picks_the_overload_by_argument_count() -> None:
    text = 'journey j { entry on event E when substr("abc", 1, '
    found = signature_help(text, len(text))
    assert found is not None
    assert found.active_parameter == 2 and found.active_signature == 1
    assert signature_help("journey j { entry on event E when (1 + ", 39) is None


# ---- formatting, folding, semantic tokens


def test_formatting_is_one_edit_or_none(analysis: Analysis, root: Path) -> None:
    path = root / "welcome.journey"
    [edit] = formatting.format_document(analysis.document(path)) or [None]
    formatted = Document("file:///f.journey", Source(edit.new_text if edit else ""))
    assert formatting.format_document(formatted) == []
    messy = Document("file:///m.journey", Source("audience   VIP2\n"))
    [edit] = formatting.format_document(messy)
    assert edit.new_text == "audience VIP2\n"
    assert formatting.format_document(Document("file:///b.journey", Source("event {"))) == []


def test_folding(analysis: Analysis, root: Path) -> None:
    path = root / "welcome.journey"
    folds = folding.folding_ranges(analysis.document(path))
    assert folds[0] == types.FoldingRange(start_line=0, end_line=3,
                                          kind=types.FoldingRangeKind.Comment)
    broken = Document("file:///b.journey", Source("journey x {\n  a: email {\n\n"))
    assert folding.folding_ranges(broken) == []


def test_semantic_tokens_are_utf16_and_sorted(root: Path) -> None:
    path = root / "u.journey"
    text = 'journey u {\n  entry on event PurchaseMade\n  a: email { t: "😀" } -> b\n  b: end\n}\n'
    analysis = Analysis(root, {**{p: p.read_text() for p in root.glob("*.journey")}, path: text})
    tokens = semantic_tokens.collect(analysis, path)
    assert [t.start for t in tokens] == sorted(t.start for t in tokens)
    data = semantic_tokens.semantic_tokens(analysis, path)
    rows = [data[i:i + 5] for i in range(0, len(data), 5)]
    string_row = next(r for r in rows if semantic_tokens.TOKEN_TYPES[r[3]] == "string")
    assert string_row[2] == 4  # "😀" is 4 UTF-16 units with its quotes
    target = rows[rows.index(string_row) + 1]
    assert target[1] == 10  # `b`: 4 units of string, then ` } -> `

