"""OpenLineage for the provider's operators: the API read, the warehouse tables written, units and rows.

Everything OpenLineage is imported when a listener asks for it, so the provider runs without the
OpenLineage provider installed. Dataset names follow OpenLineage's naming where one exists
(``postgres://host:port`` + ``database.schema.table``, ``clickhouse://host:port`` + ``database.table``);
an API is named by its host, and the login and service it was read for.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

#: The custom run facet's name in an event's ``run.facets``.
RUN_FACET = "yandex_direct"


def api_dataset(base_url: str | None, login: str | None, service: str) -> tuple[str, str]:
    """``(namespace, name)`` of what one API service returned for one login (``-``: no login)."""
    base_url = base_url or "unknown"
    parts = urlsplit(base_url if "://" in base_url else f"https://{base_url}")
    return f"{parts.scheme}://{parts.netloc}", f"{login or '-'}/{service}"


def warehouse_dataset(conn: Any, schema: str | None, table: str) -> tuple[str, str]:
    """``(namespace, name)`` of a warehouse table, from its Airflow connection."""
    kind = conn.conn_type
    if kind in ("postgres", "postgresql"):
        return f"postgres://{conn.host}:{conn.port or 5432}", f"{conn.schema}.{schema or 'public'}.{table}"
    if kind == "clickhouse":
        return f"clickhouse://{conn.host}:{conn.port or 8123}", f"{schema or conn.schema or 'default'}.{table}"
    return f"sqlite://{conn.host}", table


def warehouse_outputs(conn_id: str, schema: str | None, tables: Sequence[str]) -> list[tuple[str, str]]:
    """The datasets of warehouse tables (the default id's SQLite file included)."""
    from airflow.sdk import BaseHook

    from airflow_provider_direct.warehouse.store import resolve_warehouse_hook

    resolve_warehouse_hook(conn_id)  # defines the default id's SQLite fallback if it has no connection
    conn = BaseHook.get_connection(conn_id)
    return [warehouse_dataset(conn, schema, table) for table in tables]


@functools.cache
def _run_facet_class() -> type:
    """The provider's run facet, defined once OpenLineage is importable."""
    import attrs
    from airflow.providers.common.compat.openlineage.facet import RunFacet

    @attrs.define
    class YandexDirectRunFacet(RunFacet):  # type: ignore[misc]
        """Units the task spent and rows it wrote (None where the task has no such figure)."""

        units_spent: int | None = attrs.field(default=None)
        rows: int | None = attrs.field(default=None)

        @staticmethod
        def _get_schema() -> str:
            return "https://github.com/airflow-provider-direct/schemas/YandexDirectRunFacet.json"

    return YandexDirectRunFacet


def operator_lineage(
    inputs: Sequence[tuple[str, str]],
    outputs: Sequence[tuple[str, str]],
    *,
    units_spent: int | None = None,
    rows: int | None = None,
) -> Any:
    """An ``OperatorLineage`` of ``(namespace, name)`` inputs and outputs and the provider's run facet."""
    from airflow.providers.common.compat.openlineage.facet import Dataset
    from airflow.providers.openlineage.extractors import OperatorLineage

    facet = _run_facet_class()(units_spent=units_spent, rows=rows)
    return OperatorLineage(
        inputs=[Dataset(namespace=namespace, name=name) for namespace, name in inputs],
        outputs=[Dataset(namespace=namespace, name=name) for namespace, name in outputs],
        run_facets={RUN_FACET: facet},
    )
