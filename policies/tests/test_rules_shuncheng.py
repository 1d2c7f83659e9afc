"""顺城区方案（征求意见稿）14/15 and the documents they point to: 辽政发〔2023〕1号 (province, amount not
fixed) and 抚政办规〔2023〕4号 第十五条 (city, 10万 once per enterprise).
Source text: policies/data/texts/shuncheng-draft.txt."""
from datetime import date
from decimal import Decimal

import pytest

from enterprises.domain.scale import Event
from policies.engine import EnterpriseFacts

from .conftest import entered, exited, facts

LIAONING_FUSHUN = ("liaoning-first-entry", "fushun-city-entry")
ELSEWHERE = ("xiaoyi", "yuxian", "yangquan_zone", "xinhua", "ruzhou", "shilong", "gaoxin")


def payers(decision):
    return [(p.payer, p.amount) for p in decision.payers]


# -- 14：辽政发〔2023〕1号 首次“小升规”省级后补助，金额以省政府实际发放为准 -----------------------

def test_14_a_first_entry_is_eligible_for_the_provincial_award_without_an_amount(decide):
    """14 帮助首次完成“小升规”的企业争取升级后补助奖励资金，具体奖励金额以省政府实际发放为准。"""
    decision = decide(facts("shuncheng", [entered(date(2024, 10, 1))]), 2024)["liaoning-first-entry"]
    assert decision.outcome == "pass"
    assert decision.amount is None
    assert payers(decision) == [("辽宁省财政", None)]
    assert "以省政府实际发放为准" in decision.reason
    assert decision.citation.document_number == "辽政发〔2023〕1号"


@pytest.mark.parametrize("kind", ["reentry", "name_change_reentry", "treated_entry"])
def test_14_only_a_first_entry_is_eligible(decide, kind):
    """14 首次完成“小升规”: a re-entry or a treated entry (辽宁 has no 视同 clause) is not."""
    events = [entered(date(2023, 3, 1)), exited(date(2023, 9, 1)), entered(date(2024, 10, 1), kind=kind)]
    if kind == "treated_entry":
        events = [entered(date(2024, 10, 1), kind=kind)]
    decision = decide(facts("shuncheng", events, treated_bases={date(2024, 10, 1): "new_project"}), 2024)
    assert decision["liaoning-first-entry"].outcome == "fail"


def test_14_no_scale_events_is_unknown(decide):
    """14: whether the enterprise entered is not recorded → unknown."""
    assert decide(facts("shuncheng", events=None), 2024)["liaoning-first-entry"].outcome == "unknown"


def test_14_applies_from_2023(decide):
    """辽政发〔2023〕1号 (effective date recorded as 2023-01-01): a 2022 entry is not covered."""
    decision = decide(facts("shuncheng", [entered(date(2022, 12, 1))]), 2022)
    assert "liaoning-first-entry" not in decision


# -- 15：抚政办规〔2023〕4号 第十五条 新入规模以上工业企业每户10万元，每户只享受一次 ---------------------

def test_15_a_new_entrant_gets_100000_from_the_city(decide):
    """15 帮助新入规模以上的工业企业，争取市级后补助奖励资金，每户10万元。"""
    decision = decide(facts("shuncheng", [entered(date(2024, 10, 1))]), 2024)["fushun-city-entry"]
    assert decision.outcome == "pass" and decision.amount == Decimal("100000.00")
    assert payers(decision) == [("抚顺市财政", Decimal("100000.00"))]
    assert str(decision.citation) == "抚政办规〔2023〕4号 第十五条"


@pytest.mark.parametrize("kind", ["first_entry", "treated_entry", "reentry", "name_change_reentry"])
def test_15_any_entry_is_a_新入规(decide, kind):
    """15 新入规模以上的工业企业: any kind of entry counts (the limit is once per enterprise, not first entry)."""
    events = [entered(date(2024, 10, 1), kind=kind)]
    if kind in ("reentry", "name_change_reentry"):
        events = [entered(date(2022, 3, 1)), exited(date(2022, 9, 1))] + events
    decision = decide(facts("shuncheng", events), 2024)["fushun-city-entry"]
    assert decision.outcome == "pass" and decision.amount == Decimal("100000.00")


