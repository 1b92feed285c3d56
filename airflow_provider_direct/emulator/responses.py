"""HTTP responses of the /json/ endpoints: API bodies, gzip, and the wire-level faults.

Bodies arrive here already encoded; this module only frames them (headers, compression) or breaks
them on purpose (HTML error pages, truncated or non-JSON bodies, connections closed without a reply).
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from airflow_provider_direct.emulator.encoding import dumps
from airflow_provider_direct.emulator.errors import ApiError

JSON = "application/json; charset=utf-8"
RAW_SEND_KEY = "emulator.raw_send"

_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}


def accepts_gzip(header: str | None) -> bool:
    """True when ``Accept-Encoding`` lists gzip without ``q=0``."""
    for item in (header or "").split(","):
        coding, _, quality = item.strip().partition(";")
        if coding.strip().lower() == "gzip":
            return quality.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def error_body(request_id: str, error: ApiError, lang: str, *, string_code: bool = False) -> bytes:
    """The ``{"error": ...}`` envelope; ``string_code`` as the Reports service sends it ("8000", not 8000)."""
    envelope = {
        "error": {
            "request_id": request_id,
            "error_code": str(error.code) if string_code else error.code,
            "error_string": error.error_string(lang),
            "error_detail": error.error_detail(lang),
        }
    }
    return dumps(envelope).encode()


def api_response(body: bytes, headers: Mapping[str, str], gzip_level: int | None) -> Response:
    """HTTP 200 with a JSON body (API errors included, as the API does); gzip when accepted."""
    out = dict(headers)
    if gzip_level is not None:
        body = gzip.compress(body, compresslevel=gzip_level, mtime=0)
        out["Content-Encoding"] = "gzip"
        out["Vary"] = "Accept-Encoding"
    return Response(content=body, media_type=JSON, headers=out)


def truncated_response(body: bytes, headers: Mapping[str, str]) -> Response:
    """A 200 whose JSON is cut in half; Content-Length matches the cut, so only parsing fails."""
    return Response(content=body[: len(body) // 2], media_type=JSON, headers=dict(headers))


def html_error_response(status: int, headers: Mapping[str, str]) -> Response:
    """What a front nginx returns when the backend is unhealthy."""
    title = f"{status} {_REASONS.get(status, 'Error')}"
    page = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Response(content=page, status_code=status, media_type="text/html", headers=dict(headers))


def non_json_response(headers: Mapping[str, str]) -> Response:
    """A 200 stub page instead of JSON, as balancers sometimes serve during maintenance."""
    page = "<html><body><h1>Service is temporarily unavailable</h1><p>Please try again later.</p></body></html>"
    return Response(content=page, media_type="text/html", headers=dict(headers))


class DropConnection(Response):
    """Closes the TCP connection without sending a single byte of response.

    uvicorn hands the app a bound ``send`` whose owner exposes the asyncio transport; aborting it is
    the most faithful "connection reset". The app stores that raw ``send`` in the scope because
    Starlette wraps the one routes see. Without it, the fallback promises a body and dies mid-way,
    which clients observe as an incomplete read.
    """

    def __init__(self) -> None:
        super().__init__(content=b"")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_send = scope.get(RAW_SEND_KEY)
        transport = getattr(getattr(raw_send, "__self__", None), "transport", None)
        if transport is not None:
            transport.abort()
            # Let connection_lost run before the server inspects the finished request cycle.
            for _ in range(3):
                await anyio.sleep(0)
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1024")]})
        raise ConnectionAbortedError("injected connection drop")


def transport_fault_response(kind: str, status: int | None, request_id: str) -> Response | None:
    """The answer of a fault that breaks the transport (dropped socket, HTML 5xx page, non-JSON 200),
    shared by every emulated Direct service; ``None`` for faults a service renders itself."""
    if kind == "drop":
        return DropConnection()
    if kind == "http":
        return html_error_response(status or 502, {"RequestId": request_id})
    if kind == "non_json":
        return non_json_response({"RequestId": request_id})
    return None
