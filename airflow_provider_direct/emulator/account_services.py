"""``get`` methods of the account-level services: Sitelinks, VCards, AdImages, AdExtensions,
BidModifiers, KeywordBids, RetargetingLists, NegativeKeywordSharedSets, Clients, Dictionaries, Feeds,
TurboPages, Businesses, Creatives, Strategies, AudienceTargets, DynamicTextAdTargets and SmartAdTargets.

The rules of the object services hold here too (``services``): unknown parameters and criteria are
8000, over-cap id lists 4001, FieldNames projects with unset fields as null, ``Page``/``LimitedBy``
where the page has a Page, foreign and deleted ids are ignored silently, and the order is stable
(by id, which is creation order; bid modifiers and keyword bids by campaign, group, id). Each handler
names its page; what differs per service:

- Sitelinks, VCards, AdImages, RetargetingLists, NegativeKeywordSharedSets: SelectionCriteria is
  optional ("If omitted, all ... are returned"); inside an IdsCriteria ``Ids`` is required.
- AdExtensions: SelectionCriteria is required and may be empty; deleted callouts are returned only
  when named in Ids or asked for with States DELETED
  (https://yandex.com/dev/direct/doc/en/objects/adextension).
- BidModifiers: ``Levels`` is required, plus one of CampaignIds (1..10), AdGroupIds (1..1000), Ids
  (1..10000); Limit + Offset may not exceed 120 000 (https://yandex.com/dev/direct/doc/en/bidmodifiers/get).
- KeywordBids: one of CampaignIds (1..10), AdGroupIds (1..1000), KeywordIds (up to 10000), the caps of
  Bids.get (https://yandex.com/dev/direct/doc/bids/get.html); keywords of archived campaigns are not
  returned, as Keywords.get does not return them (the KeywordBids page does not say; the emulator keeps
  the two services consistent).
- Clients, Dictionaries: neither SelectionCriteria nor Page.
- Feeds, Businesses: SelectionCriteria optional, ``Ids`` (up to 10 000) required inside it.
- TurboPages: SelectionCriteria optional, both ``Ids`` (1..10 000) and ``BoundWithHrefs`` optional
  inside it; only published pages exist.
- Creatives: SelectionCriteria required, empty selects every creative ("To get all of an advertiser's
  creatives, leave SelectionCriteria empty"); ``Ids`` and ``Types`` (the stored copy of the page is cut
  before the Ids cap: 10 000 as the method's own limit).
- AudienceTargets: SelectionCriteria required with at least one of Ids (1..10 000), AdGroupIds
  (1..1000), CampaignIds (1..100), RetargetingListIds (1..1000), InterestIds (1..1000); States ON or
  SUSPENDED. The page says nothing of archived campaigns: their targets are returned, as their bid
  modifiers are.
- DynamicTextAdTargets (webpages) and SmartAdTargets (filters): SelectionCriteria required with at
  least one of Ids (1..10 000), AdGroupIds (1..1000), CampaignIds (1..2); States ON, OFF, SUSPENDED,
  DELETED. A deleted one is returned only when its id is named or States has DELETED
  (https://yandex.com/dev/direct/doc/en/dynamictextadtargets/get); for SmartAdTargets "if the Ids
  parameter is set, the state is ignored" (https://yandex.com/dev/direct/doc/en/smartadtargets/get).
- Strategies (portfolio strategies, /json/v501/ only): SelectionCriteria required, with ``Ids``,
  ``Types`` and ``IsArchived``; the page states no cap and no rule for an empty one, so the emulator
  takes empty as "every strategy" like AdExtensions and caps Ids at 10 000 like its neighbours.

vCards, bid modifiers and keyword bids belong to campaigns, so they follow the campaign gate of the
object services: none of a smart-banner campaign, and a unified campaign's only on /json/v501/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from airflow_provider_direct.emulator import dictionaries
from airflow_provider_direct.emulator.account_fields import (
    AD_EXTENSION,
    AD_IMAGE,
    AUDIENCE_TARGET,
    BID_MODIFIER,
    BUSINESS,
    CLIENT,
    CREATIVE,
    FEED,
    KEYWORD_BID,
    RETARGETING_LIST,
    SHARED_SET,
    SMART_AD_TARGET,
    STRATEGY,
    TURBO_PAGE,
    VCARD,
    WEBPAGE,
    SitelinksProjection,
    SourceTypeProjection,
)
from airflow_provider_direct.emulator.context import CallContext, ServiceResult
from airflow_provider_direct.emulator.criteria import (
    enum_list,
    id_list,
    optional_timestamp,
    parse_page,
    reject_unknown,
    require_object,
    string_list,
)
from airflow_provider_direct.emulator.encoding import result_body
from airflow_provider_direct.emulator.errors import ApiError
from airflow_provider_direct.emulator.fields import ObjectSpec, Projection, field_names
from airflow_provider_direct.emulator.ids import Kind
from airflow_provider_direct.emulator.paging import limited_by, paginate_filtered
from airflow_provider_direct.emulator.services import (
    SERVING_STATUSES,
    campaign_gate,
    child_selection,
    list_result,
    page_window,
)
from airflow_provider_direct.emulator.state import AccountState

SITELINKS_LIST_KEY = "SitelinksSets"
CALLOUT_STATES = frozenset({"ON", "DELETED"})
EXTENSION_TYPES = frozenset({"CALLOUT"})
EXTENSION_STATUSES = frozenset({"ACCEPTED", "DRAFT", "MODERATION", "REJECTED"})
LEVELS = frozenset({"CAMPAIGN", "AD_GROUP"})
MODIFIER_TYPES = frozenset(BID_MODIFIER.substructures[name].object_type or "" for name in BID_MODIFIER.substructures)
RETARGETING_TYPES = frozenset({"RETARGETING", "AUDIENCE"})
YES_NO = frozenset({"YES", "NO"})
#: "Limit + Offset must not exceed 120,000" (https://yandex.com/dev/direct/doc/en/bidmodifiers/get).
MODIFIERS_WINDOW = 120_000
#: Every DictionaryNames value of https://yandex.com/dev/direct/doc/en/dictionaries/get.
DICTIONARY_NAMES = frozenset({*dictionaries.TABLES, "ProductivityAssertions"})
#: StrategiesSelectionCriteria.Types of https://yandex.com/dev/direct/doc/en/strategies/get.
STRATEGY_TYPES = frozenset(
    {
        "AVERAGE_CPC",
        "AVERAGE_CPA",
        "PAY_FOR_CONVERSION",
        "WB_MAXIMUM_CONVERSION_RATE",
        "WB_MAXIMUM_CLICKS",
        "AVERAGE_CRR",
        "PAY_FOR_CONVERSION_CRR",
        "AVERAGE_CPC_PER_CAMPAIGN",
        "AVERAGE_CPC_PER_FILTER",
        "AVERAGE_CPA_PER_CAMPAIGN",
        "AVERAGE_CPA_PER_FILTER",
        "PAY_FOR_CONVERSION_PER_CAMPAIGN",
        "PAY_FOR_CONVERSION_PER_FILTER",
        "UNKNOWN",
    }
)
# The page's *FieldNames arrays include AVERAGE_CPA_MULTIPLE_GOALS and PAY_FOR_CONVERSION_MULTIPLE_GOALS
# blocks, but its Types enum above does not list those types: a Types filter cannot name them.
STRATEGIES_VERSION = "v501"
AUDIENCE_TARGET_STATES = frozenset({"ON", "SUSPENDED"})
#: CreativesSelectionCriteria.Types of https://yandex.com/dev/direct/doc/en/creatives/get.
CREATIVE_TYPES = frozenset(
    {
        "IMAGE_CREATIVE",
        "HTML5_CREATIVE",
        "VIDEO_EXTENSION_CREATIVE",
        "CPC_VIDEO_CREATIVE",
        "CPM_VIDEO_CREATIVE",
        "SMART_CREATIVE",
    }
)


def _optional_criteria(params: dict[str, Any], allowed: Iterable[str]) -> dict[str, Any] | None:
    """SelectionCriteria that may be omitted (None = everything of the advertiser)."""
    if "SelectionCriteria" not in params:
        return None
    criteria = require_object(params, "SelectionCriteria")
    reject_unknown(criteria, allowed)
    return criteria


def _ids_criteria(params: dict[str, Any], cap: int) -> list[int] | None:
    """An optional IdsCriteria: absent = all; present = ``Ids`` required inside."""
    criteria = _optional_criteria(params, {"Ids"})
    if criteria is None:
        return None
    ids = id_list(criteria, "Ids", cap)
    if ids is None:
        raise ApiError(8000, "required", field="SelectionCriteria.Ids")
    return ids


def _pool_get(
    ctx: CallContext,
    params: dict[str, Any],
    kind: Kind,
    spec: ObjectSpec,
    cap: int,
    keep: Callable[[dict[str, Any]], bool] | None = None,
    projection_type: type[Projection] = Projection,
) -> ServiceResult:
    """A login-scoped service whose SelectionCriteria is an optional IdsCriteria."""
    reject_unknown(params, {"SelectionCriteria", "Page", *spec.params()})
    return _pool_page(ctx, params, kind, spec, _ids_criteria(params, cap), keep, projection_type)


def _pool_page(
    ctx: CallContext,
    params: dict[str, Any],
    kind: Kind,
    spec: ObjectSpec,
    ids: Iterable[Any] | None,
    keep: Callable[[dict[str, Any]], bool] | None = None,
    projection_type: type[Projection] = Projection,
) -> ServiceResult:
    """One page of the login's objects of ``kind``: those named in ``ids`` (all when None) that ``keep``
    accepts, in pool order, projected by the request's FieldNames."""
    projection = projection_type(spec, params)
    page = parse_page(params)
    state = ctx.state
    with state.lock:
        keys = _named(state.account.pool(kind, ctx.login_index), ids)
        objects = [state.account.get(kind, key) for key in keys]
        if keep is not None:
            objects = [obj for obj in objects if keep(obj)]
        window, more = page_window(objects, page)
        return list_result(spec, [projection(obj) for obj in window], page, more)


