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
    AUDIENCE_TARGETS_MAX,
    CAMPAIGN_MODIFIERS_MAX,
    FEEDS_PER_LOGIN,
    GROUP_MODIFIERS_MAX,
    RETARGETING_LISTS_PER_LOGIN,
    SMART_TARGETS_MAX,
    WEBPAGES_MAX,
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
#: (BusinessType, FilterSchema) of generated feeds (BusinessType values of https://yandex.ru/dev/direct/doc/en/feeds/get).
FEED_BUSINESSES = (("RETAIL", "YandexMarket"), ("RETAIL", "GoogleMerchant"), ("OTHER", "PerformanceDefault"))
FEED_STATUSES = ("DONE", "DONE", "DONE", "UPDATING", "NEW", "ERROR")
RUBRICS = ("Интернет-магазин", "Магазин электроники", "Доставка еды", "Автосервис", "Салон красоты")
#: Creative types a login's pool draws, and the block each type-specific *FieldNames array fills
#: (https://yandex.com/dev/direct/doc/en/creatives/get).
CREATIVE_TYPES = (
    "VIDEO_EXTENSION_CREATIVE",
    "IMAGE_CREATIVE",
    "SMART_CREATIVE",
    "CPC_VIDEO_CREATIVE",
    "HTML5_CREATIVE",
)
CREATIVE_BLOCKS = {
    "VIDEO_EXTENSION_CREATIVE": "VideoExtensionCreative",
    "CPC_VIDEO_CREATIVE": "CpcVideoCreative",
    "CPM_VIDEO_CREATIVE": "CpmVideoCreative",
    "SMART_CREATIVE": "SmartCreative",
}
CREATIVE_SIZES = ((240, 400), (300, 250), (728, 90), (300, 600))
#: Portfolio strategy types the generator draws, and the block of each
#: (https://yandex.com/dev/direct/doc/en/strategies/get); the other types only come from mutations.
STRATEGY_BLOCKS = {
    "WB_MAXIMUM_CLICKS": "WbMaximumClicks",
    "WB_MAXIMUM_CONVERSION_RATE": "WbMaximumConversionRate",
    "AVERAGE_CPC": "AverageCpc",
    "AVERAGE_CPA": "AverageCpa",
    "PAY_FOR_CONVERSION": "PayForConversion",
    "AVERAGE_CPA_PER_CAMPAIGN": "AverageCpaPerCampaign",
    "PAY_FOR_CONVERSION_PER_CAMPAIGN": "PayForConversionPerCampaign",
    "PAY_FOR_CONVERSION_PER_FILTER": "PayForConversionPerFilter",
    "AVERAGE_CPA_MULTIPLE_GOALS": "AverageCpaMultipleGoals",
    "PAY_FOR_CONVERSION_MULTIPLE_GOALS": "PayForConversionMultipleGoals",
}
GENERATED_STRATEGIES = ("WB_MAXIMUM_CLICKS", "AVERAGE_CPC", "AVERAGE_CPA", "PAY_FOR_CONVERSION")
ATTRIBUTION_MODELS = ("LC", "LSC", "FC", "LYDC", "LSCCD", "FCCD", "LYDCCD")


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

    def feed(self, feed_id: int, index: int) -> dict[str, Any]:
        """A product feed (https://yandex.ru/dev/direct/doc/en/feeds/get): the last of a login's base
        feeds is uploaded as a FILE, the others are fetched from a URL. Only the block of the feed's
        SourceType is present (``UrlFeedFieldNames``/``FileFeedFieldNames`` return nothing for the other).
        ``CampaignIds`` is null: no emulated campaign or group names a feed."""
        h = self.hash(feed_id)
        word = WORDS[(h >> 8) & 63]
        business, schema = FEED_BUSINESSES[h % len(FEED_BUSINESSES)]
        status = FEED_STATUSES[(h >> 4) % len(FEED_STATUSES)]
        done = status == "DONE"
        updated = dt.datetime.combine(self.epoch, dt.time(3, (h >> 14) % 60)) - dt.timedelta(days=1 + (h >> 20) % 9)
        obj: dict[str, Any] = {
            "Id": feed_id,
            "Name": f"Фид {word} #{index + 1}",
            "BusinessType": business,
            "SourceType": "FILE" if index == FEEDS_PER_LOGIN - 1 else "URL",
            "FilterSchema": schema,
            "UpdatedAt": updated.strftime("%Y-%m-%dT%H:%M:%SZ") if status != "NEW" else None,
            "CampaignIds": None,
            "NumberOfItems": 50 + (h >> 26) % 5000 if done else None,
            "Status": status,
            "TitleAndTextSources": ["name", "description"] if done and (h >> 40) & 1 else None,
        }
        if obj["SourceType"] == "URL":
            obj["UrlFeed"] = {
                "Url": f"https://example.com/feeds/{word}.yml",
                "RemoveUtmTags": "YES" if (h >> 41) & 1 else "NO",
                "Login": f"feed-{word}" if (h >> 42) & 1 else None,
            }
        else:
            obj["FileFeed"] = {"Filename": f"{word}_{feed_id % 10_000}.xml"}
        return obj

    def turbo_page(self, page_id: int) -> dict[str, Any]:
        """A published Turbo page (https://yandex.com/dev/direct/doc/en/turbopages/get)."""
        h = self.hash(page_id)
        word = WORDS[(h >> 8) & 63]
        site = f"example-{(h >> 20) % 1000}"
        return {
            "Id": page_id,
            "Name": f"Турбо-страница {word}",
            "Href": f"https://{site}.turbo.site/page{page_id % 10**7}",
            "PreviewHref": f"https://{site}.turbo.site/page{page_id % 10**7}?preview=1",
            "TurboSiteHref": f"https://{site}.turbo.site",
            "BoundWithHref": f"https://example.com/{word}",
        }

    def business(self, business_id: int) -> dict[str, Any]:
        """An organisation's profile in Yandex Business (https://yandex.com/dev/direct/doc/en/businesses/get)."""
        h = self.hash(business_id)
        city, _, code = CITIES[h % len(CITIES)]
        word = WORDS[(h >> 8) & 63]
        office = (h >> 14) & 1
        return {
            "Id": business_id,
            "Name": f"{word.capitalize()} и партнёры",
            "Address": f"{city}, ул. {STREETS[(h >> 16) % len(STREETS)]}, {1 + (h >> 20) % 90}" if office else None,
            "Phone": f"+7 ({code}) {(h >> 27) % 900 + 100}-{(h >> 37) % 90 + 10}-{(h >> 44) % 90 + 10}",
            "ProfileUrl": f"https://yandex.ru/profile/{business_id}",
            "InternalUrl": f"https://yandex.ru/sprav/{business_id}",
            "IsPublished": "NO" if (h >> 50) % 8 == 0 else "YES",
            "MergedIds": None,
            "Rubric": RUBRICS[(h >> 51) % len(RUBRICS)],
            "Urls": [f"https://example.com/{word}"] if (h >> 55) & 1 else None,
            "HasOffice": "YES" if office else "NO",
        }

    def creative(self, creative_id: int, index: int) -> dict[str, Any]:
        """A creative (https://yandex.com/dev/direct/doc/en/creatives/get): the type cycles through the
        pool, so a login has video extensions, images and smart creatives. ``Associated`` is NO: no
        emulated ad carries a CreativeId (the emulated TextAd has no VideoExtension, smart ads no builder block)."""
        h = self.hash(creative_id)
        creative_type = CREATIVE_TYPES[index % len(CREATIVE_TYPES)]
        width, height = CREATIVE_SIZES[h % len(CREATIVE_SIZES)]
        video = creative_type in ("VIDEO_EXTENSION_CREATIVE", "CPC_VIDEO_CREATIVE", "CPM_VIDEO_CREATIVE")
        base = f"https://storage.mds.yandex.net/get-bstor/{1000 + (h >> 8) % 9000}/{creative_id}"
        obj: dict[str, Any] = {
            "Id": creative_id,
            "Type": creative_type,
            "Name": f"Креатив {WORDS[(h >> 20) & 63]}",
            "PreviewUrl": f"{base}/preview",
            "Width": None if video else width,
            "Height": None if video else height,
            "ThumbnailUrl": f"{base}/thumb.jpg" if video else None,
            "Associated": "NO",
            "IsAdaptive": "YES" if creative_type == "SMART_CREATIVE" and (h >> 26) & 1 else "NO",
        }
        block = CREATIVE_BLOCKS.get(creative_type)
        if block == "SmartCreative":
            obj[block] = {
                "CreativeGroupId": 7_000_000 + (h >> 30) % 100_000,
                "CreativeGroupName": f"Группа креативов {WORDS[(h >> 40) & 63]}",
                "BusinessType": "RETAIL",
            }
        elif block is not None:
            obj[block] = {"Duration": 6 + (h >> 30) % 25}
        return obj

    def strategy(self, strategy_id: int, index: int) -> dict[str, Any]:
        """A portfolio strategy (https://yandex.com/dev/direct/doc/en/strategies/get, /json/v501/ only):
        money in micros, the block of its own Type only, CustomPeriodBudget and BudgetType unset (a
        weekly budget). The last of a login's base strategies is archived."""
        h = self.hash(strategy_id)
        strategy_type = GENERATED_STRATEGIES[(index + h) % len(GENERATED_STRATEGIES)]
        goal = 20_000_000 + (h >> 10) % 1_000_000
        counter = 90_000_000 + (h >> 30) % 1_000_000
        weekly = (3000 + (h >> 8) % 30 * 1000) * 1_000_000
        return {
            "Id": strategy_id,
            "Name": f"Пакетная стратегия {WORDS[(h >> 40) & 63]}",
            "Type": strategy_type,
            "AttributionModel": ATTRIBUTION_MODELS[(h >> 46) % len(ATTRIBUTION_MODELS)],
            "CounterIds": {"Items": [counter]},
            "PriorityGoals": {
                "Items": [
                    {"GoalId": goal, "Value": 1_000_000 * (100 + (h >> 50) % 900), "IsMetrikaSourceOfValue": "NO"}
                ]
            }
            if strategy_type != "WB_MAXIMUM_CLICKS"
            else None,
            "StatusArchived": "YES" if index == 2 else "NO",
            STRATEGY_BLOCKS[strategy_type]: self.strategy_block(strategy_type, h, goal, weekly),
        }

    @staticmethod
    def strategy_block(strategy_type: str, h: int, goal: int, weekly: int) -> dict[str, Any]:
        """The Type's block with the fields of its *FieldNames array on the strategies/get page."""
        budget = {"WeeklySpendLimit": weekly, "CustomPeriodBudget": None, "BudgetType": None}
        if strategy_type == "WB_MAXIMUM_CLICKS":
            return {**budget, "BidCeiling": (h >> 4) % 2 * 50_000_000 or None}
        if strategy_type == "AVERAGE_CPC":
            return {"AverageCpc": (10 + (h >> 4) % 90) * 1_000_000, **budget}
        if strategy_type == "AVERAGE_CPA":
            return {
                "AverageCpa": (300 + (h >> 4) % 700) * 1_000_000,
                "GoalId": goal,
                **budget,
                "BidCeiling": None,
                "ExplorationBudget": None,
            }
        return {"Cpa": (300 + (h >> 4) % 700) * 1_000_000, "GoalId": goal, **budget}

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

    # -- audience targets -----------------------------------------------------------------------

    def audience_target(
        self, target_id: int, campaign_id: int, group_id: int, index: int, login_index: int
    ) -> dict[str, Any]:
        """An audience target (https://yandex.com/dev/direct/doc/en/audiencetargets/get): a group's
        targets name distinct RETARGETING lists of its login (the AUDIENCE list only through
        mutations, at most one per text group), none an interest (interests are for mobile app groups)."""
        h = self.hash(target_id)
        first = self.hash(group_id) >> 12
        list_index = (first + index) % (RETARGETING_LISTS_PER_LOGIN - 1)
        return {
            "Id": target_id,
            "AdGroupId": group_id,
            "CampaignId": campaign_id,
            "RetargetingListId": self.layout.pool_id(Kind.RETARGETING_LIST, login_index, list_index),
            "InterestId": None,
            "ContextBid": (5 + h % 200) * 100_000,
            "StrategyPriority": ("LOW", "NORMAL", "HIGH")[(h >> 10) % 3],
            "State": "SUSPENDED" if (h >> 14) % 8 == 0 else "ON",
        }

    # -- webpages and smart-ad targets -----------------------------------------------------------

    def group_target_count(self, kind: Kind, group_id: int) -> int:
        """Base objects of a group-owned kind: 0..2 audience targets per text group, 1..2 webpages per
        dynamic text group, 1..2 filters per smart group (such groups cannot serve without one)."""
        h = self.hash(group_id)
        if kind is Kind.AUDIENCE_TARGET:
            return (h >> 5) % (AUDIENCE_TARGETS_MAX + 1)
        return 1 + (h >> 9) % (WEBPAGES_MAX if kind is Kind.WEBPAGE else SMART_TARGETS_MAX)

    def webpage(self, target_id: int, campaign_id: int, group_id: int, index: int) -> dict[str, Any]:
        """A dynamic text ad target (https://yandex.com/dev/direct/doc/en/dynamictextadtargets/get): the
        first of a group may cover every page (PAGES_ALL, no conditions), the others a URL subset."""
        h = self.hash(target_id)
        every_page = index == 0 and (h >> 3) & 1 == 0
        word = WORDS[(h >> 8) & 63]
        conditions = (
            None
            if every_page
            else [
                {"Operand": "URL", "Operator": "CONTAINS_ANY", "Arguments": [word]},
                *([{"Operand": "PAGE_TITLE", "Operator": "NOT_CONTAINS_ALL", "Arguments": ["архив"]}] * ((h >> 4) & 1)),
            ]
        )
        bid = (5 + (h >> 14) % 300) * 100_000
        return {
            "Id": target_id,
            "AdGroupId": group_id,
            "CampaignId": campaign_id,
            "Name": "Все страницы" if every_page else f"Страницы про {word}",
            "Bid": bid,
            "ContextBid": bid // 2 if (h >> 24) & 1 else 0,
            "StrategyPriority": ("LOW", "NORMAL", "HIGH")[(h >> 25) % 3],
            "State": "SUSPENDED" if (h >> 28) % 8 == 0 else "ON",
            "StatusClarification": None,
            "Conditions": conditions,
            "ConditionType": "PAGES_ALL" if every_page else "PAGES_SUBSET",
        }

    def smart_target(self, target_id: int, campaign_id: int, group_id: int, index: int) -> dict[str, Any]:
        """A smart-ad filter (https://yandex.com/dev/direct/doc/en/smartadtargets/get) over the group's
        feed: the first of a group may take every offer (ITEMS_ALL), the others a category or price range."""
        h = self.hash(target_id)
        every_item = index == 0 and (h >> 3) & 1 == 0
        if every_item:
            conditions = None
        elif (h >> 4) & 1:
            conditions = {
                "Items": [{"Operand": "categoryId", "Operator": "EQUALS_ANY", "Arguments": [str(h % 90 + 10)]}]
            }
        else:
            low = 100 * ((h >> 6) % 50 + 1)
            conditions = {"Items": [{"Operand": "price", "Operator": "IN_RANGE", "Arguments": [f"{low}-{low * 3}"]}]}
        return {
            "Id": target_id,
            "AdGroupId": group_id,
            "CampaignId": campaign_id,
            "Name": "Все товары" if every_item else f"Фильтр {WORDS[(h >> 8) & 63]}",
            "AverageCpc": (5 + (h >> 14) % 300) * 100_000 if (h >> 24) & 1 else None,
            "AverageCpa": None,
            "StrategyPriority": None,
            "State": "SUSPENDED" if (h >> 28) % 8 == 0 else "ON",
            "Audience": ("ALL_SEGMENTS", "INTERESTED_IN_SIMILAR_PRODUCTS", "VISITED_PRODUCT_PAGE")[(h >> 31) % 3],
            "Conditions": conditions,
            "ConditionType": "ITEMS_ALL" if every_item else "ITEMS_SUBSET",
            "AvailableItemsOnly": "YES" if (h >> 34) & 1 else "NO",
        }

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
