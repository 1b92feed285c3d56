"""The payload models keep every field the API sends, known or not."""

from __future__ import annotations

from airflow_provider_direct.models.direct import (
    Ad,
    AdGroup,
    Campaign,
    ChangeKind,
    CheckCampaignsResult,
    CheckModified,
    CheckResult,
    Keyword,
)


def test_objects_keep_unknown_fields_and_round_trip() -> None:
    raw = {"Id": 5, "Name": "Brand", "State": "ON", "TextCampaign": {"BiddingStrategy": {"Search": {}}}}
    campaign = Campaign.model_validate(raw)
    assert campaign.Id == 5
    assert campaign.model_extra == {"TextCampaign": {"BiddingStrategy": {"Search": {}}}}
    assert campaign.model_dump(exclude_unset=True) == raw


def test_every_object_model_accepts_a_partial_field_set() -> None:
    assert AdGroup.model_validate({"Id": 1}).CampaignId is None
    assert Ad.model_validate({"Id": 2, "TextAd": {"Title": "t"}}).model_extra == {"TextAd": {"Title": "t"}}
    assert Keyword.model_validate({"Id": 3, "Keyword": "buy shoes"}).Keyword == "buy shoes"


def test_check_campaigns_parses_change_kinds() -> None:
    result = CheckCampaignsResult.model_validate(
        {"Campaigns": [{"CampaignId": 1, "ChangesIn": ["SELF", "STAT"]}], "Timestamp": "2026-01-01T00:00:00Z"}
    )
    assert result.Campaigns[0].ChangesIn == [ChangeKind.SELF, ChangeKind.STAT]


def test_check_result_defaults_to_empty_groups() -> None:
    result = CheckResult.model_validate({"Timestamp": "2026-01-01T00:00:00Z"})
    assert result.Modified.is_empty()
    assert result.NotFound.is_empty()
    assert result.Unprocessed.is_empty()
    assert not CheckModified.model_validate(
        {"CampaignsStat": [{"CampaignId": 1, "BorderDate": "2026-01-01"}]}
    ).is_empty()