def _named(keys: list[Any], ids: Iterable[Any] | None) -> list[Any]:
    if ids is None:
        return keys
    wanted = set(ids)
    return [key for key in keys if key in wanted]


# -- Sitelinks.get: https://yandex.com/dev/direct/doc/en/sitelinks/get ------------------------------


def sitelinks_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    reject_unknown(params, {"SelectionCriteria", "FieldNames", "SitelinkFieldNames", "Page"})
    ids = _ids_criteria(params, 10_000)
    projection = SitelinksProjection(params)
    page = parse_page(params)
    state = ctx.state
    with state.lock:
        keys = _named(state.account.pool(Kind.SITELINK_SET, ctx.login_index), ids)
        window, more = page_window(keys, page)
        objects = [projection(state.account.get(Kind.SITELINK_SET, key)) for key in window]
    result: dict[str, Any] = {SITELINKS_LIST_KEY: objects}
    marker = limited_by(page, len(objects), more)
    if marker is not None:
        result["LimitedBy"] = marker
    return ServiceResult(body=result_body(result), objects=len(objects))


# -- VCards.get: https://yandex.com/dev/direct/doc/en/vcards/get ------------------------------------


def vcards_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    reject_unknown(params, {"SelectionCriteria", "Page", *VCARD.params()})
    ids = _ids_criteria(params, 10_000)
    projection = Projection(VCARD, params)
    page = parse_page(params)
    state = ctx.state
    with state.lock:
        store = state.account
        shown = campaign_gate(ctx, Kind.CAMPAIGN)
        if ids is None:
            keys = sorted(v for c in state.campaign_ids(ctx.login_index) if shown(c) for v in store.campaign_vcards(c))
        else:
            keys = []
            for vcard_id in sorted(set(ids)):
                placement = store.placement(Kind.VCARD, vcard_id)
                if placement is not None and store.is_live(Kind.VCARD, vcard_id) and shown(placement[0]):
                    keys.append(vcard_id)
        window, more = page_window(keys, page)
        objects = [projection(store.get(Kind.VCARD, key)) for key in window]
    return list_result(VCARD, objects, page, more)


