"""The Changes service: checkDictionaries, checkCampaigns and check.

Guarantees clients rely on: the returned ``Timestamp`` is the server's floor(now) taken atomically with
the answer, and a change made at second ``s`` is reported for every query with ``Timestamp <= s``
(duplicates are possible, gaps are not). Keyword changes surface as changes of their ad group, deleted
children of live campaigns are *Modified* (a later ``get`` returns nothing for them), and requested ids
that do not (or no longer) exist are *NotFound*.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_direct.emulator import dictionaries
from airflow_provider_direct.emulator.clock import format_timestamp
from airflow_provider_direct.emulator.context import CallContext, ServiceResult
from airflow_provider_direct.emulator.criteria import optional_timestamp, reject_unknown, required_timestamp
from airflow_provider_direct.emulator.encoding import result_body
from airflow_provider_direct.emulator.errors import ApiError
from airflow_provider_direct.emulator.ids import Kind
from airflow_provider_direct.emulator.state import AccountState

CHECK_INPUTS: dict[str, tuple[Kind, int]] = {
    "CampaignIds": (Kind.CAMPAIGN, 3000),
    "AdGroupIds": (Kind.AD_GROUP, 10_000),
    "AdIds": (Kind.AD, 50_000),
}
CHECK_FIELDS = frozenset({"CampaignIds", "AdGroupIds", "AdIds", "CampaignsStat"})


def check_dictionaries(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    """Flags only when a Timestamp is sent (https://yandex.com/dev/direct/doc/en/changes/checkDictionaries):
    YES when a dictionary the flag covers changed at or after it (``dictionary`` mutations)."""
    reject_unknown(params, {"Timestamp"})
    since = optional_timestamp(params, "Timestamp")
    state = ctx.state
    with state.lock:
        now = state.clock.now_seconds()
        changed = dict(state.account.dictionary_changed)
    result: dict[str, Any] = {}
    if since is not None:
        for flag, names in dictionaries.FLAGS.items():
            result[flag] = "YES" if any(changed.get(name, -1) >= since for name in names) else "NO"
    result["Timestamp"] = format_timestamp(now)
    return ServiceResult(body=result_body(result), objects=0)


def check_campaigns(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    reject_unknown(params, {"Timestamp"})
    since = required_timestamp(params, "Timestamp")
    state = ctx.state
    with state.lock:
        now = state.clock.now_seconds()
        touched = state.log.campaigns_by_login.get(ctx.login_index, ())
        campaigns = []
        for campaign_id in sorted(touched):
            changes = state.log.changes_in(campaign_id, since)
            if changes:
                campaigns.append({"CampaignId": campaign_id, "ChangesIn": changes})
    result: dict[str, Any] = {}
    if campaigns:
        result["Campaigns"] = campaigns
    result["Timestamp"] = format_timestamp(now)
    return ServiceResult(body=result_body(result), objects=0)


def check(ctx: CallContext, params: dict[str, Any]) -> ServiceResult:
    reject_unknown(params, {*CHECK_INPUTS, "FieldNames", "Timestamp"})
    given = [name for name in CHECK_INPUTS if name in params]
    if len(given) != 1:
        raise ApiError(8000, "exactly_one", fields=", ".join(CHECK_INPUTS))
    input_name = given[0]
    kind, cap = CHECK_INPUTS[input_name]
    ids = params[input_name]
    if not isinstance(ids, list):
        raise ApiError(8000, "must_be_array", field=input_name)
    if not 1 <= len(ids) <= cap:
        raise ApiError(4001, "ids_cap", field=input_name, cap=cap)
    for object_id in ids:
        if isinstance(object_id, bool) or not isinstance(object_id, int):
            raise ApiError(8000, "invalid_value", field=input_name, value=object_id)
    fields = params.get("FieldNames")
    if not isinstance(fields, list) or not fields:
        raise ApiError(8000, "required" if fields is None else "must_be_array", field="FieldNames")
    for name in fields:
        if name not in CHECK_FIELDS:
            raise ApiError(8000, "invalid_value", field="FieldNames", value=name)
    since = required_timestamp(params, "Timestamp")

    login_index = ctx.login_index
    unique_ids = list(dict.fromkeys(ids))
    processed, unprocessed = ctx.faults.split_unprocessed(login_index, input_name, unique_ids)
    state = ctx.state
    with state.lock:
        now = state.clock.now_seconds()
        collector = _CheckCollector(state, since, frozenset(fields))
        for object_id in processed:
            if not (state.is_live(kind, object_id) and state.login_of(object_id) == login_index):
                collector.not_found[input_name].add(object_id)
            elif kind is Kind.CAMPAIGN:
                collector.campaign_scope(object_id)
            elif kind is Kind.AD_GROUP:
                collector.group_scope(object_id)
            else:
                collector.ad_scope(object_id)
    result = collector.result()
    if unprocessed:
        result["Unprocessed"] = {input_name: unprocessed}
    result["Timestamp"] = format_timestamp(now)
    return ServiceResult(body=result_body(result), objects=len(ids))


class _CheckCollector:
    """Accumulates Modified/NotFound sets for one ``check`` call."""

    def __init__(self, state: AccountState, since: int, fields: frozenset[str]) -> None:
        self.state = state
        self.log = state.log
        self.since = since
        self.fields = fields
        self.modified: dict[str, set[int]] = {"CampaignIds": set(), "AdGroupIds": set(), "AdIds": set()}
        self.not_found: dict[str, set[int]] = {"CampaignIds": set(), "AdGroupIds": set(), "AdIds": set()}
        self.stat: dict[int, str] = {}

    def _campaign_fields(self, campaign_id: int) -> None:
        if "CampaignIds" in self.fields and self.log.campaign_self_changed(campaign_id, self.since):
            self.modified["CampaignIds"].add(campaign_id)
        if "CampaignsStat" in self.fields:
            border = self.log.border_date(campaign_id, self.since)
            if border is not None:
                self.stat[campaign_id] = border

    def campaign_scope(self, campaign_id: int) -> None:
        self._campaign_fields(campaign_id)
        if "AdGroupIds" in self.fields:
            self.modified["AdGroupIds"].update(self.log.changed_groups(campaign_id, self.since))
        if "AdIds" in self.fields:
            self.modified["AdIds"].update(self.log.changed_ads_in_campaign(campaign_id, self.since))

    def group_scope(self, group_id: int) -> None:
        self._campaign_fields(self.state.parent_of(group_id))
        if "AdGroupIds" in self.fields and self.log.group_changed_since(group_id, self.since):
            self.modified["AdGroupIds"].add(group_id)
        if "AdIds" in self.fields:
            self.modified["AdIds"].update(self.log.changed_ads_in_group(group_id, self.since))

    def ad_scope(self, ad_id: int) -> None:
        group_id = self.state.parent_of(ad_id)
        self._campaign_fields(self.state.parent_of(group_id))
        if "AdGroupIds" in self.fields and self.log.group_changed_since(group_id, self.since):
            self.modified["AdGroupIds"].add(group_id)
        if "AdIds" in self.fields and self.log.ad_changed_since(ad_id, self.since):
            self.modified["AdIds"].add(ad_id)

    def result(self) -> dict[str, Any]:
        """Only non-empty arrays and objects, like the real API's JSON."""
        result: dict[str, Any] = {}
        modified: dict[str, Any] = {name: sorted(ids) for name, ids in self.modified.items() if ids}
        if self.stat:
            modified["CampaignsStat"] = [
                {"CampaignId": campaign_id, "BorderDate": border} for campaign_id, border in sorted(self.stat.items())
            ]
        if modified:
            result["Modified"] = modified
        not_found = {name: sorted(ids) for name, ids in self.not_found.items() if ids}
        if not_found:
            result["NotFound"] = not_found
        return result
