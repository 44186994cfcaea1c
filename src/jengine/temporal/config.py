"""How the driver's workflows and clients are set up: :class:`Config` (JSON-serialisable, it
travels in every workflow's start argument) and the workflow ids.

``mode`` is ``live`` (the clock is ``workflow.now()``) or ``simulated`` (inputs carry their
instant; timers fire at their due instant; ``offset`` µs maps the server clock onto the
simulated one: simulated = server + offset). Timeouts are in seconds. ``deliver``: the
workflows send the messages of declared channels through the ``jengine_deliver`` activity
(cluster feeders set it unless ``--no-deliver``; simulated mode leaves it off).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from temporalio.common import RetryPolicy

__all__ = ["GLOBAL_KEY", "Config", "retry_policy"]

Json = dict[str, Any]
GLOBAL_KEY = "~global"


@dataclass(frozen=True)
class Config:
    """See the module docstring."""

    task_queue: str = "jengine"
    prefix: str = "jengine:"
    mode: str = "live"
    offset: int = 0
    can_after: int = 1000
    task_timeout: float = 10.0
    activity_timeout: float = 30.0
    #: channel steps of declared channels are sent (``jengine_deliver``); off: outbox lines only
    deliver: bool = False

    def to_json(self) -> Json:
        return asdict(self)

    @staticmethod
    def from_json(obj: Json) -> Config:
        return Config(**obj)

    def workflow_id(self, key: str) -> str:
        """The id of a key's workflow (the global workflow for :data:`GLOBAL_KEY`)."""
        return f"{self.prefix}{key}"

    @property
    def simulated(self) -> bool:
        return self.mode == "simulated"


def retry_policy() -> RetryPolicy:
    """Activities are retried until they succeed (a store or network outage is waited out;
    HTTP failures of actions are results, not exceptions)."""
    return RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                       maximum_interval=timedelta(seconds=30), maximum_attempts=0)
