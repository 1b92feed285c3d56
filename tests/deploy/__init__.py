"""Tests of the production topology (docker-compose.yaml) and the shared deploy configuration."""

from __future__ import annotations

from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def read_env(path: Path) -> dict[str, str]:
    """An env file as docker compose reads it: KEY=VALUE lines, # comments, no quoting or interpolation."""
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"{path.name}: not KEY=VALUE: {line!r}")
        values[key.strip()] = value
    return values
