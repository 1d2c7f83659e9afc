"""阳办发[2021]11号 二(二)4（阳泉）, the province's 30万 it builds on, and the 2024 draft amendment
(阳泉市中小企业发展中心修改意见（征求意见稿）, text: policies/data/texts/yangquan-2024-amendment-draft.txt)."""
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from policies.engine import evaluate, rule_versions

from .conftest import entered, exited, facts

DRAFT = "yangquan-2024-amendment-draft"
PLACES = ("yuxian", "yangquan_zone")  # 盂县（秀水镇）and 阳泉高新区: both under 阳泉市


def adopted(catalog, day):
    return rule_versions(catalog.rules, catalog.amendments, adopt={DRAFT: day})


def owed(decisions):
    return {k: d.amount for k, d in decisions.items() if d.outcome == "pass" and d.amount}


def essence(decisions):
    """What a decision says, without the version label (which shows the cut date)."""
    return {k: (d.outcome, d.amount, d.payers, d.reason, d.citation, d.also_cited) for k, d in decisions.items()}


# -- 二(二)4 (original) ---------------------------------------------------------------

@pytest.mark.parametrize("place", PLACES)
def test_二二4_first_entry_stacks_100000_city_on_300000_province(decide, place):
    """二(二)4 对当年首次“小升规”的工业企业，在省级奖励的基础上，市级财政再给予10万元的一次性配套奖励。"""
    decisions = decide(facts(place, [entered(date(2024, 11, 1))]), 2024)
    assert owed(decisions) == {"shanxi-first-entry": Decimal("300000.00"),
                               "yangquan-first-entry": Decimal("100000.00")}
    city = decisions["yangquan-first-entry"]
    assert [(p.payer, p.amount) for p in city.payers] == [("阳泉市财政", Decimal("100000.00"))]
    assert str(city.citation) == "阳办发[2021]11号 二(二)4"
    assert [(p.payer, p.amount) for p in decisions["shanxi-first-entry"].payers] == [
        ("山西省财政", Decimal("300000.00"))]


@pytest.mark.parametrize("kind", ["reentry", "treated_entry"])
def test_二二4_only_a_first_entry_gets_the_city_award(decide, kind):
    """二(二)4 当年首次“小升规”: a re-entry, or a treated entry (阳泉 has no 视同 clause), gets neither award."""
    events = [entered(date(2024, 11, 1), kind=kind)]
    if kind == "reentry":
        events = [entered(date(2021, 11, 1)), exited(date(2022, 6, 1))] + events
    decisions = decide(facts("yuxian", events, treated_bases={date(2024, 11, 1): "new_project"}), 2024)
    assert decisions["yangquan-first-entry"].outcome == "fail"
    assert decisions["shanxi-first-entry"].outcome == "fail"


def test_二二4_the_city_award_is_paid_in_the_entry_year_only(decide):
    """二(二)4 一次性配套奖励."""
    decision = decide(facts("yuxian", [entered(date(2023, 11, 1))]), 2024)["yangquan-first-entry"]
    assert decision.outcome == "fail"


@pytest.mark.parametrize("place", PLACES)
def test_二二4_second_consecutive_year_gets_50000(decide, place):
    """二(二)4 市级财政对首次上规入统的小微工业企业，上规入统后连续2年未退出规模以上工业企业库的，
    在省级奖励的基础上给予5万元的配套奖励。"""
    decision = decide(facts(place, [entered(date(2023, 11, 20))], size_class="small"), 2024)["yangquan-continued-year2"]
    assert decision.outcome == "pass" and decision.amount == Decimal("50000.00")
    assert [(p.payer, p.amount) for p in decision.payers] == [("阳泉市财政", Decimal("50000.00"))]
    assert str(decision.citation) == "阳办发[2021]11号 二(二)4"


