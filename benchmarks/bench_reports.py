"""A 2 000 000-row Direct report from the emulator into SQLite and PostgreSQL.

The provider's path (DirectReportOperator: poll by identical re-sends, stream the TSV to a spool,
load the ``direct_ad_stats`` partition in one transaction with the summary-count check) against a
plain loop over the same report in the same run: read the whole body, split lines, executemany.
Each measurement is a fresh child process (its own peak RSS) and a fresh warehouse.

Goals (issue 5): peak RSS under 200 MB regardless of report size, and at least the plain loop's rows/s.

``--custom`` measures a typed report table instead (issue 11): a CUSTOM_REPORT with 10 fields and two goals
(11 typed columns) through DirectReportOperator(table=...), against a plain streaming loop over the same
report in the same run: read the body line by line as it arrives, split, convert, executemany in batches,
into a table of the same shape and (login, day) index. Then the same report from a spooled file, so the two
loads are compared without the emulator's pace (both keep up with it).

    .venv/bin/python benchmarks/bench_reports.py [--ads 20000 --days 100] [--custom]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

from common import peak_rss_mb, run_child, warehouse_conn

TOKEN = "bench-token"
LOGIN = "bench"
FIELDS = ["Date", "CampaignId", "AdId", "Impressions", "Clicks", "Cost", "Conversions"]
CUSTOM_FIELDS = [
    "Date",
    "CampaignId",
    "AdGroupId",
    "AdId",
    "Impressions",
    "Clicks",
    "Cost",
    "Ctr",
    "AvgCpc",
    "Conversions",
]
GOALS, MODELS = ["101", "202"], ["LC"]
#: What the plain baselines send: an offline report, no title or summary line, gzip.
PLAIN_HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "Client-Login": LOGIN,
    "processingMode": "offline",
    "skipReportHeader": "true",
    "skipReportSummary": "true",
    "Accept-Encoding": "gzip",
}
CUSTOM_TABLE = "bench_custom_report"


def definition(date_from: str, date_to: str) -> dict[str, Any]:
    return {
        "SelectionCriteria": {"DateFrom": date_from, "DateTo": date_to},
        "FieldNames": FIELDS,
        "ReportName": "bench-plain",
        "ReportType": "AD_PERFORMANCE_REPORT",
        "DateRangeType": "CUSTOM_DATE",
        "Format": "TSV",
        "IncludeVAT": "YES",
    }


def ready_report(url: str, body: dict[str, Any], headers: dict[str, str], *, stream: bool = True) -> Any:
    """Re-send the identical request until the report is ready (200), sleeping ``retryIn`` in between."""
    import requests

    while True:
        response = requests.post(f"{url}/json/v5/reports", json=body, headers=headers, timeout=600, stream=stream)
        if response.status_code == 200:
            return response
        response.raise_for_status()
        response.close()
        time.sleep(float(response.headers.get("retryIn", "1")))


@contextmanager
def bench_warehouse(backend: str, workdir: Path, url: str | None = None) -> Iterator[Any]:
    """A fresh, migrated warehouse (``bench_wh``), with the Direct connection (``bench_direct``) when given a
    URL; a PostgreSQL schema is dropped afterwards."""
    conn, schema = warehouse_conn(backend, workdir)
    os.environ["AIRFLOW_CONN_BENCH_WH"] = json.dumps(conn)
    if url is not None:
        os.environ["AIRFLOW_CONN_BENCH_DIRECT"] = json.dumps(
            {"conn_type": "yandex_direct", "host": url, "password": TOKEN, "login": LOGIN}
        )
    from airflow_provider_direct.warehouse.store import DirectWarehouse

    warehouse = DirectWarehouse.from_conn_id("bench_wh", schema=schema)
    warehouse.migrate()
    try:
        yield warehouse
    finally:
        if schema:
            warehouse.hook.run(f"DROP SCHEMA {schema} CASCADE", autocommit=True)


def run_operator(warehouse: Any, **kwargs: Any) -> int:
    """DirectReportOperator on the worker (no deferral), into ``warehouse``; the rows it loaded."""
    from airflow_provider_direct.operators.direct_reports import DirectReportOperator

    op = DirectReportOperator(
        task_id="bench",
        direct_conn_id="bench_direct",
        warehouse_conn_id="bench_wh",
        warehouse_schema=warehouse.dialect.schema,
        processing_mode="offline",
        deferrable=False,
        poll_interval=0.5,
        **kwargs,
    )
    return int(op.execute({"ti": MagicMock(dag_id="d", task_id="t", run_id="r", map_index=-1)})["rows"])


def provider_load(url: str, backend: str, workdir: Path, date_from: str, date_to: str) -> int:
    with bench_warehouse(backend, workdir, url) as warehouse:
        # No ReportName: the operator derives it from the definition and login.
        report = {k: v for k, v in definition(date_from, date_to).items() if k != "ReportName"}
        return run_operator(warehouse, report_definition=report, stats_level="ad")


def plain_load(url: str, backend: str, workdir: Path, date_from: str, date_to: str) -> int:
    """The baseline: poll with requests, read the whole body, split lines, executemany."""

    with bench_warehouse(backend, workdir) as warehouse:
        return _plain_ad_rows(warehouse, url, date_from, date_to)


def _plain_ad_rows(warehouse: Any, url: str, date_from: str, date_to: str) -> int:
    body = {"params": definition(date_from, date_to)}
    response = ready_report(url, body, PLAIN_HEADERS, stream=False)
    lines = response.text.split("\n")
    columns = lines[0].split("\t")
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    rows = []
    for line in lines[1:]:
        if not line:
            continue
        cells = dict(zip(columns, line.split("\t"), strict=True))
        rows.append(
            (
                LOGIN,
                int(cells["AdId"]),
                int(cells["CampaignId"]),
                cells["Date"],
                int(cells["Impressions"]),
                int(cells["Clicks"]),
                int(cells["Cost"]),
                None,
                "{}",
                now,
            )
        )
    d = warehouse.dialect
    db = warehouse.hook.get_conn()
    cur = db.cursor()
    cur.executemany(
        f"INSERT INTO {d.qualify('direct_ad_stats')} (client_login, ad_id, campaign_id, date, impressions, clicks, "
        f"cost, conversions, payload, loaded_at) VALUES ({', '.join([d.param] * 8)}, {d.json_param()}, {d.param})",
        rows,
    )
    db.commit()
    db.close()
    return len(rows)


def custom_provider_load(url: str, backend: str, workdir: Path, date_from: str, date_to: str) -> int:
    """DirectReportOperator into a typed table: offline report, streamed into the partition with day digests."""
    with bench_warehouse(backend, workdir, url) as warehouse:
        return run_operator(
            warehouse,
            report_type="CUSTOM_REPORT",
            field_names=CUSTOM_FIELDS,
            goals=GOALS,
            attribution_models=MODELS,
            table=CUSTOM_TABLE,
            date_from=date_from,
            date_to=date_to,
        )


#: The custom report's cells, by column: the plain loops' converters.
CUSTOM_KINDS: list[type] = [str, int, int, int, int, int, int, float, int, *[int] * len(GOALS) * len(MODELS)]


def plain_custom_table(warehouse: Any) -> tuple[Any, Any, str]:
    """The plain loops' table: the typed table's shape and (login, day) index, so the loops differ, not the
    tables; (connection, cursor, INSERT statement)."""
    d = warehouse.dialect
    db = warehouse.hook.get_conn()
    cur = db.cursor()
    types = [
        "DATE",
        *[d.types.bigint] * 6,
        "DOUBLE PRECISION",
        d.types.bigint,
        *[d.types.bigint] * (len(CUSTOM_KINDS) - 9),
    ]
    columns = ", ".join(f"c{i} {t}" for i, t in enumerate(types))
    cur.execute(f"CREATE TABLE {d.qualify('plain_custom')} (client_login TEXT, {columns}, loaded_at TEXT)")
    cur.execute(f"CREATE INDEX plain_custom_day_idx ON {d.qualify('plain_custom')} (client_login, c0)")
    return db, cur, f"INSERT INTO {d.qualify('plain_custom')} VALUES ({', '.join([d.param] * (len(types) + 2))})"


def plain_rows(rows: Iterator[list[str]], cur: Any, sql: str) -> int:
    """Convert each row's cells one by one and executemany in batches of 2 000: the plain loop itself."""

    def number(cell: str, kind: type) -> Any:
        return None if cell in ("", "--") else kind(cell)

    now = dt.datetime.now(dt.timezone.utc).isoformat()
    batch: list[tuple[Any, ...]] = []
    count = 0
    for cells in rows:
        batch.append((LOGIN, *(number(c, k) for c, k in zip(cells, CUSTOM_KINDS, strict=True)), now))
        count += 1
        if len(batch) >= 2000:
            cur.executemany(sql, batch)
            batch.clear()
    if batch:
        cur.executemany(sql, batch)
    return count


