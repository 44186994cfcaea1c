"""The command-line reference, generated from the argument parsers themselves
(``jengine.cli.build_parser`` and ``jexpr.cli.build_parser``): every command, its usage line,
its description and every option with its default and choices."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

__all__ = ["pages", "parser_page"]

_SKIP_HELP = {"-h", "--help"}


def _flags(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"`{action.metavar or action.dest}`"
    metavar = ""
    if action.nargs != 0:
        metavar = " " + str(action.metavar or action.dest.upper())
    return ", ".join(f"`{s}{metavar}`" for s in action.option_strings)


def _help(action: argparse.Action) -> str:
    text = (action.help or "").replace("%(default)s", str(action.default)).replace("|", "\\|")
    extras = []
    if action.choices is not None and not isinstance(action, argparse._SubParsersAction):
        extras.append("one of " + ", ".join(f"`{c}`" for c in action.choices))
    default = action.default
    if (action.option_strings and default not in (None, False, [], argparse.SUPPRESS)
            and action.nargs != 0):
        extras.append(f"default `{default}`")
    if action.required and action.option_strings:
        extras.append("required")
    return "; ".join(x for x in [text, *extras] if x)


def _arguments(parser: argparse.ArgumentParser) -> Iterator[str]:
    actions = [a for a in parser._actions if not (set(a.option_strings) & _SKIP_HELP)
               and not isinstance(a, argparse._SubParsersAction)]
    if not actions:
        return
    yield "| Argument | Meaning |"
    yield "|---|---|"
    for action in actions:
        yield f"| {_flags(action)} | {_help(action)} |"
    yield ""


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices.items())
    return []


def parser_page(parser: argparse.ArgumentParser, title: str, intro: str) -> str:
    """The Markdown reference of a parser and its subcommands."""
    lines = [f"# {title}", "", intro, "", "```text", parser.format_usage().strip(), "```", ""]
    lines += list(_arguments(parser))
    if parser.epilog:
        lines += ["```text", parser.epilog, "```", ""]
    for name, child in _subcommands(parser):
        lines += [f"## `{parser.prog} {name}`", "", child.description or "", "", "```text",
                  child.format_usage().strip(), "```", ""]
        lines += list(_arguments(child))
    return "\n".join(lines)


def pages() -> dict[str, str]:
    """``cli/jengine.md`` and ``cli/jexpr.md``."""
    import jengine.cli
    import jexpr.cli

    note = ("Generated from the argument parser (`{}`), so it lists exactly what the "
            "installed command accepts; `{} COMMAND --help` prints the same.")
    return {
        "cli/jengine.md": parser_page(jengine.cli.build_parser(), "`jengine` commands",
                                      note.format("jengine.cli.build_parser", "jengine")),
        "cli/jexpr.md": parser_page(jexpr.cli.build_parser(), "`jexpr` commands",
                                    note.format("jexpr.cli.build_parser", "jexpr")),
    }