@pytest.mark.parametrize("place", PLACES)
def test_二二4_third_consecutive_year_gets_100000(decide, place):
    """二(二)4 连续3年的，在省级奖励的基础上给予10万元的配套奖励（no 发展良性 condition in 阳泉）."""
    decision = decide(facts(place, [entered(date(2023, 11, 20))], size_class="micro"), 2025)["yangquan-continued-year3"]
    assert decision.outcome == "pass" and decision.amount == Decimal("100000.00")


def test_二二4_continued_awards_fail_in_the_wrong_year_or_after_an_exit(decide):
    """二(二)4 连续2年/3年未退出: year 1 and year 4 fail; an exit in year 2 fails."""
    f = facts("yuxian", [entered(date(2023, 11, 20))])
    assert decide(f, 2023)["yangquan-continued-year2"].outcome == "fail"
    assert decide(f, 2026)["yangquan-continued-year3"].outcome == "fail"
    broken = facts("yuxian", [entered(date(2023, 11, 20)), exited(date(2024, 10, 1))])
    assert decide(broken, 2024)["yangquan-continued-year2"].outcome == "fail"


def test_二二4_continued_awards_are_for_first_entrants_only(decide):
    """二(二)4 对首次上规入统的小微工业企业: a stretch begun by 二次入规 fails."""
    events = [entered(date(2021, 11, 1)), exited(date(2022, 6, 1)), entered(date(2023, 11, 1), kind="reentry")]
    decision = decide(facts("yuxian", events), 2024)["yangquan-continued-year2"]
    assert decision.outcome == "fail" and "只适用于首次入规企业" in decision.reason


def test_二二4_applies_from_2021(decide):
    """阳办发[2021]11号 (effective date recorded as 2021-01-01): nothing for 2020, the award for a 2021 entry."""
    assert not any(k.startswith("yangquan") for k in decide(facts("yuxian", [entered(date(2020, 6, 1))]), 2020))
    assert decide(facts("yuxian", [entered(date(2021, 6, 1))]), 2021)["yangquan-first-entry"].amount \
        == Decimal("100000.00")


# -- the draft amendment, item 3 --------------------------------------------------------

def test_the_draft_without_adoption_changes_nothing(catalog, live_versions):
    """A 征求意见稿 changes no live result: live versions equal versions with no amendment at all,
    and every decision for several years and enterprises is the same."""
    without = rule_versions(catalog.rules, [])
    assert live_versions == without
    histories = [
        [entered(date(2021, 3, 1))],
        [entered(date(2023, 11, 20))],
        [entered(date(2024, 5, 1))],
        [entered(date(2022, 5, 1)), exited(date(2023, 5, 1)), entered(date(2024, 5, 1), kind="reentry")],
    ]
    for place in PLACES:
        for events in histories:
            for year in range(2021, 2029):
                f = facts(place, events)
                assert evaluate(f, live_versions, year, catalog.splits) == evaluate(f, without, year, catalog.splits)


def test_the_draft_is_recorded_as_not_in_force(catalog):
    """征求意见稿: status draft, no effective date, amends 阳办发[2021]11号."""
    draft = catalog.document(DRAFT)
    assert draft.status == "draft" and draft.effective_from is None
    assert draft.amends == "yangquan-2021-11"
    assert draft.amendment.status == "draft" and draft.amendment.effective_from is None


@pytest.mark.parametrize("place", PLACES)
def test_adopted_on_1_january_a_year_before_is_unchanged(catalog, decide, live_versions, place):
    """修改意见 3 (adopted 2025-01-01): decisions for 2024 and before are what they were."""
    versions = adopted(catalog, date(2025, 1, 1))
    for events in ([entered(date(2022, 11, 20))], [entered(date(2023, 11, 20))], [entered(date(2024, 11, 20))]):
        for year in (2022, 2023, 2024):
            f = facts(place, events)
            assert essence(decide(f, year, versions)) == essence(decide(f, year, live_versions)), (events, year)


