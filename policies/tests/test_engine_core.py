"""Engine behaviour across documents: stacking, versions, exclusions, unknowns, splits."""
from datetime import date
from decimal import Decimal

from policies.engine import rule_versions

from .conftest import entered, exited, facts


def owed(decisions):
    return {k: d.amount for k, d in decisions.items() if d.outcome == "pass" and d.amount}


def test_a_yuxian_first_entry_stacks_the_provincial_and_the_city_award(decide):
    decisions = decide(facts("yuxian", [entered(date(2024, 12, 1))]), 2024)
    assert owed(decisions) == {"shanxi-first-entry": Decimal("300000.00"), "yangquan-first-entry": Decimal("100000.00")}
    assert decisions["shanxi-first-entry"].payers[0].payer == "山西省财政"
    assert decisions["yangquan-first-entry"].payers[0].payer == "阳泉市财政"
    assert str(decisions["yangquan-first-entry"].citation) == "阳办发[2021]11号 二(二)4"


def test_rules_of_other_places_never_apply(decide):
    keys = set(decide(facts("yuxian", [entered(date(2024, 12, 1))]), 2024))
    assert not any(k.startswith(("pingdingshan", "xiaoyi", "fushun", "liaoning")) for k in keys)


def test_the_draft_amendment_changes_no_live_result(decide):
    events = [entered(date(2023, 11, 20))]
    small = {"size_class": "small"}  # 阳泉 二(二)4 pays continued awards to 小微 enterprises only (issue 10 item 3)
    assert decide(facts("yuxian", events, **small), 2024)["yangquan-continued-year2"].amount == Decimal("50000.00")
    assert decide(facts("yuxian", events, **small), 2025)["yangquan-continued-year3"].amount == Decimal("100000.00")


def test_adopting_the_draft_deletes_the_continued_awards_from_its_effective_date(catalog, decide):
    adopted = rule_versions(catalog.rules, catalog.amendments, adopt={"yangquan-2024-amendment-draft": date(2025, 1, 1)})
    events = [entered(date(2023, 11, 20))]
    in_2024 = decide(facts("yuxian", events, size_class="micro"), 2024, adopted)
    in_2025 = decide(facts("yuxian", events, size_class="micro"), 2025, adopted)
    assert in_2024["yangquan-continued-year2"].amount == Decimal("50000.00")  # before the effective date
    deleted = in_2025["yangquan-continued-year3"]
    assert deleted.outcome == "fail" and "删除" in deleted.reason and "2025-01-01" in deleted.reason
    assert "3" in str(deleted.reason)  # cites the amendment's item 3
    # The kept first-entry award is untouched by the amendment.
    assert decide(facts("yuxian", [entered(date(2025, 12, 1))]), 2025, adopted)["yangquan-first-entry"].amount \
        == Decimal("100000.00")


def test_a_name_change_reentry_gets_no_provincial_award(decide):
    events = [entered(date(2021, 12, 1), name="甲公司"), exited(date(2022, 12, 1), name="甲公司"),
              entered(date(2024, 12, 1), kind="name_change_reentry", name="乙公司")]
    decision = decide(facts("xiaoyi", events), 2024)["shanxi-first-entry"]
    assert decision.outcome == "fail" and "仅变更名称再次入规" in decision.reason and "三(四)" in decision.reason


def test_a_missing_fact_is_unknown_never_not_eligible(decide):
    decisions = decide(facts("yuxian", events=None), 2024)
    assert {d.outcome for d in decisions.values()} == {"unknown"}
    assert all(d.amount is None for d in decisions.values())


def test_pingdingshan_split_city_district_half_and_half(decide):
    decision = decide(facts("xinhua", [entered(date(2023, 12, 1))]), 2023)["pingdingshan-first-entry"]
    assert {(p.payer, p.amount) for p in decision.payers} == {("平顶山市财政", Decimal("25000.00")),
                                                              ("新华区财政", Decimal("25000.00"))}


def test_pingdingshan_split_counties_and_shilong_pay_alone(decide):
    for place, payer in (("ruzhou", "汝州市财政"), ("shilong", "石龙区财政")):
        decision = decide(facts(place, [entered(date(2023, 12, 1))]), 2023)["pingdingshan-first-entry"]
        assert [(p.payer, p.amount) for p in decision.payers] == [(payer, Decimal("50000.00"))]


def test_the_full_capacity_award_is_split_province_and_local_one_to_one(decide):
    f = facts("gaoxin", [entered(date(2020, 12, 1))], q1_full_capacity={2022: True},
              q1_revenue_growth={2022: Decimal("0.12")})
    decision = decide(f, 2022)["pingdingshan-full-capacity-2022"]
    assert decision.amount == Decimal("200000.00")
    assert {(p.payer, p.amount) for p in decision.payers} == {
        ("河南省财政", Decimal("100000.00")), ("平顶山市财政", Decimal("50000.00")), ("高新区财政", Decimal("50000.00"))}


def test_the_fushun_award_is_paid_once_per_enterprise(decide):
    events = [entered(date(2023, 12, 1)), exited(date(2024, 6, 1)), entered(date(2025, 12, 1), kind="reentry")]
    first = decide(facts("shuncheng", events), 2023)["fushun-city-entry"]
    assert first.amount == Decimal("100000.00")
    again = decide(facts("shuncheng", events, awards_received={"fushun-city-entry": 2023}), 2025)["fushun-city-entry"]
    assert again.outcome == "fail" and "只享受一次" in again.reason
    # Re-running the 2023 batch after payment still says 2023 is owed (idempotent per year).
    rerun = decide(facts("shuncheng", events, awards_received={"fushun-city-entry": 2023}), 2023)
    assert rerun["fushun-city-entry"].outcome == "pass"


