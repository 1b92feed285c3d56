"""docker-compose.yaml, the Dockerfile and deploy/*.env agree with each other and with what the native test runs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import airflow
import pytest
import yaml

from tests.deploy import DEPLOY, read_env

ROOT = DEPLOY.parent
AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yaml").read_text())


def dockerfile_version() -> str:
    match = re.search(r"^ARG AIRFLOW_VERSION=(\S+)$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert match, "the Dockerfile pins no AIRFLOW_VERSION"
    return match.group(1)


def test_every_service_of_the_topology_is_there(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {
        *AIRFLOW_SERVICES,
        "airflow-init",
        "postgres",
        "redis",
        "warehouse",
        "clickhouse",
        "direct-emulator",
        "airflow-triggerer-direct",
        "airflow-triggerer-default",
    }
    for service, command in AIRFLOW_SERVICES.items():
        assert compose["services"][service]["command"] == command


def test_one_image_with_the_pinned_airflow_and_the_provider(compose: dict[str, Any]) -> None:
    version = dockerfile_version()
    assert version == airflow.__version__  # the native test runs the very Airflow the image pins
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.count("FROM apache/airflow:${AIRFLOW_VERSION}") == 1
    install = next(line for line in dockerfile.splitlines() if line.startswith("RUN pip install"))
    assert '"apache-airflow==${AIRFLOW_VERSION}"' in install and "/opt/airflow/provider" in install
    everything = (ROOT / "docker-compose.yaml").read_text() + dockerfile
    assert "_PIP_ADDITIONAL_REQUIREMENTS" not in everything
    for name in (*AIRFLOW_SERVICES, "airflow-init", "direct-emulator"):
        service = compose["services"][name]
        assert service["build"] == "."
        assert f":{version}" in service["image"]


def test_the_triggerer_queues_profile(compose: dict[str, Any]) -> None:
    """Dedicated triggerers for the Direct waits and for the other queued ones; the unqueued stay on the main one."""
    services = compose["services"]
    assert services["airflow-triggerer-direct"]["command"] == "triggerer --queues yandex_direct"
    assert services["airflow-triggerer-default"]["command"] == "triggerer --queues default"
    for name in ("airflow-triggerer-direct", "airflow-triggerer-default"):
        assert services[name]["profiles"] == ["triggerer-queues"]
        assert services[name]["env_file"] == services["airflow-triggerer"]["env_file"]
    assert "profiles" not in services["airflow-triggerer"]  # asset watchers and callbacks have no queue
    settings = read_env(DEPLOY / "airflow.env")
    assert settings["AIRFLOW__TRIGGERER__QUEUES_ENABLED"] == "False" and settings["DIRECT_TRIGGER_QUEUE"] == ""


def test_every_airflow_service_reads_the_shared_env_files(compose: dict[str, Any]) -> None:
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        assert compose["services"][name]["env_file"] == ["deploy/airflow.env", "deploy/compose-addresses.env"]


def test_shared_settings(compose: dict[str, Any]) -> None:
    settings = read_env(DEPLOY / "airflow.env")
    assert settings["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert settings["AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE"] == "True"
    addresses = read_env(DEPLOY / "compose-addresses.env")
    assert not set(settings) & set(addresses), "a setting is defined twice"
    init = " ".join(compose["services"]["airflow-init"]["command"])
    assert "airflow db migrate" in init
    for pool in ("DIRECT_API_POOL", "DIRECT_REPORTS_POOL"):
        assert f'airflow pools set "$${{{pool}}}" "$${{{pool}_SLOTS}}"' in init
        assert settings[f"{pool}_SLOTS"] == "5"


def test_addresses_point_at_compose_services(compose: dict[str, Any]) -> None:
    services = set(compose["services"])
    addresses = read_env(DEPLOY / "compose-addresses.env")
    hosts = {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgres",
        "AIRFLOW__CELERY__RESULT_BACKEND": "postgres",
        "AIRFLOW__CELERY__BROKER_URL": "redis",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "airflow-apiserver",
    }
    for key, service in hosts.items():
        assert urlsplit(addresses[key]).hostname == service and service in services
    for conn, service in (
        ("AIRFLOW_CONN_YANDEX_DIRECT_DEFAULT", "direct-emulator"),
        ("AIRFLOW_CONN_DIRECT_FETCH_DEFAULT", "direct-emulator"),
        ("AIRFLOW_CONN_DIRECT_WAREHOUSE_DEFAULT", "warehouse"),
        ("AIRFLOW_CONN_DIRECT_WAREHOUSE_CLICKHOUSE", "clickhouse"),
    ):
        spec = json.loads(addresses[conn])
        host = urlsplit(spec["host"]).hostname if "://" in spec["host"] else spec["host"]
        assert host == service and service in services
    emulator = compose["services"]["direct-emulator"]["command"]
    assert emulator[emulator.index("--port") + 1] == "8081"


def test_the_clickhouse_warehouse_is_an_option(compose: dict[str, Any]) -> None:
    """Started only with ``--profile clickhouse``; the image carries the ClickHouse provider."""
    clickhouse = compose["services"]["clickhouse"]
    assert clickhouse["profiles"] == ["clickhouse"]
    assert "clickhouse" not in compose["x-airflow-common"]["depends_on"]
    spec = json.loads(read_env(DEPLOY / "compose-addresses.env")["AIRFLOW_CONN_DIRECT_WAREHOUSE_CLICKHOUSE"])
    assert spec["conn_type"] == "clickhouse" and spec["schema"] == clickhouse["environment"]["CLICKHOUSE_DB"]
    assert "provider[postgres,clickhouse]" in (ROOT / "Dockerfile").read_text()


def test_the_native_test_reads_the_same_settings() -> None:
    native = (Path(__file__).parent / "test_celery_topology.py").read_text()
    assert 'read_env(DEPLOY / "airflow.env")' in native
