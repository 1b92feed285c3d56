"""Deterministic, lazy generator of the base account objects.

Every field is a pure function of ``(seed, id)`` through a 64-bit integer mix (splitmix64), so an
object can be rebuilt at any time without storing it and two runs with one seed agree byte for byte.
A per-object ``random.Random`` would be ~50x slower; a 10 000-keyword page must cost only milliseconds.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Sequence
from typing import Any

from airflow_provider_direct.emulator.ids import (
    DYNAMIC_TEXT_CAMPAIGN,
    SMART_CAMPAIGN,
    TEXT_CAMPAIGN,
    UNIFIED_CAMPAIGN,
    VCARDS_PER_CAMPAIGN,
    IdLayout,
    Kind,
    image_hash,
)

_MASK = (1 << 64) - 1

WORDS = (
    "купить",
    "слон",
    "недорого",
    "доставка",
    "москва",
    "отзывы",
    "цена",
    "скидка",
    "ремонт",
    "квартира",
    "диван",
    "кухня",
    "шины",
    "зимние",
    "ноутбук",
    "телефон",
    "аренда",
    "авто",
    "туры",
    "отель",
    "курсы",
    "english",
    "онлайн",
    "детский",
    "велосипед",
    "подарок",
    "цветы",
    "пицца",
    "суши",
    "такси",
    "окна",
    "двери",
    "обои",
    "ламинат",
    "плитка",
    "сантехник",
    "электрик",
    "юрист",
    "бухгалтер",
    "стоматолог",
    "клиника",
    "массаж",
    "фитнес",
    "йога",
    "книги",
    "игрушки",
    "одежда",
    "обувь",
    "часы",
    "сумки",
    "кофе",
    "чай",
    "мебель",
    "матрас",
    "кровать",
    "шкаф",
    "стол",
    "стул",
    "лампа",
    "ковер",
    "spb",
    "оптом",
    "подержанный",
    "новый",
)
TITLES = ("Скидки до 50%", "Бесплатная доставка", "Лучшая цена", "Official store", "Акция недели", "Новинки")
TEXTS = (
    "Большой выбор, быстрая доставка по всей России.",
    "Гарантия качества. Закажите онлайн прямо сейчас!",
    "Работаем без выходных. Звоните!",
    "Fast delivery, best prices, 24/7 support.",
)
REGIONS = (225, 1, 2, 213, 54, 65, 11316, 10174)

# Weighted pick tables: indexing with a few hash bits gives the distribution without branching.
CAMPAIGN_STATES = ("ON",) * 11 + ("OFF", "SUSPENDED", "ENDED", "ARCHIVED", "ON")
CAMPAIGN_STATUSES = ("ACCEPTED",) * 12 + ("DRAFT", "MODERATION", "MODERATION", "REJECTED")
OBJECT_STATES = ("ON",) * 12 + ("OFF", "OFF", "SUSPENDED", "ON")
OBJECT_STATUSES = ("ACCEPTED",) * 13 + ("DRAFT", "REJECTED", "ACCEPTED")
GROUP_STATUSES = ("ACCEPTED",) * 13 + ("DRAFT", "MODERATION", "REJECTED")
SERVING = ("ELIGIBLE",) * 7 + ("RARELY_SERVED",)
PRIORITIES = ("NORMAL", "NORMAL", "LOW", "HIGH")
BUDGET_MODES = ("STANDARD", "DISTRIBUTED")


def _json_literals(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(json.dumps(v, ensure_ascii=False) for v in values)


# Pre-encoded JSON literals for the keyword fast path (see ``DataGenerator.keyword_fragments``).
_J_WORDS = tuple(literal[1:-1] for literal in _json_literals(WORDS))
_J_OBJECT_STATES = _json_literals(OBJECT_STATES)
_J_OBJECT_STATUSES = _json_literals(OBJECT_STATUSES)
_J_SERVING = _json_literals(SERVING)
_J_PRIORITIES = _json_literals(PRIORITIES)


def mix(salt: int, value: int) -> int:
    """splitmix64 finaliser of ``value`` keyed by ``salt``: cheap, well distributed, deterministic."""
    z = (value * 0x9E3779B97F4A7C15 + salt) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


_CAMPAIGN_LABELS = {
    TEXT_CAMPAIGN: "Кампания",
    UNIFIED_CAMPAIGN: "ЕПК",
    DYNAMIC_TEXT_CAMPAIGN: "Динамическая",
    SMART_CAMPAIGN: "Смарт",
}
#: Group and ad ``Type`` per campaign ``Type``: a campaign holds groups and ads of its own kind.
GROUP_TYPES = {
    TEXT_CAMPAIGN: "TEXT_AD_GROUP",
    UNIFIED_CAMPAIGN: "UNIFIED_AD_GROUP",
    DYNAMIC_TEXT_CAMPAIGN: "DYNAMIC_TEXT_AD_GROUP",
    SMART_CAMPAIGN: "SMART_AD_GROUP",
}
AD_TYPES = {
    TEXT_CAMPAIGN: "TEXT_AD",
    UNIFIED_CAMPAIGN: "TEXT_AD",
    DYNAMIC_TEXT_CAMPAIGN: "DYNAMIC_TEXT_AD",
    SMART_CAMPAIGN: "SMART_AD",
}
#: The block each generated ad type carries; an ad never takes another type's block.
AD_BLOCKS = {"TEXT_AD": "TextAd", "DYNAMIC_TEXT_AD": "DynamicTextAd", "SMART_AD": "SmartAdBuilderAd"}
#: Campaign types whose groups hold keywords (dynamic and smart groups target pages and feed filters).
KEYWORD_CAMPAIGNS = frozenset({TEXT_CAMPAIGN, UNIFIED_CAMPAIGN})

_NO_REFERENCES: dict[str, Any] = {"SitelinkSetId": None, "VCardId": None, "AdImageHash": None, "AdExtensions": None}


def _phrase(h: int) -> str:
    return f"{WORDS[h & 63]} {WORDS[(h >> 6) & 63]} {WORDS[(h >> 12) & 63]}"


class DataGenerator:
    """Builds full base objects from ids; holds no per-object state."""

    def __init__(self, seed: int, layout: IdLayout, logins: list[str], epoch: dt.date) -> None:
        self.layout = layout
        self.logins = logins
        self.salt = mix(0x5EED, seed)
        self.ref_salt = mix(0xA11CE, seed)  # independent bits for the ads' references
        per_campaign = layout.groups * layout.ads
        # (sitelink sets, images, callouts per login, text ads per login, ads per text campaign)
        self._pools = (
            layout.sitelink_sets,
            layout.ad_images,
            layout.callouts,
            layout.campaigns * per_campaign,
            per_campaign,
        )
        self._epoch_ordinal = epoch.toordinal()

    def hash(self, object_id: int) -> int:
        return mix(self.salt, object_id)

    def _date(self, days_back: int) -> str:
        return dt.date.fromordinal(self._epoch_ordinal - days_back).isoformat()

    # -- campaigns ------------------------------------------------------------------------------

    def campaign(self, campaign_id: int, login: str, kind: str) -> dict[str, Any]:
        """A campaign of API ``Type`` ``kind`` (text, unified, dynamic text or smart) with its type's own block."""
        h = self.hash(campaign_id)
        has_budget = (h >> 20) & 3 == 0
        label = _CAMPAIGN_LABELS[kind]
        unified = kind == UNIFIED_CAMPAIGN
        obj: dict[str, Any] = {
            "Id": campaign_id,
            "Name": f"{label} {WORDS[h & 63]} #{campaign_id}",
            "Type": kind,
            "State": CAMPAIGN_STATES[(h >> 6) & 15],
            "Status": CAMPAIGN_STATUSES[(h >> 10) & 15],
            "StatusPayment": "ALLOWED",
            "StatusClarification": None,
            "StartDate": self._date((h >> 14) % 730),
            "EndDate": None,
            "DailyBudget": (
                {"Amount": ((h >> 24) % 5000 + 300) * 1_000_000, "Mode": BUDGET_MODES[(h >> 40) & 1]}
                if has_budget
                else None
            ),
            "Currency": "RUB",
            "ClientInfo": login,
            "TimeZone": "Europe/Moscow",
            "NegativeKeywords": {"Items": ["бесплатно", "скачать"]} if (h >> 42) & 3 == 0 else None,
            "SourceId": None,
            "Funds": None,
            "Statistics": {"Clicks": (h >> 44) % 100_000, "Impressions": (h >> 30) % 10_000_000},
            "BlockedIps": None,
            "ExcludedSites": None,
            "Notification": None,
            "RepresentedBy": None,
            "TimeTargeting": None,
        }
        counters = {"Items": [10_000_000 + (h >> 48) % 1_000_000]} if (h >> 47) & 1 else None
        if unified:
            # The UnifiedCampaign block of https://yandex.com/dev/direct/doc/en/campaigns/get-unified-campaign
            obj["UnifiedCampaign"] = {
                "CounterIds": counters,
                "Settings": [{"Option": "ADD_METRICA_TAG", "Value": "YES"}],
                # A weekly-budget strategy: the parameters come in the strategy's own block. PlacementTypes
                # is left out: it has its own *FieldNames array, which the emulator accepts but ignores.
                "BiddingStrategy": {
                    "Search": {
                        "BiddingStrategyType": "WB_MAXIMUM_CLICKS",
                        "WbMaximumClicks": {
                            "WeeklySpendLimit": ((h >> 24) % 5000 + 300) * 7_000_000,
                            "BidCeiling": None,
                            "CustomPeriodBudget": None,
                        },
                    },
                    "Network": {"BiddingStrategyType": "SERVING_OFF"},
                },
                "PriorityGoals": None,
                "TrackingParams": f"utm_source=yandex&utm_campaign={campaign_id}",
                "AttributionModel": "AUTO",
                "PackageBiddingStrategy": None,
                "CanBeUsedAsPackageBiddingStrategySource": "NO",
                "NegativeKeywordSharedSetIds": None,
            }
        elif kind == DYNAMIC_TEXT_CAMPAIGN:
            # DynamicTextCampaignFieldEnum of https://yandex.com/dev/direct/doc/en/campaigns/get
            obj["DynamicTextCampaign"] = {
                "PlacementTypes": None,
                "CounterIds": counters,
                "Settings": [{"Option": "ADD_METRICA_TAG", "Value": "YES"}],
                "BiddingStrategy": {
                    "Search": {"BiddingStrategyType": "HIGHEST_POSITION"},
                    "Network": {"BiddingStrategyType": "SERVING_OFF"},
                },
                "PriorityGoals": None,
                "TrackingParams": None,
                "AttributionModel": "LYDC",
                "PackageBiddingStrategy": None,
                "CanBeUsedAsPackageBiddingStrategySource": "NO",
                "NegativeKeywordSharedSetIds": None,
            }
        elif kind == SMART_CAMPAIGN:
            # SmartCampaignFieldEnum: one Metrica counter (CounterId), an average-CPC-per-filter strategy.
            obj["SmartCampaign"] = {
                "CounterId": 10_000_000 + (h >> 48) % 1_000_000,
                "Settings": [{"Option": "ADD_TO_FAVORITES", "Value": "NO"}],
                "BiddingStrategy": {
                    "Search": {"BiddingStrategyType": "SERVING_OFF"},
                    "Network": {
                        "BiddingStrategyType": "AVERAGE_CPC_PER_FILTER",
                        "AverageCpcPerFilter": {
                            "FilterAverageCpc": ((h >> 24) % 50 + 5) * 1_000_000,
                            "WeeklySpendLimit": None,
                        },
                    },
                },
                "PriorityGoals": None,
                "TrackingParams": None,
                "AttributionModel": "LYDC",
                "PackageBiddingStrategy": None,
                "CanBeUsedAsPackageBiddingStrategySource": "NO",
            }
        else:
            obj["TextCampaign"] = {
                "CounterIds": counters,
                "RelevantKeywords": None,
                "Settings": [{"Option": "ADD_METRICA_TAG", "Value": "YES"}],
                "BiddingStrategy": {
                    "Search": {"BiddingStrategyType": "HIGHEST_POSITION"},
                    "Network": {"BiddingStrategyType": "SERVING_OFF" if (h >> 50) & 1 else "MAXIMUM_COVERAGE"},
                },
                "PriorityGoals": None,
                "TrackingParams": None,
                "AttributionModel": "LYDC",
                "PackageBiddingStrategy": None,
                "CanBeUsedAsPackageBiddingStrategySource": "NO",
                "NegativeKeywordSharedSetIds": None,
            }
        return obj

    # -- groups ---------------------------------------------------------------------------------

    def ad_group(self, group_id: int, campaign_id: int, campaign_type: str, login_index: int = 0) -> dict[str, Any]:
        """A group of its campaign's type, with the type's block (unified, dynamic text and smart groups).

        A smart group names a feed of its login (``login_index``): the first one, a URL feed.
        """
        h = self.hash(group_id)
        group_type = GROUP_TYPES[campaign_type]
        obj: dict[str, Any] = {
            "Id": group_id,
            "CampaignId": campaign_id,
            "Name": f"Группа {_phrase(h)}",
            "Type": group_type,
            "Subtype": "NONE",
            "Status": GROUP_STATUSES[(h >> 18) & 15],
            "ServingStatus": SERVING[(h >> 22) & 7],
            "RegionIds": [REGIONS[(h >> 25) & 7]] if (h >> 28) & 1 else [REGIONS[(h >> 25) & 7], 225],
            "NegativeKeywords": {"Items": [WORDS[(h >> 29) & 63]]} if (h >> 35) & 3 == 0 else None,
            "NegativeKeywordSharedSetIds": None,
            "RestrictedRegionIds": None,
            "TrackingParams": f"utm_source=yandex&utm_content={group_id}" if (h >> 37) & 1 else "",
        }
        if group_type == "UNIFIED_AD_GROUP":
            obj["UnifiedAdGroup"] = {"OfferRetargeting": "YES" if (h >> 38) & 1 else "NO"}
        elif group_type == "DYNAMIC_TEXT_AD_GROUP":
            # DynamicTextAdGroupFieldEnum of https://yandex.com/dev/direct/doc/en/adgroups/get
            obj["DynamicTextAdGroup"] = {
                "DomainUrl": f"{WORDS[(h >> 38) & 63]}.example.com",
                "DomainUrlProcessingStatus": "PROCESSED",
                "AutotargetingCategories": None,
                "AutotargetingSettings": None,
            }
        elif group_type == "SMART_AD_GROUP":
            # SmartAdGroupFieldEnum: the feed and which of its fields make the title and the text.
            obj["SmartAdGroup"] = {
                "FeedId": self.layout.pool_id(Kind.FEED, login_index, 0),
                "AdTitleSource": "name",
                "AdBodySource": "description" if (h >> 38) & 1 else None,
            }
        return obj

    # -- ads ------------------------------------------------------------------------------------

    def ad(self, ad_id: int, group_id: int, campaign_id: int, campaign_type: str) -> dict[str, Any]:
        """An ad of its campaign's type: text ads carry references to account objects, dynamic ads a
        text only (the title comes from the page), smart ads an empty builder block (no creative)."""
        h = self.hash(ad_id)
        ad_type = AD_TYPES[campaign_type]
        obj: dict[str, Any] = {
            "Id": ad_id,
            "AdGroupId": group_id,
            "CampaignId": campaign_id,
            "Type": ad_type,
            "Subtype": "NONE",
            "State": OBJECT_STATES[h & 15],
            "Status": OBJECT_STATUSES[(h >> 4) & 15],
            "StatusClarification": None,
            "AdCategories": None,
            "AgeLabel": None,
        }
        if ad_type == "DYNAMIC_TEXT_AD":
            obj["DynamicTextAd"] = {
                "Text": TEXTS[(h >> 25) & 3],
                "VCardId": None,
                "AdImageHash": None,
                "SitelinkSetId": None,
                "AdExtensions": None,
                "AdImageModeration": None,
                "SitelinksModeration": None,
                "VCardModeration": None,
            }
        elif ad_type == "SMART_AD":
            obj["SmartAdBuilderAd"] = {"Creative": None}
        else:
            refs = self.ad_references(ad_id)
            obj["TextAd"] = {
                "Title": f"{TITLES[(h >> 8) % 6]}: {WORDS[(h >> 12) & 63]}",
                "Title2": WORDS[(h >> 18) & 63] if (h >> 24) & 1 else None,
                "Text": TEXTS[(h >> 25) & 3],
                "Href": f"https://example.com/{WORDS[(h >> 27) & 63]}?ad={ad_id}",
                "Mobile": "NO",
                "DisplayDomain": "example.com",
                "DisplayUrlPath": None,
                "VCardId": refs["VCardId"],
                "AdImageHash": refs["AdImageHash"],
                "SitelinkSetId": refs["SitelinkSetId"],
                "AdExtensions": refs["AdExtensions"],
                "TurboPageId": None,
                "BusinessId": None,
                # Documented TextAd fields the emulated ads leave unset.
                "FinalUrl": None,
                "AdImageModeration": None,
                "SitelinksModeration": None,
                "VCardModeration": None,
                "DisplayUrlPathModeration": None,
                "VideoExtension": None,
                "TurboPageModeration": None,
                "PreferVCardOverBusiness": None,
                "ErirAdDescription": None,
                "AutogeneratedErirAdDescription": None,
            }
        return obj

    # -- references of text ads to account-level objects ----------------------------------------
    # A base text ad points at its login's sitelink sets, images and callouts and at its campaign's
    # vCards (TextAd fields of https://yandex.com/dev/direct/doc/en/ads/get). Most references are drawn
    # by hash; a few "anchor" ads, spread evenly, always point at one given pool object, so every base
    # object is known to be in use without scanning the ads (Associated, and deletion rules, need that).

    def _ordinal(self, ad_id: int) -> tuple[int, int, int] | None:
        """(login index, campaign id, ordinal among the login's text ads) of a base text ad."""
        layout = self.layout
        if layout.base_kind(ad_id) is not Kind.AD:
            return None
        group_id = layout.ad_group(ad_id)
        campaign_id = layout.group_campaign(group_id)
        login_index, campaign_index = layout.campaign_position(campaign_id)
        if campaign_index >= layout.campaigns:  # dynamic and smart campaigns have no text ads
            return None
        group_index = group_id - layout.first_group(campaign_id)
        ordinal = (campaign_index * layout.groups + group_index) * layout.ads + (ad_id - layout.ad_id(group_id, 0))
        return login_index, campaign_id, ordinal

    @staticmethod
    def _anchored(ordinal: int, total: int, pool: int) -> int | None:
        """The pool member whose anchor is the ad at ``ordinal`` of ``total`` ads, if any."""
        stride = max(1, total // pool) if pool else 0
        if not stride or ordinal % stride:
            return None
        member = ordinal // stride
        return member if member < pool else None

    def ad_references(self, ad_id: int) -> dict[str, Any]:
        """``SitelinkSetId`` (~60%), ``VCardId`` (~30%), ``AdImageHash`` (~40%), ``AdExtensions`` (0..3 callouts).

        Every Ads.get page and every snapshot line computes this, so it avoids per-call allocations.
        """
        position = self._ordinal(ad_id)
        if position is None:
            return dict(_NO_REFERENCES)
        login_index, campaign_id, ordinal = position
        sets, images, callouts, total, per_campaign = self._pools
        layout = self.layout
        h = mix(self.ref_salt, ad_id)
        anchored = self._anchored
        member = anchored(ordinal, total, sets)
        if member is None and h % 10 < 6:
            member = (h >> 4) % sets
        sitelinks = None if member is None else layout.pool_id(Kind.SITELINK_SET, login_index, member)
        member = anchored(ordinal, total, images)
        if member is None and (h >> 12) % 10 < 4:
            member = (h >> 16) % images
        image = None if member is None else image_hash(layout.pool_id(Kind.AD_IMAGE, login_index, member))
        member = anchored(ordinal % per_campaign, per_campaign, VCARDS_PER_CAMPAIGN)
        if member is None and (h >> 24) % 10 < 3:
            member = (h >> 28) % VCARDS_PER_CAMPAIGN
        vcard = None if member is None else layout.vcard_id(campaign_id, member)
        chosen: list[int] = []
        anchor = anchored(ordinal, total, callouts)
        if anchor is not None:
            chosen.append(anchor)
        start = (h >> 36) % callouts
        for step in range((h >> 34) & 3):
            member = (start + step) % callouts
            if member not in chosen:
                chosen.append(member)
        extensions = None
        if chosen:
            extensions = [
                {"AdExtensionId": layout.pool_id(Kind.CALLOUT, login_index, m), "Type": "CALLOUT"} for m in chosen
            ]
        return {"SitelinkSetId": sitelinks, "VCardId": vcard, "AdImageHash": image, "AdExtensions": extensions}

    def anchor_ad(self, kind: Kind, scope: int, member: int) -> int | None:
        """The base ad that always references ``member`` of a pool: of login ``scope``, or of campaign
        ``scope`` for vCards; None when the account has too few ads to anchor it."""
        layout = self.layout
        per_campaign = layout.groups * layout.ads
        if kind is Kind.VCARD:
            stride = max(1, per_campaign // VCARDS_PER_CAMPAIGN)
            ordinal = member * stride
            if ordinal >= per_campaign:
                return None
            campaign_id = scope
        else:
            total = layout.campaigns * per_campaign
            stride = max(1, total // layout.pool_size(kind))
            ordinal = member * stride
            if ordinal >= total:
                return None
            campaign_id = layout.campaign_id(scope, ordinal // per_campaign)
            ordinal %= per_campaign
        group_index, ad_index = divmod(ordinal, layout.ads)
        return layout.ad_id(layout.group_id(campaign_id, group_index), ad_index)

    # -- keywords -------------------------------------------------------------------------------

    def keyword(self, keyword_id: int, group_id: int, campaign_id: int) -> dict[str, Any]:
        h = mix(self.salt, keyword_id)
        bid = ((h >> 20) % 3000 + 30) * 10_000
        return {
            "Id": keyword_id,
            "Keyword": _phrase(h),
            "State": OBJECT_STATES[(h >> 18) & 15],
            "Status": OBJECT_STATUSES[(h >> 22) & 15],
            "ServingStatus": SERVING[(h >> 26) & 7],
            "AdGroupId": group_id,
            "CampaignId": campaign_id,
            "Bid": bid,
            "AutotargetingSearchBidIsAuto": None,
            "ContextBid": bid // 2 if (h >> 29) & 1 else 0,
            "StrategyPriority": PRIORITIES[(h >> 30) & 3],
            "UserParam1": f"up{(h >> 32) & 1023}" if (h >> 42) & 1 else None,
            "UserParam2": None,
            "Productivity": None,
            "StatisticsSearch": None,
            "StatisticsNetwork": None,
            "AutotargetingCategories": None,
        }

    def keyword_fragments(
        self, keyword_ids: Sequence[int], group_id: int, campaign_id: int, fields: Sequence[str]
    ) -> list[str]:
        """The same keywords as ``keyword()``, already JSON-encoded and restricted to ``fields``.

        Keywords.get pages are the emulator's bulk traffic (a million objects per account). Building
        each requested column with one list comprehension over the whole chunk, instead of a dict per
        object followed by projection and ``json.dumps``, makes a 10 000-keyword page several times
        cheaper. A test pins this function to ``keyword()`` so the two can never drift apart.
        """
        salt = self.salt
        mask = _MASK
        mixed = [(i * 0x9E3779B97F4A7C15 + salt) & mask for i in keyword_ids]
        mixed = [((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask for z in mixed]
        mixed = [((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask for z in mixed]
        hashes = [z ^ (z >> 31) for z in mixed]
        count = len(hashes)
        bids: list[int] = []
        if "Bid" in fields or "ContextBid" in fields:
            bids = [((h >> 20) % 3000 + 30) * 10_000 for h in hashes]
        columns: list[list[str]] = []
        for name in fields:
            if name == "Id":
                columns.append([str(i) for i in keyword_ids])
            elif name == "Keyword":
                words = _J_WORDS
                columns.append([f'"{words[h & 63]} {words[(h >> 6) & 63]} {words[(h >> 12) & 63]}"' for h in hashes])
            elif name == "State":
                columns.append([_J_OBJECT_STATES[(h >> 18) & 15] for h in hashes])
            elif name == "Status":
                columns.append([_J_OBJECT_STATUSES[(h >> 22) & 15] for h in hashes])
            elif name == "ServingStatus":
                columns.append([_J_SERVING[(h >> 26) & 7] for h in hashes])
            elif name == "AdGroupId":
                columns.append([str(group_id)] * count)
            elif name == "CampaignId":
                columns.append([str(campaign_id)] * count)
            elif name == "Bid":
                columns.append([str(b) for b in bids])
            elif name == "ContextBid":
                columns.append([str(b // 2) if (h >> 29) & 1 else "0" for h, b in zip(hashes, bids, strict=True)])
            elif name == "StrategyPriority":
                columns.append([_J_PRIORITIES[(h >> 30) & 3] for h in hashes])
            elif name == "UserParam1":
                columns.append([f'"up{(h >> 32) & 1023}"' if (h >> 42) & 1 else "null" for h in hashes])
            else:  # fields the generator never sets
                columns.append(["null"] * count)
        template = _object_template(tuple(fields))
        return [template % row for row in zip(*columns, strict=True)]


@functools.lru_cache(maxsize=256)
def _object_template(fields: tuple[str, ...]) -> str:
    """``{"A":%s,"B":%s}`` for a field list: the skeleton every fast-path object is poured into."""
    return "{" + ",".join(f"{json.dumps(name)}:%s" for name in fields) + "}"
