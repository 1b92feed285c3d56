"""Unit tests of DirectHook against requests-mock: envelope, headers, units, errors, retries, paging."""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
from typing import Any

import pytest
import requests
import requests_mock as rm

from airflow_provider_direct.exceptions import (
    DirectAuthError,
    DirectRequestError,
    DirectTransientError,
    DirectUnitsExhaustedError,
    DirectUnprocessedError,
)
from airflow_provider_direct.hooks.direct import DirectHook
from tests.async_task import calls, fake_http
from tests.conftest import TOKEN

BASE = "https://direct.test/json/v501"


def ok(result: dict[str, Any], units: str = "10/990/1000", login: str = "client-1") -> dict[str, Any]:
    return {
        "json": {"result": result},
        "headers": {"Units": units, "Units-Used-Login": login, "RequestId": "req-1"},
    }


def api_error(code: int | str, text: str, detail: str = "", units: str = "0/990/1000") -> dict[str, Any]:
    return {
        "json": {
            "error": {
                "request_id": "req-err",
                "error_code": code,
                "error_string": text,
                "error_detail": detail,
            }
        },
        "headers": {"Units": units, "Units-Used-Login": "client-1", "RequestId": "req-err"},
    }


def body(request: Any) -> dict[str, Any]:
    return json.loads(request.body)


@pytest.fixture
def hook(direct_conn: str) -> DirectHook:
    return DirectHook(direct_conn, retry_min_wait=0.0, retry_max_wait=0.0)