@pytest.mark.parametrize("key, entry_year", [("yangquan-continued-year2", 2024), ("yangquan-continued-year3", 2023)])
@pytest.mark.parametrize("year_after", [2025, 2026])
def test_adopted_on_1_january_the_continued_awards_are_deleted(catalog, decide, key, entry_year, year_after):
    """修改意见 3 提请将……“支持企业持续在规……连续2年……5万元……连续3年……10万元的配套奖励。”删除。"""
    versions = adopted(catalog, date(2025, 1, 1))
    entry = date(entry_year + (year_after - 2025), 11, 20)  # so that year_after is the award's year
    decision = decide(facts("yuxian", [entered(entry)]), year_after, versions)[key]
    assert decision.outcome == "fail" and decision.amount is None and decision.payers == ()
    assert "阳泉市中小企业发展中心修改意见" in decision.reason
    assert "（征求意见稿） 3删除" in decision.reason  # the amendment and its item 3
    assert "2025-01-01" in decision.reason
    live = decide(facts("yuxian", [entered(entry)], size_class="small"), year_after)[key]
    assert live.outcome == "pass"  # live: still owed (to a 小微 enterprise, issue 10 item 3)


def test_adopted_the_deleted_versions_record_item_3(catalog):
    """修改意见 3: the last version of each continued award ends the day before and is deleted by item 3."""
    versions = adopted(catalog, date(2025, 1, 1))
    for key in ("yangquan-continued-year2", "yangquan-continued-year3"):
        last = versions[key][-1]
        assert last.valid_to == date(2024, 12, 31)
        assert last.deleted_by.document_key == DRAFT and last.deleted_by.clause == "3"
    untouched = ("yangquan-first-entry", "shanxi-first-entry")
    for key in untouched:
        assert versions[key] == rule_versions(catalog.rules, catalog.amendments)[key]


def test_adopted_the_first_entry_award_is_kept(catalog, decide):
    """修改意见 3 保留“对当年首次‘小升规’的工业企业，在省级奖励的基础上，市级财政再给予10万元的一次性配套奖励。”"""
    versions = adopted(catalog, date(2025, 1, 1))
    decisions = decide(facts("yangquan_zone", [entered(date(2026, 4, 1))]), 2026, versions)
    assert owed(decisions) == {"shanxi-first-entry": Decimal("300000.00"),
                               "yangquan-first-entry": Decimal("100000.00")}


def test_adopted_mid_year_the_year_three_award_judged_at_year_end_fails(catalog, decide):
    """修改意见 3 adopted with effect 2025-07-01: the year-3 award, judged on 2025-12-31, is deleted by then."""
    versions = adopted(catalog, date(2025, 7, 1))
    decision = decide(facts("yuxian", [entered(date(2023, 11, 20))]), 2025, versions)["yangquan-continued-year3"]
    assert decision.outcome == "fail"
    assert "删除" in decision.reason and "2025-07-01" in decision.reason and " 3" in decision.reason
    # The year before is untouched.
    before = decide(facts("yuxian", [entered(date(2023, 11, 20))], size_class="small"), 2024,
                    versions)["yangquan-continued-year2"]
    assert before.amount == Decimal("50000.00")


def test_adopted_mid_year_a_first_entry_before_the_date_still_passes(catalog, decide):
    """修改意见 3 keeps the first-entry award anyway: a first entry on 2025-03-01 gets 10万 + 30万."""
    versions = adopted(catalog, date(2025, 7, 1))
    decisions = decide(facts("yuxian", [entered(date(2025, 3, 1))]), 2025, versions)
    assert owed(decisions) == {"shanxi-first-entry": Decimal("300000.00"),
                               "yangquan-first-entry": Decimal("100000.00")}


