"""Wire helpers shared by the async APIs: JSON framing, duplicate-key bodies, request bodies, dates.

Bodies are built as bytes (like the Direct emulator) because one API's documented answers carry the
same key twice, which no dict can hold, and because every API formats dates its own way.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from airflow_provider_direct.emulator.encoding import dumps

JSON = "application/json; charset=utf-8"
UTC = dt.timezone.utc
MSK = dt.timezone(dt.timedelta(hours=3), "MSK")  # Moscow time, UTC+3 all year since 2014


def json_response(payload: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(content=dumps(payload).encode(), status_code=status, media_type=JSON, headers=dict(headers or {}))


def pairs_json(pairs: Iterable[tuple[str, Any]]) -> bytes:
    """A JSON object from key/value pairs, keeping repeated keys, in the seed's ``"key": value`` style."""
    members = ", ".join(
        f"{json.dumps(key, ensure_ascii=False)}: {json.dumps(value, ensure_ascii=False)}" for key, value in pairs
    )
    return f"{{{members}}}".encode()


def empty_response(status: int, headers: Mapping[str, str]) -> Response:
    """No body at all (202/302): Starlette still sends ``Content-Length: 0``."""
    return Response(content=b"", status_code=status, headers=dict(headers))


async def read_fields(request: Request) -> dict[str, Any] | None:
    """A JSON object, or form fields, from the body; ``{}`` when empty, None when not an object."""
    raw = await request.body()
    if not raw.strip():
        return {}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def base_url(request: Request) -> str:
    """``scheme://host:port`` as the client addressed us, for absolute URLs in headers and bodies."""
    return str(request.base_url).rstrip("/")


def utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, UTC)


def format_space(seconds: float, zone: dt.tzinfo = UTC) -> str:
    """``YYYY-MM-DD HH:MM:SS`` without a zone designator (MoySklad in MSK, myTarget)."""
    return dt.datetime.fromtimestamp(seconds, zone).strftime("%Y-%m-%d %H:%M:%S")


def format_space_millis(seconds: float, zone: dt.tzinfo = UTC) -> str:
    """``YYYY-MM-DD HH:MM:SS.fff``: MoySklad's task list renders ``deletionDate`` with milliseconds."""
    return dt.datetime.fromtimestamp(seconds, zone).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def format_iso_z(seconds: float) -> str:
    """Django REST framework's rendering of an aware UTC datetime: ``isoformat`` with ``Z``.

    Like DRF, microseconds appear only when non-zero, so clients must accept both shapes.
    """
    return utc(seconds).isoformat().replace("+00:00", "Z")


def parse_iso(value: str) -> float | None:
    """ISO 8601 (``Z``, an offset, or naive meaning UTC) to epoch seconds; None when malformed."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
