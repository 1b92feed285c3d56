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


def warehouse_conn(backend: str, workdir: Path) -> tuple[dict[str, Any], str | None]:
    """A fresh warehouse: ``(connection spec, schema)`` — a new SQLite file, or a new PostgreSQL schema."""
    if backend == "sqlite":
        return {"conn_type": "sqlite", "host": str(workdir / f"{uuid.uuid4().hex}.db")}, None
    return {"conn_type": "postgres", **PG}, f"bench_{uuid.uuid4().hex[:10]}"


def run_child(script: str, args: list[str], env: dict[str, str], what: str) -> dict[str, Any]:
    """Run ``script`` with ``args`` in a fresh interpreter; its last stdout line is its JSON measurement."""
    done = subprocess.run([sys.executable, script, *args], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
