"""Signed callback URLs: how a remote API's callback proves it is the one this task asked for.

myTarget calls back whatever ``X-Callback-Location`` it was given and cannot carry Airflow credentials, so
the URL itself is the credential: it names one task instance try and a nonce, expires, and is signed with
HMAC-SHA256 under ``[yandex_direct] callback_secret``. The api-server route accepts it only while that task is
deferred on a trigger holding the same nonce, so a replayed callback finds nothing to wake and is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass

#: The Airflow config section of these settings (``AIRFLOW__YANDEX_DIRECT__CALLBACK_SECRET`` ...).
SECTION = "yandex_direct"
#: Where the api-server serves the callback route.
URL_PREFIX = "/direct-callbacks"


class CallbackRefused(Exception):
    """A callback the route turns away, with the HTTP status it answers."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class CallbackTarget:
    """The task instance try a callback may wake, and the nonce its trigger holds."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    nonce: str
    expires: float

    @classmethod
    def new(cls, dag_id: str, run_id: str, task_id: str, map_index: int, ttl_seconds: float) -> CallbackTarget:
        return cls(dag_id, run_id, task_id, map_index, secrets.token_urlsafe(16), time.time() + ttl_seconds)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())


def sign(target: CallbackTarget, secret: str) -> str:
    """The URL-safe token ``<payload>.<signature>``."""
    payload = _b64(json.dumps(asdict(target), separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_signature(secret, payload)}"


def verify(token: str, secret: str, now: float | None = None) -> CallbackTarget:
    """The target a token names; :class:`CallbackRefused` when it is unsigned, forged or expired."""
    payload, _, signature = token.partition(".")
    if not payload or not signature:
        raise CallbackRefused(401, "unsigned callback")
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        raise CallbackRefused(403, "bad callback signature")
    try:
        target = CallbackTarget(**json.loads(_unb64(payload)))
    except (ValueError, TypeError) as exc:
        raise CallbackRefused(400, f"unreadable callback token ({type(exc).__name__})") from None
    if (time.time() if now is None else now) > target.expires:
        raise CallbackRefused(410, "callback token expired")
    return target


def callback_url(base_url: str, api: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{URL_PREFIX}/{api}/{token}"
