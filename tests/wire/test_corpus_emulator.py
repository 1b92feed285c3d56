"""(b) The emulator, asked each documented request, answers the documented shape.

The same status code, the documented header names, and a body with the same keys and JSON types (TSV:
the same title, columns and summary lines). So the emulator is pinned to the documents, not only to
the client it was written beside. Ids and times the emulator cannot share with a document come from
placeholders (``{{campaign_ids}}``, ``{{timestamp}}``, values captured by ``before`` steps).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from functools import cached_property
from typing import Any

import pytest
import requests

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorConfig, EmulatorServer
from tests.wire.corpus import Entry, fill, load_entries, merge, pick, placeholders, shape_differences, tsv_shape

pytestmark = pytest.mark.integration

ENTRIES = [e for e in load_entries() if "skip" not in e.emulator]
LOGIN = "client-1"
DEFAULT_TOKENS = {"direct": "agency-token", "direct_reports": "agency-token"}
ASYNC_TOKEN = "async-token"
# Small, but with every kind of object: text and smart campaigns, groups, ads, keywords.
SHAPE = {"campaigns": 3, "smart_campaigns": 1, "groups": 2, "ads": 2, "keywords": 3, "seed": 5}
#: Hop-by-hop and framing headers a document may show but that say nothing about the API.
TRANSPORT_HEADERS = {"content-length", "connection", "date", "server", "transfer-encoding", "keep-alive"}


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(**SHAPE), mode="thread") as server:
        yield server


class Variables(dict[str, Any]):
    """Placeholder values, computed from the emulator's ground truth only when an entry asks for them."""

    def __init__(self, admin: EmulatorAdmin, login: str | None) -> None:
        super().__init__()
        self.admin = admin
        self.login = login

    def __missing__(self, name: str) -> Any:
        value = self._compute(name)
        self[name] = value
        return value

    @cached_property
    def _truth(self) -> dict[str, list[dict[str, Any]]]:
        kinds = ("campaigns", "ad_groups", "ads", "keywords")
        return {k: list(self.admin.snapshot(self.login, k, include_smart=True)) for k in kinds}

    @cached_property
    def _archived(self) -> set[int]:
        return set(self._ids("campaigns", State="ARCHIVED"))

    def _ids(self, kind: str, **where: Any) -> list[int]:
        return [o["Id"] for o in self._truth[kind] if all(o.get(k) == v for k, v in where.items())]

    def _compute(self, name: str) -> Any:
        now = dt.datetime.fromisoformat(self.admin.clock()["now"].replace("Z", "+00:00"))
        simple = {
            "timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "timestamp_hour_ago": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "date_from": (now.date() - dt.timedelta(days=7)).isoformat(),
            "date_to": (now.date() - dt.timedelta(days=1)).isoformat(),
            "login": self.login,
        }
        if name in simple:
            return simple[name]
        text = [i for i in self._ids("campaigns", Type="TEXT_CAMPAIGN") if i not in self._archived]
        lists = {
            "campaign_ids": text[:2],
            "archived_campaign_ids": sorted(self._archived)[:1],
            "smart_campaign_ids": self._ids("campaigns", Type="SMART_CAMPAIGN")[:1],
            "ad_group_ids": self._ids("ad_groups", CampaignId=text[0])[:2],
            "ad_ids": self._ids("ads", CampaignId=text[0])[:2],
            "keyword_ids": self._ids("keywords", CampaignId=text[0])[:2],
        }
        if name in lists:
            return lists[name]
        if name.endswith("_id") and f"{name}s" in lists:
            return lists[f"{name}s"][0]
        raise KeyError(f"no placeholder {name!r}")


