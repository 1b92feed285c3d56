"""What the benchmark scripts share: child-process runs (each measures its own peak RSS) and warehouses."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

#: The local PostgreSQL (trust auth) that the warehouse benchmarks write to.
PG = {"host": "127.0.0.1", "port": 5432, "schema": "test", "login": "postgres"}


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def status_mb(field: str, pid: int | str = "self") -> float:
    """``VmRSS`` (resident now) or ``VmHWM`` (its peak) of a process, from ``/proc``. Unlike ru_maxrss, VmHWM
    starts afresh at exec: a child's ru_maxrss keeps its parent's peak when that was higher, and another
    process's (a server's) can be read at all."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


def warehouse_conn(backend: str, workdir: Path) -> tuple[dict[str, Any], str | None]:
    """A fresh warehouse: ``(connection spec, schema)`` — a new SQLite file, a new PostgreSQL schema, or a
    new ClickHouse database (ClickHouse's engine in this process, through clickhouse-connect's chdb interface,
    as in the tests: no ClickHouse server installs here)."""
    if backend == "sqlite":
        return {"conn_type": "sqlite", "host": str(workdir / f"{uuid.uuid4().hex}.db")}, None
    if backend == "clickhouse":
        dsn = f"chdb://{workdir / 'clickhouse'}"
        spec = {
            "conn_type": "clickhouse",
            "host": "localhost",
            "extra": {"client_kwargs": {"interface": "chdb", "dsn": dsn}},
        }
        return spec, f"bench_{uuid.uuid4().hex[:10]}"
    return {"conn_type": "postgres", **PG}, f"bench_{uuid.uuid4().hex[:10]}"


def drop_warehouse(warehouse: Any) -> None:
    """Remove a benchmark's PostgreSQL schema or ClickHouse database (a SQLite file goes with its folder)."""
    schema, dialect = warehouse.dialect.schema, warehouse.dialect.name
    if schema and dialect == "postgres":
        warehouse.hook.run(f"DROP SCHEMA {schema} CASCADE", autocommit=True)
    elif schema and dialect == "clickhouse":
        warehouse.hook.run(f"DROP DATABASE {schema}")


def run_child(script: str, args: list[str], env: dict[str, str], what: str) -> dict[str, Any]:
    """Run ``script`` with ``args`` in a fresh interpreter; its last stdout line is its JSON measurement."""
    done = subprocess.run([sys.executable, script, *args], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
