"""``get`` methods of Campaigns, AdGroups, Ads, Keywords and AgencyClients.

Semantics follow the API: criteria are SQL ``IN`` lists AND-ed together, unknown/deleted/foreign ids are
silently ignored, caps are errors, and results come in a stable (campaign, group, id) order with
``LimitedBy`` paging. Smart-banner campaigns reproduce the production pitfall: invisible to the object
services, and Ads.get answers error 1002 whenever a request touches one.

Two documented restrictions shape what each address shows:

- Unified performance campaigns (and their groups) are managed through /json/v501/ only: "To manage a
  unified performance campaign, use the URL: https://api.direct.yandex.com/v501/"
  (https://yandex.com/dev/direct/doc/en/campaigns/get-unified-campaign), and the same for unified groups
  (https://yandex.com/dev/direct/doc/adgroups/get.html). So /json/v5/ returns none of them:
  a v5 client sees as little of a UPC as of an id that does not exist (no error, no partial object). The
  docs say nothing of a UPC's ads and keywords on v5; the emulator hides the whole campaign there, so a
  v5 client notices the missing campaign rather than half of it. The Changes service reports them on
  both addresses, as it reports smart-banner campaigns.
- "You can't get keywords from archived campaigns" (https://yandex.com/dev/direct/doc/keywords/get.html):
  Keywords.get returns none of the keywords of a campaign in State ARCHIVED, whichever criterion names
  them, without an error (ids the API will not show are ignored silently, as for foreign ids:
  https://yandex.com/dev/direct/doc/en/best-practice/get). Ads and groups of archived campaigns stay
  visible; the admin snapshot keeps listing everything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from airflow_provider_direct.emulator.bulk import encode_keywords, freeze_keyword_chunks
from airflow_provider_direct.emulator.context import CallContext, ServiceResult
from airflow_provider_direct.emulator.criteria import (
    Page,
    enum_list,
    id_list,
    optional_timestamp,
    parse_page,
    reject_unknown,
    require_object,
)
from airflow_provider_direct.emulator.encoding import dumps, list_body
from airflow_provider_direct.emulator.errors import ApiError
from airflow_provider_direct.emulator.fields import (
    AD,
    AD_GROUP,
    AGENCY_CLIENT,
    CAMPAIGN,
    KEYWORD,
    ObjectSpec,
    Projection,
)
from airflow_provider_direct.emulator.ids import Kind
from airflow_provider_direct.emulator.paging import (
    limited_by,
    paginate_campaign_children,
    paginate_counted,
    paginate_filtered,
)
from airflow_provider_direct.emulator.state import AccountState

CAMPAIGN_TYPES = frozenset(
    {
        "TEXT_CAMPAIGN",
        "MOBILE_APP_CAMPAIGN",
        "DYNAMIC_TEXT_CAMPAIGN",
        "CPM_BANNER_CAMPAIGN",
        "SMART_CAMPAIGN",
        "UNIFIED_CAMPAIGN",
    }
)
CAMPAIGN_STATES = frozenset({"ARCHIVED", "CONVERTED", "ENDED", "OFF", "ON", "SUSPENDED", "UNKNOWN"})
CAMPAIGN_STATUSES = frozenset({"ACCEPTED", "DRAFT", "MODERATION", "REJECTED", "UNKNOWN"})
PAYMENT_STATUSES = frozenset({"ALLOWED", "DISALLOWED"})
GROUP_TYPES = frozenset(
    {
        "TEXT_AD_GROUP",
        "MOBILE_APP_AD_GROUP",
        "DYNAMIC_TEXT_AD_GROUP",
        "CPM_BANNER_AD_GROUP",
        "CPM_VIDEO_AD_GROUP",
        "SMART_AD_GROUP",
        "UNIFIED_AD_GROUP",
    }
)
MODERATION_STATUSES = frozenset({"ACCEPTED", "DRAFT", "MODERATION", "PREACCEPTED", "REJECTED"})
SERVING_STATUSES = frozenset({"ELIGIBLE", "RARELY_SERVED"})
AD_STATES = frozenset({"OFF", "OFF_BY_MONITORING", "ON", "SUSPENDED", "ARCHIVED"})
AD_TYPES = frozenset(
    {
        "TEXT_AD",
        "MOBILE_APP_AD",
        "DYNAMIC_TEXT_AD",
        "IMAGE_AD",
        "CPC_VIDEO_AD",
        "CPM_BANNER_AD",
        "CPM_VIDEO_AD",
        "SMART_AD",
        "SHOPPING_AD",
        "LISTING_AD",
    }
)
KEYWORD_STATES = frozenset({"OFF", "ON", "SUSPENDED"})
KEYWORD_STATUSES = frozenset({"ACCEPTED", "DRAFT", "REJECTED"})
#: The address that serves unified performance campaigns.
UNIFIED_VERSION = "v501"

Filter = tuple[str, frozenset[str]]


def _params(
    params: dict[str, Any], spec: ObjectSpec, criteria_keys: Iterable[str]
) -> tuple[dict[str, Any], Projection, Page]:
    reject_unknown(params, {"SelectionCriteria", "Page", *spec.params()})
    criteria = require_object(params, "SelectionCriteria")
    reject_unknown(criteria, criteria_keys)
    return criteria, Projection(spec, params), parse_page(params)


def _filters(criteria: dict[str, Any], table: dict[str, tuple[str, frozenset[str]]]) -> list[Filter]:
    """``{criterion: (object field, allowed values)}`` -> active (field, values) filters."""
    out = []
    for name, (field, allowed) in table.items():
        values = enum_list(criteria, name, allowed)
        if values is not None:
            out.append((field, values))
    return out


def _matcher(state: AccountState, filters: list[Filter]) -> Callable[[int], bool]:
    def keep(object_id: int) -> bool:
        obj = state.get(object_id)
        return all(obj.get(field) in values for field, values in filters)

    return keep


def _visible_campaign(state: AccountState, login_index: int, campaign_id: int, version: str = "v5") -> bool:
    """A live, own, non-smart campaign (unified ones on v501 only): the only kind the object services show."""
    return (
        state.is_live(Kind.CAMPAIGN, campaign_id)
        and state.login_of(campaign_id) == login_index
        and not state.is_smart_campaign(campaign_id)
        and (version == UNIFIED_VERSION or not state.is_unified_campaign(campaign_id))
    )


def campaign_gate(ctx: CallContext, kind: Kind) -> Callable[[int], bool]:
    """Whether the objects of ``kind`` under a campaign may be shown, memoised for one call.

    Account-level services use it too: vCards and bid modifiers with ``Kind.CAMPAIGN`` (archived
    campaigns keep theirs), keyword bids with ``Kind.KEYWORD`` (as Keywords.get, none of an archived
    campaign).

    Keywords also need the campaign not to be archived; the state is read per call because mutations
    may archive or unarchive a campaign at any time.
    """
    state, login_index, version = ctx.state, ctx.login_index, ctx.version
    known: dict[int, bool] = {}

    def shown(campaign_id: int) -> bool:
        answer = known.get(campaign_id)
        if answer is None:
            answer = _visible_campaign(state, login_index, campaign_id, version)
            if answer and kind is Kind.KEYWORD:
                answer = not state.is_archived_campaign(campaign_id)
            known[campaign_id] = answer
        return answer

    return shown


def page_window(items: list[Any], page: Page) -> tuple[list[Any], bool]:
    """The page's slice of an ordered selection, and whether objects remain after it."""
    stop = page.offset + page.limit
    return items[page.offset : stop], len(items) > stop


