"""Initial (full) load of a 1 000 000-keyword account into SQLite, PostgreSQL and ClickHouse.

The provider's sync (DirectIncrementalSync, first run) against a plain loop over the same pages of the
same emulator in the same run: requests + json, rows built by hand, ``executemany`` INSERTs into the
same tables (on ClickHouse: one clickhouse-connect native insert per page). Each measurement is a
fresh child process (its own peak RSS) and a fresh warehouse.

Goals (issue 3): at least 0.8x the plain loop's rows/s; peak RSS under 300 MB that does not grow with
the account (the sync is also run on a 10x smaller account for comparison). Issue 12, ClickHouse:
at least 1.0x. The ClickHouse engine runs inside each child (chdb), so its memory is in that RSS.

    .venv/bin/python benchmarks/bench_initial_load.py [--campaigns 100 --groups 100 --keywords 100]
        [--backends sqlite,postgres,clickhouse]
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

from common import drop_warehouse, peak_rss_mb, run_child, warehouse_conn

TOKEN = "bench-token"
LOGIN = "bench"
#: Peak RSS once the warehouse is ready (imports, the connection, the tables) and before any row: with
#: ClickHouse this includes its engine, which runs inside the process here.
READY: dict[str, float] = {}


def sync_load(url: str, backend: str, workdir: Path, campaign_limit: int | None) -> int:
    """The provider's own path: a full snapshot through DirectIncrementalSync."""
    conn, schema = warehouse_conn(backend, workdir)
    os.environ["AIRFLOW_CONN_BENCH_WH"] = json.dumps(conn)
    os.environ["AIRFLOW_CONN_BENCH_DIRECT"] = json.dumps({"conn_type": "yandex_direct", "host": url, "password": TOKEN})
    from airflow_provider_direct.hooks.direct import DirectHook
    from airflow_provider_direct.sync.engine import DirectIncrementalSync
    from airflow_provider_direct.warehouse.store import DirectWarehouse

    warehouse = DirectWarehouse.from_conn_id("bench_wh", schema=schema)
    warehouse.migrate()
    READY["rss"] = peak_rss_mb()
    try:
        result = DirectIncrementalSync(DirectHook("bench_direct"), warehouse, LOGIN).run()
        return sum(result.upserted.values())
    finally:
        drop_warehouse(warehouse)


def plain_load(url: str, backend: str, workdir: Path, campaign_limit: int | None) -> int:
    """The baseline: pages through requests + json, rows by hand, executemany INSERT, one commit."""
    import requests

    from airflow_provider_direct.sync import fields
    from airflow_provider_direct.warehouse.schema import AD_GROUPS, ADS, CAMPAIGNS, KEYWORDS
    from airflow_provider_direct.warehouse.store import DirectWarehouse

    conn_spec, schema = warehouse_conn(backend, workdir)
    os.environ["AIRFLOW_CONN_BENCH_WH"] = json.dumps(conn_spec)
    warehouse = DirectWarehouse.from_conn_id("bench_wh", schema=schema)
    warehouse.migrate()  # same tables, created outside the timed loop's logic
    READY["rss"] = peak_rss_mb()
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {TOKEN}", "Accept-Encoding": "gzip"})

    def pages(service: str, criteria: dict[str, Any], names: list[str], extra: dict[str, Any]) -> Any:
        offset = 0
        while True:
            body = {
                "method": "get",
                "params": {
                    "SelectionCriteria": criteria,
                    "FieldNames": names,
                    **extra,
                    "Page": {"Limit": 10_000, "Offset": offset},
                },
            }
            result = session.post(f"{url}/json/v501/{service}", data=json.dumps(body)).json()["result"]
            yield result
            if "LimitedBy" not in result:
                return
            offset = result["LimitedBy"]

    db = warehouse.hook.get_conn()
    cur = db.cursor()
    p = warehouse.dialect.param
    now = warehouse.dialect.ts(dt.datetime.now(dt.timezone.utc))
    total = 0
    clickhouse = warehouse.dialect.name == "clickhouse"

    def insert(table: Any, objects: list[dict[str, Any]]) -> None:
        nonlocal total
        rows = [table.row(LOGIN, o, json.dumps(o, ensure_ascii=False, separators=(",", ":")), now) for o in objects]
        target = warehouse.dialect.qualify(table.table)
        if clickhouse:  # the client's own native insert, one per page, every row at version 1
            cur.client.insert(target, [(*r, 1) for r in rows], column_names=[*table.columns, "_version"])
        else:
            marks = ", ".join(warehouse.dialect.json_param() if c == "payload" else p for c in table.columns)
            cur.executemany(f"INSERT INTO {target} ({', '.join(table.columns)}) VALUES ({marks})", rows)
        total += len(rows)

    campaign_ids: list[int] = []
    for page in pages("campaigns", {}, fields.CAMPAIGN_FIELDS, fields.campaign_extra_params("v501")):
        insert(CAMPAIGNS, page.get("Campaigns", []))
        campaign_ids.extend(c["Id"] for c in page.get("Campaigns", []))
    for start in range(0, len(campaign_ids), 10):
        chunk = {"CampaignIds": campaign_ids[start : start + 10]}
        for service, table, names, extra, key in (
            ("adgroups", AD_GROUPS, fields.AD_GROUP_FIELDS, {}, "AdGroups"),
            ("ads", ADS, fields.AD_FIELDS, fields.ad_extra_params("v501"), "Ads"),
            ("keywords", KEYWORDS, fields.KEYWORD_FIELDS, {}, "Keywords"),
        ):
            for page in pages(service, chunk, names, extra):
                insert(table, page.get(key, []))
    db.commit()
    db.close()
    drop_warehouse(warehouse)
    return total


