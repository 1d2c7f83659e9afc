"""Facts + rule versions + year → decisions.

Each rule kind has one evaluator returning a Decision with an outcome (pass,
fail, unknown), the amount and who pays it, the citation of the version used
and a reason in Chinese. A fact the registry does not hold makes the outcome
"unknown": the engine never turns missing data into "not eligible".
"""
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable, Mapping

from enterprises.domain.formatting import plain, wan_yuan, wan_yuan_apart
from enterprises.domain.scale import ENTRY_KINDS, EXIT, Event, consecutive_years_in_scale, in_scale_on

from .types import (
    FAIL,
    LOCAL,
    PASS,
    UNKNOWN,
    Citation,
    Decision,
    EnterpriseFacts,
    FundingSplit,
    PayerAmount,
    Rule,
)
from .versions import version_on, versions_in_year

CENT = Decimal("0.01")
ENTRY_KIND_LABELS = {
    "first_entry": "首次入规", "treated_entry": "视同小升规", "reentry": "二次入规",
    "name_change_reentry": "仅变更名称再次入规",
}
TREATED_BASIS_LABELS = {"new_project": "新开工（投产）项目入规", "above_quota_conversion": "限（资）上企业转规"}
SIZE_LABELS = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}


@dataclass
class Context:
    facts: EnterpriseFacts
    year: int
    splits: Mapping[str, FundingSplit]
    treated: dict[str, list[Rule]] = field(default_factory=dict)  # basis → versions of the clause making it count


def evaluate(facts: EnterpriseFacts, versions: Mapping[str, list[Rule]], year: int,
             splits: Mapping[str, FundingSplit] | None = None) -> list[Decision]:
    """Every decision for `facts` in `year`, for the rules of the enterprise's jurisdiction chain."""
    ctx = Context(facts, year, splits or {})
    applicable = {key: history for key, history in versions.items()
                  if history and history[0].jurisdiction in facts.jurisdiction_path}
    # Treated-as clauses first: they widen what counts as a first entry for the money rules.
    for history in applicable.values():
        if history[0].kind == "treated_as_entry":
            for basis in history[-1].params.get("bases", ()):
                ctx.treated[basis] = history
    decisions = []
    for key in sorted(applicable):
        history = applicable[key]
        in_year = versions_in_year(history, year)
        if not in_year:
            removed = _removed_before(history, year)
            if removed is not None:
                decisions.append(removed)
            continue
        decisions.append(_restated(EVALUATORS[history[0].kind](history, ctx), history, ctx))
    return decisions


def _binding(rule: Rule, ctx: Context, day: date):
    """The other documents' clauses on `rule` that bind this enterprise on `day` (their issuer's subtree only)."""
    return [c for c in rule.local_conditions if c.binds(ctx.facts.jurisdiction_path, day)]


def _restated(decision: Decision, history: list[Rule], ctx: Context) -> Decision:
    """An award owed here is cited beside the local clauses that restate it (e.g. 孝义 三(四) in 孝义 only)."""
    if decision.outcome != PASS:
        return decision
    day = decision.reference_date or date(ctx.year, 12, 31)
    extra = tuple(c.citation for c in _binding(history[-1], ctx, day) if c.citation not in decision.also_cited)
    return replace(decision, also_cited=decision.also_cited + extra) if extra else decision


def _removed_before(history, year) -> Decision | None:
    last = history[-1]
    if last.deleted_by is None or last.valid_to is None or last.valid_to >= date(year, 1, 1):
        return None
    return Decision(last.key, last.title, last.kind, year, FAIL, None, (), last.citation,
                    f"本条已由{last.deleted_by}删除，自{_next_day(last.valid_to)}起不再执行", last.version_label)


def _next_day(day: date) -> str:
    from datetime import timedelta
    return (day + timedelta(days=1)).isoformat()


# -- helpers -----------------------------------------------------------------

def _decide(rule: Rule, ctx: Context, outcome, reason, amount=None, day=None, also=()) -> Decision:
    payers = _payers(rule, amount, ctx) if outcome == PASS else ()
    if rule.valid_from_estimate:  # the version's start is not known from the source: say so
        reason += (f"（生效日期为推定：{rule.citation.document_number}{rule.valid_from_estimate}"
                   f"为{rule.valid_from.isoformat()}）")
    return Decision(rule.key, rule.title, rule.kind, ctx.year, outcome, _money(amount) if outcome == PASS else None,
                    payers, rule.citation, reason, rule.version_label, day, tuple(also))


