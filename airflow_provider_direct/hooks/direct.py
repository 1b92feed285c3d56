"""Hook for the Yandex Direct API v5 (JSON).

One ``call()`` posts the ``{"method", "params"}`` envelope; on top of it sit the ``get`` pager (one
page in memory at a time), the id chunking the API's caps demand, and the Changes service helpers.
Every answer's ``Units`` header goes into :attr:`DirectHook.units`; every API error becomes a typed
exception from :mod:`airflow_provider_direct.exceptions`; transient failures are retried with
bounded exponential backoff and jitter.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from itertools import product
from typing import TYPE_CHECKING, Any

import aiohttp
import requests
import tenacity
from airflow.providers.common.compat.connection import get_async_connection
from airflow.providers.http.hooks.http import HttpHook
from airflow.sdk.log import mask_secret
from airflow.utils.strings import to_boolean

from airflow_provider_direct.exceptions import (
    DirectAuthError,
    DirectError,
    DirectRequestError,
    DirectTransientError,
    DirectUnitsExhaustedError,
    DirectUnprocessedError,
    envelope_error,
    error_from_envelope,
    parse_error_body,
)
from airflow_provider_direct.models.direct import (
    AgencyClient,
    CampaignStat,
    CheckCampaignsResult,
    CheckDictionariesResult,
    CheckIds,
    CheckModified,
    CheckResult,
)
from airflow_provider_direct.utils import jsonfast
from airflow_provider_direct.utils.units import UnitsLedger, UnitsReading

if TYPE_CHECKING:
    from airflow.sdk import Connection

DEFAULT_BASE_URL = "https://api.direct.yandex.com"
SANDBOX_BASE_URL = "https://api-sandbox.direct.yandex.com"
#: The JSON API's addresses: ``v501`` serves everything ``v5`` does plus unified campaigns and groups,
#: which text, dynamic and smart campaigns are being upgraded to and which ``v5`` does not return
#: (https://yandex.com/dev/direct/doc/en/campaigns/get-unified-campaign). So v501 is the default.
API_VERSIONS = ("v5", "v501")
DEFAULT_API_VERSION = "v501"
#: A ``get`` answers at most this many objects per call.
MAX_PAGE_LIMIT = 10_000
#: "A maximum of five simultaneous API requests are allowed per advertiser" (error 506 beyond):
#: https://yandex.com/dev/direct/doc/en/concepts/units. One hook never has more in flight.
MAX_CONCURRENT_REQUESTS = 5
#: How long an async caller (a trigger) reuses the connection it fetched before reading it again.
ASYNC_CONNECTION_TTL = 300.0

#: SelectionCriteria id-list caps of the ``get`` methods; the hook splits longer lists itself.
GET_ID_CAPS: dict[str, dict[str, int]] = {
    "campaigns": {"Ids": 1000},
    "adgroups": {"Ids": 10_000, "CampaignIds": 10},
    "ads": {"Ids": 10_000, "AdGroupIds": 1000, "CampaignIds": 10},
    "keywords": {"Ids": 10_000, "AdGroupIds": 1000, "CampaignIds": 10},
}
#: ``Changes.check`` takes exactly one of these id lists, each capped.
CHECK_ID_CAPS: dict[str, int] = {"CampaignIds": 3000, "AdGroupIds": 10_000, "AdIds": 50_000}
#: Where each service's ``get`` puts its objects.
RESULT_KEYS: dict[str, str] = {
    "campaigns": "Campaigns",
    "adgroups": "AdGroups",
    "ads": "Ads",
    "keywords": "Keywords",
    "agencyclients": "Clients",
}

_TRANSPORT_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def https_base_url(connection: Any, default: str) -> str:
    """Base URL of an HTTPS-only API: the connection's host (a bare host means https), else ``default``.

    Plain ``http`` connections default to http; these APIs never do.
    """
    host = (connection.host or default).rstrip("/")
    if "://" not in host:
        host = f"https://{host}"
    return f"{host}:{connection.port}" if connection.port else host


def chunked(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    """Split ``ids`` into lists of at most ``size`` (the API refuses longer ones)."""
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def unique(ids: Iterable[int]) -> list[int]:
    """Drop repeated ids, keeping first-seen order, so chunks never spend units twice."""
    return list(dict.fromkeys(ids))


class DirectHook(HttpHook):
    """
    Interact with the Yandex Direct API v5 (JSON).

    The ``yandex_direct`` connection holds the OAuth token as password, an optional default
    ``Client-Login`` as login (agency tokens), and the API base URL as host (production by
    default; the sandbox or the bundled emulator work too). Extras: ``use_operator_units``,
    ``language``, ``timeout``, ``max_retries``.

    :param direct_conn_id: the ``yandex_direct`` connection id.
    :param client_login: Client-Login for every call of this hook; overrides the connection login.
    :param use_operator_units: agency tokens: spend the agency's units; overrides the connection extra.
    :param max_retries: retries of a transient failure; overrides the connection extra (default 5).
    :param retry_min_wait: first backoff delay in seconds (doubles each retry, with jitter).
    :param retry_max_wait: cap of one backoff delay in seconds.
    :param page_limit: ``Page.Limit`` of ``get`` calls (at most 10 000).
    :param max_unprocessed_rounds: how many times ``check`` re-sends ``Unprocessed`` ids.
    :param api_version: ``v501`` (default: unified campaigns included) or ``v5``; overrides the connection extra.
    """

    conn_name_attr = "direct_conn_id"
    default_conn_name = "yandex_direct_default"
    conn_type = "yandex_direct"
    hook_name = "Yandex Direct"
    default_host = DEFAULT_BASE_URL

    def __init__(
        self,
        direct_conn_id: str = default_conn_name,
        client_login: str | None = None,
        *,
        use_operator_units: bool | None = None,
        max_retries: int | None = None,
        retry_min_wait: float = 1.0,
        retry_max_wait: float = 60.0,
        page_limit: int = MAX_PAGE_LIMIT,
        max_unprocessed_rounds: int = 10,
        api_version: str | None = None,
    ) -> None:
        super().__init__(method="POST", http_conn_id=direct_conn_id)
        if api_version is not None and api_version not in API_VERSIONS:
            raise ValueError(f"api_version must be one of {API_VERSIONS}, got {api_version!r}")
        self._api_version = api_version
        if not 1 <= page_limit <= MAX_PAGE_LIMIT:
            raise ValueError(f"page_limit must be within 1..{MAX_PAGE_LIMIT}, got {page_limit}")
        self.direct_conn_id = direct_conn_id
        self.client_login = client_login
        self._use_operator_units = use_operator_units
        self._max_retries = max_retries
        self.retry_min_wait = retry_min_wait
        self.retry_max_wait = retry_max_wait
        self.page_limit = page_limit
        self.max_unprocessed_rounds = max_unprocessed_rounds
        self.units = UnitsLedger()
        self._session: requests.Session | None = None
        self._async_conn: tuple[Any, dict[str, Any], float] | None = None
        self._in_flight = threading.BoundedSemaphore(MAX_CONCURRENT_REQUESTS)
        self._session_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} conn_id={self.direct_conn_id!r} client_login={self.client_login!r}>"

    # ------------------------------------------------------------------ connection and session

    @cached_property
    def connection(self) -> Connection:
        conn = self.get_connection(self.direct_conn_id)
        if conn.password:
            mask_secret(conn.password)
        return conn

    @cached_property
    def extras(self) -> dict[str, Any]:
        return dict(self.connection.extra_dejson or {})

    @property
    def default_client_login(self) -> str | None:
        """The Client-Login sent when a call names none: the hook's, else the connection's."""
        return self.client_login or self.connection.login or None

    @property
    def use_operator_units(self) -> bool:
        if self._use_operator_units is not None:
            return self._use_operator_units
        return to_boolean(str(self.extras.get("use_operator_units", False)))

    @property
    def max_retries(self) -> int:
        if self._max_retries is not None:
            return self._max_retries
        return int(self.extras.get("max_retries", 5))

    @property
    def api_version(self) -> str:
        """``v5`` or ``v501``: which address the JSON services are called at."""
        version = self._api_version or str(self.extras.get("api_version") or DEFAULT_API_VERSION)
        if version not in API_VERSIONS:
            raise ValueError(f"connection extra api_version must be one of {API_VERSIONS}, got {version!r}")
        return version

    @property
    def timeout(self) -> float:
        return float(self.extras.get("timeout", 300))

    @property
    def language(self) -> str:
        return str(self.extras.get("language") or "en")

    def _set_base_url(self, connection: Any) -> None:
        self.base_url = https_base_url(connection, self.default_host)
        self._base_url_initialized = True

    def get_conn(
        self, headers: dict[Any, Any] | None = None, extra_options: dict[str, Any] | None = None
    ) -> requests.Session:
        """Return one pooled session carrying the fixed headers (token, language, gzip).

        Built once per hook: paging a million keywords must not open a connection per page. The
        connection's extras are settings here, not headers, so the parent's extras-to-headers
        mapping is deliberately not used.
        """
        with self._session_lock:  # threads of one snapshot share one pooled session
            if self._session is None:
                self._session = self._new_session()
        if headers:
            self._session.headers.update(headers)
        return self._session

    def _new_session(self) -> requests.Session:
        """One pooled session with the fixed headers: token, language, gzip."""
        conn = self.connection
        self._set_base_url(conn)
        session = requests.Session()
        session.headers.update(self._fixed_headers(conn, self.extras))
        session.headers["Accept-Encoding"] = "gzip"
        return self._configure_session_from_mount_adapters(session)

    def _fixed_headers(self, conn: Any, extras: Mapping[str, Any]) -> dict[str, str]:
        """Every call's headers: the token, the language and, for agencies, whose units to spend."""
        if not conn.password:
            raise DirectAuthError(
                "The connection has no OAuth token",
                error_code=53,
                error_detail=f"set the password of connection {self.direct_conn_id!r}",
            )
        headers = {
            "Authorization": f"Bearer {conn.password}",
            "Accept-Language": str(extras.get("language") or "en"),
            "Content-Type": "application/json; charset=utf-8",
        }
        operator_units = self._use_operator_units
        if operator_units is None:
            operator_units = to_boolean(str(extras.get("use_operator_units", False)))
        if operator_units:
            headers["Use-Operator-Units"] = "true"
        return headers

    def close(self) -> None:
        """Release pooled sockets."""
        if self._session is not None:
            self._session.close()
            self._session = None

    # ------------------------------------------------------------------ one call

    def _retry_policy(self, max_retries: int) -> dict[str, Any]:
        """Bounded exponential backoff with jitter, for transient failures only (sync and async calls)."""
        return {
            "stop": tenacity.stop_after_attempt(max_retries + 1),
            "wait": tenacity.wait_exponential_jitter(
                multiplier=self.retry_min_wait, max=self.retry_max_wait, jitter=self.retry_min_wait
            ),
            "retry": tenacity.retry_if_exception_type(DirectTransientError),
            "before_sleep": self._log_retry,
            "reraise": True,
        }

    def _retrying(self) -> tenacity.Retrying:
        return tenacity.Retrying(**self._retry_policy(self.max_retries))

    def _log_retry(self, state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        self.log.warning(
            "Transient failure, retry %d of %d in %.1fs: %s",
            state.attempt_number,
            self.max_retries,
            delay,
            error,
        )

    def call(
        self,
        service: str,
        method: str,
        params: dict[str, Any] | None = None,
        client_login: str | None = None,
        version: str | None = None,
    ) -> dict[str, Any]:
        """Call ``service.method`` and return the answer's ``result``.

        Transient failures are retried (bounded); units exhaustion raises
        :class:`~airflow_provider_direct.exceptions.DirectUnitsExhaustedError` at once.
        ``version`` picks the address for this call (``v5`` / ``v501``; default :attr:`api_version`).
        ``client_login=""`` sends no Client-Login even when the hook or the connection names one.
        """
        return self.call_metered(service, method, params, client_login=client_login, version=version)[0]

    def call_metered(
        self,
        service: str,
        method: str,
        params: dict[str, Any] | None = None,
        client_login: str | None = None,
        version: str | None = None,
    ) -> tuple[dict[str, Any], UnitsReading | None]:
        """:meth:`call`, plus the ``Units`` reading of the answer that succeeded.

        Threads sharing one hook cannot tell their own call's price from the running ledger; a
        units budget settles each call with this reading instead.
        """
        if version is not None and version not in API_VERSIONS:
            raise ValueError(f"version must be one of {API_VERSIONS}, got {version!r}")
        body = json.dumps({"method": method, "params": params or {}}, ensure_ascii=False).encode()
        # None: the hook's or the connection's login. "": none at all (AgencyClients is the agency's own call).
        login = self.default_client_login if client_login is None else client_login or None
        path = f"json/{version or self.api_version}/{service}"
        for attempt in self._retrying():
            with attempt:
                return self._post(service, method, body, login, path)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    def _post(
        self, service: str, method: str, body: bytes, login: str | None, path: str
    ) -> tuple[dict[str, Any], UnitsReading | None]:
        session = self.get_conn()
        headers = {"Client-Login": login} if login else None
        url = f"{self.base_url}/{path}"
        try:
            with self._in_flight:
                response = session.post(url, data=body, headers=headers, timeout=(10, self.timeout))
                content = response.content
        except _TRANSPORT_ERRORS as exc:
            raise DirectTransientError(
                f"{type(exc).__name__} talking to the API", service=service, method=method
            ) from exc
        request_id = response.headers.get("RequestId")
        reading = UnitsReading.parse(response.headers.get("Units"), response.headers.get("Units-Used-Login"))
        self.units.record(reading, request_id)
        self.log.info(
            "Direct %s.%s%s: HTTP %d, units %s, RequestId %s",
            service,
            method,
            f" [{login}]" if login else "",
            response.status_code,
            f"{reading.spent}/{reading.rest}/{reading.limit} ({reading.login})" if reading else "n/a",
            request_id,
        )
        return self._parse(response.status_code, content, service, method, request_id), reading

    def _parse(self, status: int, content: bytes, service: str, method: str, request_id: str | None) -> dict[str, Any]:
        try:
            payload = jsonfast.loads(content)
        except ValueError:
            payload = None
        error = envelope_error(payload) if payload is not None else parse_error_body(content)
        if error is not None:
            raise error_from_envelope(error, http_status=status, service=service, method=method, ledger=self.units)
        if status >= 500 or status == 429:
            raise DirectTransientError(
                f"HTTP {status} from the API: {_snippet(content)}",
                http_status=status,
                request_id=request_id,
                service=service,
                method=method,
            )
        if status >= 400:
            raise DirectRequestError(
                f"HTTP {status}: {_snippet(content)}",
                http_status=status,
                request_id=request_id,
                service=service,
                method=method,
            )
        if not isinstance(payload, dict) or not isinstance(payload.get("result"), dict):
            # A 200 whose body is cut short, HTML or otherwise not the envelope is never success.
            raise DirectTransientError(
                f"HTTP {status} with an unreadable body ({len(content)} bytes): {_snippet(content)}",
                http_status=status,
                request_id=request_id,
                service=service,
                method=method,
            )
        return payload["result"]

    # ------------------------------------------------------------------ async calls (the triggerer)

    async def acall_metered(
        self,
        service: str,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: aiohttp.ClientSession,
        client_login: str | None = None,
    ) -> tuple[dict[str, Any], UnitsReading | None]:
        """:meth:`call_metered` on an event loop: the connection is fetched the async way.

        ``session`` is the caller's (a triggerer's triggers share one pool); the token goes in this
        request's headers only. Errors are the same typed exceptions, transient ones retried the same way.
        """
        conn, extras = await self._aconnection()
        headers = self._fixed_headers(conn, extras)
        self._set_base_url(conn)
        login = (client_login or self.client_login or conn.login) or None
        if login:
            headers["Client-Login"] = login
        version = self._api_version or str(extras.get("api_version") or DEFAULT_API_VERSION)
        url = f"{self.base_url}/json/{version}/{service}"
        body = json.dumps({"method": method, "params": params or {}}, ensure_ascii=False).encode()
        timeout = aiohttp.ClientTimeout(total=float(extras.get("timeout", 300)))
        retries = self._max_retries if self._max_retries is not None else int(extras.get("max_retries", 5))
        try:
            return await self._apost(service, method, url, body, headers, timeout, retries, session)
        except DirectAuthError:
            self._async_conn = None  # a rotated token: the next call reads the connection again
            raise

    async def _aconnection(self) -> tuple[Any, dict[str, Any]]:
        """The connection, fetched the async way at most every ``ASYNC_CONNECTION_TTL`` seconds.

        A watcher polls for weeks: reading the connection on every poll cost most of a poll's CPU, and
        re-reading it now and then (and after an auth error) still picks up a rotated token.
        """
        cached = self._async_conn
        if cached is None or time.monotonic() - cached[2] > ASYNC_CONNECTION_TTL:
            conn = await get_async_connection(self.direct_conn_id, hook=self)
            if conn.password:
                mask_secret(conn.password)
            cached = self._async_conn = (conn, dict(conn.extra_dejson or {}), time.monotonic())
        return cached[0], cached[1]

    async def _apost(
        self,
        service: str,
        method: str,
        url: str,
        body: bytes,
        headers: dict[str, str],
        timeout: aiohttp.ClientTimeout,
        retries: int,
        session: aiohttp.ClientSession,
    ) -> tuple[dict[str, Any], UnitsReading | None]:
        """One try first, tenacity only after a transient failure: building its retrier cost a poll ~0.2 ms."""

        async def once() -> tuple[dict[str, Any], UnitsReading | None]:
            try:
                async with session.post(url, data=body, headers=headers, timeout=timeout) as response:
                    content = await response.read()
                    status, answer_headers = response.status, response.headers
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise DirectTransientError(
                    f"{type(exc).__name__} talking to the API", service=service, method=method
                ) from exc
            request_id = answer_headers.get("RequestId")
            reading = UnitsReading.parse(answer_headers.get("Units"), answer_headers.get("Units-Used-Login"))
            self.units.record(reading, request_id)
            return self._parse(status, content, service, method, request_id), reading

        try:
            return await once()
        except DirectTransientError as exc:
            if retries <= 0:
                raise
            self.log.warning("Transient failure, retrying (%d retries left): %s", retries, exc)
        await asyncio.sleep(self.retry_min_wait)
        async for attempt in tenacity.AsyncRetrying(**self._retry_policy(retries - 1)):
            with attempt:
                return await once()
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    async def acheck_campaigns(
        self, timestamp: str, *, session: aiohttp.ClientSession, client_login: str | None = None
    ) -> tuple[CheckCampaignsResult, UnitsReading | None]:
        """:meth:`check_campaigns` on an event loop, with the answer's ``Units`` reading."""
        result, reading = await self.acall_metered(
            "changes", "checkCampaigns", {"Timestamp": timestamp}, session=session, client_login=client_login
        )
        return CheckCampaignsResult.model_validate(result), reading

    async def acheck_dictionaries(
        self, *, session: aiohttp.ClientSession, client_login: str | None = None
    ) -> tuple[CheckDictionariesResult, UnitsReading | None]:
        """The server time, on an event loop (one unit): where a change watch starts."""
        result, reading = await self.acall_metered(
            "changes", "checkDictionaries", {}, session=session, client_login=client_login
        )
        return CheckDictionariesResult.model_validate(result), reading

    # ------------------------------------------------------------------ get: chunking and paging

    def iter_pages(
        self,
        service: str,
        selection_criteria: dict[str, Any],
        field_names: Sequence[str],
        *,
        extra_params: dict[str, Any] | None = None,
        client_login: str | None = None,
        id_caps: Mapping[str, int] | None = None,
        version: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield every ``result`` page of ``service.get`` for the selection.

        Over-cap id lists are split into several selections; each is paged with
        ``Offset = LimitedBy`` until ``LimitedBy`` is absent. Only one page is alive at a time.
        ``id_caps`` gives the caps of a service the hook does not list in ``GET_ID_CAPS``.
        """
        for result, _reading in self.iter_metered_pages(
            service,
            selection_criteria,
            field_names,
            extra_params=extra_params,
            client_login=client_login,
            id_caps=id_caps,
            version=version,
        ):
            yield result

    def iter_metered_pages(
        self,
        service: str,
        selection_criteria: dict[str, Any] | None,
        field_names: Sequence[str] | None,
        *,
        extra_params: dict[str, Any] | None = None,
        client_login: str | None = None,
        id_caps: Mapping[str, int] | None = None,
        version: str | None = None,
        page_limit: Callable[[], int] | None = None,
    ) -> Iterator[tuple[dict[str, Any], UnitsReading | None]]:
        """:meth:`iter_pages` with each page's ``Units`` reading, and an optional budget per page.

        ``page_limit`` is asked before every call for that call's ``Page.Limit``; 0 stops before
        the call, so a units budget decides page by page how many objects it can still pay for.
        ``field_names=None`` sends no ``FieldNames`` (Dictionaries.get has none).
        """
        for criteria in self._split_criteria(service, selection_criteria, id_caps):
            offset = 0
            while True:
                limit = self.page_limit if page_limit is None else min(self.page_limit, page_limit())
                if limit <= 0:
                    return
                params: dict[str, Any] = {
                    **({"SelectionCriteria": criteria} if criteria is not None else {}),
                    **({"FieldNames": list(field_names)} if field_names is not None else {}),
                    **(extra_params or {}),
                    "Page": {"Limit": limit, "Offset": offset},
                }
                result, reading = self.call_metered(service, "get", params, client_login=client_login, version=version)
                limited_by = result.get("LimitedBy")
                yield result, reading
                if limited_by is None:
                    break
                if int(limited_by) <= offset:
                    raise DirectRequestError(
                        f"LimitedBy {limited_by} does not advance past Offset {offset}",
                        service=service,
                        method="get",
                    )
                offset = int(limited_by)

    def iter_objects(
        self,
        service: str,
        selection_criteria: dict[str, Any],
        field_names: Sequence[str],
        *,
        extra_params: dict[str, Any] | None = None,
        client_login: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield every object of ``service.get`` (plain dicts: the whole object, unknown fields too)."""
        key = RESULT_KEYS[service]
        for page in self.iter_pages(
            service,
            selection_criteria,
            field_names,
            extra_params=extra_params,
            client_login=client_login,
        ):
            yield from page.get(key) or ()

    def _split_criteria(
        self, service: str, criteria: dict[str, Any] | None, id_caps: Mapping[str, int] | None = None
    ) -> Iterator[dict[str, Any] | None]:
        if criteria is None:  # services whose SelectionCriteria is optional: none selects everything
            yield None
            return
        caps = GET_ID_CAPS.get(service, {}) if id_caps is None else id_caps
        capped = [name for name in caps if isinstance(criteria.get(name), (list, tuple))]
        if any(not criteria[name] for name in capped):
            return  # an empty id list selects nothing; the API would reject it
        chunk_lists = [list(chunked(unique(criteria[name]), caps[name])) for name in capped]
        for combo in product(*chunk_lists):
            yield {**criteria, **dict(zip(capped, combo, strict=True))}

    # ------------------------------------------------------------------ Changes service

    def check_dictionaries(
        self, timestamp: str | None = None, client_login: str | None = None
    ) -> CheckDictionariesResult:
        """Server time (without ``timestamp``): the safe bootstrap watermark of a first sync."""
        params = {"Timestamp": timestamp} if timestamp else {}
        result = self.call("changes", "checkDictionaries", params, client_login=client_login)
        return CheckDictionariesResult.model_validate(result)

    def check_campaigns(self, timestamp: str, client_login: str | None = None) -> CheckCampaignsResult:
        """Campaigns changed since ``timestamp`` (SELF / CHILDREN / STAT) and the new server time."""
        result = self.call("changes", "checkCampaigns", {"Timestamp": timestamp}, client_login=client_login)
        return CheckCampaignsResult.model_validate(result)

    def check(
        self,
        timestamp: str,
        field_names: Sequence[str],
        *,
        campaign_ids: Sequence[int] | None = None,
        ad_group_ids: Sequence[int] | None = None,
        ad_ids: Sequence[int] | None = None,
        client_login: str | None = None,
    ) -> CheckResult:
        """``Changes.check`` over any number of ids, merged into one answer.

        Ids are chunked to the API caps. ``Unprocessed`` ids are re-sent with the SAME timestamp
        until none remain (at most ``max_unprocessed_rounds`` rounds), so no change is skipped.
        The merged ``Timestamp`` is the earliest of the answers: the safe one to resume from.
        """
        given = {
            "CampaignIds": campaign_ids,
            "AdGroupIds": ad_group_ids,
            "AdIds": ad_ids,
        }
        kinds = [name for name, ids in given.items() if ids is not None]
        if len(kinds) != 1:
            raise ValueError("Changes.check takes exactly one of campaign_ids, ad_group_ids, ad_ids")
        kind = kinds[0]
        pending = unique(given[kind] or [])
        modified = _IdSets()
        not_found = _IdSets()
        stats: dict[int, str] = {}
        timestamps: list[str] = []
        rounds = 0
        while pending:
            if rounds > self.max_unprocessed_rounds:
                raise DirectUnprocessedError(
                    f"{len(pending)} {kind} stayed Unprocessed after {self.max_unprocessed_rounds} re-sends",
                    service="changes",
                    method="check",
                )
            if rounds:
                time.sleep(min(self.retry_max_wait, self.retry_min_wait * rounds))
            unprocessed: list[int] = []
            for chunk in chunked(pending, CHECK_ID_CAPS[kind]):
                params = {kind: chunk, "FieldNames": list(field_names), "Timestamp": timestamp}
                answer = CheckResult.model_validate(self.call("changes", "check", params, client_login=client_login))
                if answer.Timestamp:
                    timestamps.append(answer.Timestamp)
                modified.add(answer.Modified)
                not_found.add(answer.NotFound)
                for stat in answer.Modified.CampaignsStat:
                    known = stats.get(stat.CampaignId)
                    stats[stat.CampaignId] = min(known, stat.BorderDate) if known else stat.BorderDate
                unprocessed.extend(getattr(answer.Unprocessed, kind))
            pending = unique(unprocessed)
            rounds += 1
        return CheckResult(
            Modified=CheckModified(
                **modified.as_fields(),
                CampaignsStat=[CampaignStat(CampaignId=c, BorderDate=d) for c, d in stats.items()],
            ),
            NotFound=CheckIds(**not_found.as_fields()),
            Unprocessed=CheckIds(),
            Timestamp=min(timestamps) if timestamps else timestamp,
        )

    # ------------------------------------------------------------------ agency

    def iter_agency_clients(self) -> Iterator[AgencyClient]:
        """Every advertiser served by the agency that owns the token (AgencyClients.get)."""
        pages = self.iter_pages(
            "agencyclients",
            {"Archived": "NO"},
            ["Login", "ClientId", "ClientInfo"],
            client_login="",  # never a Client-Login: the call is about the agency itself
        )
        for page in pages:
            for client in page.get("Clients") or ():
                yield AgencyClient.model_validate(client)

    # ------------------------------------------------------------------ connection test

    def test_connection(self) -> tuple[bool, str]:
        """One cheap real call (Changes.checkDictionaries) that reports token / login problems plainly."""
        try:
            answer = self.check_dictionaries()
        except DirectUnitsExhaustedError as exc:
            return True, f"Token and Client-Login accepted, but the units balance is spent: {exc}"
        except DirectError as exc:
            return False, str(exc)
        except Exception as exc:  # a test must answer, whatever broke
            return False, f"{type(exc).__name__}: {exc}"
        finally:
            self.close()
        login = self.default_client_login or "the token's own account"
        balance = f"; units left {self.units.rest}/{self.units.limit}" if self.units.limit else ""
        return True, f"Connected to {self.base_url} for {login}; server time {answer.Timestamp}{balance}"


class _IdSets:
    """Ordered, de-duplicated union of the id lists of several ``Changes.check`` answers."""

    NAMES = ("CampaignIds", "AdGroupIds", "AdIds")

    def __init__(self) -> None:
        self._ids: dict[str, dict[int, None]] = {name: {} for name in self.NAMES}

    def add(self, ids: CheckIds) -> None:
        for name in self.NAMES:
            self._ids[name].update(dict.fromkeys(getattr(ids, name)))

    def as_fields(self) -> dict[str, list[int]]:
        return {name: list(values) for name, values in self._ids.items()}


def _snippet(content: bytes, limit: int = 200) -> str:
    text = content[:limit].decode("utf-8", "replace").strip().replace("\n", " ")
    return text + ("…" if len(content) > limit else "") if text else "(empty body)"