def child(variant: str, backend: str, url: str, trace: bool) -> None:
    import tracemalloc

    import airflow_provider_direct.sync.engine  # noqa: F401  (imports are not load time)

    loader = {"sync": sync_load, "plain": plain_load}[variant]
    if trace:  # the Python heap alone: with ClickHouse the engine shares the process and its RSS
        tracemalloc.start()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        rows = loader(url, backend, Path(tmp), None)
        seconds = time.perf_counter() - started
    python_peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "peak_rss": peak_rss_mb(),
                "ready_rss": READY["rss"],
                "python_peak": python_peak,
            }
        )
    )


def child_run(variant: str, backend: str, url: str, env: dict[str, str], trace: bool = False) -> dict[str, Any]:
    args = ["--child", variant, "--backend", backend, "--url", url, *(["--trace"] if trace else [])]
    return run_child(__file__, args, env, f"{variant}/{backend}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=100)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--ads", type=int, default=1)
    parser.add_argument("--keywords", type=int, default=100)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--child")
    parser.add_argument("--backend")
    parser.add_argument("--url")
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.backend, args.url, args.trace)
        return

    from airflow_provider_direct.emulator import EmulatorConfig, EmulatorServer

    def config(campaigns: int) -> EmulatorConfig:
        return EmulatorConfig(
            logins=[LOGIN],
            campaigns=campaigns,
            smart_campaigns=0,
            groups=args.groups,
            ads=args.ads,
            keywords=args.keywords,
            daily_units=10**9,
            tokens={TOKEN: {"login": LOGIN, "role": "client"}},
        )

    env = {**os.environ, "AIRFLOW_HOME": str(Path(".bench/airflow_home").resolve())}
    keywords = args.campaigns * args.groups * args.keywords
    print(
        f"account: {args.campaigns} campaigns, {args.campaigns * args.groups:,} groups, "
        f"{args.campaigns * args.groups * args.ads:,} ads, {keywords:,} keywords"
    )
    print(
        f"{'backend':<10} {'variant':<6} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'peak RSS MB':>12} "
        f"{'ready MB':>9} {'growth MB':>10}"
    )
    small_campaigns = max(1, args.campaigns // 10)
    for backend in args.backends.split(","):
        traced: dict[str, dict[str, Any]] = {}
        with EmulatorServer(config(args.campaigns), mode="process") as server:
            results = {variant: child_run(variant, backend, server.url, env) for variant in ("plain", "sync")}
            if backend == "clickhouse":
                traced["large"] = child_run("sync", backend, server.url, env, trace=True)
        with EmulatorServer(config(small_campaigns), mode="process") as server:
            small = child_run("sync", backend, server.url, env)
            if backend == "clickhouse":
                traced["small"] = child_run("sync", backend, server.url, env, trace=True)
        for variant, r in results.items():
            print(
                f"{backend:<10} {variant:<6} {r['rows']:>10,} {r['seconds']:>8.1f} {r['rows'] / r['seconds']:>9,.0f} "
                f"{r['peak_rss']:>12.1f} {r['ready_rss']:>9.1f} {r['peak_rss'] - r['ready_rss']:>10.1f}"
            )
        ratio = (results["sync"]["rows"] / results["sync"]["seconds"]) / (
            results["plain"]["rows"] / results["plain"]["seconds"]
        )
        goal = 1.0 if backend == "clickhouse" else 0.8
        print(
            f"{backend:<9} sync / plain rows/s: {ratio:.2f} (goal >= {goal}: {'met' if ratio >= goal else 'NOT met'})"
        )
        print(
            f"{backend:<10} sync peak RSS {small['peak_rss']:.1f} MB for {small['rows']:,} rows vs "
            f"{results['sync']['peak_rss']:.1f} MB for {results['sync']['rows']:,} rows (goal < 300 MB, flat); "
            f"growth after ready {small['peak_rss'] - small['ready_rss']:.1f} vs "
            f"{results['sync']['peak_rss'] - results['sync']['ready_rss']:.1f} MB"
        )
        if traced:
            print(
                f"{backend:<10} sync Python heap peak (tracemalloc, untimed runs) "
                f"{traced['small']['python_peak']:.1f} MB for {traced['small']['rows']:,} rows vs "
                f"{traced['large']['python_peak']:.1f} MB for {traced['large']['rows']:,} rows: "
                "the client's own share of the RSS above"
            )


if __name__ == "__main__":
    main()
