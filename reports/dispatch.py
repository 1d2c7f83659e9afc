"""The monthly dispatch report (月度调度) as plain data, and what changed since an issued one.

No ORM here. `DispatchData` = the dashboard snapshot of the month plus the named lists the
report adds (entries and exits of the month, the exit-risk list with its responsible unit and
the assistance given, warnings raised and resolved, incentives paid). `to_dict()` /
`from_dict()` use the snapshot's JSON-safe round trip, so an issued report keeps its figures
frozen and renders them again unchanged (page, PDF, API).
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from .snapshot import DashboardSnapshot, _decode, _encode


@dataclass
class EventLine:
    enterprise: str           # name at the event
    jurisdiction: str
    department: str           # 责任单位 ("" when none)
    kind: str
    kind_label: str
    occurred_on: date


@dataclass
class RiskLine:
    enterprise: str
    jurisdiction: str
    department: str
    severity_label: str
    status_label: str
    opened_on: date
    assistance_count: int
    last_assistance: str      # the latest measures taken (帮扶措施), "" when none yet
    last_assisted_on: date | None = None
    severity: str = ""        # "high" / "medium" / "low" ("" in reports issued before it was kept)


@dataclass
class DispatchData:
    snapshot: DashboardSnapshot
    entries: list[EventLine] = field(default_factory=list)     # entries of the month
    exits: list[EventLine] = field(default_factory=list)       # exits of the month
    exit_risks: list[RiskLine] = field(default_factory=list)   # active exit-risk warnings when drafted
    warnings_raised: int = 0                                   # raised on the month's data
    warnings_resolved: int = 0                                 # resolved in the month
    paid_month: Decimal = Decimal("0")                         # yuan, paid in the month
    paid_month_count: int = 0
    paid_ytd: Decimal = Decimal("0")                           # yuan, paid Jan..month
    paid_ytd_count: int = 0

    def to_dict(self) -> dict:
        return _encode(self)

    @classmethod
    def from_dict(cls, data: dict) -> "DispatchData":
        return _decode(cls, data)


@dataclass
class ShownList:
    """A named list as the page and the PDF show it: at most `limit` lines (a province's report
    would otherwise name thousands of enterprises), the full list being in the Excel download."""
    lines: list
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.lines)


_SEVERITY_FIRST = {"high": 0, "medium": 1, "low": 2}


def shown(lines: list, limit: int, *, risks: bool = False) -> ShownList:
    """The first `limit` lines; for the exit-risk list the most severe, and among those the ones
    not yet helped, come first (the order of the full list is kept otherwise)."""
    if risks:
        lines = sorted(lines, key=lambda r: (_SEVERITY_FIRST.get(r.severity, 3), r.assistance_count > 0))
    return ShownList(lines=lines[:limit], total=len(lines))


def list_sheets(data: DispatchData) -> list[tuple[str, list[str], list[list]]]:
    """The named lists in full, as (sheet title, header, rows), for the Excel download."""
    event_header = [_("企业"), _("区域"), _("责任单位"), _("类型"), _("日期")]

    def events(lines):
        return [[e.enterprise, e.jurisdiction, e.department, e.kind_label, e.occurred_on] for e in lines]

    return [
        (_("本月入规企业"), event_header, events(data.entries)),
        (_("本月退规企业"), event_header, events(data.exits)),
        (_("退规风险企业"), [_("企业"), _("区域"), _("责任单位"), _("等级"), _("状态"), _("预警日期"), _("帮扶次数"),
                         _("最近帮扶日期"), _("最近帮扶措施")],
         [[r.enterprise, r.jurisdiction, r.department, r.severity_label, r.status_label, r.opened_on,
           r.assistance_count, r.last_assisted_on, r.last_assistance] for r in data.exit_risks]),
    ]


@dataclass
class Change:
    label: str
    issued: str
    draft: str


def key_figures(data: DispatchData) -> list[tuple[str, str]]:
    """(label, value) pairs compared between an issued report and a later draft."""
    total = data.snapshot.total
    pairs = [
        (_("规上企业数"), total.in_scale), (_("本年入规"), total.entries), (_("本年退规"), total.exits),
        (_("本年净增"), total.net), (_("本月入规"), total.entries_month), (_("本月退规"), total.exits_month),
        (_("本月新增预警"), data.warnings_raised), (_("本月办结预警"), data.warnings_resolved),
        (_("本月拨付（元）"), data.paid_month), (_("本年累计拨付（元）"), data.paid_ytd),
        (_("退规风险企业"), len(data.exit_risks)),
    ]
    for unit in data.snapshot.by_jurisdiction + data.snapshot.by_department:
        pairs.append((_("%(name)s 净增") % {"name": unit.name}, unit.net))
        pairs.append((_("%(name)s 规上企业数") % {"name": unit.name}, unit.in_scale))
    return [(label, str(value)) for label, value in pairs]


def changes_since(issued: DispatchData, draft: DispatchData) -> list[Change]:
    """Key figures whose value differs between the issued report and a new draft, in report order."""
    before, after = dict(key_figures(issued)), key_figures(draft)
    changes = [Change(label, before.get(label, "—"), value) for label, value in after
               if before.get(label) != value]
    seen = {label for label, _value in after}
    changes += [Change(label, value, "—") for label, value in key_figures(issued) if label not in seen]
    return changes