# -- AdImages.get: https://yandex.com/dev/direct/doc/en/adimages/get --------------------------------


def adimages_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    reject_unknown(params, {"SelectionCriteria", "Page", *AD_IMAGE.params()})
    criteria = _optional_criteria(params, {"AdImageHashes", "Associated"}) or {}
    hashes = string_list(criteria, "AdImageHashes", 10_000)
    associated = criteria.get("Associated")
    if associated is not None and associated not in YES_NO:
        raise ApiError(8000, "invalid_value", field="Associated", value=associated)
    keep = None if associated is None else lambda obj: obj["Associated"] == associated
    return _pool_page(ctx, params, Kind.AD_IMAGE, AD_IMAGE, hashes, keep)


# -- AdExtensions.get: https://yandex.com/dev/direct/doc/en/adextensions/get ------------------------


def adextensions_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    reject_unknown(params, {"SelectionCriteria", "Page", *AD_EXTENSION.params()})
    criteria = require_object(params, "SelectionCriteria")
    reject_unknown(criteria, {"Ids", "Types", "States", "Statuses", "ModifiedSince"})
    ids = id_list(criteria, "Ids", 10_000)
    types = enum_list(criteria, "Types", EXTENSION_TYPES)
    states = enum_list(criteria, "States", CALLOUT_STATES)
    statuses = enum_list(criteria, "Statuses", EXTENSION_STATUSES)
    since = optional_timestamp(criteria, "ModifiedSince")
    projection = Projection(AD_EXTENSION, params)
    page = parse_page(params)
    state = ctx.state
    with state.lock:
        store = state.account
        keys = _named(store.pool(Kind.CALLOUT, ctx.login_index, include_deleted=True), ids)
        objects = []
        for key in keys:
            if states is None and ids is None and store.is_deleted(Kind.CALLOUT, key):
                continue  # DELETED ones only when named or asked for
            if since is not None and store.modified(Kind.CALLOUT, key) < since:
                continue
            obj = store.get(Kind.CALLOUT, key)
            if (
                (states is None or obj["State"] in states)
                and (types is None or obj["Type"] in types)
                and (statuses is None or obj["Status"] in statuses)
            ):
                objects.append(obj)
        window, more = page_window(objects, page)
        return list_result(AD_EXTENSION, [projection(obj) for obj in window], page, more)