def test_the_liaoning_award_passes_without_a_fixed_amount(decide):
    decision = decide(facts("shuncheng", [entered(date(2024, 12, 1))]), 2024)["liaoning-first-entry"]
    assert decision.outcome == "pass" and decision.amount is None and "以省政府实际发放为准" in decision.reason


def test_a_draft_documents_own_rules_apply_only_when_adopted():
    from policies.engine import Citation, PayerShare, Rule
    draft_rule = Rule(key="draft-award", kind="entry_award", title="草案奖励", jurisdiction="140000",
                      citation=Citation("draft-doc", "草案", "一"), valid_from=date(2020, 1, 1),
                      amount=Decimal("1000"), payers=(PayerShare("某财政", Decimal(1)),),
                      params={"entry_kinds": ["first_entry"]}, document_status="draft")
    assert rule_versions([draft_rule], []) == {}
    adopted = rule_versions([draft_rule], [], adopt={"draft-doc": date(2025, 7, 1)})
    assert adopted["draft-award"][0].valid_from == date(2025, 7, 1)


# -- local conditions: a document's clause on a higher rule binds in its issuer's subtree only ---------

def _provincial_rule(*conditions):
    from policies.engine import Citation, PayerShare, Rule
    return Rule(key="p-award", kind="entry_award", title="省级奖励", jurisdiction="140000",
                citation=Citation("p-doc", "省文", "一"), valid_from=date(2020, 1, 1), amount=Decimal("1000"),
                payers=(PayerShare("省财政", Decimal(1)),),
                params={"entry_kinds": ["first_entry", "reentry"]}, local_conditions=conditions)


def _condition(jurisdiction="141181", status="in_force", valid_to=None, **excluded):
    from policies.engine import Citation, LocalCondition
    return LocalCondition(rule_key="p-award", jurisdiction=jurisdiction, citation=Citation("c-doc", "县文", "三"),
                          valid_from=date(2022, 1, 1), valid_to=valid_to, excluded=excluded or {},
                          document_status=status)


def _reentered(place, on=date(2024, 3, 1)):
    return facts(place, [entered(date(2019, 6, 1)), exited(date(2020, 6, 1)), entered(on, kind="reentry")])


def test_a_local_exclusion_binds_in_the_issuers_subtree_and_nowhere_else():
    """孝政办发[2022]44号 三(四) pattern: the county's clause excludes a kind of entry from the provincial award
    in the county; elsewhere the provincial rule's own wording (here: re-entries paid) decides."""
    from policies.engine import evaluate
    versions = rule_versions([_provincial_rule(_condition(reentry="再次入规的不予奖励"))], [])
    [inside] = evaluate(_reentered("xiaoyi"), versions, 2024)
    [outside] = evaluate(_reentered("yuxian"), versions, 2024)
    assert inside.outcome == "fail" and "县文 三" in inside.reason and "再次入规的不予奖励" in inside.reason
    assert [str(c) for c in inside.also_cited] == ["县文 三"]
    assert outside.outcome == "pass" and outside.amount == Decimal("1000.00") and outside.also_cited == ()


def test_a_local_restatement_is_cited_beside_an_award_only_where_and_while_it_binds():
    from policies.engine import evaluate
    versions = rule_versions([_provincial_rule(_condition(valid_to=date(2024, 12, 31)))], [])
    [now] = evaluate(facts("xiaoyi", [entered(date(2024, 6, 1))]), versions, 2024)
    [later] = evaluate(facts("xiaoyi", [entered(date(2025, 6, 1))]), versions, 2025)
    [before] = evaluate(facts("xiaoyi", [entered(date(2021, 6, 1))]), versions, 2021)
    [elsewhere] = evaluate(facts("yuxian", [entered(date(2024, 6, 1))]), versions, 2024)
    assert [str(c) for c in now.also_cited] == ["县文 三"]
    assert later.also_cited == before.also_cited == elsewhere.also_cited == ()
    assert now.amount == later.amount == before.amount == elsewhere.amount == Decimal("1000.00")


def test_a_draft_documents_local_condition_binds_only_when_adopted():
    from policies.engine import evaluate
    rule = _provincial_rule(_condition(status="draft", reentry="再次入规的不予奖励"))
    [live] = evaluate(_reentered("xiaoyi"), rule_versions([rule], []), 2024)
    assert live.outcome == "pass"
    adopted = rule_versions([rule], [], adopt={"c-doc": date(2024, 1, 1)})
    [if_adopted] = evaluate(_reentered("xiaoyi"), adopted, 2024)
    assert if_adopted.outcome == "fail" and "县文 三" in if_adopted.reason
    [before_adoption] = evaluate(_reentered("xiaoyi", on=date(2023, 6, 1)), adopted, 2023)
    assert before_adoption.outcome == "pass"


def test_a_repealed_documents_local_condition_never_binds():
    from policies.engine import evaluate
    rule = _provincial_rule(_condition(status="repealed", reentry="再次入规的不予奖励"))
    [decision] = evaluate(_reentered("xiaoyi"), rule_versions([rule], []), 2024)
    assert decision.outcome == "pass" and decision.also_cited == ()
