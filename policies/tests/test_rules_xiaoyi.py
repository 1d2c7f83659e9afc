"""孝政办发[2022]44号（孝义）and the provincial award it restates (晋办发〔2020〕38号 via 三(四)).

Every test quotes the clause it checks. The source text is policies/data/texts/xiaoyi-2022-44.txt.
"""
from datetime import date
from decimal import Decimal

import pytest

from policies.engine import RecognitionFact

from .conftest import entered, exited, facts

XIAOYI_EFFECTIVE = date(2022, 11, 25)  # “本实施意见自发布之日起施行”，发布 2022-11-25
NON_CASH_ONE_YEAR = ("xiaoyi-tech-sme-priority", "xiaoyi-special-fund-priority", "xiaoyi-land-priority",
                     "xiaoyi-talent-priority")
NON_CASH_THREE_YEARS = ("xiaoyi-social-insurance-subsidy", "xiaoyi-energy-subsidy")


def payers(decision):
    return [(p.payer, p.amount) for p in decision.payers]


def treated(day, basis):
    """A 视同小升规 entry on `day` with its recorded basis (or none)."""
    bases = {day: basis} if basis else {}
    return facts("xiaoyi", [entered(day, kind="treated_entry")], treated_bases=bases)


# -- 三(四)：首次“小升规”第一年省级财政奖励30万元 ------------------------------------

def test_三四_first_entry_gets_300000_from_the_provincial_budget(decide):
    """三(四) 对首次“小升规”的工业企业，落实好省级奖励政策，第一年省级财政奖励30万元。"""
    decision = decide(facts("xiaoyi", [entered(date(2023, 6, 1))]), 2023)["shanxi-first-entry"]
    assert decision.outcome == "pass"
    assert decision.amount == Decimal("300000.00")
    assert payers(decision) == [("山西省财政", Decimal("300000.00"))]
    assert decision.citation.document_key == "shanxi-2020-38"
    assert decision.citation.document_number == "晋办发〔2020〕38号"
    assert decision.reference_date == date(2023, 6, 1)
    # Issue 10 item 1: 孝义's restatement is cited beside the provincial rule, in 孝义 only.
    assert [str(c) for c in decision.also_cited] == ["孝政办发[2022]44号 三(四)"]


def test_三四_the_provincial_award_is_for_the_entry_year_only(decide):
    """三(四) “第一年”省级财政奖励：the year after the entry owes nothing under this rule."""
    decision = decide(facts("xiaoyi", [entered(date(2023, 6, 1))]), 2024)["shanxi-first-entry"]
    assert decision.outcome == "fail" and decision.amount is None and decision.payers == ()
    assert "2024年未入规" in decision.reason


def test_三四_a_plain_reentry_is_not_a_first_entry(decide):
    """三(四) 只奖励首次“小升规”：二次入规 (same name) fails."""
    events = [entered(date(2021, 12, 1)), exited(date(2022, 12, 1)), entered(date(2024, 3, 1), kind="reentry")]
    decision = decide(facts("xiaoyi", events), 2024)["shanxi-first-entry"]
    assert decision.outcome == "fail" and decision.amount is None
    assert "二次入规" in decision.reason


def test_三四_a_name_change_reentry_is_excluded_by_name(decide):
    """三(四) 对已入规退库只变更企业名称再次入规的企业不予享受财政奖励。"""
    events = [entered(date(2021, 12, 1)), exited(date(2022, 12, 1)),
              entered(date(2024, 3, 1), kind="name_change_reentry", name="乙公司")]
    decision = decide(facts("xiaoyi", events), 2024)["shanxi-first-entry"]
    assert decision.outcome == "fail"
    assert "仅变更名称再次入规" in decision.reason and "三(四)" in decision.reason


def test_三四_no_scale_events_is_unknown(decide):
    """三(四) needs to know whether the enterprise entered: no events recorded → unknown, not fail."""
    decision = decide(facts("xiaoyi", events=None), 2023)["shanxi-first-entry"]
    assert decision.outcome == "unknown" and decision.amount is None


