"""Offline emulators of four async-task APIs, served by the same app as the Direct emulator.

* ``direct_fetch`` - Yandex Direct fetch processes (``/webHooks/``, seed 000);
* ``moysklad`` - MoySklad asynchronous exchange (``/api/remap/1.2/``, seed 001) plus its file host;
* ``workers`` - a DRF task API (``/api/v1/workers/``, seed 002);
* ``mytarget`` - myTarget's async API (``/async_api/``, seed 003).

They share one job model (``jobs``): state computed from timestamps on the emulator clock, shaped by
per-job scenarios queued through ``/admin/async`` (``admin``).
"""

from __future__ import annotations

from fastapi import FastAPI

from airflow_provider_direct.emulator.async_apis import admin, direct_fetch, moysklad, mytarget, workers
from airflow_provider_direct.emulator.async_apis.hub import AsyncHub
from airflow_provider_direct.emulator.async_apis.moysklad_files import create_file_app
from airflow_provider_direct.emulator.world import Emulator

__all__ = ["AsyncHub", "create_file_app", "include_async_apis"]


def include_async_apis(app: FastAPI, emulator: Emulator) -> AsyncHub:
    """Mount the four APIs and their admin routes; ``app.state.async_hub`` is shared with the file host."""
    hub = AsyncHub(emulator)
    app.state.async_hub = hub
    for router in (admin.router, direct_fetch.router, moysklad.router, workers.router, mytarget.router):
        app.include_router(router)
    return hub
