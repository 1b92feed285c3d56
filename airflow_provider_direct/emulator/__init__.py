"""Offline, deterministic emulator of the Yandex Direct API v5 (JSON) for tests, benchmarks and demos.

Like moto for AWS: a real HTTP server on 127.0.0.1 serving a virtual account of any size (objects are
computed from their ids), the Changes service, units, concurrency limits and injectable faults, plus an
``/admin`` API to mutate the account and read its ground truth.

    with EmulatorServer(EmulatorConfig(keywords=100), mode="thread") as server:
        admin = EmulatorAdmin(server.url)
        admin.random_mutations(50, seed=1)
        admin.set_faults(next=[{"kind": "error", "code": 1000}, {"kind": "drop"}])
        ...  # point the hook at server.url + "/json/v5/" with token "client-1-token"

Besides Campaigns, AdGroups, Ads, Keywords, AgencyClients and Changes it serves the account-level
services (Sitelinks, VCards, AdImages, AdExtensions, BidModifiers, KeywordBids, RetargetingLists,
NegativeKeywordSharedSets, Clients, Dictionaries, Feeds, TurboPages, Businesses, Creatives,
AudienceTargets, Strategies; see ``account_services``), generated as lazily as the rest and readable
as ground truth through ``/admin/snapshot?type=<service>``.

``/json/v501/`` serves the same services plus unified performance campaigns (``unified_campaigns``
of each login's text campaigns), which ``/json/v5/`` never returns, as the docs require, and the
portfolio strategies (Strategies), which have no /json/v5/ address.

The same server also emulates four async-task APIs (Direct fetch processes, MoySklad async exchange,
a workers task API, myTarget's async API; see ``emulator.async_apis``) driven by ``/admin/async``:

    admin.async_scenario("moysklad", {"duration": 2, "outcome": "api_error"})
    ...  # MoySklad result files come from a second listener: server.file_url

From a shell: ``python -m airflow_provider_direct.emulator --port 0`` prints ``EMULATOR_URL=...``.
"""

from __future__ import annotations

from airflow_provider_direct.emulator.admin_client import EmulatorAdmin
from airflow_provider_direct.emulator.app import create_app
from airflow_provider_direct.emulator.config import EmulatorConfig, TokenIdentity, UnitCost
from airflow_provider_direct.emulator.server import EmulatorServer, EmulatorStartupError

__all__ = [
    "EmulatorAdmin",
    "EmulatorConfig",
    "EmulatorServer",
    "EmulatorStartupError",
    "TokenIdentity",
    "UnitCost",
    "create_app",
]