def list_result(spec: ObjectSpec, objects: list[dict[str, Any]], page: Page, more: bool) -> ServiceResult:
    """``{"result": {<list key>: [...], "LimitedBy": n}}``, LimitedBy only when objects remain."""
    result: dict[str, Any] = {spec.list_key: objects}
    marker = limited_by(page, len(objects), more)
    if marker is not None:
        result["LimitedBy"] = marker
    return ServiceResult(body=dumps({"result": result}).encode(), objects=len(objects))


# -- Campaigns.get --------------------------------------------------------------------------------


def campaigns_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    criteria, projection, page = _params(params, CAMPAIGN, {"Ids", "Types", "States", "Statuses", "StatusesPayment"})
    ids = id_list(criteria, "Ids", 1000)
    filters = _filters(
        criteria,
        {
            "Types": ("Type", CAMPAIGN_TYPES),
            "States": ("State", CAMPAIGN_STATES),
            "Statuses": ("Status", CAMPAIGN_STATUSES),
            "StatusesPayment": ("StatusPayment", PAYMENT_STATUSES),
        },
    )
    state = ctx.state
    with state.lock:
        login_index = ctx.login_index
        shown = campaign_gate(ctx, Kind.CAMPAIGN)
        candidates = [cid for cid in state.campaign_ids(login_index) if shown(cid)]
        if ids is not None:
            wanted = set(ids)
            candidates = [cid for cid in candidates if cid in wanted]
        if filters:
            keep = _matcher(state, filters)
            candidates = [cid for cid in candidates if keep(cid)]
        window, more = page_window(candidates, page)
        objects = [projection(state.get(cid)) for cid in window]
    return list_result(CAMPAIGN, objects, page, more)


