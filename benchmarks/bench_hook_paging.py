"""Paging a 1 000 000-keyword account: DirectHook against a plain requests + json loop.

Both walk the same pages of the same emulator (a separate process on 127.0.0.1) in the same run:
Keywords.get by chunks of 10 campaign ids, ``Page.Limit`` 10 000, next ``Offset = LimitedBy``.
Each measurement runs in a fresh child process so its peak RSS is its own. Variants alternate over
several rounds (the machine is noisy) and the median is reported.

Goal (issue 2): the hook costs at most 10% over the plain loop, and its memory does not grow with
the account (compare the 100 000 and 1 000 000 keyword walks).

    .venv/bin/python benchmarks/bench_hook_paging.py [--campaigns 100 --groups 100 --keywords 100]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from common import peak_rss_mb, run_child

FIELDS = ["Id", "AdGroupId", "CampaignId", "Keyword", "State", "Status", "Bid"]
TOKEN = "bench-token"
LOGIN = "bench"


def plain_loop(url: str, campaign_ids: list[int]) -> int:
    """The baseline: what anyone would write with requests and json, no hook."""
    import requests

    session = requests.Session()
    session.headers.update(
        {
            "Authorization": f"Bearer {TOKEN}",
            "Accept-Encoding": "gzip",
            "Accept-Language": "en",
            "Content-Type": "application/json; charset=utf-8",
        }
    )
    count = 0
    for start in range(0, len(campaign_ids), 10):
        offset = 0
        while True:
            body = {
                "method": "get",
                "params": {
                    "SelectionCriteria": {"CampaignIds": campaign_ids[start : start + 10]},
                    "FieldNames": FIELDS,
                    "Page": {"Limit": 10_000, "Offset": offset},
                },
            }
            result = session.post(f"{url}/json/v501/keywords", data=json.dumps(body)).json()["result"]
            count += len(result.get("Keywords", []))
            if "LimitedBy" not in result:
                break
            offset = result["LimitedBy"]
    return count


def hook_loop(url: str, campaign_ids: list[int]) -> int:
    """The same walk through DirectHook.iter_objects (chunking and paging done by the hook)."""
    os.environ["AIRFLOW_CONN_DIRECT_BENCH"] = json.dumps({"conn_type": "yandex_direct", "host": url, "password": TOKEN})
    from airflow_provider_direct.hooks.direct import DirectHook

    hook = DirectHook("direct_bench")
    count = sum(1 for _ in hook.iter_objects("keywords", {"CampaignIds": campaign_ids}, FIELDS))
    hook.close()
    return count


def child(variant: str, url: str, campaign_ids: list[int]) -> None:
    loop = {"plain": plain_loop, "hook": hook_loop}[variant]
    if variant == "hook":  # import cost is not paging cost: load Airflow before the clock starts
        import airflow_provider_direct.hooks.direct  # noqa: F401
    rss_before = peak_rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    count = loop(url, campaign_ids)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(
        json.dumps(
            {"keywords": count, "seconds": seconds, "cpu": cpu, "rss_before": rss_before, "peak_rss": peak_rss_mb()}
        )
    )


def child_run(variant: str, url: str, campaign_ids: list[int], env: dict[str, str]) -> dict[str, Any]:
    args = ["--child", variant, "--url", url, "--ids", ",".join(map(str, campaign_ids))]
    return run_child(__file__, args, env, variant)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=100)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--keywords", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child")
    parser.add_argument("--url")
    parser.add_argument("--ids")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, [int(i) for i in args.ids.split(",")])
        return

    import psutil

    from airflow_provider_direct.emulator.config import EmulatorConfig
    from airflow_provider_direct.emulator.server import EmulatorServer

    config = EmulatorConfig(
        logins=[LOGIN],
        campaigns=args.campaigns,
        smart_campaigns=0,
        groups=args.groups,
        ads=0,
        keywords=args.keywords,
        daily_units=10**9,
        tokens={TOKEN: {"login": LOGIN, "role": "client"}},
    )
    env = {**os.environ, "AIRFLOW_HOME": str(Path(".bench/airflow_home").resolve())}
    with EmulatorServer(config=config, mode="process") as server:
        # Keywords.get hides archived campaigns' keywords: page the campaigns whose keywords are visible.
        campaign_ids = sorted(int(c["Id"]) for c in _campaigns(server.url) if c["State"] != "ARCHIVED")
        total = len(campaign_ids) * args.groups * args.keywords
        small = campaign_ids[: max(1, len(campaign_ids) // 10)]
        runs: dict[str, list[dict[str, Any]]] = {"plain": [], "hook": []}
        for round_no in range(args.rounds):
            order = ["plain", "hook"] if round_no % 2 == 0 else ["hook", "plain"]
            for variant in order:
                runs[variant].append(child_run(variant, server.url, campaign_ids, env))
        hook_small = child_run("hook", server.url, small, env)
        emulator_rss = psutil.Process(server.pid).memory_info().rss / 2**20

    print(f"account: {args.campaigns} campaigns x {args.groups} groups x {args.keywords} keywords = {total:,}")
    print(
        f"{'variant':<8} {'keywords':>10} {'median s':>9} {'keywords/s':>11} {'client CPU s':>13} "
        f"{'peak RSS MB':>12} {'RSS before':>11}"
    )
    medians: dict[str, float] = {}
    cpus: dict[str, float] = {}
    for variant, results in runs.items():
        assert all(r["keywords"] == total for r in results), f"{variant} did not see every keyword"
        seconds = medians[variant] = statistics.median(r["seconds"] for r in results)
        cpu = cpus[variant] = statistics.median(r["cpu"] for r in results)
        rss = max(r["peak_rss"] for r in results)
        before = max(r["rss_before"] for r in results)
        print(
            f"{variant:<8} {total:>10,} {seconds:>9.2f} {total / seconds:>11,.0f} {cpu:>13.2f} "
            f"{rss:>12.1f} {before:>11.1f}"
        )
    ratio = medians["hook"] / medians["plain"]
    print(
        f"hook / plain wall time (median of {args.rounds}): {ratio:.3f} "
        f"(goal <= 1.10: {'met' if ratio <= 1.10 else 'NOT met'})"
    )
    print(f"hook / plain client CPU time: {cpus['hook'] / cpus['plain']:.3f}")
    small_count = hook_small["keywords"]
    print(
        f"hook peak RSS: {hook_small['peak_rss']:.1f} MB for {small_count:,} keywords vs "
        f"{max(r['peak_rss'] for r in runs['hook']):.1f} MB for {total:,}"
    )
    print(f"emulator RSS after serving: {emulator_rss:.1f} MB")
    print("rounds:", json.dumps(runs))


def _campaigns(url: str) -> list[dict[str, Any]]:
    import requests

    body = {"method": "get", "params": {"SelectionCriteria": {}, "FieldNames": ["Id", "State"]}}
    response = requests.post(
        f"{url}/json/v501/campaigns", json=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
    )
    return response.json()["result"]["Campaigns"]


if __name__ == "__main__":
    main()
