"""The protocol contract (start, poll, fetch, cancel) and the registry of protocols by name.

Trigger kwargs name a protocol by its registry name, never by an object, so they stay plain JSON.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import entry_points
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
#: Installed packages list their protocols under this entry-point group (name = registry name), so a
#: fresh process (a triggerer) finds them by name without this module importing them.
ENTRY_POINT_GROUP = "airflow_provider_direct.protocols"


def register(cls: type[AsyncTaskProtocol]) -> type[AsyncTaskProtocol]:
    """Class decorator adding a protocol to the registry under its ``name``."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"protocol name {cls.name!r} is already registered by {_REGISTRY[cls.name]!r}")
    _REGISTRY[cls.name] = cls
    return cls


def protocol_path(protocol: AsyncTaskProtocol | type[AsyncTaskProtocol]) -> str:
    """The import path of a protocol class: what trigger kwargs carry, resolvable in any process."""
    cls = protocol if isinstance(protocol, type) else type(protocol)
    return f"{cls.__module__}.{cls.__qualname__}"


def get_protocol(ref: str) -> AsyncTaskProtocol:
    """A protocol by registry name or import path.

    Names not registered yet are looked up in the ``airflow_provider_direct.protocols`` entry points;
    loading one imports its module, which registers it.
    """
    if ref not in _REGISTRY:
        if "." in ref:
            return _import_protocol(ref)()
        _load_entry_point(ref)
    try:
        return _REGISTRY[ref]()
    except KeyError:
        known = sorted({*_REGISTRY, *(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))})
        raise ValueError(f"unknown async-task protocol {ref!r}; known: {known}") from None


def _import_protocol(path: str) -> type[AsyncTaskProtocol]:
    module, _, name = path.rpartition(".")
    try:
        cls = getattr(import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot import async-task protocol {path!r}: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, AsyncTaskProtocol)):
        raise ValueError(f"{path!r} is not an AsyncTaskProtocol class")
    return cls


def _load_entry_point(name: str) -> None:
    for entry_point in entry_points(group=ENTRY_POINT_GROUP, name=name):
        cls = entry_point.load()
        if isinstance(cls, type) and issubclass(cls, AsyncTaskProtocol):
            register(cls)
