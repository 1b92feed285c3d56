"""Prefetched streams: order kept, bounded in-flight work, errors raised where consumed, prompt stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from airflow_provider_direct.sync.prefetch import Prefetcher


def test_streams_come_back_whole_and_in_order_with_at_most_workers_running() -> None:
    running = 0
    peak = 0
    lock = threading.Lock()

    def source(n: int) -> Iterator[int]:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            for i in range(3):
                time.sleep(0.01)
                yield n * 10 + i
        finally:
            with lock:
                running -= 1

    with Prefetcher(workers=3, buffer=1) as prefetch:
        streams = [prefetch.stream(lambda n=n: source(n)) for n in range(8)]
        assert [list(s) for s in streams] == [[n * 10, n * 10 + 1, n * 10 + 2] for n in range(8)]
    assert peak <= 3


def test_overlapping_waits_take_the_time_of_one() -> None:
    def slow() -> Iterator[str]:
        time.sleep(0.3)
        yield "page"

    started = time.monotonic()
    with Prefetcher(workers=5) as prefetch:
        streams = [prefetch.stream(slow) for _ in range(5)]
        assert [next(iter(s)) for s in streams] == ["page"] * 5
    assert time.monotonic() - started < 1.0  # five 0.3 s waits, overlapped


def test_a_worker_error_is_raised_to_the_consumer_and_close_stops_the_rest() -> None:
    produced: list[int] = []

    def failing() -> Iterator[int]:
        yield 1
        raise RuntimeError("units exhausted")

    def endless() -> Iterator[int]:
        i = 0
        while True:
            produced.append(i)
            yield i
            i += 1

    prefetch = Prefetcher(workers=2, buffer=1)
    bad, other = prefetch.stream(failing), prefetch.stream(endless)
    with pytest.raises(RuntimeError, match="units exhausted"):
        list(bad)
    started = time.monotonic()
    prefetch.close()  # the endless worker is blocked on its full buffer: it must give up
    assert time.monotonic() - started < 2
    assert len(produced) <= 3
    del other
