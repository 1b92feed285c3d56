"""Transport and identity: tokens, Client-Login, languages, headers, gzip, envelopes, versions."""

from __future__ import annotations

import gzip

import pytest
import requests

from airflow_provider_direct.emulator import EmulatorAdmin
from tests.emulator.helpers import Api

pytestmark = pytest.mark.integration  # every test here talks HTTP over 127.0.0.1

CAMPAIGNS = {"SelectionCriteria": {}, "FieldNames": ["Id"]}


def test_missing_or_unknown_token_is_53_without_units(api: Api) -> None:
    for token in (None, "nope"):
        response = api.post("campaigns", "get", CAMPAIGNS, token=token)
        error = response.json()["error"]
        assert error["error_code"] == 53
        assert response.headers["RequestId"] == error["request_id"]
        assert "Units" not in response.headers and "Units-Used-Login" not in response.headers
    detail = api.error("campaigns", "get", CAMPAIGNS, token=None)["error_detail"]
    assert detail == "OAuth token is missing"


def test_agency_needs_client_login(api: Api) -> None:
    error = api.error("campaigns", "get", CAMPAIGNS, token="agency-token")
    assert error["error_code"] == 8000 and "Client-Login" in error["error_detail"]
    result = api.result("campaigns", "get", CAMPAIGNS, token="agency-token", Client_Login="client-2")
    assert [c["Id"] for c in result["Campaigns"]] == [1_000_005, 1_000_006, 1_000_007, 1_000_008]


def test_unknown_and_unserved_logins(api: Api, admin: EmulatorAdmin) -> None:
    assert api.error("campaigns", "get", CAMPAIGNS, token="agency-token", Client_Login="ghost")["error_code"] == 513
    assert api.error("campaigns", "get", CAMPAIGNS, Client_Login="client-2")["error_code"] == 54
    assert api.error("campaigns", "get", CAMPAIGNS, Client_Login="ghost")["error_code"] == 513
    # A client token naming itself is fine, in any case.
    assert api.result("campaigns", "get", CAMPAIGNS, Client_Login="CLIENT-1")["Campaigns"]
    admin.reset(agency_clients=["client-1"])
    assert api.error("campaigns", "get", CAMPAIGNS, token="agency-token", Client_Login="client-3")["error_code"] == 54


def test_error_texts_follow_accept_language(api: Api) -> None:
    english = api.error("campaigns", "get", {"SelectionCriteria": {}}, Accept_Language="en")
    russian = api.error("campaigns", "get", {"SelectionCriteria": {}}, Accept_Language="ru")
    assert english["error_code"] == russian["error_code"] == 8000
    assert english["error_string"] == "Invalid request"
    assert russian["error_string"] == "Некорректный запрос"
    assert "FieldNames" in russian["error_detail"] and russian["error_detail"] != english["error_detail"]


def test_success_headers_and_unique_request_ids(api: Api) -> None:
    seen = set()
    for _ in range(3):
        response = api.post("campaigns", "get", CAMPAIGNS)
        assert response.status_code == 200
        spent, rest, limit = map(int, response.headers["Units"].split("/"))
        assert spent == 14 and limit == 100_000 and rest < limit
        assert response.headers["Units-Used-Login"] == "client-1"
        seen.add(response.headers["RequestId"])
    assert len(seen) == 3


def test_operator_units(api: Api, admin: EmulatorAdmin) -> None:
    response = api.post(
        "campaigns", "get", CAMPAIGNS, token="agency-token", Client_Login="client-2", Use_Operator_Units="true"
    )
    assert response.headers["Units-Used-Login"] == "agency-login"
    assert admin.units("agency-login")["rest"] == 100_000 - 14
    response = api.post("campaigns", "get", CAMPAIGNS, token="agency-token", Client_Login="client-2")
    assert response.headers["Units-Used-Login"] == "client-2"


def test_gzip_only_when_asked(api: Api, admin: EmulatorAdmin) -> None:
    params = {"SelectionCriteria": {"CampaignIds": [1_000_000]}, "FieldNames": ["Id", "Keyword"]}
    plain = api.post("keywords", "get", params, Accept_Encoding="identity")
    assert "Content-Encoding" not in plain.headers
    raw = requests.post(
        f"{api.url}/json/v5/keywords",
        json={"method": "get", "params": params},
        headers={"Authorization": "Bearer client-1-token", "Accept-Encoding": "gzip"},
        stream=True,
        timeout=30,
    )
    assert raw.headers["Content-Encoding"] == "gzip"
    body = raw.raw.read(decode_content=False)
    assert int(raw.headers["Content-Length"]) == len(body) < len(plain.content)
    assert gzip.decompress(body) == plain.content
    admin.reset(gzip_level=9)
    assert api.post("keywords", "get", params, Accept_Encoding="gzip").json() == plain.json()


def test_envelope_and_routing_errors(api: Api) -> None:
    raw = requests.post(
        f"{api.url}/json/v5/campaigns",
        data=b"{not json",
        headers={"Authorization": "Bearer client-1-token"},
        timeout=30,
    )
    assert raw.status_code == 200 and raw.json()["error"]["error_code"] == 8000
    assert "Units" in raw.headers  # the caller is known, so the error is charged and reported
    assert api.error("nosuchservice", "get", CAMPAIGNS)["error_code"] == 55
    assert api.error("campaigns", "add", CAMPAIGNS)["error_code"] == 55
    assert (
        api.error("campaigns", "get", {"SelectionCriteria": {}, "FieldNames": ["Id"], "Extra": 1})["error_code"] == 8000
    )


def test_v501_is_served_by_the_same_handlers(api: Api) -> None:
    assert api.result("campaigns", "get", CAMPAIGNS, version="v501") == api.result("campaigns", "get", CAMPAIGNS)
    assert api.result("changes", "checkDictionaries", version="v501")["Timestamp"]


@pytest.mark.parametrize("path", ["/json/v5/campaigns", "/json/v501/changes"])
def test_get_is_not_an_api_method(api: Api, path: str) -> None:
    assert requests.get(f"{api.url}{path}", timeout=30).status_code == 405
