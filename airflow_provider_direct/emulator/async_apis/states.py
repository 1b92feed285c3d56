"""Each async API's words for the generic job phases.

The job machinery thinks in phases (queued, running, an outcome, cancelled); clients only ever see
these labels, which differ per API down to the letter case, so they live in one table.
"""

from __future__ import annotations

from collections.abc import Mapping

STATE_LABELS: Mapping[str, Mapping[str, str]] = {
    # Seed 000: new -> pending -> done / error, stopped after stopYandexDirectFetch.
    "direct_fetch": {
        "queued": "new",
        "running": "pending",
        "success": "done",
        "failure": "error",
        "cancelled": "stopped",
    },
    # Seed 001 and the official docs: PENDING (in the queue) -> PROCESSING -> DONE, API_ERROR when the
    # report itself failed (its error is the result), ERROR for an internal error ("start it again"),
    # CANCEL once cancelled (by PUT .../cancel, or a scenario's "cancelled" outcome).
    "moysklad": {
        "queued": "PENDING",
        "running": "PROCESSING",
        "success": "DONE",
        "failure": "ERROR",
        "api_error": "API_ERROR",
        "cancelled": "CANCEL",
    },
    # Seed 002: pending -> processing -> completed / failed / cancelled.
    "workers": {
        "queued": "pending",
        "running": "processing",
        "success": "completed",
        "failure": "failed",
        "cancelled": "cancelled",
    },
    # Seed 003: enqueued -> started -> done (whatever the original HTTP code) or unknown after a crash.
    "mytarget": {
        "queued": "enqueued",
        "running": "started",
        "success": "done",
        "failure": "done",
        "unknown": "unknown",
        "cancelled": "unknown",
    },
}
