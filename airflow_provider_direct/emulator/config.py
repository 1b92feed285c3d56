"""Emulator configuration: account shape, identities, unit prices and transport knobs.

One pydantic model is the single source of truth for the CLI, the admin ``reset`` endpoint and
``EmulatorServer``; validation rejects shapes whose id ranges would overlap, because the whole
design relies on ids being decodable arithmetically.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from airflow_provider_direct.emulator.ids import IdLayout


class TokenIdentity(BaseModel):
    """Who an OAuth token belongs to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    login: str
    role: Literal["agency", "client"]


class UnitCost(BaseModel):
    """Price of one API method: a per-call base plus a price per block of objects.

    Real prices are not published for every method, so clients must read the ``Units`` header;
    the table only has to be plausible and consistent.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    base: int = Field(ge=0)
    per_block: int = Field(default=0, ge=0)
    block: int = Field(default=1, ge=1)
    round_up: bool = False

    def cost(self, objects: int) -> int:
        blocks = math.ceil(objects / self.block) if self.round_up else objects // self.block
        return self.base + self.per_block * blocks


def default_unit_costs() -> dict[str, UnitCost]:
    """Prices as reconstructed by third-party specs (see the API reference, section 1.4)."""
    return {
        "campaigns.get": UnitCost(base=10, per_block=1),
        "adgroups.get": UnitCost(base=15, per_block=1),
        "ads.get": UnitCost(base=15, per_block=1),
        "keywords.get": UnitCost(base=15, per_block=1, block=2000),
        "agencyclients.get": UnitCost(base=10, per_block=1),
        # Account-level services: no published price either; base 10..15 and 1 per object like the
        # object services, keyword bids per 2000 like keywords, reference dictionaries 1 per call.
        "sitelinks.get": UnitCost(base=15, per_block=1),
        "vcards.get": UnitCost(base=15, per_block=1),
        "adimages.get": UnitCost(base=15, per_block=1),
        "adextensions.get": UnitCost(base=15, per_block=1),
        "bidmodifiers.get": UnitCost(base=15, per_block=1),
        "keywordbids.get": UnitCost(base=15, per_block=1, block=2000),
        "retargetinglists.get": UnitCost(base=10, per_block=1),
        "negativekeywordsharedsets.get": UnitCost(base=10, per_block=1),
        "clients.get": UnitCost(base=10, per_block=1),
        "feeds.get": UnitCost(base=10, per_block=1),
        "turbopages.get": UnitCost(base=10, per_block=1),
        "businesses.get": UnitCost(base=10, per_block=1),
        "creatives.get": UnitCost(base=15, per_block=1),
        "strategies.get": UnitCost(base=10, per_block=1),
        "audiencetargets.get": UnitCost(base=15, per_block=1),
        "dynamictextadtargets.get": UnitCost(base=15, per_block=1),
        "smartadtargets.get": UnitCost(base=15, per_block=1),
        "dictionaries.get": UnitCost(base=1),
        "changes.checkDictionaries": UnitCost(base=1),
        "changes.checkCampaigns": UnitCost(base=10),
        "changes.check": UnitCost(base=10, per_block=1, block=1000, round_up=True),
    }


ASYNC_APIS = ("direct_fetch", "moysklad", "workers", "mytarget")
# Outcomes each async API can produce; "stuck" (never finishes) is valid everywhere.
ASYNC_OUTCOMES: dict[str, frozenset[str]] = {
    "direct_fetch": frozenset({"success", "failure", "stuck"}),
    "moysklad": frozenset({"success", "failure", "api_error", "stuck"}),
    "workers": frozenset({"success", "failure", "stuck"}),
    "mytarget": frozenset({"success", "failure", "unknown", "stuck"}),
}


class AsyncJobDefaults(BaseModel):
    """How a job of one async API behaves unless an admin scenario says otherwise.

    ``duration`` is the running time after the ``queue_seconds`` spent queued, so a job reaches its
    outcome ``queue_seconds + duration`` after creation.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    duration: float = Field(default=3.0, ge=0)
    queue_seconds: float = Field(default=0.5, ge=0)
    progress_steps: int = Field(default=4, ge=1)
    outcome: str = "success"
    result_rows: int | None = Field(default=10, ge=0)


