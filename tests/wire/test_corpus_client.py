"""(a) Every documented answer, replayed, goes through the provider's real code path to the right outcome.

Direct JSON answers go through ``DirectHook.call`` (requests-mock); async-task answers through the
protocol's own ``start`` / ``poll`` / ``fetch`` / ``cancel`` (aioresponses). A documented error must
become the documented typed exception, a documented state the right normalized state.
"""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import urlencode

import ijson
import pytest
import requests_mock as rm

import airflow_provider_direct.exceptions as direct_exceptions
import airflow_provider_direct.models.direct as direct_models
from airflow_provider_direct.async_task.errors import AsyncTaskError, error_class_named
from airflow_provider_direct.async_task.protocol import get_protocol
from airflow_provider_direct.hooks.direct import DirectHook
from airflow_provider_direct.warehouse.statistics import TsvReader
from tests.async_task import BASE, fake_http, make_client
from tests.wire.corpus import Entry, fill, load_entries, response_body

ENTRIES = load_entries()
DIRECT_HOST = "https://direct.test"
#: Where each API's connection host points below the server root (the protocols' paths are relative to it).
API_PREFIX = {"moysklad": "/api/remap/1.2"}
PROTOCOLS = {
    "direct_reports": "direct_reports",
    "moysklad": "moysklad",
    "mytarget": "mytarget",
    "workers": "workers",
    "direct_fetch": "direct_fetch",
}


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.api == "direct"], ids=lambda e: e.id)
def test_direct_answers(entry: Entry, make_connection: Any, requests_mock: rm.Mocker) -> None:
    request, response, client = entry.request, entry.response, entry.client
    make_connection("direct_corpus", host=DIRECT_HOST, password="corpus-token", login="client-1")
    match = re.fullmatch(r"/json/(v5|v501)/(\w+)", request["path"])
    assert match, f"not a Direct JSON address: {request['path']}"
    version, service = match.groups()
    requests_mock.post(
        f"{DIRECT_HOST}{request['path']}",
        status_code=response.get("status", 200),
        headers=response.get("headers", {}),
        content=response_body(response),
    )
    hook = DirectHook("direct_corpus", max_retries=0, retry_min_wait=0, retry_max_wait=0)
    body = request["json"]
    expect = client["expect"]
    if "error" in expect:
        error_type = getattr(direct_exceptions, expect["error"])
        with pytest.raises(error_type) as info:
            hook.call(service, body["method"], body.get("params"), version=version)
        assert info.value.error_code == expect.get("code"), info.value
        if "match" in expect:
            assert re.search(expect["match"], str(info.value)), str(info.value)
        return
    result = hook.call(service, body["method"], body.get("params"), version=version)
    assert result == response["json"]["result"]
    if "model" in expect:
        model = getattr(direct_models, expect["model"])
        items = result[expect["items"]] if "items" in expect else [result]
        assert items, "a model check needs objects to check"
        for item in items:
            model.model_validate(item)
    # The units ledger reads every documented Units header.
    if "Units" in response.get("headers", {}):
        spent, rest, limit = (int(x) for x in response["headers"]["Units"].split("/"))
        assert (hook.units.spent, hook.units.rest, hook.units.limit) == (spent, rest, limit)


def _url(request: dict[str, Any]) -> str:
    query = f"?{urlencode(request['query'])}" if request.get("query") else ""
    return f"{BASE}{request['path']}{query}"


def _mock(http: Any, method: str, url: str, answer: dict[str, Any]) -> None:
    http.add(
        url,
        method,
        status=answer.get("status", 200),
        headers=answer.get("headers") or {},
        body=response_body(answer),
        repeat=True,
    )


def _error_type(name: str) -> type[AsyncTaskError]:
    cls = error_class_named(name)
    assert cls is not None, f"no AsyncTaskError subclass named {name}"
    return cls


async def _run(entry: Entry) -> Any:
    request, client_spec = entry.request, entry.client
    protocol = get_protocol(PROTOCOLS[entry.api])
    base = BASE + API_PREFIX.get(entry.api, "")
    variables = {"base": base}
    with fake_http() as http:
        _mock(http, request.get("method", "GET"), _url(request), entry.response)
        for extra in client_spec.get("also", ()):
            _mock(http, extra.get("method", "GET"), fill(extra["url"], variables), extra)
        async with make_client(base, max_retries=1, api=entry.api, headers=protocol.headers) as client:
            call = client_spec["call"]
            if call == "start":
                return await protocol.start(client, fill(client_spec["request"], variables))
            if "handle" in client_spec:
                handle = fill(client_spec["handle"], variables)
            else:  # protocols whose start sends nothing (Reports) build the handle offline
                handle = await protocol.start(client, fill(client_spec["request"], variables))
            if call == "poll":
                return await protocol.poll(client, handle)
            if call == "cancel":
                return await protocol.cancel(client, handle)
            if call == "fetch":
                async with protocol.fetch(client, handle) as stream:
                    data = b"".join([chunk async for chunk in stream.chunks])
                return stream, data
            raise AssertionError(f"unknown client call {call!r}")


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.api != "direct"], ids=lambda e: e.id)
@pytest.mark.asyncio
async def test_async_task_answers(entry: Entry) -> None:
    expect = entry.client["expect"]
    get_protocol(PROTOCOLS[entry.api])  # loads the protocol's module, and with it its own error types
    if "error" in expect:
        with pytest.raises(_error_type(expect["error"])) as info:
            await _run(entry)
        if "match" in expect:
            assert re.search(expect["match"], str(info.value)), str(info.value)
        return
    outcome = await _run(entry)
    call = entry.client["call"]
    if call == "start":
        base = BASE + API_PREFIX.get(entry.api, "")
        for key, value in fill(expect.get("handle", {}), {"base": base}).items():
            assert outcome.get(key) == value, (key, outcome)
    elif call == "poll":
        assert outcome.state.value == expect["state"], outcome
        for field in ("stage", "progress", "retry_after"):
            if field in expect:
                assert getattr(outcome, field) == expect[field], outcome
        if "message" in expect:
            assert re.search(expect["message"], outcome.message or ""), outcome
    elif call == "cancel":
        assert outcome is expect["cancelled"]
    elif call == "fetch":
        stream, data = outcome
        if "rows" in expect:
            assert stream.rows_path, "a rows expectation needs a rows path"
            assert sum(1 for _ in ijson.items(io.BytesIO(data), stream.rows_path)) == expect["rows"]
        if "tsv" in expect:
            reader = TsvReader(data.decode().splitlines())
            rows = list(reader)
            tsv = expect["tsv"]
            assert len(rows) == tsv["rows"] and reader.summary == tsv.get("summary", tsv["rows"])
            if "period" in tsv:
                assert reader.period is not None
                assert [reader.period.date_from, reader.period.date_to] == tsv["period"]
            if "columns" in tsv:
                assert reader.columns == tsv["columns"]
        if "status" in expect:
            assert stream.status == expect["status"]
