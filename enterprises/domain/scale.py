"""Scale status (规上/规下) as a sequence of dated events.

The registry stores events, not a flag: first entry, treated-as entry (视同),
re-entry, name-change-only re-entry and exit. These functions check that a new
event fits the sequence and classify re-entries, so an enterprise that exited
and came back under a new name is recognisable (孝政办发[2022]44号 三(四):
no award for it).
"""
from dataclasses import dataclass
from datetime import date

ENTRY_KINDS = frozenset({"first_entry", "treated_entry", "reentry", "name_change_reentry"})
EXIT = "exit"


@dataclass(frozen=True)
class Event:
    kind: str
    occurred_on: date
    name_at_event: str


def in_scale_after(events: list[Event]) -> bool:
    ordered = sorted(events, key=lambda e: e.occurred_on)
    return bool(ordered) and ordered[-1].kind in ENTRY_KINDS


def in_scale_on(events: list[Event], day: date) -> bool:
    return in_scale_after([e for e in events if e.occurred_on <= day])


def classify_entry(events: list[Event], requested_kind: str, current_name: str) -> str:
    """The kind an entry must be recorded as, given what came before.

    A re-entry whose name differs from the name at the last exit is a
    name-change-only re-entry whatever the clerk chose.
    """
    exits = sorted((e for e in events if e.kind == EXIT), key=lambda e: e.occurred_on)
    if not exits:
        return requested_kind
    if exits[-1].name_at_event.strip() != current_name.strip():
        return "name_change_reentry"
    return "reentry"


def check_next(events: list[Event], kind: str, day: date) -> str | None:
    """Why `kind` on `day` cannot follow `events`, or None when it can."""
    later = [e for e in events if e.occurred_on > day]
    if later:
        return f"{day}之后已有规模状态事件（{later[0].occurred_on}），请按时间顺序登记"
    in_scale = in_scale_after(events)
    has_entered = any(e.kind in ENTRY_KINDS for e in events)
    if kind == EXIT and not in_scale:
        return "企业当前不在规上，不能登记退规"
    if kind in ENTRY_KINDS and in_scale:
        return "企业当前已在规上，不能重复登记入规"
    if kind in {"first_entry", "treated_entry"} and has_entered:
        return "企业此前已入规，应登记为二次入规"
    if kind in {"reentry", "name_change_reentry"} and not has_entered:
        return "企业此前未入规，应登记为首次入规或视同小升规"
    return None


def consecutive_years_in_scale(events: list[Event], year: int) -> int:
    """Which year of an unbroken stay in scale `year` is (1 = the entry year,
    0 = not in scale at the end of `year`). Any exit breaks the stay, even one
    followed by re-entry in the same year (连续在规)."""
    upto = sorted((e for e in events if e.occurred_on <= date(year, 12, 31)), key=lambda e: e.occurred_on)
    if not in_scale_after(upto):
        return 0
    exits = [e for e in upto if e.kind == EXIT]
    stretch = [e for e in upto if not exits or e.occurred_on > exits[-1].occurred_on]
    return year - stretch[0].occurred_on.year + 1
