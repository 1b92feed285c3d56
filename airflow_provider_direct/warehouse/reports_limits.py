"""The Reports service's per-login limits, shared by every process through the warehouse.

"A maximum of 20 requests in 10 seconds to the Reports service for each user" and "a maximum of 5
offline reports at once per user" (https://yandex.com/dev/direct/doc/en/restrictions) hold for a login
whatever number of workers and triggerers poll its reports. A limiter inside one process cannot see the
others, so the calls and the offline slots are counted in two small warehouse tables, under a lock per
login (PostgreSQL: an advisory transaction lock; SQLite: the database's own write lock).

Only bookkeeping is written: a trigger that runs twice (HA) counts its calls twice, which slows it down
and never lets the login pass the limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from airflow_provider_direct.models.report_fields import LIMITS
from airflow_provider_direct.warehouse.schema import REPORTS_CALLS, REPORTS_SLOTS
from airflow_provider_direct.warehouse.store import DirectWarehouse

#: An offline report is kept 5 hours: a slot older than that is free again (its holder died).
SLOT_TTL_SECONDS = LIMITS["offline_report_retention_hours"] * 3600.0


@dataclass
class ReportsLimits:
    """Take a call (or an offline slot) for a login, or learn how long to wait for one."""

    warehouse: DirectWarehouse
    calls: int = LIMITS["calls_per_10_seconds"]
    window: float = 10.0
    offline: int = LIMITS["offline_queue_per_login"]
    clock: Callable[[], float] = time.time
    #: The service counts requests as they arrive, this as they leave: an earlier request that arrives late
    #: could share a window with a later one. Each call is kept this much longer than the window.
    margin: float = 0.5

    def __post_init__(self) -> None:
        self.warehouse.require_transactions("The shared Reports limits")

    def take_call(self, login: str) -> float:
        """0 when this process may send one Reports request for ``login`` now; else the seconds to wait."""
        d = self.warehouse.dialect
        p = d.param
        calls = d.qualify(REPORTS_CALLS)
        with self.warehouse.transaction() as tx:
            d.lock_key(tx.cursor, f"reports-calls:{login}")
            now = self.clock()
            kept = self.window + self.margin
            tx.cursor.execute(f"DELETE FROM {calls} WHERE client_login = {p} AND called_at <= {p}", (login, now - kept))
            tx.cursor.execute(f"SELECT COUNT(*), MIN(called_at) FROM {calls} WHERE client_login = {p}", (login,))
            count, oldest = tx.cursor.fetchone()
            if count < self.calls:
                tx.cursor.execute(f"INSERT INTO {calls} (client_login, called_at) VALUES ({p}, {p})", (login, now))
                return 0.0
            return max(0.01, float(oldest) + kept - now)

    def take_slot(self, login: str, report_name: str) -> bool:
        """Hold one of the login's offline slots for a report (True), or none is free (False)."""
        d = self.warehouse.dialect
        p = d.param
        slots = d.qualify(REPORTS_SLOTS)
        with self.warehouse.transaction() as tx:
            d.lock_key(tx.cursor, f"reports-slots:{login}")
            now = self.clock()
            tx.cursor.execute(
                f"DELETE FROM {slots} WHERE client_login = {p} AND taken_at <= {p}", (login, now - SLOT_TTL_SECONDS)
            )
            tx.cursor.execute(f"SELECT report_name FROM {slots} WHERE client_login = {p}", (login,))
            held = {row[0] for row in tx.cursor.fetchall()}
            if report_name in held:
                return True
            if len(held) >= self.offline:
                return False
            tx.cursor.execute(
                f"INSERT INTO {slots} (client_login, report_name, taken_at) VALUES ({p}, {p}, {p})",
                (login, report_name, now),
            )
            return True

    def release_slot(self, login: str, report_name: str) -> None:
        """The report was delivered (or failed): its slot is free."""
        d = self.warehouse.dialect
        p = d.param
        with self.warehouse.transaction() as tx:
            tx.cursor.execute(
                f"DELETE FROM {d.qualify(REPORTS_SLOTS)} WHERE client_login = {p} AND report_name = {p}",
                (login, report_name),
            )
