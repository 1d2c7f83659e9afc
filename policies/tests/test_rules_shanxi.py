"""晋办发〔2020〕38号 (山西省) as restated by 孝政办发[2022]44号 三(四)/三(五) and 盂促企组办发[2024]1号 三(八).

The provincial text is not among the sources: its awards are known from the documents that restate them.
A restating document's own conditions bind only in its own jurisdiction (issue 10 items 1 and 2).
Sources: policies/data/texts/xiaoyi-2022-44.txt, policies/data/texts/yuxian-2024-1.txt.
"""
from datetime import date
from decimal import Decimal

import pytest

from .conftest import entered, exited, facts

NAME_CHANGE_EXCLUSION = "对已入规退库只变更企业名称再次入规的企业不予享受财政奖励"


def name_change_reentry(place, on=date(2024, 3, 1)):
    return facts(place, [entered(date(2021, 12, 1)), exited(date(2022, 12, 1)),
                         entered(on, kind="name_change_reentry", name="乙公司")])


def payers(decision):
    return [(p.payer, p.amount) for p in decision.payers]


# -- item 1: 孝义 三(四)'s exclusion binds in 孝义 only ------------------------------------------

def test_三四_in_孝义_a_name_change_reentry_is_excluded_by_孝义s_own_clause(decide):
    """孝政办发[2022]44号 三(四) 对已入规退库只变更企业名称再次入规的企业不予享受财政奖励。"""
    decision = decide(name_change_reentry("xiaoyi"), 2024)["shanxi-first-entry"]
    assert decision.outcome == "fail" and decision.amount is None and decision.payers == ()
    assert "仅变更名称再次入规" in decision.reason
    assert "孝政办发[2022]44号 三(四)" in decision.reason and NAME_CHANGE_EXCLUSION in decision.reason
    assert str(decision.citation) == "晋办发〔2020〕38号 首次“小升规”省级奖励"  # the rule is the province's
    assert [str(c) for c in decision.also_cited] == ["孝政办发[2022]44号 三(四)"]


@pytest.mark.parametrize("place", ["yuxian", "yangquan_zone"])
def test_三四_outside_孝义_the_provincial_wording_decides_a_name_change_reentry(decide, place):
    """孝政办发[2022]44号 三(四) has no force in 阳泉: there the provincial rule's own wording (对首次“小升规”的
    工业企业 …) decides, and the explanation cites 晋办发〔2020〕38号, not 孝义."""
    decision = decide(name_change_reentry(place), 2024)["shanxi-first-entry"]
    assert decision.outcome == "fail" and decision.amount is None
    assert "本条只奖励首次入规" in decision.reason and "仅变更名称再次入规" in decision.reason
    assert "孝政办发" not in decision.reason
    assert decision.citation.document_number == "晋办发〔2020〕38号"
    assert decision.also_cited == ()


def test_三四_before_孝义s_document_the_provincial_wording_decides_in_孝义_too(decide):
    """孝政办发[2022]44号 自2022-11-25起施行: a name-change re-entry of 2022-06-01 in 孝义 is judged by the
    provincial rule alone."""
    decision = decide(name_change_reentry("xiaoyi", on=date(2022, 6, 1)), 2022)["shanxi-first-entry"]
    assert decision.outcome == "fail" and "本条只奖励首次入规" in decision.reason
    assert "孝政办发" not in decision.reason and decision.also_cited == ()


def test_三四_the_provincial_rule_itself_carries_no_孝义_exclusion(catalog):
    """The exclusion is 孝义's: it lives in 孝政办发[2022]44号's local conditions, not in the provincial rule."""
    rule = next(r for r in catalog.document("shanxi-2020-38").rules if r.key == "shanxi-first-entry")
    assert "excluded" not in rule.params and rule.params["entry_kinds"] == ["first_entry"]
    [condition] = [c for c in catalog.document("xiaoyi-2022-44").local_conditions if c.rule_key == rule.key]
    assert condition.jurisdiction == "141181" and str(condition.citation) == "孝政办发[2022]44号 三(四)"
    assert condition.excluded == {"name_change_reentry": NAME_CHANGE_EXCLUSION}
    assert condition.valid_from == date(2022, 11, 25)


def test_三四_the_provincial_clause_cites_the_provincial_document_not_a_孝义_restatement(catalog):
    """The provincial clause is labelled as the province's own; its note says the content is known from
    孝政办发[2022]44号 三(四) (原文未收录)."""
    document = catalog.document("shanxi-2020-38")
    for rule in document.rules:
        assert rule.citation.document_number == "晋办发〔2020〕38号", rule.key
        assert "转述" not in rule.citation.clause and "孝政办发" not in rule.citation.clause, rule.key
    assert "原文未收录" in document.note and "孝政办发[2022]44号 三(四)" in document.note
    first = next(c for c in document.clauses if c.path == "首次“小升规”省级奖励")
    assert first.text == "对首次“小升规”的工业企业，落实好省级奖励政策，第一年省级财政奖励30万元。"
    assert NAME_CHANGE_EXCLUSION not in first.text
    assert first.responsible_units == ()  # 孝义's 市财政局、市中小企业服务中心 are not the province's units


