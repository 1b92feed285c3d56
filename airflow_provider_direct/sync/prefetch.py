"""Read several API selections at once while the caller writes them one after another, in order.

A full snapshot is thousands of independent ``get`` selections; one at a time, the run is as slow as
the sum of the API's latencies. Here up to ``workers`` threads each page through one selection and
hand pages over a small bounded buffer, so at most ``workers`` requests are in flight (the API allows
five per advertiser) and at most ``buffer`` pages per selection wait in memory. The caller consumes the
streams in the order it opened them, which keeps commits (and checkpoints) in plan order.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_DONE = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class Stream(Generic[T]):
    """The items one worker produces, in order; iterating re-raises the worker's error."""

    def __init__(self, buffer: int, stopped: threading.Event) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=buffer)
        self._stopped = stopped

    def _put(self, item: Any) -> bool:
        while not self._stopped.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, source: Callable[[], Iterable[T]]) -> None:
        try:
            for item in source():
                if not self._put(item):
                    return  # the prefetcher closed: nobody will read the rest
            self._put(_DONE)
        except BaseException as error:  # handed to the consumer, raised there
            self._put(_Failure(error))

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item


class Prefetcher:
    """A pool of ``workers`` threads feeding :class:`Stream` objects (use as a context manager)."""

    def __init__(self, workers: int, buffer: int = 2) -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="direct-prefetch")
        self._buffer = buffer
        self._stopped = threading.Event()

    def stream(self, source: Callable[[], Iterable[T]]) -> Stream[T]:
        """Start reading ``source()`` as soon as a worker is free."""
        stream: Stream[T] = Stream(self._buffer, self._stopped)
        self._pool.submit(stream._produce, source)
        return stream

    def close(self) -> None:
        """Stop every worker (a failed run must not keep spending units) and wait for them."""
        self._stopped.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Prefetcher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