def custom_plain_load(url: str, backend: str, workdir: Path, date_from: str, date_to: str) -> int:
    """The fair baseline: the body streamed line by line, split, converted, executemany in batches of 2 000."""
    body = {"params": {**custom_definition(date_from, date_to), "ReportName": "bench-plain-custom"}}
    with bench_warehouse(backend, workdir) as warehouse:
        db, cur, sql = plain_custom_table(warehouse)
        lines = ready_report(url, body, PLAIN_HEADERS).iter_lines(decode_unicode=True)
        next(lines)  # the column line
        count = plain_rows((line.split("\t") for line in lines if line), cur, sql)
        db.commit()
        db.close()
        return count


def custom_definition(date_from: str, date_to: str) -> dict[str, Any]:
    return {
        **definition(date_from, date_to),
        "ReportType": "CUSTOM_REPORT",
        "FieldNames": CUSTOM_FIELDS,
        "Goals": GOALS,
        "AttributionModels": MODELS,
    }


def spool_report(url: str, path: Path, date_from: str, date_to: str) -> None:
    """Download the custom report once (title, columns, rows, summary) for the file-to-table measurement."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Client-Login": LOGIN, "processingMode": "offline"}
    body = {"params": {**custom_definition(date_from, date_to), "ReportName": "bench-spool"}}
    with path.open("wb") as out:
        for chunk in ready_report(url, body, headers).iter_content(1 << 20):
            out.write(chunk)


def file_provider_load(path: Path, backend: str, workdir: Path) -> int:
    """ReportLoader over the spooled file: the typed table's partition load alone."""
    from airflow_provider_direct.models.report_spec import ReportSpec
    from airflow_provider_direct.warehouse.report_loader import ReportLoader
    from airflow_provider_direct.warehouse.report_table import ReportTable

    with bench_warehouse(backend, workdir) as warehouse:
        spec = ReportSpec("CUSTOM_REPORT", tuple(CUSTOM_FIELDS), tuple(GOALS), tuple(MODELS))
        table = ReportTable(CUSTOM_TABLE, spec)
        table.ensure(warehouse)
        started = time.perf_counter()
        with path.open(encoding="utf-8") as lines:
            rows = ReportLoader(warehouse, table, LOGIN, None, None, require_summary=True).load(lines).rows
        os.environ["BENCH_SECONDS"] = str(time.perf_counter() - started)
        return rows


