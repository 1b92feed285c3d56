"""The sync planner and engine on requests-mock answers shaped like seed 004's examples."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import requests_mock as rm

from airflow_provider_direct.exceptions import DirectUnitsExhaustedError
from airflow_provider_direct.hooks.direct import DirectHook
from airflow_provider_direct.models.direct import CheckCampaignsResult
from airflow_provider_direct.sync.engine import DirectIncrementalSync
from airflow_provider_direct.sync.planner import plan_campaigns
from airflow_provider_direct.warehouse.schema import AD_GROUPS, ADS, CAMPAIGNS, KEYWORDS
from airflow_provider_direct.warehouse.store import DirectWarehouse, SyncState

BASE = "https://direct.test/json/v501"
NOW = dt.datetime(2015, 2, 2, 13, 0, tzinfo=dt.timezone.utc)
SEED_CHECK_CAMPAIGNS = {
    "Campaigns": [
        {"CampaignId": 13243, "ChangesIn": ["SELF"]},
        {"CampaignId": 13326, "ChangesIn": ["SELF", "CHILDREN"]},
        {"CampaignId": 14742, "ChangesIn": ["CHILDREN", "STAT"]},
    ],
    "Timestamp": "2015-02-02T12:24:31Z",
}


def test_plan_campaigns_seed_example() -> None:
    answer = CheckCampaignsResult.model_validate(SEED_CHECK_CAMPAIGNS)
    plan = plan_campaigns(answer, readable={13243, 14742})
    assert plan.refetch == [13243, 13326]
    assert plan.check_children == [14742]
    assert plan.check_field_names == ["AdGroupIds", "AdIds", "CampaignsStat"]
    assert plan.unknown_children == [13326]


def test_plan_skips_children_of_campaigns_we_cannot_read() -> None:
    answer = CheckCampaignsResult.model_validate(
        {"Campaigns": [{"CampaignId": 99, "ChangesIn": ["CHILDREN"]}], "Timestamp": "2015-02-02T12:24:31Z"}
    )
    plan = plan_campaigns(answer, readable=set())
    assert (plan.check_children, plan.unknown_children, plan.check_field_names) == ([], [99], ["AdGroupIds", "AdIds"])


class FakeDirect:
    """A requests-mock callback answering by service, method and ids, recording what was asked."""

    def __init__(self, answers: dict[tuple[str, str], Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, request: Any, context: Any) -> dict[str, Any]:
        service = request.path.rsplit("/", 1)[-1]
        body = json.loads(request.body)
        self.calls.append((service, body["method"], body["params"]))
        context.headers.update({"Units": "10/1000/5000", "Units-Used-Login": "client-1", "RequestId": "r"})
        answer = self.answers[(service, body["method"])]
        return answer(body["params"]) if callable(answer) else answer


def by_ids(objects: list[dict[str, Any]], key: str, criterion: str, field: str = "Id") -> Any:
    def answer(params: dict[str, Any]) -> dict[str, Any]:
        wanted = set(params["SelectionCriteria"][criterion])
        return {"result": {key: [o for o in objects if o[field] in wanted]}}

    return answer


@pytest.fixture
def hook(direct_conn: str) -> DirectHook:
    return DirectHook(direct_conn, retry_min_wait=0, retry_max_wait=0)


@pytest.fixture
def warehouse(make_connection: Any, tmp_path: Any) -> DirectWarehouse:
    return DirectWarehouse.from_conn_id(make_connection("wh", conn_type="sqlite", host=str(tmp_path / "wh.db")))


def seed_warehouse(warehouse: DirectWarehouse) -> None:
    then = NOW - dt.timedelta(hours=3)
    with warehouse.transaction() as tx:
        tx.upsert_objects(CAMPAIGNS, "client-1", [{"Id": c, "Name": f"c{c}"} for c in (13243, 13326, 14742)], then)
        tx.upsert_objects(
            AD_GROUPS,
            "client-1",
            [
                {"Id": 500, "CampaignId": 13326},
                {"Id": 23543, "CampaignId": 14742},
                {"Id": 23874, "CampaignId": 14742},
            ],
            then,
        )
        tx.upsert_objects(
            ADS,
            "client-1",
            [{"Id": 9, "AdGroupId": 500, "CampaignId": 13326}, {"Id": 33651, "AdGroupId": 23543, "CampaignId": 14742}],
            then,
        )
        tx.upsert_objects(
            KEYWORDS,
            "client-1",
            [
                {"Id": 1, "AdGroupId": 500, "CampaignId": 13326, "Keyword": "gone with campaign"},
                {"Id": 2, "AdGroupId": 23543, "CampaignId": 14742, "Keyword": "deleted keyword"},
                {"Id": 3, "AdGroupId": 23543, "CampaignId": 14742, "Keyword": "kept"},
                {"Id": 4, "AdGroupId": 23874, "CampaignId": 14742, "Keyword": "gone with group"},
            ],
            then,
        )
        tx.write_state(SyncState("client-1", watermark="2015-02-02T10:08:22Z", last_reconcile_at=then))


def test_incremental_run_on_seed_004_answers(
    hook: DirectHook, warehouse: DirectWarehouse, requests_mock: rm.Mocker
) -> None:
    seed_warehouse(warehouse)
    fake = FakeDirect(
        {
            ("changes", "checkCampaigns"): {"result": SEED_CHECK_CAMPAIGNS},
            ("campaigns", "get"): by_ids([{"Id": 13243, "Name": "renamed"}], "Campaigns", "Ids"),
            ("changes", "check"): {
                "result": {
                    "Modified": {
                        "AdGroupIds": [23543, 23544, 23874],
                        "AdIds": [33651, 33921, 34028, 34106],
                        "CampaignsStat": [{"CampaignId": 14742, "BorderDate": "2015-01-28"}],
                    },
                    "Timestamp": "2015-02-02T12:23:11Z",
                }
            },
            ("adgroups", "get"): by_ids(
                [{"Id": 23543, "CampaignId": 14742}, {"Id": 23544, "CampaignId": 14742}], "AdGroups", "Ids"
            ),
            ("keywords", "get"): by_ids(
                [
                    {"Id": 3, "AdGroupId": 23543, "CampaignId": 14742, "Keyword": "kept"},
                    {"Id": 5, "AdGroupId": 23544, "CampaignId": 14742, "Keyword": "new"},
                ],
                "Keywords",
                "AdGroupIds",
                field="AdGroupId",
            ),
            ("ads", "get"): by_ids(
                [{"Id": i, "AdGroupId": 23543, "CampaignId": 14742} for i in (33651, 33921, 34028)], "Ads", "Ids"
            ),
        }
    )
    requests_mock.post(rm.ANY, json=fake)

    result = DirectIncrementalSync(hook, warehouse, "client-1", clock=lambda: NOW).run()

    asked = [(s, m) for s, m, _ in fake.calls]
    assert asked == [
        ("changes", "checkCampaigns"),
        ("campaigns", "get"),
        ("changes", "check"),
        ("adgroups", "get"),
        ("keywords", "get"),
        ("ads", "get"),
    ]
    params = {(s, m): p for s, m, p in fake.calls}
    assert params[("changes", "checkCampaigns")] == {"Timestamp": "2015-02-02T10:08:22Z"}
    assert params[("campaigns", "get")]["SelectionCriteria"] == {"Ids": [13243, 13326]}
    # 13326 was SELF and Campaigns.get no longer returns it: deleted, so its children are not checked.
    assert params[("changes", "check")] == {
        "CampaignIds": [14742],
        "FieldNames": ["AdGroupIds", "AdIds", "CampaignsStat"],
        "Timestamp": "2015-02-02T10:08:22Z",
    }
    assert params[("keywords", "get")]["SelectionCriteria"] == {"AdGroupIds": [23543, 23544]}

    assert result.mode == "incremental"
    assert (result.watermark_from, result.watermark_to) == ("2015-02-02T10:08:22Z", "2015-02-02T12:24:31Z")
    assert warehouse.read_state("client-1").watermark == "2015-02-02T12:24:31Z"
    assert sorted(warehouse.live_ids(CAMPAIGNS, "client-1")) == [13243, 14742]
    assert sorted(warehouse.live_ids(AD_GROUPS, "client-1")) == [23543, 23544]
    assert sorted(warehouse.live_ids(ADS, "client-1")) == [33651, 33921, 34028]
    assert sorted(warehouse.live_ids(KEYWORDS, "client-1")) == [3, 5]
    assert result.deleted == {"direct_campaigns": 1, "direct_ad_groups": 2, "direct_ads": 1, "direct_keywords": 3}
    assert result.units_spent == 60
    rows = warehouse._fetch("SELECT campaign_id, border_date FROM direct_stat_restatements")
    assert rows == [(14742, "2015-01-28")]


def test_units_exhaustion_commits_nothing(
    hook: DirectHook, warehouse: DirectWarehouse, requests_mock: rm.Mocker
) -> None:
    seed_warehouse(warehouse)
    exhausted = {"error": {"error_code": 152, "error_string": "Not enough units", "request_id": "x"}}
    fake = FakeDirect(
        {
            ("changes", "checkCampaigns"): {"result": SEED_CHECK_CAMPAIGNS},
            ("campaigns", "get"): by_ids([{"Id": 13243, "Name": "renamed"}], "Campaigns", "Ids"),
            ("changes", "check"): exhausted,
        }
    )
    requests_mock.post(rm.ANY, json=fake)
    with pytest.raises(DirectUnitsExhaustedError):
        DirectIncrementalSync(hook, warehouse, "client-1", clock=lambda: NOW).run()
    assert warehouse.read_state("client-1").watermark == "2015-02-02T10:08:22Z"
    assert warehouse.live_objects(CAMPAIGNS, "client-1").__next__()["Name"] == "c13243"
    assert warehouse.counts("client-1")["direct_campaigns"] == {"live": 3, "deleted": 0}


def test_rejected_watermark_falls_back_to_a_full_snapshot(
    hook: DirectHook, warehouse: DirectWarehouse, requests_mock: rm.Mocker
) -> None:
    seed_warehouse(warehouse)
    fake = FakeDirect(
        {
            ("changes", "checkCampaigns"): {
                "error": {
                    "error_code": 4000,
                    "error_string": "Invalid request parameters",
                    "error_detail": "Timestamp is outside the change history",
                    "request_id": "r",
                }
            },
            ("changes", "checkDictionaries"): {"result": {"Timestamp": "2015-02-02T12:30:00Z"}},
            ("campaigns", "get"): {"result": {"Campaigns": [{"Id": 13243, "Name": "only one left"}]}},
            ("adgroups", "get"): {"result": {"AdGroups": []}},
            ("ads", "get"): {"result": {"Ads": []}},
            ("keywords", "get"): {"result": {"Keywords": []}},
        }
    )
    requests_mock.post(rm.ANY, json=fake)
    result = DirectIncrementalSync(hook, warehouse, "client-1", clock=lambda: NOW).run()
    assert result.mode == "full"
    assert result.notes[0].startswith("watermark rejected by the API: changes.checkCampaigns error 4000")
    assert result.watermark_to == "2015-02-02T12:30:00Z"
    assert warehouse.live_ids(CAMPAIGNS, "client-1") == [13243]
    assert warehouse.counts("client-1")["direct_keywords"] == {"live": 0, "deleted": 4}


def test_stale_watermark_is_not_trusted(hook: DirectHook, warehouse: DirectWarehouse, requests_mock: rm.Mocker) -> None:
    seed_warehouse(warehouse)
    fake = FakeDirect(
        {
            ("changes", "checkDictionaries"): {"result": {"Timestamp": "2015-04-02T12:30:00Z"}},
            ("campaigns", "get"): {"result": {}},
        }
    )
    requests_mock.post(rm.ANY, json=fake)
    later = NOW + dt.timedelta(days=45)
    result = DirectIncrementalSync(hook, warehouse, "client-1", clock=lambda: later).run()
    assert result.notes[0] == "watermark 2015-02-02T10:08:22Z is older than 30 days, 0:00:00"
    assert [c[1] for c in fake.calls] == ["checkDictionaries", "get"]


# Keywords of archived campaigns: the API does not return them ("You can't get keywords from archived
# campaigns", https://yandex.com/dev/direct/doc/keywords/get.html), which is no deletion.
ARCHIVED_CAMPAIGNS = [{"Id": 13243, "Name": "live", "State": "ON"}, {"Id": 14742, "Name": "old", "State": "ARCHIVED"}]
GROUPS = [{"Id": 23543, "CampaignId": 14742}, {"Id": 500, "CampaignId": 13243}]
KEYWORD_ROWS = [
    {"Id": 1, "AdGroupId": 500, "CampaignId": 13243, "Keyword": "live keyword"},
    {"Id": 3, "AdGroupId": 23543, "CampaignId": 14742, "Keyword": "archived keyword"},
]


def visible_keywords(criterion: str, field: str, archived: set[int]) -> Any:
    """Keywords.get as the API answers it: nothing of an archived campaign."""

    def answer(params: dict[str, Any]) -> dict[str, Any]:
        wanted = set(params["SelectionCriteria"][criterion])
        rows = [k for k in KEYWORD_ROWS if k[field] in wanted and k["CampaignId"] not in archived]
        return {"result": {"Keywords": rows}}

    return answer


def seed_archived(warehouse: DirectWarehouse, states: dict[int, str]) -> None:
    then = NOW - dt.timedelta(hours=3)
    with warehouse.transaction() as tx:
        campaigns = [{**c, "State": states[c["Id"]]} for c in ARCHIVED_CAMPAIGNS]
        tx.upsert_objects(CAMPAIGNS, "client-1", campaigns, then)
        tx.upsert_objects(AD_GROUPS, "client-1", GROUPS, then)
        tx.upsert_objects(KEYWORDS, "client-1", KEYWORD_ROWS, then)
        tx.write_state(SyncState("client-1", watermark="2015-02-02T10:08:22Z", last_reconcile_at=then))


def test_a_full_snapshot_neither_asks_for_nor_deletes_keywords_of_archived_campaigns(
    hook: DirectHook, warehouse: DirectWarehouse, requests_mock: rm.Mocker
) -> None:
    seed_archived(warehouse, {13243: "ON", 14742: "ON"})  # keywords synced while 14742 was still live
    fake = FakeDirect(
        {
            ("changes", "checkDictionaries"): {"result": {"Timestamp": "2015-02-02T12:30:00Z"}},
            ("campaigns", "get"): {"result": {"Campaigns": ARCHIVED_CAMPAIGNS}},
            ("adgroups", "get"): {"result": {"AdGroups": GROUPS}},
            ("ads", "get"): {"result": {"Ads": []}},
            ("keywords", "get"): visible_keywords("CampaignIds", "CampaignId", archived={14742}),
        }
    )
    requests_mock.post(rm.ANY, json=fake)
    result = DirectIncrementalSync(hook, warehouse, "client-1", clock=lambda: NOW).run(full_refresh=True)
    keyword_calls = [p for s, _, p in fake.calls if s == "keywords"]
    assert [p["SelectionCriteria"] for p in keyword_calls] == [{"CampaignIds": [13243]}]
    assert sorted(warehouse.live_ids(KEYWORDS, "client-1")) == [1, 3]  # the archived one is kept as it was
    assert result.deleted["direct_keywords"] == 0
    assert "1 archived campaigns: their keywords are kept as they were" in result.notes


def test_a_changed_group_of_an_archived_campaign_keeps_its_keywords(
    hook: DirectHook, warehouse: DirectWarehouse, requests_mock: rm.Mocker
) -> None:
    seed_archived(warehouse, {13243: "ON", 14742: "ARCHIVED"})
    fake = FakeDirect(
        {
            ("changes", "checkCampaigns"): {
                "result": {"Campaigns": [{"CampaignId": 14742, "ChangesIn": ["CHILDREN"]}], "Timestamp": "T2"}
            },
            ("changes", "check"): {"result": {"Modified": {"AdGroupIds": [23543]}, "Timestamp": "T2"}},
            ("adgroups", "get"): by_ids(GROUPS, "AdGroups", "Ids"),
            ("keywords", "get"): visible_keywords("AdGroupIds", "AdGroupId", archived={14742}),
        }
    )
    requests_mock.post(rm.ANY, json=fake)
    result = DirectIncrementalSync(hook, warehouse, "client-1", clock=lambda: NOW).run()
    assert ("keywords", "get") not in [(s, m) for s, m, _ in fake.calls]
    assert sorted(warehouse.live_ids(KEYWORDS, "client-1")) == [1, 3]
    assert result.deleted.get("direct_keywords", 0) == 0


def test_an_unarchived_campaign_has_its_keywords_read_again(
    hook: DirectHook, warehouse: DirectWarehouse, requests_mock: rm.Mocker
) -> None:
    seed_archived(warehouse, {13243: "ON", 14742: "ARCHIVED"})
    with warehouse.transaction() as tx:  # a keyword the warehouse kept while archived, gone since
        tx.upsert_objects(KEYWORDS, "client-1", [{"Id": 9, "AdGroupId": 23543, "CampaignId": 14742}], NOW)
    fake = FakeDirect(
        {
            ("changes", "checkCampaigns"): {
                "result": {"Campaigns": [{"CampaignId": 14742, "ChangesIn": ["SELF"]}], "Timestamp": "T2"}
            },
            ("campaigns", "get"): {"result": {"Campaigns": [{"Id": 14742, "Name": "old", "State": "SUSPENDED"}]}},
            ("keywords", "get"): visible_keywords("CampaignIds", "CampaignId", archived=set()),
        }
    )
    requests_mock.post(rm.ANY, json=fake)
    later = NOW + dt.timedelta(minutes=5)
    DirectIncrementalSync(hook, warehouse, "client-1", clock=lambda: later).run()
    keyword_calls = [p for s, _, p in fake.calls if s == "keywords"]
    assert [p["SelectionCriteria"] for p in keyword_calls] == [{"CampaignIds": [14742]}]
    assert sorted(warehouse.live_ids(KEYWORDS, "client-1")) == [1, 3]  # 9 is gone, 3 was read again
