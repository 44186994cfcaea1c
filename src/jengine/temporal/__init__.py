"""Journeys on Temporal: the same deterministic core, driven by Temporal workflows.

One workflow per profile key (:mod:`.keyflow`) holds that key's state slice and feeds
:func:`jengine.core.engine.step`; a global workflow (:mod:`.globalflow`) owns the schedules that
concern many keys (read-audience schedules, business events) and fans them out. Effects become
activities (:mod:`.activities`) whose outputs land, de-duplicated by effect id, in a shared
store (:mod:`.store`: PostgreSQL for a cluster, JSONL files for one machine). Inputs are fed by
:mod:`.client` (live) or :mod:`.simulate` (a file of timestamped events on the time-skipping
test server). See ``docs/temporal.md``.
"""
