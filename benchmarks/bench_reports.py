"""A 2 000 000-row Direct report from the emulator into SQLite and PostgreSQL.

The provider's path (DirectReportOperator: poll by identical re-sends, stream the TSV to a spool,
load the ``direct_ad_stats`` partition in one transaction with the summary-count check) against a
plain loop over the same report in the same run: read the whole body, split lines, executemany.
Each measurement is a fresh child process (its own peak RSS) and a fresh warehouse.

Goals (issue 5): peak RSS under 200 MB regardless of report size, and at least the plain loop's rows/s.

    .venv/bin/python benchmarks/bench_reports.py [--ads 20000 --days 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

from common import peak_rss_mb, run_child, warehouse_conn

TOKEN = "bench-token"
LOGIN = "bench"
FIELDS = ["Date", "CampaignId", "AdId", "Impressions", "Clicks", "Cost", "Conversions"]


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


def provider_load(url: str, backend: str, workdir: Path, date_from: str, date_to: str) -> int:
    conn, schema = warehouse_conn(backend, workdir)
    os.environ["AIRFLOW_CONN_BENCH_WH"] = json.dumps(conn)
    os.environ["AIRFLOW_CONN_BENCH_DIRECT"] = json.dumps(
        {"conn_type": "yandex_direct", "host": url, "password": TOKEN, "login": LOGIN}
    )
    from airflow_provider_direct.operators.direct_reports import DirectReportOperator
    from airflow_provider_direct.warehouse.store import DirectWarehouse

    warehouse = DirectWarehouse.from_conn_id("bench_wh", schema=schema)
    warehouse.migrate()
    op = DirectReportOperator(
        task_id="bench",
        direct_conn_id="bench_direct",
        warehouse_conn_id="bench_wh",
        warehouse_schema=schema,
        # No ReportName: the operator derives it from the definition and login.
        report_definition={k: v for k, v in definition(date_from, date_to).items() if k != "ReportName"},
        stats_level="ad",
        processing_mode="offline",
        deferrable=False,
        poll_interval=0.5,
    )
    try:
        return int(op.execute({"ti": MagicMock(dag_id="d", task_id="t", run_id="r", map_index=-1)})["rows"])
    finally:
        if schema:
            warehouse.hook.run(f"DROP SCHEMA {schema} CASCADE", autocommit=True)


def plain_load(url: str, backend: str, workdir: Path, date_from: str, date_to: str) -> int:
    """The baseline: poll with requests, read the whole body, split lines, executemany."""
    import requests

    from airflow_provider_direct.warehouse.store import DirectWarehouse

    conn, schema = warehouse_conn(backend, workdir)
    os.environ["AIRFLOW_CONN_BENCH_WH"] = json.dumps(conn)
    warehouse = DirectWarehouse.from_conn_id("bench_wh", schema=schema)
    warehouse.migrate()
    headers = {
        "Authorization": f"Bearer {TOKEN}",
        "Client-Login": LOGIN,
        "processingMode": "offline",
        "skipReportHeader": "true",
        "skipReportSummary": "true",
        "Accept-Encoding": "gzip",
    }
    body = {"params": definition(date_from, date_to)}
    while True:
        response = requests.post(f"{url}/json/v5/reports", json=body, headers=headers, timeout=600)
        if response.status_code == 200:
            break
        response.raise_for_status()
        time.sleep(float(response.headers.get("retryIn", "1")))
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
    if schema:
        warehouse.hook.run(f"DROP SCHEMA {schema} CASCADE", autocommit=True)
    return len(rows)


def child(variant: str, backend: str, url: str, date_from: str, date_to: str) -> None:
    import airflow_provider_direct.operators.direct_reports  # noqa: F401  (imports are not load time)

    loader = {"provider": provider_load, "plain": plain_load}[variant]
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
    print(f"report: AD_PERFORMANCE_REPORT, {args.campaigns * args.groups * args.ads:,} ads x {args.days} days")
    print(f"{'backend':<9} {'variant':<9} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'peak RSS MB':>12}")
    with EmulatorServer(config, mode="process") as server:
        for backend in args.backends.split(","):
            results = {v: child_run(v, backend, server.url, big, env) for v in ("plain", "provider")}
            small_run = child_run("provider", backend, server.url, small, env)
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


if __name__ == "__main__":
    main()