# -- AdGroups.get ---------------------------------------------------------------------------------


def _selected_campaigns(campaign_ids: list[int] | None, shown: Callable[[int], bool]) -> list[int]:
    if campaign_ids is None:
        return []
    return sorted(cid for cid in set(campaign_ids) if shown(cid))


def _ordered(state: AccountState, kind: Kind, ids: Iterable[int]) -> list[int]:
    """Sort ids of one kind into the API order: by campaign, then group (for ads/keywords), then id."""
    if kind is Kind.AD_GROUP:
        return sorted(set(ids), key=lambda i: (state.parent_of(i), i))
    return sorted(set(ids), key=lambda i: (state.campaign_of(i), state.parent_of(i), i))


def adgroups_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    criteria, projection, page = _params(
        params, AD_GROUP, {"Ids", "CampaignIds", "Types", "Statuses", "ServingStatuses"}
    )
    ids = id_list(criteria, "Ids", 10_000)
    campaign_ids = id_list(criteria, "CampaignIds", 10)
    if ids is None and campaign_ids is None:
        raise ApiError(4001, "selection_required", fields="Ids, CampaignIds")
    filters = _filters(
        criteria,
        {
            "Types": ("Type", GROUP_TYPES),
            "Statuses": ("Status", MODERATION_STATUSES),
            "ServingStatuses": ("ServingStatus", SERVING_STATUSES),
        },
    )
    state = ctx.state
    with state.lock:
        shown = campaign_gate(ctx, Kind.AD_GROUP)
        campaigns = _selected_campaigns(campaign_ids, shown)
        if ids is not None:
            allowed = set(campaigns) if campaign_ids is not None else None
            chosen = [
                gid
                for gid in set(ids)
                if state.is_live(Kind.AD_GROUP, gid)
                and shown(state.parent_of(gid))
                and (allowed is None or state.parent_of(gid) in allowed)
            ]
            ordered = _ordered(state, Kind.AD_GROUP, chosen)
            if filters:
                keep = _matcher(state, filters)
                ordered = [gid for gid in ordered if keep(gid)]
            window, more = page_window(ordered, page)
        elif filters:
            candidates = (gid for cid in campaigns for gid in state.group_ids(cid))
            window, more = paginate_filtered(candidates, _matcher(state, filters), page)
        else:
            chunks, more = paginate_counted(campaigns, state.group_count, state.group_slice, page)
            window = [gid for _, members in chunks for gid in members]
        objects = [projection(state.get(gid)) for gid in window]
    return list_result(AD_GROUP, objects, page, more)


# -- Ads.get and Keywords.get share the group-level selection -----------------------------------


