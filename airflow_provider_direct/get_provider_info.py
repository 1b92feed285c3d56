"""Provider metadata read by Airflow's ProvidersManager through the ``apache_airflow_provider`` entry point.

The connection form is declared here (``conn-fields`` / ``ui-field-behaviour``, Airflow 3.2+ style),
so the api-server renders it without importing the hook class.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_direct import __version__

INTEGRATION = "Yandex Direct"
ASYNC_INTEGRATION = "Async-task APIs"


def get_provider_info() -> dict[str, Any]:
    """Return the provider description validated against Airflow's ``provider_info.schema.json``."""
    return {
        "package-name": "airflow-provider-direct",
        "name": "Yandex Direct",
        "description": "Yandex Direct API v5: incremental sync through the Changes service, units "
        "budgeting, and deferrable async-report APIs.",
        "versions": [__version__],
        "config": {
            "yandex_direct": {
                "description": "What the provider's plugin in the api-server uses: callbacks of async APIs "
                "(myTarget's X-Callback-Location) and the units and freshness dashboard.",
                "options": {
                    "callback_base_url": {
                        "description": "The api-server's URL as the remote API reaches it; with callback_secret, "
                        "deferred myTarget requests are woken by its callback (polling stays the fallback).",
                        "version_added": "0.1.0",
                        "type": "string",
                        "example": "https://airflow.example.com",
                        "default": None,
                    },
                    "callback_secret": {
                        "description": "The HMAC-SHA256 key that signs callback URLs; long and random.",
                        "version_added": "0.1.0",
                        "type": "string",
                        "sensitive": True,
                        "example": None,
                        "default": None,
                    },
                    "dashboard_warehouse_conn_id": {
                        "description": "The warehouse connection the dashboard reads (the sync's own).",
                        "version_added": "0.1.0",
                        "type": "string",
                        "example": "direct_warehouse_pg",
                        "default": "direct_warehouse_default",
                    },
                    "dashboard_warehouse_schema": {
                        "description": "The warehouse's PostgreSQL schema or ClickHouse database, if the sync "
                        "writes to one other than the connection's default.",
                        "version_added": "0.1.0",
                        "type": "string",
                        "example": "direct",
                        "default": None,
                    },
                },
            }
        },
        "integrations": [
            {
                "integration-name": INTEGRATION,
                "external-doc-url": "https://yandex.ru/dev/direct/doc/en/",
                "tags": ["service"],
            },
            {"integration-name": ASYNC_INTEGRATION, "tags": ["protocol"]},
        ],
        "hooks": [
            {
                "integration-name": INTEGRATION,
                "python-modules": [
                    "airflow_provider_direct.hooks.direct",
                    "airflow_provider_direct.hooks.direct_fetch",
                ],
            },
            {
                "integration-name": ASYNC_INTEGRATION,
                "python-modules": [
                    "airflow_provider_direct.hooks.async_task",
                    "airflow_provider_direct.hooks.moysklad",
                    "airflow_provider_direct.hooks.workers",
                    "airflow_provider_direct.hooks.mytarget",
                ],
            },
        ],
        "operators": [
            {
                "integration-name": INTEGRATION,
                "python-modules": [
                    "airflow_provider_direct.operators.direct",
                    "airflow_provider_direct.operators.direct_fetch",
                ],
            },
            {
                "integration-name": ASYNC_INTEGRATION,
                "python-modules": [
                    "airflow_provider_direct.operators.async_task",
                    "airflow_provider_direct.operators.moysklad",
                    "airflow_provider_direct.operators.workers",
                    "airflow_provider_direct.operators.mytarget",
                ],
            },
        ],
        "triggers": [
            {
                "integration-name": ASYNC_INTEGRATION,
                "python-modules": ["airflow_provider_direct.triggers.async_task"],
            },
            {
                "integration-name": INTEGRATION,
                "python-modules": ["airflow_provider_direct.triggers.direct_changes"],
            },
        ],
        "connection-types": [
            {
                "connection-type": "yandex_direct",
                "hook-class-name": "airflow_provider_direct.hooks.direct.DirectHook",
                "hook-name": "Yandex Direct",
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port"],
                    "relabeling": {
                        "host": "API base URL",
                        "login": "Client-Login (agency accounts)",
                        "password": "OAuth token",
                    },
                    "placeholders": {
                        "host": "https://api.direct.yandex.com",
                        "login": "advertiser login, only for agency tokens",
                        "password": "OAuth token with the direct:api scope",
                    },
                },
                "conn-fields": {
                    "use_operator_units": {
                        "label": "Use-Operator-Units",
                        "description": "Agency tokens only: spend the agency's units instead of the client's.",
                        "schema": {"type": ["boolean", "null"], "default": False},
                    },
                    "language": {
                        "label": "Accept-Language",
                        "description": "Language of the API's status and error texts.",
                        "schema": {"type": ["string", "null"], "enum": ["en", "ru", None], "default": "en"},
                    },
                    "api_version": {
                        "label": "API version",
                        "description": "v501 (default) serves everything v5 does plus unified campaigns and "
                        "groups, which text, dynamic and smart campaigns are being moved to; v5 does not return them.",
                        "schema": {"type": ["string", "null"], "enum": ["v501", "v5", None], "default": "v501"},
                    },
                    "timeout": {
                        "label": "Timeout (seconds)",
                        "description": "Per-request read timeout.",
                        "schema": {"type": ["number", "null"], "minimum": 1, "default": 300},
                    },
                    "max_retries": {
                        "label": "Max retries",
                        "description": "How many times a transient failure (5xx, resets, errors 52, "
                        "506, 1000-1002, 1020) is retried with exponential backoff.",
                        "schema": {"type": ["integer", "null"], "minimum": 0, "maximum": 20, "default": 5},
                    },
                },
            }
        ],
    }
