"""Unit tests of AsyncTaskClient: URL rules, where the token goes, retries, busy answers, JSON parsing."""

from __future__ import annotations

import asyncio
import json
import pickle
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

from airflow_provider_direct.async_task.client import (
    AsyncTaskClient,
    HttpAnswer,
    Repeated,
    loads_keeping_duplicates,
    retry_after_seconds,
    snippet,
)
from airflow_provider_direct.async_task.errors import (
    AsyncTaskAuthError,
    AsyncTaskBusyError,
    AsyncTaskError,
    AsyncTaskForeignHostError,
    AsyncTaskProtocolError,
    AsyncTaskRequestError,
    AsyncTaskTransientError,
)
from tests.async_task import BASE, TOKEN, calls, fake_http, make_client


@pytest.fixture
def http() -> Iterator[aioresponses]:
    with fake_http() as mocked:
        yield mocked


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every ``asyncio.sleep`` (tenacity's backoff included) returns at once and records its delay."""
    recorded: list[float] = []

    async def fake_sleep(delay: float, result: Any = None) -> Any:
        recorded.append(delay)
        return result

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    return recorded


class TestResolve:
    def test_relative_url_joins_the_base_path(self) -> None:
        client = make_client("http://api.test/api/remap/1.2")
        assert client.base_url == "http://api.test/api/remap/1.2/"
        assert client.resolve("report/stock/bystore") == "http://api.test/api/remap/1.2/report/stock/bystore"

    def test_absolute_path_replaces_the_base_path(self) -> None:
        client = make_client("http://api.test/api/remap/1.2")
        assert client.resolve("/async_api/v2/requests/1.json") == "http://api.test/async_api/v2/requests/1.json"

    @pytest.mark.parametrize(
        "url",
        [
            "http://api.test/async/42",
            "http://API.TEST/async/42",
            "http://api.test:80/async/42",
        ],
    )
    def test_absolute_url_on_the_same_origin_is_accepted(self, url: str) -> None:
        assert make_client().resolve(url) == url

    def test_default_https_port_is_the_same_origin(self) -> None:
        client = make_client("https://api.test")
        assert client.resolve("https://api.test:443/x") == "https://api.test:443/x"

    @pytest.mark.parametrize(
        ("url", "refused"),
        [
            ("http://evil.test/x", "http://evil.test"),
            ("http://api.test:8080/x", "http://api.test:8080"),
            ("https://api.test/x", "https://api.test"),
            ("//evil.test/x", "http://evil.test"),
            ("http://api.test@evil.test/x", "http://api.test@evil.test"),
            ("ftp://api.test/x", "ftp://api.test"),
        ],
    )
    def test_another_host_port_or_scheme_is_refused(self, url: str, refused: str) -> None:
        with pytest.raises(AsyncTaskForeignHostError) as info:
            make_client(api="demo").resolve(url)
        assert str(info.value) == f"demo: refusing {refused}: not the connection's host api.test"
        assert isinstance(info.value, AsyncTaskProtocolError)

    @pytest.mark.asyncio
    async def test_request_to_another_host_is_never_sent(self, http: aioresponses) -> None:
        http.get("http://evil.test/steal", status=200, body="{}")
        async with make_client() as client:
            with pytest.raises(AsyncTaskForeignHostError):
                await client.request("GET", "http://evil.test/steal")
        assert http.requests == {}


class TestCredentials:
    @pytest.mark.asyncio
    async def test_request_carries_token_and_headers_to_the_api_host(self, http: aioresponses) -> None:
        http.post(f"{BASE}/jobs", status=201, body='{"id": 1}')
        async with make_client(headers={"Accept-Encoding": "gzip"}) as client:
            answer = await client.request("POST", "jobs", json_body={"a": 1}, headers={"X-Extra": "1"})
        assert (answer.status, answer.json()) == (201, {"id": 1})
        (sent,) = calls(http, "POST", f"{BASE}/jobs")
        assert sent.kwargs["headers"] == {
            "Accept-Encoding": "gzip",
            "Authorization": f"Bearer {TOKEN}",
            "X-Extra": "1",
        }
        assert sent.kwargs["json"] == {"a": 1}
        assert sent.kwargs["allow_redirects"] is False

    @pytest.mark.asyncio
    async def test_no_token_means_no_authorization_header(self, http: aioresponses) -> None:
        http.get(f"{BASE}/jobs", status=200, body="[]")
        async with make_client(token=None) as client:
            await client.request("GET", "jobs")
        (sent,) = calls(http, "GET", f"{BASE}/jobs")
        assert "Authorization" not in sent.kwargs["headers"]

    @pytest.mark.asyncio
    async def test_stream_with_credentials_sends_the_token(self, http: aioresponses) -> None:
        http.get(f"{BASE}/result", status=200, body=b"abc")
        async with make_client(headers={"Accept-Encoding": "gzip"}) as client, client.stream("result") as response:
            assert await response.read() == b"abc"
        (sent,) = calls(http, "GET", f"{BASE}/result")
        assert sent.kwargs["headers"] == {"Accept-Encoding": "gzip", "Authorization": f"Bearer {TOKEN}"}

    @pytest.mark.asyncio
    async def test_stream_with_credentials_refuses_another_host(self, http: aioresponses) -> None:
        async with make_client() as client:
            with pytest.raises(AsyncTaskForeignHostError):
                async with client.stream("http://cdn.test/file.json"):
                    pass  # pragma: no cover
        assert http.requests == {}

    @pytest.mark.asyncio
    async def test_stream_without_credentials_sends_no_authorization_to_another_host(self, http: aioresponses) -> None:
        url = "https://cdn.test/batch/file.json?temp_url_sig=abc"
        http.get(url, status=200, body=b'{"rows": []}')
        async with (
            make_client(headers={"Accept-Encoding": "gzip"}) as client,
            client.stream(url, credentials=False) as response,
        ):
            assert await response.read() == b'{"rows": []}'
        (sent,) = calls(http, "GET", url)
        assert sent.kwargs["headers"] == {}
        assert sent.kwargs["allow_redirects"] is False

    @pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://cdn.test/file", "/relative/file"])
    @pytest.mark.asyncio
    async def test_stream_without_credentials_refuses_non_http_urls(self, http: aioresponses, url: str) -> None:
        async with make_client() as client:
            with pytest.raises(AsyncTaskForeignHostError, match="result URL"):
                async with client.stream(url, credentials=False):
                    pass  # pragma: no cover
        assert http.requests == {}

    @pytest.mark.asyncio
    async def test_stream_transport_failure_is_transient(self, http: aioresponses) -> None:
        http.get(f"{BASE}/result", exception=aiohttp.ClientConnectionError("reset"))
        async with make_client() as client:
            with pytest.raises(AsyncTaskTransientError, match="ClientConnectionError reading /result"):
                async with client.stream("result"):
                    pass  # pragma: no cover


class TestRetries:
    @pytest.mark.parametrize("status", [500, 502, 503, 429])
    @pytest.mark.asyncio
    async def test_transient_status_is_retried_then_succeeds(self, http: aioresponses, status: int) -> None:
        http.get(f"{BASE}/status", status=status, body="busy")
        http.get(f"{BASE}/status", status=200, body='{"state": "ok"}')
        async with make_client() as client:
            answer = await client.request("GET", "status")
        assert answer.json() == {"state": "ok"}
        assert len(calls(http, "GET", f"{BASE}/status")) == 2

    @pytest.mark.parametrize(
        "exception",
        [aiohttp.ClientConnectionError("refused"), asyncio.TimeoutError(), aiohttp.ServerDisconnectedError()],
    )
    @pytest.mark.asyncio
    async def test_transport_failure_is_retried_then_succeeds(self, http: aioresponses, exception: Exception) -> None:
        http.get(f"{BASE}/status", exception=exception)
        http.get(f"{BASE}/status", status=200, body="{}")
        async with make_client() as client:
            assert (await client.request("GET", "status")).status == 200
        assert len(calls(http, "GET", f"{BASE}/status")) == 2

    @pytest.mark.asyncio
    async def test_retries_are_bounded_then_transient_error(self, http: aioresponses) -> None:
        http.get(f"{BASE}/status", status=503, body="<h1>Service Unavailable</h1>", repeat=True)
        async with make_client(max_retries=2, api="demo") as client:
            with pytest.raises(AsyncTaskTransientError) as info:
                await client.request("GET", "status")
        assert len(calls(http, "GET", f"{BASE}/status")) == 3
        assert info.value.http_status == 503
        assert str(info.value) == "demo: HTTP 503: <h1>Service Unavailable</h1>"

    @pytest.mark.asyncio
    async def test_connection_errors_are_bounded_too(self, http: aioresponses) -> None:
        http.get(f"{BASE}/status", exception=aiohttp.ClientConnectionError("refused"), repeat=True)
        async with make_client(max_retries=1) as client:
            with pytest.raises(AsyncTaskTransientError, match="ClientConnectionError talking to /status") as info:
                await client.request("GET", "status")
        assert len(calls(http, "GET", f"{BASE}/status")) == 2
        assert isinstance(info.value.__cause__, aiohttp.ClientConnectionError)

    @pytest.mark.asyncio
    async def test_retry_false_sends_once(self, http: aioresponses) -> None:
        http.get(f"{BASE}/status", status=502, body="bad gateway", repeat=True)
        async with make_client() as client:
            with pytest.raises(AsyncTaskTransientError):
                await client.request("GET", "status", retry=False)
        assert len(calls(http, "GET", f"{BASE}/status")) == 1

    @pytest.mark.parametrize("status", [400, 403, 404, 409, 410])
    @pytest.mark.asyncio
    async def test_other_client_errors_are_returned_once_for_the_protocol_to_judge(
        self, http: aioresponses, status: int
    ) -> None:
        http.get(f"{BASE}/status", status=status, body='{"error": "x"}', repeat=True)
        async with make_client() as client:
            answer = await client.request("GET", "status")
        assert (answer.status, answer.json()) == (status, {"error": "x"})
        assert len(calls(http, "GET", f"{BASE}/status")) == 1

    @pytest.mark.asyncio
    async def test_redirects_are_returned_not_followed(self, http: aioresponses) -> None:
        http.get(f"{BASE}/result", status=302, headers={"Location": "https://cdn.test/f"})
        async with make_client() as client:
            answer = await client.request("GET", "result")
        assert (answer.status, answer.headers["Location"]) == (302, "https://cdn.test/f")
        assert calls(http, "GET", "https://cdn.test/f") == []

    @pytest.mark.asyncio
    async def test_401_is_an_auth_error_at_once(self, http: aioresponses) -> None:
        http.get(f"{BASE}/status", status=401, body='{"error": "invalid token"}', repeat=True)
        async with make_client(api="demo") as client:
            with pytest.raises(AsyncTaskAuthError) as info:
                await client.request("GET", "status")
        assert len(calls(http, "GET", f"{BASE}/status")) == 1
        assert info.value.http_status == 401
        assert isinstance(info.value, AsyncTaskRequestError)
        assert str(info.value) == (
            'demo: HTTP 401: the token was refused ({"error": "invalid token"}): check the connection\'s password'
        )

    @pytest.mark.asyncio
    async def test_retry_after_sets_the_wait(self, http: aioresponses, sleeps: list[float]) -> None:
        http.get(f"{BASE}/status", status=429, body="slow down", headers={"Retry-After": "7"})
        http.get(f"{BASE}/status", status=200, body="{}")
        async with make_client(retry_min_wait=0.0, retry_max_wait=100.0) as client:
            assert (await client.request("GET", "status")).status == 200
        assert sleeps == [7.0]

    @pytest.mark.asyncio
    async def test_retry_after_is_kept_on_the_error(self, http: aioresponses) -> None:
        http.get(f"{BASE}/status", status=503, body="x", headers={"Retry-After": "12"})
        async with make_client() as client:
            with pytest.raises(AsyncTaskTransientError) as info:
                await client.request("GET", "status", retry=False)
        assert info.value.retry_after == 12.0  # type: ignore[attr-defined]

    @pytest.mark.asyncio
    async def test_backoff_without_hint_is_exponential_and_capped(
        self, http: aioresponses, sleeps: list[float]
    ) -> None:
        http.get(f"{BASE}/status", status=500, body="x", repeat=True)
        async with make_client(max_retries=3, retry_min_wait=1.0, retry_max_wait=3.0) as client:
            with pytest.raises(AsyncTaskTransientError):
                await client.request("GET", "status")
        assert len(sleeps) == 3
        # multiplier 1 * 2**n plus jitter in [0, 1], never above the maximum
        assert 1.0 <= sleeps[0] <= 2.0
        assert 2.0 <= sleeps[1] <= 3.0
        assert sleeps[2] == 3.0

    @pytest.mark.asyncio
    async def test_retry_after_longer_than_max_wait_is_not_cut_short(
        self, http: aioresponses, sleeps: list[float]
    ) -> None:
        http.get(f"{BASE}/status", status=429, body="slow down", headers={"Retry-After": "60"})
        http.get(f"{BASE}/status", status=200, body="{}")
        async with make_client(retry_min_wait=1.0, retry_max_wait=30.0) as client:
            await client.request("GET", "status")
        assert sleeps[0] >= 60.0

    @pytest.mark.parametrize(
        ("headers", "expected"),
        [
            ({"Retry-After": "5"}, 5.0),
            ({"Retry-After": "2.5"}, 2.5),
            ({"Retry-After": "-3"}, 0.0),
            ({}, None),
            # MoySklad's 429 says when in milliseconds (https://dev.moysklad.ru/doc/api/remap/1.2/#/general).
            ({"X-Lognex-Retry-After": "1500"}, 1.5),
            ({"Retry-After": "4", "X-Lognex-Retry-After": "1500"}, 4.0),
        ],
    )
    def test_retry_after_seconds(self, headers: dict[str, str], expected: float | None) -> None:
        assert retry_after_seconds(CIMultiDict(headers)) == expected

    def test_retry_after_garbage_is_ignored(self) -> None:
        assert retry_after_seconds({"Retry-After": "soon"}) is None


class TestBusy:
    @staticmethod
    def busy(answer: HttpAnswer) -> bool:
        return answer.status == 429 and b"61002" in answer.body

    @pytest.mark.asyncio
    async def test_busy_answer_raises_busy_error_without_per_request_retry(self, http: aioresponses) -> None:
        body = '{"errors": [{"error": "too many", "code": 61002}]}'
        http.get(f"{BASE}/report", status=429, body=body, repeat=True)
        async with make_client(api="demo") as client:
            with pytest.raises(AsyncTaskBusyError) as info:
                await client.request("GET", "report", busy=self.busy)
        assert len(calls(http, "GET", f"{BASE}/report")) == 1
        assert info.value.http_status == 429
        assert isinstance(info.value.body, HttpAnswer)
        assert info.value.body.json() == {"errors": [{"error": "too many", "code": 61002}]}
        assert not isinstance(info.value, AsyncTaskTransientError)

    @pytest.mark.asyncio
    async def test_answer_the_predicate_rejects_is_handled_normally(self, http: aioresponses) -> None:
        http.get(f"{BASE}/report", status=429, body='{"errors": [{"code": 1073}]}')
        http.get(f"{BASE}/report", status=200, body="{}")
        async with make_client() as client:
            assert (await client.request("GET", "report", busy=self.busy)).status == 200
        assert len(calls(http, "GET", f"{BASE}/report")) == 2


class TestJson:
    def test_repeated_key_keeps_every_value_in_order(self) -> None:
        body = loads_keeping_duplicates('{"status": "ok", "a": 1, "status": "pending", "status": "done"}')
        assert body == {"status": ["ok", "pending", "done"], "a": 1}
        assert isinstance(body["status"], Repeated)
        assert not isinstance(body["a"], Repeated)

    def test_nested_objects_keep_duplicates_too(self) -> None:
        body = loads_keeping_duplicates(b'{"x": {"k": 1, "k": [2]}, "list": [{"k": 1}]}')
        assert body["x"]["k"] == Repeated([1, [2]])
        assert isinstance(body["x"]["k"], Repeated)
        assert body["list"] == [{"k": 1}]

    def test_a_list_value_is_not_mistaken_for_repeats(self) -> None:
        body = loads_keeping_duplicates('{"k": [1, 2], "k": 3}')
        assert body["k"] == [[1, 2], 3]
        assert isinstance(body["k"], Repeated)

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.tuples(st.sampled_from(["a", "b", "status"]), st.integers() | st.text(max_size=5))))
    def test_every_value_survives(self, pairs: list[tuple[str, Any]]) -> None:
        text = "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pairs) + "}"
        body = loads_keeping_duplicates(text)
        for key in {k for k, _ in pairs}:
            values = [v for k, v in pairs if k == key]
            if len(values) == 1:
                assert body[key] == values[0]
            else:
                assert isinstance(body[key], Repeated)
                assert list(body[key]) == values

    def test_answer_json_keeps_duplicates_only_when_asked(self) -> None:
        answer = HttpAnswer(200, CIMultiDict(), b'{"status": "ok", "status": "done"}', f"{BASE}/x")
        assert answer.json() == {"status": "done"}
        assert answer.json(keep_duplicates=True) == {"status": ["ok", "done"]}

    @pytest.mark.parametrize(
        ("body", "shown"),
        [
            (b"<html><body>502 Bad Gateway</body></html>", "<html><body>502 Bad Gateway</body></html>"),
            (b"", "(empty body)"),
            (b"not json\nat all", "not json at all"),
        ],
    )
    def test_non_json_is_a_protocol_error_naming_path_and_body(self, body: bytes, shown: str) -> None:
        answer = HttpAnswer(200, CIMultiDict(), body, f"{BASE}/webHooks/status?processId=1")
        with pytest.raises(AsyncTaskProtocolError) as info:
            answer.json("demo")
        assert str(info.value) == f"demo: HTTP 200: expected JSON from /webHooks/status, got {shown}"

    def test_snippet_is_bounded(self) -> None:
        assert snippet(b"x" * 400) == "x" * 300 + "…"
        assert snippet(b"  short  ") == "short"
        assert snippet("Ошибка".encode()[:-1]) == "Ошибк\ufffd"