@dataclass(frozen=True)
class Narrowing:
    """A criterion whose matches are a sparse, known subset of each group (``ModifiedSince``).

    ``candidates(group)`` lists the only members that can match, in order, so a scan never walks
    untouched groups' children; ``accepts(id)`` tests one object for the ``Ids`` path.
    """

    candidates: Callable[[int], list[int]]
    accepts: Callable[[int], bool]


def child_selection(
    ctx: CallContext,
    kind: Kind,
    criteria: dict[str, Any],
    page: Page,
    filters: list[Filter],
    narrowing: Narrowing | None = None,
    ids_name: str = "Ids",
) -> tuple[list[tuple[int, list[int]]], bool]:
    """Chunks ``(group id, ids)`` of one page of ads or keywords, in API order.

    ``ids_name`` is the name of the own-id criterion (KeywordBids calls it ``KeywordIds``).
    """
    state = ctx.state
    login_index = ctx.login_index
    ids = id_list(criteria, ids_name, 10_000)
    group_ids = id_list(criteria, "AdGroupIds", 1000)
    campaign_ids = id_list(criteria, "CampaignIds", 10)
    if ids is None and group_ids is None and campaign_ids is None:
        raise ApiError(4001, "selection_required", fields=f"{ids_name}, AdGroupIds, CampaignIds")
    if kind is Kind.AD:
        _refuse_smart(state, login_index, ids, group_ids, campaign_ids)
    shown = campaign_gate(ctx, kind)
    campaign_set = set(_selected_campaigns(campaign_ids, shown)) if campaign_ids is not None else None
    group_set = set(group_ids) if group_ids is not None else None
    keep_filters = _matcher(state, filters) if filters else None

    if ids is not None:
        chosen = []
        for object_id in set(ids):
            if not state.is_live(kind, object_id):
                continue
            group_id = state.parent_of(object_id)
            campaign_id = state.parent_of(group_id)
            if not shown(campaign_id):
                continue
            if (group_set is None or group_id in group_set) and (campaign_set is None or campaign_id in campaign_set):
                chosen.append(object_id)
        ordered = _ordered(state, kind, chosen)
        if narrowing is not None:
            ordered = [object_id for object_id in ordered if narrowing.accepts(object_id)]
        if keep_filters is not None:
            ordered = [object_id for object_id in ordered if keep_filters(object_id)]
        window, more = page_window(ordered, page)
        return [(g, list(members)) for g, members in groupby(window, key=state.parent_of)], more

    counted = keep_filters is None and narrowing is None
    groups: Iterable[int]
    if group_ids is not None:
        live_groups = [
            gid
            for gid in set(group_ids)
            if state.is_live(Kind.AD_GROUP, gid)
            and shown(state.parent_of(gid))
            and (campaign_set is None or state.parent_of(gid) in campaign_set)
        ]
        groups = _ordered(state, Kind.AD_GROUP, live_groups)
        if counted:
            return paginate_counted(
                groups,
                lambda gid: state.child_count(kind, gid),
                lambda gid, start, stop: state.child_slice(kind, gid, start, stop),
                page,
            )
    else:
        campaigns = sorted(campaign_set or ())
        if counted:
            return paginate_campaign_children(state, kind, campaigns, page)
        groups = _groups_of(state, campaigns)
    scan = narrowing.candidates if narrowing is not None else (lambda gid: state.child_ids(kind, gid))
    keep = keep_filters or (lambda _id: True)
    window, more = paginate_filtered((oid for gid in groups for oid in scan(gid)), keep, page)
    return [(g, list(members)) for g, members in groupby(window, key=state.parent_of)], more


def _groups_of(state: AccountState, campaigns: list[int]) -> Iterator[int]:
    for campaign_id in campaigns:
        yield from state.group_ids(campaign_id)