def _money(amount):
    return None if amount is None else Decimal(amount).quantize(CENT, ROUND_HALF_UP)


def _wan(amount) -> str:
    # 万元 with 2 decimals and thousands separators, as every page shows money ("5,638.78万元").
    return wan_yuan(amount)


def _payers(rule: Rule, amount, ctx: Context) -> tuple[PayerAmount, ...]:
    totals: dict[str, Decimal | None] = {}
    for share in rule.payers:
        parts = [(share.payer, share.share)]
        if share.payer == LOCAL:
            parts = [(p.payer, share.share * p.share) for p in _local_payers(rule, ctx)]
        for payer, fraction in parts:
            value = None if amount is None else _money(Decimal(amount) * fraction)
            if payer in totals and totals[payer] is not None and value is not None:
                totals[payer] += value
            else:
                totals[payer] = value
    return tuple(PayerAmount(p, a) for p, a in totals.items())


def _local_payers(rule, ctx):
    split = ctx.splits.get(rule.split or "")
    if split is not None:
        for key in reversed(ctx.facts.jurisdiction_path):
            if key in split.by_jurisdiction:
                return split.by_jurisdiction[key]
    from .types import PayerShare
    return (PayerShare("属地财政（分担比例未登记）", Decimal(1)),)


def _version_or_fail(history, day, ctx, what):
    version = version_on(history, day)
    if version is not None:
        return version, None
    rule = history[-1]
    if rule.deleted_by is not None and rule.valid_to is not None and day > rule.valid_to:
        reason = f"{what}在{day}，本条已由{rule.deleted_by}删除（自{_next_day(rule.valid_to)}起）"
    else:
        reason = f"{what}在{day}，不在本条有效期内"
    return None, _decide(rule, ctx, FAIL, reason, day=day)


def _treated_clause(ctx: Context, entry: Event):
    """For a treated entry where 视同 clauses exist: (problem outcome, reason) or (None, citation)."""
    basis = ctx.facts.treated_bases.get(entry.occurred_on)
    if basis is None:
        return UNKNOWN, "视同小升规但未登记视同依据（新开工项目或限上转规）"
    history = ctx.treated.get(basis)
    version = version_on(history, entry.occurred_on) if history else None
    if version is None:
        return FAIL, (f"视同小升规（{TREATED_BASIS_LABELS.get(basis, basis)}，{entry.occurred_on}）时，"
                      "本地没有有效的视同条款")
    return None, version.citation


def _entry_in_year(events, year) -> Event | None:
    entries = [e for e in events if e.kind in ENTRY_KINDS and e.occurred_on.year == year]
    return min(entries, key=lambda e: e.occurred_on) if entries else None


# -- evaluators ----------------------------------------------------------------

