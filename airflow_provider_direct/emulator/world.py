"""The emulated world: every stateful component of one emulator instance, replaceable as a whole.

``/admin/reset`` swaps in a fresh ``World``; requests grab the current one once, so a reset never
mixes the state of two worlds inside a single request.
"""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

from airflow_provider_direct.emulator.clock import EmulatorClock
from airflow_provider_direct.emulator.concurrency import ConcurrencyGate
from airflow_provider_direct.emulator.config import EmulatorConfig
from airflow_provider_direct.emulator.faults import FaultInjector
from airflow_provider_direct.emulator.reports.queue import ReportRegistry
from airflow_provider_direct.emulator.reports.ratelimit import SlidingWindow
from airflow_provider_direct.emulator.reports.stats import StatsEngine
from airflow_provider_direct.emulator.state import AccountState
from airflow_provider_direct.emulator.stats import RequestStats
from airflow_provider_direct.emulator.units import UnitsLedger


class World:
    """Config, clock, account state, units, concurrency, faults, reports and counters of one run."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.clock = EmulatorClock()
        self.state = AccountState(config, self.clock)
        self.ledger = UnitsLedger(config, self.clock)
        self.gate = ConcurrencyGate(config.max_concurrency)
        self.faults = FaultInjector(config.seed)
        self.stats = RequestStats()
        self.reports = ReportRegistry(config)
        self.report_rate = SlidingWindow(config.reports_rate_limit, config.reports_rate_window)
        self.report_stats = StatsEngine(config.seed)
        # 19-digit ids like the real RequestId; itertools.count is atomic under the GIL.
        self._request_ids = itertools.count(int(time.time() * 1000) * 1_000_000)

    def next_request_id(self) -> str:
        return str(next(self._request_ids))


class Emulator:
    """Holder of the current world."""

    def __init__(self, config: EmulatorConfig) -> None:
        self._lock = threading.Lock()
        self.world = World(config)

    def reset(self, changes: dict[str, Any] | None = None) -> EmulatorConfig:
        """Rebuild the world, optionally with config fields replaced (validated like at startup)."""
        changes = changes or {}
        with self._lock:
            merged = self.world.config.model_dump()
            if "logins" in changes:
                # Defaults derived from the logins must follow them unless given explicitly.
                merged["tokens"] = {}
                merged["agency_clients"] = None
            merged.update(changes)
            config = EmulatorConfig.model_validate(merged)
            self.world = World(config)
            return config
