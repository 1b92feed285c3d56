"""One login's period replaced on every engine: deleted in the transaction (SQL), or staged and swapped (ClickHouse)."""

from __future__ import annotations

import datetime as dt

from airflow_provider_direct.warehouse.day_digests import DayDigests
from airflow_provider_direct.warehouse.period_replace import PeriodReplace
from airflow_provider_direct.warehouse.schema import CAMPAIGN_STATS
from airflow_provider_direct.warehouse.store import DirectWarehouse

COLUMNS = ("client_login", "campaign_id", "date", "clicks", "payload", "loaded_at")


def test_a_period_is_replaced_and_its_old_days_fingerprinted(any_warehouse_conn: tuple[str, str | None]) -> None:
    conn_id, schema = any_warehouse_conn
    warehouse = DirectWarehouse.from_conn_id(conn_id, schema=schema)
    d = warehouse.dialect
    now = d.ts(dt.datetime.now(dt.timezone.utc))
    rows = [("c1", 1, f"2026-01-0{day}", day, "{}", now) for day in (1, 2, 3)] + [("c2", 1, "2026-01-02", 9, "{}", now)]
    with warehouse.transaction() as tx:
        d.insert(tx.cursor, CAMPAIGN_STATS, COLUMNS, rows)
    old = DayDigests()
    with warehouse.transaction() as tx:
        replace = PeriodReplace(tx.cursor, d, CAMPAIGN_STATS, ("campaign_id", "date", "clicks"), old)
        try:
            assert replace.open("c1", "2026-01-02", "2026-01-03", None) == ("2026-01-02", "2026-01-03")
            assert (replace.target == CAMPAIGN_STATS) == d.transactional  # ClickHouse writes to a staging copy
            d.insert(tx.cursor, replace.target, COLUMNS, [("c1", 1, "2026-01-02", 20, "{}", now)])
            replace.commit()
        finally:
            replace.close()
    assert sorted(old.days) == ["2026-01-02", "2026-01-03"]  # only the period, only c1
    stored = warehouse._fetch(f"SELECT client_login, date, clicks FROM {d.qualify(CAMPAIGN_STATS)}")
    assert sorted((r[0], str(r[1]), r[2]) for r in stored) == [
        ("c1", "2026-01-01", 1),
        ("c1", "2026-01-02", 20),
        ("c2", "2026-01-02", 9),
    ]