def entry_award(history: list[Rule], ctx: Context) -> Decision:
    """One-time award for entering scale in the year (首次小升规 and its variants)."""
    rule = history[-1]
    events = ctx.facts.scale_events
    if events is None:
        return _decide(rule, ctx, UNKNOWN, "未登记规模状态事件，无法判断是否入规")
    entry = _entry_in_year(events, ctx.year)
    if entry is None:
        return _decide(rule, ctx, FAIL, f"{ctx.year}年未入规")
    version, failed = _version_or_fail(history, entry.occurred_on, ctx, ENTRY_KIND_LABELS[entry.kind])
    if failed:
        return failed
    params = version.params
    label = ENTRY_KIND_LABELS[entry.kind]
    excluded = params.get("excluded", {})
    if entry.kind in excluded:
        return _decide(version, ctx, FAIL, f"{label}（{entry.occurred_on}），按{excluded[entry.kind]}不予奖励",
                       day=entry.occurred_on)
    for condition in _binding(version, ctx, entry.occurred_on):
        if entry.kind in condition.excluded:
            return _decide(version, ctx, FAIL, f"{label}（{entry.occurred_on}），按{condition.citation}"
                           f"“{condition.excluded[entry.kind]}”，不予奖励", day=entry.occurred_on,
                           also=[condition.citation])
    also = []
    allowed = set(params.get("entry_kinds", ["first_entry"]))
    if entry.kind == "treated_entry" and "treated_entry" not in allowed and ctx.treated:
        problem, found = _treated_clause(ctx, entry)
        if problem is not None:
            return _decide(version, ctx, problem, found, day=entry.occurred_on)
        allowed.add("treated_entry")
        also.append(found)
        basis = ctx.facts.treated_bases[entry.occurred_on]
        label = f"视同小升规：{TREATED_BASIS_LABELS.get(basis, basis)}"
    if entry.kind not in allowed:
        return _decide(version, ctx, FAIL, f"{ctx.year}年为{label}（{entry.occurred_on}），本条只奖励"
                       + "、".join(ENTRY_KIND_LABELS[k] for k in sorted(allowed)), day=entry.occurred_on)
    group = params.get("once_group")
    received = ctx.facts.awards_received.get(group) if group else None
    if received is not None and received != ctx.year:
        return _decide(version, ctx, FAIL, f"每户只享受一次，已于{received}年享受", day=entry.occurred_on)
    minimum = params.get("min_annual_revenue")
    if minimum is not None:
        revenue = ctx.facts.annual_revenue.get(ctx.year)
        if revenue is None:
            return _decide(version, ctx, UNKNOWN, f"{label}，但缺少{ctx.year}年主营业务收入", day=entry.occurred_on)
        if revenue < Decimal(minimum):
            return _decide(version, ctx, FAIL, f"{ctx.year}年主营业务收入{wan_yuan_apart(revenue, minimum)}，未达{_wan(minimum)}",
                           day=entry.occurred_on)
        label += f"，{ctx.year}年主营业务收入{_wan(revenue)}≥{_wan(minimum)}"
    if version.amount is None:
        return _decide(version, ctx, PASS, f"{label}（{entry.occurred_on}）；{params.get('amount_note', '金额未定')}",
                       day=entry.occurred_on, also=also)
    return _decide(version, ctx, PASS, f"{label}（{entry.occurred_on}），奖励{_wan(version.amount)}",
                   amount=version.amount, day=entry.occurred_on, also=also)


def continued_in_scale_award(history: list[Rule], ctx: Context) -> Decision:
    """Award for the Nth consecutive year in scale after a first entry (持续在规)."""
    rule = history[-1]
    events = ctx.facts.scale_events
    if events is None:
        return _decide(rule, ctx, UNKNOWN, "未登记规模状态事件，无法判断连续在规年数")
    year_end = date(ctx.year, 12, 31)
    version, failed = _version_or_fail(history, year_end, ctx, f"{ctx.year}年末")
    if failed:
        return failed
    wanted = int(version.params["year_in_scale"])
    nth = consecutive_years_in_scale(list(events), ctx.year)
    if nth == 0:
        return _decide(version, ctx, FAIL, f"{ctx.year}年末不在规上")
    if nth != wanted:
        return _decide(version, ctx, FAIL, f"{ctx.year}年为连续在规第{nth}年，本条奖励第{wanted}年")
    start = _stretch_start(events, ctx.year)
    if version.params.get("requires_first_entry", True) and start.kind not in ("first_entry", "treated_entry"):
        return _decide(version, ctx, FAIL, f"本次在规始于{ENTRY_KIND_LABELS[start.kind]}（{start.occurred_on}），"
                       "本条只适用于首次入规企业")
    also = []
    if start.kind == "treated_entry" and ctx.treated:
        problem, found = _treated_clause(ctx, start)
        if problem is not None:
            return _decide(version, ctx, problem, found)
        also.append(found)
    sizes = version.params.get("size_classes")
    if sizes:
        wanted_size = version.params.get("size_label", "、".join(SIZE_LABELS.get(k, k) for k in sizes))
        if ctx.facts.size_class is None:
            return _decide(version, ctx, UNKNOWN, f"连续在规第{nth}年，但未登记企业规模（{wanted_size}），"
                           f"本条只适用于{wanted_size}工业企业")
        if ctx.facts.size_class not in sizes:
            size = SIZE_LABELS.get(ctx.facts.size_class, ctx.facts.size_class)
            return _decide(version, ctx, FAIL, f"企业规模为{size}，本条只适用于{wanted_size}工业企业")
    if version.params.get("requires_development_sound"):
        sound = ctx.facts.development_sound.get(ctx.year)
        if sound is None:
            return _decide(version, ctx, UNKNOWN, f"连续在规第{nth}年，但未评定{ctx.year}年是否“发展良性”")
        if not sound:
            return _decide(version, ctx, FAIL, f"连续在规第{nth}年，但{ctx.year}年未评为“发展良性”")
    stretch = f"{start.occurred_on.year}年入规，{ctx.year}年为连续在规第{nth}年"
    if version.amount is None:
        return _decide(version, ctx, PASS, f"{stretch}；{version.params.get('amount_note', '金额未定')}",
                       day=year_end, also=also)
    return _decide(version, ctx, PASS, f"{stretch}，奖励{_wan(version.amount)}", amount=version.amount,
                   day=year_end, also=also)


