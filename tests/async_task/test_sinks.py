"""Unit tests of the result sinks: spooling, XCom under the cap, files, table loaders, the warehouse loader."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_direct.async_task.errors import AsyncTaskProtocolError
from airflow_provider_direct.async_task.protocol import ResultStream
from airflow_provider_direct.async_task.sinks import ResultSummary, deliver, iter_rows, spool_result
from airflow_provider_direct.warehouse.results import ResultTableLoader
from airflow_provider_direct.warehouse.store import DirectWarehouse
from tests.async_task import bytes_stream


def stream_of(
    *chunks: bytes, rows_path: str | None = "rows.item", content_type: str = "application/json"
) -> ResultStream:
    async def gen() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    return ResultStream(gen(), rows_path, 200, content_type=content_type)


async def spooled(stream: ResultStream, limit: int = 1024) -> tuple[Any, int]:
    return await spool_result(stream, limit)


class RecordingLoader:
    """A table loader double: keeps the rows it was given."""

    table = "results_demo"

    def __init__(self) -> None:
        self.rows: list[Any] = []

    def __call__(self, rows: Iterable[Any]) -> int:
        self.rows = list(rows)
        return len(self.rows)


ROWS_BODY = json.dumps({"meta": {"size": 3}, "rows": [{"id": 1}, {"id": 2, "v": 1.5}, {"id": 3}]}).encode()


class TestSpool:
    @pytest.mark.asyncio
    async def test_chunks_are_written_in_order_and_counted(self) -> None:
        spool, size = await spooled(stream_of(b'{"rows": [', b"1, 2", b"]}"))
        spool.seek(0)
        assert (spool.read(), size) == (b'{"rows": [1, 2]}', 16)

    @pytest.mark.asyncio
    async def test_a_result_over_the_memory_limit_goes_to_disk(self) -> None:
        spool, size = await spooled(stream_of(b"x" * 5000, b"y" * 5000), limit=1024)
        assert size == 10_000
        assert spool._rolled  # type: ignore[attr-defined]
        spool.seek(0)
        assert spool.read() == b"x" * 5000 + b"y" * 5000

    @pytest.mark.asyncio
    async def test_bytes_stream_yields_the_body_once(self) -> None:
        async with bytes_stream(b'{"a": 1}', "a.item", status=201) as stream:
            assert (stream.rows_path, stream.status, stream.content_type) == ("a.item", 201, "application/json")
            assert [chunk async for chunk in stream.chunks] == [b'{"a": 1}']


class TestXCom:
    @pytest.mark.asyncio
    async def test_small_json_result_is_parsed_and_rows_counted(self) -> None:
        stream = stream_of(ROWS_BODY)
        spool, size = await spooled(stream)
        summary = deliver(spool, size, stream, xcom_max_bytes=10_000)
        assert summary.as_dict() == {
            "bytes": len(ROWS_BODY),
            "http_status": 200,
            "content_type": "application/json",
            "rows": 3,
            "result": json.loads(ROWS_BODY),
        }

    @pytest.mark.asyncio
    async def test_result_exactly_at_the_cap_still_fits(self) -> None:
        stream = stream_of(ROWS_BODY)
        spool, size = await spooled(stream)
        assert deliver(spool, size, stream, xcom_max_bytes=len(ROWS_BODY)).result == json.loads(ROWS_BODY)

    @pytest.mark.asyncio
    async def test_non_json_result_is_kept_as_text_without_rows(self) -> None:
        stream = stream_of("id;name\n1;Кошка\n".encode(), content_type="text/csv")
        spool, size = await spooled(stream)
        summary = deliver(spool, size, stream, xcom_max_bytes=10_000)
        assert (summary.result, summary.rows, summary.content_type) == ("id;name\n1;Кошка\n", None, "text/csv")

    @pytest.mark.asyncio
    async def test_empty_result_is_none(self) -> None:
        stream = stream_of(b"")
        spool, size = await spooled(stream)
        summary = deliver(spool, size, stream, xcom_max_bytes=10)
        assert summary.as_dict() == {"bytes": 0, "http_status": 200, "content_type": "application/json"}

    @pytest.mark.asyncio
    async def test_over_the_cap_without_a_destination_is_a_clear_error(self) -> None:
        stream = stream_of(ROWS_BODY)
        spool, size = await spooled(stream)
        with pytest.raises(AsyncTaskProtocolError) as info:
            deliver(spool, size, stream, xcom_max_bytes=10)
        assert str(info.value) == (
            f"the result is {len(ROWS_BODY):,} bytes, over xcom_max_bytes=10: set result_path "
            "(a file or object-storage URL) or result_table so it is streamed there instead"
        )

    def test_summary_as_dict_drops_only_none(self) -> None:
        summary = ResultSummary(bytes=0, http_status=200, content_type="x", rows=0, result=[])
        assert summary.as_dict() == {"bytes": 0, "http_status": 200, "content_type": "x", "rows": 0, "result": []}


class TestFile:
    @pytest.mark.asyncio
    async def test_result_path_holds_the_whole_result_and_xcom_only_the_location(self, tmp_path: Path) -> None:
        body = json.dumps({"rows": [{"i": i, "pad": "x" * 100} for i in range(500)]}).encode()
        stream = stream_of(body[:1000], body[1000:])
        spool, size = await spooled(stream, limit=100)
        target = tmp_path / "nested" / "dir" / "result.json"
        summary = deliver(spool, size, stream, xcom_max_bytes=10, result_path=str(target))
        assert target.read_bytes() == body
        assert summary.as_dict() == {
            "bytes": len(body),
            "http_status": 200,
            "content_type": "application/json",
            "rows": 500,
            "path": str(target),
        }

    @pytest.mark.asyncio
    async def test_non_json_file_has_no_row_count(self, tmp_path: Path) -> None:
        stream = stream_of(b"a,b\n1,2\n", content_type="text/csv")
        spool, size = await spooled(stream)
        summary = deliver(spool, size, stream, xcom_max_bytes=1, result_path=str(tmp_path / "r.csv"))
        assert (summary.rows, (tmp_path / "r.csv").read_bytes()) == (None, b"a,b\n1,2\n")


class TestTableLoader:
    @pytest.mark.asyncio
    async def test_rows_are_streamed_with_plain_numbers(self) -> None:
        stream = stream_of(ROWS_BODY)
        spool, size = await spooled(stream)
        loader = RecordingLoader()
        summary = deliver(spool, size, stream, xcom_max_bytes=1, table_loader=loader)
        assert loader.rows == [{"id": 1}, {"id": 2, "v": 1.5}, {"id": 3}]
        assert [type(row["id"]) for row in loader.rows] == [int, int, int]
        assert type(loader.rows[1]["v"]) is float
        assert summary.as_dict() == {
            "bytes": len(ROWS_BODY),
            "http_status": 200,
            "content_type": "application/json",
            "rows": 3,
            "table": "results_demo",
        }

    @pytest.mark.asyncio
    async def test_table_and_file_together(self, tmp_path: Path) -> None:
        stream = stream_of(ROWS_BODY)
        spool, size = await spooled(stream)
        loader = RecordingLoader()
        summary = deliver(spool, size, stream, xcom_max_bytes=1, table_loader=loader, result_path=str(tmp_path / "r"))
        assert (summary.rows, summary.table, summary.path, summary.result) == (
            3,
            "results_demo",
            str(tmp_path / "r"),
            None,
        )
        assert (tmp_path / "r").read_bytes() == ROWS_BODY

    @pytest.mark.asyncio
    async def test_a_result_without_rows_cannot_go_to_a_table(self) -> None:
        stream = stream_of(b"{}", rows_path=None)
        spool, size = await spooled(stream)
        with pytest.raises(AsyncTaskProtocolError, match="no rows to load into a table"):
            deliver(spool, size, stream, xcom_max_bytes=1, table_loader=RecordingLoader())

    @pytest.mark.asyncio
    async def test_broken_json_is_a_protocol_error(self) -> None:
        stream = stream_of(b'{"rows": [{"id": 1}, {"id": ')
        spool, size = await spooled(stream)
        with pytest.raises(AsyncTaskProtocolError, match="the result is not valid JSON"):
            deliver(spool, size, stream, xcom_max_bytes=1, table_loader=RecordingLoader())

    @settings(max_examples=30, deadline=None)
    @given(st.lists(st.integers(min_value=-(2**60), max_value=2**60) | st.text(max_size=8), max_size=40))
    def test_iter_rows_returns_every_row(self, rows: list[Any]) -> None:
        import io

        spool = io.BytesIO(json.dumps({"data": {"data": rows}}).encode())
        assert list(iter_rows(spool, "data.data.item")) == rows


class TestResultTableLoader:
    @pytest.fixture
    def warehouse(self, make_connection: Callable[..., str], tmp_path: Path) -> tuple[DirectWarehouse, Path]:
        path = tmp_path / "wh.db"
        return DirectWarehouse.from_conn_id(make_connection("wh", conn_type="sqlite", host=str(path))), path

    @staticmethod
    def stored(path: Path, table: str) -> list[tuple[str, int, Any]]:
        with sqlite3.connect(path) as db:
            rows = db.execute(f"SELECT task_key, row_no, payload FROM {table} ORDER BY task_key, row_no").fetchall()
        return [(key, no, json.loads(payload)) for key, no, payload in rows]

    def test_rows_land_and_a_rerun_replaces_only_its_own(self, warehouse: tuple[DirectWarehouse, Path]) -> None:
        store, path = warehouse
        assert ResultTableLoader(store, "job_rows", "dag/a/run/-1")([{"id": 1}, {"id": 2, "name": "Ёж"}]) == 2
        assert ResultTableLoader(store, "job_rows", "dag/b/run/-1")([{"id": 9}]) == 1
        assert ResultTableLoader(store, "job_rows", "dag/a/run/-1")([{"id": 3}]) == 1
        assert self.stored(path, "job_rows") == [
            ("dag/a/run/-1", 0, {"id": 3}),
            ("dag/b/run/-1", 0, {"id": 9}),
        ]

    def test_empty_result_clears_previous_rows(self, warehouse: tuple[DirectWarehouse, Path]) -> None:
        store, path = warehouse
        ResultTableLoader(store, "job_rows", "k")([{"id": 1}])
        assert ResultTableLoader(store, "job_rows", "k")(iter(())) == 0
        assert self.stored(path, "job_rows") == []

    def test_invalid_table_name_is_refused(self, warehouse: tuple[DirectWarehouse, Path]) -> None:
        with pytest.raises(ValueError, match="not a valid SQL identifier"):
            ResultTableLoader(warehouse[0], "rows; DROP TABLE x", "k")
