"""The dashboard's figures as plain data: one `DashboardSnapshot`, gathered once by
`reports.selectors.dashboard_snapshot` and rendered by the page, the charts, and (next) the
dispatch report's page, PDF and API.

No ORM here. `to_dict()` / `from_dict()` turn a snapshot into JSON-safe data and back
(Decimal as text, dates as ISO), so an issued report can keep its figures frozen and render
them again unchanged.
"""
import dataclasses
import types
import typing
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .domain.progress import MEASURE_ORDER


@dataclass
class TargetProgress:
    target_id: int | None
    measure: str                      # monitoring.models.TargetMeasure value
    measure_label: str
    value: int                        # the target (户)
    actual: int                       # net, entries, or in-scale count at the period end
    expected_to_date: Decimal         # pro rata by the period end (reports.domain.progress)
    completion: Decimal | None        # actual / value; None when the target is 0
    lagging: bool
    citation: str = ""
    note: str = ""
    children_sum: int | None = None   # same measure, the unit's child jurisdictions
    departments_sum: int | None = None  # same measure, the unit's departments (责任单位)


@dataclass
class UnitProgress:
    kind: str                         # "scope" | "jurisdiction" | "direct" | "department"
    key: str
    name: str
    in_scale: int = 0
    entries: int = 0
    exits: int = 0
    net: int = 0
    entries_month: int = 0
    exits_month: int = 0
    targets: list[TargetProgress] = field(default_factory=list)
    rank: int | None = None
    links: dict[str, str] = field(default_factory=dict)

    @property
    def primary(self) -> TargetProgress | None:
        """The target that ranks the unit: net increase first, then new entries, then in-scale count."""
        for measure in MEASURE_ORDER:
            for target in self.targets:
                if target.measure == measure:
                    return target
        return None

    @property
    def lagging(self) -> bool:
        return any(t.lagging for t in self.targets)


@dataclass
class MonthFlow:
    month: int
    entries: int
    exits: int
    net: int
    cumulative_net: int


@dataclass
class PoolFigure:
    pool: str
    label: str
    count: int                        # enterprises in the pool at the period end
    entered: int                      # enterprises that entered it during the month
    exited: int                       # … and left it
    links: dict[str, str] = field(default_factory=dict)


@dataclass
class CountFigure:
    key: str
    label: str
    count: int
    link: str = ""


@dataclass
class WarningFigures:
    open_total: int
    open_link: str
    by_kind: list[CountFigure]
    by_severity: list[CountFigure]
    by_age: list[CountFigure]
    ready_to_declare: CountFigure


@dataclass
class StatusCell:
    status: str                        # incentives.models.EntitlementStatus value
    amount: Decimal = Decimal("0.00")  # yuan (the payer's shares whose amount is known)
    count: int = 0


@dataclass
class PayerRow:
    payer: str
    cells: list[StatusCell]            # one per EntitlementFigures.statuses, same order
    undetermined: int = 0              # shares whose amount the payer still sets


@dataclass
class EntitlementFigures:
    year: int                          # the award year (the 免申即享 batch of the year before)
    statuses: list[CountFigure]        # the owed statuses in workflow order (待审核 … 已拨付), count = rows, link = ledger
    rows: list[PayerRow]               # by payer
    total: PayerRow                    # all payers (rows, not shares: a row with two payers counts once)


@dataclass
class CalendarStep:
    key: str
    months: str
    title: str
    text: str
    citation: str
    current: bool


@dataclass
class DashboardSnapshot:
    scope_key: str
    scope_name: str
    year: int
    month: int
    period_end: date
    as_of: date
    elapsed_share: Decimal
    total: UnitProgress
    by_jurisdiction: list[UnitProgress]
    by_department: list[UnitProgress]
    months: list[MonthFlow]
    pools: list[PoolFigure]
    warnings: WarningFigures
    entitlements: EntitlementFigures
    calendar: list[CalendarStep]

    @property
    def lagging_units(self) -> list[UnitProgress]:
        return [u for u in self.by_jurisdiction + self.by_department if u.lagging]

    def to_dict(self) -> dict:
        return _encode(self)

    @classmethod
    def from_dict(cls, data: dict) -> "DashboardSnapshot":
        return _decode(cls, data)


# -- JSON-safe round trip ---------------------------------------------------------------

def _encode(value):
    if dataclasses.is_dataclass(value):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def _decode(kind, value):
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        return _decode(options[0], value)
    if origin is list:
        (item,) = typing.get_args(kind)
        return [_decode(item, v) for v in value]
    if origin is dict:
        _key, item = typing.get_args(kind)
        return {k: _decode(item, v) for k, v in value.items()}
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(**{f.name: _decode(hints[f.name], value[f.name]) for f in dataclasses.fields(kind)
                       if f.name in value})
    if kind is Decimal:
        return Decimal(value)
    if kind is date:
        return date.fromisoformat(value)
    return value