# -- BidModifiers.get: https://yandex.com/dev/direct/doc/en/bidmodifiers/get ------------------------


def bidmodifiers_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    reject_unknown(params, {"SelectionCriteria", "Page", *BID_MODIFIER.params()})
    criteria = require_object(params, "SelectionCriteria")
    reject_unknown(criteria, {"CampaignIds", "AdGroupIds", "Ids", "Types", "Levels"})
    campaign_ids = id_list(criteria, "CampaignIds", 10)
    group_ids = id_list(criteria, "AdGroupIds", 1000)
    ids = id_list(criteria, "Ids", 10_000)
    types = enum_list(criteria, "Types", MODIFIER_TYPES)
    levels = enum_list(criteria, "Levels", LEVELS)
    if levels is None:
        raise ApiError(8000, "required", field="SelectionCriteria.Levels")
    if campaign_ids is None and group_ids is None and ids is None:
        raise ApiError(4001, "selection_required", fields="CampaignIds, AdGroupIds, Ids")
    projection = Projection(BID_MODIFIER, params)
    page = parse_page(params)
    if page.offset + page.limit > MODIFIERS_WINDOW:
        raise ApiError(4002, "page_window", cap=MODIFIERS_WINDOW)
    state = ctx.state
    with state.lock:
        store = state.account
        shown = campaign_gate(ctx, Kind.CAMPAIGN)
        campaigns = None if campaign_ids is None else {c for c in campaign_ids if shown(c)}
        groups = None if group_ids is None else set(group_ids)

        def placed(modifier_id: int) -> bool:
            campaign_id, group_id = store.placement(Kind.BID_MODIFIER, modifier_id) or (0, None)
            return (
                (campaigns is None or campaign_id in campaigns)
                and (groups is None or group_id in groups)
                and ("AD_GROUP" if group_id is not None else "CAMPAIGN") in levels
            )

        candidates = _modifier_candidates(state, ctx, ids, campaigns, groups, levels, shown)
        if types is None:
            keep = placed
        else:

            def keep(modifier_id: int) -> bool:
                return placed(modifier_id) and store.get(Kind.BID_MODIFIER, modifier_id)["Type"] in types

        window, more = paginate_filtered(candidates, keep, page)
        objects = [projection(store.get(Kind.BID_MODIFIER, m)) for m in window]
    return list_result(BID_MODIFIER, objects, page, more)


