"""Sphinx configuration of the documentation site (Furo theme, Markdown pages through MyST).

Build it as CI does (warnings are errors)::

    .venv/bin/sphinx-build -W --keep-going -b html docs docs/_build/html

Pages generated from the code (functions, command line, check examples) are written by the
``jdocs`` extension in ``docs/_ext/`` when the build starts.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(DOCS.parent / "src"))

import jexpr  # noqa: E402

project = "jexpr / jengine"
author = "the jexpr / jengine authors"
copyright = "the jexpr / jengine authors"
release = jexpr.__version__
version = jexpr.__version__

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "jdocs"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"jexpr / jengine {release}"
html_static_path: list[str] = []

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False}
nitpicky = False
suppress_warnings = ["myst.header"]
