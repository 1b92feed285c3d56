"""Shared test setup: an isolated AIRFLOW_HOME and connections defined without a metadata DB."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable

import pytest

# Airflow reads its home at import time: point it at a throw-away folder before anything imports it.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="direct-tests-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")

TOKEN = "test-oauth-token-SECRET-3f9a"


@pytest.fixture
def make_connection(monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """Define a connection through ``AIRFLOW_CONN_<ID>`` (the way Airflow's own provider tests do)."""

    def _make(conn_id: str = "yandex_direct_default", **fields: object) -> str:
        fields.setdefault("conn_type", "yandex_direct")
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))
        return conn_id

    return _make


@pytest.fixture
def direct_conn(make_connection: Callable[..., str]) -> str:
    """A ``yandex_direct`` connection at a fake host, for requests-mock tests."""
    return make_connection(
        host="https://direct.test",
        password=TOKEN,
        login="client-1",
        extra={"language": "ru", "max_retries": 3},
    )
