"""Message delivery for declared channels: governance, rendering, providers, tracking.

* :mod:`.deliveries` — the exactly-once queue between the core's channel effects and the
  providers (the ``sends`` table, :mod:`.sends`), and the dispatch after each commit;
* :mod:`.compose` — the template data and the rendered :class:`~.base.Message`;
* :mod:`.smtp` (email), :mod:`.providers` (Twilio-style SMS, FCM-style push, webhooks) — one
  attempt each, through :class:`~.base.Sender`; :mod:`.senders` picks the sender of a channel;
* :mod:`.links` — signed tracking links; :mod:`.tracking` — the ASGI app ``jengine serve``
  mounts (open pixel, click redirect, one-click unsubscribe, provider feedback);
* :mod:`.consent` — consent changes from unsubscribes and provider opt-outs.

The decisions themselves (consent, suppression, quiet hours, caps) are pure:
:mod:`jengine.core.governance`.
"""
