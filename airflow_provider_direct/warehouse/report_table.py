"""A warehouse table shaped by a report definition: one typed column per report column.

The column types follow the documented kind of each field (``models.report_fields``): dates as DATE,
counts, ids and money in micros as BIGINT, ratios as DOUBLE PRECISION, enums and text as TEXT. Per-goal
fields become one column per goal and attribution model (``conversions_12345_lsccd``). Nothing goes to
JSON. Adding fields to a definition later adds their columns (``ALTER TABLE ... ADD COLUMN``); rows loaded
before keep NULL there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airflow_provider_direct.models.report_spec import ReportColumn, ReportSpec
from airflow_provider_direct.warehouse.schema import validate_identifier
from airflow_provider_direct.warehouse.store import DirectWarehouse

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def column_name(report_column: str) -> str:
    """``CampaignId`` -> ``campaign_id``, ``Conversions_12345_LSCCD`` -> ``conversions_12345_lsccd``."""
    return "_".join(_CAMEL.sub("_", part).lower() for part in report_column.split("_"))


# One function per kind, each a single call per cell: a report's blank cell is "" or "--" (no value).


def _int(cell: str) -> int | None:
    return None if cell == "--" or cell == "" else int(cell)


def _float(cell: str) -> float | None:
    return None if cell == "--" or cell == "" else float(cell)


def _text(cell: str) -> str | None:
    return None if cell == "--" or cell == "" else cell


def _micros(cell: str) -> int | None:
    """Money: integer micros (the operator asks for ``returnMoneyInMicros``); a decimal is scaled."""
    if cell == "--" or cell == "":
        return None
    try:
        return int(cell)
    except ValueError:
        return round(float(cell) * 1_000_000)


CONVERTERS: dict[str, Callable[[str], Any]] = {
    "date": _text,
    "int": _int,
    "micros": _micros,
    "float": _float,
    "enum": _text,
    "text": _text,
}


@dataclass(frozen=True)
class TypedColumn:
    """One warehouse column of a report table."""

    name: str
    source: ReportColumn

    @property
    def kind(self) -> str:
        return self.source.field.kind


@dataclass(frozen=True)
class ReportTable:
    """Where the rows of one report definition land, partitioned by ``(client_login, date)``."""

    table: str
    spec: ReportSpec

    def __post_init__(self) -> None:
        validate_identifier(self.table)
        if "Date" not in self.spec.field_names:
            raise ValueError(
                f"{self.table}: a report table is loaded and restated day by day, so FieldNames needs Date"
            )

    @property
    def columns(self) -> list[TypedColumn]:
        return [TypedColumn(column_name(c.name), c) for c in self.spec.columns()]

    @property
    def column_names(self) -> list[str]:
        return ["client_login", *(c.name for c in self.columns), "loaded_at"]

    def ensure(self, warehouse: DirectWarehouse) -> list[str]:
        """Create the table, or add the columns a grown definition needs; returns the columns added."""
        dialect = warehouse.dialect
        with warehouse.transaction() as tx:
            dialect.lock_ddl(tx.cursor)
            for statement in dialect.report_table_ddl(self.table, [(c.name, c.kind) for c in self.columns]):
                tx.cursor.execute(statement)
            existing = dialect.column_names(tx.cursor, self.table)
            added = [c for c in self.columns if c.name not in existing]
            target = dialect.qualify(self.table)
            for column in added:
                tx.cursor.execute(f"ALTER TABLE {target} ADD COLUMN {column.name} {dialect.report_type(column.kind)}")
        return [c.name for c in added]
