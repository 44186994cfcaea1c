"""The sender of each provider, and building the deliveries of a run.

:class:`Senders` gives every channel its :class:`~.base.Sender`: one :class:`~.smtp.SmtpSender`
for ``smtp`` channels, one :class:`~.providers.HttpSender` (over the run's HTTP transport)
for ``twilio``, ``fcm`` and ``webhook``. A run may pass its own (``RunOptions.senders``: the
scenario runner records messages instead of sending them).

How a run loop delivers (``jengine run``'s driver, and any other driver of
:class:`~jengine.runtime.driver.Loop` such as ``jengine serve``'s): before it starts,
:func:`prepare` checks the templates and the environment (its lines refuse the run); then
:func:`attach` gives the loop its deliveries; when the workspace changes, ``prepare`` again and
``loop.deliveries.configure(channels, templates)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from jengine.lang.model import ChannelModel
from jengine.runtime.channels.base import Sender
from jengine.runtime.channels.deliveries import ChannelConfigError, Deliveries, channel_problems
from jengine.runtime.channels.providers import HttpSender
from jengine.runtime.channels.smtp import SmtpSender
from jengine.runtime.http import HttpxTransport, Transport
from jengine.templates.workspace import Templates, load_templates

__all__ = ["ChannelConfigError", "Deliveries", "Senders", "attach", "channel_problems",
           "deliveries_for", "prepare"]


class Senders:
    def __init__(self, env: Mapping[str, str], transport: Transport) -> None:
        self.smtp = SmtpSender(env)
        self.http = HttpSender(transport, env)

    def __call__(self, channel: ChannelModel) -> Sender:
        return self.smtp if channel.provider == "smtp" else self.http


def prepare(ws: Any, deliver: bool, env: Mapping[str, str] | None,
            texts: Mapping[Path, str] | None = None) -> tuple[Templates | None, list[str]]:
    """A run's templates (None when it does not deliver) and what stops it: errors in the
    templates its steps use, and settings the environment lacks (printable lines). ``texts``:
    the template files (path → text) of a published workspace, instead of the folder's."""
    if not deliver:
        return None, []
    from jexpr.report import format_diagnostic

    templates = load_templates(ws) if texts is None else load_templates(ws, texts, disk=False)
    lines = [format_diagnostic(d.diagnostic, d.source.text, str(d.path))
             for d in templates.run_errors]
    lines += [f"{ws.root}: error {p}" for p in channel_problems(ws.model.channels, env)]
    return templates, lines


def deliveries_for(options: Any, store: Any, channels: Mapping[str, ChannelModel],
                   templates: Templates | None) -> Deliveries | None:
    """The deliveries of a run (None: it does not deliver; raises
    :class:`~.deliveries.ChannelConfigError`)."""
    if templates is None:
        return None
    env: Mapping[str, str] = options.env if options.env is not None else os.environ
    senders: Callable[[ChannelModel], Sender] = options.senders or Senders(
        env, options.transport or HttpxTransport())
    return Deliveries(store, templates, senders, env, channels)


def attach(loop: Any, ws: Any, templates: Templates | None) -> None:
    """Give a run loop (``loop.options``, ``loop.store``, ``loop.effects``) the deliveries of
    the workspace ``ws`` (``templates`` from :func:`prepare`; None: the run does not deliver)."""
    loop.deliveries = loop.effects.deliveries = deliveries_for(
        loop.options, loop.store, ws.model.channels, templates)
