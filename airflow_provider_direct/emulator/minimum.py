"""The fewest units any client must spend to bring a copy current after the changes since a Timestamp.

An oracle that knows exactly which objects changed still has to pay for: one ``checkCampaigns`` (to
learn which campaigns changed), one ``check`` per 3000 campaigns with changed children (to learn the
changed group and ad ids), and the ``get`` calls that read the changed live objects at the largest
batch sizes the caps allow, keywords re-read by changed group (Changes reports keyword changes only
as group changes) except in archived campaigns, whose keywords Keywords.get never returns. Deleted
objects cost nothing beyond those calls. Used by the incremental-sync benchmark to judge how close a
real client comes to this floor.

With ``cycle_runs`` it also prices the account-level services at the least any client pays for the same
freshness guarantees, since Changes reports none of their changes:

- objects that changed ads point at and that are new since ``since`` (sitelink sets, vCards, images,
  callouts, Turbo pages, business profiles): one call per service for all of them;
- keyword bids, bid modifiers, audience targets, webpages and smart-ad targets of the parents Changes
  reported (webpages and smart-ad targets: of the groups of their own campaign type), plus
  ``1/cycle_runs`` of all parents (every parent re-read within ``cycle_runs`` runs, since strategies
  move bids without a trace, and targets are suspended or re-bid without one either), in
  calls as full as the caps allow;
- one complete listing of the small account-level lists (retargeting lists, shared sets, feeds,
  portfolio strategies, the client);
- one ``checkDictionaries``, and one ``Dictionaries.get`` when a dictionary changed.

Daily reconciles are not in it: the benchmark's incremental run is not the day's first.
"""

from __future__ import annotations

import math
from typing import Any

from airflow_provider_direct.emulator.account_store import TARGET_CAMPAIGNS
from airflow_provider_direct.emulator.config import EmulatorConfig
from airflow_provider_direct.emulator.ids import Kind
from airflow_provider_direct.emulator.state import AccountState


def _calls(count: int, cap: int) -> int:
    return math.ceil(count / cap) if count else 0


def minimum_units(
    state: AccountState, config: EmulatorConfig, login_index: int, since: int, cycle_runs: int | None = None
) -> dict[str, Any]:
    """Break the floor down per method; ``total`` is what the benchmark compares with.

    ``cycle_runs`` adds the account-level services, for a client that re-reads every group's bids
    within that many runs.
    """
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
    changed = {"campaigns": len(self_live), "ad_groups": len(groups), "ads": len(ads), "keywords": keywords}
    if cycle_runs is not None:
        with state.lock:
            parts.update(_account_parts(state, config, login_index, since, self_live, readable, ads, cycle_runs))
    return {"total": sum(parts.values()), "by_method": parts, "changed": changed}


#: Where a text ad points at each referenced kind (TextAd field, or AdExtensions items).
_REFERENCES = {
    "sitelinks.get": (Kind.SITELINK_SET, "SitelinkSetId"),
    "vcards.get": (Kind.VCARD, "VCardId"),
    "adimages.get": (Kind.AD_IMAGE, "AdImageHash"),
    "adextensions.get": (Kind.CALLOUT, "AdExtensions"),
    "turbopages.get": (Kind.TURBO_PAGE, "TurboPageId"),
    "businesses.get": (Kind.BUSINESS, "BusinessId"),
}


