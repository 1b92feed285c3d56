"""DirectHook against the emulator over 127.0.0.1: real HTTP, real headers, real faults."""

from __future__ import annotations

import resource
from typing import Any

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorConfig, EmulatorServer
from airflow_provider_direct.emulator.truth import visible_objects
from airflow_provider_direct.exceptions import (
    DirectAuthError,
    DirectRequestError,
    DirectTransientError,
    DirectUnitsExhaustedError,
)
from airflow_provider_direct.hooks.direct import DirectHook
from airflow_provider_direct.sync.fields import KEYWORD_FIELDS

pytestmark = pytest.mark.integration


@pytest.fixture
def hook(emulator_conn: str) -> DirectHook:
    return DirectHook(emulator_conn, client_login="client-1", retry_min_wait=0.01, retry_max_wait=0.05)


def campaign_ids(hook: DirectHook) -> list[int]:
    return [c["Id"] for c in hook.iter_objects("campaigns", {}, ["Id"])]


def test_pages_every_keyword_of_a_login(hook: DirectHook, emulator_admin: EmulatorAdmin) -> None:
    hook.page_limit = 7  # many pages per chunk
    ids = campaign_ids(hook)
    got = [k["Id"] for k in hook.iter_objects("keywords", {"CampaignIds": ids}, KEYWORD_FIELDS)]
    truth = [k["Id"] for k in visible_objects(emulator_admin, "client-1", "keywords")]
    assert sorted(got) == sorted(truth)
    assert len(got) == 3 * 5 * 12  # one of the four text campaigns is archived: Keywords.get hides its keywords
    assert hook.units.calls == 1 + -(-len(got) // 7)  # one campaigns page, then 7-keyword pages
    assert hook.units.spent > 0
    assert hook.units.login == "client-1"
    assert hook.units.limit == emulator_admin.units("client-1")["limit"]


def test_chunks_over_the_caps_instead_of_failing(hook: DirectHook, emulator_admin: EmulatorAdmin) -> None:
    many = [*campaign_ids(hook), *range(1, 30)]  # 33 ids: the API refuses more than 10 per call
    groups = list(hook.iter_objects("adgroups", {"CampaignIds": many}, ["Id"]))
    assert len(groups) == 4 * 5


def test_smart_campaigns_are_reported_by_changes_but_not_returned(
    hook: DirectHook, emulator_admin: EmulatorAdmin
) -> None:
    start = hook.check_dictionaries().Timestamp
    smart = [
        c for c in emulator_admin.snapshot("client-1", "campaigns", include_smart=True) if c["Type"] == "SMART_CAMPAIGN"
    ]
    assert len(smart) == 1
    emulator_admin.mutate({"op": "update", "type": "campaign", "id": smart[0]["Id"], "fields": {"Name": "x"}})
    changed = hook.check_campaigns(start)
    assert smart[0]["Id"] in [c.CampaignId for c in changed.Campaigns]
    assert list(hook.iter_objects("campaigns", {"Ids": [smart[0]["Id"]]}, ["Id"])) == []
    with pytest.raises(DirectTransientError, match="error 1002"):
        list(hook.iter_objects("ads", {"CampaignIds": [smart[0]["Id"]]}, ["Id"]))


def test_changes_round_trip(hook: DirectHook, emulator_admin: EmulatorAdmin) -> None:
    start = hook.check_dictionaries().Timestamp
    keyword = next(emulator_admin.snapshot("client-1", "keywords"))
    emulator_admin.mutate({"op": "delete", "type": "keyword", "id": keyword["Id"]})
    changed = hook.check_campaigns(start)
    assert [(c.CampaignId, [k.value for k in c.ChangesIn]) for c in changed.Campaigns] == [
        (keyword["CampaignId"], ["CHILDREN"])
    ]
    result = hook.check(start, ["AdGroupIds", "AdIds"], campaign_ids=[keyword["CampaignId"]])
    assert result.Modified.AdGroupIds == [keyword["AdGroupId"]]  # keyword changes show as group changes
    assert result.Modified.AdIds == []


def test_unprocessed_ids_are_resent_until_done(hook: DirectHook, emulator_admin: EmulatorAdmin) -> None:
    start = hook.check_dictionaries().Timestamp
    groups = [g["Id"] for g in emulator_admin.snapshot("client-1", "ad_groups")]
    for group in groups[:5]:
        emulator_admin.mutate({"op": "update", "type": "ad_group", "id": group, "fields": {"Name": "renamed"}})
    emulator_admin.set_faults(unprocessed_rate=0.5, seed=3)
    result = hook.check(start, ["AdGroupIds"], ad_group_ids=groups)
    assert sorted(result.Modified.AdGroupIds) == sorted(groups[:5])
    assert emulator_admin.stats()["by_method"]["changes.check"] > 1


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "error", "code": 52},
        {"kind": "error", "code": 506},
        {"kind": "error", "code": 1000},
        {"kind": "error", "code": 1001},
        {"kind": "error", "code": 1020},
        {"kind": "http", "status": 500},
        {"kind": "http", "status": 502},
        {"kind": "http", "status": 503},
        {"kind": "drop"},
        {"kind": "truncate"},
        {"kind": "non_json"},
    ],
    ids=lambda f: f.get("code") or f.get("status") or f["kind"],
)
def test_every_transient_fault_is_retried(
    hook: DirectHook, emulator_admin: EmulatorAdmin, fault: dict[str, Any]
) -> None:
    emulator_admin.set_faults(next=[fault, fault])
    assert len(campaign_ids(hook)) == 4
    assert emulator_admin.stats()["requests_total"] == 3  # two faults, then the answer
    assert emulator_admin.faults()["next"] == []


