"""The documented wire corpus: loading entries, comparing answer shapes, filling placeholders.

Every file under ``tests/wire/<api>/`` records one documented request and its documented answer, with
the URL of the document (see ``tests/wire/README.md``). Two tests read them all: the provider's real
code must read each answer right, and the emulator, asked the same request, must answer the same shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
APIS = ("direct", "direct_reports", "moysklad", "mytarget", "workers", "direct_fetch")
SOURCE = re.compile(r"^(https://\S+|seeds/\d{3}_[0-9a-f]+\.txt)$")
PLACEHOLDER = re.compile(r"\{\{([a-z_0-9:]+)\}\}")


@dataclass(frozen=True)
class Entry:
    """One documented exchange."""

    api: str
    name: str
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.api}/{self.name}"

    @property
    def request(self) -> dict[str, Any]:
        return dict(self.data["request"])

    @property
    def response(self) -> dict[str, Any]:
        return dict(self.data["response"])

    @property
    def client(self) -> dict[str, Any]:
        return dict(self.data["client"])

    @property
    def emulator(self) -> dict[str, Any]:
        return dict(self.data.get("emulator") or {})

    @property
    def optional_keys(self) -> frozenset[str]:
        return frozenset(self.data.get("optional_keys", ()))


def load_entries() -> list[Entry]:
    entries = []
    for api in APIS:
        for path in sorted((ROOT / api).glob("*.json")):
            entries.append(Entry(api, path.stem, json.loads(path.read_text(encoding="utf-8"))))
    return entries


def response_body(response: Mapping[str, Any]) -> bytes:
    """The documented body as bytes: ``json`` (serialised), ``text``, or empty."""
    if "json" in response:
        return json.dumps(response["json"], ensure_ascii=False).encode()
    return str(response.get("text", "")).encode()


# ---------------------------------------------------------------------- shapes


def kind(value: Any) -> str:
    """The JSON type of a value; bool and int, int and float are different types on the wire."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"not a JSON value: {value!r}")


def shape_differences(
    documented: Any, actual: Any, optional: frozenset[str] = frozenset(), path: str = ""
) -> list[str]:
    """Where ``actual`` does not have the documented shape: the same keys, the same types.

    ``null`` in a document means "no value here" and matches any type. Array elements of ``actual``
    must each match one documented element. ``optional`` lists key paths (``result.Campaigns[].Funds``)
    that either side may omit, because the document's own example omits them.
    """
    if documented is None:
        return []
    if kind(documented) != kind(actual):
        return [f"{path or '<root>'}: documented {kind(documented)}, got {kind(actual)} ({_short(actual)})"]
    if isinstance(documented, dict):
        problems = []
        for key in sorted(set(documented) | set(actual)):
            where = f"{path}.{key}" if path else key
            if key not in actual:
                if where not in optional:
                    problems.append(f"{where}: documented, missing")
            elif key not in documented:
                if where not in optional:
                    problems.append(f"{where}: not documented ({_short(actual[key])})")
            else:
                problems.extend(shape_differences(documented[key], actual[key], optional, where))
        return problems
    if isinstance(documented, list):
        if documented and not actual:
            return [f"{path}: documented items, got an empty array"]
        problems = []
        for index, item in enumerate(actual):
            candidates = [shape_differences(doc, item, optional, f"{path}[]") for doc in documented]
            if candidates and all(candidates):
                problems.extend(f"[{index}] {p}" for p in min(candidates, key=len))
        return problems
    return []


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def tsv_shape(text: str) -> tuple[bool, list[str], bool, set[int]]:
    """(quoted title line with a date range, column names, ``Total rows: N`` last, field counts of rows)."""
    lines = [line for line in text.split("\n") if line]
    title = bool(lines) and re.fullmatch(r'"?.+ \(\d{4}-\d{2}-\d{2} - \d{4}-\d{2}-\d{2}\)"?', lines[0]) is not None
    body = lines[1:] if title else lines
    summary = bool(body) and re.fullmatch(r"Total rows: \d+", body[-1]) is not None
    rows = body[:-1] if summary else body
    columns = rows[0].split("\t") if rows else []
    return title, columns, summary, {len(row.split("\t")) for row in rows[1:]}


# ---------------------------------------------------------------------- placeholders


def fill(value: Any, variables: Mapping[str, Any]) -> Any:
    """Replace ``{{name}}`` placeholders. A string that is exactly one placeholder takes the value itself."""
    if isinstance(value, dict):
        return {k: fill(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, variables) for v in value]
    if not isinstance(value, str):
        return value
    whole = PLACEHOLDER.fullmatch(value)
    if whole:
        return variables[whole.group(1)]
    return PLACEHOLDER.sub(lambda m: str(variables[m.group(1)]), value)


def placeholders(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from placeholders(v)
    elif isinstance(value, list):
        for v in value:
            yield from placeholders(v)
    elif isinstance(value, str):
        yield from PLACEHOLDER.findall(value)


def merge(base: Any, override: Any) -> Any:
    """``override`` deep-merged over ``base`` (dicts merge; anything else replaces)."""
    if isinstance(base, dict) and isinstance(override, dict):
        return {**base, **{k: merge(base.get(k), v) for k, v in override.items()}}
    return override


def pick(answer: dict[str, Any], selector: str) -> Any:
    """``json:a.b.0`` from the body, ``header:Name`` from the headers, ``status`` the status code."""
    if selector == "status":
        return answer["status"]
    source, _, path = selector.partition(":")
    if source == "header":
        return {k.lower(): v for k, v in answer["headers"].items()}[path.lower()]
    if source != "json":
        raise ValueError(f"unknown selector {selector!r}")
    value: Any = answer["json"]
    for part in path.split(".") if path else ():
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value