def _modifier_candidates(
    state: AccountState,
    ctx: CallContext,
    ids: list[int] | None,
    campaigns: set[int] | None,
    groups: set[int] | None,
    levels: frozenset[str],
    shown: Callable[[int], bool],
) -> Iterator[int]:
    """Modifiers that may match, in (campaign, group, id) order; the caller applies the criteria."""
    store = state.account
    if ids is not None:
        chosen = []
        for modifier_id in set(ids):
            placement = store.placement(Kind.BID_MODIFIER, modifier_id)
            if placement is not None and store.is_live(Kind.BID_MODIFIER, modifier_id) and shown(placement[0]):
                chosen.append((placement[0], placement[1] or 0, modifier_id))
        yield from (modifier_id for _, _, modifier_id in sorted(chosen))
        return
    if groups is not None:
        live = [g for g in groups if state.is_live(Kind.AD_GROUP, g) and shown(state.parent_of(g))]
        for group_id in sorted(live, key=lambda g: (state.parent_of(g), g)):
            yield from store.group_modifiers(group_id)
        return
    for campaign_id in sorted(campaigns or ()):
        if "CAMPAIGN" in levels:
            yield from store.campaign_modifiers(campaign_id)
        if "AD_GROUP" in levels:
            for group_id in state.group_ids(campaign_id):
                yield from store.group_modifiers(group_id)


# -- KeywordBids.get: https://yandex.com/dev/direct/doc/en/keywordbids/get --------------------------


def keywordbids_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    reject_unknown(params, {"SelectionCriteria", "Page", *KEYWORD_BID.params()})
    criteria = require_object(params, "SelectionCriteria")
    reject_unknown(criteria, {"CampaignIds", "AdGroupIds", "KeywordIds", "ServingStatuses"})
    serving = enum_list(criteria, "ServingStatuses", SERVING_STATUSES)
    filters = [] if serving is None else [("ServingStatus", serving)]
    projection = Projection(KEYWORD_BID, params)
    page = parse_page(params)
    state = ctx.state
    with state.lock:
        chunks, more = child_selection(ctx, Kind.KEYWORD, criteria, page, filters, ids_name="KeywordIds")
        strategies = StrategyLookup(state)
        objects = [projection(keyword_bid(state, strategies, k)) for _, members in chunks for k in members]
    return list_result(KEYWORD_BID, objects, page, more)


class StrategyLookup:
    """Whether a campaign serves on search and in networks, memoised for one call: auction data are
    null where the strategy is SERVING_OFF (networks also NETWORK_DEFAULT), as KeywordBids.get says."""

    def __init__(self, state: AccountState) -> None:
        self.state = state
        self._known: dict[int, tuple[bool, bool]] = {}

    def __call__(self, campaign_id: int) -> tuple[bool, bool]:
        answer = self._known.get(campaign_id)
        if answer is None:
            campaign = self.state.get(campaign_id)
            block = campaign.get("TextCampaign") or campaign.get("UnifiedCampaign") or {}
            strategy = block.get("BiddingStrategy") or {}
            search = (strategy.get("Search") or {}).get("BiddingStrategyType")
            network = (strategy.get("Network") or {}).get("BiddingStrategyType")
            answer = (search != "SERVING_OFF", network not in (None, "SERVING_OFF", "NETWORK_DEFAULT"))
            self._known[campaign_id] = answer
        return answer


def keyword_bid(state: AccountState, strategies: StrategyLookup, keyword_id: int) -> dict[str, Any]:
    """The full KeywordBids object of a live keyword, from the keyword itself (so bids always agree)."""
    keyword = state.get(keyword_id)
    search_on, network_on = strategies(keyword["CampaignId"])
    return state.account.generator.keyword_bid(keyword, network_on, search_on)


