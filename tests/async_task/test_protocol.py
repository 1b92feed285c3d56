"""The protocol registry: fed by the protocol modules, never importing them itself."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import airflow_provider_direct.async_task.protocol as protocol_module
from airflow_provider_direct.async_task.protocol import AsyncTaskProtocol, get_protocol, protocol_path, register

BUILT_IN = {
    "direct_fetch": "airflow_provider_direct.hooks.direct_fetch.DirectFetchProtocol",
    "direct_reports": "airflow_provider_direct.hooks.direct_reports.DirectReportsProtocol",
    "moysklad": "airflow_provider_direct.hooks.moysklad.MoySkladProtocol",
    "mytarget": "airflow_provider_direct.hooks.mytarget.MyTargetProtocol",
    "workers": "airflow_provider_direct.hooks.workers.WorkersProtocol",
}


def test_the_registry_module_imports_no_protocol_module() -> None:
    tree = ast.parse(Path(protocol_module.__file__).read_text())
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {name for name in imported if name and name.startswith("airflow_provider_direct.hooks")}


def test_a_fresh_process_resolves_every_protocol_by_name_and_by_path() -> None:
    """What a triggerer does: it has imported none of the protocol modules when a trigger arrives."""
    script = (
        "import json, sys\n"
        "from airflow_provider_direct.async_task.protocol import get_protocol, protocol_path\n"
        "assert not any(m.startswith('airflow_provider_direct.hooks.') for m in sys.modules)\n"
        f"names = {list(BUILT_IN)!r}\n"
        "by_name = {n: protocol_path(get_protocol(n)) for n in names}\n"
        "by_path = {n: get_protocol(p).name for n, p in by_name.items()}\n"
        "print(json.dumps([by_name, by_path]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    by_name, by_path = json.loads(done.stdout.strip().splitlines()[-1])
    assert by_name == BUILT_IN
    assert by_path == {name: name for name in BUILT_IN}


def test_unknown_protocols_name_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown async-task protocol 'nope'.*moysklad"):
        get_protocol("nope")
    with pytest.raises(ValueError, match="cannot import"):
        get_protocol("no.such.module.Protocol")
    with pytest.raises(ValueError, match="is not an AsyncTaskProtocol"):
        get_protocol("json.JSONDecoder")


def test_a_protocol_outside_any_package_works_by_path() -> None:
    @register
    class Local(AsyncTaskProtocol):
        name = "local-test"

        async def start(self, client, request):  # type: ignore[no-untyped-def]
            return {}

        async def poll(self, client, handle):  # type: ignore[no-untyped-def]
            raise NotImplementedError

        def fetch(self, client, handle):  # type: ignore[no-untyped-def]
            raise NotImplementedError

    assert isinstance(get_protocol("local-test"), Local)
    assert protocol_path(Local).endswith("test_a_protocol_outside_any_package_works_by_path.<locals>.Local")
    with pytest.raises(ValueError, match="already registered"):
        register(type("Other", (Local,), {"name": "local-test"}))