def test_adopted_mid_year_the_versions_are_cut_the_day_before(catalog):
    """Effective 2025-07-01 → the deleted versions end 2025-06-30."""
    versions = adopted(catalog, date(2025, 7, 1))
    assert versions["yangquan-continued-year2"][-1].valid_to == date(2025, 6, 30)
    assert versions["yangquan-continued-year3"][-1].valid_to == date(2025, 6, 30)


def test_adopting_the_draft_touches_no_other_place(catalog, decide):
    """The draft amends 阳泉's document only: 孝义's continued awards are the same adopted or not."""
    versions = adopted(catalog, date(2025, 1, 1))
    f = facts("xiaoyi", [entered(date(2023, 11, 20))], development_sound={2025: True})
    for year in (2024, 2025):
        assert essence(decide(f, year, versions)) == essence(decide(f, year))


# -- the draft's clause changes as recorded in the catalog ------------------------------

def test_the_catalog_records_the_drafts_clause_changes(catalog):
    """修改意见 1–15 as clause changes of 阳办发[2021]11号 (one row per item and clause)."""
    changes = {(c.clause, c.by): c for c in catalog.document(DRAFT).clause_changes}
    four = changes[("二(二)4", "3")]
    assert four.action == "change"
    assert four.text == "对当年首次“小升规”的工业企业，在省级奖励的基础上，市级财政再给予10万元的一次性配套奖励。"
    assert "5万元" not in four.text and "连续" not in four.text
    assert (changes[("二(二)8", "4")].action, changes[("二(二)8", "4")].by) == ("delete", "4")
    assert {k: c.action for k, c in changes.items() if c.action == "delete"} == {
        ("二(二)8", "4"): "delete", ("二(三)11", "5"): "delete", ("二(三)12", "6"): "delete",
        ("二(四)15", "7"): "delete", ("二(五)18", "9"): "delete", ("二(七)31", "12"): "delete",
        ("二(七)32", "13"): "delete", ("三", "13"): "delete", ("附件", "14"): "delete"}
    # Issue 10 item 4: items 10, 11 and 15 are recorded too.
    assert {k for k, c in changes.items() if c.action == "change" and c.text} == {
        ("一", "1"), ("二(二)1", "2"), ("二(二)4", "3"), ("二(五)17", "8"), ("二(五)23", "11")}
    assert {k for k, c in changes.items() if c.action == "change" and not c.text} == {
        ("二(五)20", "10"), ("二(五)21", "10"), ("二(二)1", "15"), ("二(二)2", "15"), ("二(二)3", "15"),
        ("二(二)5", "15"), ("二(二)6", "15"), ("第9条目", "15"), ("二(三)11", "15"), ("二(五)22", "15"),
        ("二(四)14", "15"), ("二(四)15", "15"), ("第16条目", "15")}


def test_every_clause_change_points_at_a_real_clause_and_item(catalog):
    """Each change names a clause of 阳办发[2021]11号 and an item of the draft; a change gives new text or
    new responsible units, a deletion neither."""
    draft = catalog.document(DRAFT)
    original = {c.path for c in catalog.document("yangquan-2021-11").clauses}
    items = {c.path for c in draft.clauses}
    for change in draft.clause_changes:
        assert change.clause in original, change
        assert change.by in items, change
        assert (change.action == "change") == bool(change.text or change.units), change


def test_the_draft_rule_changes_delete_both_continued_awards_by_item_3(catalog):
    """修改意见 3 → the two continued awards, nothing else."""
    changes = catalog.document(DRAFT).amendment.changes
    assert {(c.rule_key, c.action, c.clause) for c in changes} == {
        ("yangquan-continued-year2", "delete", "3"), ("yangquan-continued-year3", "delete", "3")}


# -- issue 10 item 3: 二(二)4 “首次上规入统的小微工业企业” ------------------------------------------

@pytest.mark.parametrize("key, entry, year", [("yangquan-continued-year2", date(2023, 11, 20), 2024),
                                              ("yangquan-continued-year3", date(2023, 11, 20), 2025)])