# -- 二(二)／二(三)：视同“小升规” ---------------------------------------------------

def test_二二_a_new_project_entry_counts_as_小升规_for_the_provincial_award(decide):
    """二(二) 将新开工（投产）升规入统工业企业视同“小升规”工业企业，享受“小升规”工业企业相关奖励政策。"""
    decisions = decide(treated(date(2023, 6, 1), "new_project"), 2023)
    award = decisions["shanxi-first-entry"]
    assert award.outcome == "pass" and award.amount == Decimal("300000.00")
    assert payers(award) == [("山西省财政", Decimal("300000.00"))]
    assert [str(c) for c in award.also_cited] == ["孝政办发[2022]44号 二(二)", "孝政办发[2022]44号 三(四)"]
    assert award.also_cited[0].document_key == "xiaoyi-2022-44"
    assert "新开工" in award.reason
    assert decisions["xiaoyi-treated-new-project"].outcome == "pass"
    assert decisions["xiaoyi-treated-conversion"].outcome == "fail"


def test_二三_an_above_quota_conversion_counts_as_小升规_for_the_provincial_award(decide):
    """二(三) 限额以上批零住餐企业等四上企业转型……达到规模后视同“小升规”工业企业，享受相关奖励政策。"""
    decisions = decide(treated(date(2023, 6, 1), "above_quota_conversion"), 2023)
    award = decisions["shanxi-first-entry"]
    assert award.outcome == "pass" and award.amount == Decimal("300000.00")
    assert [c.clause for c in award.also_cited] == ["二(三)", "三(四)"]
    assert "限（资）上企业转规" in award.reason
    assert decisions["xiaoyi-treated-conversion"].outcome == "pass"
    assert decisions["xiaoyi-treated-new-project"].outcome == "fail"


def test_二二_二三_a_treated_entry_without_a_recorded_basis_is_unknown(decide):
    """二(二)/二(三): which clause makes the entry count depends on the basis; none recorded → unknown."""
    decisions = decide(treated(date(2023, 6, 1), None), 2023)
    for key in ("shanxi-first-entry", "xiaoyi-treated-new-project", "xiaoyi-treated-conversion"):
        assert decisions[key].outcome == "unknown", key
        assert decisions[key].amount is None
    assert "视同依据" in decisions["shanxi-first-entry"].reason


def test_二二_二三_a_treated_entry_on_another_basis_does_not_count(decide):
    """二(二)/二(三) name only new projects and above-quota conversions; another basis gets no award."""
    decision = decide(treated(date(2023, 6, 1), "spin_off"), 2023)["shanxi-first-entry"]
    assert decision.outcome == "fail" and decision.amount is None


def test_二二_the_孝义_treated_clause_does_not_reach_盂县(decide):
    """二(二) is 孝义's clause: a treated entry in 盂县 (阳泉) is not made a 小升规 by it."""
    f = facts("yuxian", [entered(date(2023, 6, 1), kind="treated_entry")],
              treated_bases={date(2023, 6, 1): "new_project"})
    decisions = decide(f, 2023)
    assert decisions["shanxi-first-entry"].outcome == "fail"
    assert decisions["shanxi-first-entry"].also_cited == ()
    assert not any(k.startswith("xiaoyi") for k in decisions)


def test_二二_a_treated_entry_on_the_effective_date_counts(decide):
    """二(二) in force from 2022-11-25 (本实施意见自发布之日起施行): an entry that day counts."""
    decision = decide(treated(XIAOYI_EFFECTIVE, "new_project"), 2022)["shanxi-first-entry"]
    assert decision.outcome == "pass" and [c.clause for c in decision.also_cited] == ["二(二)", "三(四)"]


