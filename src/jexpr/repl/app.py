"""The interactive console: a prompt_toolkit :class:`PromptSession` around a :class:`Session`.

Highlighting comes from :class:`~jexpr.repl.lexer.JexprLexer`, completion from
:class:`~jexpr.repl.completion.JexprCompleter`. Enter evaluates the input unless a bracket,
brace, reference body or string is still open; then it starts a new line (Meta-Enter or
Esc Enter evaluates anyway). History persists in ``$JEXPR_HISTORY`` or ``~/.jexpr_history``;
the bottom toolbar shows the evaluation instant, wait zone, usage and context file.
"""

from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.formatted_text import FormattedText, StyleAndTextTuples
from prompt_toolkit.history import FileHistory, History
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.lexers import PygmentsLexer
from prompt_toolkit.output import Output
from prompt_toolkit.styles import Style

import jexpr
from jexpr.repl.completion import JexprCompleter
from jexpr.repl.lexer import JexprLexer
from jexpr.repl.session import Reply, Session, describe_now, history_path, needs_more

__all__ = ["PROMPT", "build_prompt", "interact", "print_reply"]

PROMPT = "jexpr> "
CONTINUATION = "  ...> "
BANNER = (f"jexpr {jexpr.__version__} — type an expression; Tab completes, :help lists the "
          "commands, Ctrl-D quits.")

STYLE = Style.from_dict({
    "prompt": "ansicyan bold",
    "continuation": "ansicyan",
    "bottom-toolbar": "noreverse bg:#303030 #c0c0c0",
    "bottom-toolbar.key": "bold #ffffff",
    "value": "",
    "error": "ansired",
    "warning": "ansiyellow",
})

Writer = Callable[[Reply], None]


def build_prompt(session: Session, history: History | None = None,
                 input: Input | None = None, output: Output | None = None,
                 ) -> PromptSession[str]:
    """The prompt session: lexer, completer, multi-line Enter, history and toolbar."""
    return PromptSession(
        message=[("class:prompt", PROMPT)],
        multiline=True,
        prompt_continuation=[("class:continuation", CONTINUATION)],
        lexer=PygmentsLexer(JexprLexer),
        completer=JexprCompleter(session),
        complete_while_typing=True,
        auto_suggest=AutoSuggestFromHistory(),
        history=history if history is not None else FileHistory(str(history_path())),
        key_bindings=_key_bindings(),
        bottom_toolbar=lambda: _toolbar(session),
        style=STYLE,
        input=input,
        output=output,
    )


def _key_bindings() -> KeyBindings:
    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event: KeyPressEvent) -> None:
        """Close the completion menu; continue an unfinished input; otherwise evaluate."""
        buffer = event.current_buffer
        if buffer.complete_state is not None and buffer.complete_state.current_completion:
            buffer.complete_state = None
        elif buffer.document.is_cursor_at_the_end and needs_more(buffer.text):
            buffer.insert_text("\n")
        else:
            buffer.validate_and_handle()

    return bindings


def _toolbar(session: Session) -> StyleAndTextTuples:
    parts = [("now", describe_now(session.now)), ("tz", session.tz),
             ("usage", session.usage), ("context", session.context_file or "none")]
    out: StyleAndTextTuples = []
    for key, value in parts:
        out += [("class:bottom-toolbar.key", f" {key} "), ("class:bottom-toolbar", value + " ")]
    return out


def print_reply(reply: Reply) -> None:
    """Print a reply: diagnostics in red (errors) or yellow (warnings), then the result."""
    if reply.notes:
        style = "class:warning" if reply.ok else "class:error"
        print_formatted_text(FormattedText([(style, reply.notes)]), style=STYLE)
    if reply.text:
        print_formatted_text(FormattedText([("class:value", reply.text)]), style=STYLE)


def interact(session: Session, prompt: PromptSession[str] | None = None,
             write: Writer = print_reply) -> int:
    """Read, evaluate, print until ``:quit`` or end of input (Ctrl-D); Ctrl-C drops the input."""
    prompt = prompt if prompt is not None else build_prompt(session)
    write(Reply(BANNER))
    while True:
        try:
            text = prompt.prompt()
        except KeyboardInterrupt:
            continue
        except EOFError:
            return 0
        reply = session.execute(text)
        write(reply)
        if reply.quit:
            return 0
