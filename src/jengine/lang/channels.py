"""Checks of channel and rules declarations, and of the channel steps that use them.

A ``channel NAME kind { setting: value … }`` names a provider (``smtp`` for email, ``twilio``
for SMS, ``fcm`` for push, ``webhook`` or ``outbox`` for any kind) and its settings; every
credential (``user``, ``password``, ``account``, ``token``, ``signingKey``) must be
``secret("ENV")`` — read from the environment at send time, never written in the workspace.
``rules NAME { … }`` declares frequency caps, quiet hours and suppressed addresses for
marketing messages. Problems are ``J-CHANNEL`` and ``J-RULE`` (``J-NAME-DUPLICATE`` for a
setting given twice). A channel step (``email { … }``) uses the channel named by its
``channel: "…"`` parameter, else the only channel of its kind (none: the outbox, as before);
:func:`step_channel` resolves it for the checks, the templates and the runtime.
"""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jengine.lang import ast as A
from jengine.lang.index import Index, Reporter
from jengine.lang.literals import clock_minutes
from jengine.lang.model import CapModel, ChannelModel, QuietModel, RulesModel
from jexpr.diagnostics import did_you_mean, error
from jexpr.source import Source
from jexpr.syntax import ast as X

__all__ = ["CREDENTIALS", "DEFAULT_ADDRESS", "PROVIDERS", "check_channels", "literal_param",
           "recipient_field", "settings_of", "step_channel"]

CHOICE = tuple[str, ...]
_COMMON: dict[str, str | CHOICE] = {
    "provider": ("smtp", "twilio", "fcm", "webhook", "outbox"),
    "category": ("marketing", "transactional"), "retries": "int", "timeout": "duration",
    "tracking": "url", "address": "string"}
PROVIDERS: dict[str, dict[str, str | CHOICE]] = {
    "smtp": {"server": "smtp", "security": ("none", "starttls", "ssl"), "user": "secret",
             "password": "secret", "from": "string", "replyTo": "string",
             "unsubscribe": "string"},
    "twilio": {"url": "url", "account": "secret", "token": "secret", "from": "string",
               "messagingService": "string"},
    "fcm": {"url": "url", "token": "secret"},
    "webhook": {"url": "url", "token": "secret", "signingKey": "secret"},
    "outbox": {},
}
_REQUIRED = {"smtp": ("server", "from"), "twilio": ("url", "account", "token"),
             "fcm": ("url", "token"), "webhook": ("url",), "outbox": ()}
_KINDS = {"smtp": ("email",), "twilio": ("sms",), "fcm": ("push",),
          "webhook": ("email", "sms", "push"), "outbox": ("email", "sms", "push")}
CREDENTIALS = frozenset(("user", "password", "account", "token", "signingKey"))
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CHANNEL_KINDS = ("email", "sms", "push")
# AJO's execution fields: the profile attribute a surface sends to when nothing else is said
# (execution fields: https://experienceleague.adobe.com/docs/journey-optimizer/using/email/configure-email/get-started-email-config.html)
DEFAULT_ADDRESS = {"email": "personalEmail.address", "sms": "mobilePhone.number"}


def settings_of(provider: str | None) -> list[str]:
    """The setting names of a channel of ``provider`` (every provider's when unknown)."""
    names = dict.fromkeys(_COMMON)
    for name, spec in PROVIDERS.items():
        if provider in (None, name) or provider not in PROVIDERS:
            names.update(dict.fromkeys(spec))
    return list(names)


def recipient_field(channel: ChannelModel) -> str | None:
    """The profile path (as in templates' ``profile.…``, without ``profile.``) a step without
    ``to`` sends to: the channel's ``address`` setting, else AJO's default for the kind."""
    given = channel.settings.get("address")
    return str(given) if given else DEFAULT_ADDRESS.get(channel.kind)


def literal_param(body: A.Channel, name: str) -> str | None:
    """The value of a step parameter written as a string literal (else None)."""
    for p in body.params:
        if p.name.text == name and isinstance(p.value, X.StrLit):
            return str(p.value.value)
    return None


def step_channel(channels: Mapping[str, ChannelModel], body: A.Channel) -> ChannelModel | None:
    """The channel a channel step delivers through (None: the outbox)."""
    named = literal_param(body, "channel")
    if named is not None:
        found = channels.get(named)
        return found if found is not None and found.kind == body.kind else None
    of_kind = [c for c in channels.values() if c.kind == body.kind]
    return of_kind[0] if len(of_kind) == 1 else None


