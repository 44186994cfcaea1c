"""The environment ``secret("NAME")`` reads: the process environment over a ``.env`` file.

``jengine run`` reads ``<workspace>/.env`` when it exists (or the file given with
``--env-file``), in the usual ``NAME=value`` format (``#`` comments, quotes, ``export``
prefixes; parsed by python-dotenv). A variable set in the process environment wins over the
file, so a deployment overrides a development default without editing it. Values are never
printed or logged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

__all__ = ["ENV_FILE", "run_environment"]

ENV_FILE = ".env"


def run_environment(workspace: Path, env_file: Path | None = None,
                    environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a run: ``environ`` (default ``os.environ``) over the env file."""
    path = env_file
    if path is None:
        folder = workspace if workspace.is_dir() else workspace.parent
        path = folder / ENV_FILE
    values: dict[str, str] = {}
    if path.is_file():
        values = {k: v for k, v in dotenv_values(path).items() if v is not None}
    return {**values, **(os.environ if environ is None else environ)}
