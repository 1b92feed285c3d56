"""Running the emulator: in a background thread (tests) or as a child process (benchmarks, demo).

Both modes bind 127.0.0.1 with port 0 by default and report the real URL, so parallel test runs never
fight over ports. The process mode keeps the server's CPU off the client's GIL, which matters when the
point is to measure the client.
"""

from __future__ import annotations

import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import IO, Literal

import uvicorn
from fastapi import FastAPI

from airflow_provider_direct.emulator.app import create_app
from airflow_provider_direct.emulator.config import EmulatorConfig

URL_PREFIX = "EMULATOR_URL="
Mode = Literal["thread", "process"]


class EmulatorStartupError(RuntimeError):
    """The emulator did not come up within the startup timeout."""


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind before uvicorn starts so port 0 resolves to a real port we can announce."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def socket_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class AnnouncingServer(uvicorn.Server):
    """uvicorn server that calls back once it is accepting connections."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self._on_started is not None:
            self._on_started()


def build_server(app: FastAPI, on_started: Callable[[], None] | None = None) -> AnnouncingServer:
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        lifespan="off",
        timeout_graceful_shutdown=3,
    )
    return AnnouncingServer(config, on_started)


class EmulatorServer:
    """Context manager running one emulator; ``url`` is its base URL once entered.

    ``mode="thread"`` runs uvicorn in a daemon thread of this process (``app`` gives direct access to
    the world); ``mode="process"`` spawns ``python -m airflow_provider_direct.emulator`` and reads
    its ``EMULATOR_URL=`` line (``pid`` is the child's, e.g. for RSS measurements).
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        mode: Mode = "thread",
        startup_timeout: float = 30.0,
    ) -> None:
        self.config = config or EmulatorConfig()
        self.mode = mode
        self.startup_timeout = startup_timeout
        self.url = ""
        self.app: FastAPI | None = None
        self.pid: int | None = None
        self._server: AnnouncingServer | None = None
        self._thread: threading.Thread | None = None
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> str:
        if self.mode == "thread":
            self._start_thread()
        else:
            self._start_process()
        return self.url

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(timeout=5)
            self._server = self._thread = None
        if self._process is not None:
            _terminate(self._process)
            self._process = None

    # -- thread mode ----------------------------------------------------------------------------

    def _start_thread(self) -> None:
        sock = bind_socket(self.config.host, self.config.port)
        self.url = socket_url(sock)
        self.app = create_app(self.config)
        started = threading.Event()
        self._server = build_server(self.app, on_started=started.set)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="direct-emulator", daemon=True
        )
        self._thread.start()
        if not started.wait(self.startup_timeout):
            self.stop()
            raise EmulatorStartupError(f"emulator thread did not start within {self.startup_timeout}s")
        self.pid = None

    # -- process mode ---------------------------------------------------------------------------

    def _start_process(self) -> None:
        command = [
            sys.executable,
            "-m",
            "airflow_provider_direct.emulator",
            "--config-json",
            self.config.model_dump_json(),
        ]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.pid = self._process.pid
        lines: queue.Queue[str | None] = queue.Queue()
        stdout = self._process.stdout
        if stdout is None:  # pragma: no cover - Popen with PIPE always provides it
            raise EmulatorStartupError("no stdout pipe to the emulator process")
        threading.Thread(target=_pump, args=(stdout, lines), daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            if line.startswith(URL_PREFIX):
                self.url = line[len(URL_PREFIX) :].strip()
                return
        code = self._process.poll()
        self.stop()
        raise EmulatorStartupError(f"emulator process did not announce its URL (exit code {code})")


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    """Forward child stdout lines; keeps draining so the child never blocks on a full pipe."""
    for line in stream:
        lines.put(line)
    lines.put(None)


def _terminate(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()
