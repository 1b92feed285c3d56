"""MoySklad's result files: the "other host" a DONE task's result URL redirects to.

Real results live on a storage CDN behind temporary signed URLs, so clients must follow a 302 to a
different host, must not need (or leak) their API token there, and must stream what can be millions
of rows. This app runs on its own listener (another loopback address), checks the signature and
expiry instead of a token, records whether a request carried ``Authorization`` anyway, and generates
the report row by row.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from urllib.parse import urlencode

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from airflow_provider_direct.emulator.async_apis.hub import AsyncHub, AsyncWorld, async_world
from airflow_provider_direct.emulator.async_apis.jobs import Job
from airflow_provider_direct.emulator.encoding import dumps

API = "moysklad"
REMAP = "/api/remap/1.2"
FILES_PATH = "/files/{job_id}/result.json"
ROWS_PER_CHUNK = 2_000
STORES = (
    ("86c857d6-0302-11e6-9464-e4de00000072", "Не основной склад"),
    ("850ee995-f504-11e5-8a84-bae500000160", "Основной склад"),
)


def sign(secret: bytes, job_id: str, expires: int) -> str:
    """Swift-style ``temp_url_sig``: 40 hex digits binding the object to its expiry."""
    return hmac.new(secret, f"{job_id}:{expires}".encode(), hashlib.sha1).hexdigest()


def result_link(world: AsyncWorld, file_url: str, job: Job, now: float) -> str:
    """Where ``/result`` redirects: a link on the file host valid for ``moysklad_link_ttl`` seconds."""
    expires = int(now + world.config.moysklad_link_ttl)
    query = urlencode(
        {
            "temp_url_sig": sign(world.link_secret, job.id, expires),
            "temp_url_expires": expires,
            "filename": f"asynctask_{job.id}_result.json",
        }
    )
    return f"{file_url}/files/{job.id}/result.json?{query}"


def report_type(report: str) -> str:
    """``meta.type`` of a report path: ``stock/bystore`` -> ``stockbystore``, ``stock/all`` -> ``stock``."""
    parts = [part for part in report.strip("/").split("/") if part]
    if parts[-1:] == ["all"]:
        parts = parts[:-1]
    return "".join(parts) or "report"


def report_chunks(job: Job) -> Iterator[bytes]:
    """The report as JSON, a few thousand rows per chunk, so any size streams in constant memory."""
    base = job.payload["base"]
    rows = job.plan.result_rows or 0
    head = dumps(
        {
            "context": {
                "employee": {
                    "href": f"{base}{REMAP}/context/employee",
                    "type": "employee",
                    "mediaType": "application/json",
                }
            },
            "meta": {
                "href": job.payload["request"],
                "type": report_type(job.payload["report"]),
                "mediaType": "application/json",
                "size": rows,
            },
        }
    )
    yield (head[:-1] + ',"rows":[').encode()
    entity = dumps(f"{base}{REMAP}/entity")[1:-1]  # escaped once, spliced into every row

    def store(index: int) -> str:
        store_id, name = STORES[index]
        return (
            f'{{"meta":{{"href":"{entity}/store/{store_id}","metadataHref":"{entity}/store/metadata",'
            f'"type":"store","mediaType":"application/json"}},"name":"{name}","stock":'
        )

    first_store, second_store = store(0), store(1)
    product_meta = f'{{"meta":{{"href":"{entity}/product/'
    product_tail = (
        f'?expand=supplier","metadataHref":"{entity}/product/metadata","type":"product",'
        f'"mediaType":"application/json"}},"stockByStore":['
    )
    uuid_tail = job.id[8:]
    for start in range(0, rows, ROWS_PER_CHUNK):
        parts = []
        for index in range(start, min(start + ROWS_PER_CHUNK, rows)):
            parts.append(
                f"{product_meta}{index:08x}{uuid_tail}{product_tail}"
                f'{first_store}{index * 37 % 61 - 30},"reserve":{index % 3},"inTransit":0}},'
                f'{second_store}{index * 13 % 50},"reserve":0,"inTransit":{index % 2}}}]}}'
            )
        prefix = "," if start else ""
        yield (prefix + ",".join(parts)).encode()
    yield b"]}"


async def serve_result(request: Request, job_id: str) -> Response:
    world = async_world(request)
    job = world.stores[API].get(job_id)
    world.record_file_request(job, "authorization" in request.headers)
    signature = request.query_params.get("temp_url_sig", "")
    try:
        expires = int(request.query_params.get("temp_url_expires", ""))
    except ValueError:
        expires = -1
    now = world.now()
    valid = hmac.compare_digest(signature, sign(world.link_secret, job_id, expires))
    if not valid or now > expires:
        return PlainTextResponse("403 Forbidden: temp_url_sig invalid or temp_url_expires passed", status_code=403)
    if job is None or job.phase(now) != "success" or job.is_expired(now):
        return PlainTextResponse("404 Not Found: the result file was deleted", status_code=404)
    return StreamingResponse(
        report_chunks(job),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="asynctask_{job.id}_result.json"'},
    )


def create_file_app(hub: AsyncHub) -> FastAPI:
    """The file host's app; shares the hub (jobs, clock, link secret) with the API app."""
    app = FastAPI(title="MoySklad async result files (emulator)", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.async_hub = hub
    app.add_api_route(FILES_PATH, serve_result, methods=["GET"])
    return app
