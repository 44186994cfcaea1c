"""The documentation site tells the truth: every ``journey`` example checks as the page says,
every function has examples that hold, the generated pages cover the registry, the parsers and
the check codes, and the getting-started tutorial works end to end.

(The site itself is built with warnings as errors by ``.ci/run``:
``sphinx-build -W --keep-going -b html docs docs/_build/html``.)
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

from jdocs import checks, cli, functions  # noqa: E402

from jengine.lang.workspace import load_texts  # noqa: E402

GENERATED = {"journeys/check-examples.md"}
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts
               and "functions" not in p.parts and "spec" not in p.parts
               and p.relative_to(DOCS).as_posix() not in GENERATED)
COMMON = (ROOT / "examples" / "workspace" / "common.journey").read_text(encoding="utf-8")
_BLOCK = re.compile(r"^```journey\n(.*?)^```", re.M | re.S)
_EXPECT = re.compile(r"//\s*(?:error|warning):\s*((?:[JEW]-[A-Z0-9-]+[ ,]*)+)")


def _blocks() -> list[tuple[str, str]]:
    out = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for i, m in enumerate(_BLOCK.finditer(text)):
            out.append((f"{page.relative_to(DOCS).as_posix()}#{i + 1}", m.group(1)))
    return out


BLOCKS = _blocks()


def test_the_reference_has_journey_examples() -> None:
    pages = {name.split("#")[0] for name, _ in BLOCKS}
    assert {"journeys/index.md", "journeys/declarations.md", "journeys/journeys.md",
            "journeys/steps.md"} <= pages
    assert len(BLOCKS) >= 20


@pytest.mark.parametrize(("name", "text"), BLOCKS, ids=[n for n, _ in BLOCKS])
def test_journey_example_checks_as_documented(name: str, text: str) -> None:
    files = {"example.journey": text}
    if "datasource ExperiencePlatform" not in text:
        files["common.journey"] = COMMON
    ws = load_texts(files)
    got = sorted({d.diagnostic.code for d in ws.diagnostics
                  if d.source.name == "example.journey"})
    want = sorted({c.strip() for m in _EXPECT.finditer(text)
                   for c in re.split(r"[ ,]+", m.group(1)) if c.strip()})
    assert got == want, [f"{d.diagnostic.code} {d.diagnostic.message}" for d in ws.diagnostics]


def test_every_function_has_examples_that_hold() -> None:
    from jexpr.conformance import load_vectors, run_vector
    from jexpr.functions.registry import catalogue

    for vector in load_vectors(functions.CURATED):
        assert run_vector(vector).ok, vector.expr
    for fn in catalogue():
        examples = functions.examples_for(fn)
        assert examples, f"{fn.name}: add an example to docs/expressions/examples.jsonl"
        page = functions.page(fn)
        for ex in examples:
            assert run_vector(ex.vector).ok
            assert ex.vector.expr in page and ex.shown in page


def test_function_pages_cover_the_registry() -> None:
    from jexpr.functions.registry import ALIASES, REGISTRY

    pages = functions.pages()
    assert set(pages) == {"expressions/functions/index.md",
                          *(f"expressions/functions/{n}.md" for n in REGISTRY)}
    index = pages["expressions/functions/index.md"]
    for alias in ALIASES:
        assert f"`{alias}`" in index


def test_cli_pages_list_every_command_and_option() -> None:
    import argparse

    import jengine.cli
    import jexpr.cli

    pages = cli.pages()
    for build, page in ((jengine.cli.build_parser, "cli/jengine.md"),
                        (jexpr.cli.build_parser, "cli/jexpr.md")):
        parser = build()
        text = pages[page]
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        for name, child in sub.choices.items():
            assert f"## `{parser.prog} {name}`" in text
            for action in child._actions:
                for flag in action.option_strings:
                    if flag not in ("-h", "--help"):
                        assert f"`{flag}" in text, (name, flag)


def test_every_check_code_is_documented_with_an_example() -> None:
    emitted = set()
    for path in (ROOT / "src" / "jengine" / "lang").rglob("*.py"):
        emitted |= set(re.findall(r'"(J-[A-Z0-9-]+)"', path.read_text(encoding="utf-8")))
    table = (DOCS / "journeys" / "checks.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(J-[A-Z0-9-]+)` \|", table, re.M))
    assert emitted <= documented, sorted(emitted - documented)
    examples = checks.cases_by_code()
    # codes about files, configuration and limits, tested where they are made (not as a broken
    # workspace of small .journey files)
    by_files = {"J-STEPS", "J-SCHEMA", "J-INTERNAL", "J-TOO-DEEP", "J-FILE-ENCODING",
                "J-FILE-READ", "J-FILE-TOO-LARGE", "J-CONFIG"}
    assert documented - by_files <= set(examples), sorted(documented - set(examples))
    page = checks.pages()["journeys/check-examples.md"]
    for code in examples:
        assert f"## `{code}`" in page


def test_the_journey_lexer_knows_every_example() -> None:
    from jdocs.lexer import JourneyLexer
    from pygments.token import Error

    lexer = JourneyLexer()
    for path in sorted((ROOT / "examples").rglob("*.journey")):
        tokens = list(lexer.get_tokens(path.read_text(encoding="utf-8")))
        assert not [t for t in tokens if t[0] is Error], path


def test_the_readme_is_short_and_points_at_the_site() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 120
    assert "docs/getting-started.md" in readme and "sphinx-build" in readme
    assert "jexpr[" not in readme
    first = re.search(r"```sh\n(.*?)```", readme, re.S)
    assert first and "pip install -q -e ." in first.group(1)
    assert "[dev" not in first.group(1)


def test_no_page_names_an_unpublished_package() -> None:
    for path in [*DOCS.rglob("*.md"), ROOT / "README.md",
                 *(ROOT / "vscode-extension").glob("*.md"),
                 *(ROOT / "src").rglob("*.py")]:
        if "_build" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"pip install '?jexpr\[", text), path


# ---- the getting-started tutorial, end to end ---------------------------------------------

SHOP = ROOT / "examples" / "shop"


def test_tutorial_checks_formats_and_draws() -> None:
    import io

    from jengine.cli import main

    def run(*argv: str) -> tuple[int, str]:
        out = io.StringIO()
        return main(list(argv), out, io.StringIO()), out.getvalue()

    assert run("check", str(SHOP))[0] == 0
    assert run("fmt", "--check", str(SHOP))[0] == 0
    code, mermaid = run("graph", "onboarding", "-w", str(SHOP))
    assert code == 0 and "byCountry -->|france| enroll" in mermaid


def test_tutorial_scenario_passes() -> None:
    import io

    from jengine.cli import main

    out = io.StringIO()
    assert main(["test", str(SHOP)], out, io.StringIO()) == 0
    assert "PASS onboarding" in out.getvalue()


def test_tutorial_runs_against_the_stub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's run: the .env key, the stub's sample answer, seven outbox lines."""
    import io

    from jengine.cli import main
    from jengine.lang.workspace import load_workspace
    from jengine.testing.stubserver import StubServer, routes

    probe = StubServer({}, 0)
    port = probe.port
    probe.httpd.server_close()
    ws = tmp_path / "shop"
    shutil.copytree(SHOP, ws)
    journey = ws / "shop.journey"
    journey.write_text(journey.read_text().replace("127.0.0.1:8700", f"127.0.0.1:{port}"))
    monkeypatch.delenv("LOYALTY_KEY", raising=False)
    (ws / ".env").write_text("LOYALTY_KEY=dev-key\n")
    server = StubServer(routes(load_workspace(ws).model, port), port).start()
    monkeypatch.chdir(tmp_path)
    try:
        out = io.StringIO()
        code = main(["run", "shop", "--events", str(SHOP / "events.jsonl"),
                     "--until", "2026-12-10T00:00:00Z", "--json", "--no-progress"], out,
                    io.StringIO())
    finally:
        server.close()
    summary = json.loads(out.getvalue())
    assert code == 0 and summary["outbox"] == 7 and summary["dead_letters"] == 0
    lines = [json.loads(x) for x in (tmp_path / "outbox.jsonl").read_text().splitlines()]
    card = next(x for x in lines if x["step"] == "card")
    assert card["params"]["memberId"] == "sample"
    assert [x["step"] for x in lines if x["profile"] == "ben@example.com"] == [
        "welcome", "offer", "reminder"]