def test_三四_the_孝义_restatement_is_cited_beside_the_award_in_孝义_only(decide):
    """三(四) 落实好省级奖励政策，第一年省级财政奖励30万元: cited beside the provincial rule in 孝义; not in 阳泉."""
    in_xiaoyi = decide(facts("xiaoyi", [entered(date(2024, 6, 1))]), 2024)["shanxi-first-entry"]
    in_zone = decide(facts("yangquan_zone", [entered(date(2024, 6, 1))]), 2024)["shanxi-first-entry"]
    assert in_xiaoyi.amount == in_zone.amount == Decimal("300000.00")
    assert [str(c) for c in in_xiaoyi.also_cited] == ["孝政办发[2022]44号 三(四)"]
    assert in_zone.also_cited == ()


# -- item 2: the provincial continued-in-scale award (孝义 三(五) “除省级财政奖补外”) -----------------

@pytest.mark.parametrize("year, key", [(2024, "shanxi-continued-year2"), (2025, "shanxi-continued-year3")])
def test_三五_the_provincial_continued_award_is_due_in_孝义_with_no_fixed_amount(decide, year, key):
    """孝政办发[2022]44号 三(五) 第二年继续在规上企业，除省级财政奖补外……第三年继续在规上企业，除省级财政奖补外……"""
    decision = decide(facts("xiaoyi", [entered(date(2023, 6, 1))]), year)[key]
    assert decision.outcome == "pass"
    assert decision.amount is None and payers(decision) == [("山西省财政", None)]
    assert str(decision.citation) == "晋办发〔2020〕38号 持续在规省级奖补"
    assert [str(c) for c in decision.also_cited] == ["孝政办发[2022]44号 三(五)"]
    assert "以山西省财政下达的奖补通知为准" in decision.reason
    assert decision.reference_date == date(year, 12, 31)


def test_三五_the_provincial_year_three_award_does_not_ask_发展良性(decide):
    """三(五) “发展良性” is a condition of 孝义's own 10万元, not of the 省级财政奖补 beside it."""
    decisions = decide(facts("xiaoyi", [entered(date(2023, 6, 1))], development_sound={2025: False}), 2025)
    assert decisions["xiaoyi-continued-year3"].outcome == "fail"
    assert decisions["shanxi-continued-year3"].outcome == "pass"


def test_三五_the_provincial_continued_award_is_for_first_entrants_in_the_right_year(decide):
    """三(五) 工业企业首次“小升规”后，第二年继续在规上企业: year 1, a re-entry stretch and an exit fail."""
    f = facts("xiaoyi", [entered(date(2023, 6, 1))])
    assert decide(f, 2023)["shanxi-continued-year2"].outcome == "fail"
    reentry = facts("xiaoyi", [entered(date(2021, 6, 1)), exited(date(2022, 6, 1)),
                               entered(date(2023, 6, 1), kind="reentry")])
    assert "只适用于首次入规企业" in decide(reentry, 2024)["shanxi-continued-year2"].reason
    out = facts("xiaoyi", [entered(date(2023, 6, 1)), exited(date(2024, 6, 1))])
    assert decide(out, 2024)["shanxi-continued-year2"].outcome == "fail"


def test_三五_the_provincial_continued_award_applies_in_all_of_山西(decide):
    """The award is the province's: in 阳泉高新区 it is due too, cited without any 孝义 or 盂县 clause."""
    decision = decide(facts("yangquan_zone", [entered(date(2023, 6, 1))]), 2024)["shanxi-continued-year2"]
    assert decision.outcome == "pass" and decision.amount is None and decision.also_cited == ()


def test_三五_no_scale_events_is_unknown(decide):
    assert decide(facts("xiaoyi", events=None), 2024)["shanxi-continued-year2"].outcome == "unknown"


def test_三四_三五_fixed_amounts_stack_and_the_provincial_continued_award_is_counted_apart(decide):
    """三(四)+三(五): the fixed money is unchanged (30万, 5万, 10万); the 省级财政奖补 of years 2 and 3 is due
    with its amount set by the province."""
    f = facts("xiaoyi", [entered(date(2023, 3, 1))], development_sound={2025: True})
    fixed, open_ = {}, set()
    for year in (2023, 2024, 2025, 2026):
        for key, d in decide(f, year).items():
            if d.outcome == "pass" and d.amount:
                fixed[(year, key)] = d.amount
            elif d.outcome == "pass" and d.amount is None and d.payers:
                open_.add((year, key, d.payers[0].payer))
    assert fixed == {(2023, "shanxi-first-entry"): Decimal("300000.00"),
                     (2024, "xiaoyi-continued-year2"): Decimal("50000.00"),
                     (2025, "xiaoyi-continued-year3"): Decimal("100000.00")}
    assert open_ == {(2024, "shanxi-continued-year2", "山西省财政"), (2025, "shanxi-continued-year3", "山西省财政")}