def file_plain_load(path: Path, backend: str, workdir: Path) -> int:
    """The plain loop over the same file: csv reader, convert, executemany in batches of 2 000."""
    import csv

    with bench_warehouse(backend, workdir) as warehouse:
        db, cur, sql = plain_custom_table(warehouse)
        started = time.perf_counter()
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(reader)  # the title
            next(reader)  # the column names
            rows = (cells for cells in reader if not cells[0].startswith("Total rows"))
            count = plain_rows(rows, cur, sql)
        db.commit()
        os.environ["BENCH_SECONDS"] = str(time.perf_counter() - started)
        db.close()
        return count


def child(variant: str, backend: str, url: str, date_from: str, date_to: str) -> None:
    import airflow_provider_direct.operators.direct_reports  # noqa: F401  (imports are not load time)

    if variant.startswith("file-"):  # the load alone, from a spooled file (``url`` is its path)
        file_loader = {"file-provider": file_provider_load, "file-plain": file_plain_load}[variant]
        with tempfile.TemporaryDirectory() as tmp:
            rows = file_loader(Path(url), backend, Path(tmp))
        print(json.dumps({"rows": rows, "seconds": float(os.environ["BENCH_SECONDS"]), "peak_rss": peak_rss_mb()}))
        return
    loader = {
        "provider": provider_load,
        "plain": plain_load,
        "custom-provider": custom_provider_load,
        "custom-plain": custom_plain_load,
    }[variant]
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        rows = loader(url, backend, Path(tmp), date_from, date_to)
        seconds = time.perf_counter() - started
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_rss": peak_rss_mb()}))


