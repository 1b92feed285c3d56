"""1 000 concurrent AsyncTaskTriggers, then 1 000 DirectChangesTriggers, each set in one event loop.

Part 1 (``--part async``). Jobs of the four protocols with mixed durations are started first on the
emulator; then one trigger per job runs in a single asyncio loop, the way a triggerer holds them.
Every trigger must yield exactly one event, "terminal" with state "succeeded". Printed: peak RSS (and
its growth over the loaded-imports baseline), CPU seconds per poll, and total wall time against the
longest job's duration.

Goals (issue 4): < 150 MB RSS for the 1 000 triggers, < 2 ms CPU per poll, wall time within one poll
interval of the longest job.

Part 2 (``--part changes``, issue 13). 1 000 ``DirectChangesTrigger``s, one per login, watch the emulator's
accounts in a child process that first loads what a triggerer loads and idles, so its RSS then is the idle
triggerer's baseline in the same run. While they poll, 50 logins get one campaign change each: exactly 50
events must come, one per changed login. Printed: CPU per poll (every API call counted: the first
``checkDictionaries`` and each ``checkCampaigns``) and the triggers' memory (peak RSS minus the idle RSS).
Goals: <= 1 ms CPU per poll, <= 50 MB.

    .venv/bin/python benchmarks/bench_triggers.py [--part async|changes|both] [--triggers 1000 --poll-interval 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import tempfile
import time
from typing import Any

from common import peak_rss_mb, status_mb

TOKEN = "async-token"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triggers", type=int, default=1000)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--min-duration", type=float, default=5.0)
    parser.add_argument("--max-duration", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--part", choices=["async", "changes", "both"], default="both")
    parser.add_argument("--changes-poll-interval", type=float, default=5.0)
    parser.add_argument("--changes-seconds", type=float, default=40.0)
    parser.add_argument("--changed-logins", type=int, default=50)
    parser.add_argument("--changes-child", help=argparse.SUPPRESS)  # internal: the triggerer-like child
    args = parser.parse_args()
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="bench-triggers-"))
    if args.changes_child:
        changes_child(args)
        return
    if args.part in ("async", "both"):
        bench_async(args)
    if args.part in ("changes", "both"):
        bench_changes(args)


def bench_async(args: argparse.Namespace) -> None:
    """Part 1: AsyncTaskTriggers of the four protocols until their jobs end."""

    from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorConfig, EmulatorServer
    from airflow_provider_direct.hooks.async_task import AsyncTaskHook
    from airflow_provider_direct.triggers.async_task import AsyncTaskTrigger

    protocols = ["direct_fetch", "moysklad", "workers", "mytarget"]
    requests: dict[str, dict[str, Any]] = {
        "direct_fetch": {"account": "acc", "client": "cli", "type": "history"},
        "moysklad": {"path": "report/stock/bystore"},
        "workers": {"task_type": "bookings_export", "batch_size": 100, "filters": {}},
        "mytarget": {"path": "/api/v2/campaigns.json", "method": "GET"},
    }
    bases = {
        "direct_fetch": "",
        "moysklad": "/api/remap/1.2",
        "workers": "",
        "mytarget": "",
    }
    rng = random.Random(args.seed)
    config = EmulatorConfig(moysklad_max_concurrent=args.triggers)
    with EmulatorServer(config, mode="process") as server:
        admin = EmulatorAdmin(server.url)
        for name in protocols:
            os.environ[f"AIRFLOW_CONN_BENCH_{name.upper()}"] = json.dumps(
                {"conn_type": "http", "host": server.url + bases[name], "password": TOKEN}
            )
        plan = [(protocols[i % 4], rng.uniform(args.min_duration, args.max_duration)) for i in range(args.triggers)]
        for name in protocols:
            jobs = [{"duration": d, "queue_seconds": 0.5, "progress_steps": 5} for p, d in plan if p == name]
            admin.async_scenario(name, *jobs)

        async def start_all() -> list[dict[str, Any]]:
            hooks = {name: AsyncTaskHook(name, f"bench_{name}") for name in protocols}
            semaphore = asyncio.Semaphore(50)

            async def start(name: str, duration: float) -> dict[str, Any]:
                async with semaphore:
                    handle = await hooks[name].astart(requests[name])
                    ends.append(time.time() + duration + 0.5)  # queue_seconds + duration from now
                    return handle

            return await asyncio.gather(*(start(name, duration) for name, duration in plan))

        ends: list[float] = []
        handles = asyncio.run(start_all())
        last_job_end = max(ends)
        rss_before = peak_rss_mb()
        polls = _count_polls(protocols)

        async def run_all() -> list[list[Any]]:
            deadline = last_job_end + 120
            triggers = [
                AsyncTaskTrigger(name, f"bench_{name}", handle, deadline=deadline, poll_interval=args.poll_interval)
                for (name, _), handle in zip(plan, handles, strict=True)
            ]

            async def collect(trigger: AsyncTaskTrigger) -> list[Any]:
                return [event async for event in trigger.run()]

            return await asyncio.gather(*(collect(t) for t in triggers))

        cpu_before = time.process_time()
        wall_before = time.perf_counter()
        events = asyncio.run(run_all())
        finished = time.time()
        wall = time.perf_counter() - wall_before
        cpu = time.process_time() - cpu_before
    ok = sum(
        1
        for e in events
        if len(e) == 1 and e[0].payload["status"] == "terminal" and e[0].payload["task_status"]["state"] == "succeeded"
    )
    print(
        f"triggers: {args.triggers} ({args.triggers // 4} per protocol), poll interval {args.poll_interval}s, "
        f"job durations {args.min_duration:g}-{args.max_duration:g}s"
    )
    print(f"finished correctly: {ok}/{args.triggers} (exactly one 'terminal/succeeded' event each)")
    print(
        f"peak RSS: {peak_rss_mb():.1f} MB (before the triggers ran: {rss_before:.1f} MB; "
        f"growth {peak_rss_mb() - rss_before:.1f} MB)"
    )
    print(f"polls: {polls['n']:,}; CPU {cpu:.2f} s -> {1000 * cpu / max(polls['n'], 1):.2f} ms per poll (goal < 2 ms)")
    overrun = finished - last_job_end
    print(
        f"wall time {wall:.1f} s; the last event came {overrun:+.2f} s after the longest job ended "
        f"(goal <= one poll interval, {args.poll_interval:g} s)"
    )


def _count_polls(protocols: list[str]) -> dict[str, int]:
    """Count every poll of every trigger by wrapping the protocols' ``poll`` (client side, no emulator help)."""
    from airflow_provider_direct.async_task.protocol import get_protocol

    counter = {"n": 0}
    for name in protocols:
        cls = type(get_protocol(name))
        original = cls.poll

        async def counted(self: Any, client: Any, handle: Any, _original: Any = original) -> Any:
            counter["n"] += 1
            return await _original(self, client, handle)

        cls.poll = counted  # type: ignore[method-assign]
    return counter


