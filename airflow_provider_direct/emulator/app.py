"""FastAPI application factory: the /json/ API routes, the async-task APIs and the admin routers.

Route handlers are synchronous on purpose: Starlette runs them in its thread pool, so concurrent
requests really overlap (the 506 limit is observable) while the event loop keeps accepting connections.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from airflow_provider_direct.emulator.admin import router as admin_router
from airflow_provider_direct.emulator.async_apis import include_async_apis
from airflow_provider_direct.emulator.config import EmulatorConfig
from airflow_provider_direct.emulator.gateway import Exchange
from airflow_provider_direct.emulator.reports import reports_call
from airflow_provider_direct.emulator.responses import RAW_SEND_KEY
from airflow_provider_direct.emulator.world import Emulator

API_VERSIONS = ("v5", "v501")


class EmulatorApp(FastAPI):
    """FastAPI that remembers the server's own ``send`` so a fault can abort the TCP connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[RAW_SEND_KEY] = send
        await super().__call__(scope, receive, send)


async def _raw_body(request: Request) -> bytes:
    """Read the body on the event loop; the sync handler then runs in the thread pool."""
    return await request.body()


def create_app(config: EmulatorConfig | None = None) -> FastAPI:
    """Build an emulator app; ``app.state.emulator`` gives tests direct access to the world.

    ``app.state.async_hub`` holds the async APIs' jobs; the MoySklad file host (a second listener,
    see ``server.FileListener``) serves from the same hub.
    """
    app = EmulatorApp(
        title="Yandex Direct API v5 emulator",
        docs_url=None,
        redoc_url=None,
        openapi_url="/admin/openapi.json",
    )
    app.state.emulator = Emulator(config or EmulatorConfig())

    def api_route(version: str) -> Callable[..., Response]:
        """The generic service route of one address version (the handlers see which one was called)."""

        def api_call(service: str, request: Request, body: Annotated[bytes, Depends(_raw_body)]) -> Response:
            emulator: Emulator = request.app.state.emulator
            return Exchange(emulator.world, service, request.headers, body, version).run()

        return api_call

    def reports(request: Request, body: Annotated[bytes, Depends(_raw_body)]) -> Response:
        emulator: Emulator = request.app.state.emulator
        return reports_call(emulator.world, request.headers, body)

    for version in API_VERSIONS:
        # Registered first: Reports has its own envelope and wins over the generic service route.
        app.add_api_route(
            f"/json/{version}/reports",
            reports,
            methods=["POST"],
            name=f"reports_{version}",
            include_in_schema=False,
        )
        app.add_api_route(
            f"/json/{version}/{{service}}",
            api_route(version),
            methods=["POST"],
            name=f"api_{version}",
            include_in_schema=False,
        )
    app.include_router(admin_router)
    include_async_apis(app, app.state.emulator)
    return app
