"""Warehouse tables and their versioned, idempotent migrations.

The schema is created and upgraded by code only. Table names come from this module (plus an
optional schema / prefix that is validated as an identifier), never from user text pasted into SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from airflow_provider_direct.warehouse.account_tables import ACCOUNT_TABLES

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def validate_identifier(name: str) -> str:
    """Return ``name`` if it is a plain SQL identifier, else raise ``ValueError``."""
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not a valid SQL identifier (letters, digits, _; max 63)")
    return name


@dataclass(frozen=True)
class ObjectTable:
    """One Direct object type and the warehouse table it lands in."""

    service: str  # API service of its ``get``: campaigns, adgroups, ads, keywords
    table: str
    label_column: str  # ``name`` or ``keyword``
    parents: tuple[str, ...]  # typed parent-id columns

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns written on every upsert, in order."""
        return (
            "client_login",
            "id",
            *self.parents,
            self.label_column,
            "type",
            "state",
            "status",
            "payload",
            "synced_at",
            "deleted_at",
        )

    def row(self, login: str, obj: dict[str, Any], payload: str, synced_at: Any) -> tuple[Any, ...]:
        """Typed columns of one API object; ``payload`` is the whole object as JSON text."""
        parents = tuple(obj.get(_API_PARENT[p]) for p in self.parents)
        return (
            login,
            obj["Id"],
            *parents,
            _label(self.service, obj),
            obj.get("Type"),
            obj.get("State"),
            obj.get("Status"),
            payload,
            synced_at,
            None,
        )


_API_PARENT = {"campaign_id": "CampaignId", "ad_group_id": "AdGroupId"}


def _label(service: str, obj: dict[str, Any]) -> str | None:
    if service == "keywords":
        return obj.get("Keyword")
    if service == "ads":
        # Ads have no name; their title is what people recognise them by.
        for value in obj.values():
            if isinstance(value, dict) and value.get("Title"):
                return str(value["Title"])
        return None
    return obj.get("Name")


#: The campaign State whose keywords the API does not return ("You can't get keywords from archived
#: campaigns", https://yandex.com/dev/direct/doc/keywords/get.html): the warehouse keeps them as they were.
ARCHIVED = "ARCHIVED"
CAMPAIGNS = ObjectTable("campaigns", "direct_campaigns", "name", ())
AD_GROUPS = ObjectTable("adgroups", "direct_ad_groups", "name", ("campaign_id",))
ADS = ObjectTable("ads", "direct_ads", "name", ("campaign_id", "ad_group_id"))
KEYWORDS = ObjectTable("keywords", "direct_keywords", "keyword", ("campaign_id", "ad_group_id"))
OBJECT_TABLES: tuple[ObjectTable, ...] = (CAMPAIGNS, AD_GROUPS, ADS, KEYWORDS)
BY_SERVICE = {t.service: t for t in OBJECT_TABLES}

CAMPAIGN_STATS = "direct_campaign_stats"
AD_STATS = "direct_ad_stats"
SYNC_STATE = "direct_sync_state"
SYNC_RUNS = "direct_sync_runs"
STAT_RESTATEMENTS = "direct_stat_restatements"
#: Per login and statistics table: the periods loads replaced, and when (see ``statistics.pending_restatements``).
REPORT_LOADS = "direct_report_loads"
REPORTS_CALLS = "direct_reports_calls"
REPORTS_SLOTS = "direct_reports_slots"
SCHEMA_VERSION = "direct_schema_version"
#: The ``Units`` header's balance and daily limit after a run's last call (v8), beside ``units_spent``.
RUN_UNITS_COLUMNS = ("units_rest", "units_limit")
#: Per login and table: when its data was last refreshed whole, and the refresh policy's cursor.
TABLE_STATE = "direct_table_state"


@dataclass(frozen=True)
class AddColumn:
    """A migration step that adds a column where it is missing (SQLite has no ``ADD COLUMN IF NOT EXISTS``)."""

    table: str
    column: str
    sql_type: str


#: One migration step: a DDL statement, or a column to add.
Step = str | AddColumn


