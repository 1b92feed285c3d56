"""Typed errors for the Yandex Direct API.

Every error the API (or the transport under it) reports becomes one of these, carrying the API's
own words, so callers can decide by type: retry (:class:`DirectTransientError`), wait for the hourly
units refill (:class:`DirectUnitsExhaustedError`), or fail at once (everything else).
No message ever contains the OAuth token: messages are built only from the API's answer fields.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from airflow.sdk.exceptions import AirflowException

if TYPE_CHECKING:
    from airflow_provider_direct.utils.units import UnitsLedger

#: Error codes the API documents as temporary (server or auth server unavailable, too many
#: concurrent requests). Retried with bounded exponential backoff.
TRANSIENT_ERROR_CODES = frozenset({52, 506, 1000, 1001, 1002, 1020})
#: Token, app or Client-Login problems: retrying cannot help.
AUTH_ERROR_CODES = frozenset({53, 54, 58, 513, 3000, 3001})
#: Not enough units: the balance refills by 1/24 of the daily limit every hour.
UNITS_EXHAUSTED_CODE = 152

_AUTH_HINTS = {
    53: "the OAuth token is invalid, expired or revoked: issue a new token and store it as the connection password",
    54: "this token has no rights for the requested Client-Login: check that the advertiser is served "
    "by this agency, or that the Client-Login matches the token's own account",
    58: "the application's API access request is not approved yet: finish the app registration in "
    "the Direct web interface",
    513: "the Client-Login is not a Yandex Direct account: check the login spelling in the connection or the task",
    3000: "this account has no API access: enable the API in the Direct web interface",
    3001: "this account has no access to the called method",
}


class DirectError(AirflowException):
    """Base of every Yandex Direct API error; keeps the API's fields for programmatic use."""

    def __init__(
        self,
        error_string: str,
        *,
        error_code: int | None = None,
        error_detail: str = "",
        request_id: str | None = None,
        http_status: int | None = None,
        service: str = "",
        method: str = "",
    ) -> None:
        self.error_code = error_code
        self.error_string = error_string
        self.error_detail = error_detail
        self.request_id = request_id
        self.http_status = http_status
        self.service = service
        self.method = method
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = f"{self.service}.{self.method}" if self.service else "Yandex Direct API"
        code = f" error {self.error_code}" if self.error_code is not None else ""
        text = self.error_string
        if self.error_detail and self.error_detail != self.error_string:
            text = f"{text}: {self.error_detail}"
        hint = self._hint()
        suffix = f" (RequestId {self.request_id})" if self.request_id else ""
        return f"{where}{code}: {text}{suffix}{'. ' + hint if hint else ''}"

    def _hint(self) -> str:
        return ""

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor: make pickling (used by Airflow for some error paths) explicit.
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[DirectError], state: dict[str, Any]) -> DirectError:
    err = cls.__new__(cls)
    err.__dict__.update(state)
    Exception.__init__(err, err._compose())
    return err


class DirectAuthError(DirectError):
    """Token, application or Client-Login problem (53, 54, 58, 513, 3000, 3001): never retried."""

    def _hint(self) -> str:
        return _AUTH_HINTS.get(self.error_code or 0, "")


class DirectUnitsExhaustedError(DirectError):
    """Error 152: the units balance is spent; it refills by 1/24 of the daily limit each hour.

    Carries the ledger so a caller can stop at a consistent point and come back after the refill
    instead of failing or sleeping in a worker.
    """

    def __init__(self, error_string: str, *, ledger: UnitsLedger | None = None, **kwargs: Any) -> None:
        self.ledger = ledger
        super().__init__(error_string, **kwargs)

    def _hint(self) -> str:
        return "the units balance refills by 1/24 of the daily limit every hour"


class DirectTransientError(DirectError):
    """A failure that may pass: 52, 506, 1000-1002, 1020, HTTP 5xx, timeouts, resets, broken bodies."""


class DirectRequestError(DirectError):
    """Any other API error (bad parameters, over-cap selections...): retrying the same call cannot help."""


class DirectUnprocessedError(DirectError):
    """Changes.check kept answering ``Unprocessed`` for some ids after every bounded re-send."""


def error_code(raw: Any) -> int | None:
    """The API's ``error_code`` as an int: documented as int, but the Reports service sends strings ("9000")."""
    if isinstance(raw, bool):
        return None
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        return None


_XML_ERROR_FIELDS = {
    "requestId": "request_id",
    "errorCode": "error_code",
    "errorMessage": "error_string",
    "errorDetail": "error_detail",
}


def parse_error_body(content: bytes) -> dict[str, Any] | None:
    """The API error of an answer body, JSON ``{"error": {...}}`` or XML ``reportDownloadError``, else ``None``.

    Both come back in the JSON envelope's field names with ``error_code`` an int, so every caller
    judges a code one way whatever form it came in.
    """
    if content.lstrip()[:1] == b"<":
        fields = _xml_error_fields(content)
        if fields is not None:
            fields["error_code"] = error_code(fields.get("error_code"))
        return fields
    try:
        return envelope_error(json.loads(content))
    except ValueError:
        return None


def envelope_error(payload: Any) -> dict[str, Any] | None:
    """The ``error`` of an already parsed JSON answer (code as an int), else ``None``."""
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return None
    return {**error, "error_code": error_code(error.get("error_code"))}


def _xml_error_fields(content: bytes) -> dict[str, Any] | None:
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError:
        return None
    if not root.tag.endswith("reportDownloadError"):
        return None
    fields: dict[str, Any] = {}
    for element in root.iter():
        name = _XML_ERROR_FIELDS.get(element.tag.rsplit("}", 1)[-1])
        if name:
            fields[name] = (element.text or "").strip()
    return fields


def error_from_envelope(
    payload: dict[str, Any],
    *,
    http_status: int | None,
    service: str,
    method: str,
    ledger: UnitsLedger | None = None,
) -> DirectError:
    """Turn the API's ``{"error": {...}}`` envelope into the matching typed exception."""
    code = error_code(payload.get("error_code"))
    kwargs: dict[str, Any] = {
        "error_code": code,
        "error_detail": str(payload.get("error_detail") or ""),
        "request_id": payload.get("request_id"),
        "http_status": http_status,
        "service": service,
        "method": method,
    }
    text = str(payload.get("error_string") or "Unknown error")
    if code == UNITS_EXHAUSTED_CODE:
        return DirectUnitsExhaustedError(text, ledger=ledger, **kwargs)
    if code in AUTH_ERROR_CODES:
        return DirectAuthError(text, **kwargs)
    if code in TRANSIENT_ERROR_CODES:
        return DirectTransientError(text, **kwargs)
    return DirectRequestError(text, **kwargs)
