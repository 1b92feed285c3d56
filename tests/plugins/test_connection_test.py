"""The UI's Test button on a saved ``yandex_direct`` connection (Admin → Connections → Test).

Airflow 3.3.2's connections list posts ``port: 0`` for a connection without a port, and its test
endpoint then answers 400 "The host or port to test differs from the stored connection" (upstream
apache/airflow#73298). The provider's api-server middleware maps that 0 back to "no port".
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from starlette.testclient import TestClient

from airflow_provider_direct.emulator import EmulatorConfig, EmulatorServer
from airflow_provider_direct.plugins.connection_test import ConnectionTestPortMiddleware, normalise_test_body
from tests.plugins.airflow_ui import (
    ApiServer,
    api_server,
    chromium,
    click,
    network_exchanges,
    require_browser,
    until_settled,
)

UI_BODY = {
    "conn_type": "yandex_direct",
    "connection_id": "direct_ui",
    "description": "",
    "extra": "{}",
    "host": "http://127.0.0.1:1",
    "login": "client-1",
    "password": "***",
    "port": 0,
    "schema": "",
}


# ---------------------------------------------------------------------- the middleware alone


@pytest.fixture
def echo() -> TestClient:
    app = FastAPI()

    @app.post("/api/v2/connections/test")
    async def test(request: Request) -> dict[str, object]:
        return {"body": await request.json(), "length": request.headers.get("content-length")}

    @app.post("/api/v2/connections")
    async def create(request: Request) -> dict[str, object]:
        return {"body": await request.json()}

    app.add_middleware(ConnectionTestPortMiddleware)
    return TestClient(app)


def test_the_ui_body_reaches_the_endpoint_without_port_zero(echo: TestClient) -> None:
    answer = echo.post("/api/v2/connections/test", content=json.dumps(UI_BODY)).json()
    assert answer["body"] == {**UI_BODY, "port": None}
    assert int(answer["length"]) == len(json.dumps({**UI_BODY, "port": None}))


@pytest.mark.parametrize(
    "body",
    [
        {**UI_BODY, "conn_type": "http"},  # another provider's type: not ours to change
        {**UI_BODY, "port": 8443},  # a real port is a real destination
        {**UI_BODY, "port": None},
        {**UI_BODY, "port": False},
    ],
)
def test_other_bodies_pass_unchanged(echo: TestClient, body: dict[str, object]) -> None:
    assert echo.post("/api/v2/connections/test", content=json.dumps(body)).json()["body"] == body
    assert normalise_test_body(json.dumps(body).encode()) is None


def test_other_routes_and_broken_bodies_pass_unchanged(echo: TestClient) -> None:
    assert echo.post("/api/v2/connections", content=json.dumps(UI_BODY)).json()["body"] == UI_BODY
    assert normalise_test_body(b"not json") is None
    assert normalise_test_body(b"[1, 2]") is None


# ---------------------------------------------------------------------- the real UI in a real browser


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ApiServer, EmulatorServer]]:
    require_browser()
    with (
        EmulatorServer(EmulatorConfig(campaigns=1, groups=1, ads=1, keywords=1), mode="thread") as emulator,
        api_server(tmp_path_factory.mktemp("airflow-ui")) as server,
    ):
        yield server, emulator


@pytest.mark.integration
def test_test_button_on_a_saved_direct_connection(ui: tuple[ApiServer, EmulatorServer]) -> None:
    server, emulator = ui
    server.create_connection(
        "direct_ui", conn_type="yandex_direct", host=emulator.url, login="client-1", password="agency-token"
    )
    from selenium.webdriver.common.by import By

    with chromium() as driver:
        driver.get(f"{server.url}/connections")
        button = "//tr[.//*[normalize-space(text())='direct_ui']]//button[@aria-label='Test Connection']"
        until_settled(driver, lambda d: d.find_element(By.XPATH, button).is_enabled() or None)
        network_exchanges(driver, "/connections/test")  # drop what the page load recorded
        click(driver, button)
        deadline, exchanges = time.monotonic() + 60, []
        while time.monotonic() < deadline and not any("answer" in e for e in exchanges):
            time.sleep(0.5)
            exchanges += network_exchanges(driver, "/connections/test")
        page = driver.find_element(By.TAG_NAME, "body").text
        icon_color = until_settled(
            driver, lambda d: d.find_element(By.XPATH, f"{button}//*[name()='svg']").get_attribute("color") or None
        )

    [exchange] = [e for e in exchanges if e["method"] == "POST"]
    sent = json.loads(exchange["body"])
    # What the UI itself sends: the masked token and port 0 (Number(null)) for this port-less type.
    assert sent["port"] == 0 and sent["password"] == "***" and sent["conn_type"] == "yandex_direct"
    assert exchange["status"] == 200, exchange
    answer = json.loads(exchange["answer"])
    assert answer["status"] is True, answer
    assert answer["message"].startswith(f"Connected to {emulator.url} for client-1")
    assert "agency-token" not in exchange["answer"]
    assert "Test Connection Failed" not in page and "Bad Request" not in page
    assert icon_color == "green"
