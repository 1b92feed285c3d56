"""The ground truth as the API shows it: what a complete read through the ``get`` methods returns.

The admin snapshot lists every live object. Keywords of archived campaigns are among them, but the
API's Keywords.get never returns those ("You can't get keywords from archived campaigns",
https://yandex.com/dev/direct/doc/keywords/get.html), so a correct sync never has them fresh: a
warehouse is compared with this view, keywords of archived campaigns left out on both sides.

The account-level services (``service_objects``) follow the same rule: keyword bids of archived
campaigns are left out (KeywordBids.get returns what Keywords.get returns), and on /json/v5/ the
vCards, bid modifiers, keyword bids and audience targets of unified performance campaigns too, as that
address does not show those campaigns at all; it has no portfolio strategies either (Strategies is a
/json/v501/ service).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from airflow_provider_direct.emulator.admin_client import EmulatorAdmin

ARCHIVED = "ARCHIVED"
UNIFIED = "UNIFIED_CAMPAIGN"
#: Account-level services whose objects belong to campaigns (the others belong to the login).
CAMPAIGN_BOUND = frozenset(
    {"vcards", "bidmodifiers", "keywordbids", "audiencetargets", "dynamictextadtargets", "smartadtargets"}
)
#: Account-level services only /json/v501/ serves.
V501_ONLY = frozenset({"strategies"})


def archived_campaign_ids(admin: EmulatorAdmin, login: str) -> set[int]:
    """Live campaigns of ``login`` in State ARCHIVED."""
    return {c["Id"] for c in admin.snapshot(login, "campaigns") if c.get("State") == ARCHIVED}


def visible_objects(
    admin: EmulatorAdmin, login: str, kind: str, archived: set[int] | None = None
) -> Iterator[dict[str, Any]]:
    """Live objects of ``kind`` that the API's get methods return (streamed)."""
    if kind != "keywords":
        yield from admin.snapshot(login, kind)
        return
    hidden = archived_campaign_ids(admin, login) if archived is None else archived
    for keyword in admin.snapshot(login, kind):
        if keyword.get("CampaignId") not in hidden:
            yield keyword


def service_objects(admin: EmulatorAdmin, login: str, service: str, version: str = "v501") -> Iterator[dict[str, Any]]:
    """What a complete read of an account-level service returns for ``login`` through ``/json/<version>/``
    (streamed), with every field requested; ``service`` is the URL name, e.g. ``"sitelinks"``.

    ``dictionaries`` yields one ``{"<DictionaryName>": [items]}`` per dictionary.
    """
    if service in V501_ONLY and version != "v501":
        return
    if service not in CAMPAIGN_BOUND:
        yield from admin.snapshot(login, service)
        return
    campaigns = list(admin.snapshot(login, "campaigns"))
    hidden = {c["Id"] for c in campaigns if c.get("State") == ARCHIVED} if service == "keywordbids" else set()
    if version != "v501":
        hidden |= {c["Id"] for c in campaigns if c.get("Type") == UNIFIED}
    for obj in admin.snapshot(login, service):
        if obj.get("CampaignId") not in hidden:
            yield obj


def service_items(admin: EmulatorAdmin, login: str, service: str, list_key: str) -> Iterator[dict[str, Any]]:
    """The objects of one result list of a complete read: ``list_key`` picks the list (``SitelinksSets``);
    for ``dictionaries`` it is the dictionary's name (``GeoRegions``)."""
    if service != "dictionaries":
        yield from service_objects(admin, login, service)
        return
    for block in service_objects(admin, login, service):
        yield from block.get(list_key, ())
