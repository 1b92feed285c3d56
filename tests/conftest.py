"""Shared test setup: an isolated AIRFLOW_HOME and connections defined without a metadata DB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer

# Airflow reads its home at import time: point it at a throw-away folder before anything imports it.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="direct-tests-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(Path(__file__).resolve().parents[1] / "dags"))
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


@pytest.fixture(scope="module")
def metadata_db() -> Iterator[None]:
    """dag.test() needs a migrated metadata DB: the tests' own SQLite one under AIRFLOW_HOME."""
    airflow_bin = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow_bin, "db", "migrate"], check=True, capture_output=True, env=os.environ.copy())
    yield


def free_port() -> int:
    """A free TCP port on 127.0.0.1 for a server a test starts."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PG_HOST = os.environ.get("DIRECT_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("DIRECT_TEST_PG_PORT", "5432"))
PG_DB = os.environ.get("DIRECT_TEST_PG_DB", "test")
PG_USER = os.environ.get("DIRECT_TEST_PG_USER", "postgres")


def postgres_available() -> bool:
    """Whether the local PostgreSQL answers; CI sets REQUIRE_POSTGRES=1 so it may never be skipped there."""
    import socket

    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=2):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    if postgres_available():
        return
    message = f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT}"
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{message}, and REQUIRE_POSTGRES=1 forbids skipping")
    pytest.skip(message)


@pytest.fixture
def postgres_conn(make_connection: Callable[..., str]) -> str:
    """A ``postgres`` Airflow connection to the local test database."""
    require_postgres()
    return make_connection(
        "direct_test_postgres", conn_type="postgres", host=PG_HOST, port=PG_PORT, schema=PG_DB, login=PG_USER
    )


@pytest.fixture
def pg_schema(postgres_conn: str) -> Iterator[str]:
    """A fresh PostgreSQL schema per test, dropped afterwards, so tests never see each other's rows."""
    import uuid

    from airflow.providers.postgres.hooks.postgres import PostgresHook

    name = f"direct_test_{uuid.uuid4().hex[:12]}"
    hook = PostgresHook(postgres_conn_id=postgres_conn)
    yield name
    hook.run(f"DROP SCHEMA IF EXISTS {name} CASCADE", autocommit=True)


@pytest.fixture(scope="session")
def clickhouse_engine(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The ClickHouse engine's data path for this test process.

    No current ClickHouse server can be installed here (see the README's ClickHouse section), so the
    tests run ClickHouse's own engine in-process through clickhouse-connect's ``chdb`` interface:
    the provider's ``ClickHouseHook`` and the client API are the production ones. chdb hosts one
    engine per process, so every test shares this path and gets a database of its own.
    """
    return str(tmp_path_factory.mktemp("clickhouse-engine"))


@pytest.fixture
def clickhouse_conn(make_connection: Callable[..., str], clickhouse_engine: str) -> Iterator[tuple[str, str]]:
    """``(conn_id, database)``: a ``clickhouse`` connection and a fresh database, dropped afterwards."""
    import uuid

    from airflow.providers.clickhousedb.hooks.clickhouse import ClickHouseHook

    conn_id = make_connection(
        "direct_test_clickhouse",
        conn_type="clickhouse",
        host="localhost",
        schema="default",
        extra={"client_kwargs": {"interface": "chdb", "dsn": f"chdb://{clickhouse_engine}"}},
    )
    database = f"direct_test_{uuid.uuid4().hex[:12]}"
    yield conn_id, database
    client = ClickHouseHook(clickhouse_conn_id=conn_id).get_client()
    client.command(f"DROP DATABASE IF EXISTS {database}")
    client.close()


@pytest.fixture(params=["sqlite", "postgres", "clickhouse"])
def any_warehouse_conn(
    request: pytest.FixtureRequest, make_connection: Callable[..., str], tmp_path: Path
) -> tuple[str, str | None]:
    """``(conn_id, schema)`` of an empty warehouse on every supported engine (what takes ClickHouse so far)."""
    if request.param == "sqlite":
        return make_connection("direct_test_sqlite", conn_type="sqlite", host=str(tmp_path / "wh.db")), None
    if request.param == "clickhouse":
        return request.getfixturevalue("clickhouse_conn")
    return request.getfixturevalue("postgres_conn"), request.getfixturevalue("pg_schema")


@pytest.fixture(params=["sqlite", "postgres"])
def warehouse_conn(
    request: pytest.FixtureRequest, make_connection: Callable[..., str], tmp_path: Path
) -> tuple[str, str | None]:
    """``(conn_id, schema)`` of an empty warehouse: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return make_connection("direct_test_sqlite", conn_type="sqlite", host=str(tmp_path / "wh.db")), None
    return request.getfixturevalue("postgres_conn"), request.getfixturevalue("pg_schema")


# A small account with every feature: 3 logins x (4 text + 1 smart) campaigns x 5 groups x (2 ads, 12 keywords).
EMULATOR_SHAPE: dict[str, object] = {
    "campaigns": 4,
    "smart_campaigns": 1,
    "groups": 5,
    "ads": 2,
    "keywords": 12,
    "seed": 11,
}


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    """One in-process emulator per test module, on 127.0.0.1 and a free port."""
    from airflow_provider_direct.emulator import EmulatorConfig, EmulatorServer

    with EmulatorServer(EmulatorConfig(**EMULATOR_SHAPE), mode="thread") as server:
        yield server


@pytest.fixture
def emulator_admin(emulator: EmulatorServer) -> EmulatorAdmin:
    """Admin client of a freshly reset world (every test starts from the same account)."""
    from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorConfig

    admin = EmulatorAdmin(emulator.url)
    admin.reset(**EmulatorConfig(**EMULATOR_SHAPE).model_dump(mode="json"))
    return admin


@pytest.fixture
def emulator_conn(make_connection: Callable[..., str], emulator: EmulatorServer, emulator_admin: EmulatorAdmin) -> str:
    """A ``yandex_direct`` connection with the emulator's agency token and fast retries."""
    return make_connection(
        "direct_emulator", host=emulator.url, password="agency-token", extra={"max_retries": 4, "timeout": 30}
    )
