"""The reporting calendar: when a month's figures may be reported, and until when.

Figures for a month are reported after the month has ended, by the deadline day of
the next month (default the 10th). The deadline day is set per jurisdiction and
inherited down the tree: the nearest jurisdiction (itself first, then its ancestors)
that sets one decides. Plain dates only: the caller passes "today".
"""
from collections.abc import Iterable
from datetime import date, timedelta

DEFAULT_DEADLINE_DAY = 10
MAX_DEADLINE_DAY = 28  # every month has it, so the deadline is always a real date


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def first_day_after(year: int, month: int) -> date:
    """The first day of the month after `year`-`month`: the first day it may be reported."""
    y, m = next_month(year, month)
    return date(y, m, 1)


def last_day(year: int, month: int) -> date:
    return first_day_after(year, month) - timedelta(days=1)


def has_ended(year: int, month: int, today: date) -> bool:
    """A month's figures exist only once the month is over."""
    return today >= first_day_after(year, month)


def deadline_day(days_nearest_first: Iterable[int | None]) -> int:
    """The deadline day that applies: the first one set, walking from the
    jurisdiction up to the root; the default if none is set."""
    for day in days_nearest_first:
        if day is not None:
            return day
    return DEFAULT_DEADLINE_DAY


def deadline(year: int, month: int, day: int) -> date:
    """The last day figures for `year`-`month` are due: `day` of the next month."""
    return first_day_after(year, month).replace(day=day)


def is_open(year: int, month: int, day: int, today: date) -> bool:
    """Ended, and not past its deadline: an enterprise may still report it directly."""
    return has_ended(year, month, today) and today <= deadline(year, month, day)


def previous_month(today: date) -> tuple[int, int]:
    """The last month that has ended on `today`."""
    previous = today.replace(day=1) - timedelta(days=1)
    return previous.year, previous.month


def open_months(day: int, today: date) -> list[tuple[int, int]]:
    """The months open for reporting on `today` (with a deadline day of at most 28,
    only the previous month, and only until its deadline)."""
    year, month = previous_month(today)
    return [(year, month)] if is_open(year, month, day, today) else []


def revenue_jump(previous, current, factor) -> bool:
    """Whether a month's revenue is more than `factor` times, or less than 1/`factor` of, the
    previous reported month's: the enterprise confirms such a figure and staff are told.
    Nothing to compare (no previous month, a zero one, no revenue given) is no jump."""
    if previous is None or current is None or not previous > 0 or not factor > 1:
        return False
    return current > previous * factor or current * factor < previous
