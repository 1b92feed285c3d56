"""The fewest units any client must spend to bring a copy current after the changes since a Timestamp.

An oracle that knows exactly which objects changed still has to pay for: one ``checkCampaigns`` (to
learn which campaigns changed), one ``check`` per 3000 campaigns with changed children (to learn the
changed group and ad ids), and the ``get`` calls that read the changed live objects at the largest
batch sizes the caps allow, keywords re-read by changed group (Changes reports keyword changes only
as group changes) except in archived campaigns, whose keywords Keywords.get never returns. Deleted
objects cost nothing beyond those calls. Used by the incremental-sync benchmark to judge how close a
real client comes to this floor.

It covers the four object services (campaigns, groups, ads, keywords) and the Changes calls that find
their changes. The account-level services (sitelinks, vCards, images, callouts, bid modifiers, keyword
bids, retargeting lists, shared sets, clients, dictionaries) are outside it: Changes does not report
their changes, so no floor derived from Changes exists for them.
"""

from __future__ import annotations

import math
from typing import Any

from airflow_provider_direct.emulator.config import EmulatorConfig
from airflow_provider_direct.emulator.ids import Kind
from airflow_provider_direct.emulator.state import AccountState


def _calls(count: int, cap: int) -> int:
    return math.ceil(count / cap) if count else 0


def minimum_units(state: AccountState, config: EmulatorConfig, login_index: int, since: int) -> dict[str, Any]:
    """Break the floor down per method; ``total`` is what the benchmark compares with."""
    costs = config.unit_costs
    log = state.log
    with state.lock:
        kinds = {c: set(log.changes_in(c, since)) for c in sorted(log.campaigns_by_login.get(login_index, ()))}
        live = [c for c, k in kinds.items() if k and not state.is_smart_campaign(c) and state.is_live(Kind.CAMPAIGN, c)]
        self_live = [c for c in live if "SELF" in kinds[c]]
        checked = [c for c in live if kinds[c] & {"CHILDREN", "STAT"}]
        groups = [g for c in checked for g in log.changed_groups(c, since) if state.is_live(Kind.AD_GROUP, g)]
        ads = [a for c in checked for a in log.changed_ads_in_campaign(c, since) if state.is_live(Kind.AD, a)]
        # Keywords.get shows none of an archived campaign's keywords, so no client can (or must) pay for them.
        readable = [g for g in groups if not state.is_archived_campaign(state.parent_of(g))]
        keywords = sum(state.child_count(Kind.KEYWORD, g) for g in readable)

    parts = {
        "changes.checkCampaigns": costs["changes.checkCampaigns"].cost(0),
        "changes.check": sum(
            costs["changes.check"].cost(min(3000, len(checked) - start)) for start in range(0, len(checked), 3000)
        ),
        "campaigns.get": _calls(len(self_live), 1000) * costs["campaigns.get"].base + len(self_live),
        "adgroups.get": _calls(len(groups), 10_000) * costs["adgroups.get"].base + len(groups),
        "ads.get": _calls(len(ads), 10_000) * costs["ads.get"].base + len(ads),
        "keywords.get": _calls(len(readable), 1000) * costs["keywords.get"].base
        + costs["keywords.get"].cost(keywords)
        - costs["keywords.get"].base,
    }
    return {
        "total": sum(parts.values()),
        "by_method": parts,
        "changed": {"campaigns": len(self_live), "ad_groups": len(groups), "ads": len(ads), "keywords": keywords},
    }