# -- RetargetingLists.get: https://yandex.com/dev/direct/doc/en/retargetinglists/get ----------------


def retargetinglists_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    reject_unknown(params, {"SelectionCriteria", "Page", *RETARGETING_LIST.params()})
    criteria = _optional_criteria(params, {"Ids", "Types"}) or {}
    return _typed_pool_get(ctx, params, criteria, Kind.RETARGETING_LIST, RETARGETING_LIST, RETARGETING_TYPES)


def _typed_pool_get(
    ctx: CallContext,
    params: dict[str, Any],
    criteria: dict[str, Any],
    kind: Kind,
    spec: ObjectSpec,
    types_allowed: frozenset[str],
) -> ServiceResult:
    """A login-scoped service selected by ``Ids`` (up to 10 000) and ``Types``, the caller having checked
    which criteria it takes."""
    ids = id_list(criteria, "Ids", 10_000)
    types = enum_list(criteria, "Types", types_allowed)
    keep = None if types is None else lambda obj: obj["Type"] in types
    return _pool_page(ctx, params, kind, spec, ids, keep)


# -- NegativeKeywordSharedSets.get: https://yandex.com/dev/direct/doc/en/negativekeywordsharedsets/get


def negativekeywordsharedsets_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    return _pool_get(ctx, params, Kind.SHARED_SET, SHARED_SET, 30)  # "Ids: a maximum of 30 items"


# -- Clients.get: https://yandex.com/dev/direct/doc/en/clients/get ----------------------------------


def clients_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    """The advertiser's own settings (Client-Login picks it for an agency): always one object."""
    reject_unknown(params, CLIENT.params())
    projection = Projection(CLIENT, params)
    state = ctx.state
    with state.lock:
        client = projection(state.account.client(ctx.login_index))
    return ServiceResult(body=result_body({CLIENT.list_key: [client]}), objects=1)


# -- Dictionaries.get: https://yandex.com/dev/direct/doc/en/dictionaries/get ------------------------


def dictionaries_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    """One result key per requested dictionary; the same for every advertiser."""
    reject_unknown(params, {"DictionaryNames"})
    names = field_names(params, "DictionaryNames", DICTIONARY_NAMES)
    if "ProductivityAssertions" in names:
        raise ApiError(8000, "dictionary_not_emulated", name="ProductivityAssertions")
    state = ctx.state
    with state.lock:
        result = {name: state.account.dictionary(name) for name in names}
    return ServiceResult(body=result_body(result), objects=sum(len(items) for items in result.values()))


# -- Feeds.get: https://yandex.ru/dev/direct/doc/en/feeds/get ---------------------------------------


def feeds_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    """FeedsSelectionCriteria: "Ids ... Maximum of 10,000 items", required inside the optional criteria."""
    return _pool_get(ctx, params, Kind.FEED, FEED, 10_000, projection_type=SourceTypeProjection)


# -- TurboPages.get: https://yandex.com/dev/direct/doc/en/turbopages/get ----------------------------


def turbopages_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    """Published Turbo pages; IdsCriteria's ``Ids`` (1..10 000) and ``BoundWithHrefs`` are both optional."""
    reject_unknown(params, {"SelectionCriteria", "Page", *TURBO_PAGE.params()})
    criteria = _optional_criteria(params, {"Ids", "BoundWithHrefs"}) or {}
    ids = id_list(criteria, "Ids", 10_000)
    hrefs = string_list(criteria, "BoundWithHrefs", 10_000)
    wanted = None if hrefs is None else set(hrefs)
    keep = None if wanted is None else lambda obj: obj["BoundWithHref"] in wanted
    return _pool_page(ctx, params, Kind.TURBO_PAGE, TURBO_PAGE, ids, keep)


# -- Businesses.get: https://yandex.com/dev/direct/doc/en/businesses/get ----------------------------


def businesses_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    """IdsCriteria: "IDs of business profiles to get (maximum of 10,000)", required inside the criteria."""
    return _pool_get(ctx, params, Kind.BUSINESS, BUSINESS, 10_000)


