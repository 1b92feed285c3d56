"""The units and freshness dashboard: a page in the Airflow UI and a JSON endpoint with the same figures.

Mounted by the provider's plugin at ``/direct-dashboard`` and shown in the UI's navigation as an
external view (an iframe at ``/plugin/direct-dashboard``). Both routes sit behind Airflow's own
authentication: the caller must be allowed to read DAGs (the auth manager decides), whether the token
comes from the UI's cookie or an ``Authorization: Bearer`` header. Only the charting library's file is
served to anyone, as it carries no data.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from airflow_provider_direct.models.dashboard import Dashboard, FailingLogin
from airflow_provider_direct.utils.callback_tokens import SECTION
from airflow_provider_direct.warehouse.dashboard import DashboardReader
from airflow_provider_direct.warehouse.store import DEFAULT_WAREHOUSE_CONN_ID, DirectWarehouse

URL_PREFIX = "/direct-dashboard"
#: Where the UI shows the page: ``/plugin/<url_route>``.
URL_ROUTE = "direct-dashboard"
HERE = Path(__file__).parent
#: Failures older than this are history, not a failing login.
FAILING_WINDOW = dt.timedelta(days=7)


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M") if value else ""


def _lag(seconds: float | None) -> str:
    """``3 d 4 h``, ``2 h 5 min``, ``40 min``: as precise as anyone reads a lag."""
    if seconds is None:
        return ""
    minutes = max(int(seconds // 60), 0)
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


_templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
_templates.filters.update(when=_when, lag=_lag)
_warehouse_lock = threading.Lock()
_warehouse: DirectWarehouse | None = None


_bearer = HTTPBearer(auto_error=False)


async def read_access(
    request: Request, bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Airflow's own checks: an authenticated user (401) allowed to read DAGs (403).

    Imported on the first request, not with the plugin: every Airflow component loads the plugin,
    and only the api-server needs its security module.
    """
    from airflow.api_fastapi.core_api.security import get_user, requires_access_dag

    user = await get_user(request, None, bearer)
    await run_in_threadpool(requires_access_dag("GET"), request, user)


class WarehouseUnreadable(Exception):
    """The configured warehouse cannot be read: a missing connection, a server down, a schema not there."""


def _settings() -> tuple[str, str | None]:
    from airflow.configuration import conf

    conn_id = conf.get(SECTION, "dashboard_warehouse_conn_id", fallback=None) or DEFAULT_WAREHOUSE_CONN_ID
    return conn_id, conf.get(SECTION, "dashboard_warehouse_schema", fallback=None) or None


def warehouse() -> DirectWarehouse:
    """The warehouse the sync writes to, per ``[yandex_direct] dashboard_warehouse_*`` (one per process)."""
    global _warehouse
    with _warehouse_lock:
        if _warehouse is None:
            conn_id, schema = _settings()
            _warehouse = DirectWarehouse.from_conn_id(conn_id, schema=schema)
        return _warehouse


def _forget_warehouse() -> None:
    """After a failed read: the next request resolves the connection again (it may have been fixed)."""
    global _warehouse
    with _warehouse_lock:
        _warehouse = None


def _failing(now: dt.datetime) -> list[FailingLogin]:
    from airflow.api_fastapi.app import API_ROOT_PATH
    from airflow.utils.session import create_session

    from airflow_provider_direct.plugins.failing_logins import failing_logins

    with create_session() as session:
        return failing_logins(session, now - FAILING_WINDOW, root=API_ROOT_PATH)


def collect(
    reader: DashboardReader,
    now: dt.datetime,
    login: str | None,
    days: int,
    failing: list[FailingLogin],
    started: float,
) -> Dashboard:
    """Every figure of the page; the charts show ``login``, or the login that spent most in 24 hours."""
    logins = reader.logins(now)
    first_day = (now - dt.timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    top = max(logins, key=lambda s: (s.units_24h, s.client_login), default=None)
    login = login or (top.client_login if top else None)
    return Dashboard(
        generated_at=now,
        login=login,
        days=days,
        logins=logins,
        units_by_day=reader.units_by_day(login, first_day) if login else [],
        runs=reader.runs(login) if login else [],
        tables=reader.tables(),
        restatements=reader.restatements(),
        failing=failing,
        query_seconds=round(time.perf_counter() - started, 3),
    )


def figures_now(login: str | None, days: int) -> Dashboard:
    """The figures as of now; a warehouse that cannot be read raises ``WarehouseUnreadable`` with its reason."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    started = time.perf_counter()
    failing = _failing(now)
    try:
        with DashboardReader(warehouse()).connected() as reader:
            return collect(reader, now, login, days, failing, started)
    except Exception as error:
        _forget_warehouse()
        conn_id, schema = _settings()
        where = f"{conn_id!r}" + (f" (schema {schema!r})" if schema else "")
        raise WarehouseUnreadable(f"Cannot read the warehouse {where}: {type(error).__name__}: {error}") from error


#: The lag chart's bars: the logins furthest behind.
LAGGING = 20


def chart_data(dashboard: Dashboard) -> dict[str, Any]:
    """What the charts draw, and only that: the tables are HTML, so 1 000 logins are not sent twice."""
    behind = sorted(
        (s for s in dashboard.logins if s.watermark_lag_seconds is not None),
        key=lambda s: (-(s.watermark_lag_seconds or 0), s.client_login),
    )[:LAGGING]
    return {
        "units_by_day": [day.model_dump(mode="json") for day in dashboard.units_by_day],
        "runs": [run.model_dump(mode="json") for run in dashboard.runs],
        "lagging": [{"client_login": s.client_login, "lag_seconds": s.watermark_lag_seconds} for s in behind],
    }


def render(dashboard: Dashboard) -> str:
    """The page: tables in HTML, and the charts' data as JSON (``<`` escaped inside the script)."""
    data = json.dumps(chart_data(dashboard)).replace("<", "\\u003c")
    return _templates.get_template("direct_dashboard.html").render(d=dashboard, figures_json=data, prefix=URL_PREFIX)


app = FastAPI(title="Yandex Direct provider: units and freshness", docs_url=None, redoc_url=None)
app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

Login = Annotated[str | None, Query(max_length=255, description="The charts' login; unset: the top spender")]
Days = Annotated[int, Query(ge=1, le=366, description="Days of the units-per-day chart")]


@app.exception_handler(WarehouseUnreadable)
async def _unreadable(request: Request, error: WarehouseUnreadable) -> Response:
    """503 with the reason: as text in the page's frame, as ``detail`` from the JSON endpoint."""
    if request.url.path.endswith("/api/figures"):
        return JSONResponse({"detail": str(error)}, status_code=503)
    return HTMLResponse(
        _templates.get_template("direct_dashboard_error.html").render(message=str(error), prefix=URL_PREFIX),
        status_code=503,
    )


@app.get("/", response_class=HTMLResponse, dependencies=[Depends(read_access)])
def page(login: Login = None, days: Days = 30) -> HTMLResponse:
    return HTMLResponse(render(figures_now(login or None, days)))


@app.get("/api/figures", response_model=Dashboard, dependencies=[Depends(read_access)])
def figures(login: Login = None, days: Days = 30) -> Dashboard:
    return figures_now(login or None, days)
