"""Test helpers: the small account shape and a raw JSON API caller for wire-level assertions."""

from __future__ import annotations

from typing import Any

import requests

# Small but complete shape: 3 logins x (4 text + 1 smart) campaigns x 6 groups x (2 ads, 15 keywords).
SMALL = {"campaigns": 4, "smart_campaigns": 1, "groups": 6, "ads": 2, "keywords": 15, "seed": 7}
KEYWORD_FIELDS = ["Id", "Keyword", "State", "Status", "ServingStatus", "AdGroupId", "CampaignId", "Bid"]


class Api:
    """Minimal JSON API caller: enough to assert on raw wire behaviour (headers, envelopes)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()

    def post(
        self,
        service: str,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        token: str | None = "client-1-token",
        version: str = "v5",
        **headers: str,
    ) -> requests.Response:
        merged = {key.replace("_", "-"): value for key, value in headers.items()}
        if token is not None:
            merged["Authorization"] = f"Bearer {token}"
        body = {"method": method, "params": params if params is not None else {}}
        return self.session.post(f"{self.url}/json/{version}/{service}", json=body, headers=merged, timeout=30)

    def result(self, service: str, method: str, params: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """POST and return ``result``; fails the test on an API error."""
        response = self.post(service, method, params, **kw)
        payload = response.json()
        assert "error" not in payload, payload
        return payload["result"]

    def error(self, service: str, method: str, params: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        response = self.post(service, method, params, **kw)
        assert response.status_code == 200
        payload = response.json()
        assert "error" in payload, payload
        return payload["error"]

    def all_pages(self, service: str, params: dict[str, Any], list_key: str, **kw: Any) -> list[dict[str, Any]]:
        """Follow LimitedBy until the last page."""
        out: list[dict[str, Any]] = []
        page = dict(params.get("Page", {}))
        while True:
            result = self.result(service, "get", {**params, "Page": page}, **kw)
            out.extend(result.get(list_key, []))
            if "LimitedBy" not in result:
                return out
            page["Offset"] = result["LimitedBy"]
