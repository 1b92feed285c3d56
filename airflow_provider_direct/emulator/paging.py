"""Offset paging over ordered, virtual selections.

Selections are walked as "sources" (campaigns or groups) whose sizes are known without materialising
their members, so reaching Offset 990 000 costs one counter lookup per group rather than a million
object builds. Filtered selections cannot be counted and fall back to evaluating candidates in order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Protocol

from airflow_provider_direct.emulator.criteria import Page
from airflow_provider_direct.emulator.ids import Kind

Chunk = tuple[int, list[int]]  # (source id, member ids taken from it)


def paginate_counted(
    sources: Iterable[int],
    count: Callable[[int], int],
    take: Callable[[int, int, int], list[int]],
    page: Page,
) -> tuple[list[Chunk], bool]:
    """Members at ``page`` across ``sources``; returns the chunks and whether more members remain.

    ``count(source)`` is the number of live members; ``take(source, start, stop)`` returns members at
    positions ``start..stop`` inside the source.
    """
    skip = page.offset
    room = page.limit
    chunks: list[Chunk] = []
    for source in sources:
        size = count(source)
        if size <= skip:
            skip -= size
            continue
        if room == 0:
            return chunks, True
        stop = min(size, skip + room)
        members = take(source, skip, stop)
        chunks.append((source, members))
        room -= len(members)
        more_here = stop < size
        skip = 0
        if more_here:
            return chunks, True
    return chunks, False


class Hierarchy(Protocol):
    """The counting interface of the account state that two-level paging needs."""

    def campaign_child_count(self, kind: Kind, campaign_id: int) -> int: ...

    def groups_from(self, kind: Kind, campaign_id: int, position: int) -> tuple[Iterator[int], int]: ...

    def group_ids(self, campaign_id: int) -> Iterator[int]: ...

    def child_count(self, kind: Kind, group_id: int) -> int: ...

    def child_slice(self, kind: Kind, group_id: int, start: int, stop: int) -> list[int]: ...


def paginate_campaign_children(
    tree: Hierarchy, kind: Kind, campaigns: list[int], page: Page
) -> tuple[list[Chunk], bool]:
    """Ads or keywords of ``campaigns`` at ``page``, skipping whole campaigns and groups by counting.

    Untouched campaigns are skipped in O(1) and entered at the right group arithmetically, so a page
    deep into a 1M-keyword selection costs about as much as the first one.
    """
    skip = page.offset
    for index, campaign_id in enumerate(campaigns):
        size = tree.campaign_child_count(kind, campaign_id)
        if size <= skip:
            skip -= size
            continue
        first_groups, skip = tree.groups_from(kind, campaign_id, skip)
        later_groups = (g for c in campaigns[index + 1 :] for g in tree.group_ids(c))
        return paginate_counted(
            chain(first_groups, later_groups),
            lambda group_id: tree.child_count(kind, group_id),
            lambda group_id, start, stop: tree.child_slice(kind, group_id, start, stop),
            Page(limit=page.limit, offset=skip),
        )
    return [], False


def paginate_filtered(candidates: Iterable[int], keep: Callable[[int], bool], page: Page) -> tuple[list[int], bool]:
    """Members of ``candidates`` passing ``keep``, windowed by ``page``; O(offset) by nature."""
    skip = page.offset
    out: list[int] = []
    for candidate in candidates:
        if not keep(candidate):
            continue
        if skip:
            skip -= 1
            continue
        if len(out) == page.limit:
            return out, True
        out.append(candidate)
    return out, False


def limited_by(page: Page, returned: int, more: bool) -> int | None:
    """``LimitedBy``: ordinal of the last returned object, present only when more objects remain."""
    return page.offset + returned if more else None