def _refuse_smart(
    state: AccountState,
    login_index: int,
    ids: list[int] | None,
    group_ids: list[int] | None,
    campaign_ids: list[int] | None,
) -> None:
    """Ads.get touching a smart-banner campaign fails with 1002, every time (seed 004 pitfall)."""

    def smart(campaign_id: int) -> bool:
        return (
            state.is_live(Kind.CAMPAIGN, campaign_id)
            and state.login_of(campaign_id) == login_index
            and state.is_smart_campaign(campaign_id)
        )

    touched = list(campaign_ids or ())
    touched += [state.parent_of(g) for g in group_ids or () if state.is_live(Kind.AD_GROUP, g)]
    touched += [state.campaign_of(a) for a in ids or () if state.is_live(Kind.AD, a)]
    if any(smart(cid) for cid in touched):
        raise ApiError(1002, "smart_campaign")


def ads_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    criteria, projection, page = _params(
        params, AD, {"Ids", "AdGroupIds", "CampaignIds", "States", "Statuses", "Types"}
    )
    filters = _filters(
        criteria,
        {"States": ("State", AD_STATES), "Statuses": ("Status", MODERATION_STATUSES), "Types": ("Type", AD_TYPES)},
    )
    state = ctx.state
    with state.lock:
        chunks, more = child_selection(ctx, Kind.AD, criteria, page, filters)
        objects = [projection(state.get(ad_id)) for _, members in chunks for ad_id in members]
    return list_result(AD, objects, page, more)


def keywords_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    criteria, projection, page = _params(
        params,
        KEYWORD,
        {"Ids", "AdGroupIds", "CampaignIds", "States", "Statuses", "ServingStatuses", "ModifiedSince"},
    )
    filters = _filters(
        criteria,
        {
            "States": ("State", KEYWORD_STATES),
            "Statuses": ("Status", KEYWORD_STATUSES),
            "ServingStatuses": ("ServingStatus", SERVING_STATUSES),
        },
    )
    since = optional_timestamp(criteria, "ModifiedSince")
    state = ctx.state
    with state.lock:
        narrowing = _modified_since(state, since)
        chunks, more = child_selection(ctx, Kind.KEYWORD, criteria, page, filters, narrowing)
        frozen = freeze_keyword_chunks(state, chunks)
    fragments = encode_keywords(state.generator, projection, frozen)  # the expensive part, lock-free
    marker = limited_by(page, len(fragments), more)
    return ServiceResult(body=list_body(KEYWORD.list_key, fragments, marker), objects=len(fragments))


def _modified_since(state: AccountState, since: int | None) -> Narrowing | None:
    """``ModifiedSince`` as a narrowing; None when every keyword qualifies (base objects are older)."""
    if since is None or since <= state.base_modified:
        return None

    def accepts(keyword_id: int) -> bool:
        return state.keyword_modified(keyword_id) >= since

    def candidates(group_id: int) -> list[int]:
        # Only keywords touched by mutations can be newer than the base account.
        touched = state.log.keywords_by_group.get(group_id, ())
        return sorted(k for k in touched if state.is_live(Kind.KEYWORD, k) and accepts(k))

    return Narrowing(candidates=candidates, accepts=accepts)


# -- AgencyClients.get ----------------------------------------------------------------------------


def agencyclients_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    if not ctx.caller.is_agency:
        raise ApiError(54, "agency_only")
    criteria, projection, page = _params(params, AGENCY_CLIENT, {"Logins", "Archived"})
    logins = criteria.get("Logins")
    if logins is not None and (not isinstance(logins, list) or not all(isinstance(x, str) for x in logins)):
        raise ApiError(8000, "must_be_array", field="Logins")
    archived = criteria.get("Archived")
    if archived is not None and archived not in ("YES", "NO"):
        raise ApiError(8000, "invalid_value", field="Archived", value=archived)
    state = ctx.state
    served = list(state.config.agency_clients or ())
    if logins is not None:
        wanted = {login.lower() for login in logins}
        served = [login for login in served if login in wanted]
    if archived == "YES":
        served = []  # the emulator's clients are never archived
    positions = list(range(len(served)))
    window, more = page_window(positions, page)
    with state.lock:
        objects = [projection(state.account.client(state.login_index(served[i]) or 0)) for i in window]
    return list_result(AGENCY_CLIENT, objects, page, more)