class TestSessionAndSafety:
    def test_client_must_be_entered(self) -> None:
        with pytest.raises(RuntimeError, match="async with client"):
            _ = make_client().session

    @pytest.mark.asyncio
    async def test_owned_session_is_closed_and_shared_one_is_not(self) -> None:
        client = make_client()
        async with client:
            owned = client.session
        assert owned.closed
        async with aiohttp.ClientSession() as shared:
            async with AsyncTaskClient(BASE, TOKEN, api="t", session=shared) as borrowing:
                assert borrowing.session is shared
            assert not shared.closed

    @pytest.mark.asyncio
    async def test_token_never_appears_in_errors_or_reprs(self, http: aioresponses) -> None:
        http.get(f"{BASE}/auth", status=401, body="denied")
        http.get(f"{BASE}/down", exception=aiohttp.ClientConnectionError("refused"), repeat=True)
        http.get(f"{BASE}/err", status=500, body="oops", repeat=True)
        http.get(f"{BASE}/html", status=200, body="<html>")
        seen: list[BaseException] = []
        async with make_client(max_retries=1) as client:
            for url in ("auth", "down", "err", "http://evil.test/x"):
                try:
                    await client.request("GET", url)
                except AsyncTaskError as exc:
                    seen.append(exc)
            try:
                (await client.request("GET", "html")).json("demo")
            except AsyncTaskError as exc:
                seen.append(exc)
            assert TOKEN not in repr(client)
        assert [type(e) for e in seen] == [
            AsyncTaskAuthError,
            AsyncTaskTransientError,
            AsyncTaskTransientError,
            AsyncTaskForeignHostError,
            AsyncTaskProtocolError,
        ]
        for error in seen:
            assert TOKEN not in str(error)
            assert TOKEN not in repr(error)
            assert TOKEN not in repr(error.args)
            assert TOKEN not in str(error.__cause__ or "")

    def test_errors_survive_pickling(self) -> None:
        error = AsyncTaskAuthError("refused", api="demo", http_status=401, body={"a": 1})
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is AsyncTaskAuthError
        assert (str(copy), copy.message, copy.api, copy.http_status, copy.body) == (
            "demo: HTTP 401: refused",
            "refused",
            "demo",
            401,
            {"a": 1},
        )
