"""Warning evidence and run results in the words staff use.

The monthly check stores a warning's evidence as data (a JSON dict of figures in
yuan, ratios and method keys, see monitoring/domain/checks.py) and a run's results
as counts keyed by kind. They are turned into labelled, formatted text only when
shown (the warning page, the e-mails), so rows stored by older versions display
just as well: every value goes through enterprises/domain/formatting.py, which
accepts the text forms older rows hold ("0.1712", "166078.800000000").
"""
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.domain import formatting
from enterprises.models import Pool

from .models import WarningKind

PROJECTION_METHODS = {
    "last_year_shape": gettext_lazy("按上年月度结构推算"),
    "straight_line": gettext_lazy("按当年月均线性推算"),
    "none": gettext_lazy("无法推算"),
}

# Evidence keys in the order shown; the kind of each value says how it is formatted.
MONEY, MONTHS, RATIO, KWH, POOL, TEXT = "money", "months", "ratio", "kwh", "pool", "text"
EVIDENCE_FIELDS = (
    ("ytd", gettext_lazy("本年累计营收"), MONEY),
    ("ytd_months", gettext_lazy("累计月数"), MONTHS),
    ("ytd_last_year", gettext_lazy("上年同期营收"), MONEY),
    ("yoy", gettext_lazy("同比"), RATIO),
    ("trailing12", gettext_lazy("近12个月营收"), MONEY),
    ("trailing12_months", gettext_lazy("近12个月有数据月数"), MONTHS),
    ("projection", gettext_lazy("预计全年营收"), MONEY),
    ("revenue_this_month", gettext_lazy("当月营收"), MONEY),
    ("output_this_month", gettext_lazy("当月产值"), MONEY),
    ("electricity_this_month", gettext_lazy("当月用电量"), KWH),
    ("previous_three_avg", gettext_lazy("前三个月月均营收"), MONEY),
    ("previous_month_revenue", gettext_lazy("上一填报月营收"), MONEY),
    ("current_pool", gettext_lazy("当前所在库"), POOL),
    ("pool", gettext_lazy("建议调入"), POOL),
    ("reason", gettext_lazy("建议理由"), TEXT),
)
# Shown on every warning page, "—" when unknown; the others only when the evidence has them.
ALWAYS_SHOWN = ("ytd", "ytd_months", "ytd_last_year", "yoy", "trailing12", "projection",
                "revenue_this_month", "output_this_month", "electricity_this_month")
# The figures that say most about a warning of each kind, for one-line summaries (e-mails).
KEY_FIGURES = {
    WarningKind.READY_TO_DECLARE: ("trailing12", "projection"),
    WarningKind.EXIT_RISK: ("projection", "yoy"),
    WarningKind.LATE_REPORT: ("ytd_months",),
    WarningKind.INTEGRITY_NO_OUTPUT: ("electricity_this_month", "output_this_month"),
    WarningKind.INTEGRITY_JUMP: ("revenue_this_month", "previous_three_avg"),
    WarningKind.POOL_SUGGESTION: ("reason",),
}


@dataclass(frozen=True)
class EvidenceRow:
    key: str
    label: str
    value: str


def projection_method_label(method) -> str:
    label = PROJECTION_METHODS.get(method)
    return str(label) if label is not None else formatting.UNKNOWN


def _pool_label(value) -> str:
    return str(Pool(value).label) if value in Pool.values else formatting.UNKNOWN


def evidence_value(key: str, kind: str, evidence: dict) -> str:
    value = evidence.get(key)
    if kind == MONEY:
        shown = formatting.wan_yuan(value)
        if key == "projection" and value not in (None, "") and evidence.get("projection_method") in PROJECTION_METHODS:
            shown = _("%(amount)s（%(method)s）") % {
                "amount": shown, "method": projection_method_label(evidence["projection_method"])}
        return shown
    if kind == MONTHS:
        return formatting.UNKNOWN if value in (None, "") else _("%(n)s个月") % {"n": value}
    if kind == RATIO:
        return formatting.percent(value)
    if kind == KWH:
        shown = formatting.kwh(value)
        return shown if shown == formatting.UNKNOWN else _("%(kwh)s千瓦时") % {"kwh": shown}
    if kind == POOL:
        return _pool_label(value)
    return formatting.UNKNOWN if value in (None, "") else str(value)


def evidence_rows(evidence: dict | None) -> list[EvidenceRow]:
    """The warning's evidence as (label, formatted value) rows, in a fixed order."""
    evidence = evidence or {}
    return [EvidenceRow(key, str(label), evidence_value(key, kind, evidence))
            for key, label, kind in EVIDENCE_FIELDS if key in ALWAYS_SHOWN or key in evidence]


def evidence_summary(kind: str, evidence: dict | None) -> str:
    """The key figures of a warning in one line: "预计全年营收 1,800.00万元（按上年月度结构推算）；同比 -12.5%"."""
    evidence = evidence or {}
    fields = {key: (label, value_kind) for key, label, value_kind in EVIDENCE_FIELDS}
    parts = []
    for key in KEY_FIGURES.get(kind, ()):
        if evidence.get(key) in (None, ""):
            continue
        label, value_kind = fields[key]
        parts.append(f"{label} {evidence_value(key, value_kind, evidence)}")
    return "；".join(parts)


def run_count_labels() -> dict:
    """Labels of a check run's counts, in the order shown: warnings by kind, then what the run did."""
    return {**{kind.value: kind.label for kind in WarningKind},
            "created": _("新增"), "updated": _("更新"), "unchanged": _("未变化"), "auto_closed": _("自动关闭")}


def run_counts_text(counts: dict | None) -> str:
    """`{"exit_risk": 2, "unchanged": 8}` → "退规风险 2 条、未变化 8 条"."""
    return formatting.counts_text(counts, {k: str(v) for k, v in run_count_labels().items()},
                                  pattern=_("%(label)s %(n)s 条"), separator=_("、"))
