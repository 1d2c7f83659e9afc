"""Pool suggestions from each jurisdiction's own rule, in plain Python.

  孝义  孝政办发[2022]44号 四(十七): 培育库 2×, 储备库 5× the annual target, best performers first.
  平顶山 平政办〔2022〕15号 附件2 三(一): 培育库 = revenue ≥ 50% of the 2000万 standard, sized
        1.2× the expected count; when too few qualify the bar is lowered to fill it.
  盂县  盂促企组办发[2024]1号 三(一)(二): 基础库 > 500万 last year; 培育库 ≥ 1000万 last year,
        plus recently exited enterprises and new projects.
  顺城  顺城区方案 三(一)1: 培育库 = last year 1500–2000万, exited within 3 years, new builds;
        adjusted quarterly (suggestions only in March, June, September, December).
"""
import math
from dataclasses import dataclass
from decimal import Decimal

WAN = Decimal(10000)
RANKED = ("basic", "reserve", "cultivation", "statistics")


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
    annual_target: int | None = None  # 孝义: 规上工业企业“十四五”计划年均目标
    expected_count: int | None = None  # 平顶山: the county's expected new entries


@dataclass(frozen=True)
class Suggestion:
    enterprise_id: int
    pool: str
    reason: str
    citation: str


def _revenue(c: Candidate) -> Decimal | None:
    return c.last_year_revenue if c.last_year_revenue is not None else c.trailing12


def _wan(value: Decimal) -> str:
    return f"{(value / WAN).quantize(Decimal('0.01'))}万元"


def suggest(policy: PoolPolicy, candidates: list[Candidate], month: int) -> list[Suggestion]:
    below = [c for c in candidates if not c.in_scale and c.current_pool != "statistics"]
    wanted = RULES[policy.rule](policy, below, month)
    current = {c.enterprise_id: c.current_pool for c in candidates}
    return [s for s in wanted if current[s.enterprise_id] != s.pool]


def _ranked(candidates):
    known = [c for c in candidates if _revenue(c) is not None]
    return sorted(known, key=lambda c: (-_revenue(c), c.enterprise_id))


def _xiaoyi(policy, candidates, month):
    if not policy.annual_target:
        return []
    ranked = _ranked(candidates)
    cultivation = ranked[:2 * policy.annual_target]
    reserve = ranked[2 * policy.annual_target:7 * policy.annual_target]
    out = [Suggestion(c.enterprise_id, "cultivation",
                      f"营收{_wan(_revenue(c))}，位列前{2 * policy.annual_target}名（年均目标{policy.annual_target}户的2倍）",
                      policy.citation) for c in cultivation]
    out += [Suggestion(c.enterprise_id, "reserve",
                       f"营收{_wan(_revenue(c))}，位列储备库{5 * policy.annual_target}户（年均目标的5倍）之内",
                       policy.citation) for c in reserve]
    return out


def _pingdingshan(policy, candidates, month):
    bar = Decimal("10000000")
    ranked = _ranked(candidates)
    size = math.ceil(Decimal(policy.expected_count or 0) * Decimal("1.2"))
    chosen = [c for c in ranked if _revenue(c) >= bar]
    out = [Suggestion(c.enterprise_id, "cultivation", f"营收{_wan(_revenue(c))}，达到规上标准的50%（1000万元）",
                      policy.citation) for c in chosen]
    if len(chosen) < size:
        extra = [c for c in ranked if c not in chosen][:size - len(chosen)]
        if extra:
            lowered = _revenue(extra[-1])
            out += [Suggestion(c.enterprise_id, "cultivation",
                               f"达标企业不足预期数1.2倍（{size}户），标准下调至{_wan(lowered)}；该企业营收{_wan(_revenue(c))}",
                               policy.citation) for c in extra]
    return out


def _yuxian(policy, candidates, month):
    out = []
    for c in candidates:
        revenue = c.last_year_revenue
        if revenue is not None and revenue >= Decimal("10000000"):
            out.append(Suggestion(c.enterprise_id, "cultivation", f"上年营收{_wan(revenue)}，达到1000万元",
                                  policy.citation))
        elif c.exited_recently or c.new_project:
            why = "近年退库有望再次升规" if c.exited_recently else "年度新建并有望升规"
            out.append(Suggestion(c.enterprise_id, "cultivation", why, policy.citation))
        elif revenue is not None and revenue > Decimal("5000000") and c.current_pool is None:
            out.append(Suggestion(c.enterprise_id, "basic", f"上年营收{_wan(revenue)}，超过500万元", policy.citation))
    return out


def _shuncheng(policy, candidates, month):
    if month % 3:
        return []  # 按季度调整
    out = []
    for c in candidates:
        revenue = c.last_year_revenue
        if revenue is not None and Decimal("15000000") <= revenue < Decimal("20000000"):
            out.append(Suggestion(c.enterprise_id, "cultivation", f"上年营收{_wan(revenue)}，在1500至2000万元之间",
                                  policy.citation))
        elif c.exited_recently or c.new_project:
            why = "近三年退出统计调查单位库、有望重返规上" if c.exited_recently else "新建并有望达产升规"
            out.append(Suggestion(c.enterprise_id, "cultivation", why, policy.citation))
        elif c.current_pool == "cultivation":
            out.append(Suggestion(c.enterprise_id, "basic", "季度调整：不再具备升规潜力", policy.citation))
    return out


RULES = {"xiaoyi": _xiaoyi, "pingdingshan": _pingdingshan, "yuxian": _yuxian, "shuncheng": _shuncheng}