def test_二二4_the_continued_awards_are_for_small_and_micro_enterprises(decide, key, entry, year):
    """二(二)4 市级财政对首次上规入统的小微工业企业，上规入统后连续2年未退出……连续3年的……配套奖励。"""
    outcomes = {}
    for size in (None, "micro", "small", "medium", "large"):
        decision = decide(facts("yuxian", [entered(entry)], size_class=size), year)[key]
        outcomes[size] = decision.outcome
        if size is None:
            assert "未登记企业规模（小微）" in decision.reason and decision.amount is None
        if size in ("medium", "large"):
            assert "只适用于小微工业企业" in decision.reason and decision.amount is None
    assert outcomes == {None: "unknown", "micro": "pass", "small": "pass", "medium": "fail", "large": "fail"}


def test_二二4_the_first_entry_award_has_no_小微_condition(decide):
    """二(二)4 对当年首次“小升规”的工业企业……10万元的一次性配套奖励: any size, size unknown or not."""
    for size in (None, "medium"):
        decision = decide(facts("yuxian", [entered(date(2024, 11, 1))], size_class=size), 2024)
        assert decision["yangquan-first-entry"].amount == Decimal("100000.00"), size


def test_二二4_the_小微_condition_is_checked_after_the_year_and_the_first_entry(decide):
    """An enterprise of unknown size in the wrong year, or after a re-entry, fails as before: unknown only
    when the size is the one thing missing."""
    assert decide(facts("yuxian", [entered(date(2023, 11, 20))]), 2023)["yangquan-continued-year2"].outcome == "fail"
    events = [entered(date(2021, 11, 1)), exited(date(2022, 6, 1)), entered(date(2023, 11, 1), kind="reentry")]
    assert decide(facts("yuxian", events), 2024)["yangquan-continued-year2"].outcome == "fail"


def test_二二4_the_rule_note_names_the_classification_source(catalog):
    """小微 is classified by 统计上大中小微型企业划分办法, named in the rule note; first entry has no such note."""
    rules = {r.key: r for r in catalog.document("yangquan-2021-11").rules}
    for key in ("yangquan-continued-year2", "yangquan-continued-year3"):
        assert "统计上大中小微型企业划分办法" in rules[key].note and "首次上规入统的小微工业企业" in rules[key].note
        assert rules[key].params["size_classes"] == ["small", "micro"]
    assert "size_classes" not in rules["yangquan-first-entry"].params


# -- issue 10 item 4: every item of the 修改意见 recorded; no invented unit --------------------------

TEXT = Path(__file__).resolve().parents[1] / "data" / "texts" / "yangquan-2024-amendment-draft.txt"


def draft_items() -> set[str]:
    """The numbered items of the 修改意见, read from the text itself (“1.关于…” … “15.关于…”)."""
    return set(re.findall(r"^\s*(\d+)\.关于", TEXT.read_text(encoding="utf-8"), flags=re.M))


def test_every_numbered_item_of_the_draft_has_a_recorded_change(catalog):
    """Each item “N.关于……的修改意见” of the text is recorded as a clause or rule change."""
    items = draft_items()
    assert items == {str(n) for n in range(1, 16)}
    draft = catalog.document(DRAFT)
    recorded = {c.by for c in draft.clause_changes} | {c.clause for c in draft.amendment.changes}
    assert items <= recorded, sorted(items - recorded, key=int)
    assert {c.path for c in draft.clauses} == items  # and each item is quoted as a clause of the draft


def _number(path: str) -> int:
    return int(re.search(r"(\d+)(条目)?$", path).group(1))


