"""An event trigger that watches one login's campaigns with ``Changes.checkCampaigns``.

Behind an ``AssetWatcher``, it lets the sync DAG run when the account changed instead of on a clock.
A poll costs a few units (logged with each poll) and reads nothing but the list of changed campaigns; the
sync itself still reads everything since its own watermark, so a missed or repeated event loses nothing.
"""

from __future__ import annotations

import asyncio
import random
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from airflow_provider_direct.exceptions import DirectTransientError, DirectUnitsExhaustedError
from airflow_provider_direct.hooks.direct import DirectHook
from airflow_provider_direct.models.direct import ChangeKind

#: At most this many changed campaign ids ride in one event (the count is always there).
MAX_EVENT_IDS = 100
#: Sockets the triggers of one triggerer open to the API together.
POOL_SIZE = 32

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[Any]] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def shared_session() -> AsyncIterator[aiohttp.ClientSession]:
    """One HTTP pool per event loop: a thousand watchers share sockets instead of holding one each.

    Closed when its last watcher stops, so no loop ends with it open.
    """
    loop = asyncio.get_running_loop()
    entry = _sessions.get(loop)
    if entry is None or entry[0].closed:
        entry = _sessions[loop] = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=POOL_SIZE)), 0]
    entry[1] += 1
    try:
        yield entry[0]
    finally:
        entry[1] -= 1
        if entry[1] == 0:
            _sessions.pop(loop, None)
            await entry[0].close()


class DirectChangesTrigger(BaseEventTrigger):
    """
    Fire an event each time campaigns of ``client_login`` changed since the last poll.

    The cursor (the API's own ``Timestamp``) is kept in the watched asset's state store when the triggerer
    provides one, so a restarted triggerer goes on from where it was; a change is reported at least once.
    Without a stored cursor or ``since``, the first poll only takes the server time (one unit).

    Kwargs are plain JSON: the connection id, never its token.

    :param client_login: the advertiser (Client-Login) to watch.
    :param direct_conn_id: the ``yandex_direct`` connection, fetched the async way.
    :param poll_interval: seconds between polls (each costs units: keep it in minutes in production).
    :param change_kinds: which of ``SELF``, ``CHILDREN``, ``STAT`` count as a change.
    :param since: a Timestamp (``YYYY-MM-DDThh:mm:ssZ``) to watch from when no cursor is stored.
    """

    def __init__(
        self,
        client_login: str,
        direct_conn_id: str = DirectHook.default_conn_name,
        poll_interval: float = 300.0,
        change_kinds: Sequence[str] = (ChangeKind.SELF.value, ChangeKind.CHILDREN.value),
        since: str | None = None,
    ) -> None:
        super().__init__()
        if poll_interval <= 0:
            raise ValueError("poll_interval must be positive")
        kinds = [ChangeKind(k).value for k in change_kinds]  # an unknown kind is refused at parse time
        if not kinds:
            raise ValueError("change_kinds names none of SELF, CHILDREN, STAT")
        self.client_login = client_login
        self.direct_conn_id = direct_conn_id
        self.poll_interval = poll_interval
        self.change_kinds = kinds
        self.since = since

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "client_login": self.client_login,
                "direct_conn_id": self.direct_conn_id,
                "poll_interval": self.poll_interval,
                "change_kinds": list(self.change_kinds),
                "since": self.since,
            },
        )

    @property
    def cursor_key(self) -> str:
        return f"changes_cursor/{self.client_login}"

    async def _stored_cursor(self) -> str | None:
        store = getattr(self, "asset_state_store", None)
        if store is None:
            return None
        try:
            value = await store.aget(self.cursor_key)
        except ValueError:  # watching several assets: no single place to keep the cursor
            return None
        return str(value) if value else None

    async def _store_cursor(self, cursor: str) -> None:
        store = getattr(self, "asset_state_store", None)
        if store is None:
            return
        try:
            await store.aset(self.cursor_key, cursor)
        except ValueError:
            return

    def _units(self, what: str, reading: Any) -> None:
        if reading is not None:
            self.log.info(
                "Changes.%s [%s]: %d units (rest %d of %d)",
                what,
                self.client_login,
                reading.spent,
                reading.rest,
                reading.limit,
            )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        async with shared_session() as session:
            async for event in self._watch(session):
                yield event

    async def _watch(self, session: aiohttp.ClientSession) -> AsyncIterator[TriggerEvent]:
        hook = DirectHook(self.direct_conn_id, client_login=self.client_login, max_retries=2)
        cursor = await self._stored_cursor() or self.since
        if cursor is None:
            now, reading = await hook.acheck_dictionaries(session=session)
            self._units("checkDictionaries", reading)
            cursor = now.Timestamp
            await self._store_cursor(cursor)
            await asyncio.sleep(self.poll_interval)
        kinds = set(self.change_kinds)
        boundary: dict[int, set[str]] = {}
        failures = 0
        while True:
            try:
                answer, reading = await hook.acheck_campaigns(cursor, session=session)
            except (DirectTransientError, DirectUnitsExhaustedError) as exc:
                # A blip or an empty units budget never ends the watch: wait longer, then ask again.
                failures += 1
                delay = min(self.poll_interval * 2 ** min(failures, 5), 3600.0) * (0.5 + random.random() / 2)
                self.log.warning(
                    "Changes.checkCampaigns [%s] failed (%s); next try in %.0fs", self.client_login, exc, delay
                )
                await asyncio.sleep(delay)
                continue
            failures = 0
            self._units("checkCampaigns", reading)
            found = {
                c.CampaignId: kinds.intersection(k.value for k in c.ChangesIn)
                for c in answer.Campaigns
                if kinds.intersection(k.value for k in c.ChangesIn)
            }
            # The Timestamp is inclusive (a change at second s is reported for every Timestamp <= s), so the
            # last answer's changes of its own second come again: those already reported raise no new event.
            changed = {cid: ks for cid, ks in found.items() if not ks <= boundary.get(cid, set())}
            if changed:
                ids = sorted(changed)
                yield TriggerEvent(
                    {
                        "client_login": self.client_login,
                        "since": cursor,
                        "until": answer.Timestamp,
                        "campaigns": len(ids),
                        "campaign_ids": ids[:MAX_EVENT_IDS],
                        "changes_in": sorted(set().union(*changed.values())),
                    }
                )
            boundary = found
            # After the event was handed over: a triggerer that dies before this reports the change again.
            cursor = answer.Timestamp
            await self._store_cursor(cursor)
            await asyncio.sleep(self.poll_interval)