# -- Creatives.get: https://yandex.com/dev/direct/doc/en/creatives/get ------------------------------


def creatives_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    """SelectionCriteria is required and may be empty; type blocks only for creatives of that type."""
    reject_unknown(params, {"SelectionCriteria", "Page", *CREATIVE.params()})
    criteria = require_object(params, "SelectionCriteria")
    reject_unknown(criteria, {"Ids", "Types"})
    return _typed_pool_get(ctx, params, criteria, Kind.CREATIVE, CREATIVE, CREATIVE_TYPES)


# -- Strategies.get: https://yandex.com/dev/direct/doc/en/strategies/get ----------------------------


def strategies_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    """Portfolio strategies, served at /json/v501/ only (the service has no /json/v5/ address)."""
    if ctx.version != STRATEGIES_VERSION:
        raise ApiError(55, "unknown_service", service="strategies")
    reject_unknown(params, {"SelectionCriteria", "Page", *STRATEGY.params()})
    criteria = require_object(params, "SelectionCriteria")
    reject_unknown(criteria, {"Ids", "Types", "IsArchived"})
    ids = id_list(criteria, "Ids", 10_000)
    types = enum_list(criteria, "Types", STRATEGY_TYPES)
    archived = criteria.get("IsArchived")
    if archived is not None and archived not in YES_NO:
        raise ApiError(8000, "invalid_value", field="IsArchived", value=archived)
    projection = Projection(STRATEGY, params)
    page = parse_page(params)
    state = ctx.state
    with state.lock:
        keys = _named(state.account.pool(Kind.STRATEGY, ctx.login_index), ids)
        objects = [state.account.get(Kind.STRATEGY, key) for key in keys]
        objects = [
            obj
            for obj in objects
            if (types is None or obj["Type"] in types) and (archived is None or obj["StatusArchived"] == archived)
        ]
        window, more = page_window(objects, page)
        return list_result(STRATEGY, [projection(obj) for obj in window], page, more)


# -- AudienceTargets.get: https://yandex.com/dev/direct/doc/en/audiencetargets/get ------------------


def audiencetargets_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    """Targets of the login's text groups in (campaign, group, id) order; the criteria intersect."""
    reject_unknown(params, {"SelectionCriteria", "Page", *AUDIENCE_TARGET.params()})
    criteria = require_object(params, "SelectionCriteria")
    reject_unknown(criteria, {"Ids", "AdGroupIds", "CampaignIds", "RetargetingListIds", "InterestIds", "States"})
    ids = id_list(criteria, "Ids", 10_000)
    group_ids = id_list(criteria, "AdGroupIds", 1000)
    campaign_ids = id_list(criteria, "CampaignIds", 100)
    list_ids = id_list(criteria, "RetargetingListIds", 1000)
    interest_ids = id_list(criteria, "InterestIds", 1000)
    states = enum_list(criteria, "States", AUDIENCE_TARGET_STATES)
    if ids is None and group_ids is None and campaign_ids is None and list_ids is None and interest_ids is None:
        raise ApiError(
            4001, "selection_required", fields="Ids, AdGroupIds, CampaignIds, RetargetingListIds, InterestIds"
        )
    projection = Projection(AUDIENCE_TARGET, params)
    page = parse_page(params)
    state = ctx.state
    with state.lock:
        store = state.account
        shown = campaign_gate(ctx, Kind.CAMPAIGN)
        if ids is not None:
            chosen = []
            for target_id in set(ids):
                placement = store.placement(Kind.AUDIENCE_TARGET, target_id)
                if placement is not None and store.is_live(Kind.AUDIENCE_TARGET, target_id):
                    chosen.append((placement[0], placement[1] or 0, target_id))
            candidates = [target_id for _, _, target_id in sorted(chosen)]
        else:
            groups = _selected_groups(ctx, group_ids, campaign_ids)
            candidates = [t for g in groups for t in store.group_targets(g)]
        objects = []
        for target_id in candidates:
            obj = store.get(Kind.AUDIENCE_TARGET, target_id)
            if (
                state.login_of(obj["CampaignId"]) == ctx.login_index
                and shown(obj["CampaignId"])
                and (group_ids is None or obj["AdGroupId"] in group_ids)
                and (campaign_ids is None or obj["CampaignId"] in campaign_ids)
                and (list_ids is None or obj["RetargetingListId"] in list_ids)
                and (interest_ids is None or obj["InterestId"] in interest_ids)
                and (states is None or obj["State"] in states)
            ):
                objects.append(obj)
        window, more = page_window(objects, page)
        return list_result(AUDIENCE_TARGET, [projection(obj) for obj in window], page, more)