def _account_parts(
    state: AccountState,
    config: EmulatorConfig,
    login_index: int,
    since: int,
    changed_campaigns: list[int],
    changed_groups: list[int],
    changed_ads: list[int],
    cycle_runs: int,
) -> dict[str, int]:
    costs = config.unit_costs
    store = state.account
    parts: dict[str, int] = {}

    # New objects that changed ads point at.
    for method, (kind, field_name) in _REFERENCES.items():
        new: set[Any] = set()
        for ad_id in changed_ads:
            block = state.get(ad_id).get("TextAd") or {}
            value = block.get(field_name)
            keys = [item.get("AdExtensionId") for item in value or ()] if field_name == "AdExtensions" else [value]
            new.update(k for k in keys if k is not None and store.is_live(kind, k) and store.modified(kind, k) >= since)
        parts[method] = _calls(len(new), 10_000) * costs[method].base + len(new)

    # Keyword bids and bid modifiers: reported parents, plus the rolling share of all of them.
    campaigns = [c for c in state.campaign_ids(login_index) if not state.is_smart_campaign(c)]
    readable_campaigns = [c for c in campaigns if not state.is_archived_campaign(c)]
    all_groups = [g for c in readable_campaigns for g in state.group_ids(c)]
    keywords_per_group = sum(state.child_count(Kind.KEYWORD, g) for g in all_groups) / max(1, len(all_groups))
    bid_groups = len(changed_groups) + math.ceil(len(all_groups) / cycle_runs)
    bids = sum(state.child_count(Kind.KEYWORD, g) for g in changed_groups) + round(
        keywords_per_group * math.ceil(len(all_groups) / cycle_runs)
    )
    parts["keywordbids.get"] = _calls(bid_groups, 1000) * costs["keywordbids.get"].base + (
        costs["keywordbids.get"].cost(bids) - costs["keywordbids.get"].base
    )

    def modifiers(campaign_id: int) -> int:
        groups = sum(len(store.group_modifiers(g)) for g in state.group_ids(campaign_id))
        return len(store.campaign_modifiers(campaign_id)) + groups

    touched = set(changed_campaigns) | {state.parent_of(g) for g in changed_groups}
    touched &= set(campaigns)
    per_campaign = sum(modifiers(c) for c in campaigns) / max(1, len(campaigns))
    share = math.ceil(len(campaigns) / cycle_runs)
    parts["bidmodifiers.get"] = (
        _calls(len(touched) + share, 10) * costs["bidmodifiers.get"].base
        + sum(modifiers(c) for c in touched)
        + round(per_campaign * share)
    )

    # Audience targets: the reported groups, plus the rolling share of all groups (archived ones too:
    # AudienceTargets.get shows them), AdGroupIds 1..1000 a call.
    target_groups = [g for c in campaigns for g in state.group_ids(c)]
    targets_per_group = sum(len(store.group_targets(g)) for g in target_groups) / max(1, len(target_groups))
    reported = list(changed_groups)  # those outside archived campaigns: a floor may leave the rest out
    group_share = math.ceil(len(target_groups) / cycle_runs)
    parts["audiencetargets.get"] = (
        _calls(len(reported) + group_share, 1000) * costs["audiencetargets.get"].base
        + sum(len(store.group_targets(g)) for g in reported)
        + round(targets_per_group * group_share)
    )

    # Webpages and smart-ad targets: the same, over the groups of their own campaign type only.
    for method, kind in (("dynamictextadtargets.get", Kind.WEBPAGE), ("smartadtargets.get", Kind.SMART_TARGET)):
        typed = [g for c in campaigns if state.campaign_type(c) == TARGET_CAMPAIGNS[kind] for g in state.group_ids(c)]
        typed_set = set(typed)
        own_reported = [g for g in reported if g in typed_set]
        per_group = sum(len(store.group_targets(g, kind)) for g in typed) / max(1, len(typed))
        own_share = math.ceil(len(typed) / cycle_runs)
        parts[method] = (
            _calls(len(own_reported) + own_share, 1000) * costs[method].base
            + sum(len(store.group_targets(g, kind)) for g in own_reported)
            + round(per_group * own_share)
        )

    # The small lists, whole.
    for method, kind in (
        ("retargetinglists.get", Kind.RETARGETING_LIST),
        ("negativekeywordsharedsets.get", Kind.SHARED_SET),
        ("feeds.get", Kind.FEED),
        ("strategies.get", Kind.STRATEGY),
    ):
        parts[method] = costs[method].cost(len(store.pool(kind, login_index)))
    parts["clients.get"] = costs["clients.get"].cost(1)

    # Dictionaries: one check, and one read if any changed.
    parts["changes.checkDictionaries"] = costs["changes.checkDictionaries"].cost(0)
    changed_dictionaries = [n for n, at in store.dictionary_changed.items() if at >= since]
    parts["dictionaries.get"] = costs["dictionaries.get"].cost(0) if changed_dictionaries else 0
    return parts