@dataclass(frozen=True)
class Types:
    """Column types per SQL dialect."""

    json: str
    ts: str
    bigint: str
    serial_pk: str

    def of(self, kind: str) -> str:
        """The type of a service-table column kind (``text``, ``bigint``, ``double``)."""
        return {"text": "TEXT", "bigint": self.bigint, "double": "DOUBLE PRECISION"}[kind]


SQLITE_TYPES = Types(json="TEXT", ts="TEXT", bigint="INTEGER", serial_pk="INTEGER PRIMARY KEY AUTOINCREMENT")
POSTGRES_TYPES = Types(json="JSONB", ts="TIMESTAMPTZ", bigint="BIGINT", serial_pk="BIGSERIAL PRIMARY KEY")


def _object_table_ddl(t: ObjectTable, q: Types, qualify: Any) -> list[str]:
    parents = "".join(f"    {p} {q.bigint},\n" for p in t.parents)
    ddl = [
        f"CREATE TABLE IF NOT EXISTS {qualify(t.table)} (\n"
        f"    client_login TEXT NOT NULL,\n"
        f"    id {q.bigint} NOT NULL,\n"
        f"{parents}"
        f"    {t.label_column} TEXT,\n"
        f"    type TEXT,\n"
        f"    state TEXT,\n"
        f"    status TEXT,\n"
        f"    payload {q.json} NOT NULL,\n"
        f"    synced_at {q.ts} NOT NULL,\n"
        f"    deleted_at {q.ts},\n"
        f"    PRIMARY KEY (client_login, id)\n"
        f")"
    ]
    for parent in t.parents:
        ddl.append(f"CREATE INDEX IF NOT EXISTS {t.table}_{parent}_idx ON {qualify(t.table)} (client_login, {parent})")
    return ddl


