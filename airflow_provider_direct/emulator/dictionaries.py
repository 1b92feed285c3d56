"""Reference dictionaries of Dictionaries.get: small static tables plus a per-dictionary revision.

Item shapes are those of https://yandex.com/dev/direct/doc/en/dictionaries/get (one result key per
requested dictionary, named like the dictionary). The tables are short but real where it matters: the
regions the generated groups target (``data.REGIONS``) with their ancestors, RUB with its documented
properties, Europe/Moscow. A ``dictionary`` mutation bumps a revision, and each revision adds one
entry, so a client that re-reads after Changes.checkDictionaries says YES sees a difference.

Only three flags exist (https://yandex.com/dev/direct/doc/en/changes/checkDictionaries):
RegionsChanged (GeoRegions, and the GeoRegionNames view of the same tree), TimeZonesChanged and
InterestsChanged; other dictionaries change without any flag.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Item = dict[str, Any]

#: checkDictionaries flag -> the dictionaries whose change it reports.
FLAGS: dict[str, tuple[str, ...]] = {
    "RegionsChanged": ("GeoRegions", "GeoRegionNames"),
    "TimeZonesChanged": ("TimeZones",),
    "InterestsChanged": ("Interests",),
}

# GeoRegionId, name, type, parent: the tree above every region of data.REGIONS.
_REGIONS: tuple[tuple[int, str, str, int | None], ...] = (
    (10000, "Земля", "World", None),
    (225, "Россия", "Country", 10000),
    (3, "Центр", "Administrative area", 225),
    (17, "Северо-Запад", "Administrative area", 225),
    (52, "Урал", "Administrative area", 225),
    (59, "Сибирь", "Administrative area", 225),
    (1, "Москва и Московская область", "Administrative area", 3),
    (213, "Москва", "City", 1),
    (10174, "Санкт-Петербург и Ленинградская область", "Administrative area", 17),
    (2, "Санкт-Петербург", "City", 10174),
    (11162, "Свердловская область", "Administrative area", 52),
    (54, "Екатеринбург", "City", 11162),
    (11316, "Новосибирская область", "Administrative area", 59),
    (65, "Новосибирск", "City", 11316),
)
#: Cities a GeoRegions revision adds, in order (real ids of the Yandex region tree).
_NEW_REGIONS = ((10716, "Балашиха", 1), (20728, "Королёв", 1), (10884, "Пушкин", 10174), (20523, "Электросталь", 1))
_TIME_ZONES = (("Europe/Moscow", "Москва", 10800), ("Europe/Kaliningrad", "Калининград", 7200))
_NEW_TIME_ZONES = (("Asia/Yekaterinburg", "Екатеринбург", 18000), ("Asia/Novosibirsk", "Новосибирск", 25200))
_RUB = (
    ("FullName", "российские рубли"),
    ("BidIncrement", "100000"),
    ("MaximumBid", "25000000000"),
    ("MaximumCPM", "3000000000"),
    ("MinimumAverageCPA", "900000"),
    ("MinimumAverageCPC", "900000"),
    ("MinimumBid", "300000"),
    ("MinimumCPM", "5000000"),
    ("MinimumDailyBudget", "300000000"),
    ("MinimumPayment", "300000000"),
    ("MinimumTransferAmount", "1000000000"),
    ("MinimumWeeklySpendLimit", "300000000"),
)
_EUR = (("FullName", "евро"), ("BidIncrement", "10000"), ("MaximumBid", "500000000"), ("MinimumBid", "10000"))
_CONSTANTS = (
    ("MaximumAdTextLength", "81"),
    ("MaximumAdTitleLength", "56"),
    ("MaximumSitelinksNumber", "8"),
    ("MaximumSitelinkTextLength", "30"),
    ("MaximumSitelinkDescriptionLength", "60"),
    ("MaximumTextAdTitle2Length", "30"),
)
_INTERESTS = (
    (42, None, "Игры", "NO"),
    (43, 42, "Головоломки", "YES"),
    (44, 42, "Гонки", "YES"),
    (45, None, "Финансы", "YES"),
)
_NEW_INTERESTS = ((46, None, "Образование", "YES"), (47, 46, "Языки", "YES"), (48, None, "Здоровье", "YES"))


def _geo_regions(revision: int) -> list[Item]:
    rows = list(_REGIONS) + [(i, name, "City", parent) for i, name, parent in _NEW_REGIONS[:revision]]
    return [{"GeoRegionId": i, "GeoRegionName": n, "GeoRegionType": t, "ParentId": p} for i, n, t, p in rows]


def _geo_region_names(revision: int) -> list[Item]:
    return [
        {key: row[key] for key in ("GeoRegionId", "GeoRegionName", "GeoRegionType")} for row in _geo_regions(revision)
    ]


def _time_zones(revision: int) -> list[Item]:
    rows = _TIME_ZONES + _NEW_TIME_ZONES[:revision]
    return [{"TimeZone": zone, "TimeZoneName": name, "UtcOffset": offset} for zone, name, offset in rows]


def _currencies(revision: int) -> list[Item]:
    rows = [("RUB", _RUB), ("EUR", _EUR)]
    if revision:
        rows.append(("KZT", (("FullName", "тенге"), ("MinimumBid", "5000000"))))
    return [{"Currency": code, "Properties": [{"Name": n, "Value": v} for n, v in props]} for code, props in rows]


def _constants(revision: int) -> list[Item]:
    rows = _CONSTANTS + ((("MaximumNumberOfNarrowCharacters", "15"),) if revision else ())
    return [{"Name": name, "Value": value} for name, value in rows]


def _interests(revision: int) -> list[Item]:
    rows = _INTERESTS + _NEW_INTERESTS[:revision]
    return [{"InterestId": i, "ParentId": p, "Name": n, "IsTargetable": t} for i, p, n, t in rows]


def _metro_stations(revision: int) -> list[Item]:
    rows = [
        (213, 20475, "Охотный Ряд"),
        (213, 20490, "Тверская"),
        (2, 20321, "Невский проспект"),
        (2, 20330, "Гостиный двор"),
    ]
    if revision:
        rows.append((213, 218432, "Лухмановская"))
    return [{"GeoRegionId": r, "MetroStationId": i, "MetroStationName": n} for r, i, n in rows]


def _ad_categories(revision: int) -> list[Item]:
    rows = [
        ("alcohol", "Алкоголь", "Чрезмерное употребление алкоголя вредит вашему здоровью"),
        ("medicine", "Лекарства", "Есть противопоказания. Посоветуйтесь с врачом"),
    ]
    return [{"AdCategory": c, "Description": d, "Message": m} for c, d, m in rows]


def _os_versions(revision: int) -> list[Item]:
    rows = [("Android", "10.0"), ("Android", "11.0"), ("iOS", "15.0"), ("iOS", "16.0")]
    return [{"OsName": n, "OsVersion": v} for n, v in rows]


def _ssps(revision: int) -> list[Item]:
    return [{"Title": title} for title in ("AdFox", "Google AdX", "MoPub")]


def _audience_criteria(revision: int) -> list[Item]:
    rows = [("GENDER", "SOCIAL", "Пол", "Пол пользователя", "ALL"), ("AGE", "SOCIAL", "Возраст", "Возраст", "ALL")]
    return [{"Type": t, "BlockElement": b, "Name": n, "Description": d, "CanSelect": c} for t, b, n, d, c in rows]


def _audience_profiles(revision: int) -> list[Item]:
    rows = [(2499000001, "GENDER", "Мужчины", "Пол: мужской"), (2499000002, "GENDER", "Женщины", "Пол: женский")]
    return [{"Id": i, "Type": t, "Name": n, "Description": d} for i, t, n, d in rows]


def _audience_interests(revision: int) -> list[Item]:
    rows = [
        (1, 2499001100, 0, "Авто", "Автомобили", "ANY"),
        (2, 2499001101, 2499001100, "Шины", "Шины и диски", "SHORT_TERM"),
    ]
    return [
        {"InterestKey": k, "Id": i, "ParentId": p, "Name": n, "Description": d, "InterestType": t}
        for k, i, p, n, d, t in rows
    ]


def _filter_schemas(revision: int) -> list[Item]:
    fields = [
        {
            "Name": "price",
            "Type": "Number",
            "NumberProps": {"Min": 0, "Max": 1_000_000_000, "Precision": 2},
            "Operators": [{"MaxItems": 1, "Type": "GREATER_THAN"}, {"MaxItems": 1, "Type": "LESS_THAN"}],
        },
        {
            "Name": "categoryId",
            "Type": "String",
            "StringProps": {"MaxLength": 255, "MinLength": 1},
            "Operators": [{"MaxItems": 50, "Type": "EQUALS_ANY"}],
        },
    ]
    return [{"Name": "retail_YandexMarket", "Fields": fields}]


#: Every dictionary the emulator serves. ProductivityAssertions, which the docs name without showing
#: its items, is answered with error 8000 rather than with an invented shape.
TABLES: dict[str, Callable[[int], list[Item]]] = {
    "Currencies": _currencies,
    "MetroStations": _metro_stations,
    "GeoRegions": _geo_regions,
    "GeoRegionNames": _geo_region_names,
    "TimeZones": _time_zones,
    "Constants": _constants,
    "AdCategories": _ad_categories,
    "OperationSystemVersions": _os_versions,
    "SupplySidePlatforms": _ssps,
    "Interests": _interests,
    "AudienceCriteriaTypes": _audience_criteria,
    "AudienceDemographicProfiles": _audience_profiles,
    "AudienceInterests": _audience_interests,
    "FilterSchemas": _filter_schemas,
}
#: How many revisions add something visible (later bumps are still reported, with equal content).
GROWTH: dict[str, int] = {
    "GeoRegions": len(_NEW_REGIONS),
    "GeoRegionNames": len(_NEW_REGIONS),
    "TimeZones": len(_NEW_TIME_ZONES),
    "Interests": len(_NEW_INTERESTS),
    "Currencies": 1,
    "Constants": 1,
    "MetroStations": 1,
}


def items(name: str, revision: int) -> list[Item]:
    """Items of dictionary ``name`` at ``revision`` (0 = as the emulator starts)."""
    return TABLES[name](revision)


def linked(name: str) -> tuple[str, ...]:
    """Dictionaries that change together: GeoRegionNames is a view of the GeoRegions tree."""
    for names in FLAGS.values():
        if name in names and len(names) > 1:
            return names
    return (name,)