def bench_changes(args: argparse.Namespace) -> None:
    """Part 2: DirectChangesTriggers, one per login, in a triggerer-like child process."""
    import subprocess
    import sys
    import threading

    from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorConfig, EmulatorServer

    logins = [f"watch-{i:04d}" for i in range(args.triggers)]
    config = EmulatorConfig(logins=logins, campaigns=2, smart_campaigns=0, groups=1, ads=1, keywords=1)
    with EmulatorServer(config, mode="process") as server:
        admin = EmulatorAdmin(server.url)
        changed = logins[:: max(1, args.triggers // args.changed_logins)][: args.changed_logins]
        campaigns = {login: next(iter(admin.snapshot(login, "campaigns")))["Id"] for login in changed}
        conn = {"conn_type": "yandex_direct", "host": server.url, "password": "agency-token"}
        env = {**os.environ, "AIRFLOW_CONN_BENCH_DIRECT": json.dumps(conn)}
        child = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--changes-child",
                ",".join(logins),
                "--triggers",
                str(args.triggers),
                "--changes-poll-interval",
                str(args.changes_poll_interval),
                "--changes-seconds",
                str(args.changes_seconds),
            ],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )

        def mutate_midway() -> None:
            time.sleep(args.changes_seconds / 2)
            for login, campaign in campaigns.items():
                admin.mutate(
                    {"op": "update", "type": "campaign", "id": campaign, "fields": {"Name": f"changed {login}"}}
                )

        mutator = threading.Thread(target=mutate_midway)
        mutator.start()
        out, _ = child.communicate()
        mutator.join()
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise SystemExit(f"the trigger process printed no result:\n{out[-3000:]}")
    result = json.loads(lines[-1].removeprefix("RESULT "))
    per_poll = 1000 * result["cpu"] / max(result["polls"], 1)
    memory = result["peak_rss"] - result["idle_rss"]
    fired = result["events_by_login"]
    right = sorted(fired) == sorted(campaigns) and all(n == 1 for n in fired.values())
    print(
        f"\nDirectChangesTrigger: {args.triggers} triggers (one login each), poll interval "
        f"{args.changes_poll_interval:g} s, {args.changes_seconds:g} s"
    )
    print(
        f"events: {sum(fired.values())} from {len(fired)} logins; {len(campaigns)} logins changed once each -> "
        f"{'exactly one event per changed login' if right else 'WRONG'}"
    )
    print(f"polls: {result['polls']:,}; CPU {result['cpu']:.2f} s -> {per_poll:.3f} ms per poll (goal <= 1 ms)")
    print(
        f"RSS: idle triggerer-like process {result['idle_rss']:.1f} MB, peak with the triggers "
        f"{result['peak_rss']:.1f} MB -> the triggers' memory {memory:.1f} MB (goal <= 50 MB)"
    )


def changes_child(args: argparse.Namespace) -> None:
    """The triggerer-like child: load what a triggerer loads, idle, then run the triggers for a while."""
    import airflow.jobs.triggerer_job_runner  # noqa: F401  (what every triggerer has loaded)

    from airflow_provider_direct.hooks.direct import DirectHook
    from airflow_provider_direct.triggers.direct_changes import DirectChangesTrigger

    logins = args.changes_child.split(",")

    async def idle() -> float:
        await asyncio.sleep(1.0)
        return status_mb("VmRSS")

    idle_rss = asyncio.run(idle())
    polls = {"n": 0}
    original = DirectHook.acall_metered

    async def counted(self: Any, *a: Any, **kw: Any) -> Any:
        polls["n"] += 1
        return await original(self, *a, **kw)

    DirectHook.acall_metered = counted  # type: ignore[method-assign]
    events: dict[str, int] = {}

    async def watch_all() -> None:
        triggers = [
            DirectChangesTrigger(login, "bench_direct", poll_interval=args.changes_poll_interval) for login in logins
        ]

        async def watch(trigger: DirectChangesTrigger) -> None:
            async for event in trigger.run():
                login = event.payload["client_login"]
                events[login] = events.get(login, 0) + 1

        tasks = [asyncio.create_task(watch(t)) for t in triggers]
        await asyncio.sleep(args.changes_seconds)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    cpu = time.process_time()
    asyncio.run(watch_all())
    cpu = time.process_time() - cpu
    peak = status_mb("VmHWM")
    figures = {"idle_rss": idle_rss, "peak_rss": peak, "cpu": cpu, "polls": polls["n"], "events_by_login": events}
    print("RESULT " + json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
