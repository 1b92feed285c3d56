"""Bulk keyword encoding shared by Keywords.get and the ground-truth snapshot.

Keywords are the emulator's volume (a million per account), so they take a two-step path: what a page
needs is captured under the state lock (ids plus references to mutated objects), and the expensive
encoding happens after the lock is released, mostly through the generator's columnar fast path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from airflow_provider_direct.emulator.data import DataGenerator
from airflow_provider_direct.emulator.encoding import dumps
from airflow_provider_direct.emulator.fields import Projection
from airflow_provider_direct.emulator.state import AccountState


@dataclass(frozen=True)
class KeywordChunk:
    """Keywords of one group on a page, captured under the state lock for encoding outside it."""

    group_id: int
    campaign_id: int
    members: list[int]
    overlay: dict[int, dict[str, Any]]  # members replaced or created by mutations


def freeze_keyword_chunks(state: AccountState, chunks: Iterable[tuple[int, list[int]]]) -> list[KeywordChunk]:
    """Capture what encoding needs; stored overlay objects are never modified in place, only replaced."""
    touched_groups = state.log.keywords_by_group
    unreported = state.unreported_groups
    frozen = []
    for group_id, members in chunks:
        overlay: dict[int, dict[str, Any]] = {}
        if group_id in touched_groups or group_id in unreported:
            for keyword_id in members:
                obj = state.overlay(keyword_id)
                if obj is not None:
                    overlay[keyword_id] = obj
        frozen.append(KeywordChunk(group_id, state.parent_of(group_id), members, overlay))
    return frozen


def encode_keywords(generator: DataGenerator, projection: Projection, chunks: list[KeywordChunk]) -> list[str]:
    """JSON objects for a page: base keywords via the generator's fast path, mutated ones via ``json``."""
    out: list[str] = []
    for chunk in chunks:
        fragments = generator.keyword_fragments(chunk.members, chunk.group_id, chunk.campaign_id, projection.fields)
        if chunk.overlay:
            for position, keyword_id in enumerate(chunk.members):
                obj = chunk.overlay.get(keyword_id)
                if obj is not None:
                    fragments[position] = dumps(projection(obj))
        out.extend(fragments)
    return out
