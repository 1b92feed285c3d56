"""Units and wall time of an incremental sync after 1% of an account changed, against a full refresh.

Account: 500 campaigns / 5 000 groups / 20 000 ads / 100 000 keywords (one login, emulator process).
After an initial load, 1% of the objects are changed (creates, updates, deletes at every level,
statistics corrections); then the same warehouse is brought current twice: incrementally through the
Changes service, and by a full refresh. The emulator also computes the floor: the fewest units any
client must spend to learn and read that change set.

Goals (issue 3): incremental units <= 3% of a full refresh and <= 1.2x the floor.

    .venv/bin/python benchmarks/bench_incremental.py [--change-rate 0.01]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

TOKEN = "bench-token"
LOGIN = "bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=500)
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--ads", type=int, default=4)
    parser.add_argument("--keywords", type=int, default=20)
    parser.add_argument("--change-rate", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-incremental-"))
    os.environ.setdefault("AIRFLOW_HOME", str(tmp / "airflow_home"))
    from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorConfig, EmulatorServer
    from airflow_provider_direct.hooks.direct import DirectHook
    from airflow_provider_direct.sync.engine import DirectIncrementalSync, SyncResult
    from airflow_provider_direct.warehouse.store import DirectWarehouse

    config = EmulatorConfig(
        logins=[LOGIN],
        campaigns=args.campaigns,
        smart_campaigns=0,
        groups=args.groups,
        ads=args.ads,
        keywords=args.keywords,
        daily_units=10**9,
        seed=args.seed,
        tokens={TOKEN: {"login": LOGIN, "role": "client"}},
    )
    groups = args.campaigns * args.groups
    objects = args.campaigns + groups + groups * args.ads + groups * args.keywords
    print(
        f"account: {args.campaigns} campaigns, {groups:,} groups, {groups * args.ads:,} ads, "
        f"{groups * args.keywords:,} keywords ({objects:,} objects)"
    )
    with EmulatorServer(config, mode="process") as server:
        os.environ["AIRFLOW_CONN_BENCH_DIRECT"] = json.dumps(
            {"conn_type": "yandex_direct", "host": server.url, "password": TOKEN}
        )
        os.environ["AIRFLOW_CONN_BENCH_WH"] = json.dumps({"conn_type": "sqlite", "host": str(tmp / "wh.db")})
        admin = EmulatorAdmin(server.url)
        warehouse = DirectWarehouse.from_conn_id("bench_wh")

        def sync(full_refresh: bool = False) -> tuple[SyncResult, float]:
            started = time.perf_counter()
            result = DirectIncrementalSync(DirectHook("bench_direct"), warehouse, LOGIN).run(full_refresh=full_refresh)
            return result, time.perf_counter() - started

        initial, initial_s = sync()
        admin.advance_clock(2)  # change times are whole seconds: keep them strictly after the watermark
        changes = round(objects * args.change_rate)
        applied = admin.random_mutations(changes, login=LOGIN, seed=args.seed)
        kinds: dict[str, int] = {}
        for mutation in applied:
            kinds[mutation["type"]] = kinds.get(mutation["type"], 0) + 1
        floor = admin.minimum_units(LOGIN, initial.watermark_to or "")
        admin.advance_clock(2)
        incremental, incremental_s = sync()
        full, full_s = sync(full_refresh=True)

    print(f"changed {len(applied):,} objects ({args.change_rate:.0%}): {json.dumps(kinds, sort_keys=True)}")
    print(f"{'run':<22} {'units':>8} {'seconds':>8} {'upserted':>9} {'deleted':>8}")
    for name, result, seconds in (
        ("initial load", initial, initial_s),
        ("incremental", incremental, incremental_s),
        ("full refresh", full, full_s),
    ):
        print(
            f"{name:<22} {result.units_spent:>8,} {seconds:>8.2f} {sum(result.upserted.values()):>9,} "
            f"{sum(result.deleted.values()):>8,}"
        )
    print(f"{'emulator floor':<22} {floor['total']:>8,}   by method: {json.dumps(floor['by_method'])}")
    share = incremental.units_spent / full.units_spent
    over_floor = incremental.units_spent / floor["total"]
    print(f"incremental / full refresh units: {share:.2%} (goal <= 3%: {'met' if share <= 0.03 else 'NOT met'})")
    print(f"incremental / floor units: {over_floor:.2f}x (goal <= 1.2x: {'met' if over_floor <= 1.2 else 'NOT met'})")


if __name__ == "__main__":
    main()
