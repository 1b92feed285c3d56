"""How one ad-day's traffic splits across the report dimensions (device, age, region, placement, criterion...).

Each ad-day is cut into ``SLICES`` slices. A slice has one value of every dimension, drawn from a hash of
(ad, day, slice), and a share of the ad-day's metrics; the shares are integer parts that add up exactly to
the ad-day. A report with dimension fields groups the slices by the values it asks for, so every report of
every type adds up to the same totals as the plain campaign report, as real statistics do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from airflow_provider_direct.emulator.data import WORDS, mix

SLICES = 4
DEVICES = ("DESKTOP", "MOBILE", "TABLET")
# AgeEnum and GenderEnum of https://yandex.com/dev/direct/doc/en/report-format
AGES = ("AGE_0_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55", "UNKNOWN")
GENDERS = ("GENDER_MALE", "GENDER_FEMALE", "UNKNOWN")
NETWORKS = ("SEARCH", "AD_NETWORK")
SITES = ("avito.ru", "mail.ru", "dzen.ru", "rambler.ru")
#: Regions of the emulated traffic: ids and names of the GeoRegions dictionary.
LOCATIONS = ((213, "Москва"), (2, "Санкт-Петербург"), (54, "Екатеринбург"), (65, "Новосибирск"))
#: Dimension fields the slices carry; a report of any of them is grouped by their values.
DIMENSIONS = frozenset(
    {
        "Device",
        "Age",
        "Gender",
        "AdNetworkType",
        "Placement",
        "LocationOfPresenceId",
        "LocationOfPresenceName",
        "TargetingLocationId",
        "TargetingLocationName",
        "CriterionId",
        "Criterion",
        "CriterionType",
        "Query",
    }
)

Criterion = Callable[[int, int], tuple[int | None, str, str]]


def split(total: int, weights: list[int]) -> list[int]:
    """Integer parts of ``total`` in proportion to ``weights``; the last takes the remainder, so they sum up."""
    whole = sum(weights)
    parts = [total * w // whole for w in weights[:-1]]
    return [*parts, total - sum(parts)]


def slices(
    salt: int, ad_id: int, ordinal: int, metrics: tuple[int, ...], criterion: Criterion
) -> Iterator[tuple[dict[str, Any], tuple[int, ...]]]:
    """The slices of one ad-day: their dimension values and their metrics (same order as ``metrics``).

    ``criterion(ad_id, h)`` gives (CriterionId, Criterion, CriterionType) of the ad's group for a hash.
    """
    base = mix(salt, ad_id * 1_000_003 + ordinal)
    hashes = [mix(base, i) for i in range(SLICES)]
    weights = [1 + (h & 7) for h in hashes]
    columns = [split(value, weights) for value in metrics]
    for i, h in enumerate(hashes):
        network = NETWORKS[(h >> 3) & 1]
        presence = LOCATIONS[(h >> 8) % len(LOCATIONS)]
        targeting = LOCATIONS[(h >> 12) % len(LOCATIONS)]
        criterion_id, text, kind = criterion(ad_id, h >> 16)
        dims = {
            "Device": DEVICES[(h >> 4) % 3],
            "Age": AGES[(h >> 20) % len(AGES)],
            "Gender": GENDERS[(h >> 24) % 3],
            "AdNetworkType": network,
            "Placement": "yandex.ru" if network == "SEARCH" else SITES[(h >> 28) % len(SITES)],
            "LocationOfPresenceId": presence[0],
            "LocationOfPresenceName": presence[1],
            "TargetingLocationId": targeting[0],
            "TargetingLocationName": targeting[1],
            "CriterionId": criterion_id,
            "Criterion": text,
            "CriterionType": kind,
            "Query": f"{text} {WORDS[(h >> 32) & 63]}" if kind == "KEYWORD" else WORDS[(h >> 32) & 63],
        }
        yield dims, tuple(column[i] for column in columns)
