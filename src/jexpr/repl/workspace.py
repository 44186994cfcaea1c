"""``:workspace DIR``: the declared types of a workspace, for completion and checking.

jexpr knows nothing of ``.journey`` files (it may not import jengine). A package that does
supplies a *workspace provider*: a function from a folder to :class:`WorkspaceTypes`,
registered under the entry point group :data:`GROUP` (jengine registers
``jengine.lang.repl_types:workspace_types``). The REPL takes the first provider installed, or
one it is given (tests, embedding hosts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import cast

from jexpr.console import UsageError

GROUP = "jexpr.workspaces"


@dataclass(frozen=True)
class WorkspaceTypes:
    """What a workspace declares: ``schema`` (schema path → type, complete for each root:
    events, ``Datasource.FieldGroup`` and action responses) and the names by kind."""

    schema: Mapping[str, str]
    events: tuple[str, ...] = ()
    field_groups: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())
    """The workspace's errors, one line each (declarations are loaded all the same)."""

    def summary(self) -> str:
        parts = [f"{len(names)} {what}" for what, names in (
            ("events", self.events), ("field groups", self.field_groups),
            ("actions", self.actions)) if names]
        text = ", ".join(parts) or "no declarations"
        if self.problems:
            text += f" ({len(self.problems)} error(s) in the workspace; run jengine check)"
        return text


Provider = Callable[[str], WorkspaceTypes]


def installed_provider() -> Provider | None:
    """The first workspace provider registered under :data:`GROUP`, if any."""
    for point in sorted(entry_points(group=GROUP), key=lambda p: p.name):
        return cast(Provider, point.load())
    return None


def load_types(provider: Provider | None, folder: str) -> WorkspaceTypes:
    """A folder's declared types from ``provider`` (None: the installed one); ``UsageError``
    when there is none or the folder cannot be read."""
    provider = provider or installed_provider()
    if provider is None:
        raise UsageError("no workspace provider is installed (jengine provides one: "
                         "pip install -e . from the repository)")
    try:
        return provider(folder)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot load workspace {folder!r}: {e}") from None