def send(emulator: EmulatorServer, entry: Entry, request: dict[str, Any], variables: Variables) -> dict[str, Any]:
    """One HTTP exchange with the emulator as the document shows it; redirects are not followed."""
    headers = {k: v for k, v in (request.get("headers") or {}).items() if k.lower() != "authorization"}
    token = entry.emulator.get("token", DEFAULT_TOKENS.get(entry.api, ASYNC_TOKEN))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if entry.api in DEFAULT_TOKENS and variables.login is not None and "{{" not in headers.get("Client-Login", ""):
        headers["Client-Login"] = variables.login  # the agency token acts for the emulator's login
    url = request.get("url") or f"{emulator.url}{request['path']}"
    kwargs: dict[str, Any] = {"params": request.get("query"), "headers": headers, "timeout": 30}
    if "json" in request:
        kwargs["data"] = json.dumps(request["json"], ensure_ascii=False).encode()
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
    elif "text" in request:
        kwargs["data"] = request["text"].encode()
    response = requests.request(request.get("method", "GET"), url, allow_redirects=False, **kwargs)
    answer: dict[str, Any] = {"status": response.status_code, "headers": dict(response.headers), "text": response.text}
    try:
        answer["json"] = response.json() if response.content else None
    except ValueError:
        answer["json"] = None
    return answer


def prepare(emulator: EmulatorServer, entry: Entry) -> tuple[dict[str, Any], Variables]:
    """Set the emulator up as the entry says, run its ``before`` steps, and build the request to send."""
    admin = EmulatorAdmin(emulator.url)
    admin.reset(**EmulatorConfig(**SHAPE).model_dump(mode="json"))
    admin.async_reset()
    spec = entry.emulator
    variables = Variables(admin, spec.get("login", LOGIN))
    variables.update({"emulator": emulator.url, "file_host": emulator.file_url})
    for step in spec.get("setup", ()):
        response = requests.request(
            step.get("method", "POST"),
            f"{emulator.url}{step['path']}",
            json=fill(step.get("json"), variables),
            timeout=30,
        )
        assert response.ok, (step, response.status_code, response.text)
    for step in spec.get("before", ()):
        request = fill(step["request"], variables)
        deadline = time.monotonic() + float(step.get("timeout", 20))
        while True:
            answer = send(emulator, entry, request, variables)
            until = step.get("until") or {}
            if all(str(pick(answer, k)) == str(v) for k, v in until.items()):
                break
            assert time.monotonic() < deadline, (step, answer)
            time.sleep(0.2)
        for name, selector in (step.get("capture") or {}).items():
            variables[name] = pick(answer, selector)
    request = merge(entry.request, spec.get("request") or {})
    return fill(request, variables), variables


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_the_emulator_answers_the_documented_shape(emulator: EmulatorServer, entry: Entry) -> None:
    request, variables = prepare(emulator, entry)
    answer = send(emulator, entry, request, variables)
    documented = entry.response
    assert answer["status"] == documented.get("status", 200), answer
    names = {k.lower() for k in answer["headers"]}
    missing = {k for k in documented.get("headers", {}) if k.lower() not in names | TRANSPORT_HEADERS}
    assert not missing, f"documented headers the emulator did not send: {sorted(missing)}"
    if "json" in documented:
        assert answer["json"] is not None, f"documented JSON, got {answer['text'][:300]!r}"
        problems = shape_differences(documented["json"], answer["json"], entry.optional_keys)
        assert not problems, "\n".join(problems)
    elif "text" in documented and documented.get("text_shape") == "tsv":
        title, columns, summary, widths = tsv_shape(answer["text"])
        want = tsv_shape(documented["text"])
        assert (title, columns, summary) == want[:3], answer["text"][:500]
        assert widths <= {len(columns)}, widths
    elif "text" in documented:
        assert answer["text"], "documented a body, got none"
    else:
        assert not answer["text"], f"documented no body, got {answer['text'][:300]!r}"


def test_every_placeholder_is_known() -> None:
    known = {"timestamp", "timestamp_hour_ago", "date_from", "date_to", "login", "emulator", "file_host"}
    lists = {"campaign", "archived_campaign", "smart_campaign", "ad_group", "ad", "keyword"}
    known |= {f"{k}_ids" for k in lists} | {f"{k}_id" for k in lists}
    for entry in ENTRIES:
        captured = {name for step in entry.emulator.get("before", ()) for name in step.get("capture", {})}
        used = set(placeholders(entry.emulator))
        assert used <= known | captured, (entry.id, used - known - captured)
