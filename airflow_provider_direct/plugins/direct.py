"""The provider's Airflow plugin: what the api-server needs from this package beyond hooks and operators."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from airflow_provider_direct.plugins.callbacks import app as callbacks_app
from airflow_provider_direct.plugins.connection_test import ConnectionTestPortMiddleware
from airflow_provider_direct.utils.callback_tokens import URL_PREFIX


class DirectProviderPlugin(AirflowPlugin):
    """Registered through the ``airflow.plugins`` entry point, so installing the package is enough."""

    name = "yandex_direct"
    fastapi_apps = [{"app": callbacks_app, "url_prefix": URL_PREFIX, "name": "Yandex Direct callbacks"}]
    fastapi_root_middlewares = [
        {"middleware": ConnectionTestPortMiddleware, "args": [], "kwargs": {}, "name": "Direct connection test"},
    ]
