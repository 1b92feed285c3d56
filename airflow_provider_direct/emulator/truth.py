"""The ground truth as the API shows it: what a complete read through the ``get`` methods returns.

The admin snapshot lists every live object. Keywords of archived campaigns are among them, but the
API's Keywords.get never returns those ("You can't get keywords from archived campaigns",
https://yandex.com/dev/direct/doc/keywords/get.html), so a correct sync never has them fresh: a
warehouse is compared with this view, keywords of archived campaigns left out on both sides.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from airflow_provider_direct.emulator.admin_client import EmulatorAdmin

ARCHIVED = "ARCHIVED"


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
