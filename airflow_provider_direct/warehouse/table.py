"""The table of one account service: its natural key, the typed columns people filter on, the payload.

Every service beyond the four Changes-driven object types lands in a table of this one shape, so
adding a service is a definition, not new SQL: the key (``id``, an image hash, a login...), a few
typed columns read from the API object by path, the whole object as ``payload``, ``synced_at`` and
``deleted_at`` (soft deletes, as for campaigns).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from airflow_provider_direct.utils import jsonfast

ColumnKind = Literal["text", "bigint", "double"]


@dataclass(frozen=True)
class Column:
    """One typed column: ``path`` walks the API object (``("Search", "Bid")``); absent parts give NULL."""

    name: str
    path: tuple[str, ...]
    kind: ColumnKind = "text"

    def value(self, obj: dict[str, Any]) -> Any:
        current: Any = obj
        for part in self.path:
            if not isinstance(current, dict):
                return None
            current = current.get(part)
        if current is None:
            return None
        if isinstance(current, (dict, list)):
            # A structured value in a typed column would be unfilterable: store it as JSON text.
            return jsonfast.dumps(current)
        if self.kind == "bigint":
            return int(current)
        if self.kind == "double":
            return float(current)
        return str(current)


def col(name: str, *path: str, kind: ColumnKind = "text") -> Column:
    """Shorthand: ``col("campaign_id", "CampaignId", kind="bigint")``."""
    return Column(name, path, kind)


@dataclass(frozen=True)
class ServiceTable:
    """Where one service's ``get`` lands.

    :param service: API service (``sitelinks``); with ``result_key`` what the hook reads.
    :param table: warehouse table name.
    :param result_key: the list key of the ``get`` result (``SitelinksSets``).
    :param key: the natural key column (``id`` for most services, ``hash`` for images).
    :param columns: typed columns besides the key.
    :param since: the schema version that creates the table (a new service adds a new version).
    """

    service: str
    table: str
    result_key: str
    key: Column
    columns: tuple[Column, ...] = ()
    since: int = 3

    @property
    def column_names(self) -> tuple[str, ...]:
        return ("client_login", self.key.name, *(c.name for c in self.columns), "payload", "synced_at", "deleted_at")

    @property
    def key_columns(self) -> tuple[str, str]:
        return ("client_login", self.key.name)

    def key_of(self, obj: dict[str, Any]) -> Any:
        return self.key.value(obj)

    def row(self, login: str, obj: dict[str, Any], synced_at: Any) -> tuple[Any, ...]:
        payload = jsonfast.dumps(obj)
        return (login, self.key_of(obj), *(c.value(obj) for c in self.columns), payload, synced_at, None)

    def ddl(self, sql_type: Callable[[str], str], ts: str, json_type: str, qualify: Callable[[str], str]) -> list[str]:
        """``CREATE TABLE`` and its indexes; ``sql_type`` maps a column kind to the dialect's type."""
        typed = "".join(f"    {c.name} {sql_type(c.kind)},\n" for c in self.columns)
        ddl = [
            f"CREATE TABLE IF NOT EXISTS {qualify(self.table)} (\n"
            f"    client_login TEXT NOT NULL,\n"
            f"    {self.key.name} {sql_type(self.key.kind)} NOT NULL,\n"
            f"{typed}"
            f"    payload {json_type} NOT NULL,\n"
            f"    synced_at {ts} NOT NULL,\n"
            f"    deleted_at {ts},\n"
            f"    PRIMARY KEY (client_login, {self.key.name})\n"
            f")"
        ]
        for column in self.columns:
            if column.name.endswith("_id"):  # parents: the refresh policies select by them
                ddl.append(
                    f"CREATE INDEX IF NOT EXISTS {self.table}_{column.name}_idx "
                    f"ON {qualify(self.table)} (client_login, {column.name})"
                )
        return ddl
