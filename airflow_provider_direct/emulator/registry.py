"""Which (service, method) pairs exist and which handler answers them."""

from __future__ import annotations

from airflow_provider_direct.emulator import account_services, changes, services
from airflow_provider_direct.emulator.context import Handler
from airflow_provider_direct.emulator.errors import ApiError

SERVICES: dict[str, dict[str, Handler]] = {
    "campaigns": {"get": services.campaigns_get},
    "adgroups": {"get": services.adgroups_get},
    "ads": {"get": services.ads_get},
    "keywords": {"get": services.keywords_get},
    "agencyclients": {"get": services.agencyclients_get},
    "sitelinks": {"get": account_services.sitelinks_get},
    "vcards": {"get": account_services.vcards_get},
    "adimages": {"get": account_services.adimages_get},
    "adextensions": {"get": account_services.adextensions_get},
    "bidmodifiers": {"get": account_services.bidmodifiers_get},
    "keywordbids": {"get": account_services.keywordbids_get},
    "retargetinglists": {"get": account_services.retargetinglists_get},
    "negativekeywordsharedsets": {"get": account_services.negativekeywordsharedsets_get},
    "clients": {"get": account_services.clients_get},
    "dictionaries": {"get": account_services.dictionaries_get},
    "feeds": {"get": account_services.feeds_get},
    "turbopages": {"get": account_services.turbopages_get},
    "businesses": {"get": account_services.businesses_get},
    "creatives": {"get": account_services.creatives_get},
    "strategies": {"get": account_services.strategies_get},
    "audiencetargets": {"get": account_services.audiencetargets_get},
    "dynamictextadtargets": {"get": account_services.dynamictextadtargets_get},
    "smartadtargets": {"get": account_services.smartadtargets_get},
    "changes": {
        "checkDictionaries": changes.check_dictionaries,
        "checkCampaigns": changes.check_campaigns,
        "check": changes.check,
    },
}


def resolve(service: str, method: str) -> Handler:
    """The handler, or error 55 for an unknown service or method."""
    methods = SERVICES.get(service)
    if methods is None:
        raise ApiError(55, "unknown_service", service=service)
    handler = methods.get(method)
    if handler is None:
        raise ApiError(55, "unknown_method", service=service, method=method)
    return handler
