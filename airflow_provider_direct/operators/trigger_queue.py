"""``trigger_queue``: send a deferrable operator's waits to dedicated triggerers (Airflow 3.2+).

With ``[triggerer] queues_enabled``, Airflow gives a deferred task's trigger the task's own ``queue`` — the
one that also picks its Celery workers — and a triggerer started with ``--queues`` runs only those. This
mixin lets the wait go elsewhere than the work: just before deferring, the task's queue becomes
``trigger_queue``. That copy of the task ends with the deferral; the task resumes on a worker of the queue
the scheduler has for it, which this does not change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from airflow.sdk import BaseOperator, conf

_Base: Any = BaseOperator if TYPE_CHECKING else object


class TriggerQueueMixin(_Base):
    """Adds ``trigger_queue`` to a deferrable operator: list it before ``BaseOperator`` in the bases.

    The operator's ``__init__`` takes ``trigger_queue`` and sets the attribute.
    """

    trigger_queue: str | None = None

    def defer(self, *, trigger: Any, method_name: str, **kwargs: Any) -> NoReturn:
        if self.trigger_queue:
            if not conf.getboolean("triggerer", "queues_enabled", fallback=False):
                self.log.warning(
                    "trigger_queue=%r is ignored: [triggerer] queues_enabled is off, so any triggerer runs the wait",
                    self.trigger_queue,
                )
            elif getattr(trigger, "supports_triggerer_queue", True):
                self.log.info("Deferring to the triggerers of queue %r", self.trigger_queue)
                self.queue = self.trigger_queue
        super().defer(trigger=trigger, method_name=method_name, **kwargs)
        raise AssertionError("BaseOperator.defer raises TaskDeferred")  # pragma: no cover
