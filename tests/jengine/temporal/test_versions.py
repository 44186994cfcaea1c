"""Publishing journey versions to the shared store (§4.5), as the embedded engine registers
them: a higher version opens and the older stays runnable for instances in flight; the same
text changes nothing; a changed text under the same version is refused."""

from __future__ import annotations

from pathlib import Path

from jengine.core.context import Options
from jengine.temporal.specs import compiled, publish
from jengine.temporal.stores import open_store

JOURNEY = """event Ping {{
  namespace email
  key @event{{Ping.id}}
  fields {{
    id: string
  }}
}}

journey ping "Ping" {{
  version {v}
  entry on event Ping

  hello: email {{
    template: "{t}"
    to: "x@example.com"
  }}
  done: end
}}
"""


def _write(folder: Path, version: int, template: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "ping.journey").write_text(JOURNEY.format(v=version, t=template))
    return folder


def test_versions_publish_like_the_embedded_engine(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    with open_store(tmp_path / "store") as store:
        first = publish(store, _write(ws, 1, "a"), Options())
        assert first.problems == [] and first.opened == [("ping", 1)]
        again = publish(store, ws, Options())
        assert again.snapshot is not None and first.snapshot is not None
        assert again.snapshot["id"] == first.snapshot["id"] and again.opened == []
        refused = publish(store, _write(ws, 1, "changed"), Options())
        assert refused.snapshot is None
        assert refused.problems[0].startswith("J-VERSION-REUSED")
        second = publish(store, _write(ws, 2, "b"), Options())
        assert second.opened == [("ping", 2)] and second.snapshot is not None
        assert second.snapshot["gen"] == first.snapshot["gen"] + 1
        spec = compiled(second.snapshot)
        assert spec.open["ping"] == 2
        assert spec.version("ping", 1) is not None  # in-flight instances keep version 1
        assert store.latest_spec() == second.snapshot
        old = publish(store, _write(ws, 1, "a"), Options())
        assert old.problems[0].startswith("J-VERSION-OLD")
