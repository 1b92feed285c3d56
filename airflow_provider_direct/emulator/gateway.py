"""One /json/ API call end to end: faults, identity, concurrency, units, dispatch, framing.

Order matters and mirrors the real service: wire faults strike before anything else; authentication
errors carry no units (the payer is unknown); then the per-login concurrency slot (506), the configured
``latency_ms`` (spent holding the slot, like real server time), the balance check against the method's
base price (152), the handler, and finally the charge, so ``Units`` always reports what this very
request cost.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from airflow_provider_direct.emulator import registry
from airflow_provider_direct.emulator.auth import authenticate, authorize
from airflow_provider_direct.emulator.context import CallContext
from airflow_provider_direct.emulator.errors import ApiError, language
from airflow_provider_direct.emulator.faults import FaultSpec
from airflow_provider_direct.emulator.responses import (
    JSON,
    DropConnection,
    accepts_gzip,
    api_response,
    error_body,
    transport_fault_response,
    truncated_response,
)
from airflow_provider_direct.emulator.units import Receipt
from airflow_provider_direct.emulator.world import World


def parse_envelope(body: bytes) -> tuple[str, dict[str, Any]]:
    """``(method, params)`` of ``{"method": ..., "params": {...}}``; 8000 for anything else."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(8000, "invalid_json") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("method"), str):
        raise ApiError(8000, "bad_envelope")
    params = payload.get("params", {})
    if not isinstance(params, dict):
        raise ApiError(8000, "must_be_object", field="params")
    return payload["method"], params


class Exchange:
    """State of one request while it moves through the pipeline."""

    def __init__(
        self, world: World, service: str, headers: Mapping[str, str], body: bytes, version: str = "v5"
    ) -> None:
        self.world = world
        self.service = service.lower()
        self.version = version
        self.headers = headers
        self.request_id = world.next_request_id()
        self.lang = language(headers.get("accept-language"))
        self.account: str | None = None
        self.error_code: int | None = None
        self.envelope_error: ApiError | None = None
        self.method: str | None = None
        self.params: dict[str, Any] = {}
        try:
            self.method, self.params = parse_envelope(body)
        except ApiError as error:
            self.envelope_error = error

    @property
    def operation(self) -> str:
        return f"{self.service}.{self.method or '?'}"

    def run(self) -> Response:
        stats = self.world.stats
        stats.begin()
        status = 0
        try:
            response = self._run()
            status = 0 if isinstance(response, DropConnection) else response.status_code
            return response
        finally:
            stats.end(self.operation, status, self.error_code)

    def _run(self) -> Response:
        fault = self.world.faults.pick(self.service, self.method)
        if fault is not None:
            wire = self._wire_fault(fault)
            if wire is not None:
                return wire
        receipt: Receipt | None = None
        try:
            body, receipt = self._call(fault)
        except ApiError as error:
            body, receipt = self._error(error)
        headers = self._headers(receipt)
        if fault is not None and fault.kind == "truncate":
            return truncated_response(body, headers)
        gzip_level = self.world.config.gzip_level if accepts_gzip(self.headers.get("accept-encoding")) else None
        return api_response(body, headers, gzip_level)

    def _wire_fault(self, fault: FaultSpec) -> Response | None:
        """Faults that replace the API answer entirely (the backend is never reached)."""
        broken = transport_fault_response(fault.kind, fault.status, self.request_id)
        if broken is not None:
            return broken
        if fault.kind == "api_http":
            self.error_code = fault.code or 1000
            body = error_body(self.request_id, ApiError(self.error_code, "injected"), self.lang)
            return Response(content=body, status_code=fault.status or 500, media_type=JSON, headers=self._headers(None))
        return None

    def _call(self, fault: FaultSpec | None) -> tuple[bytes, Receipt]:
        world = self.world
        config = world.config
        identity = authenticate(config, self.headers.get("authorization"))
        self.account = identity.login
        caller = authorize(config, identity, self.headers, self.service)
        self.account = caller.charged_login
        if fault is not None and fault.kind == "error":
            raise ApiError(fault.code or 1000, "injected")
        with world.gate.slot(caller.charged_login):
            if config.latency_ms:
                time.sleep(config.latency_ms / 1000)  # this worker thread only: other requests run on
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.seconds or 0)
            if self.envelope_error is not None or self.method is None:
                raise self.envelope_error or ApiError(8000, "bad_envelope")
            handler = registry.resolve(self.service, self.method)
            price = config.unit_costs[f"{self.service}.{self.method}"]  # every registered method has a price
            world.ledger.ensure(caller.charged_login, price.base)
            result = handler(CallContext(world.state, world.faults, caller, self.version), self.params)
            return result.body, world.ledger.charge(caller.charged_login, price.cost(result.objects))

    def _error(self, error: ApiError) -> tuple[bytes, Receipt | None]:
        self.error_code = error.code
        receipt = None
        if self.account is not None:
            config = self.world.config
            cost = 0 if error.code in config.free_error_codes else config.error_cost
            receipt = self.world.ledger.charge(self.account, cost)
        return error_body(self.request_id, error, self.lang), receipt

    def _headers(self, receipt: Receipt | None) -> dict[str, str]:
        headers = {"RequestId": self.request_id}
        if receipt is not None:
            headers["Units"] = receipt.header
            headers["Units-Used-Login"] = receipt.login
        return headers
