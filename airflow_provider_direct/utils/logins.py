"""Which client logins a Direct DAG run works on, decided at run time (never at parse time)."""

from __future__ import annotations

from collections.abc import Iterable

from airflow_provider_direct.hooks.direct import DirectHook


def resolve_client_logins(
    direct_conn_id: str, chosen: Iterable[str] | None = None, warehouse_conn_id: str | None = None
) -> list[str]:
    """The run's chosen logins; else the connection's login; else every client of an agency token that is
    not archived. With ``warehouse_conn_id`` the agency's whole client list is also kept in
    ``direct_agency_clients`` (the same one AgencyClients.get call)."""
    logins = [login for login in chosen or () if login]
    if logins:
        return logins
    hook = DirectHook(direct_conn_id)
    if hook.connection.login:
        return [hook.connection.login]
    if warehouse_conn_id is not None:
        from airflow_provider_direct.sync.agency import sync_agency_clients
        from airflow_provider_direct.warehouse.store import DirectWarehouse

        logins = sync_agency_clients(hook, DirectWarehouse.from_conn_id(warehouse_conn_id)).logins
    else:
        logins = [client.Login for client in hook.iter_agency_clients()]
    if not logins:
        raise ValueError(f"No client logins: set them in the run's params or the login of {direct_conn_id!r}")
    return logins
