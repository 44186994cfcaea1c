"""``jengine serve``: journeys as a live service (docs/serve.md).

An HTTP front (Starlette on uvicorn) around the same deterministic core and SQLite store as
``jengine run``: ingestion (native and Segment-compatible) commits inputs to the store's inbox
before acknowledging them; the runner's live driver drains the inbox on the wall clock; the
journey lifecycle (publish, pause, resume, close, stop), a read API, a dashboard, metrics and
health endpoints complete it.

Modules: ``config`` (settings and secrets), ``security`` (write keys, admin token),
``bodies`` (bounded gzip bodies, JSON/NDJSON), ``native`` and ``segment`` (request → inbox
items), ``inbox`` (the group-commit writer), ``engine`` (the live engine adapter),
``ingest``, ``manage``, ``readapi``, ``dashboard`` (the endpoints), ``queries`` (read-only
store queries), ``metrics``, ``logs``, ``context`` (what endpoints share), ``app`` (the
application), ``server`` (uvicorn, signals).
"""