def migrations(q: Types, qualify: Any) -> list[tuple[int, list[Step]]]:
    """Ordered ``(version, statements)``; each version is applied once, inside one transaction."""
    v1: list[Step] = []
    for table in OBJECT_TABLES:
        v1.extend(_object_table_ddl(table, q, qualify))
    v1.extend(
        [
            f"CREATE TABLE IF NOT EXISTS {qualify(SYNC_STATE)} (\n"
            f"    client_login TEXT PRIMARY KEY,\n"
            f"    watermark TEXT,\n"
            f"    last_full_snapshot_at {q.ts},\n"
            f"    last_reconcile_at {q.ts},\n"
            f"    snapshot_started_at {q.ts},\n"
            f"    snapshot_watermark TEXT,\n"
            f"    snapshot_done_campaigns TEXT,\n"
            f"    updated_at {q.ts} NOT NULL\n"
            f")",
            f"CREATE TABLE IF NOT EXISTS {qualify(SYNC_RUNS)} (\n"
            f"    run_id {q.serial_pk},\n"
            f"    client_login TEXT NOT NULL,\n"
            f"    mode TEXT NOT NULL,\n"
            f"    status TEXT NOT NULL,\n"
            f"    started_at {q.ts} NOT NULL,\n"
            f"    finished_at {q.ts} NOT NULL,\n"
            f"    duration_seconds DOUBLE PRECISION NOT NULL,\n"
            f"    watermark_from TEXT,\n"
            f"    watermark_to TEXT,\n"
            f"    upserted {q.bigint} NOT NULL,\n"
            f"    deleted {q.bigint} NOT NULL,\n"
            f"    units_spent {q.bigint} NOT NULL,\n"
            f"    details {q.json}\n"
            f")",
            f"CREATE TABLE IF NOT EXISTS {qualify(STAT_RESTATEMENTS)} (\n"
            f"    client_login TEXT NOT NULL,\n"
            f"    campaign_id {q.bigint} NOT NULL,\n"
            f"    border_date DATE NOT NULL,\n"
            f"    detected_at {q.ts} NOT NULL,\n"
            f"    done_at {q.ts},\n"
            f"    PRIMARY KEY (client_login, campaign_id, border_date)\n"
            f")",
        ]
    )
    v2: list[Step] = [
        f"CREATE TABLE IF NOT EXISTS {qualify(CAMPAIGN_STATS)} (\n"
        f"    client_login TEXT NOT NULL,\n"
        f"    campaign_id {q.bigint} NOT NULL,\n"
        f"    date DATE NOT NULL,\n"
        f"    impressions {q.bigint},\n"
        f"    clicks {q.bigint},\n"
        f"    cost {q.bigint},\n"
        f"    conversions {q.bigint},\n"
        f"    payload {q.json} NOT NULL,\n"
        f"    loaded_at {q.ts} NOT NULL,\n"
        f"    PRIMARY KEY (client_login, campaign_id, date)\n"
        f")",
        f"CREATE TABLE IF NOT EXISTS {qualify(AD_STATS)} (\n"
        f"    client_login TEXT NOT NULL,\n"
        f"    ad_id {q.bigint} NOT NULL,\n"
        f"    campaign_id {q.bigint},\n"
        f"    date DATE NOT NULL,\n"
        f"    impressions {q.bigint},\n"
        f"    clicks {q.bigint},\n"
        f"    cost {q.bigint},\n"
        f"    conversions {q.bigint},\n"
        f"    payload {q.json} NOT NULL,\n"
        f"    loaded_at {q.ts} NOT NULL,\n"
        f"    PRIMARY KEY (client_login, ad_id, date)\n"
        f")",
    ]
    v3: list[Step] = [
        f"CREATE TABLE IF NOT EXISTS {qualify(TABLE_STATE)} (\n"
        f"    client_login TEXT NOT NULL,\n"
        f"    table_name TEXT NOT NULL,\n"
        f"    refreshed_at {q.ts},\n"
        f"    checked_at {q.ts},\n"
        f"    cursor TEXT,\n"
        f"    details {q.json},\n"
        f"    PRIMARY KEY (client_login, table_name)\n"
        f")",
    ]
    # v7: every statistics load's period per table, so each table knows which restatements it has covered.
    v7: list[Step] = [
        f"CREATE TABLE IF NOT EXISTS {qualify(REPORT_LOADS)} (\n"
        f"    client_login TEXT NOT NULL,\n"
        f"    table_name TEXT NOT NULL,\n"
        f"    date_from DATE NOT NULL,\n"
        f"    date_to DATE NOT NULL,\n"
        f"    loaded_at {q.ts} NOT NULL\n"
        f")",
        f"CREATE INDEX IF NOT EXISTS {REPORT_LOADS}_idx ON {qualify(REPORT_LOADS)} (client_login, table_name)",
        # The Reports limits shared by every process (``reports_limits``): calls of the last window, offline slots.
        f"CREATE TABLE IF NOT EXISTS {qualify(REPORTS_CALLS)} (\n"
        f"    client_login TEXT NOT NULL,\n"
        f"    called_at DOUBLE PRECISION NOT NULL\n"
        f")",
        f"CREATE INDEX IF NOT EXISTS {REPORTS_CALLS}_idx ON {qualify(REPORTS_CALLS)} (client_login, called_at)",
        f"CREATE TABLE IF NOT EXISTS {qualify(REPORTS_SLOTS)} (\n"
        f"    client_login TEXT NOT NULL,\n"
        f"    report_name TEXT NOT NULL,\n"
        f"    taken_at DOUBLE PRECISION NOT NULL,\n"
        f"    PRIMARY KEY (client_login, report_name)\n"
        f")",
    ]
    # v8: the units balance each run saw, and the indexes the dashboard's reads go through.
    v8: list[Step] = [
        *(AddColumn(SYNC_RUNS, column, q.bigint) for column in RUN_UNITS_COLUMNS),
        f"CREATE INDEX IF NOT EXISTS {SYNC_RUNS}_login_idx ON {qualify(SYNC_RUNS)} (client_login, started_at)",
        f"CREATE INDEX IF NOT EXISTS {SYNC_RUNS}_started_idx ON {qualify(SYNC_RUNS)} (started_at)",
        # Each login's latest load per table straight from the index: a year of daily loads is not read.
        f"CREATE INDEX IF NOT EXISTS {REPORT_LOADS}_latest_idx ON {qualify(REPORT_LOADS)} "
        f"(table_name, client_login, loaded_at)",
    ]
    versions: dict[int, list[Step]] = {1: v1, 2: v2, 3: v3, 7: v7, 8: v8}
    for service_table in ACCOUNT_TABLES:  # a service added later brings its own version
        versions.setdefault(service_table.since, []).extend(service_table.ddl(q.of, q.ts, q.json, qualify))
    return sorted(versions.items())