class TestCall:
    def test_posts_envelope_with_headers_and_returns_result(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(f"{BASE}/campaigns", **ok({"Campaigns": [{"Id": 1}]}))
        result = hook.call("campaigns", "get", {"SelectionCriteria": {}, "FieldNames": ["Id"]})
        assert result == {"Campaigns": [{"Id": 1}]}
        req = requests_mock.last_request
        assert body(req) == {"method": "get", "params": {"SelectionCriteria": {}, "FieldNames": ["Id"]}}
        assert req.headers["Authorization"] == f"Bearer {TOKEN}"
        assert req.headers["Client-Login"] == "client-1"
        assert req.headers["Accept-Language"] == "ru"
        assert "gzip" in req.headers["Accept-Encoding"]
        assert req.headers["Content-Type"].startswith("application/json")
        assert "Use-Operator-Units" not in req.headers

    def test_client_login_precedence(self, make_connection: Any, requests_mock: rm.Mocker) -> None:
        conn_id = make_connection("agency", host="direct.test", password=TOKEN, login="conn-login")
        requests_mock.post(f"{BASE}/changes", **ok({"Timestamp": "2026-01-01T00:00:00Z"}))
        DirectHook(conn_id).call("changes", "checkDictionaries")
        assert requests_mock.last_request.headers["Client-Login"] == "conn-login"
        DirectHook(conn_id, client_login="hook-login").call("changes", "checkDictionaries")
        assert requests_mock.last_request.headers["Client-Login"] == "hook-login"
        DirectHook(conn_id, client_login="hook-login").call("changes", "checkDictionaries", client_login="x")
        assert requests_mock.last_request.headers["Client-Login"] == "x"

    def test_no_client_login_for_advertiser_token(self, make_connection: Any, requests_mock: rm.Mocker) -> None:
        conn_id = make_connection("adv", host="direct.test", password=TOKEN)
        requests_mock.post(f"{BASE}/changes", **ok({"Timestamp": "2026-01-01T00:00:00Z"}))
        DirectHook(conn_id).call("changes", "checkDictionaries")
        assert "Client-Login" not in requests_mock.last_request.headers

    def test_bare_host_means_https_and_default_host(self, make_connection: Any, requests_mock: rm.Mocker) -> None:
        requests_mock.post(
            "https://api.direct.yandex.com/json/v501/changes", **ok({"Timestamp": "2026-01-01T00:00:00Z"})
        )
        DirectHook(make_connection("prod", password=TOKEN)).call("changes", "checkDictionaries")
        requests_mock.post(
            "https://api-sandbox.direct.yandex.com/json/v501/changes",
            **ok({"Timestamp": "2026-01-01T00:00:00Z"}),
        )
        sandbox = make_connection("sandbox", host="api-sandbox.direct.yandex.com", password=TOKEN)
        DirectHook(sandbox).call("changes", "checkDictionaries")
        assert requests_mock.call_count == 2

    def test_operator_units_from_extra_and_argument(self, make_connection: Any, requests_mock: rm.Mocker) -> None:
        conn_id = make_connection("ag", host="direct.test", password=TOKEN, extra={"use_operator_units": "true"})
        requests_mock.post(f"{BASE}/changes", **ok({"Timestamp": "2026-01-01T00:00:00Z"}))
        DirectHook(conn_id).call("changes", "checkDictionaries")
        assert requests_mock.last_request.headers["Use-Operator-Units"] == "true"
        DirectHook(conn_id, use_operator_units=False).call("changes", "checkDictionaries")
        assert "Use-Operator-Units" not in requests_mock.last_request.headers

    def test_missing_token_is_an_auth_error(self, make_connection: Any) -> None:
        conn_id = make_connection("notoken", host="direct.test")
        with pytest.raises(DirectAuthError, match="no OAuth token"):
            DirectHook(conn_id).call("changes", "checkDictionaries")

    def test_one_session_for_many_calls(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(f"{BASE}/changes", **ok({"Timestamp": "2026-01-01T00:00:00Z"}))
        hook.call("changes", "checkDictionaries")
        session = hook.get_conn()
        hook.call("changes", "checkDictionaries")
        assert hook.get_conn() is session


class TestUnits:
    def test_ledger_sums_calls_and_keeps_last_balance(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(
            f"{BASE}/changes",
            [
                ok({"Timestamp": "2026-01-01T00:00:00Z"}, units="10/990/1000"),
                ok({"Timestamp": "2026-01-01T00:00:01Z"}, units="25/965/1000", login="agency"),
            ],
        )
        hook.call("changes", "checkDictionaries")
        hook.call("changes", "checkDictionaries")
        assert hook.units.as_dict() == {
            "spent": 35,
            "calls": 2,
            "rest": 965,
            "limit": 1000,
            "login": "agency",
            "spent_by_login": {"client-1": 10, "agency": 25},
        }
        assert hook.units.last_request_id == "req-1"

    def test_one_log_line_per_call_with_units(
        self, hook: DirectHook, requests_mock: rm.Mocker, capfd: pytest.CaptureFixture[str]
    ) -> None:
        requests_mock.post(f"{BASE}/changes", **ok({"Timestamp": "2026-01-01T00:00:00Z"}))
        hook.call("changes", "checkDictionaries")
        out, err = capfd.readouterr()
        lines = [line for line in (out + err).splitlines() if "changes.checkDictionaries" in line]
        assert len(lines) == 1
        assert (
            "Direct changes.checkDictionaries [client-1]: HTTP 200, units 10/990/1000 (client-1), "
            "RequestId req-1" in lines[0]
        )

    def test_errors_are_charged_too(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(f"{BASE}/campaigns", **api_error(8000, "Invalid request", units="20/970/1000"))
        with pytest.raises(DirectRequestError):
            hook.call("campaigns", "get", {})
        assert hook.units.spent == 20
        assert hook.units.rest == 970


class TestErrors:
    @pytest.mark.parametrize("code", [53, 54, 58, 513, 3000, 3001])
    def test_auth_errors_fail_at_once_with_plain_words(
        self, hook: DirectHook, requests_mock: rm.Mocker, code: int
    ) -> None:
        requests_mock.post(f"{BASE}/campaigns", **api_error(code, "Authorization error", "Detail words"))
        with pytest.raises(DirectAuthError) as info:
            hook.call("campaigns", "get", {})
        assert requests_mock.call_count == 1
        err = info.value
        assert err.error_code == code
        assert "Authorization error: Detail words" in str(err)
        assert "RequestId req-err" in str(err)
        assert any(word in str(err) for word in ("token", "Client-Login", "API access", "method"))

    @pytest.mark.parametrize(
        ("code", "error_type"),
        [("53", DirectAuthError), ("152", DirectUnitsExhaustedError), (" 1000 ", DirectTransientError)],
    )
    def test_string_error_codes_mean_what_their_numbers_mean(
        self, hook: DirectHook, requests_mock: rm.Mocker, code: str, error_type: type[Exception]
    ) -> None:
        """Codes are documented as ints but arrive as strings from the Reports service: one reading for all."""
        requests_mock.post(f"{BASE}/campaigns", [api_error(code, "Text", "Detail"), ok({"Campaigns": []})])  # type: ignore[arg-type]
        if error_type is DirectTransientError:
            assert hook.call("campaigns", "get", {}) == {"Campaigns": []}
            return
        with pytest.raises(error_type) as info:
            hook.call("campaigns", "get", {})
        assert info.value.error_code == int(code)  # type: ignore[attr-defined]

    def test_units_exhausted_carries_ledger_and_is_not_retried(
        self, hook: DirectHook, requests_mock: rm.Mocker
    ) -> None:
        requests_mock.post(f"{BASE}/keywords", **api_error(152, "Not enough units", units="0/0/64000"))
        with pytest.raises(DirectUnitsExhaustedError) as info:
            hook.call("keywords", "get", {})
        assert requests_mock.call_count == 1
        assert info.value.ledger is hook.units
        assert info.value.ledger.limit == 64000
        assert "refills" in str(info.value)

    @pytest.mark.parametrize("code", [52, 506, 1000, 1001, 1002, 1020])
    def test_transient_codes_are_retried_then_succeed(
        self, hook: DirectHook, requests_mock: rm.Mocker, code: int
    ) -> None:
        requests_mock.post(f"{BASE}/ads", [api_error(code, "Server temporarily unavailable"), ok({"Ads": []})])
        assert hook.call("ads", "get", {}) == {"Ads": []}
        assert requests_mock.call_count == 2

    def test_transient_retries_are_bounded(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(f"{BASE}/ads", **api_error(1000, "Server temporarily unavailable"))
        with pytest.raises(DirectTransientError, match="error 1000: Server temporarily unavailable"):
            hook.call("ads", "get", {})
        assert requests_mock.call_count == hook.max_retries + 1 == 4

    @pytest.mark.parametrize(
        "response",
        [
            {"status_code": 500, "text": "<html><body>Internal Server Error</body></html>"},
            {"status_code": 502, "text": "<html><center><h1>502 Bad Gateway</h1></center></html>"},
            {"status_code": 503, "text": ""},
            {"status_code": 429, "text": "slow down"},
            {"status_code": 200, "text": '{"result": {"Campaigns": [{"Id": 1}, {"Id'},
            {"status_code": 200, "text": "<html>maintenance</html>"},
            {"status_code": 200, "text": ""},
            {"status_code": 200, "text": '{"unexpected": 1}'},
            {"exc": requests.exceptions.ConnectTimeout},
            {"exc": requests.exceptions.ReadTimeout},
            {"exc": requests.exceptions.ConnectionError("Connection reset by peer")},
            {"exc": requests.exceptions.ChunkedEncodingError("IncompleteRead")},
        ],
        ids=[
            "500-html",
            "502-html",
            "503-empty",
            "429",
            "truncated",
            "200-html",
            "200-empty",
            "200-no-result",
            "connect-timeout",
            "read-timeout",
            "reset",
            "incomplete-read",
        ],
    )
    def test_transport_failures_are_retried_and_never_success(
        self, hook: DirectHook, requests_mock: rm.Mocker, response: dict[str, Any]
    ) -> None:
        requests_mock.post(f"{BASE}/campaigns", [response, ok({"Campaigns": [{"Id": 1}]})])
        assert hook.call("campaigns", "get", {}) == {"Campaigns": [{"Id": 1}]}
        assert requests_mock.call_count == 2

        requests_mock.reset_mock()
        requests_mock.post(f"{BASE}/campaigns", [response] * 10)
        with pytest.raises(DirectTransientError):
            hook.call("campaigns", "get", {})
        assert requests_mock.call_count == 4

    def test_other_api_errors_fail_at_once_with_api_words(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(
            f"{BASE}/keywords",
            **api_error(4001, "Invalid selection criteria", "CampaignIds cannot hold more than 10 ids"),
        )
        with pytest.raises(DirectRequestError) as info:
            hook.call("keywords", "get", {})
        assert requests_mock.call_count == 1
        assert str(info.value) == (
            "keywords.get error 4001: Invalid selection criteria: CampaignIds cannot hold more than 10 ids "
            "(RequestId req-err)"
        )

    def test_http_4xx_without_envelope_is_a_request_error(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(f"{BASE}/keywords", status_code=404, text="<html>Not Found</html>")
        with pytest.raises(DirectRequestError, match="HTTP 404: <html>Not Found</html>"):
            hook.call("keywords", "get", {})
        assert requests_mock.call_count == 1

    def test_errors_survive_pickling(self) -> None:
        from airflow_provider_direct.exceptions import error_from_envelope

        err = error_from_envelope(
            {"error_code": 53, "error_string": "Authorization error", "request_id": "r"},
            http_status=200,
            service="changes",
            method="check",
        )
        clone = pickle.loads(pickle.dumps(err))
        assert type(clone) is DirectAuthError
        assert str(clone) == str(err)
        assert clone.error_code == 53


class TestPaging:
    def test_pages_until_limited_by_is_absent(self, direct_conn: str, requests_mock: rm.Mocker) -> None:
        hook = DirectHook(direct_conn, page_limit=2)
        requests_mock.post(
            f"{BASE}/keywords",
            [
                ok({"Keywords": [{"Id": 1}, {"Id": 2}], "LimitedBy": 2}),
                ok({"Keywords": [{"Id": 3}, {"Id": 4}], "LimitedBy": 4}),
                ok({"Keywords": [{"Id": 5}]}),
            ],
        )
        ids = [k["Id"] for k in hook.iter_objects("keywords", {"CampaignIds": [7]}, ["Id", "Keyword"])]
        assert ids == [1, 2, 3, 4, 5]
        pages = [body(r)["params"]["Page"] for r in requests_mock.request_history]
        assert pages == [{"Limit": 2, "Offset": 0}, {"Limit": 2, "Offset": 2}, {"Limit": 2, "Offset": 4}]
        assert body(requests_mock.last_request)["params"]["FieldNames"] == ["Id", "Keyword"]

    def test_iterator_is_lazy(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(
            f"{BASE}/keywords",
            [ok({"Keywords": [{"Id": 1}], "LimitedBy": 1}), ok({"Keywords": [{"Id": 2}]})],
        )
        objects = hook.iter_objects("keywords", {"CampaignIds": [7]}, ["Id"])
        assert next(objects) == {"Id": 1}
        assert requests_mock.call_count == 1

    def test_limited_by_that_does_not_advance_is_refused(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(f"{BASE}/ads", **ok({"Ads": [{"Id": 1}], "LimitedBy": 0}))
        with pytest.raises(DirectRequestError, match="does not advance"):
            list(hook.iter_objects("ads", {"CampaignIds": [7]}, ["Id"]))

    def test_unknown_fields_are_kept(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        obj = {"Id": 1, "Name": "c", "BrandNewField": {"x": 1}}
        requests_mock.post(f"{BASE}/campaigns", **ok({"Campaigns": [obj]}))
        assert list(hook.iter_objects("campaigns", {}, ["Id", "Name"])) == [obj]

    @pytest.mark.parametrize(
        ("service", "criterion", "count", "sizes"),
        [
            ("campaigns", "Ids", 2500, [1000, 1000, 500]),
            ("adgroups", "Ids", 10_001, [10_000, 1]),
            ("adgroups", "CampaignIds", 25, [10, 10, 5]),
            ("ads", "AdGroupIds", 1500, [1000, 500]),
            ("keywords", "CampaignIds", 10, [10]),
            ("keywords", "Ids", 20_000, [10_000, 10_000]),
        ],
    )
    def test_id_lists_are_chunked_to_the_caps(
        self,
        hook: DirectHook,
        requests_mock: rm.Mocker,
        service: str,
        criterion: str,
        count: int,
        sizes: list[int],
    ) -> None:
        requests_mock.post(f"{BASE}/{service}", **ok({}))
        list(hook.iter_objects(service, {criterion: list(range(1, count + 1)), "States": ["ON"]}, ["Id"]))
        sent = [body(r)["params"]["SelectionCriteria"] for r in requests_mock.request_history]
        assert [len(c[criterion]) for c in sent] == sizes
        assert all(c["States"] == ["ON"] for c in sent)
        assert [i for c in sent for i in c[criterion]] == list(range(1, count + 1))

    def test_two_capped_criteria_are_combined(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(f"{BASE}/keywords", **ok({}))
        list(hook.iter_objects("keywords", {"CampaignIds": list(range(12)), "Ids": [1, 2]}, ["Id"]))
        assert requests_mock.call_count == 2

    def test_empty_and_repeated_ids(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(f"{BASE}/keywords", **ok({}))
        assert list(hook.iter_objects("keywords", {"AdGroupIds": []}, ["Id"])) == []
        assert requests_mock.call_count == 0
        list(hook.iter_objects("keywords", {"AdGroupIds": [5, 5, 6, 5]}, ["Id"]))
        assert body(requests_mock.last_request)["params"]["SelectionCriteria"] == {"AdGroupIds": [5, 6]}

    def test_agency_clients(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(
            f"{BASE}/agencyclients",
            **ok({"Clients": [{"Login": "a", "ClientId": 1}, {"Login": "b", "Extra": True}]}),
        )
        clients = list(hook.iter_agency_clients())
        assert [c.Login for c in clients] == ["a", "b"]
        assert clients[1].model_extra == {"Extra": True}
        # The connection names client-1, but AgencyClients is the agency's own call: no Client-Login
        # (https://yandex.ru/dev/direct/doc/en/agencyclients/get).
        assert "Client-Login" not in requests_mock.last_request.headers

    def test_v501_is_the_default_and_v5_can_be_chosen(self, make_connection: Any, requests_mock: rm.Mocker) -> None:
        """Unified campaigns are served only at /json/v501/ (https://yandex.com/dev/direct/doc/en/campaigns/get-unified-campaign)."""
        requests_mock.post("https://direct.test/json/v501/campaigns", **ok({"Campaigns": []}))
        requests_mock.post("https://direct.test/json/v5/campaigns", **ok({"Campaigns": [{"Id": 1}]}))
        make_connection("d1", host="https://direct.test", password=TOKEN)
        make_connection("d2", host="https://direct.test", password=TOKEN, extra={"api_version": "v5"})
        assert DirectHook("d1").call("campaigns", "get", {}) == {"Campaigns": []}
        assert DirectHook("d2").call("campaigns", "get", {}) == {"Campaigns": [{"Id": 1}]}
        assert DirectHook("d2", api_version="v501").call("campaigns", "get", {}) == {"Campaigns": []}
        assert DirectHook("d1").call("campaigns", "get", {}, version="v5") == {"Campaigns": [{"Id": 1}]}
        with pytest.raises(ValueError, match="api_version"):
            DirectHook("d1", api_version="v6")


class TestChanges:
    def test_check_dictionaries_without_timestamp(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(f"{BASE}/changes", **ok({"Timestamp": "2015-02-02T10:08:22Z"}))
        assert hook.check_dictionaries().Timestamp == "2015-02-02T10:08:22Z"
        assert body(requests_mock.last_request) == {"method": "checkDictionaries", "params": {}}

    def test_check_campaigns_seed_example(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(
            f"{BASE}/changes",
            **ok(
                {
                    "Campaigns": [
                        {"CampaignId": 13243, "ChangesIn": ["SELF"]},
                        {"CampaignId": 13326, "ChangesIn": ["SELF", "CHILDREN"]},
                        {"CampaignId": 14742, "ChangesIn": ["CHILDREN", "STAT"]},
                    ],
                    "Timestamp": "2015-02-02T12:24:31Z",
                }
            ),
        )
        result = hook.check_campaigns("2015-02-02T10:08:22Z")
        assert body(requests_mock.last_request) == {
            "method": "checkCampaigns",
            "params": {"Timestamp": "2015-02-02T10:08:22Z"},
        }
        assert result.Timestamp == "2015-02-02T12:24:31Z"
        assert [(c.CampaignId, [k.value for k in c.ChangesIn]) for c in result.Campaigns] == [
            (13243, ["SELF"]),
            (13326, ["SELF", "CHILDREN"]),
            (14742, ["CHILDREN", "STAT"]),
        ]

    def test_check_seed_example(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(
            f"{BASE}/changes",
            **ok(
                {
                    "Modified": {
                        "AdGroupIds": [23543, 23544, 23874],
                        "AdIds": [33651, 33921, 34028, 34106],
                        "CampaignsStat": [{"CampaignId": 14742, "BorderDate": "2015-01-28"}],
                    },
                    "NotFound": {"CampaignIds": [13326]},
                    "Timestamp": "2015-02-02T12:23:11Z",
                }
            ),
        )
        result = hook.check(
            "2015-02-02T10:08:22Z",
            ["AdGroupIds", "AdIds", "CampaignsStat"],
            campaign_ids=[13326, 14742],
        )
        assert body(requests_mock.last_request)["params"] == {
            "CampaignIds": [13326, 14742],
            "FieldNames": ["AdGroupIds", "AdIds", "CampaignsStat"],
            "Timestamp": "2015-02-02T10:08:22Z",
        }
        assert result.Modified.AdGroupIds == [23543, 23544, 23874]
        assert result.Modified.AdIds == [33651, 33921, 34028, 34106]
        assert [(s.CampaignId, s.BorderDate) for s in result.Modified.CampaignsStat] == [(14742, "2015-01-28")]
        assert result.NotFound.CampaignIds == [13326]
        assert result.Timestamp == "2015-02-02T12:23:11Z"

    def test_check_chunks_and_merges(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(
            f"{BASE}/changes",
            [
                ok(
                    {
                        "Modified": {
                            "AdIds": [1, 2],
                            "CampaignsStat": [{"CampaignId": 5, "BorderDate": "2026-01-03"}],
                        },
                        "Timestamp": "2026-01-05T00:00:02Z",
                    }
                ),
                ok(
                    {
                        "Modified": {
                            "AdIds": [2, 3],
                            "CampaignsStat": [{"CampaignId": 5, "BorderDate": "2026-01-01"}],
                        },
                        "NotFound": {"CampaignIds": [6001]},
                        "Timestamp": "2026-01-05T00:00:01Z",
                    }
                ),
                ok({"Timestamp": "2026-01-05T00:00:03Z"}),
            ],
        )
        result = hook.check("2026-01-01T00:00:00Z", ["AdIds"], campaign_ids=list(range(1, 7001)))
        assert [len(body(r)["params"]["CampaignIds"]) for r in requests_mock.request_history] == [
            3000,
            3000,
            1000,
        ]
        assert result.Modified.AdIds == [1, 2, 3]
        assert [(s.CampaignId, s.BorderDate) for s in result.Modified.CampaignsStat] == [(5, "2026-01-01")]
        assert result.NotFound.CampaignIds == [6001]
        assert result.Timestamp == "2026-01-05T00:00:01Z"

    def test_unprocessed_ids_are_resent_with_the_same_timestamp(
        self, hook: DirectHook, requests_mock: rm.Mocker
    ) -> None:
        requests_mock.post(
            f"{BASE}/changes",
            [
                ok(
                    {
                        "Modified": {"AdGroupIds": [11]},
                        "Unprocessed": {"AdGroupIds": [12, 13]},
                        "Timestamp": "2026-01-05T00:00:00Z",
                    }
                ),
                ok({"Modified": {"AdGroupIds": [13]}, "Timestamp": "2026-01-05T00:00:09Z"}),
            ],
        )
        result = hook.check("2026-01-01T00:00:00Z", ["AdGroupIds"], ad_group_ids=[11, 12, 13])
        second = body(requests_mock.request_history[1])["params"]
        assert second == {
            "AdGroupIds": [12, 13],
            "FieldNames": ["AdGroupIds"],
            "Timestamp": "2026-01-01T00:00:00Z",
        }
        assert result.Modified.AdGroupIds == [11, 13]
        assert result.Unprocessed.is_empty()

    def test_unprocessed_forever_is_bounded(self, direct_conn: str, requests_mock: rm.Mocker) -> None:
        hook = DirectHook(direct_conn, retry_min_wait=0, max_unprocessed_rounds=2)
        requests_mock.post(
            f"{BASE}/changes",
            **ok({"Unprocessed": {"AdIds": [1]}, "Timestamp": "2026-01-05T00:00:00Z"}),
        )
        with pytest.raises(DirectUnprocessedError, match="1 AdIds stayed Unprocessed"):
            hook.check("2026-01-01T00:00:00Z", ["AdIds"], ad_ids=[1])
        assert requests_mock.call_count == 3

    def test_check_needs_exactly_one_id_kind(self, hook: DirectHook) -> None:
        with pytest.raises(ValueError, match="exactly one"):
            hook.check("2026-01-01T00:00:00Z", ["AdIds"], campaign_ids=[1], ad_ids=[2])
        with pytest.raises(ValueError, match="exactly one"):
            hook.check("2026-01-01T00:00:00Z", ["AdIds"])


class TestConnectionTest:
    def test_success_names_login_and_server_time(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(f"{BASE}/changes", **ok({"Timestamp": "2026-01-01T00:00:00Z"}))
        status, message = hook.test_connection()
        assert status is True
        assert message == (
            "Connected to https://direct.test for client-1; server time 2026-01-01T00:00:00Z; units left 990/1000"
        )

    def test_bad_token_is_reported_plainly(self, hook: DirectHook, requests_mock: rm.Mocker) -> None:
        requests_mock.post(f"{BASE}/changes", **api_error(53, "Authorization error", "Invalid OAuth token"))
        status, message = hook.test_connection()
        assert status is False
        assert "error 53: Authorization error: Invalid OAuth token" in message
        assert "issue a new token" in message
        assert TOKEN not in message

    def test_unreachable_host(self, make_connection: Any) -> None:
        conn_id = make_connection("dead", host="http://127.0.0.1:9", password=TOKEN, extra={"max_retries": 0})
        status, message = DirectHook(conn_id).test_connection()
        assert status is False
        assert "ConnectionError" in message


class TestSecrets:
    def test_token_never_in_logs_errors_or_repr(
        self,
        hook: DirectHook,
        requests_mock: rm.Mocker,
        caplog: pytest.LogCaptureFixture,
        capfd: pytest.CaptureFixture[str],
    ) -> None:
        requests_mock.post(
            f"{BASE}/campaigns",
            [
                {"exc": requests.exceptions.ConnectionError("reset")},
                {"status_code": 502, "text": "<html>502</html>"},
                ok({"Campaigns": []}),
            ],
        )
        requests_mock.post(f"{BASE}/ads", **api_error(53, "Authorization error", "Invalid OAuth token"))
        texts: list[str] = [repr(hook)]
        with caplog.at_level(logging.DEBUG):
            hook.call("campaigns", "get", {})
            with pytest.raises(DirectAuthError) as info:
                hook.call("ads", "get", {})
            texts.append(str(info.value))
            texts.append(repr(info.value))
            texts.append(str(hook.test_connection()))
        texts.extend(r.getMessage() for r in caplog.records)
        out, err = capfd.readouterr()
        texts.extend([out, err, json.dumps(hook.units.as_dict())])
        assert "Transient failure, retry 1 of 3" in out + err
        assert "Direct ads.get [client-1]: HTTP 200" in out + err
        assert not [t for t in texts if TOKEN in t]


class TestConcurrencyAndMetering:
    def test_one_hook_never_has_more_than_five_requests_in_flight(self, make_connection: Any) -> None:
        """A real threaded server on loopback (requests-mock answers one request at a time)."""
        import threading
        import time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        in_flight = peak = 0
        lock = threading.Lock()

        class Slow(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                nonlocal in_flight, peak
                self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    in_flight += 1
                    peak = max(peak, in_flight)
                time.sleep(0.05)
                with lock:
                    in_flight -= 1
                payload = b'{"result": {"Campaigns": []}}'
                self.send_response(200)
                self.send_header("Units", "10/990/1000")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            conn_id = make_connection(
                "direct_local", host=f"http://127.0.0.1:{server.server_address[1]}", password=TOKEN
            )
            hook = DirectHook(conn_id, retry_min_wait=0.0)
            threads = [threading.Thread(target=hook.call, args=("campaigns", "get", {})) for _ in range(12)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            server.shutdown()
        assert hook.units.calls == 12
        assert peak == 5  # "A maximum of five simultaneous API requests are allowed per advertiser"

    def test_metered_pages_report_each_answer_and_stop_when_the_budget_says_zero(
        self, hook: DirectHook, requests_mock: rm.Mocker
    ) -> None:
        requests_mock.post(
            f"{BASE}/sitelinks",
            [
                ok({"SitelinksSets": [{"Id": 1}, {"Id": 2}], "LimitedBy": 2}, units="17/983/1000"),
                ok({"SitelinksSets": [{"Id": 3}]}, units="16/967/1000"),
            ],
        )
        limits = iter([2, 0])
        pages = list(
            hook.iter_metered_pages("sitelinks", None, ["Id"], id_caps={"Ids": 10_000}, page_limit=lambda: next(limits))
        )
        assert [(p["SitelinksSets"], r.spent if r else None) for p, r in pages] == [([{"Id": 1}, {"Id": 2}], 17)]
        sent = body(requests_mock.request_history[0])
        assert "SelectionCriteria" not in sent["params"]  # optional IdsCriteria left out: every set
        assert sent["params"]["Page"] == {"Limit": 2, "Offset": 0}
        assert requests_mock.call_count == 1  # the second page was never asked for


class TestAsyncCalls:
    """The triggerer's calls (aiohttp, the connection fetched the async way): same headers, errors, retries."""

    @staticmethod
    async def _call(hook: DirectHook, method: str = "checkCampaigns", **params: Any) -> Any:
        import aiohttp

        async with aiohttp.ClientSession() as session:
            return await hook.acall_metered("changes", method, params, session=session, client_login="client-7")

    def test_posts_the_envelope_and_reads_units(self, hook: DirectHook) -> None:
        with fake_http() as http:
            answer = {"result": {"Timestamp": "2026-01-01T00:00:00Z"}}
            http.post(f"{BASE}/changes", payload=answer, headers={"Units": "10/990/1000", "RequestId": "r1"})
            result, reading = asyncio.run(self._call(hook, Timestamp="2025-12-31T00:00:00Z"))
            (request,) = calls(http, "POST", f"{BASE}/changes")
        assert result == {"Timestamp": "2026-01-01T00:00:00Z"}
        assert reading is not None and (reading.spent, reading.rest, reading.limit) == (10, 990, 1000)
        assert hook.units.spent == 10
        headers = request.kwargs["headers"]
        assert headers["Authorization"] == f"Bearer {TOKEN}" and headers["Client-Login"] == "client-7"
        body = json.loads(request.kwargs["data"])
        assert body == {"method": "checkCampaigns", "params": {"Timestamp": "2025-12-31T00:00:00Z"}}

    def test_api_errors_are_typed_with_the_api_words(self, hook: DirectHook) -> None:
        with fake_http() as http:
            error = {"error": {"request_id": "e", "error_code": 53, "error_string": "Authorization error"}}
            http.post(f"{BASE}/changes", payload=error)
            with pytest.raises(DirectAuthError, match="Authorization error") as raised:
                asyncio.run(self._call(hook))
        assert TOKEN not in str(raised.value)

    def test_transient_failures_are_retried_a_bounded_number_of_times(self, make_connection: Any) -> None:
        conn = make_connection("direct_async", host="https://direct.test", password=TOKEN)
        hook = DirectHook(conn, max_retries=2, retry_min_wait=0.01, retry_max_wait=0.02)
        with fake_http() as http:
            for _ in range(3):
                http.post(f"{BASE}/changes", status=503, body="busy")
            with pytest.raises(DirectTransientError, match="503"):
                asyncio.run(self._call(hook))
            assert len(calls(http, "POST", f"{BASE}/changes")) == 3  # the call and two retries
        with fake_http() as http:
            http.post(f"{BASE}/changes", status=503, body="busy")
            http.post(f"{BASE}/changes", payload={"result": {"Timestamp": "t"}})
            assert asyncio.run(self._call(hook))[0] == {"Timestamp": "t"}
