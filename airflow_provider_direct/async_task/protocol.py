"""The protocol contract (start, poll, fetch, cancel) and the registry of protocols by name.

Trigger kwargs name a protocol by its registry name, never by an object, so they stay plain JSON.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from airflow_provider_direct.async_task.client import AsyncTaskClient
from airflow_provider_direct.async_task.status import TaskStatus


@dataclass
class ResultStream:
    """A finished job's result, opened for reading in chunks.

    ``rows_path`` is the ijson prefix of the result rows (e.g. ``"rows.item"``), so a sink can
    stream them into a table; ``status`` and ``headers`` are the result's own (myTarget keeps the
    original answer's).
    """

    chunks: AsyncIterator[bytes]
    rows_path: str | None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


class AsyncTaskProtocol(ABC):
    """One async-task API. Subclasses are small: four methods and a name."""

    #: Registry name, used in trigger kwargs and ``AsyncTaskOperator(protocol=...)``.
    name: ClassVar[str]
    #: Whether ``cancel`` can stop the remote job (some APIs have no cancel).
    supports_cancel: ClassVar[bool] = False
    #: Extra headers every request of this API carries.
    headers: ClassVar[dict[str, str]] = {}
    #: For HTTPS-only APIs: the base URL when the connection has no host, and ``https`` for a bare host.
    default_base_url: ClassVar[str | None] = None

    @abstractmethod
    async def start(self, client: AsyncTaskClient, request: dict[str, Any]) -> dict[str, Any]:
        """Start the job; return a JSON-serializable handle (ids, URLs) for the other operations."""

    @abstractmethod
    async def poll(self, client: AsyncTaskClient, handle: dict[str, Any]) -> TaskStatus:
        """One status check, normalized."""

    @abstractmethod
    def fetch(self, client: AsyncTaskClient, handle: dict[str, Any]) -> Any:
        """An async context manager yielding the finished job's :class:`ResultStream`."""

    async def cancel(self, client: AsyncTaskClient, handle: dict[str, Any]) -> bool:
        """Stop the remote job; ``False`` when the API cannot (the default) or it already ended."""
        return False


_REGISTRY: dict[str, type[AsyncTaskProtocol]] = {}


def register(cls: type[AsyncTaskProtocol]) -> type[AsyncTaskProtocol]:
    """Class decorator adding a protocol to the registry under its ``name``."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"protocol name {cls.name!r} is already registered by {_REGISTRY[cls.name]!r}")
    _REGISTRY[cls.name] = cls
    return cls


def get_protocol(name: str) -> AsyncTaskProtocol:
    """The protocol registered as ``name`` (the built-in ones are imported on first use)."""
    if name not in _REGISTRY:
        import airflow_provider_direct.hooks.direct_fetch
        import airflow_provider_direct.hooks.moysklad
        import airflow_provider_direct.hooks.mytarget
        import airflow_provider_direct.hooks.workers  # noqa: F401
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise ValueError(f"unknown async-task protocol {name!r}; known: {sorted(_REGISTRY)}") from None
