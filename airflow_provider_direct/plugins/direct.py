"""The provider's Airflow plugin: what the api-server needs from this package beyond hooks and operators."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from airflow_provider_direct.plugins.callbacks import app as callbacks_app
from airflow_provider_direct.plugins.connection_test import ConnectionTestPortMiddleware
from airflow_provider_direct.plugins.dashboard import URL_PREFIX as DASHBOARD_PREFIX
from airflow_provider_direct.plugins.dashboard import URL_ROUTE as DASHBOARD_ROUTE
from airflow_provider_direct.plugins.dashboard import app as dashboard_app
from airflow_provider_direct.utils.callback_tokens import URL_PREFIX


class DirectProviderPlugin(AirflowPlugin):
    """Registered through the ``airflow.plugins`` entry point, so installing the package is enough."""

    name = "yandex_direct"
    fastapi_apps = [
        {"app": callbacks_app, "url_prefix": URL_PREFIX, "name": "Yandex Direct callbacks"},
        {"app": dashboard_app, "url_prefix": DASHBOARD_PREFIX, "name": "Yandex Direct dashboard"},
    ]
    # The dashboard in the UI's Browse menu, shown in an iframe at /plugin/direct-dashboard.
    external_views = [
        {
            "name": "Yandex Direct",
            "href": f"{DASHBOARD_PREFIX}/",
            "url_route": DASHBOARD_ROUTE,
            "destination": "nav",
            "category": "browse",
        }
    ]
    fastapi_root_middlewares = [
        {"middleware": ConnectionTestPortMiddleware, "args": [], "kwargs": {}, "name": "Direct connection test"},
    ]
