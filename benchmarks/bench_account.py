"""Whole-account sync: units against the emulator's floor, five-way concurrency, and peak memory.

Account: 500 campaigns / 5 000 groups / 20 000 ads (one login, emulator process): 480 text campaigns
with 96 000 keywords, 10 dynamic text and 10 smart campaigns (1 in 50 of each: webpages and smart-ad
targets), with every account service the provider keeps (sitelinks, vcards, images, callouts, bid
modifiers, keyword bids, audience targets, webpages, filters, lists, the client, dictionaries...).

1. Units. After a whole-account first run, 1% of the objects change (every object type, bid changes
   that Changes does not report included). One incremental run (objects through Changes, then every
   account service by its policy) is priced against the emulator's floor: the fewest units any client
   spends to learn and read that change set and keep the same freshness guarantees (the rolling
   share of bids, one listing of each account-level list, one checkDictionaries). Goal: <= 1.2x.
2. Wall time of a full snapshot (objects and account services) with the emulator answering each
   request after a simulated latency (200 ms): five requests at once against one at a time, in the
   same run. Goal: >= 4x faster.
3. Peak RSS of a whole-account first run in a fresh process, at two account sizes. Goal: < 300 MB,
   flat in account size.

    .venv/bin/python benchmarks/bench_account.py [--campaigns 500] [--latency-ms 200]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from common import peak_rss_mb, run_child

TOKEN = "bench-token"
CYCLE_RUNS = 24  # the rolling refresh's default: every group's bids within 24 runs
LOGIN = "bench"


def typed_campaigns(campaigns: int) -> int:
    """Dynamic text campaigns, and as many smart ones, in an account of ``campaigns``: 1 in 50 of each."""
    return campaigns // 50


def emulator_config(args: argparse.Namespace, campaigns: int, latency_ms: float = 0) -> Any:
    from airflow_provider_direct.emulator import EmulatorConfig

    typed = typed_campaigns(campaigns)
    return EmulatorConfig(
        logins=[LOGIN],
        campaigns=campaigns - 2 * typed,
        dynamic_campaigns=typed,
        performance_campaigns=typed,
        smart_campaigns=0,
        groups=args.groups,
        ads=args.ads,
        keywords=args.keywords,
        daily_units=10**9,
        seed=args.seed,
        latency_ms=latency_ms,
        account_services_mutations=True,  # the change set touches every account service too
        tokens={TOKEN: {"login": LOGIN, "role": "client"}},
    )


def whole_run(url: str, workdir: Path, *, full_refresh: bool = False, concurrency: int = 5) -> dict[str, Any]:
    """One operator-equivalent run: the object sync, then every account service, on one hook."""
    from airflow_provider_direct.hooks.direct import DirectHook
    from airflow_provider_direct.sync.account import AccountServicesSync
    from airflow_provider_direct.sync.engine import DirectIncrementalSync
    from airflow_provider_direct.warehouse.store import DirectWarehouse, utcnow

    workdir.mkdir(parents=True, exist_ok=True)
    for name in ("airflow.task.hooks", "airflow_provider_direct"):  # one line per call is too many here
        logging.getLogger(name).setLevel(logging.WARNING)
    os.environ["AIRFLOW_CONN_BENCH_DIRECT"] = json.dumps({"conn_type": "yandex_direct", "host": url, "password": TOKEN})
    os.environ["AIRFLOW_CONN_BENCH_WH"] = json.dumps({"conn_type": "sqlite", "host": str(workdir / "wh.db")})
    hook = DirectHook("bench_direct")
    warehouse = DirectWarehouse.from_conn_id("bench_wh")
    started, run_started = time.perf_counter(), utcnow()
    core = DirectIncrementalSync(hook, warehouse, LOGIN, max_concurrency=concurrency).run(full_refresh=full_refresh)
    core_seconds = time.perf_counter() - started
    account = AccountServicesSync(hook, warehouse, LOGIN, max_concurrency=concurrency).run(
        run_started, full_refresh=core.mode == "full"
    )
    hook.close()
    return {
        "seconds": time.perf_counter() - started,
        "core_seconds": core_seconds,
        "units": hook.units.spent,
        "core_units": core.units_spent,
        "account_units": account.units_spent,
        "watermark": core.watermark_to,
        "upserted": sum(core.upserted.values()) + sum(account.upserted.values()),
        "units_by_table": account.units,
        "requests": hook.units.calls,
    }


def child(args: argparse.Namespace) -> None:
    """``--child``: a first run in this fresh process; prints its measurement as the last line."""
    from airflow_provider_direct.emulator import EmulatorServer

    workdir = Path(tempfile.mkdtemp(prefix="bench-account-child-"))
    with EmulatorServer(emulator_config(args, args.campaigns), mode="process") as server:
        measured = whole_run(server.url, workdir)
    print(json.dumps({**measured, "peak_rss_mb": peak_rss_mb()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=500)
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--ads", type=int, default=4)
    parser.add_argument("--keywords", type=int, default=20)
    parser.add_argument("--change-rate", type=float, default=0.01)
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of measurement 2")
    parser.add_argument("--parts", default="1,2,3", help="which measurements to run, e.g. 2 or 1,3")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-account-"))
    os.environ.setdefault("AIRFLOW_HOME", str(tmp / "airflow_home"))
    if args.child:
        child(args)
        return
    groups = args.campaigns * args.groups
    typed = typed_campaigns(args.campaigns)
    keywords = (args.campaigns - 2 * typed) * args.groups * args.keywords
    print(
        f"account: {args.campaigns} campaigns ({typed} dynamic text, {typed} smart), {groups:,} groups, "
        f"{groups * args.ads:,} ads, {keywords:,} keywords, and every account service"
    )

    parts = {int(p) for p in args.parts.split(",")}
    if 1 in parts:
        measure_units(args, tmp, groups)
    if 2 in parts:
        measure_concurrency(args, tmp)
    if 3 in parts:
        measure_memory(args)


def measure_units(args: argparse.Namespace, tmp: Path, groups: int) -> None:
    """1. Units of an incremental run against the floor."""
    from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer

    with EmulatorServer(emulator_config(args, args.campaigns), mode="process") as server:
        admin = EmulatorAdmin(server.url)
        first = whole_run(server.url, tmp / "units")
        admin.advance_clock(2)
        typed = typed_campaigns(args.campaigns)
        objects = args.campaigns + groups * (1 + args.ads) + (args.campaigns - 2 * typed) * args.groups * args.keywords
        applied = admin.random_mutations(round(objects * args.change_rate), login=LOGIN, seed=args.seed)
        kinds: dict[str, int] = {}
        for mutation in applied:
            kinds[mutation["type"]] = kinds.get(mutation["type"], 0) + 1
        floor = admin.minimum_units(LOGIN, first["watermark"], cycle_runs=CYCLE_RUNS)
        admin.advance_clock(2)
        incremental = whole_run(server.url, tmp / "units")
    print(f"\n1. units: changed {len(applied):,} objects: {json.dumps(kinds, sort_keys=True)}")
    print(f"   first run: {first['units']:,} units in {first['requests']:,} requests")
    print(
        f"   incremental run: {incremental['units']:,} units (objects {incremental['core_units']:,}, "
        f"account services {incremental['account_units']:,})"
    )
    print(f"   account services by table: {json.dumps(incremental['units_by_table'], sort_keys=True)}")
    print(f"   emulator floor: {floor['total']:,} units; by method: {json.dumps(floor['by_method'])}")
    ratio = incremental["units"] / floor["total"]
    print(f"   incremental / floor: {ratio:.2f}x (goal <= 1.2x: {'met' if ratio <= 1.2 else 'NOT met'})")


def measure_concurrency(args: argparse.Namespace, tmp: Path) -> None:
    """2. Full-snapshot wall time with latency: five at once against one at a time, same emulator.

    Rounds alternate the two modes (the machine is noisy); the first run of the process pays for
    imports, so a small untimed run goes first.
    """
    from airflow_provider_direct.emulator import EmulatorServer

    with EmulatorServer(emulator_config(args, 2, 0), mode="process") as warmup:
        whole_run(warmup.url, tmp / "warmup")
    serial: list[dict[str, Any]] = []
    parallel: list[dict[str, Any]] = []
    with EmulatorServer(emulator_config(args, args.campaigns, args.latency_ms), mode="process") as server:
        for i in range(args.rounds):
            serial.append(whole_run(server.url, tmp / f"serial{i}", full_refresh=True, concurrency=1))
            parallel.append(whole_run(server.url, tmp / f"parallel{i}", full_refresh=True, concurrency=5))
    print(f"\n2. full snapshot with {args.latency_ms:.0f} ms per request ({parallel[0]['requests']:,} requests):")
    for name, runs in (("one at a time", serial), ("five at once", parallel)):
        for run in runs:
            print(
                f"   {name}: {run['seconds']:.1f} s (objects {run['core_seconds']:.1f} s, "
                f"account services {run['seconds'] - run['core_seconds']:.1f} s)"
            )
    speedup = statistics.median(r["seconds"] for r in serial) / statistics.median(r["seconds"] for r in parallel)
    print(
        f"   speed-up (medians of {args.rounds}): {speedup:.2f}x (goal >= 4x: {'met' if speedup >= 4 else 'NOT met'})"
    )


def measure_memory(args: argparse.Namespace) -> None:
    """3. Peak RSS of a first run in a fresh process, at two sizes."""
    print("\n3. peak RSS of a whole-account first run (fresh process each):")
    rss = {}
    for campaigns in (max(1, args.campaigns // 5), args.campaigns):
        measured = run_child(
            __file__,
            [
                "--child",
                "--campaigns",
                str(campaigns),
                "--groups",
                str(args.groups),
                "--ads",
                str(args.ads),
                "--keywords",
                str(args.keywords),
                "--seed",
                str(args.seed),
            ],
            dict(os.environ),
            f"child run of {campaigns} campaigns",
        )
        rss[campaigns] = measured["peak_rss_mb"]
        print(f"   {campaigns:>5} campaigns: {measured['peak_rss_mb']:.0f} MB, {measured['upserted']:,} rows")
    largest = max(rss.values())
    growth = rss[args.campaigns] / rss[min(rss)]
    print(
        f"   goal < 300 MB: {'met' if largest < 300 else 'NOT met'}; growth {growth:.2f}x for "
        f"{args.campaigns / min(rss):.0f}x the account"
    )


if __name__ == "__main__":
    main()