def _stretch_start(events, year) -> Event:
    upto = sorted((e for e in events if e.occurred_on <= date(year, 12, 31)), key=lambda e: e.occurred_on)
    exits = [e for e in upto if e.kind == EXIT]
    return [e for e in upto if not exits or e.occurred_on > exits[-1].occurred_on][0]


def growth_full_capacity_award(history: list[Rule], ctx: Context) -> Decision:
    """Q1 full-capacity production with revenue growth (满负荷生产、挖潜增效)."""
    rule = history[-1]
    quarter_end = date(ctx.year, 3, 31)
    version, failed = _version_or_fail(history, quarter_end, ctx, "第一季度")
    if failed:
        return failed
    events = ctx.facts.scale_events
    if events is None:
        return _decide(version, ctx, UNKNOWN, "未登记规模状态事件，无法判断第一季度是否为规上企业")
    if not in_scale_on(list(events), quarter_end):
        return _decide(version, ctx, FAIL, f"{ctx.year}年第一季度不是规模以上工业企业")
    full = ctx.facts.q1_full_capacity.get(ctx.year)
    if full is None:
        return _decide(version, ctx, UNKNOWN, f"未登记{ctx.year}年第一季度是否连续满负荷生产")
    if not full:
        return _decide(version, ctx, FAIL, f"{ctx.year}年第一季度未保持连续满负荷生产")
    growth = ctx.facts.q1_revenue_growth.get(ctx.year)
    if growth is None:
        return _decide(version, ctx, UNKNOWN, f"缺少{ctx.year}年第一季度主营业务收入同比增速")
    minimum = Decimal(str(version.params.get("min_growth", "0.10")))
    if growth < minimum:
        return _decide(version, ctx, FAIL, f"第一季度主营业务收入同比增长{growth:.1%}，未达{minimum:.0%}")
    return _decide(version, ctx, PASS, f"第一季度连续满负荷生产，主营业务收入同比增长{growth:.1%}（≥{minimum:.0%}），"
                   f"奖励{_wan(version.amount)}", amount=version.amount, day=quarter_end)


def recognition_award(history: list[Rule], ctx: Context) -> Decision:
    """One-time award for a first recognition (小巨人, 专精特新, service platforms …)."""
    rule = history[-1]
    recognitions = ctx.facts.recognitions
    if recognitions is None:
        return _decide(rule, ctx, UNKNOWN, "未登记资质认定情况")
    kinds = set(rule.params["recognition_kinds"])
    found = sorted((r for r in recognitions if r.kind in kinds and r.valid_from.year == ctx.year),
                   key=lambda r: r.valid_from)
    if not found:
        return _decide(rule, ctx, FAIL, f"{ctx.year}年无相应认定")
    first_only = history[-1].params.get("first_only", True)
    recognition = next((r for r in found if r.is_first), None) if first_only else found[0]
    if recognition is None:
        return _decide(rule, ctx, FAIL, f"{found[0].valid_from}为复核/再次认定，本条只奖励首次认定")
    version, failed = _version_or_fail(history, recognition.valid_from, ctx, "认定")
    if failed:
        return failed
    return _decide(version, ctx, PASS, f"{recognition.valid_from}首次认定，奖励{_wan(version.amount)}",
                   amount=version.amount, day=recognition.valid_from)


