"""What a service handler receives and returns, kept apart so handlers stay transport-agnostic."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airflow_provider_direct.emulator.auth import Caller
from airflow_provider_direct.emulator.errors import ApiError
from airflow_provider_direct.emulator.faults import FaultInjector
from airflow_provider_direct.emulator.state import AccountState


@dataclass(frozen=True)
class CallContext:
    """One authorised call: the world it runs against and on whose behalf."""

    state: AccountState
    faults: FaultInjector
    caller: Caller
    #: The address version (``v5`` or ``v501``): only v501 serves unified performance campaigns.
    version: str = "v5"

    @property
    def login_index(self) -> int:
        """Index of the advertiser whose data is read; only meaningful for advertiser-level services."""
        login = self.caller.client_login
        index = None if login is None else self.state.login_index(login)
        if index is None:
            raise ApiError(8000, "client_login_required")
        return index


@dataclass(frozen=True)
class ServiceResult:
    """Encoded ``{"result": ...}`` body plus the object count the units price depends on."""

    body: bytes
    objects: int


Handler = Callable[[CallContext, dict[str, Any]], ServiceResult]
