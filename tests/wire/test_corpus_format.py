"""The corpus files themselves: each is a documented exchange with its source, and there are enough of them."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.wire.corpus import APIS, SOURCE, Entry, load_entries

ENTRIES = load_entries()
CALLS = {"direct": {"direct"}, **{api: {"start", "poll", "fetch", "cancel"} for api in APIS if api != "direct"}}


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_an_entry_is_complete(entry: Entry) -> None:
    data = entry.data
    assert set(data) <= {"title", "source", "facts", "request", "response", "optional_keys", "client", "emulator"}
    assert data["title"].strip() and SOURCE.match(data["source"]), data.get("source")
    assert entry.request["path"].startswith("/")
    assert "authorization" not in {k.lower() for k in entry.request.get("headers", {})}, "never record a token"
    assert {"json", "text"} >= set(entry.response) & {"json", "text"}
    assert entry.client["call"] in CALLS[entry.api]
    assert entry.client["expect"], "an entry must say what the provider makes of the answer"
    if "skip" in entry.emulator:
        assert len(entry.emulator["skip"]) > 20, "say why the emulator cannot be asked"


def test_the_corpus_covers_every_api() -> None:
    per_api = Counter(entry.api for entry in ENTRIES)
    assert sum(per_api.values()) >= 60, per_api
    assert all(per_api[api] >= 3 for api in APIS), per_api
    skipped = [e.id for e in ENTRIES if "skip" in e.emulator]
    assert len(skipped) <= len(ENTRIES) // 10, skipped
