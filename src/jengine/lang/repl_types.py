"""The jexpr REPL's workspace provider (``:workspace DIR``): a workspace's declared types.

Registered under the entry point group ``jexpr.workspaces`` (``pyproject.toml``), so the REPL,
which may not import jengine, finds it when jengine is installed. The schema is what the
workspace's expressions are checked against — every event's fields, every
``Datasource.FieldGroup`` field, the built-in experience events — plus each action's declared
response under the action's name (in a journey the root is the step's name; in the REPL there is
no step).
"""

from __future__ import annotations

from pathlib import Path

from jengine.lang.workspace import load_workspace
from jexpr.checker.schema import join_path, split_path
from jexpr.repl.workspace import WorkspaceTypes


def workspace_types(folder: str) -> WorkspaceTypes:
    """The declared types of the workspace in ``folder``; ``ValueError`` when it is none."""
    root = Path(folder).expanduser()
    if not root.exists():
        raise ValueError("no such folder or file")
    workspace = load_workspace(root)
    model = workspace.model
    schema = dict(model.schema)
    for action in model.actions.values():
        for path, kind in action.response.items():
            schema[join_path((action.name, *split_path(path)))] = kind
    groups = tuple(sorted(f"{ds.name}.{group}" for ds in model.datasources.values()
                          for group in ds.groups))
    problems = tuple(f"{d.path.name}:{d.diagnostic.span.start_line + 1}: "
                     f"{d.diagnostic.code} {d.diagnostic.message}"
                     for d in workspace.diagnostics if d.diagnostic.is_error)
    return WorkspaceTypes(schema, tuple(sorted(model.events)), groups,
                          tuple(sorted(model.actions)), problems)