def test_二二_a_treated_entry_before_the_effective_date_does_not_count_for_the_provincial_award(decide):
    """二(二) 视同“小升规” only exists from 2022-11-25; the day before, a treated entry is no 小升规 in 孝义."""
    decision = decide(treated(date(2022, 11, 24), "new_project"), 2022)["shanxi-first-entry"]
    assert decision.outcome == "fail"


def test_二二_the_treated_clause_itself_fails_for_an_entry_before_the_effective_date(decide):
    """二(二) cannot have made an entry of 2022-06-01 count: the document was issued on 2022-11-25."""
    decision = decide(treated(date(2022, 6, 1), "new_project"), 2022)["xiaoyi-treated-new-project"]
    assert decision.outcome == "fail"


# -- 三(五)：第二年继续在规5万元，第三年连续在规且发展良性10万元 ---------------------

def test_三五_second_consecutive_year_gets_50000_from_孝义(decide):
    """三(五) 工业企业首次“小升规”后，第二年继续在规上企业，除省级财政奖补外，孝义市财政再奖补5万元。"""
    decision = decide(facts("xiaoyi", [entered(date(2022, 12, 1))]), 2023)["xiaoyi-continued-year2"]
    assert decision.outcome == "pass" and decision.amount == Decimal("50000.00")
    assert payers(decision) == [("孝义市财政", Decimal("50000.00"))]
    assert str(decision.citation) == "孝政办发[2022]44号 三(五)"
    assert decision.reference_date == date(2023, 12, 31)


def test_三五_the_entry_year_is_not_the_second_year(decide):
    """三(五) “第二年”: the entry year itself fails."""
    decision = decide(facts("xiaoyi", [entered(date(2023, 1, 15))]), 2023)["xiaoyi-continued-year2"]
    assert decision.outcome == "fail" and "第1年" in decision.reason


def test_三五_the_third_year_is_not_the_second(decide):
    """三(五): the 5万 is for the second year only; the third year is the other award."""
    decision = decide(facts("xiaoyi", [entered(date(2022, 12, 1))]), 2024)["xiaoyi-continued-year2"]
    assert decision.outcome == "fail" and "第3年" in decision.reason


def test_三五_an_exit_in_the_second_year_fails(decide):
    """三(五) 第二年继续在规上: out of scale at the end of the second year → fail."""
    events = [entered(date(2022, 12, 1)), exited(date(2023, 6, 1))]
    decision = decide(facts("xiaoyi", events), 2023)["xiaoyi-continued-year2"]
    assert decision.outcome == "fail" and "不在规上" in decision.reason


def test_三五_a_break_resets_and_a_stretch_begun_by_a_reentry_fails(decide):
    """三(五) 对首次入规企业: after exit and re-entry the count restarts, and the new stretch is not a first entry."""
    events = [entered(date(2021, 12, 1)), exited(date(2022, 6, 1)), entered(date(2022, 12, 1), kind="reentry")]
    assert decide(facts("xiaoyi", events), 2022)["xiaoyi-continued-year2"].reason.endswith("本条奖励第2年")
    decision = decide(facts("xiaoyi", events), 2023)["xiaoyi-continued-year2"]
    assert decision.outcome == "fail"
    assert "只适用于首次入规企业" in decision.reason and "二次入规" in decision.reason


def test_三五_exit_and_reentry_within_one_year_still_breaks_the_stretch(decide):
    """三(五) 连续在规: an exit followed by re-entry in the same year breaks the stretch."""
    events = [entered(date(2021, 12, 1)), exited(date(2022, 3, 1)), entered(date(2022, 10, 1), kind="reentry")]
    decision = decide(facts("xiaoyi", events), 2023)["xiaoyi-continued-year3"]
    assert decision.outcome == "fail" and "第2年" in decision.reason


def test_三五_a_treated_entry_starts_a_first_entry_stretch(decide):
    """三(五) with 二(二): a 新开工项目 entry is a 小升规, so its second year earns the 5万."""
    f = facts("xiaoyi", [entered(date(2022, 12, 1), kind="treated_entry")],
              treated_bases={date(2022, 12, 1): "new_project"})
    assert decide(f, 2023)["xiaoyi-continued-year2"].amount == Decimal("50000.00")