def test_item_15_renames_the_units_of_every_item_it_numbers(catalog):
    """15（1）将原文中第1，2，3，5，6，9，11，22条目责任单位原“阳泉经济技术开发区”修改为“阳泉高新技术产业开发区管委会”；
    （2）将原文中第14,15,16条目责任单位原“市金融办”修改为“市政府办”；（3）第14条目 人行阳泉中心支行、阳泉银保监分局 renamed."""
    text = re.sub(r"\s", "", TEXT.read_text(encoding="utf-8"))
    zone = re.search(r"将原文中第([\d，,]+)条目责任单位原“阳泉经济技术开发区”", text).group(1)
    finance = re.search(r"将原文中第([\d，,]+)条目责任单位原“市金融办”", text).group(1)
    by_15 = [c for c in catalog.document(DRAFT).clause_changes if c.by == "15"]
    renamed = {}
    for change in by_15:
        for old in change.units.get("rename", {}):
            renamed.setdefault(old, set()).add(_number(change.clause))
    assert renamed["阳泉经济技术开发区"] == {int(n) for n in re.split(r"[，,]", zone)}
    assert renamed["市金融办"] == {int(n) for n in re.split(r"[，,]", finance)}
    fourteen = next(c for c in by_15 if c.clause == "二(四)14").units["rename"]
    assert fourteen == {"市金融办": "市政府办", "人行阳泉中心支行": "中国人民银行阳泉市分行",
                        "阳泉银保监分局": "国家金融监督管理总局阳泉监管分局"}


def test_item_10_moves_20_and_21_to_市工信局_and_drops_市科技局(catalog):
    """10 提请将“二（五）20.支持企业创新发展。”和“二（五）21.发挥双创基地示范作用。”责任单位由“市中小企业发展中心”
    修改为“市工信局”。将“市科技局”从责任单位中删除。"""
    changes = {c.clause: c for c in catalog.document(DRAFT).clause_changes if c.by == "10"}
    assert set(changes) == {"二(五)20", "二(五)21"}
    for change in changes.values():
        assert change.action == "change" and change.text == ""
        assert change.units == {"rename": {"市中小企业发展中心": "市工信局"}, "remove": ["市科技局"]}


def test_item_11_deletes_the_talent_provisions_of_23(catalog):
    """11 请提将“人才政策向首次‘小升规’工业企业倾斜。加强产学研合作……”……删除。将“市教育局”从责任单位中删除。"""
    original = next(c for c in catalog.document("yangquan-2021-11").clauses if c.path == "二(五)23")
    assert "人才政策向首次“小升规”工业企业倾斜" in original.text
    [change] = [c for c in catalog.document(DRAFT).clause_changes if c.clause == "二(五)23"]
    assert (change.action, change.by) == ("change", "11")
    assert "删除" in change.text and "人才政策向首次‘小升规’工业企业倾斜" in change.text and "其余内容不变" in change.text
    assert change.units == {"remove": ["市教育局"]}


def test_二二4_lists_only_the_unit_the_document_names(catalog):
    """3 将“市统计局”从责任单位中删除。其他责任单位不变: 市统计局 is the only unit the sources name for 二(二)4."""
    clause = next(c for c in catalog.document("yangquan-2021-11").clauses if c.path == "二(二)4")
    assert clause.responsible_units == ("市统计局",)
    assert "将“市统计局”从责任单位中删除。其他责任单位不变" in re.sub(r"\s", "", TEXT.read_text(encoding="utf-8"))
    [change] = [c for c in catalog.document(DRAFT).clause_changes if c.clause == "二(二)4"]
    assert change.units == {"remove": ["市统计局"]}


def test_no_unit_of_阳办发_is_invented(catalog):
    """Each responsible unit listed on a clause of 阳办发[2021]11号 is one the 修改意见 removes or renames on
    that very clause: the draft is our only source of the original's units."""
    named = {}
    for change in catalog.document(DRAFT).clause_changes:
        units = [*change.units.get("remove", []), *change.units.get("rename", {})]
        named.setdefault(change.clause, set()).update(units)
    for clause in catalog.document("yangquan-2021-11").clauses:
        assert set(clause.responsible_units) <= named.get(clause.path, set()), clause.path