def child_run(variant: str, backend: str, url: str, period: tuple[str, str], env: dict[str, str]) -> dict[str, Any]:
    args = ["--child", variant, "--backend", backend, "--url", url, "--period", ",".join(period)]
    return run_child(__file__, args, env, f"{variant}/{backend}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=100)
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--ads", type=int, default=20, help="ads per group")
    parser.add_argument("--days", type=int, default=115)  # ~12% of ad-days have no impressions: ~2M rows
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--custom", action="store_true", help="the typed custom report instead (issue 11)")
    parser.add_argument("--child")
    parser.add_argument("--backend")
    parser.add_argument("--url")
    parser.add_argument("--period")
    args = parser.parse_args()
    if args.child:
        date_from, date_to = args.period.split(",")
        child(args.child, args.backend, args.url, date_from, date_to)
        return

    from airflow_provider_direct.emulator import EmulatorConfig, EmulatorServer

    config = EmulatorConfig(
        logins=[LOGIN],
        campaigns=args.campaigns,
        smart_campaigns=0,
        groups=args.groups,
        ads=args.ads,
        keywords=0,
        tokens={TOKEN: {"login": LOGIN, "role": "client"}},
        reports_build_seconds_base=0.5,
        reports_build_seconds_per_row=0.0,
    )
    end = dt.date(2026, 10, 31)
    big = ((end - dt.timedelta(days=args.days - 1)).isoformat(), end.isoformat())
    small = ((end - dt.timedelta(days=max(1, args.days // 10) - 1)).isoformat(), end.isoformat())
    env = {**os.environ, "AIRFLOW_HOME": str(Path(".bench/airflow_home").resolve())}
    kind = "CUSTOM_REPORT, 10 fields, 2 goals (11 typed columns)" if args.custom else "AD_PERFORMANCE_REPORT"
    prefix = "custom-" if args.custom else ""
    print(f"report: {kind}, {args.campaigns * args.groups * args.ads:,} ads x {args.days} days")
    print(f"{'backend':<9} {'variant':<9} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'peak RSS MB':>12}")
    with EmulatorServer(config, mode="process") as server:
        for backend in args.backends.split(","):
            results = {v: child_run(prefix + v, backend, server.url, big, env) for v in ("plain", "provider")}
            small_run = child_run(prefix + "provider", backend, server.url, small, env)
            for variant, r in results.items():
                print(
                    f"{backend:<9} {variant:<9} {r['rows']:>10,} {r['seconds']:>8.1f} "
                    f"{r['rows'] / r['seconds']:>9,.0f} {r['peak_rss']:>12.1f}"
                )
            ratio = (results["provider"]["rows"] / results["provider"]["seconds"]) / (
                results["plain"]["rows"] / results["plain"]["seconds"]
            )
            print(
                f"{backend:<9} provider / plain rows/s: {ratio:.2f} (goal >= 1.0: {'met' if ratio >= 1 else 'NOT met'})"
            )
            print(
                f"{backend:<9} provider peak RSS {small_run['peak_rss']:.1f} MB for {small_run['rows']:,} rows vs "
                f"{results['provider']['peak_rss']:.1f} MB for {results['provider']['rows']:,} (goal < 200 MB)"
            )
            if args.custom:  # the same report from a file: the loads alone, without the emulator's pace
                spool = Path(".bench/custom_report.tsv").resolve()
                spool.parent.mkdir(exist_ok=True)
                spool_report(server.url, spool, *big)
                loads = {v: child_run(f"file-{v}", backend, str(spool), big, env) for v in ("plain", "provider")}
                for variant, r in loads.items():
                    print(
                        f"{backend:<9} {'file-' + variant:<14} {r['rows']:>10,} {r['seconds']:>8.1f} "
                        f"{r['rows'] / r['seconds']:>9,.0f} {r['peak_rss']:>12.1f}"
                    )
                file_ratio = (loads["provider"]["rows"] / loads["provider"]["seconds"]) / (
                    loads["plain"]["rows"] / loads["plain"]["seconds"]
                )
                print(f"{backend:<9} from a file, provider / plain rows/s: {file_ratio:.2f}")
                spool.unlink()


if __name__ == "__main__":
    main()
