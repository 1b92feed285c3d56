"""A real Airflow api-server (SQLite metadata) and headless Chromium, for tests of what users see in the UI.

Chromium and its driver come from Debian's packages (``apt-get install chromium chromium-driver``);
``.ci/run`` installs them and sets ``REQUIRE_BROWSER=1``, so there a missing browser fails instead of
skipping.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests

from tests.conftest import free_port

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
CHROMIUM = os.environ.get("DIRECT_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("DIRECT_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
T = TypeVar("T")


def require_browser() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if not missing:
        return
    message = f"headless Chromium is not installed ({', '.join(missing)}): apt-get install chromium chromium-driver"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{message}, and REQUIRE_BROWSER=1 forbids skipping")
    pytest.skip(message)


class ApiServer:
    """``airflow api-server`` on a free loopback port, with the simple auth manager and connection tests on.

    ``env`` adds or overrides settings: another metadata DB, the connections the plugin reads. Without
    ``user``, everyone is an admin (the simple auth manager signs in even anonymous requests); with
    ``user=(name, role, password)``, the session signs in as that user, and ``others`` are more users
    (``sign_in`` gets one's token). A user with the role ``""`` has no permission at all.
    """

    def __init__(
        self,
        home: Path,
        env: dict[str, str] | None = None,
        user: tuple[str, str, str] | None = None,
        others: tuple[tuple[str, str, str], ...] = (),
    ) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (home / "dags").mkdir(parents=True, exist_ok=True)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "AIRFLOW_CONN_"))},
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager."
            "SimpleAuthManager",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
            "AIRFLOW__API_AUTH__JWT_SECRET": "ui-test-secret",
            **(env or {}),
        }
        self.user = user
        if user:
            users = (user, *others)
            (home / "passwords.json").write_text(json.dumps({name: password for name, _, password in users}))
            self.env |= {
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(f"{name}:{role}" for name, role, _ in users),
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            }
        self.process: subprocess.Popen[bytes] | None = None
        self.session = requests.Session()

    def log(self) -> str:
        return (self.home / "api-server.log").read_text(errors="replace")

    def start(self) -> None:
        migrate = subprocess.run([AIRFLOW, "db", "migrate"], env=self.env, capture_output=True, timeout=300)
        assert migrate.returncode == 0, migrate.stderr.decode()[-3000:]
        with (self.home / "api-server.log").open("wb") as log:
            self.process = subprocess.Popen(
                [AIRFLOW, "api-server", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"api-server exited:\n{self.log()[-3000:]}"
            try:
                if self.session.get(f"{self.url}/api/v2/monitor/health", timeout=5).ok:
                    break
            except requests.RequestException:
                pass
            time.sleep(1)
        else:
            raise AssertionError(f"api-server did not come up:\n{self.log()[-3000:]}")
        if self.user:
            self.token = self.sign_in(self.user[0], self.user[2])
        else:
            self.token = self.session.get(f"{self.url}/auth/token", timeout=10).json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def sign_in(self, name: str, password: str) -> str:
        """A user's JWT, as the UI's sign-in form gets it."""
        answer = requests.post(f"{self.url}/auth/token", json={"username": name, "password": password}, timeout=10)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["access_token"])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def create_connection(self, connection_id: str, **fields: Any) -> None:
        """Save a connection the way the UI's form does: through ``POST /api/v2/connections``."""
        if isinstance(fields.get("extra"), dict):
            fields["extra"] = json.dumps(fields["extra"])
        self.session.delete(f"{self.url}/api/v2/connections/{connection_id}", timeout=10)
        response = self.session.post(
            f"{self.url}/api/v2/connections", json={"connection_id": connection_id, **fields}, timeout=10
        )
        assert response.status_code == 201, response.text


@contextmanager
def api_server(
    home: Path,
    env: dict[str, str] | None = None,
    user: tuple[str, str, str] | None = None,
    others: tuple[tuple[str, str, str], ...] = (),
) -> Iterator[ApiServer]:
    server = ApiServer(home, env, user, others)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium driven by chromedriver, recording the network through the performance log."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1600,1000")
    options.binary_location = shutil.which(CHROMIUM) or CHROMIUM
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which(CHROMEDRIVER) or CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def network_exchanges(driver: Any, url_part: str) -> list[dict[str, Any]]:
    """The requests whose URL contains ``url_part`` since the last call: method, body, status, answer."""
    exchanges: dict[str, dict[str, Any]] = {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent" and url_part in params["request"]["url"]:
            request = params["request"]
            exchanges[params["requestId"]] = {"method": request["method"], "body": request.get("postData")}
        elif message["method"] == "Network.responseReceived" and params.get("requestId") in exchanges:
            exchanges[params["requestId"]]["status"] = params["response"]["status"]
        elif message["method"] == "Network.loadingFinished" and params.get("requestId") in exchanges:
            answer = driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": params["requestId"]})
            exchanges[params["requestId"]]["answer"] = answer.get("body")
    return list(exchanges.values())


def until_settled(driver: Any, action: Callable[[Any], T | None], timeout: float = 60) -> T:
    """``action(driver)`` retried until it returns a value, through React's re-renders.

    The connections table re-renders while its queries settle, so an element found a moment ago can
    be detached ("stale") by the time it is checked or clicked; the action then finds it again.
    """
    from selenium.common.exceptions import (
        ElementClickInterceptedException,
        NoSuchElementException,
        StaleElementReferenceException,
    )

    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            result = action(driver)
        except (NoSuchElementException, StaleElementReferenceException, ElementClickInterceptedException) as error:
            last = error
        else:
            if result is not None:
                return result
        time.sleep(0.25)
    raise AssertionError(f"the page did not settle in {timeout:.0f} s (last: {last!r})")


def click(driver: Any, xpath: str, timeout: float = 60) -> None:
    """Click the element at ``xpath`` once it is shown and enabled, finding it again if React replaced it."""
    from selenium.webdriver.common.by import By

    def attempt(driver: Any) -> bool | None:
        element = driver.find_element(By.XPATH, xpath)
        if not (element.is_displayed() and element.is_enabled()):
            return None
        element.click()
        return True

    until_settled(driver, attempt, timeout)
