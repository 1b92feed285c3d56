"""The MoySklad file host: a second listener on another loopback address, streaming signed results."""

from __future__ import annotations

import json
import logging
import socket
from urllib.parse import urlsplit

import psutil
import pytest
import requests

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorConfig, EmulatorServer
from tests.emulator.async_support import Caller

pytestmark = pytest.mark.integration

STOCK = "/api/remap/1.2/report/stock/bystore?async=true"
INSTANT = {"queue_seconds": 0, "duration": 0}


def loopback_2_bindable() -> bool:
    """Linux routes all of 127/8 to lo; some systems only 127.0.0.1 (then the file host falls back)."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.2", 0))
        except OSError:
            return False
    return True


def file_link(api: Caller) -> str:
    created = api.get(STOCK)
    assert created.status_code == 202, created.text
    redirect = api.get(created.headers["Location"])
    assert redirect.status_code == 302, redirect.text
    link: str = redirect.headers["Location"]
    return link


def test_results_stream_in_chunks(server: EmulatorServer, admin: EmulatorAdmin) -> None:
    admin.async_scenario("moysklad", {**INSTANT, "result_rows": 20_000})
    api = Caller(server.url)
    with requests.get(file_link(api), stream=True, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers.get("Transfer-Encoding") == "chunked" and "Content-Length" not in response.headers
        assert response.headers["Content-Type"].startswith("application/json")
        assert "attachment" in response.headers["Content-Disposition"]
        chunks = list(response.iter_content(chunk_size=None))
    assert len(chunks) > 5
    body = json.loads(b"".join(chunks))
    assert body["meta"]["size"] == len(body["rows"]) == 20_000
    assert len({row["meta"]["href"] for row in body["rows"]}) == 20_000  # every product is distinct


def test_bad_links_are_forbidden_and_every_request_is_recorded(server: EmulatorServer, admin: EmulatorAdmin) -> None:
    admin.async_scenario("moysklad", INSTANT)
    link = file_link(Caller(server.url))
    parts = urlsplit(link)
    base = f"{parts.scheme}://{parts.netloc}{parts.path}"
    assert requests.get(base, timeout=30).status_code == 403  # no signature at all
    forged = requests.get(base, params={"temp_url_sig": "a" * 40, "temp_url_expires": "9999999999"}, timeout=30)
    assert forged.status_code == 403
    leaked = requests.get(base, headers={"Authorization": "Bearer async-token"}, timeout=30)
    assert leaked.status_code == 403
    summary = requests.get(f"{server.url}/admin/async/jobs", timeout=30).json()["file_host"]
    assert summary == {"requests": 3, "authorization_requests": 1, "authorization_seen": True}


def test_falls_back_to_127_0_0_1_when_the_file_host_cannot_be_bound(caplog: pytest.LogCaptureFixture) -> None:
    config = EmulatorConfig(logins=["solo"], campaigns=1, file_host="192.0.2.1")  # TEST-NET: never local
    with caplog.at_level(logging.WARNING), EmulatorServer(config, mode="thread") as srv:
        file_host = urlsplit(srv.file_url)
        assert file_host.hostname == "127.0.0.1" and file_host.netloc != urlsplit(srv.url).netloc
        assert any("falling back to 127.0.0.1" in record.getMessage() for record in caplog.records)
        EmulatorAdmin(srv.url).async_scenario("moysklad", INSTANT)
        link = file_link(Caller(srv.url))
        assert link.startswith(srv.file_url)
        assert requests.get(link, timeout=30).json()["meta"]["size"] == 10


def test_process_mode_serves_files_from_another_host_in_flat_memory() -> None:
    """200 000 rows (about 170 MB of JSON) from a child process whose memory does not follow the size."""
    config = EmulatorConfig.model_validate(
        {"logins": ["solo"], "campaigns": 1, "async_jobs": {"moysklad": {**INSTANT, "result_rows": 200_000}}}
    )
    with EmulatorServer(config, mode="process") as srv:
        assert srv.pid is not None
        assert urlsplit(srv.file_url).hostname == ("127.0.0.2" if loopback_2_bindable() else "127.0.0.1")
        assert urlsplit(srv.file_url).netloc != urlsplit(srv.url).netloc
        child = psutil.Process(srv.pid)
        link = file_link(Caller(srv.url))
        before = child.memory_info().rss
        peak, received, rows, tail = before, 0, 0, b""
        marker = b'"stockByStore"'
        with requests.get(link, stream=True, timeout=120) as response:
            assert response.status_code == 200
            for index, chunk in enumerate(response.iter_content(chunk_size=1 << 20)):
                received += len(chunk)
                window = tail + chunk
                rows += window.count(marker)
                tail = window[-(len(marker) - 1) :]
                if index % 16 == 0:
                    peak = max(peak, child.memory_info().rss)
        assert rows == 200_000 and received > 150 * 2**20
        assert peak - before < 60 * 2**20, f"child grew by {(peak - before) // 2**20} MiB"