def test_slow_answer_times_out_and_is_retried(
    make_connection: Any, emulator: EmulatorServer, emulator_admin: EmulatorAdmin
) -> None:
    conn_id = make_connection(
        "slow", host=emulator.url, password="client-1-token", extra={"timeout": 1, "max_retries": 2}
    )
    emulator_admin.set_faults(next=[{"kind": "slow", "seconds": 3}])
    hook = DirectHook(conn_id, retry_min_wait=0.01, retry_max_wait=0.05)
    assert hook.check_dictionaries().Timestamp


def test_persistent_faults_end_in_a_typed_error(hook: DirectHook, emulator_admin: EmulatorAdmin) -> None:
    emulator_admin.set_faults(next=[{"kind": "http", "status": 502}] * 5)
    with pytest.raises(DirectTransientError, match="HTTP 502"):
        hook.check_dictionaries()


@pytest.mark.parametrize(
    ("token", "login", "error", "code"),
    [
        ("no-such-token", "client-1", DirectAuthError, 53),
        ("client-1-token", "client-2", DirectAuthError, 54),
        ("agency-token", "nobody-here", DirectAuthError, 513),
        ("agency-token", None, DirectRequestError, 8000),
    ],
)
def test_auth_and_login_problems(
    make_connection: Any,
    emulator: EmulatorServer,
    emulator_admin: EmulatorAdmin,
    token: str,
    login: str | None,
    error: type[Exception],
    code: int,
) -> None:
    conn_id = make_connection("auth", host=emulator.url, password=token, login=login)
    with pytest.raises(error) as info:
        DirectHook(conn_id).check_campaigns("2026-01-01T00:00:00Z")
    assert info.value.error_code == code  # type: ignore[attr-defined]
    assert emulator_admin.stats()["requests_total"] == 1  # never retried
    status, message = DirectHook(conn_id).test_connection()
    assert status is False
    assert str(code) in message
    assert token not in message


def test_units_exhaustion(hook: DirectHook, emulator_admin: EmulatorAdmin) -> None:
    emulator_admin.set_units("client-1", rest=0)
    with pytest.raises(DirectUnitsExhaustedError) as info:
        campaign_ids(hook)
    assert info.value.ledger is hook.units
    assert hook.units.rest == 0


def test_operator_units_are_charged_to_the_agency(
    make_connection: Any, emulator: EmulatorServer, emulator_admin: EmulatorAdmin
) -> None:
    conn_id = make_connection(
        "ag", host=emulator.url, password="agency-token", login="client-2", extra={"use_operator_units": True}
    )
    hook = DirectHook(conn_id)
    campaign_ids(hook)
    assert hook.units.login == "agency-login"
    assert emulator_admin.units("agency-login")["rest"] < emulator_admin.units("agency-login")["limit"]


def test_agency_clients(hook: DirectHook) -> None:
    assert [c.Login for c in hook.iter_agency_clients()] == ["client-1", "client-2", "client-3"]


def test_test_connection(hook: DirectHook) -> None:
    status, message = hook.test_connection()
    assert status is True
    assert "for client-1" in message


def test_token_never_reaches_output(
    hook: DirectHook, emulator_admin: EmulatorAdmin, capfd: pytest.CaptureFixture[str]
) -> None:
    emulator_admin.set_faults(next=[{"kind": "drop"}, {"kind": "http", "status": 502}, {"kind": "error", "code": 1000}])
    campaign_ids(hook)
    bad = DirectHook(hook.direct_conn_id, client_login="client-2")
    bad._session = None
    emulator_admin.set_units("client-2", rest=0)
    with pytest.raises(DirectUnitsExhaustedError) as info:
        campaign_ids(bad)
    out, err = capfd.readouterr()
    assert "Transient failure" in out + err
    for text in (out, err, str(info.value), repr(hook), repr(info.value)):
        assert "agency-token" not in text


def test_pages_a_large_account_with_flat_memory(make_connection: Any) -> None:
    """200 000 keywords through the hook: memory must not grow with what was paged."""
    config = EmulatorConfig(
        logins=["big"],
        campaigns=20,
        smart_campaigns=0,
        groups=100,
        ads=0,
        keywords=100,
        daily_units=10**9,
        tokens={"big-token": {"login": "big", "role": "client"}},
        seed=8,  # no archived campaign among the 20: every keyword is visible to Keywords.get
    )
    with EmulatorServer(config, mode="process") as server:
        conn_id = make_connection("big", host=server.url, password="big-token")
        hook = DirectHook(conn_id)
        ids = campaign_ids(hook)
        objects = hook.iter_objects("keywords", {"CampaignIds": ids}, ["Id", "Keyword", "AdGroupId"])
        count = 0
        for _ in objects:
            count += 1
            if count == 20_000:
                rss_early = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rss_end = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert count == 200_000
    assert (rss_end - rss_early) / 1024 < 40, f"peak RSS grew {(rss_end - rss_early) / 1024:.0f} MB while paging"
