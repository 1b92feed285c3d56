"""Command line of ``python -m airflow_provider_direct.emulator``.

Prints exactly one stdout line, ``EMULATOR_URL=http://host:port``, once the server accepts
connections, so a parent process can start it with ``--port 0`` and learn where it listens. The
MoySklad file host is up before that line; its URL is in ``GET /admin/async/info``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any

from airflow_provider_direct.emulator.app import create_app
from airflow_provider_direct.emulator.config import EmulatorConfig
from airflow_provider_direct.emulator.server import (
    URL_PREFIX,
    bind_socket,
    build_server,
    socket_url,
    start_file_listener,
)

# flag -> config field; every flag defaults to None so only explicit flags override --config-json.
FLAGS: dict[str, tuple[str, type]] = {
    "--host": ("host", str),
    "--port": ("port", int),
    "--seed": ("seed", int),
    "--campaigns": ("campaigns", int),
    "--smart-campaigns": ("smart_campaigns", int),
    "--unified-campaigns": ("unified_campaigns", int),
    "--dynamic-campaigns": ("dynamic_campaigns", int),
    "--performance-campaigns": ("performance_campaigns", int),
    "--groups": ("groups", int),
    "--ads": ("ads", int),
    "--keywords": ("keywords", int),
    "--daily-units": ("daily_units", int),
    "--time-scale": ("time_scale", float),
    "--gzip-level": ("gzip_level", int),
    "--latency-ms": ("latency_ms", int),
    "--file-host": ("file_host", str),
    "--file-port": ("file_port", int),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_direct.emulator",
        description="Offline emulator of the Yandex Direct API v5 (JSON) and four async-task APIs.",
    )
    for flag, (field, kind) in FLAGS.items():
        parser.add_argument(flag, dest=field, type=kind, default=None)
    parser.add_argument("--logins", default=None, help="comma-separated client logins")
    parser.add_argument("--config-json", default=None, help="full EmulatorConfig as JSON (flags override it)")
    return parser


def config_from_args(argv: Sequence[str] | None = None) -> EmulatorConfig:
    args = build_parser().parse_args(argv)
    values: dict[str, Any] = json.loads(args.config_json) if args.config_json else {}
    for field, _kind in FLAGS.values():
        value = getattr(args, field)
        if value is not None:
            values[field] = value
    if args.logins is not None:
        values["logins"] = [login for login in args.logins.split(",") if login.strip()]
        # Default tokens and agency clients are derived from the logins: let the model rebuild them.
        values.pop("tokens", None)
        values.pop("agency_clients", None)
    return EmulatorConfig.model_validate(values)


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    """uvicorn re-raises the stop signal after its graceful shutdown; make that a normal exit."""
    sys.exit(0)


def main(argv: Sequence[str] | None = None) -> None:
    config = config_from_args(argv)
    signal.signal(signal.SIGTERM, _exit_cleanly)
    signal.signal(signal.SIGINT, _exit_cleanly)
    sock = bind_socket(config.host, config.port)
    url = socket_url(sock)

    def announce() -> None:
        sys.stdout.write(f"{URL_PREFIX}{url}\n")
        sys.stdout.flush()

    app = create_app(config)
    start_file_listener(app, config)  # a daemon thread: it ends with the process
    build_server(app, on_started=announce).run(sockets=[sock])
