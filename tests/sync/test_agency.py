"""The agency's client list against the emulator, into real SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorConfig
from airflow_provider_direct.emulator.truth import service_items
from airflow_provider_direct.hooks.direct import DirectHook
from airflow_provider_direct.sync.agency import sync_agency_clients
from airflow_provider_direct.utils.logins import resolve_client_logins
from airflow_provider_direct.warehouse.account_tables import AGENCY_CLIENTS
from airflow_provider_direct.warehouse.store import DirectWarehouse
from tests.conftest import EMULATOR_SHAPE

pytestmark = pytest.mark.integration

AGENCY = "agency-login"  # the emulator's agency: the Units-Used-Login of AgencyClients.get


def truth(admin: EmulatorAdmin, logins: list[str]) -> dict[str, dict]:
    """AgencyClients.get answers each client's Clients.get object."""
    return {c["Login"]: c for login in logins for c in service_items(admin, login, "clients", "Clients")}


def test_the_whole_client_list_is_kept_under_the_agency(
    hook: DirectHook, warehouse: DirectWarehouse, emulator_admin: EmulatorAdmin
) -> None:
    result = sync_agency_clients(hook, warehouse)
    logins = ["client-1", "client-2", "client-3"]
    assert result.agency_login == AGENCY and result.logins == logins and result.units > 0
    rows = {o["Login"]: o for o in warehouse.live_objects(AGENCY_CLIENTS, AGENCY)}
    assert rows == truth(emulator_admin, logins)
    assert warehouse.read_table_states(AGENCY)[AGENCY_CLIENTS.table].refreshed_at is not None
    # The agency stops serving a client: its row is soft-deleted by the next complete listing.
    shape = {**EMULATOR_SHAPE, "agency_clients": ["client-1", "client-3"]}
    emulator_admin.reset(**EmulatorConfig(**shape).model_dump(mode="json"))
    again = sync_agency_clients(hook, warehouse)
    assert again.logins == ["client-1", "client-3"] and again.deleted == 1
    assert {o["Login"] for o in warehouse.live_objects(AGENCY_CLIENTS, AGENCY)} == {"client-1", "client-3"}
    assert warehouse.counts(AGENCY)[AGENCY_CLIENTS.table] == {"live": 2, "deleted": 1}


def test_the_dag_logins_come_from_the_same_call(
    emulator_conn: str, make_connection: object, tmp_path: object, emulator_admin: EmulatorAdmin
) -> None:
    conn_id = make_connection("direct_agency_wh", conn_type="sqlite", host=str(tmp_path / "wh.db"))  # type: ignore[operator]
    assert resolve_client_logins(emulator_conn, None, warehouse_conn_id=conn_id) == ["client-1", "client-2", "client-3"]
    warehouse = DirectWarehouse.from_conn_id(conn_id)
    assert warehouse.counts(AGENCY)[AGENCY_CLIENTS.table]["live"] == 3
    assert resolve_client_logins(emulator_conn, ["client-2"], warehouse_conn_id=conn_id) == ["client-2"]
