"""Where a finished job's result goes: XCom when small, else a file / object-storage path or a table.

The result is streamed to a spool file as it arrives (in memory only while under the XCom cap), then
parsed incrementally (ijson) for row counts and table loads, so no result is ever held whole.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import IO, Any

import ijson

from airflow_provider_direct.async_task.errors import AsyncTaskProtocolError
from airflow_provider_direct.async_task.protocol import ResultStream

COPY_CHUNK = 1024 * 1024


@dataclass
class ResultSummary:
    """What the task returns (and so what XCom holds): the location, never a big payload."""

    bytes: int
    http_status: int
    content_type: str
    rows: int | None = None
    path: str | None = None
    table: str | None = None
    result: Any = None  # the parsed result itself, only when it fits under the XCom cap
    changed_days: list[str] | None = None  # report tables: the days whose rows changed (asset partitions)

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


def _plain(value: Any) -> Any:
    """ijson yields Decimals for numbers; make rows JSON-serializable again without losing integers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def iter_rows(spool: IO[bytes], rows_path: str) -> Iterator[Any]:
    spool.seek(0)
    try:
        for row in ijson.items(spool, rows_path):
            yield _plain(row)
    except ijson.JSONError as exc:
        raise AsyncTaskProtocolError(f"the result is not valid JSON: {exc}") from exc


async def spool_result(stream: ResultStream, in_memory_limit: int) -> tuple[IO[bytes], int]:
    """Write the result's chunks to a spool file (RAM up to ``in_memory_limit``, then disk)."""
    spool = tempfile.SpooledTemporaryFile(max_size=in_memory_limit)  # noqa: SIM115 (returned open)
    size = 0
    async for chunk in stream.chunks:
        spool.write(chunk)
        size += len(chunk)
    return spool, size


def deliver(
    spool: IO[bytes],
    size: int,
    stream: ResultStream,
    *,
    xcom_max_bytes: int,
    result_path: str | None = None,
    table_loader: Any = None,
) -> ResultSummary:
    """Put a spooled result where the task was told to, and describe it.

    :param result_path: a local path or an ``ObjectStoragePath`` URL (``s3://...``, ``file://...``).
    :param table_loader: callable taking an iterator of rows and returning how many it loaded.
    """
    summary = ResultSummary(bytes=size, http_status=stream.status, content_type=stream.content_type)
    if table_loader is not None:
        if not stream.rows_path:
            raise AsyncTaskProtocolError("this result has no rows to load into a table")
        summary.rows = table_loader(iter_rows(spool, stream.rows_path))
        summary.table = getattr(table_loader, "table", None)
    if result_path:
        from airflow.sdk import ObjectStoragePath

        target = ObjectStoragePath(result_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        spool.seek(0)
        with target.open("wb") as out:
            shutil.copyfileobj(spool, out, COPY_CHUNK)
        summary.path = str(target)
        if summary.rows is None and stream.rows_path and "json" in stream.content_type:
            summary.rows = sum(1 for _ in iter_rows(spool, stream.rows_path))
    if table_loader is None and not result_path:
        if size > xcom_max_bytes:
            raise AsyncTaskProtocolError(
                f"the result is {size:,} bytes, over xcom_max_bytes={xcom_max_bytes:,}: set result_path "
                "(a file or object-storage URL) or result_table so it is streamed there instead"
            )
        spool.seek(0)
        raw = spool.read()
        try:
            summary.result = json.loads(raw) if raw else None
        except ValueError:
            summary.result = raw.decode("utf-8", "replace")
        if stream.rows_path and isinstance(summary.result, dict):
            summary.rows = sum(1 for _ in iter_rows(spool, stream.rows_path))
    return summary
