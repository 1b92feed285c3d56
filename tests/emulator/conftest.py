"""Fixtures for the emulator tests: one in-process server per module, a fresh world per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorConfig, EmulatorServer
from tests.emulator.helpers import SMALL, Api


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(**SMALL), mode="thread") as srv:
        yield srv


@pytest.fixture
def admin(server: EmulatorServer) -> EmulatorAdmin:
    client = EmulatorAdmin(server.url)
    client.reset(**EmulatorConfig(**SMALL).model_dump(mode="json"))  # full config: undo any test's changes
    return client


@pytest.fixture
def api(server: EmulatorServer, admin: EmulatorAdmin) -> Api:
    return Api(server.url)
