"""Monthly revenue check rules, in plain Python.

The database computes each enterprise's aggregates in one query (year-to-date,
same period last year, trailing 12 months, last year's total, this month's
figures); these functions turn one row of aggregates into findings. All values
are monthly sums in yuan: year-to-date is never mistaken for a month or a year.
"""
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from enterprises.domain.formatting import plain

THRESHOLD = Decimal("20000000")  # 规模以上工业企业: 主营业务收入 2000万元


@dataclass(frozen=True)
class CheckSettings:
    margin: Decimal = Decimal("0.10")  # exit risk "medium" within this share above the threshold
    yoy_fall: Decimal = Decimal("0.20")  # … or when year-to-date revenue falls more than this
    jump_factor: Decimal = Decimal("3")  # revenue this month over the average of the three before
    near_zero_output: Decimal = Decimal("10000")  # output value at or below this counts as none (yuan)
    min_electricity_kwh: Decimal = Decimal("10000")  # electricity worth flagging


@dataclass(frozen=True)
class Aggregates:
    """One enterprise for period (year, month). None = no figure reported."""

    enterprise_id: int
    in_scale: bool
    year: int
    month: int
    ytd: Decimal | None  # Jan..month of year
    ytd_months: int
    ytd_last_year: Decimal | None  # Jan..month of year-1
    last_year_total: Decimal | None  # Jan..Dec of year-1
    last_year_months: int
    trailing12: Decimal | None
    trailing12_months: int
    revenue_this_month: Decimal | None
    output_this_month: Decimal | None
    electricity_this_month: Decimal | None
    has_figure_this_month: bool
    previous_three_avg: Decimal | None  # average monthly revenue of the three months before


@dataclass(frozen=True)
class Finding:
    kind: str  # ready_to_declare | exit_risk | late_report | integrity_no_output | integrity_jump
    severity: str  # high | medium | low
    rule: str
    evidence: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Derived:
    projection: Decimal | None
    projection_method: str  # last_year_shape | straight_line | none
    yoy: Decimal | None


def _money(value):
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP))


def derive(a: Aggregates) -> Derived:
    """Projected full-year revenue and year-on-year change of year-to-date revenue.

    With a complete last year and revenue in the same months of it, the
    projection scales this year's year-to-date by last year's seasonal shape
    (ytd × last-year total ÷ last-year same-period); otherwise straight-line
    (ytd ÷ months reported × 12).
    """
    yoy = None
    if a.ytd is not None and a.ytd_last_year:
        yoy = (a.ytd - a.ytd_last_year) / a.ytd_last_year
    if a.ytd is None or a.ytd_months == 0:
        return Derived(None, "none", yoy)
    if a.last_year_months == 12 and a.last_year_total and a.ytd_last_year:
        return Derived(a.ytd * a.last_year_total / a.ytd_last_year, "last_year_shape", yoy)
    return Derived(a.ytd / a.ytd_months * 12, "straight_line", yoy)


def evidence_of(a: Aggregates, d: Derived) -> dict:
    return {
        "ytd": _money(a.ytd), "ytd_months": a.ytd_months, "ytd_last_year": _money(a.ytd_last_year),
        "trailing12": _money(a.trailing12), "trailing12_months": a.trailing12_months,
        "projection": _money(d.projection), "projection_method": d.projection_method,
        "yoy": None if d.yoy is None else str(d.yoy.quantize(Decimal("0.0001"), ROUND_HALF_UP)),
        "revenue_this_month": _money(a.revenue_this_month), "output_this_month": _money(a.output_this_month),
        "electricity_this_month": None if a.electricity_this_month is None else str(a.electricity_this_month),
    }


def classify(a: Aggregates, settings: CheckSettings, late: bool) -> list[Finding]:
    """All findings for one enterprise and period. `late` says whether the
    reporting deadline for the period has passed (only then is a gap "late")."""
    d = derive(a)
    findings = []
    shared = []

    def evidence():  # built once, and only for an enterprise with a finding (most have none)
        if not shared:
            shared.append(evidence_of(a, d))
        return shared[0]

    if not a.in_scale:
        full_year_trailing = a.trailing12_months == 12 and a.trailing12 is not None and a.trailing12 >= THRESHOLD
        projected = d.projection is not None and d.projection >= THRESHOLD
        if full_year_trailing or projected:
            basis = "近12个月主营业务收入" if full_year_trailing else "预计全年主营业务收入"
            findings.append(Finding("ready_to_declare", "high" if full_year_trailing else "medium",
                                    f"{basis}达到2000万元，应统尽统（纳入统计部门联网直报）", evidence()))
    else:
        if d.projection is not None and d.projection < THRESHOLD:
            findings.append(Finding("exit_risk", "high", "预计全年主营业务收入低于2000万元，存在退规风险", evidence()))
        elif d.projection is not None and d.projection < THRESHOLD * (1 + settings.margin):
            findings.append(Finding("exit_risk", "medium",
                                    f"预计全年主营业务收入在2000万元以上{settings.margin:.0%}以内，临近退规线", evidence()))
        elif d.yoy is not None and d.yoy < -settings.yoy_fall:
            findings.append(Finding("exit_risk", "medium",
                                    f"累计主营业务收入同比下降超过{settings.yoy_fall:.0%}", evidence()))
    if late and not a.has_figure_this_month:
        findings.append(Finding("late_report", "medium" if a.in_scale else "low",
                                f"截至报送期限未报送{a.year}年{a.month}月数据（责令改正）", evidence()))
    electricity = a.electricity_this_month
    if electricity is not None and electricity >= settings.min_electricity_kwh and (
            a.output_this_month is None or a.output_this_month <= settings.near_zero_output):
        findings.append(Finding("integrity_no_output", "high",
                                "有电量无产值：当月用电但工业总产值为零或接近零，核查统计数据真实性", evidence()))
    if (a.revenue_this_month is not None and a.previous_three_avg
            and a.revenue_this_month > a.previous_three_avg * settings.jump_factor):
        findings.append(Finding("integrity_jump", "medium",
                                f"当月主营业务收入超过前三个月平均值的{plain(settings.jump_factor)}倍，核查是否虚报",
                                {**evidence(), "previous_three_avg": _money(a.previous_three_avg)}))
    return findings