def check_channels(index: Index, reporter: Reporter) -> tuple[dict[str, ChannelModel],
                                                              RulesModel]:
    checker = _Checker(index, reporter)
    channels = {n: checker.channel(d) for n, d in index.channels.items()}
    rules = [checker.rules(d) for d in index.rules.values()]
    merged = RulesModel(tuple(c for r in rules for c in r.caps),
                        tuple(q for r in rules for q in r.quiet),
                        tuple(s for r in rules for s in r.suppress))
    for journey in index.journeys.values():
        checker.source = index.source_of(journey)
        for item in journey.items:
            if isinstance(item, A.Step) and isinstance(item.body, A.Channel):
                checker.step(item, channels)
    return channels, merged


class _Checker:
    def __init__(self, index: Index, reporter: Reporter) -> None:
        self.index, self.reporter = index, reporter
        self.source = Source("")

    def report(self, code: str, message: str, node: A.Node | X.Node,
               hint: str | None = None) -> None:
        self.reporter.add(self.source, error(code, message, node.span, hint))

    # -- channels

    def channel(self, node: A.ChannelDecl) -> ChannelModel:
        self.source = self.index.source_of(node)
        given: dict[str, A.ChannelSetting] = {}
        for s in node.settings:
            if s.name.text in given:
                self.report("J-NAME-DUPLICATE", f"'{s.name.text}' is set twice", s.name,
                            "each setting is given once")
            given.setdefault(s.name.text, s)
        provider = self.word(given.get("provider"))
        if provider is None:
            self.report("J-CHANNEL", f"channel '{node.name.text}' needs a provider", node.name,
                        "add for example 'provider: smtp' (smtp, twilio, fcm, webhook, outbox)")
        elif provider in _KINDS and node.kind.text not in _KINDS[provider]:
            self.report("J-CHANNEL", f"provider {provider} does not send {node.kind.text}",
                        given["provider"].value, f"{provider} sends "
                        f"{' and '.join(_KINDS[provider])}")
        if node.kind.text == "inapp":
            self.report("J-CHANNEL", "in-app messages have no delivery provider",
                        node.name, "declare email, sms or push channels")
        spec = {**_COMMON, **PROVIDERS.get(provider or "", {})}
        for name, s in given.items():
            self.setting(s, spec.get(name), list(spec))
        for name in _REQUIRED.get(provider or "", ()):
            if name not in given:
                self.report("J-CHANNEL", f"a {provider} channel needs '{name}'", node.name,
                            f"add '{name}: …'")
        values = {n: s.value.value if isinstance(s.value, A.Literal_) else s.value.text
                  for n, s in given.items() if not s.secret}
        secrets = {n: str(s.value.value) for n, s in given.items()
                   if s.secret and isinstance(s.value, A.Literal_)}
        return ChannelModel(node.name.text, node.kind.text, provider or "outbox",
                            str(values.get("category", "marketing")), values, secrets, node)

    def word(self, s: A.ChannelSetting | None) -> str | None:
        if s is None:
            return None
        return s.value.text if isinstance(s.value, A.Name) else str(s.value.value)

    def setting(self, s: A.ChannelSetting, want: str | CHOICE | None, known: list[str]) -> None:
        name = s.name.text
        if want is None:
            guess = did_you_mean(name, known)
            self.report("J-CHANNEL", f"unknown setting '{name}' for this channel", s.name,
                        f"did you mean '{guess}'?" if guess else f"settings: {', '.join(known)}")
            return
        if want == "secret" or name in CREDENTIALS:
            if not s.secret:
                self.report("J-CHANNEL", f"'{name}' is a credential and must come from the "
                            "environment", s.value, f'write {name}: secret("ENV_VARIABLE")')
            return
        if s.secret:
            self.report("J-CHANNEL", f"'{name}' is not a credential", s.value,
                        "secret(…) is for user, password, account, token and signingKey")
            return
        self.value(s, want)

    def value(self, s: A.ChannelSetting, want: str | CHOICE) -> None:
        v = s.value
        text = v.text if isinstance(v, A.Name) else v.value
        if isinstance(want, tuple):
            if text not in want:
                self.report("J-CHANNEL", f"'{s.name.text}' is one of {', '.join(want)}", v)
            return
        kind = {"int": int, "duration": int}.get(want, str)
        if not isinstance(v, A.Literal_) or not isinstance(v.value, kind) or (
                want == "duration" and not v.text[-1].isalpha()) or (
                want == "int" and not v.text.isdigit()):
            self.report("J-CHANNEL", f"'{s.name.text}' takes {_WANTS[want]}", v,
                        _EXAMPLES.get(want))
            return
        if want == "url" and not str(text).startswith(("http://", "https://")):
            self.report("J-CHANNEL", f"'{s.name.text}' must be an http(s) URL", v)
        if want == "smtp" and not str(text).startswith(("smtp://", "smtps://")):
            self.report("J-CHANNEL", "the SMTP server is written smtp://host:port or "
                        "smtps://host:port", v)

    # -- steps

    def step(self, step: A.Step, channels: Mapping[str, ChannelModel]) -> None:
        body = step.body
        assert isinstance(body, A.Channel)
        params = {p.name.text: p for p in body.params}
        chosen = params.get("channel")
        of_kind = [c.name for c in channels.values() if c.kind == body.kind]
        if chosen is not None:
            name = literal_param(body, "channel")
            if name is None:
                self.report("J-CHANNEL", "'channel' names a channel with a string literal",
                            chosen.value, 'write channel: "name"')
            elif name not in channels or channels[name].kind != body.kind:
                guess = did_you_mean(name, of_kind)
                self.report("J-CHANNEL", f"no {body.kind} channel named '{name}'", chosen.value,
                            f"did you mean '{guess}'?" if guess else
                            f"{body.kind} channels: {', '.join(of_kind) or 'none'}")
        elif len(of_kind) > 1:
            self.report("J-CHANNEL", f"several {body.kind} channels are declared; this step "
                        "must name one", step.name, f'add channel: "{of_kind[0]}"')
        used = step_channel(channels, body)
        if used is None or used.provider == "outbox":
            return
        if literal_param(body, "template") is None:
            self.report("J-CHANNEL", f"a step sent through channel '{used.name}' needs a "
                        "template", params["template"].value if "template" in params
                        else step.name, 'write template: "name" (templates/name.html, …)')
        if used.provider != "webhook" and "to" not in params and recipient_field(used) is None:
            self.report("J-CHANNEL", f"a {body.kind} step needs the recipient 'to'", step.name,
                        "add to: #{ExperiencePlatform.…} (the address, number or token), or "
                        f"address: \"…\" on channel '{used.name}'")

    # -- rules

    def rules(self, node: A.RulesDecl) -> RulesModel:
        self.source = self.index.source_of(node)
        caps, quiet, suppress = [], [], []
        for rule in node.rules:
            kinds = self.kinds(rule) if not isinstance(rule, A.SuppressRule) else frozenset()
            if isinstance(rule, A.CapRule):
                if rule.count.value < 1:
                    self.report("J-RULE", "a cap is at least 1", rule.count)
                caps.append(CapModel(kinds, int(rule.count.value), int(rule.per.value or 0),
                                     rule))
            elif isinstance(rule, A.QuietRule):
                quiet.append(self.quiet(rule, kinds))
            else:
                suppress.extend(self.suppress(rule))
        return RulesModel(tuple(caps), tuple(quiet), tuple(suppress))

    def kinds(self, rule: A.CapRule | A.QuietRule) -> frozenset[str]:
        for k in rule.kinds:
            if k.text not in _CHANNEL_KINDS:
                self.report("J-RULE", f"rules apply to email, sms and push, not {k.text}", k)
        return frozenset(k.text for k in rule.kinds)

    def quiet(self, rule: A.QuietRule, kinds: frozenset[str]) -> QuietModel:
        zone = str(rule.zone.value) if rule.zone is not None else None
        if zone is not None:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                self.report("J-RULE", f"unknown time zone '{zone}'", rule.zone or rule,
                            'write an IANA zone such as "Europe/Paris"')
        start = clock_minutes(rule.start.text) if rule.start is not None else None
        end = clock_minutes(rule.end.text) if rule.end is not None else None
        if start is not None and start == end:
            self.report("J-RULE", "the quiet period is empty (it starts when it ends)", rule)
        days = frozenset(_DAYS.index(d.text) for d in rule.days)
        return QuietModel(kinds, days, start, end, zone, rule.profile_zone or zone is None,
                          rule.action, rule)

    def suppress(self, rule: A.SuppressRule) -> list[str]:
        out = []
        for entry in rule.entries:
            text = str(entry.value).strip().lower()
            if not text or " " in text or ("@" not in text and "." not in text):
                self.report("J-RULE", f"'{entry.value}' is neither an address nor a domain",
                            entry, 'write "someone@example.com" or "example.com"')
                continue
            out.append(text.lstrip("@") if text.startswith("@") else text)
        return out


_EXAMPLES = {"int": "retries: 3", "duration": "timeout: 10s", "string": 'from: "Shop '
             '<news@shop.example>"', "url": 'url: "https://api.example.com/send"',
             "smtp": 'server: "smtp://mail.example.com:587"'}
_WANTS: dict[str, str] = {"int": "a whole number", "duration": "a duration such as 10s",
                          "string": "a string", "url": "a URL string", "smtp": "a URL string"}

