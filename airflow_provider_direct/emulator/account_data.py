"""Deterministic, lazy generator of the account-level objects: a pure function of ``(seed, id)``.

Like ``data``, nothing is stored: a sitelink set, vCard, image, callout, retargeting list, shared set,
bid modifier, the auction data of a keyword's bids or a client's settings is rebuilt from its id on
every read, so an account of any size costs no memory until mutations touch it. Shapes follow the
``get`` answers of the official reference (one URL per builder below).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow_provider_direct.emulator.data import REGIONS, WORDS, mix
from airflow_provider_direct.emulator.ids import (
    CAMPAIGN_MODIFIERS_MAX,
    GROUP_MODIFIERS_MAX,
    RETARGETING_LISTS_PER_LOGIN,
    IdLayout,
    Kind,
    image_hash,
)

#: Bid adjustment types a text campaign or group may carry, and the block each one fills
#: (https://yandex.com/dev/direct/doc/en/bidmodifiers/get).
ADJUSTMENT_BLOCKS = {
    "MOBILE_ADJUSTMENT": "MobileAdjustment",
    "TABLET_ADJUSTMENT": "TabletAdjustment",
    "DESKTOP_ADJUSTMENT": "DesktopAdjustment",
    "DESKTOP_ONLY_ADJUSTMENT": "DesktopOnlyAdjustment",
    "DEMOGRAPHICS_ADJUSTMENT": "DemographicsAdjustment",
    "RETARGETING_ADJUSTMENT": "RetargetingAdjustment",
    "REGIONAL_ADJUSTMENT": "RegionalAdjustment",
    "VIDEO_ADJUSTMENT": "VideoAdjustment",
    "SMART_AD_ADJUSTMENT": "SmartAdAdjustment",
    "SERP_LAYOUT_ADJUSTMENT": "SerpLayoutAdjustment",
    "INCOME_GRADE_ADJUSTMENT": "IncomeGradeAdjustment",
    "AD_GROUP_ADJUSTMENT": "AdGroupAdjustment",
}
#: The types the generator draws (smart-ad, desktop-only and group adjustments only come from mutations).
GENERATED_ADJUSTMENTS = (
    "MOBILE_ADJUSTMENT",
    "TABLET_ADJUSTMENT",
    "DESKTOP_ADJUSTMENT",
    "DEMOGRAPHICS_ADJUSTMENT",
    "REGIONAL_ADJUSTMENT",
    "RETARGETING_ADJUSTMENT",
    "SERP_LAYOUT_ADJUSTMENT",
    "INCOME_GRADE_ADJUSTMENT",
    "VIDEO_ADJUSTMENT",
)
GENDERS = ("GENDER_MALE", "GENDER_FEMALE", None)
AGES = ("AGE_0_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55", None)
INCOME_GRADES = ("VERY_HIGH", "HIGH", "ABOVE_AVERAGE")
SITELINK_TITLES = ("Доставка", "Оплата", "Контакты", "Акции", "Каталог", "Отзывы", "О компании", "Гарантия")
CALLOUT_TEXTS = ("Бесплатная доставка", "Гарантия 2 года", "Скидки до 30%", "Работаем 24/7", "Самовывоз", "Рассрочка")
CITIES = (
    ("Москва", 213, "495"),
    ("Санкт-Петербург", 2, "812"),
    ("Екатеринбург", 54, "343"),
    ("Новосибирск", 65, "383"),
)
STREETS = ("Тверская", "Ленина", "Мира", "Садовая", "Невский проспект", "Гагарина")
#: Metro stations of the MetroStations dictionary (``dictionaries``) a Moscow or Petersburg vCard names.
METRO_BY_CITY = {213: (20475, 20490), 2: (20321, 20330)}
IMAGE_TYPES = (("REGULAR", "NONE"), ("WIDE", "NONE"), ("REGULAR", "NONE"), ("SMALL", "NONE"))
TRAFFIC_VOLUMES = (100, 90, 85, 75, 65, 15, 10, 5)
COVERAGE_PROBABILITIES = (100, 80, 50, 20)
RETARGETING_GROUP_TYPES = ("TEXT_AD_GROUP", "MOBILE_APP_AD_GROUP", "DYNAMIC_TEXT_AD_GROUP", "CPM_BANNER_AD_GROUP")


class AccountGenerator:
    """Builds account-level base objects from ids; holds no per-object state."""

    def __init__(self, seed: int, layout: IdLayout, logins: list[str], epoch: dt.date) -> None:
        self.layout = layout
        self.logins = logins
        self.salt = mix(0xACC7, seed)
        self.epoch = epoch

    def hash(self, key: int) -> int:
        return mix(self.salt, key)

    # -- login-scoped pools ---------------------------------------------------------------------

    def sitelink_set(self, set_id: int) -> dict[str, Any]:
        """A set of 2..4 sitelinks (https://yandex.com/dev/direct/doc/en/sitelinks/get): Href and
        Description nillable, TurboPageId unset."""
        h = self.hash(set_id)
        count = 2 + h % 3
        first = (h >> 4) % len(SITELINK_TITLES)
        links = []
        for position in range(count):
            title = SITELINK_TITLES[(first + position) % len(SITELINK_TITLES)]
            links.append(
                {
                    "Title": title,
                    "Href": f"https://example.com/{WORDS[(h >> (8 + position * 6)) & 63]}?set={set_id}",
                    "Description": f"{title}: {WORDS[(h >> (32 + position * 6)) & 63]}" if (h >> 60) & 1 else None,
                    "TurboPageId": None,
                }
            )
        return {"Id": set_id, "Sitelinks": links}

    def ad_image(self, number: int) -> dict[str, Any]:
        """An uploaded image (https://yandex.com/dev/direct/doc/en/adimages/get); ``Associated`` is
        filled in by the store, which knows the ads."""
        h = self.hash(number)
        image_hash_value = image_hash(number)
        image_type, subtype = IMAGE_TYPES[h & 3]
        base = f"https://avatars.mds.yandex.net/get-direct/{1000 + h % 9000}/{image_hash_value}"
        return {
            "AdImageHash": image_hash_value,
            "OriginalUrl": f"{base}/orig",
            "PreviewUrl": f"{base}/x90",
            "Name": f"{WORDS[(h >> 8) & 63]}_{number % 100_000}.jpg",
            "Type": image_type,
            "Subtype": subtype,
        }

    def callout(self, callout_id: int) -> dict[str, Any]:
        """A callout extension (https://yandex.com/dev/direct/doc/en/adextensions/get). ``State`` is not
        a FieldNames value; it drives the ``States`` criterion and the DELETED rule."""
        h = self.hash(callout_id)
        return {
            "Id": callout_id,
            "Type": "CALLOUT",
            "State": "ON",
            "Status": "ACCEPTED" if h % 8 else "MODERATION",
            "StatusClarification": None,
            "Callout": {"CalloutText": CALLOUT_TEXTS[(h >> 3) % len(CALLOUT_TEXTS)]},
        }

    def retargeting_list(self, list_id: int, index: int) -> dict[str, Any]:
        """A retargeting list (https://yandex.com/dev/direct/doc/en/retargetinglists/get): the first
        two of a login are RETARGETING (usable by bid modifiers), the third an AUDIENCE segment list."""
        h = self.hash(list_id)
        audience = index == RETARGETING_LISTS_PER_LOGIN - 1
        goals = [
            {"MembershipLifeSpan": 30 + (h >> s) % 60, "ExternalId": 10_000_000 + (h >> (s + 8)) % 1_000_000}
            for s in (0, 20)
        ]
        return {
            "Id": list_id,
            "Type": "AUDIENCE" if audience else "RETARGETING",
            "Name": f"{'Сегмент' if audience else 'Ретаргетинг'} {WORDS[(h >> 40) & 63]} #{index + 1}",
            "Description": f"Посетители раздела {WORDS[(h >> 46) & 63]}" if (h >> 52) & 1 else None,
            "Rules": [{"Arguments": goals, "Operator": "ANY" if (h >> 53) & 1 else "ALL"}],
            "IsAvailable": "YES",
            "Scope": "FOR_TARGETS_ONLY" if audience else "FOR_TARGETS_AND_ADJUSTMENTS",
            "AvailableForTargetsInAdGroupTypes": {"Items": list(RETARGETING_GROUP_TYPES[: 2 + (h >> 54) % 3])},
        }

    def shared_set(self, set_id: int) -> dict[str, Any]:
        """A negative keyword shared set (https://yandex.com/dev/direct/doc/en/negativekeywordsharedsets/get)."""
        h = self.hash(set_id)
        words = sorted({WORDS[(h >> s) & 63] for s in (0, 6, 12, 18)})
        return {"Id": set_id, "Name": f"Минус-фразы {WORDS[(h >> 24) & 63]}", "NegativeKeywords": words}

    # -- campaign-scoped objects ----------------------------------------------------------------

    def vcard(self, vcard_id: int, campaign_id: int) -> dict[str, Any]:
        """A vCard of a campaign (https://yandex.com/dev/direct/doc/en/vcards/get): Phone and
        InstantMessenger are objects, PointOnMap a MapPoint, nillable fields null when unset."""
        h = self.hash(vcard_id)
        city, region, code = CITIES[h % len(CITIES)]
        metro = METRO_BY_CITY.get(region)
        x = 37.0 + (h >> 8) % 1000 / 1000
        y = 55.0 + (h >> 18) % 1000 / 1000
        return {
            "Id": vcard_id,
            "CampaignId": campaign_id,
            "Country": "Россия",
            "City": city,
            "Street": STREETS[(h >> 28) % len(STREETS)],
            "House": str(1 + (h >> 31) % 120),
            "Building": str(1 + (h >> 38) % 5) if (h >> 41) & 1 else None,
            "Apartment": None,
            "CompanyName": f"ООО «{WORDS[(h >> 42) & 63].capitalize()}»",
            "ExtraMessage": "Работаем без выходных" if (h >> 48) & 1 else None,
            "ContactPerson": None,
            "ContactEmail": f"info{vcard_id % 1000}@example.com" if (h >> 49) & 1 else None,
            "MetroStationId": metro[(h >> 50) & 1] if metro and (h >> 51) & 1 else None,
            "Ogrn": None,
            "WorkTime": "0;4;09;00;18;00" if (h >> 52) & 1 else "0;6;00;00;00;00",
            "InstantMessenger": None,
            "Phone": {
                "CountryCode": "+7",
                "CityCode": code,
                "PhoneNumber": f"{(h >> 53) % 900 + 100}-{(h >> 10) % 90 + 10}-{(h >> 17) % 90 + 10}",
                "Extension": None,
            },
            "PointOnMap": {
                "X": round(x, 6),
                "Y": round(y, 6),
                "X1": round(x - 0.002, 6),
                "Y1": round(y - 0.001, 6),
                "X2": round(x + 0.002, 6),
                "Y2": round(y + 0.001, 6),
            },
        }

    def campaign_modifier_count(self, campaign_id: int) -> int:
        """0..3 campaign-level bid modifiers per text campaign."""
        return self.hash(campaign_id) % (CAMPAIGN_MODIFIERS_MAX + 1)

    def group_modifier_count(self, group_id: int) -> int:
        """0..2 group-level bid modifiers per text ad group."""
        return self.hash(group_id) % (GROUP_MODIFIERS_MAX + 1)

    def bid_modifier(
        self, modifier_id: int, campaign_id: int, group_id: int | None, index: int, login_index: int
    ) -> dict[str, Any]:
        """A bid modifier (https://yandex.com/dev/direct/doc/en/bidmodifiers/get): the types of one
        campaign or group are distinct; BidModifier is a percentage the bid is multiplied by / 100."""
        owner = group_id if group_id is not None else campaign_id
        offset = self.hash(owner) >> 8
        modifier_type = GENERATED_ADJUSTMENTS[(offset + index) % len(GENERATED_ADJUSTMENTS)]
        h = self.hash(modifier_id)
        return {
            "Id": modifier_id,
            "CampaignId": campaign_id,
            "AdGroupId": group_id,
            "Level": "CAMPAIGN" if group_id is None else "AD_GROUP",
            "Type": modifier_type,
            ADJUSTMENT_BLOCKS[modifier_type]: self.adjustment(modifier_type, h, login_index),
        }

    def adjustment(self, modifier_type: str, h: int, login_index: int) -> dict[str, Any]:
        """The type's own block with its documented value ranges (regional 10..1300, others 0..1300)."""
        value = 50 + (h % 26) * 10  # 50..300 %
        if modifier_type in ("MOBILE_ADJUSTMENT", "TABLET_ADJUSTMENT"):
            return {"BidModifier": value, "OperatingSystemType": ("IOS", "ANDROID", None)[(h >> 8) % 3]}
        if modifier_type == "DEMOGRAPHICS_ADJUSTMENT":
            gender = GENDERS[(h >> 8) % 3]
            age = AGES[(h >> 10) % (len(AGES) - 1 if gender is None else len(AGES))]
            return {"Gender": gender, "Age": age, "BidModifier": value, "Enabled": "YES"}
        if modifier_type == "RETARGETING_ADJUSTMENT":
            list_index = (h >> 8) % (RETARGETING_LISTS_PER_LOGIN - 1)  # RETARGETING-type lists only
            list_id = self.layout.pool_id(Kind.RETARGETING_LIST, login_index, list_index)
            return {"RetargetingConditionId": list_id, "BidModifier": value, "Accessible": "YES", "Enabled": "YES"}
        if modifier_type == "REGIONAL_ADJUSTMENT":
            return {"RegionId": REGIONS[(h >> 8) & 7], "BidModifier": value, "Enabled": "YES"}
        if modifier_type == "SERP_LAYOUT_ADJUSTMENT":
            return {"SerpLayout": ("ALONE", "SUGGEST")[(h >> 8) & 1], "BidModifier": value, "Enabled": "YES"}
        if modifier_type == "INCOME_GRADE_ADJUSTMENT":
            return {"Grade": INCOME_GRADES[(h >> 8) % 3], "BidModifier": value, "Enabled": "YES"}
        return {"BidModifier": value}

    # -- keyword bids ---------------------------------------------------------------------------

    def keyword_bid(self, keyword: dict[str, Any], network_on: bool, search_on: bool = True) -> dict[str, Any]:
        """The KeywordBids view of a keyword (https://yandex.com/dev/direct/doc/en/keywordbids/get).

        ``Search.Bid`` and ``Network.Bid`` are the keyword's own ``Bid`` and ``ContextBid``, so the two
        services always agree. Auction data are null for RARELY_SERVED groups, ``Coverage`` also when
        the campaign's network strategy is SERVING_OFF or NETWORK_DEFAULT, as the page says.
        """
        h = self.hash(keyword["Id"])
        rare = keyword.get("ServingStatus") == "RARELY_SERVED"
        base = ((h % 400) + 20) * 10_000  # the lowest auction bid, micros
        auction = None
        if search_on and not rare:
            items = []
            for rank, volume in enumerate(TRAFFIC_VOLUMES):
                bid = base * (len(TRAFFIC_VOLUMES) - rank + 2) // 3
                items.append({"TrafficVolume": volume, "Bid": bid, "Price": bid * (70 + (h >> 12) % 25) // 100})
            auction = {"AuctionBidItems": items}
        coverage = None
        if network_on and not rare:
            coverage = {
                "CoverageItems": [
                    {"Probability": probability, "Bid": base * probability // 40}
                    for probability in COVERAGE_PROBABILITIES
                ]
            }
        return {
            "KeywordId": keyword["Id"],
            "AdGroupId": keyword["AdGroupId"],
            "CampaignId": keyword["CampaignId"],
            "ServingStatus": keyword["ServingStatus"],
            "StrategyPriority": keyword["StrategyPriority"],
            "Search": {
                "Bid": keyword["Bid"],
                "AutotargetingSearchBidIsAuto": keyword.get("AutotargetingSearchBidIsAuto"),
                "AuctionBids": auction,
            },
            "Network": {"Bid": keyword["ContextBid"], "Coverage": coverage},
        }

    # -- clients --------------------------------------------------------------------------------

    def client(self, login_index: int) -> dict[str, Any]:
        """An advertiser's settings as Clients.get and AgencyClients.get return them
        (https://yandex.com/dev/direct/doc/en/clients/get); money in micros, dates YYYY-MM-DD."""
        login = self.logins[login_index]
        return {
            "Login": login,
            "ClientId": 50_000_000 + login_index,
            "ClientInfo": f"Клиент {login}",
            "Archived": "NO",
            "CountryId": 225,
            "Currency": "RUB",
            "CreatedAt": self.epoch.isoformat(),
            "Type": "CLIENT",
            "AccountQuality": None,
            "Grants": [{"Privilege": "EDIT_CAMPAIGNS", "Value": "YES"}],
            "Bonuses": {"AwaitingBonus": 0, "AwaitingBonusWithoutNds": 0},
            "Notification": None,
            "OverdraftSumAvailable": 0,
            "Phone": None,
            "Representatives": [{"Login": login, "Role": "CHIEF", "Email": f"{login}@example.com"}],
            "Restrictions": [
                {"Element": "CAMPAIGNS_TOTAL_PER_CLIENT", "Value": 3000},
                {"Element": "CAMPAIGNS_UNARCHIVED_PER_CLIENT", "Value": 1000},
                {"Element": "ADGROUPS_TOTAL_PER_CAMPAIGN", "Value": 1000},
                {"Element": "KEYWORDS_TOTAL_PER_ADGROUP", "Value": 200},
                {"Element": "AD_EXTENSIONS_TOTAL", "Value": 1000},
            ],
            "Settings": [{"Option": "CORRECT_TYPOS_AUTOMATICALLY", "Value": "YES"}],
            "VatRate": 20,
            "ForbiddenPlatform": "NONE",
            "AvailableCampaignTypes": ["TEXT_CAMPAIGN", "UNIFIED_CAMPAIGN", "SMART_CAMPAIGN"],
        }
