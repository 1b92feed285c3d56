"""Typed errors of the async-task APIs; messages carry the API's own words, never a token."""

from __future__ import annotations

from typing import Any

from airflow.sdk.exceptions import AirflowException


class AsyncTaskError(AirflowException):
    """Base: the API, the HTTP status if any, and the API's own message."""

    def __init__(self, message: str, *, api: str = "", http_status: int | None = None, body: Any = None) -> None:
        self.api = api
        self.http_status = http_status
        self.body = body
        self.message = message
        prefix = f"{api}: " if api else ""
        status = f"HTTP {http_status}: " if http_status else ""
        super().__init__(f"{prefix}{status}{message}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.api, self.http_status, self.body))


def _rebuild(cls: type[AsyncTaskError], message: str, api: str, status: int | None, body: Any) -> AsyncTaskError:
    return cls(message, api=api, http_status=status, body=body)


class AsyncTaskTransientError(AsyncTaskError):
    """5xx, 429, timeouts, resets, broken bodies: may pass, so polls and starts retry it."""


class AsyncTaskBusyError(AsyncTaskError):
    """The API refuses a new job because too many run (MoySklad 61002): wait longer, then start again.

    Not a transient error: it is retried on its own, slower schedule, not by the per-request backoff.
    """


class AsyncTaskRequestError(AsyncTaskError):
    """The API rejected the request (bad parameters, unknown id, wrong state): retrying cannot help."""


class AsyncTaskAuthError(AsyncTaskRequestError):
    """401 / 403 on the API's own host: the token in the connection is missing, wrong or expired."""


class AsyncTaskProtocolError(AsyncTaskError):
    """The answer is not what the protocol documents (missing header, unknown shape, non-JSON)."""


class AsyncTaskForeignHostError(AsyncTaskProtocolError):
    """A URL from a header or body points at another host: refused, so the token never leaves its host."""


class AsyncTaskFailed(AsyncTaskError):
    """The remote job ended in failure; the message is the API's."""


class AsyncTaskCancelled(AsyncTaskError):
    """The remote job was stopped or cancelled."""


class AsyncTaskExpired(AsyncTaskError):
    """The result is gone (past its retention): re-run the task to build it again."""


class AsyncTaskTimeout(AsyncTaskError):
    """The job did not finish before the task's deadline."""


def error_class_named(name: str) -> type[AsyncTaskError] | None:
    """The AsyncTaskError subclass called ``name`` (protocol-specific ones included, once imported)."""
    pending: list[type[AsyncTaskError]] = [AsyncTaskError]
    while pending:
        cls = pending.pop()
        if cls.__name__ == name:
            return cls
        pending.extend(cls.__subclasses__())
    return None
