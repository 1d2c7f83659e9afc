"""盂促企组办发[2024]1号 三(八)（盂县）: the awards it promises to carry out (issue 10 item 2).

三(八) 充分发挥财政奖励资金激励引导作用，落实“小升规”企业首次入规、持续在规省级奖励资金和市级、县级配套奖励政策。
Source: policies/data/texts/yuxian-2024-1.txt. The plan is in force from 2024-05-22 to 2024-12-31.
"""
from datetime import date
from decimal import Decimal

import pytest

from .conftest import entered, facts

PLAN = "盂促企组办发[2024]1号 三(八)"


def payers(decision):
    return [(p.payer, p.amount) for p in decision.payers]


def test_三八_the_clause_is_quoted_from_the_plan(catalog):
    """三(八) as encoded is the plan's own sentence, and the county rules cite it."""
    document = catalog.document("yuxian-2024-1")
    clause = next(c for c in document.clauses if c.path == "三(八)")
    assert "落实“小升规”企业首次入规、持续在规省级奖励资金和市级、县级配套奖励政策" in clause.text
    assert "落实“小升规”企业首次入规、持续在规省级奖励资金和市级、县级配套奖励政策" in document.full_text
    assert {r.key for r in document.rules} == {"yuxian-county-first-entry", "yuxian-county-continued-year2",
                                               "yuxian-county-continued-year3"}
    for rule in document.rules:
        assert str(rule.citation) == PLAN and rule.amount is None, rule.key
        assert [p.payer for p in rule.payers] == ["盂县财政"], rule.key
        assert rule.valid_to == date(2024, 12, 31), rule.key  # the plan's period only


def test_三八_a_first_entry_is_due_the_county_matching_award_with_no_fixed_amount(decide):
    """三(八) 落实“小升规”企业首次入规……县级配套奖励政策: due, the amount set by 盂县财政's own notice."""
    decision = decide(facts("yuxian", [entered(date(2024, 12, 1))]), 2024)["yuxian-county-first-entry"]
    assert decision.outcome == "pass" and decision.amount is None
    assert payers(decision) == [("盂县财政", None)]
    assert str(decision.citation) == PLAN
    assert "以盂县财政下达的奖励通知为准" in decision.reason


def test_三八_the_fixed_first_entry_money_is_unchanged_and_the_city_award_is_not_counted_twice(decide):
    """三(八) 市级配套奖励 is 阳办发[2021]11号 二(二)4's 10万元, already a rule: 三(八) is cited beside it,
    no second city award appears, and the fixed total stays 30万 + 10万."""
    decisions = decide(facts("yuxian", [entered(date(2024, 12, 1))]), 2024)
    fixed = {k: d.amount for k, d in decisions.items() if d.outcome == "pass" and d.amount}
    assert fixed == {"shanxi-first-entry": Decimal("300000.00"), "yangquan-first-entry": Decimal("100000.00")}
    city = [d for d in decisions.values() if d.outcome == "pass" and any(p.payer == "阳泉市财政" for p in d.payers)]
    assert [d.rule_key for d in city] == ["yangquan-first-entry"]
    for key in ("shanxi-first-entry", "yangquan-first-entry"):
        assert PLAN in [str(c) for c in decisions[key].also_cited], key


@pytest.mark.parametrize("entry, year, key, province", [
    (date(2023, 11, 20), 2024, "yuxian-county-continued-year2", "shanxi-continued-year2"),
    (date(2022, 11, 20), 2024, "yuxian-county-continued-year3", "shanxi-continued-year3"),
])
def test_三八_continued_in_scale_the_provincial_and_county_awards_are_due(decide, entry, year, key, province):
    """三(八) 持续在规省级奖励资金和……县级配套奖励政策: both due in 2024, amounts set by their payers;
    the provincial award cites 三(八) beside 晋办发〔2020〕38号."""
    decisions = decide(facts("yuxian", [entered(entry)]), year)
    county, provincial = decisions[key], decisions[province]
    assert county.outcome == provincial.outcome == "pass"
    assert payers(county) == [("盂县财政", None)] and payers(provincial) == [("山西省财政", None)]
    assert str(provincial.citation) == "晋办发〔2020〕38号 持续在规省级奖补"
    assert [str(c) for c in provincial.also_cited] == [PLAN]


def test_三八_a_first_entry_before_the_plan_gets_no_county_award(decide):
    """The plan takes effect on 2024-05-22: a first entry on 2024-03-01 is outside it."""
    decision = decide(facts("yuxian", [entered(date(2024, 3, 1))]), 2024)["yuxian-county-first-entry"]
    assert decision.outcome == "fail" and "不在本条有效期内" in decision.reason


def test_三八_after_2024_the_plan_promises_nothing_and_is_not_cited(decide):
    """The plan is for 2024 (effective to 2024-12-31): in 2025 no county rule is evaluated, and the provincial
    continued award, still due, no longer cites 三(八)."""
    decisions = decide(facts("yuxian", [entered(date(2024, 11, 20))]), 2025)
    assert not any(k.startswith("yuxian-county") for k in decisions)
    provincial = decisions["shanxi-continued-year2"]
    assert provincial.outcome == "pass" and provincial.also_cited == ()


def test_三八_the_county_award_does_not_reach_other_places(decide):
    """盂县's plan binds in 盂县 only: not in 阳泉高新区 nor in 孝义."""
    for place in ("yangquan_zone", "xiaoyi"):
        decisions = decide(facts(place, [entered(date(2024, 12, 1))]), 2024)
        assert not any(k.startswith("yuxian") for k in decisions), place
        assert all(PLAN not in [str(c) for c in d.also_cited] for d in decisions.values()), place
