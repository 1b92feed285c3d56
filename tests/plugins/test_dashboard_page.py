"""The dashboard page's rendering: whatever a login is called, the page shows it as text."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from airflow_provider_direct.models.dashboard import Dashboard, LoginSummary, Restatements
from airflow_provider_direct.plugins.dashboard import _lag, render

NOW = dt.datetime(2026, 12, 6, 12, tzinfo=dt.timezone.utc)
HOSTILE = '</script><script>alert("x")</script>'


def test_a_hostile_login_name_stays_text_in_the_html_and_in_the_embedded_json() -> None:
    dashboard = Dashboard(
        generated_at=NOW,
        login=HOSTILE,
        days=7,
        logins=[LoginSummary(client_login=HOSTILE, units_24h=5, watermark_lag_seconds=4000)],
        units_by_day=[],
        runs=[],
        tables=[],
        restatements=Restatements(pending=0, logins=0, oldest=[]),
        failing=[],
        query_seconds=0.01,
    )
    page = render(dashboard)
    assert HOSTILE not in page and "alert(" in page  # escaped, not dropped
    embedded = re.search(r'<script type="application/json" id="figures">(.*?)</script>', page, re.S)
    assert embedded is not None
    assert json.loads(embedded.group(1))["lagging"] == [{"client_login": HOSTILE, "lag_seconds": 4000}]
    assert "1 h 6 min" in page


def test_lags_read_as_people_say_them() -> None:
    assert [_lag(s) for s in (None, 59, 2400, 3600 * 5 + 300, 86400 * 3 + 7200)] == [
        "",
        "0 min",
        "40 min",
        "5 h 5 min",
        "3 d 2 h",
    ]


def test_the_vendored_charting_library_is_the_release_its_source_file_names() -> None:
    """Chart.js is shipped as npm published it (scripts/vendor_chartjs.sh): no local edits."""
    import hashlib
    from pathlib import Path

    from airflow_provider_direct.plugins import dashboard

    folder = Path(dashboard.__file__).parent / "static" / "chartjs"
    source = (folder / "SOURCE").read_text()
    version = source.split()[1]
    library = (folder / "chart.umd.min.js").read_bytes()
    assert f"Chart.js v{version}".encode() in library[:100]
    assert f"sha256 chart.umd.min.js: {hashlib.sha256(library).hexdigest()}" in source
    assert "MIT" in (folder / "LICENSE.md").read_text()


def test_a_warehouse_that_cannot_be_read_gets_a_503_with_the_reason(
    metadata_db: None, make_connection: Any, monkeypatch: Any, tmp_path: Any
) -> None:
    """A missing connection or a file SQLite cannot open: the reason, in the frame and in the JSON; no traceback."""
    from fastapi.testclient import TestClient

    from airflow_provider_direct.plugins import dashboard

    dashboard.app.dependency_overrides[dashboard.read_access] = lambda: None  # access is the browser test's
    try:
        client = TestClient(dashboard.app)
        monkeypatch.setenv("AIRFLOW__YANDEX_DIRECT__DASHBOARD_WAREHOUSE_CONN_ID", "no_such_warehouse")
        dashboard._forget_warehouse()
        answer = client.get("/api/figures")
        assert answer.status_code == 503
        assert answer.json()["detail"].startswith("Cannot read the warehouse 'no_such_warehouse': AirflowNotFound")

        make_connection("unopenable", conn_type="sqlite", host=str(tmp_path / "no-such-folder" / "wh.db"))
        monkeypatch.setenv("AIRFLOW__YANDEX_DIRECT__DASHBOARD_WAREHOUSE_CONN_ID", "unopenable")
        page = client.get("/")
        assert page.status_code == 503 and "text/html" in page.headers["content-type"]
        assert (
            "Cannot read the warehouse &#39;unopenable&#39;: OperationalError: unable to open database file"
            in page.text
        )

        make_connection("unopenable", conn_type="sqlite", host=str(tmp_path / "wh.db"))  # fixed: read again
        assert client.get("/api/figures").status_code == 200
    finally:
        dashboard.app.dependency_overrides.clear()
        dashboard._forget_warehouse()
