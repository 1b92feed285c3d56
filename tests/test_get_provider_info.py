"""The provider registers with Airflow the way Airflow validates and lists providers."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import airflow
import jsonschema

from airflow_provider_direct.get_provider_info import get_provider_info


def test_entry_point_points_at_get_provider_info() -> None:
    eps = [ep for ep in entry_points(group="apache_airflow_provider") if ep.value.startswith("airflow_provider_direct")]
    assert len(eps) == 1
    assert eps[0].load() is get_provider_info


def test_matches_airflow_runtime_schema() -> None:
    schema_path = Path(airflow.__file__).parent / "provider_info.schema.json"
    jsonschema.validate(get_provider_info(), json.loads(schema_path.read_text()))


def test_every_listed_module_and_class_imports() -> None:
    info = get_provider_info()
    for section in ("hooks", "operators", "sensors", "triggers"):
        for entry in info.get(section, []):
            for module in entry["python-modules"]:
                importlib.import_module(module)
    for conn_type in info["connection-types"]:
        module, _, name = conn_type["hook-class-name"].rpartition(".")
        hook = getattr(importlib.import_module(module), name)
        assert hook.conn_type == conn_type["connection-type"]


def test_connection_form_fields() -> None:
    conn_type = get_provider_info()["connection-types"][0]
    assert conn_type["connection-type"] == "yandex_direct"
    assert set(conn_type["conn-fields"]) == {"use_operator_units", "language", "api_version", "timeout", "max_retries"}
    assert conn_type["ui-field-behaviour"]["relabeling"]["password"] == "OAuth token"


def test_airflow_lists_the_provider_and_its_connection_form(tmp_path: Path) -> None:
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path)}
    airflow_bin = str(Path(sys.executable).with_name("airflow"))
    listing = subprocess.run(
        [airflow_bin, "providers", "list", "-o", "json"], env=env, capture_output=True, text=True, check=True
    )
    packages = {p["package_name"]: p for p in _json_rows(listing.stdout)}
    assert "airflow-provider-direct" in packages
    widgets = subprocess.run(
        [airflow_bin, "providers", "widgets", "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    ours = {
        w["connection_parameter_name"]: w["field_type"]
        for w in _json_rows(widgets.stdout)
        if w["package_name"] == "airflow-provider-direct"
    }
    assert ours == {
        "extra__yandex_direct__use_operator_units": ["boolean", "null"],
        "extra__yandex_direct__language": ["string", "null"],
        "extra__yandex_direct__api_version": ["string", "null"],
        "extra__yandex_direct__timeout": ["number", "null"],
        "extra__yandex_direct__max_retries": ["integer", "null"],
    }


def _json_rows(stdout: str) -> list[dict[str, object]]:
    """The CLI's JSON table; Airflow may print notices on other lines."""
    return json.loads(next(line for line in stdout.splitlines() if line.startswith("[")))
