"""Outgoing notifications when jobs finish: myTarget callbacks and MoySklad webhooks.

Job state is computed lazily, so nothing "happens" when a job finishes; notifications are the one
exception, because the client waits for them. A heap of due times is watched by one thread that only
exists while something is pending, and deliveries run on a small pool so a slow receiver never
delays the others. Only loopback targets are ever contacted: an emulator must not call out of the
machine, so any other host is recorded as refused.
"""

from __future__ import annotations

import heapq
import ipaddress
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

DELIVERY_WORKERS = 8
POLL_SECONDS = 0.05  # the emulator clock can jump (admin advance): re-check due times this often


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs whose host is ``localhost`` or a loopback IP literal (no DNS lookups)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Notification:
    """One HTTP call to make: form/query ``params`` or a ``json_body``."""

    kind: str
    url: str
    method: str
    params: dict[str, str] | None = None
    json_body: Any = None


def deliver(note: Notification, timeout: float) -> dict[str, Any]:
    """Make the call (or refuse it) and describe what happened, for ``/admin/async/jobs``."""
    record: dict[str, Any] = {
        "kind": note.kind,
        "url": note.url,
        "method": note.method,
        "params": note.params if note.params is not None else note.json_body,
        "status": None,
        "error": None,
        "refused": False,
    }
    if not is_loopback_url(note.url):
        record["refused"] = True
        record["error"] = "refused: the emulator only calls loopback addresses"
        return record
    with requests.Session() as session:
        session.trust_env = False  # never route a loopback call through an environment proxy
        try:
            if note.method == "GET":
                response = session.get(note.url, params=note.params, timeout=timeout, allow_redirects=False)
            elif note.json_body is not None:
                response = session.post(note.url, json=note.json_body, timeout=timeout, allow_redirects=False)
            else:
                response = session.post(note.url, data=note.params, timeout=timeout, allow_redirects=False)
            record["status"] = response.status_code
        except requests.RequestException as error:
            record["error"] = f"{type(error).__name__}: {error}"
    return record


class CallbackDispatcher:
    """Runs ``fire`` callables once the emulator clock reaches their due time."""

    def __init__(self, now: Callable[[], float], alive: Callable[[], bool]) -> None:
        self._now = now
        self._alive = alive
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._closed = False

    def schedule(self, due: float, fire: Callable[[], None]) -> None:
        with self._cond:
            if self._closed:
                return
            heapq.heappush(self._heap, (due, next(self._order), fire))
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="async-callbacks", daemon=True)
                self._thread.start()
            self._cond.notify()

    def pending(self) -> int:
        with self._cond:
            return len(self._heap)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._heap.clear()
            pool, self._pool = self._pool, None
            self._cond.notify_all()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _watch(self) -> None:
        while True:
            with self._cond:
                if self._closed or not self._alive() or not self._heap:
                    self._thread = None  # the next schedule() starts a new watcher
                    return
                now = self._now()
                due: list[Callable[[], None]] = []
                while self._heap and self._heap[0][0] <= now:
                    due.append(heapq.heappop(self._heap)[2])
                if not due:
                    self._cond.wait(POLL_SECONDS)
                    continue
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(DELIVERY_WORKERS, thread_name_prefix="async-delivery")
                pool = self._pool
            for fire in due:
                try:
                    pool.submit(fire)
                except RuntimeError:  # closed meanwhile
                    return