def grade_award(history: list[Rule], ctx: Context) -> Decision:
    """Award by the grade an annual assessment gives (年度考核一、二、三等)."""
    rule = history[-1]
    grades = ctx.facts.platform_grades
    if grades is None:
        return _decide(rule, ctx, UNKNOWN, "未登记年度考核结果")
    result = next((g for g in grades if g.year == ctx.year), None)
    if result is None:
        return _decide(rule, ctx, FAIL, f"{ctx.year}年未获年度考核等次")
    version, failed = _version_or_fail(history, date(ctx.year, 12, 31), ctx, f"{ctx.year}年考核")
    if failed:
        return failed
    amounts = {int(k): Decimal(str(v)) for k, v in version.params["amounts_by_grade"].items()}
    if result.grade not in amounts:
        return _decide(version, ctx, FAIL, f"{ctx.year}年考核为{result.grade}等，本条只奖励一、二、三等")
    amount = amounts[result.grade]
    return _decide(version, ctx, PASS, f"{ctx.year}年考核{result.grade}等奖，奖励{_wan(amount)}", amount=amount,
                   day=date(ctx.year, 12, 31))


def listing_award(history: list[Rule], ctx: Context) -> Decision:
    """Awards per listing milestone reached in the year (分段奖励)."""
    rule = history[-1]
    milestones = ctx.facts.listing_milestones
    if milestones is None:
        return _decide(rule, ctx, UNKNOWN, "未登记上市挂牌进展")
    reached = sorted((m for m in milestones if m.on.year == ctx.year), key=lambda m: m.on)
    total, lines = Decimal(0), []
    for milestone in reached:
        version = version_on(history, milestone.on)
        if version is None:
            lines.append(f"{milestone.on} {_listing_label(rule.params, milestone)}：不在本条有效期")
            continue
        amount = _listing_amount(version.params["schedule"], milestone)
        if amount is None:
            continue
        total += amount
        lines.append(f"{milestone.on} {_listing_label(version.params, milestone)}：{_wan(amount)}")
    if total == 0:
        return _decide(rule, ctx, FAIL, f"{ctx.year}年无本条所列上市挂牌节点" + ("；" + "；".join(lines) if lines else ""))
    return _decide(version_on(history, reached[-1].on) or rule, ctx, PASS, "；".join(lines), amount=total,
                   day=reached[-1].on)


def _listing_amount(schedule, milestone):
    for step in schedule:
        if milestone.board in step["boards"] and milestone.stage == step["stage"]:
            return Decimal(str(step["amount"]))
    return None


def _listing_label(params, milestone):
    boards = params.get("board_labels", {})
    stages = params.get("stage_labels", {})
    return f"{boards.get(milestone.board, milestone.board)}{stages.get(milestone.stage, milestone.stage)}"


def refinancing_award(history: list[Rule], ctx: Context) -> Decision:
    """Per-mille award on refinancing invested locally, capped per year."""
    rule = history[-1]
    refinancings = ctx.facts.refinancings
    if refinancings is None:
        return _decide(rule, ctx, UNKNOWN, "未登记再融资情况")
    version, failed = _version_or_fail(history, date(ctx.year, 12, 31), ctx, f"{ctx.year}年")
    if failed:
        return failed
    params = version.params
    venues = set(params.get("venues", []))
    in_year = [r for r in refinancings if r.on.year == ctx.year and (not venues or r.venue in venues)]
    if not in_year:
        return _decide(version, ctx, FAIL, f"{ctx.year}年无在本条所列市场的再融资")
    minimum = Decimal(str(params["min_local_share"]))
    unknown = [r for r in in_year if r.local_investment_share is None]
    qualifying = [r for r in in_year if r.local_investment_share is not None and r.local_investment_share >= minimum]
    if not qualifying:
        if unknown:
            return _decide(version, ctx, UNKNOWN, f"未登记募集资金投资于本市的比例（需≥{minimum:.0%}）")
        return _decide(version, ctx, FAIL, f"募集资金投资于本市的比例均低于{minimum:.0%}")
    raised = sum((r.amount for r in qualifying), Decimal(0))
    amount = raised * Decimal(str(params["rate"]))
    cap = Decimal(str(params["yearly_cap"]))
    reason = f"{ctx.year}年符合条件的再融资{_wan(raised)}，按{plain(Decimal(str(params['rate'])) * 1000)}‰计{_wan(amount)}"
    if amount > cap:
        amount = cap
        reason += f"，超过年度上限，按{_wan(cap)}"
    if unknown:
        reason += f"；另有{len(unknown)}笔未登记本市投资比例，未计入"
    return _decide(version, ctx, PASS, reason, amount=amount, day=max(r.on for r in qualifying))


