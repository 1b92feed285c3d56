"""1 000 concurrent AsyncTaskTriggers in one event loop against the emulator.

Jobs of the four protocols with mixed durations are started first; then one trigger per job runs in
a single asyncio loop, the way a triggerer holds them. Every trigger must yield exactly one event,
"terminal" with state "succeeded". Printed: peak RSS (and its growth over the loaded-imports
baseline), CPU seconds per poll, and total wall time against the longest job's duration.

Goals (issue 4): < 150 MB RSS for the 1 000 triggers, < 2 ms CPU per poll, wall time within one poll
interval of the longest job.

    .venv/bin/python benchmarks/bench_triggers.py [--triggers 1000 --poll-interval 1 --max-duration 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import tempfile
import time
from typing import Any

TOKEN = "async-token"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triggers", type=int, default=1000)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--min-duration", type=float, default=5.0)
    parser.add_argument("--max-duration", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="bench-triggers-"))

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
        rss_before = rss_mb()
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
        f"peak RSS: {rss_mb():.1f} MB (before the triggers ran: {rss_before:.1f} MB; "
        f"growth {rss_mb() - rss_before:.1f} MB)"
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


if __name__ == "__main__":
    main()
