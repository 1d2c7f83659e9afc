"""Splitting a jurisdiction's enterprises into parts that workers can take in parallel (issue 14).

A province-wide job (the monthly check, the 免申即享 batch) is cut along jurisdictions: each part
is a run of neighbouring jurisdictions (in path order, so a city's counties stay together) holding
at most `max_enterprises` enterprises, except that one jurisdiction is never split — its
enterprises share a policy, a report deadline and a lock. A part is what one worker holds in
memory at a time, so the largest jurisdiction bounds a worker's memory, not the province.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    jurisdiction_ids: tuple[int, ...]
    enterprises: int


def pack(counts: list[tuple[int, int]], max_enterprises: int) -> list[Part]:
    """Group (jurisdiction id, enterprise count) pairs, given in path order, into parts.

    Neighbours are added to the current part while it stays within `max_enterprises`; a
    jurisdiction with no enterprises is left out (nothing to do, nothing to lock)."""
    if max_enterprises < 1:
        raise ValueError("max_enterprises must be at least 1")
    parts: list[Part] = []
    ids: list[int] = []
    size = 0
    for jurisdiction_id, count in counts:
        if count <= 0:
            continue
        if ids and size + count > max_enterprises:
            parts.append(Part(tuple(ids), size))
            ids, size = [], 0
        ids.append(jurisdiction_id)
        size += count
    if ids:
        parts.append(Part(tuple(ids), size))
    return parts


def summed_counts(counts: list[dict | None]) -> dict[str, int]:
    """The parts' counts added up key by key: the whole job's counts."""
    total: dict[str, int] = {}
    for part_counts in counts:
        for key, value in (part_counts or {}).items():
            total[key] = total.get(key, 0) + value
    return total
