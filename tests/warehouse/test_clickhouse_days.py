"""Statistics days replaced on ClickHouse's engine by a staged swap of (login, month) partitions."""

from __future__ import annotations

import threading

import pytest

from airflow_provider_direct.async_task.errors import AsyncTaskProtocolError
from airflow_provider_direct.warehouse.clickhouse_days import months
from airflow_provider_direct.warehouse.statistics import StatsLoader
from airflow_provider_direct.warehouse.store import DirectWarehouse

HEADER = "Date\tCampaignId\tClicks"


@pytest.fixture
def warehouse(clickhouse_conn: tuple[str, str]) -> DirectWarehouse:
    conn_id, database = clickhouse_conn
    return DirectWarehouse.from_conn_id(conn_id, schema=database)


def report(rows: list[tuple[str, int, int]], date_from: str, date_to: str) -> list[str]:
    lines = [f'"r ({date_from} - {date_to})"', HEADER, *(f"{d}\t{c}\t{n}" for d, c, n in rows)]
    return [line + "\n" for line in [*lines, f"Total rows: {len(rows)}"]]


def load(warehouse: DirectWarehouse, login: str, rows: list[tuple[str, int, int]], first: str, last: str) -> None:
    StatsLoader(warehouse, login, first, last).load(report(rows, first, last))


def stored(warehouse: DirectWarehouse) -> list[tuple[str, str, int, int]]:
    rows = warehouse._fetch(
        f"SELECT client_login, date, campaign_id, clicks FROM {warehouse.dialect.qualify('direct_campaign_stats')} "
        f"ORDER BY client_login, date, campaign_id"
    )
    return [(r[0], str(r[1]), r[2], r[3]) for r in rows]


def tables(warehouse: DirectWarehouse) -> list[str]:
    rows = warehouse._fetch(f"SELECT name FROM system.tables WHERE database = '{warehouse.dialect.schema}'")
    return [r[0] for r in rows]


def test_months_of_a_period() -> None:
    assert months("2025-11-30", "2026-02-01") == [202511, 202512, 202601, 202602]
    assert months("2026-01-05", "2026-01-05") == [202601]


def test_a_load_across_two_months_replaces_only_its_days(warehouse: DirectWarehouse) -> None:
    days = [("2026-01-30", 1, 1), ("2026-01-31", 1, 2), ("2026-02-01", 1, 3), ("2026-02-02", 1, 4)]
    load(warehouse, "c1", days, "2026-01-30", "2026-02-02")
    load(warehouse, "c1", [("2026-01-31", 1, 20), ("2026-02-01", 2, 30)], "2026-01-31", "2026-02-01")
    assert stored(warehouse) == [
        ("c1", "2026-01-30", 1, 1),
        ("c1", "2026-01-31", 1, 20),
        ("c1", "2026-02-01", 2, 30),
        ("c1", "2026-02-02", 1, 4),
    ]
    load(warehouse, "c1", [], "2026-02-01", "2026-02-28")  # February emptied: its partition goes
    assert [r[1] for r in stored(warehouse)] == ["2026-01-30", "2026-01-31"]
    assert not [name for name in tables(warehouse) if name.startswith("_stage_")]


def test_logins_loading_the_same_month_at_once_keep_each_other(warehouse: DirectWarehouse) -> None:
    """Each login's month is its own partition: concurrent swaps never replace another login's rows."""
    warehouse.migrate()
    logins = [f"c{i}" for i in range(4)]
    start = threading.Barrier(len(logins))
    errors: list[BaseException] = []

    def run(login: str) -> None:
        try:
            start.wait()
            for round_ in range(3):
                rows = [(f"2026-01-{day:02d}", 1, round_) for day in range(1, 11)]
                load(warehouse, login, rows, "2026-01-01", "2026-01-10")
        except BaseException as exc:  # collected: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(login,)) for login in logins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    rows = stored(warehouse)
    assert {(r[0], r[3]) for r in rows} == {(login, 2) for login in logins}
    assert len(rows) == 40


def test_a_failed_load_leaves_the_old_days_and_no_staging_table(warehouse: DirectWarehouse) -> None:
    load(warehouse, "c1", [("2026-01-01", 1, 5)], "2026-01-01", "2026-01-03")
    body = report([("2026-01-01", 1, 9)], "2026-01-01", "2026-01-03")
    body[-1] = "Total rows: 5\n"  # cut off: the summary promises more rows than arrived
    with pytest.raises(AsyncTaskProtocolError, match="summary says 5 rows but 1 arrived"):
        StatsLoader(warehouse, "c1", "2026-01-01", "2026-01-03").load(body)
    assert stored(warehouse) == [("c1", "2026-01-01", 1, 5)]
    assert not [name for name in tables(warehouse) if name.startswith("_stage_")]


def test_a_load_killed_between_two_months_swaps_is_settled_by_its_rerun(
    warehouse: DirectWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one write point a ClickHouse load has past its staging table: between two months' swaps."""
    from airflow_provider_direct.warehouse import clickhouse_days
    from airflow_provider_direct.warehouse.statistics import pending_restatements
    from airflow_provider_direct.warehouse.store import utcnow

    load(warehouse, "c1", [("2026-01-31", 1, 1), ("2026-02-01", 1, 1)], "2026-01-31", "2026-02-01")
    with warehouse.transaction() as tx:
        tx.record_restatements("c1", [(1, "2026-01-31")], utcnow())
    corrected = [("2026-01-31", 1, 7), ("2026-02-01", 1, 8)]
    original = clickhouse_days.StagedDays.commit

    def dies_after_the_first_month(self: clickhouse_days.StagedDays) -> None:
        self.months = self.months[:1]
        original(self)
        raise KeyboardInterrupt("killed between two swaps")

    monkeypatch.setattr(clickhouse_days.StagedDays, "commit", dies_after_the_first_month)
    with pytest.raises(KeyboardInterrupt):
        load(warehouse, "c1", corrected, "2026-01-31", "2026-02-01")
    assert [r[3] for r in stored(warehouse)] == [7, 1]  # January swapped, February not yet
    assert pending_restatements(warehouse, "c1") == {1: "2026-01-31"}  # so the next run pulls it again
    assert not [name for name in tables(warehouse) if name.startswith("_stage_")]
    monkeypatch.setattr(clickhouse_days.StagedDays, "commit", original)
    StatsLoader(warehouse, "c1", "2026-01-31", "2026-02-01", done_campaigns=[1]).load(
        report(corrected, "2026-01-31", "2026-02-01")
    )
    assert [r[3] for r in stored(warehouse)] == [7, 8]
    assert pending_restatements(warehouse, "c1") == {}
