"""The units and freshness dashboard in a real api-server and headless Chromium, on the demo's kind of data.

The sync DAG runs twice against the emulator (``dag.test``, in this process, on the tests' metadata DB):
a full snapshot of two logins plus a login the agency does not have, which fails; then, after changes,
an incremental run of the two. The api-server shares that metadata DB and the warehouse, so the page
shows real runs, real units and a real failed task instance.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer
from tests.dags.helpers import run_dag
from tests.plugins.airflow_ui import ApiServer, api_server, chromium, until_settled

pytestmark = pytest.mark.integration

LOGINS = ["client-1", "client-2"]
FAILING = "no-such-login"
#: Where the README's screenshot comes from: ``DIRECT_DASHBOARD_SCREENSHOT=docs/dashboard.png make test``.
SCREENSHOT = os.environ.get("DIRECT_DASHBOARD_SCREENSHOT")
#: Signed in, but with no role: the simple auth manager gives such a user no permission, so no DAG either.
OUTSIDER = ("outsider", "", "0utside")


@pytest.fixture(scope="module")
def synced(
    metadata_db: None, emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """Two runs of ``direct_incremental_sync``; yields the connections the api-server needs too."""
    admin = EmulatorAdmin(emulator.url)
    warehouse = tmp_path_factory.mktemp("dashboard") / "warehouse.db"
    connections = {
        "AIRFLOW_CONN_YANDEX_DIRECT_DEFAULT": json.dumps(
            {
                "conn_type": "yandex_direct",
                "host": emulator.url,
                "password": "agency-token",
                "extra": {"max_retries": 1},
            }
        ),
        "AIRFLOW_CONN_DIRECT_WAREHOUSE_DEFAULT": json.dumps({"conn_type": "sqlite", "host": str(warehouse)}),
    }
    with pytest.MonkeyPatch.context() as mp:
        for name, value in connections.items():
            mp.setenv(name, value)
        run_dag("direct_incremental_sync", {"client_logins": [*LOGINS, FAILING]})
        for login in LOGINS:
            admin.random_mutations(15, login=login, seed=7)
        admin.advance_clock(2)
        run_dag("direct_incremental_sync", {"client_logins": LOGINS})
        yield connections


@pytest.fixture(scope="module")
def server(synced: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    from airflow.configuration import conf

    env = {**synced, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": conf.get("database", "sql_alchemy_conn")}
    # A real sign-in: with every user an admin, the simple auth manager would let anonymous requests in.
    home = tmp_path_factory.mktemp("dashboard-ui")
    with api_server(home, env, user=("analyst", "viewer", "s3cret"), others=(OUTSIDER,)) as running:
        yield running


def chart_points(driver: Any, canvas_id: str) -> list[int] | None:
    """Points per dataset of the chart Chart.js drew on ``canvas_id``, once it has drawn something."""
    return driver.execute_script(
        """
        const canvas = document.getElementById(arguments[0]);
        const chart = canvas && window.Chart && Chart.getChart(canvas);
        if (!chart) return null;
        const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) painted++;
        if (!painted) return null;
        return chart.data.datasets.map((d) => d.data.filter((v) => v !== null).length);
        """,
        canvas_id,
    )


def test_the_dashboard_refuses_who_is_not_signed_in_or_may_not_read_dags(server: ApiServer) -> None:
    for path in ("/direct-dashboard/", "/direct-dashboard/api/figures"):
        anonymous = requests.get(f"{server.url}{path}", timeout=30)
        assert anonymous.status_code == 401, anonymous.text
        forged = requests.get(f"{server.url}{path}", headers={"Authorization": "Bearer not-a-jwt"}, timeout=30)
        assert forged.status_code == 403, forged.text
        # A real user whom the auth manager does not let read DAGs: refused, from the cookie as from a header.
        token = server.sign_in(OUTSIDER[0], OUTSIDER[2])
        for way in ({"headers": {"Authorization": f"Bearer {token}"}}, {"cookies": {"_token": token}}):
            outsider = requests.get(f"{server.url}{path}", timeout=30, **way)
            assert outsider.status_code == 403, outsider.text
            assert "direct_sync_runs" not in outsider.text and "client-1" not in outsider.text
    # The charting library is the only thing served to anyone; it holds no data.
    library = requests.get(f"{server.url}/direct-dashboard/static/chartjs/chart.umd.min.js", timeout=30)
    assert library.status_code == 200 and "Chart.js v4" in library.text[:200]


def test_the_json_endpoint_serves_the_runs_the_dags_made(server: ApiServer) -> None:
    answer = server.session.get(f"{server.url}/direct-dashboard/api/figures", timeout=60)
    assert answer.status_code == 200, answer.text
    figures = answer.json()
    logins = {s["client_login"]: s for s in figures["logins"]}
    assert set(logins) == set(LOGINS)  # the failing login never committed a run
    for login in LOGINS:
        assert logins[login]["last_run_status"] == "success" and logins[login]["last_run_mode"] == "incremental"
        assert logins[login]["runs_24h"] == 2 and logins[login]["units_24h"] > 0
        assert 0 < logins[login]["units_rest"] < logins[login]["units_limit"]
    top = max(LOGINS, key=lambda login: (logins[login]["units_24h"], login))
    assert figures["login"] == top  # no login asked for: the charts show the top spender
    assert sum(day["runs"] for day in figures["units_by_day"]) == 2
    # Other test modules share the metadata DB: their failures may be listed too, never these logins'.
    failing_logins = [f["client_login"] for f in figures["failing"]]
    assert FAILING in failing_logins and not set(LOGINS) & set(failing_logins)
    [failing] = [f for f in figures["failing"] if f["client_login"] == FAILING]
    assert failing["state"] == "failed" and failing["dag_id"] == "direct_incremental_sync"
    assert failing["url"].startswith("/dags/direct_incremental_sync/runs/") and failing["url"].endswith("/mapped/2")
    tables = {t["table"]: t for t in figures["tables"]}
    assert tables["direct_keywords"]["live_rows"] > 0 and tables["direct_keywords"]["fresh_as_of"]
    one = server.session.get(f"{server.url}/direct-dashboard/api/figures", params={"login": "client-2"}, timeout=60)
    assert one.json()["login"] == "client-2" and len(one.json()["runs"]) == 2
    unknown = server.session.get(f"{server.url}/direct-dashboard/api/figures", params={"days": 0}, timeout=60)
    assert unknown.status_code == 422


def test_the_page_in_the_airflow_ui_draws_its_charts(server: ApiServer, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    plugins = server.session.get(f"{server.url}/api/v2/plugins", timeout=30).json()["plugins"]
    [ours] = [p for p in plugins if p["name"] == "yandex_direct"]
    assert [v["url_route"] for v in ours["external_views"]] == ["direct-dashboard"]

    with chromium() as driver:
        driver.get(f"{server.url}/api/v2/version")  # the session cookie the UI's sign-in sets
        driver.add_cookie({"name": "_token", "value": server.token, "path": "/"})
        driver.get(f"{server.url}/plugin/direct-dashboard")  # the nav entry: the page in an iframe
        frame = until_settled(driver, lambda d: d.find_element(By.CSS_SELECTOR, "iframe[src*='direct-dashboard']"))
        driver.switch_to.frame(frame)
        for canvas in ("units-by-day", "units-per-run", "watermark-lag"):
            points = until_settled(driver, lambda d, c=canvas: chart_points(d, c))
            assert points[0] > 0, (canvas, points)
        failing = driver.find_element(By.CSS_SELECTOR, "#failing a")
        assert FAILING in driver.find_element(By.ID, "failing").text
        assert "/mapped/2" in failing.get_attribute("href") and failing.get_attribute("target") == "_top"
        assert driver.find_element(By.ID, "tile-logins").text == "2"

        driver.switch_to.default_content()
        driver.get(f"{server.url}/direct-dashboard/?login=client-1")
        until_settled(driver, lambda d: chart_points(d, "units-per-run"))
        assert "Units and changes per run of client-1" in driver.find_element(By.TAG_NAME, "body").text
        shot = tmp_path / "dashboard.png"
        driver.set_window_size(1600, 1400)
        driver.get(f"{server.url}/direct-dashboard/")
        until_settled(driver, lambda d: chart_points(d, "units-by-day"))
        driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 20_000
    if SCREENSHOT:
        shutil.copyfile(shot, SCREENSHOT)
