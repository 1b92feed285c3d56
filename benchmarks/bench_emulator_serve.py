"""Benchmark: serve a 1 000 000-keyword account through Keywords.get pages (not collected by pytest).

Run from the repository root::

    .venv/bin/python benchmarks/bench_emulator_serve.py [--shape wide|deep] [--workers N] [--identity] [--snapshot]

The emulator runs as a separate process (so its CPU is off this client's GIL) and its RSS is sampled
every 20 ms. The client is deliberately plain ``requests`` + ``json``: the figure is what a simple
consumer sees, and the server-side share is printed separately as the emulator's CPU time.
"""

from __future__ import annotations

import argparse
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psutil
import requests

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorConfig, EmulatorServer

FIELDS = [
    "Id",
    "Keyword",
    "State",
    "Status",
    "ServingStatus",
    "AdGroupId",
    "CampaignId",
    "Bid",
    "ContextBid",
    "StrategyPriority",
    "UserParam1",
    "UserParam2",
]
SHAPES = {
    # 1 login x 10 campaigns x 1000 groups x 100 keywords: one CampaignIds chunk, 100 pages.
    "deep": EmulatorConfig(logins=["client-1"], campaigns=10, smart_campaigns=1, groups=1000, ads=2, keywords=100),
    # 1 login x 100 campaigns x 100 groups x 100 keywords: 10 CampaignIds chunks of 10, 10 pages each.
    "wide": EmulatorConfig(logins=["client-1"], campaigns=100, smart_campaigns=1, groups=100, ads=2, keywords=100),
}


class PeakRss:
    """Samples a process's RSS in a background thread."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def fetch_selection(url: str, chunk: list[int], headers: dict[str, str]) -> tuple[int, int]:
    """Page one CampaignIds selection to the end following LimitedBy; returns (keywords, pages)."""
    session = requests.Session()
    offset = keywords = pages = 0
    while True:
        body = {
            "method": "get",
            "params": {
                "SelectionCriteria": {"CampaignIds": chunk},
                "FieldNames": FIELDS,
                "Page": {"Limit": 10_000, "Offset": offset},
            },
        }
        result: dict[str, Any] = session.post(
            f"{url}/json/v5/keywords", json=body, headers=headers, timeout=120
        ).json()["result"]
        keywords += len(result["Keywords"])
        pages += 1
        if "LimitedBy" not in result:
            return keywords, pages
        offset = result["LimitedBy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="deep")
    parser.add_argument("--workers", type=int, default=1, help="selections paged concurrently (API allows 5)")
    parser.add_argument("--chunk", type=int, default=10, help="campaigns per CampaignIds selection (max 10)")
    parser.add_argument("--identity", action="store_true", help="do not ask for gzip")
    parser.add_argument("--snapshot", action="store_true", help="also stream the NDJSON ground truth")
    args = parser.parse_args()

    config = SHAPES[args.shape].model_copy(update={"daily_units": 10_000_000})
    headers = {"Authorization": "Bearer client-1-token", "Accept-Encoding": "identity" if args.identity else "gzip"}
    with EmulatorServer(config, mode="process") as srv:
        assert srv.pid is not None
        campaigns = list(range(1_000_000, 1_000_000 + config.campaigns))
        chunks = [campaigns[i : i + args.chunk] for i in range(0, len(campaigns), args.chunk)]

        def fetch(chunk: list[int]) -> tuple[int, int]:
            return fetch_selection(srv.url, chunk, headers)

        server = psutil.Process(srv.pid)
        cpu_before = sum(server.cpu_times()[:2])
        with PeakRss(srv.pid) as rss:
            started = time.perf_counter()
            with ThreadPoolExecutor(args.workers) as pool:
                outcomes = list(pool.map(fetch, chunks))
            elapsed = time.perf_counter() - started
        cpu = sum(server.cpu_times()[:2]) - cpu_before
        print(
            f"Keywords.get shape={args.shape} workers={args.workers} gzip={not args.identity}: "
            f"{sum(k for k, _ in outcomes):,} keywords in {sum(p for _, p in outcomes)} pages, {elapsed:.2f}s wall, "
            f"emulator CPU {cpu:.2f}s, emulator peak RSS {rss.peak / 2**20:.0f} MB"
        )
        if args.snapshot:
            with PeakRss(srv.pid) as rss:
                started = time.perf_counter()
                lines = sum(1 for _ in EmulatorAdmin(srv.url, timeout=600).snapshot("client-1", "keywords"))
                elapsed = time.perf_counter() - started
            print(f"snapshot: {lines:,} NDJSON lines in {elapsed:.2f}s, emulator peak RSS {rss.peak / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