def _selected_groups(ctx: CallContext, group_ids: list[int] | None, campaign_ids: list[int] | None) -> list[int]:
    """Live groups named by AdGroupIds, else those of the named (or every) campaign, in (campaign, id) order."""
    state = ctx.state
    if group_ids is not None:
        return sorted(
            (g for g in set(group_ids) if state.is_live(Kind.AD_GROUP, g)), key=lambda g: (state.parent_of(g), g)
        )
    campaigns = campaign_ids if campaign_ids is not None else state.campaign_ids(ctx.login_index)
    live = sorted(c for c in set(campaigns) if state.is_live(Kind.CAMPAIGN, c))
    return [g for c in live for g in state.group_ids(c)]


# -- DynamicTextAdTargets.get and SmartAdTargets.get -------------------------------------------------
#: WebpageStateSelectionEnum / SmartAdTargetStateSelectionEnum.
AD_TARGET_STATES = frozenset({"ON", "OFF", "SUSPENDED", "DELETED"})


def _ad_targets_get(
    ctx: CallContext, params: dict[str, Any], kind: Kind, spec: ObjectSpec, ids_ignore_states: bool
) -> ServiceResult:
    """Webpages or smart-ad targets of the login's groups in (campaign, group, id) order; criteria intersect."""
    reject_unknown(params, {"SelectionCriteria", "Page", *spec.params()})
    criteria = require_object(params, "SelectionCriteria")
    reject_unknown(criteria, {"Ids", "AdGroupIds", "CampaignIds", "States"})
    ids = id_list(criteria, "Ids", 10_000)
    group_ids = id_list(criteria, "AdGroupIds", 1000)
    campaign_ids = id_list(criteria, "CampaignIds", 2)
    states = enum_list(criteria, "States", AD_TARGET_STATES)
    if ids is None and group_ids is None and campaign_ids is None:
        raise ApiError(4001, "selection_required", fields="Ids, AdGroupIds, CampaignIds")
    if ids is not None and ids_ignore_states:
        states = None
    deleted_too = ids is not None or (states is not None and "DELETED" in states)
    projection = Projection(spec, params)
    page = parse_page(params)
    state = ctx.state
    with state.lock:
        store = state.account
        shown = campaign_gate(ctx, Kind.CAMPAIGN)
        groups = _selected_groups(ctx, group_ids, campaign_ids)
        wanted = None if ids is None else set(ids)
        objects = []
        for group_id in groups:
            for target_id in store.group_targets(group_id, kind, include_deleted=deleted_too):
                if wanted is not None and target_id not in wanted:
                    continue
                obj = store.get(kind, target_id)
                if (
                    state.login_of(obj["CampaignId"]) == ctx.login_index
                    and shown(obj["CampaignId"])
                    and (campaign_ids is None or obj["CampaignId"] in campaign_ids)
                    and (states is None or obj["State"] in states)
                    and (obj["State"] != "DELETED" or deleted_too)
                ):
                    objects.append(obj)
        window, more = page_window(objects, page)
        return list_result(spec, [projection(obj) for obj in window], page, more)


def dynamictextadtargets_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    """https://yandex.com/dev/direct/doc/en/dynamictextadtargets/get"""
    return _ad_targets_get(ctx, params, Kind.WEBPAGE, WEBPAGE, ids_ignore_states=False)


def smartadtargets_get(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    """https://yandex.com/dev/direct/doc/en/smartadtargets/get"""
    return _ad_targets_get(ctx, params, Kind.SMART_TARGET, SMART_AD_TARGET, ids_ignore_states=True)
