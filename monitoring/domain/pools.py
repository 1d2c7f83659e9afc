"""Pool suggestions from each jurisdiction's own rule, in plain Python.

  孝义  孝政办发[2022]44号 四(十七): 培育库 2×, 储备库 5× the annual target (规上工业企业“十四五”
        计划年均目标), best performers first; 本年度建成投产项目 belong in 培育库 too. The document
        does not state the annual target; it states the plan's goal (一 总体要求: 到“十四五”末规上
        工业企业达到200户以上), so without a target set by hand the yearly average is derived:
        (goal − in scale at the end of 2020) ÷ 5 years, rounded up.
  平顶山 平政办〔2022〕15号 附件2 三(一): 培育库 = revenue ≥ 50% of the 2000万 standard, sized
        1.2× the expected count; when too few qualify the bar is lowered to fill it.
  盂县  盂促企组办发[2024]1号 三(一)(二): 基础库 > 500万 last year; 培育库 ≥ 1000万 last year,
        plus recently exited enterprises and new projects.
  顺城  顺城区方案 三(一)1: 培育库 is built from the named targets (last year 1500–2000万, exited
        within 3 years, new builds), suggested in any month; “按季度对不具备升规潜力的企业进行调整”:
        taking out those without prospects waits for the quarter's last month (March, June,
        September, December).

Reasons are sentences for staff: money in 万元 with two decimals, and where a figure was
derived, how.
"""
import math
from dataclasses import dataclass
from decimal import Decimal

from enterprises.domain.formatting import wan_yuan

RANKED = ("basic", "reserve", "cultivation", "statistics")
PLAN_FIRST_YEAR, PLAN_LAST_YEAR = 2021, 2025  # 第十四个五年规划（“十四五”）
CULTIVATION_BAR = Decimal("10000000")  # 1000万元
BASIC_BAR = Decimal("5000000")
SHUNCHENG_LOW, THRESHOLD = Decimal("15000000"), Decimal("20000000")


@dataclass(frozen=True)
class Candidate:
    enterprise_id: int
    in_scale: bool
    current_pool: str | None
    last_year_revenue: Decimal | None  # complete previous calendar year, else None
    trailing12: Decimal | None
    exited_recently: bool = False
    new_project: bool = False


@dataclass(frozen=True)
class PoolPolicy:
    rule: str  # xiaoyi | pingdingshan | yuxian | shuncheng
    citation: str
    annual_target: int | None = None  # 孝义: 规上工业企业“十四五”计划年均目标, when set by hand
    expected_count: int | None = None  # 平顶山: the county's expected new entries
    plan_goal: int | None = None  # 孝义: in-scale enterprises at the end of the 14th five-year plan
    plan_goal_citation: str = ""
    in_scale_at_plan_start: int | None = None  # in scale at the end of the year before the plan


@dataclass(frozen=True)
class Suggestion:
    enterprise_id: int
    pool: str
    reason: str
    citation: str


@dataclass(frozen=True)
class AnnualTarget:
    count: int
    derivation: str  # "" when set by hand


def annual_target(policy: PoolPolicy) -> AnnualTarget | None:
    """The annual target: the one set by hand, else derived from the plan's goal (or None)."""
    if policy.annual_target:
        return AnnualTarget(policy.annual_target, "")
    if not policy.plan_goal or policy.in_scale_at_plan_start is None:
        return None
    years = PLAN_LAST_YEAR - PLAN_FIRST_YEAR + 1
    count = math.ceil(max(policy.plan_goal - policy.in_scale_at_plan_start, 0) / years)
    if not count:
        return None  # the goal was reached before the plan began: nothing to size the pools on
    source = f"（{policy.plan_goal_citation}）" if policy.plan_goal_citation else ""
    return AnnualTarget(count, f"年均目标按“十四五”末规上工业企业达到{policy.plan_goal}户{source}、"
                               f"{PLAN_FIRST_YEAR - 1}年末规上{policy.in_scale_at_plan_start}户折算："
                               f"（{policy.plan_goal}－{policy.in_scale_at_plan_start}）÷{years}年，"
                               f"向上取整为{count}户")


def _revenue(c: Candidate) -> Decimal | None:
    return c.last_year_revenue if c.last_year_revenue is not None else c.trailing12


def _revenue_text(c: Candidate) -> str:
    if c.last_year_revenue is not None:
        return f"上年主营业务收入{wan_yuan(c.last_year_revenue)}"
    return f"近12个月主营业务收入{wan_yuan(c.trailing12)}"


def suggest(policy: PoolPolicy, candidates: list[Candidate], month: int) -> list[Suggestion]:
    below = [c for c in candidates if not c.in_scale and c.current_pool != "statistics"]
    wanted = RULES[policy.rule](policy, below, month)
    current = {c.enterprise_id: c.current_pool for c in candidates}
    return [s for s in wanted if current[s.enterprise_id] != s.pool]