def test_15_paid_once_per_enterprise(decide):
    """15 每户企业只享受一次资金奖励: paid for 2023 → a 2025 re-entry gets nothing."""
    events = [entered(date(2023, 12, 1)), exited(date(2024, 6, 1)), entered(date(2025, 12, 1), kind="reentry")]
    paid = facts("shuncheng", events, awards_received={"fushun-city-entry": 2023})
    again = decide(paid, 2025)["fushun-city-entry"]
    assert again.outcome == "fail" and again.amount is None
    assert "只享受一次" in again.reason and "2023" in again.reason
    assert decide(facts("shuncheng", events), 2025)["fushun-city-entry"].outcome == "pass"  # nothing paid yet


def test_15_the_paid_year_itself_stays_owed_on_a_rerun(decide):
    """15: re-running the batch of the year that was paid says the same (idempotent per year)."""
    paid = facts("shuncheng", [entered(date(2023, 12, 1))], awards_received={"fushun-city-entry": 2023})
    assert decide(paid, 2023)["fushun-city-entry"].amount == Decimal("100000.00")


def test_15_paid_for_a_later_year_means_an_earlier_year_is_not_owed(decide):
    """15 每户企业只享受一次资金奖励: once paid (for whichever year), no other year is owed."""
    events = [entered(date(2023, 12, 1)), exited(date(2024, 6, 1)), entered(date(2025, 12, 1), kind="reentry")]
    paid = facts("shuncheng", events, awards_received={"fushun-city-entry": 2025})
    decision = decide(paid, 2023)["fushun-city-entry"]
    assert decision.outcome == "fail" and "只享受一次" in decision.reason


def test_15_applies_from_2023(decide):
    """抚政办规〔2023〕4号 (effective date recorded as 2023-01-01): an entry of 2022-12-31 is not covered,
    one of 2023-01-01 is."""
    assert "fushun-city-entry" not in decide(facts("shuncheng", [entered(date(2022, 12, 31))]), 2022)
    assert decide(facts("shuncheng", [entered(date(2023, 1, 1))]), 2023)["fushun-city-entry"].outcome == "pass"


def test_14_15_stack_for_a_first_entry(decide):
    """14 + 15: a first entry is eligible for the province's (amount open) and the city's 10万."""
    decisions = decide(facts("shuncheng", [entered(date(2024, 10, 1))]), 2024)
    assert {k: (d.outcome, d.amount) for k, d in decisions.items()} == {
        "liaoning-first-entry": ("pass", None), "fushun-city-entry": ("pass", Decimal("100000.00"))}


def test_14_15_apply_in_the_development_zone_too(decide):
    """顺城区 经济开发区 lies inside 顺城区 → 抚顺市 → 辽宁省: both rules apply there."""
    f = EnterpriseFacts(key="S2", name="乙公司", jurisdiction_path=("210000", "210400", "210411", "210411-kfq"),
                        scale_events=(Event("first_entry", date(2024, 10, 1), "乙公司"),))
    decisions = decide(f, 2024)
    assert set(decisions) == set(LIAONING_FUSHUN)


# -- jurisdiction --------------------------------------------------------------------

@pytest.mark.parametrize("place", ELSEWHERE)
def test_辽宁_and_抚顺_rules_do_not_apply_in_山西_or_河南(decide, place):
    """辽政发〔2023〕1号 and 抚政办规〔2023〕4号 are 辽宁's and 抚顺's only."""
    decisions = decide(facts(place, [entered(date(2024, 10, 1))]), 2024)
    assert not set(decisions) & set(LIAONING_FUSHUN)


def test_山西_and_河南_rules_do_not_apply_in_顺城(decide):
    """Only 辽宁/抚顺 rules for an enterprise in 顺城; the 顺城 draft itself encodes no rule."""
    decisions = decide(facts("shuncheng", [entered(date(2024, 10, 1))]), 2024)
    assert set(decisions) == set(LIAONING_FUSHUN)


def test_the_shuncheng_draft_encodes_no_rule_of_its_own(catalog):
    """顺城区方案 is a draft whose 14/15 point at the province's and the city's documents."""
    draft = catalog.document("shuncheng-draft")
    assert draft.status == "draft" and draft.rules == ()
    assert {c.path for c in draft.clauses} >= {"四 14", "四 15"}
