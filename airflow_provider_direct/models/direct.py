"""Pydantic v2 models of the Direct API payloads the provider reads.

Every model keeps unknown fields (``extra="allow"``): the API adds fields over time, and the
warehouse stores the whole object, so nothing the API sends may be dropped on the way.
Fields are optional because ``FieldNames`` decides which ones an answer carries.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


class _ApiModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class ChangeKind(str, Enum):
    """What changed in a campaign, per ``Changes.checkCampaigns``."""

    SELF = "SELF"
    CHILDREN = "CHILDREN"
    STAT = "STAT"


class CheckDictionariesResult(_ApiModel):
    """``Changes.checkDictionaries``: without a Timestamp it only tells the server time."""

    Timestamp: str
    TimeZonesChanged: str | None = None
    RegionsChanged: str | None = None
    InterestsChanged: str | None = None


class CampaignChange(_ApiModel):
    CampaignId: int
    ChangesIn: list[ChangeKind] = Field(default_factory=list)


class CheckCampaignsResult(_ApiModel):
    """``Changes.checkCampaigns``: campaigns changed since the Timestamp, and the new server time."""

    Campaigns: list[CampaignChange] = Field(default_factory=list)
    Timestamp: str


class CampaignStat(_ApiModel):
    CampaignId: int
    BorderDate: str


class CheckIds(_ApiModel):
    """One of the ``Modified`` / ``NotFound`` / ``Unprocessed`` id groups of ``Changes.check``."""

    CampaignIds: list[int] = Field(default_factory=list)
    AdGroupIds: list[int] = Field(default_factory=list)
    AdIds: list[int] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.CampaignIds or self.AdGroupIds or self.AdIds)


class CheckModified(CheckIds):
    CampaignsStat: list[CampaignStat] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return super().is_empty() and not self.CampaignsStat


class CheckResult(_ApiModel):
    """``Changes.check``; the hook merges chunked answers into one of these."""

    Modified: CheckModified = Field(default_factory=CheckModified)
    NotFound: CheckIds = Field(default_factory=CheckIds)
    Unprocessed: CheckIds = Field(default_factory=CheckIds)
    #: Not marked required for ``check`` (it is for checkCampaigns / checkDictionaries):
    #: https://yandex.com/dev/direct/doc/en/changes/check
    Timestamp: str | None = None


class Campaign(_ApiModel):
    Id: int
    Name: str | None = None
    Type: str | None = None
    State: str | None = None
    Status: str | None = None


class AdGroup(_ApiModel):
    Id: int
    CampaignId: int | None = None
    Name: str | None = None
    Type: str | None = None
    Status: str | None = None


class Ad(_ApiModel):
    Id: int
    AdGroupId: int | None = None
    CampaignId: int | None = None
    Type: str | None = None
    State: str | None = None
    Status: str | None = None


class Keyword(_ApiModel):
    Id: int
    AdGroupId: int | None = None
    CampaignId: int | None = None
    Keyword: str | None = None
    State: str | None = None
    Status: str | None = None


class AgencyClient(_ApiModel):
    Login: str
    ClientId: int | None = None
    ClientInfo: str | None = None