def _ranked(candidates):
    known = [c for c in candidates if _revenue(c) is not None]
    return sorted(known, key=lambda c: (-_revenue(c), c.enterprise_id))


def _xiaoyi(policy, candidates, month):
    target = annual_target(policy)
    if target is None:
        return []
    n = target.count
    note = f"；{target.derivation}" if target.derivation else ""
    # 本年度建成投产项目 are named for the cultivation pool; the best performers fill the rest of it.
    projects = [c for c in candidates if c.new_project]
    ranked = [c for c in _ranked(candidates) if not c.new_project]
    room = max(2 * n - len(projects), 0)
    out = [Suggestion(c.enterprise_id, "cultivation",
                      f"新建投产项目，列入培育库（培育库按年均目标{n}户的2倍，共{2 * n}户）{note}", policy.citation)
           for c in projects[:2 * n]]
    out += [Suggestion(c.enterprise_id, "cultivation",
                       f"{_revenue_text(c)}，在规下企业中排第{rank}位，在培育库{2 * n}户（年均目标{n}户的2倍）之内"
                       f"{note}", policy.citation)
            for rank, c in enumerate(ranked[:room], start=1)]
    out += [Suggestion(c.enterprise_id, "reserve",
                       f"{_revenue_text(c)}，在规下企业中排第{rank}位，在培育库之后的储备库{5 * n}户"
                       f"（年均目标{n}户的5倍）之内{note}", policy.citation)
            for rank, c in enumerate(ranked[room:room + 5 * n], start=room + 1)]
    return out


def _pingdingshan(policy, candidates, month):
    ranked = _ranked(candidates)
    size = math.ceil(Decimal(policy.expected_count or 0) * Decimal("1.2"))
    chosen = [c for c in ranked if _revenue(c) >= CULTIVATION_BAR]
    out = [Suggestion(c.enterprise_id, "cultivation",
                      f"{_revenue_text(c)}，达到规上标准2000万元的50%（1000万元）", policy.citation)
           for c in chosen]
    if len(chosen) < size:
        extra = [c for c in ranked if c not in chosen][:size - len(chosen)]
        if extra:
            lowered = _revenue(extra[-1])
            out += [Suggestion(c.enterprise_id, "cultivation",
                               f"达到1000万元的企业{len(chosen)}户，不足预期数{policy.expected_count}户的1.2倍"
                               f"（{size}户），标准下调至{wan_yuan(lowered)}；该企业{_revenue_text(c)}",
                               policy.citation) for c in extra]
    return out


def _yuxian(policy, candidates, month):
    out = []
    for c in candidates:
        revenue = c.last_year_revenue
        if revenue is not None and revenue >= CULTIVATION_BAR:
            out.append(Suggestion(c.enterprise_id, "cultivation", f"上年主营业务收入{wan_yuan(revenue)}，达到1000万元",
                                  policy.citation))
        elif c.exited_recently or c.new_project:
            why = "近年退库、有望再次升规" if c.exited_recently else "年度新建、有望升规"
            out.append(Suggestion(c.enterprise_id, "cultivation", why, policy.citation))
        elif revenue is not None and revenue > BASIC_BAR and c.current_pool is None:
            out.append(Suggestion(c.enterprise_id, "basic", f"上年主营业务收入{wan_yuan(revenue)}，超过500万元",
                                  policy.citation))
    return out


def _shuncheng(policy, candidates, month):
    quarter_end = month % 3 == 0  # 按季度调整
    out = []
    for c in candidates:
        revenue = c.last_year_revenue
        if revenue is not None and SHUNCHENG_LOW <= revenue < THRESHOLD:
            out.append(Suggestion(c.enterprise_id, "cultivation",
                                  f"上年主营业务收入{wan_yuan(revenue)}，在1500万至2000万元之间", policy.citation))
        elif c.exited_recently or c.new_project:
            why = "近三年退出统计调查单位库、有望重返规上" if c.exited_recently else "新建、有望达产升规"
            out.append(Suggestion(c.enterprise_id, "cultivation", why, policy.citation))
        elif quarter_end and c.current_pool == "cultivation" and revenue is not None and revenue < SHUNCHENG_LOW:
            out.append(Suggestion(c.enterprise_id, "basic",
                                  f"季度调整：上年主营业务收入{wan_yuan(revenue)}，不足1500万元，不再具备升规潜力",
                                  policy.citation))
    return out


RULES = {"xiaoyi": _xiaoyi, "pingdingshan": _pingdingshan, "yuxian": _yuxian, "shuncheng": _shuncheng}
