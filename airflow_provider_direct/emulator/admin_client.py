"""Small ``requests`` client for the admin API, for tests, benchmarks and the demo."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import requests


class EmulatorAdmin:
    """Typed-enough wrapper over ``/admin``; every call raises on a non-2xx answer."""

    def __init__(self, url: str, session: requests.Session | None = None, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.session = session or requests.Session()
        self.timeout = timeout

    def _get(self, path: str, **params: Any) -> dict[str, Any]:
        response = self.session.get(f"{self.url}/admin{path}", params=_without_none(**params), timeout=self.timeout)
        response.raise_for_status()
        payload: dict[str, Any] = response.json()
        return payload

    def _post(self, path: str, body: Any) -> dict[str, Any]:
        response = self.session.post(f"{self.url}/admin{path}", json=body, timeout=self.timeout)
        response.raise_for_status()
        payload: dict[str, Any] = response.json()
        return payload

    def health(self) -> dict[str, Any]:
        return self._get("/health")

    def config(self) -> dict[str, Any]:
        return self._get("/config")

    def reset(self, **changes: Any) -> dict[str, Any]:
        """Fresh world, optionally with config fields replaced (``seed=``, ``keywords=``, ...)."""
        return self._post("/reset", changes)

    def random_mutations(self, count: int, login: str | None = None, seed: int | None = None) -> list[dict[str, Any]]:
        body = _without_none(count=count, login=login, seed=seed)
        applied: list[dict[str, Any]] = self._post("/mutations/random", body)["applied"]
        return applied

    def mutate(self, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
        """Apply explicit mutations, e.g. ``{"op": "delete", "type": "keyword", "id": 10000000007}``."""
        applied: list[dict[str, Any]] = self._post("/mutations", {"mutations": list(mutations)})["applied"]
        return applied

    def snapshot(self, login: str, type: str, include_smart: bool = False) -> Iterator[dict[str, Any]]:
        """Stream live objects (ground truth) without loading the whole export."""
        params = {"login": login, "type": type, "include_smart": str(include_smart).lower()}
        with self.session.get(f"{self.url}/admin/snapshot", params=params, stream=True, timeout=self.timeout) as resp:
            resp.raise_for_status()
            for line in resp.iter_lines(chunk_size=256 * 1024):
                if line:
                    yield json.loads(line)

    def counts(self, login: str | None = None) -> dict[str, Any]:
        return self._get("/counts", login=login)

    def clock(self) -> dict[str, Any]:
        return self._get("/clock")

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        return self._post("/clock/advance", {"seconds": seconds})

    def minimum_units(self, login: str, since: str, cycle_runs: int | None = None) -> dict[str, Any]:
        """Fewest units a client must spend to catch up on the changes since ``since`` (a Timestamp);
        with ``cycle_runs``, the account-level services too."""
        return self._get("/minimum-units", **_without_none(login=login, since=since, cycle_runs=cycle_runs))

    def units(self, login: str) -> dict[str, Any]:
        return self._get("/units", login=login)

    def set_units(self, login: str, rest: int | None = None, limit: int | None = None) -> dict[str, Any]:
        return self._post("/units", _without_none(login=login, rest=rest, limit=limit))

    def faults(self) -> dict[str, Any]:
        return self._get("/faults")

    def set_faults(self, **settings: Any) -> dict[str, Any]:
        """``next=[{"kind": "error", "code": 1000}]``, ``rates={"http_502": 0.1}``, ``unprocessed_rate=``..."""
        return self._post("/faults", settings)

    def clear_faults(self) -> dict[str, Any]:
        return self._post("/faults", {"clear": True})

    def stats(self) -> dict[str, Any]:
        return self._get("/stats")

    # -- Reports: statistics corrections, ground truth, report registry ----------------------------

    def correct_stats(self, login: str, campaign_id: int, date: str, factor: float) -> dict[str, Any]:
        """Restate one campaign-day (clicks and what follows them x ``factor``; factors compound)."""
        body = {"login": login, "campaign_id": campaign_id, "date": date, "factor": factor}
        return self._post("/stats/correct", body)

    def stats_truth(
        self,
        login: str,
        date_from: str,
        date_to: str,
        level: str = "campaign",
        goals: Sequence[str] = (),
        models: Sequence[str] = (),
        dims: Sequence[str] = (),
        search_only: bool = False,
    ) -> list[dict[str, Any]]:
        """Per-day ground-truth rows (money in micros), the same numbers a Reports TSV carries; with goals
        and models, the per-goal ``Conversions_<goal>_<model>`` and ``Revenue_<goal>_<model>`` too."""
        params = {
            "login": login,
            "date_from": date_from,
            "date_to": date_to,
            "level": level,
            "goals": ",".join(goals),
            "models": ",".join(models),
            "dims": ",".join(dims),
            "search_only": str(search_only).lower(),
        }
        response = self.session.get(f"{self.url}/admin/stats/truth", params=params, timeout=self.timeout)
        response.raise_for_status()
        rows: list[dict[str, Any]] = response.json()
        return rows

    def reports(self, login: str) -> list[dict[str, Any]]:
        """The login's reports: name, state (queued/building/ready/expired), rows, times, polls."""
        reports: list[dict[str, Any]] = self._get("/reports", login=login)["reports"]
        return reports

    def expire_report(self, login: str, name: str) -> dict[str, Any]:
        return self._post("/reports/expire", {"login": login, "name": name})

    # -- async-task APIs (direct_fetch, moysklad, workers, mytarget) -------------------------------

    def async_scenario(self, api: str, *jobs: dict[str, Any], clear: bool = False) -> list[dict[str, Any]]:
        """Queue behaviours for the next jobs of ``api`` (FIFO), e.g. ``{"duration": 0, "outcome": "failure"}``.

        Keys: ``duration``, ``queue_seconds``, ``progress_steps``, ``outcome``, ``result_rows``,
        ``status_override``, ``error_http_code``, ``error_message``; omitted ones keep the defaults.
        Returns the whole queue.
        """
        queued: list[dict[str, Any]] = self._post("/async/scenario", {"api": api, "next": list(jobs), "clear": clear})[
            "queued"
        ]
        return queued

    def async_jobs(self, api: str | None = None) -> list[dict[str, Any]]:
        """Ground truth of every async job (oldest first): state, times, stops, callbacks, file-host requests."""
        jobs: list[dict[str, Any]] = self._get("/async/jobs", api=api)["jobs"]
        return jobs

    def async_job(self, api: str, id: str | int) -> dict[str, Any]:
        """One job of ``async_jobs``; KeyError when there is none with that id."""
        for job in self.async_jobs(api):
            if job["id"] == str(id):
                return job
        raise KeyError(f"no {api} job {id!r}")

    def async_expire(self, api: str, id: str | int) -> dict[str, Any]:
        """Expire a finished job's result now (past deletionDate, deleted, purged)."""
        return self._post("/async/expire", {"api": api, "id": id})

    def async_reset(self) -> dict[str, Any]:
        """Forget all async jobs, queued scenarios and webhooks (config and clock stay)."""
        return self._post("/async/reset", {})

    def async_info(self) -> dict[str, Any]:
        """``file_url`` of the MoySklad file host, per-API defaults and tokens."""
        return self._get("/async/info")


def _without_none(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
