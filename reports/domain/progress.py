"""Progress against targets, in plain Python (no Django): what is expected by a month of
the year, which units lag, how they rank; the declaration calendar.

Lagging, defined once: a yearly target is expected pro rata of the months ended, so by the
end of month m a flow target (净增 or 新增 of V households) expects V × m / 12; a unit lags
when its actual figure is below that. A stock target ("达到 V 户以上 by the end of the year")
expects the in-scale count to move from where it stood at the start of the year (the
baseline) towards V at the same pace: baseline + (V − baseline) × m / 12.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FLOW_MEASURES = frozenset({"net_increase", "new_entries"})
STOCK_MEASURES = frozenset({"in_scale"})
# Which target heads a unit's row when it has several: the assessed indicator first (盂县 三(三)).
MEASURE_ORDER = ("net_increase", "new_entries", "in_scale")

QUANT = Decimal("0.0001")


def elapsed_share(month: int) -> Decimal:
    """The share of the year ended with `month` (1..12)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range: {month}")
    return (Decimal(month) / Decimal(12)).quantize(QUANT, rounding=ROUND_HALF_UP)


def expected_to_date(measure: str, value: int, share: Decimal, baseline: int = 0) -> Decimal:
    """What the target asks for by the end of the elapsed share of the year."""
    if measure in STOCK_MEASURES:
        if baseline >= value:
            return Decimal(value)
        return (Decimal(baseline) + (Decimal(value) - Decimal(baseline)) * share).quantize(Decimal("0.1"),
                                                                                          rounding=ROUND_HALF_UP)
    return (Decimal(value) * share).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def is_lagging(actual: int, expected: Decimal) -> bool:
    return Decimal(actual) < expected


def completion(actual: int, value: int) -> Decimal | None:
    """Actual over target (1 = done); None when the target is 0 (nothing to divide by)."""
    if value == 0:
        return None
    return (Decimal(actual) / Decimal(value)).quantize(QUANT, rounding=ROUND_HALF_UP)


def rank_key(completion_: Decimal | None, actual: int, value: int, name: str):
    """Sort key, best first: completion (a zero target met counts as complete), then the actual figure."""
    done = completion_ if completion_ is not None else (Decimal(1) if actual >= value else Decimal(0))
    return (-done, -actual, name)


@dataclass(frozen=True)
class CalendarSlot:
    key: str
    first_month: int
    last_month: int

    def covers(self, month: int) -> bool:
        return self.first_month <= month <= self.last_month


# The declaration calendar of 盂促企组办发[2024]1号 三(四): enterprises that reach the scale line
# declare every month (月度申报); from October the year's cultivated enterprises prepare their
# papers, and declare in two batches, November and December (年度申报).
DECLARATION_CALENDAR = (
    CalendarSlot("monthly", 1, 12),
    CalendarSlot("prepare", 10, 10),
    CalendarSlot("batch_1", 11, 11),
    CalendarSlot("batch_2", 12, 12),
)


def declaration_calendar(month: int) -> list[tuple[CalendarSlot, bool]]:
    """Every slot of the calendar with whether it is under way in `month`."""
    return [(slot, slot.covers(month)) for slot in DECLARATION_CALENDAR]