def test_三五_a_treated_entry_without_a_recorded_basis_is_unknown_in_year_two(decide):
    """三(五) 首次“小升规”后: whether a treated entry is a 小升规 depends on 二(二)/二(三); basis unknown → unknown."""
    f = facts("xiaoyi", [entered(date(2022, 12, 1), kind="treated_entry")])
    decision = decide(f, 2023)["xiaoyi-continued-year2"]
    assert decision.outcome == "unknown" and decision.amount is None


def test_三五_a_treated_entry_on_another_basis_gets_no_second_year_award(decide):
    """三(五) applies to 首次“小升规”; a treated entry outside 二(二)/二(三) is none."""
    f = facts("xiaoyi", [entered(date(2022, 12, 1), kind="treated_entry")],
              treated_bases={date(2022, 12, 1): "spin_off"})
    assert decide(f, 2022)["shanxi-first-entry"].outcome == "fail"
    assert decide(f, 2023)["xiaoyi-continued-year2"].outcome == "fail"


def test_三五_third_consecutive_year_with_sound_development_gets_100000(decide):
    """三(五) 第三年继续在规上企业……孝义市财政对首次入规企业三年连续在规模以上，发展良性，再奖励10万元。"""
    f = facts("xiaoyi", [entered(date(2022, 12, 1))], development_sound={2024: True})
    decision = decide(f, 2024)["xiaoyi-continued-year3"]
    assert decision.outcome == "pass" and decision.amount == Decimal("100000.00")
    assert payers(decision) == [("孝义市财政", Decimal("100000.00"))]
    assert str(decision.citation) == "孝政办发[2022]44号 三(五)"


def test_三五_third_year_without_a_发展良性_assessment_is_unknown(decide):
    """三(五) 发展良性 is a condition; not assessed for the year → unknown."""
    f = facts("xiaoyi", [entered(date(2022, 12, 1))], development_sound={2023: True})  # other year only
    decision = decide(f, 2024)["xiaoyi-continued-year3"]
    assert decision.outcome == "unknown" and decision.amount is None and "发展良性" in decision.reason


def test_三五_third_year_not_发展良性_fails(decide):
    """三(五) 发展良性 assessed as not met → fail."""
    f = facts("xiaoyi", [entered(date(2022, 12, 1))], development_sound={2024: False})
    decision = decide(f, 2024)["xiaoyi-continued-year3"]
    assert decision.outcome == "fail" and "发展良性" in decision.reason


def test_三五_the_year_three_award_needs_three_unbroken_years(decide):
    """三(五) 三年连续在规模以上: year 2 or 4 fail even when 发展良性."""
    f = facts("xiaoyi", [entered(date(2022, 12, 1))], development_sound={2023: True, 2025: True})
    assert decide(f, 2023)["xiaoyi-continued-year3"].outcome == "fail"
    assert decide(f, 2025)["xiaoyi-continued-year3"].outcome == "fail"


def test_三五_a_reentry_stretch_fails_year_three_before_发展良性_is_asked(decide):
    """三(五) 对首次入规企业: a stretch begun by 二次入规 fails, whatever the 发展良性 assessment."""
    events = [entered(date(2020, 12, 1)), exited(date(2021, 6, 1)), entered(date(2022, 12, 1), kind="reentry")]
    decision = decide(facts("xiaoyi", events), 2024)["xiaoyi-continued-year3"]
    assert decision.outcome == "fail" and "只适用于首次入规企业" in decision.reason


def test_三四_三五_stack_over_three_years(decide):
    """三(四)+三(五): 30万 (province) in year 1, 5万 (孝义) in year 2, 10万 (孝义) in year 3."""
    f = facts("xiaoyi", [entered(date(2023, 3, 1))], development_sound={2025: True})
    owed = {}
    for year in (2023, 2024, 2025, 2026):
        for key, d in decide(f, year).items():
            if d.outcome == "pass" and d.amount:
                owed[(year, key)] = d.amount
    assert owed == {(2023, "shanxi-first-entry"): Decimal("300000.00"),
                    (2024, "xiaoyi-continued-year2"): Decimal("50000.00"),
                    (2025, "xiaoyi-continued-year3"): Decimal("100000.00")}