def treated_as_entry(history: list[Rule], ctx: Context) -> Decision:
    """视同小升规: not money itself; says whether the enterprise's entry counts as 小升规 here."""
    rule = version_on(history, date(ctx.year, 12, 31)) or history[-1]
    events = ctx.facts.scale_events
    if events is None:
        return _decide(rule, ctx, UNKNOWN, "未登记规模状态事件")
    entry = _entry_in_year(events, ctx.year)
    if entry is None or entry.kind != "treated_entry":
        return _decide(rule, ctx, FAIL, f"{ctx.year}年无视同小升规的入规")
    basis = ctx.facts.treated_bases.get(entry.occurred_on)
    if basis is None:
        return _decide(rule, ctx, UNKNOWN, "视同小升规但未登记视同依据")
    rule, failed = _version_or_fail(history, entry.occurred_on, ctx, "视同小升规")
    if failed:
        return failed
    if basis not in rule.params.get("bases", ()):
        return _decide(rule, ctx, FAIL, f"视同依据为{TREATED_BASIS_LABELS.get(basis, basis)}，不属本条")
    return _decide(rule, ctx, PASS, f"{TREATED_BASIS_LABELS[basis]}（{entry.occurred_on}），视同小升规，"
                   "享受小升规工业企业相关奖励政策", day=entry.occurred_on)


def non_cash_benefit(history: list[Rule], ctx: Context) -> Decision:
    """Priorities without a fixed amount (优先支持、补贴) for first-time entrants within N years."""
    rule = version_on(history, date(ctx.year, 12, 31)) or history[-1]
    events = ctx.facts.scale_events
    if events is None:
        return _decide(rule, ctx, UNKNOWN, "未登记规模状态事件")
    firsts = [e for e in events if e.kind in ("first_entry", "treated_entry")]
    if not firsts:
        return _decide(rule, ctx, FAIL, "非首次“小升规”企业")
    if firsts[0].kind == "treated_entry" and ctx.treated:
        problem, found = _treated_clause(ctx, firsts[0])
        if problem is not None:
            return _decide(rule, ctx, problem, found)
    entered = firsts[0].occurred_on.year
    within = int(rule.params.get("within_years", 1))
    if not entered <= ctx.year < entered + within:
        return _decide(rule, ctx, FAIL, f"{entered}年首次入规，本条适用于入规后{within}年内")
    if rule.params.get("requires_in_scale") and consecutive_years_in_scale(list(events), ctx.year) != \
            ctx.year - entered + 1:
        return _decide(rule, ctx, FAIL, f"{entered}年首次入规后未持续在规，本条适用于持续在规期间")
    kind = rule.params.get("requires_valid_recognition")
    if kind:
        if ctx.facts.recognitions is None:
            return _decide(rule, ctx, UNKNOWN, "未登记资质认定情况")
        valid = any(r.kind == kind and r.valid_from <= date(ctx.year, 12, 31)
                    and (r.valid_to is None or r.valid_to >= date(ctx.year, 1, 1)) for r in ctx.facts.recognitions)
        if not valid:
            return _decide(rule, ctx, FAIL, f"{ctx.year}年无有效期内的{rule.params.get('recognition_label', kind)}")
    return _decide(rule, ctx, PASS, f"{entered}年首次入规：{rule.params.get('benefit', rule.title)}（非现金政策）")


EVALUATORS: dict[str, Callable[[list[Rule], Context], Decision]] = {
    "entry_award": entry_award,
    "continued_in_scale_award": continued_in_scale_award,
    "growth_full_capacity_award": growth_full_capacity_award,
    "recognition_award": recognition_award,
    "grade_award": grade_award,
    "listing_award": listing_award,
    "refinancing_award": refinancing_award,
    "treated_as_entry": treated_as_entry,
    "non_cash_benefit": non_cash_benefit,
}
