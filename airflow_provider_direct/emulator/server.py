"""Running the emulator: in a background thread (tests) or as a child process (benchmarks, demo).

Both modes bind 127.0.0.1 with port 0 by default and report the real URL, so parallel test runs never
fight over ports. The process mode keeps the server's CPU off the client's GIL, which matters when the
point is to measure the client.

Each emulator also runs a second listener, the MoySklad file host, on another loopback address
(``file_host``, 127.0.0.2 by default): the async result redirect must lead clients to a different host.
"""

from __future__ import annotations

import json
import logging
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import IO, Literal
from urllib.request import urlopen

import uvicorn
from fastapi import FastAPI

from airflow_provider_direct.emulator.app import create_app
from airflow_provider_direct.emulator.async_apis import AsyncHub, create_file_app
from airflow_provider_direct.emulator.config import EmulatorConfig

URL_PREFIX = "EMULATOR_URL="
FALLBACK_FILE_HOST = "127.0.0.1"
Mode = Literal["thread", "process"]
logger = logging.getLogger(__name__)


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


class ThreadedServer:
    """One uvicorn server on an already bound socket, in a daemon thread of this process."""

    def __init__(self, app: FastAPI, sock: socket.socket, name: str) -> None:
        self.url = socket_url(sock)
        self._sock = sock
        self._name = name
        self._app = app
        self._server: AnnouncingServer | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float) -> None:
        started = threading.Event()
        self._server = build_server(self._app, on_started=started.set)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, name=self._name, daemon=True
        )
        self._thread.start()
        if not started.wait(timeout):
            self.stop()
            raise EmulatorStartupError(f"{self._name} did not start within {timeout}s")

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(timeout=5)
        self._server = self._thread = None


def bind_file_socket(config: EmulatorConfig) -> socket.socket:
    """The file host's socket; where ``file_host`` cannot be bound, 127.0.0.1 on another port.

    Some systems route only 127.0.0.1 on the loopback interface. The fallback still gives clients a
    different host:port than the API's, which is what "another host" has to mean for them.
    """
    try:
        return bind_socket(config.file_host, config.file_port)
    except OSError as error:
        logger.warning(
            "MoySklad file host: cannot bind %s:%s (%s); falling back to %s on another port",
            config.file_host,
            config.file_port,
            error,
            FALLBACK_FILE_HOST,
        )
        return bind_socket(FALLBACK_FILE_HOST, 0)


def start_file_listener(app: FastAPI, config: EmulatorConfig, timeout: float = 30.0) -> ThreadedServer:
    """Serve the MoySklad result files of ``app`` on their own listener; tells the app its URL."""
    hub: AsyncHub = app.state.async_hub
    listener = ThreadedServer(create_file_app(hub), bind_file_socket(config), "emulator-files")
    hub.file_url = listener.url
    listener.start(timeout)
    return listener


class EmulatorServer:
    """Context manager running one emulator; ``url`` is its base URL once entered.

    ``mode="thread"`` runs uvicorn in a daemon thread of this process (``app`` gives direct access to
    the world); ``mode="process"`` spawns ``python -m airflow_provider_direct.emulator`` and reads
    its ``EMULATOR_URL=`` line (``pid`` is the child's, e.g. for RSS measurements). ``file_url`` is
    the MoySklad file host's base URL in both modes.
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
        self.file_url = ""
        self.app: FastAPI | None = None
        self.pid: int | None = None
        self._server: ThreadedServer | None = None
        self._files: ThreadedServer | None = None
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
        for listener in (self._server, self._files):
            if listener is not None:
                listener.stop()
        self._server = self._files = None
        if self.app is not None:
            hub: AsyncHub = self.app.state.async_hub
            hub.close()  # no callback deliveries from a stopped emulator
        if self._process is not None:
            _terminate(self._process)
            self._process = None

    # -- thread mode ----------------------------------------------------------------------------

    def _start_thread(self) -> None:
        sock = bind_socket(self.config.host, self.config.port)
        self.app = create_app(self.config)
        self._files = start_file_listener(self.app, self.config, self.startup_timeout)
        self.file_url = self._files.url
        self._server = ThreadedServer(self.app, sock, "direct-emulator")
        self.url = self._server.url
        try:
            self._server.start(self.startup_timeout)
        except EmulatorStartupError:
            self.stop()
            raise
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
                self.file_url = self._ask_file_url()
                return
        code = self._process.poll()
        self.stop()
        raise EmulatorStartupError(f"emulator process did not announce its URL (exit code {code})")

    def _ask_file_url(self) -> str:
        """The child announces one URL line only; the file host's URL comes from its admin API."""
        with urlopen(f"{self.url}/admin/async/info", timeout=self.startup_timeout) as response:
            info: dict[str, str] = json.load(response)
        return info["file_url"]


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