# -- 三(六)–三(十二)：非现金政策 ---------------------------------------------------

def test_三六_a_valid_tech_sme_gets_priority_without_an_amount(decide):
    """三(六) 对属于科技型中小企业（在有效期内）的首次“小升规”工业企业……给予优先支持。"""
    recognition = RecognitionFact(kind="tech_sme", valid_from=date(2023, 4, 1), valid_to=date(2024, 3, 31))
    f = facts("xiaoyi", [entered(date(2023, 6, 1))], recognitions=(recognition,))
    decision = decide(f, 2023)["xiaoyi-tech-sme-priority"]
    assert decision.outcome == "pass"
    assert decision.amount is None and decision.payers == ()
    assert "非现金" in decision.reason
    assert str(decision.citation) == "孝政办发[2022]44号 三(六)"


def test_三六_no_recognitions_recorded_is_unknown(decide):
    """三(六) 在有效期内 cannot be checked without the recognitions → unknown."""
    decision = decide(facts("xiaoyi", [entered(date(2023, 6, 1))], recognitions=None), 2023)
    assert decision["xiaoyi-tech-sme-priority"].outcome == "unknown"


@pytest.mark.parametrize("recognition", [
    RecognitionFact(kind="tech_sme", valid_from=date(2021, 1, 1), valid_to=date(2022, 12, 31)),  # expired
    RecognitionFact(kind="tech_sme", valid_from=date(2024, 1, 1)),  # not yet
    RecognitionFact(kind="high_tech", valid_from=date(2023, 1, 1)),  # another recognition
], ids=["expired", "later", "other-kind"])
def test_三六_no_valid_tech_sme_recognition_fails(decide, recognition):
    """三(六) 科技型中小企业（在有效期内）: no recognition valid in the year → fail."""
    f = facts("xiaoyi", [entered(date(2023, 6, 1))], recognitions=(recognition,))
    decision = decide(f, 2023)["xiaoyi-tech-sme-priority"]
    assert decision.outcome == "fail" and "科技型中小企业" in decision.reason


def test_三六_an_empty_recognition_list_fails(decide):
    """三(六): recognitions recorded and none is a 科技型中小企业 → fail (not unknown)."""
    decision = decide(facts("xiaoyi", [entered(date(2023, 6, 1))], recognitions=()), 2023)
    assert decision["xiaoyi-tech-sme-priority"].outcome == "fail"


@pytest.mark.parametrize("key", NON_CASH_ONE_YEAR)
def test_三六_三七_三十_三十二_apply_in_the_entry_year_only(decide, key):
    """三(六)(七)(十)(十二) 首次“小升规”工业企业: read as the year of the first entry."""
    recognitions = (RecognitionFact(kind="tech_sme", valid_from=date(2022, 1, 1)),)
    f = facts("xiaoyi", [entered(date(2023, 6, 1))], recognitions=recognitions)
    assert decide(f, 2023)[key].outcome == "pass"
    later = decide(f, 2024)[key]
    assert later.outcome == "fail" and "1年内" in later.reason


@pytest.mark.parametrize("key", NON_CASH_THREE_YEARS)
def test_三九_三十一_apply_for_three_years_from_the_first_entry(decide, key):
    """三(九) 补贴期限最长不超过3年；三(十一) 首次“小升规”工业企业持续在规3年内……予以补贴。"""
    f = facts("xiaoyi", [entered(date(2023, 6, 1))])
    for year in (2023, 2024, 2025):
        decision = decide(f, year)[key]
        assert decision.outcome == "pass" and decision.amount is None, year
    year_four = decide(f, 2026)[key]
    assert year_four.outcome == "fail" and "3年内" in year_four.reason


