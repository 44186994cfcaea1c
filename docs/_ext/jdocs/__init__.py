"""The documentation site's own Sphinx extension: pages generated from the code, so they stay
true as the code changes.

* ``expressions/functions/`` — one page per builtin function, from the function registry
  (:mod:`jdocs.functions`), with examples that are run (here, and by the test suite);
* ``cli/jengine.md`` and ``cli/jexpr.md`` — every command and option, from the argument
  parsers (:mod:`jdocs.cli`);
* ``journeys/check-examples.md`` — one broken workspace per check code, with the diagnostics
  ``jengine check`` really prints (:mod:`jdocs.checks`);
* the ``journey`` Pygments lexer for code blocks, its keywords read from the grammar
  (:mod:`jdocs.lexer`).

The generated files are written into the source tree when the build starts (they are listed in
``.gitignore``) and rewritten only when their text changes, so incremental builds stay fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["generate", "setup"]

DOCS = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> None:
    """Write a generated page unless it already holds exactly ``text``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def generate(docs: Path = DOCS) -> list[Path]:
    """Write every generated page below ``docs``; returns their paths."""
    from jdocs import checks, cli, functions

    pages = {**functions.pages(), **cli.pages(), **checks.pages()}
    stale = set((docs / "expressions" / "functions").glob("*.md"))
    for name, text in pages.items():
        write(docs / name, text)
        stale.discard(docs / name)
    for path in stale:  # a function that no longer exists
        path.unlink()
    return [docs / name for name in pages]


def _on_init(app: Any) -> None:
    generate(Path(app.srcdir))


def setup(app: Any) -> dict[str, Any]:
    from jdocs.lexer import JourneyLexer

    app.add_lexer("journey", JourneyLexer)
    app.connect("builder-inited", _on_init)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
