"""The agency's client list: read whole each run, kept in ``direct_agency_clients``, and the logins to sync.

AgencyClients.get is about the agency itself, so it is sent without ``Client-Login`` and is not part of
any one login's sync. The run that decides which logins to sync reads it anyway; keeping the whole answer
costs nothing more. Rows live under the agency's login (the answer's ``Units-Used-Login``), and clients the
agency no longer serves are soft-deleted, as any complete listing does.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_direct.hooks.direct import DirectHook
from airflow_provider_direct.sync.catalog import CLIENT_FIELDS
from airflow_provider_direct.warehouse.account_tables import AGENCY_CLIENTS
from airflow_provider_direct.warehouse.store import DirectWarehouse, TableState, utcnow


@dataclass
class AgencyClientsResult:
    """What one listing found: the agency's login, the clients to sync, and the table's changes."""

    agency_login: str
    logins: list[str] = field(default_factory=list)
    upserted: int = 0
    deleted: int = 0
    units: int = 0


def sync_agency_clients(
    hook: DirectHook, warehouse: DirectWarehouse, now: dt.datetime | None = None
) -> AgencyClientsResult:
    """Read every client of the token's agency (archived ones too) into the warehouse, in one transaction.

    Returns the logins of the clients that are not archived: those a sync run works on.
    """
    warehouse.migrate()
    now = now or utcnow()
    pages = hook.iter_metered_pages(
        "agencyclients",
        {},  # every client, archived or not: the table keeps them all
        CLIENT_FIELDS,
        client_login="",  # never a Client-Login: the call is about the agency itself
    )
    first, reading = next(pages)
    agency = (reading.login if reading is not None else None) or hook.direct_conn_id
    result = AgencyClientsResult(agency_login=agency)

    def clients() -> Iterator[dict[str, Any]]:
        for page, page_reading in itertools.chain([(first, reading)], pages):
            result.units += page_reading.spent if page_reading is not None else 0
            for client in page.get(AGENCY_CLIENTS.result_key) or ():
                if client.get("Archived") != "YES":
                    result.logins.append(client["Login"])
                yield client

    with warehouse.transaction() as tx:
        result.upserted = len(tx.upsert_rows(AGENCY_CLIENTS, agency, clients(), now))
        result.deleted = tx.soft_delete_rows(AGENCY_CLIENTS, agency, now, unseen_since=now)
        tx.write_table_state(TableState(agency, AGENCY_CLIENTS.table, refreshed_at=now, checked_at=now))
    return result