def test_三九_does_not_apply_before_the_first_entry(decide):
    """三(九) 首次“小升规”工业企业: the year before the entry is not within the three years."""
    decision = decide(facts("xiaoyi", [entered(date(2023, 6, 1))]), 2022)["xiaoyi-social-insurance-subsidy"]
    assert decision.outcome == "fail"


def test_三十一_an_enterprise_that_left_scale_gets_no_energy_subsidy(decide):
    """三(十一) 对首次“小升规”工业企业持续在规3年内新增电力、燃气等能源消耗部分予以补贴。"""
    events = [entered(date(2023, 6, 1)), exited(date(2024, 6, 1))]
    decision = decide(facts("xiaoyi", events), 2025)["xiaoyi-energy-subsidy"]
    assert decision.outcome == "fail"


@pytest.mark.parametrize("key", NON_CASH_ONE_YEAR + NON_CASH_THREE_YEARS)
def test_非现金_a_reentrant_without_first_entry_gets_nothing(decide, key):
    """三(六)–三(十二) are for 首次“小升规” enterprises only."""
    events = [entered(date(2023, 6, 1), kind="reentry")]
    decision = decide(facts("xiaoyi", events, recognitions=()), 2023)[key]
    assert decision.outcome == "fail" and "非首次" in decision.reason


@pytest.mark.parametrize("key", NON_CASH_ONE_YEAR + NON_CASH_THREE_YEARS)
def test_非现金_unknown_without_scale_events(decide, key):
    """三(六)–三(十二): no scale events → unknown."""
    assert decide(facts("xiaoyi", events=None), 2023)[key].outcome == "unknown"


# -- 施行日期：孝政办发[2022]44号 自2022-11-25起施行 ----------------------------------

def test_no_孝义_rule_is_evaluated_for_a_year_before_the_document(decide):
    """本实施意见自发布之日起施行（2022-11-25）: for 2021 no 孝义 rule appears; the province's still applies."""
    f = facts("xiaoyi", [entered(date(2019, 12, 1))], development_sound={2021: True})
    decisions = decide(f, 2021)
    assert not any(key.startswith("xiaoyi") for key in decisions)
    assert "shanxi-first-entry" in decisions  # 晋办发〔2020〕38号 is in force from 2020
    assert "xiaoyi-continued-year3" not in decisions  # 2021 would be the third year in scale


def test_the_provincial_award_applies_in_孝义_before_the_孝义_document(decide):
    """晋办发〔2020〕38号 (from 2020-01-01) pays a 2021 first entry in 孝义 although 孝政办发[2022]44号 is later."""
    decision = decide(facts("xiaoyi", [entered(date(2021, 5, 1))]), 2021)["shanxi-first-entry"]
    assert decision.outcome == "pass" and decision.amount == Decimal("300000.00")


def test_a_treated_entry_in_2021_is_not_a_小升规_before_the_孝义_document(decide):
    """二(二) did not exist in 2021: a treated entry of 2021 gets no provincial award and no also_cited."""
    decision = decide(treated(date(2021, 6, 1), "new_project"), 2021)["shanxi-first-entry"]
    assert decision.outcome == "fail" and decision.also_cited == ()
    assert "视同小升规" in decision.reason


def test_三五_the_continued_award_is_judged_at_the_end_of_2022(decide):
    """三(五) 第二年继续在规上: the year-end 2022-12-31 is after 2022-11-25, so a 2021 entrant's second year
    (2022) is judged under the document, while its first year (2021) is not evaluated at all."""
    f = facts("xiaoyi", [entered(date(2021, 12, 1))])
    assert "xiaoyi-continued-year2" not in decide(f, 2021)
    decision = decide(f, 2022)["xiaoyi-continued-year2"]
    assert decision.outcome == "pass" and decision.amount == Decimal("50000.00")
    assert decision.reference_date == date(2022, 12, 31)