def default_async_jobs() -> dict[str, AsyncJobDefaults]:
    return {api: AsyncJobDefaults() for api in ASYNC_APIS}


def default_async_tokens() -> dict[str, str]:
    return {"async-token": "user-1", "async-token-2": "user-2"}


class EmulatorConfig(BaseModel):
    """Everything that determines the emulated world; equal configs produce equal worlds."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535)
    seed: int = 0
    logins: list[str] = Field(default_factory=lambda: ["client-1", "client-2", "client-3"], min_length=1)
    campaigns: int = Field(default=5, ge=0, description="text campaigns per login")
    smart_campaigns: int = Field(default=1, ge=0, description="smart-banner campaigns per login")
    # Text campaigns are being upgraded to unified performance campaigns, which only /json/v501/ serves
    # (https://yandex.com/dev/direct/doc/en/campaigns/get-unified-campaign); 0 keeps every account text-only.
    unified_campaigns: int = Field(
        default=0, ge=0, description="of the text campaigns per login, how many are unified (UNIFIED_CAMPAIGN)"
    )
    # Dynamic text campaigns (groups of DYNAMIC_TEXT_AD_GROUP with webpage targets, no keywords) and smart
    # campaigns as the API documents them today (SMART_AD_GROUP with smart-ad targets): both shown on v5,
    # unlike the seed's smart-banner campaigns above. 0 keeps an account without them.
    dynamic_campaigns: int = Field(default=0, ge=0, description="dynamic text campaigns per login")
    performance_campaigns: int = Field(
        default=0, ge=0, description="smart campaigns per login that the API shows (SmartAdTargets)"
    )
    groups: int = Field(default=10, ge=0, description="ad groups per campaign")
    ads: int = Field(default=3, ge=0, description="ads per group")
    keywords: int = Field(default=20, ge=0, description="keywords per text ad group")
    daily_units: int = Field(default=100_000, gt=0)
    daily_units_by_login: dict[str, int] = Field(default_factory=dict)
    time_scale: float = Field(default=1.0, gt=0, description="emulated seconds per clock second (units refill)")
    gzip_level: int = Field(default=1, ge=1, le=9)
    max_concurrency: int = Field(default=5, ge=1, description="in-flight requests per charged login")
    # Benchmarks: server time per request. It is spent inside the concurrency slot in the worker thread,
    # so concurrent requests overlap (five in flight take one latency, not five) and count towards 506.
    latency_ms: int = Field(default=0, ge=0, le=60_000, description="delay of every Direct JSON request")
    # Random batches draw account-level mutations (sitelinks, vCards, images, callouts, retargeting
    # lists, shared sets, bid modifiers, silent bid changes, ad re-pointing, clients, dictionaries) only
    # when asked: silent bid changes are invisible to Changes, which a keywords-only sync cannot follow.
    account_services_mutations: bool = Field(default=False, description="random batches touch account services")
    agency_login: str = "agency-login"
    agency_clients: list[str] | None = Field(default=None, description="logins the agency serves; None = all")
    tokens: dict[str, TokenIdentity] = Field(default_factory=dict, description="empty = default tokens")
    unit_costs: dict[str, UnitCost] = Field(default_factory=default_unit_costs)
    error_cost: int = Field(default=20, ge=0)
    free_error_codes: list[int] = Field(default_factory=lambda: [52, 152, 506, 1000, 1001, 1002])
    data_epoch: dt.date = Field(default=dt.date(2025, 1, 1), description="anchor for generated dates")
    # Async-task APIs (Direct fetch processes, MoySklad, workers, myTarget): see emulator.async_apis.
    async_tokens: dict[str, str] = Field(default_factory=default_async_tokens, description="bearer token -> user")
    async_jobs: dict[str, AsyncJobDefaults] = Field(default_factory=default_async_jobs)
    file_host: str = Field(default="127.0.0.2", description="MoySklad result files: a second loopback listener")
    file_port: int = Field(default=0, ge=0, le=65535)
    moysklad_max_concurrent: int = Field(
        default=3, ge=1, description="MoySklad tasks run at once per account; 61002 past max(4, this) unfinished"
    )
    moysklad_result_ttl: float = Field(default=3600.0, gt=0, description="seconds from DONE to deletionDate")
    moysklad_link_ttl: float = Field(default=300.0, gt=0, description="validity of the 302 file link")
    mytarget_ttl: float = Field(default=86_400.0, gt=0, description="how long done requests are kept")
    callback_timeout: float = Field(default=5.0, gt=0)
    # Reports service (see emulator.reports); all times are on the emulator clock.
    reports_online_max_rows: int = Field(default=100_000, ge=0, description="bigger reports need offline mode")
    reports_build_seconds_base: float = Field(default=2.0, ge=0, description="offline build time per report")
    reports_build_seconds_per_row: float = Field(default=0.00001, ge=0, description="plus this per estimated row")
    reports_max_queue: int = Field(default=5, ge=1, description="offline reports queued or building per login")
    reports_ttl: float = Field(default=18_000.0, gt=0, description="seconds a built report is kept (5 h)")
    reports_rate_limit: int = Field(default=20, ge=1, description="Reports calls per window per login (error 56)")
    reports_rate_window: float = Field(default=10.0, gt=0)
    # The service answers 502 when a report exceeds its processing time limit ("shorten the period"); the
    # emulator stands for that time with a row count. 0: no limit.
    reports_time_limit_rows: int = Field(default=0, ge=0, description="reports above this many rows answer 502")

    @model_validator(mode="after")
    def _normalise_and_check(self) -> EmulatorConfig:
        self.logins = [login.strip().lower() for login in self.logins]
        self.agency_login = self.agency_login.strip().lower()
        if len(set(self.logins)) != len(self.logins):
            raise ValueError("logins must be unique")
        if self.unified_campaigns > self.campaigns:
            raise ValueError("unified_campaigns must not exceed campaigns (they are a share of the text campaigns)")
        if self.agency_login in self.logins:
            raise ValueError("agency_login must differ from client logins")
        if self.agency_clients is None:
            self.agency_clients = list(self.logins)
        self.agency_clients = [login.strip().lower() for login in self.agency_clients]
        unknown = set(self.agency_clients) - set(self.logins)
        if unknown:
            raise ValueError(f"agency_clients not among logins: {sorted(unknown)}")
        if not self.tokens:
            self.tokens = {"agency-token": TokenIdentity(login=self.agency_login, role="agency")}
            self.tokens.update({f"{login}-token": TokenIdentity(login=login, role="client") for login in self.logins})
        for token, identity in self.tokens.items():
            known = identity.login == self.agency_login if identity.role == "agency" else identity.login in self.logins
            if not known:
                raise ValueError(f"token {token!r} refers to unknown {identity.role} login {identity.login!r}")
        # A partial price table (e.g. from /admin/reset) overrides defaults instead of dropping them.
        self.unit_costs = {**default_unit_costs(), **self.unit_costs}
        self.async_jobs = {**default_async_jobs(), **self.async_jobs}
        for api, defaults in self.async_jobs.items():
            if api not in ASYNC_OUTCOMES:
                raise ValueError(f"async_jobs: unknown api {api!r}; known: {list(ASYNC_APIS)}")
            if defaults.outcome not in ASYNC_OUTCOMES[api]:
                raise ValueError(f"async_jobs[{api}]: outcome must be one of {sorted(ASYNC_OUTCOMES[api])}")
        problems = self.layout().overlap_problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def layout(self) -> IdLayout:
        return IdLayout(
            logins=len(self.logins),
            campaigns=self.campaigns,
            smart_campaigns=self.smart_campaigns,
            unified_campaigns=self.unified_campaigns,
            dynamic_campaigns=self.dynamic_campaigns,
            performance_campaigns=self.performance_campaigns,
            groups=self.groups,
            ads=self.ads,
            keywords=self.keywords,
        )

    def daily_limit(self, login: str) -> int:
        return self.daily_units_by_login.get(login, self.daily_units)
