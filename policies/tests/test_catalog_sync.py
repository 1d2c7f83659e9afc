from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from policies.catalog import load_catalog
from policies.models import ClauseChange, IncentiveRule, PolicyDocument, RuleAmendment
from policies.selectors import engine_inputs
from policies.services import catalog_sync

pytestmark = pytest.mark.django_db


def test_loading_the_catalog_twice_changes_nothing(policies_loaded):
    assert policies_loaded.rules == IncentiveRule.objects.count() > 20
    again = catalog_sync(load_catalog())
    assert again.changed == 0
    assert IncentiveRule.history.count() == IncentiveRule.objects.count()


def test_the_amendment_is_stored_against_the_clauses_it_quotes(policies_loaded):
    draft = PolicyDocument.objects.get(key="yangquan-2024-amendment-draft")
    assert draft.status == "draft" and draft.amends.number == "阳办发[2021]11号"
    change = ClauseChange.objects.get(amendment=draft, clause__path="二(二)4")
    assert change.action == "change" and "10万元的一次性配套奖励" in change.new_text
    assert set(RuleAmendment.objects.filter(amendment=draft).values_list("rule__key", flat=True)) == {
        "yangquan-continued-year2", "yangquan-continued-year3"}


def test_engine_inputs_from_the_database_match_the_files(policies_loaded, django_assert_max_num_queries):
    catalog = load_catalog()
    with django_assert_max_num_queries(6):
        inputs = engine_inputs()
    assert {r.key: (r.amount, r.valid_from, r.citation.clause) for r in inputs.rules} == {
        r.key: (r.amount, r.valid_from, r.citation.clause) for r in catalog.rules}
    assert [a.document_key for a in inputs.amendments] == ["yangquan-2024-amendment-draft"]
    assert inputs.splits["pingdingshan"].by_jurisdiction["410402"][0].share == Decimal("0.5")


def test_an_admin_edit_is_validated_like_the_files(policies_loaded):
    rule = IncentiveRule.objects.get(key="xiaoyi-continued-year2")
    rule.payers = [{"payer": "孝义市财政", "share": "0.6"}]
    with pytest.raises(ValidationError) as excinfo:
        rule.full_clean()
    assert "share 之和应为1" in str(excinfo.value)
    rule.payers = [{"payer": "孝义市财政", "share": "1"}]
    rule.params = {}
    with pytest.raises(ValidationError) as excinfo:
        rule.full_clean()
    assert "缺少参数 year_in_scale" in str(excinfo.value)


def test_the_admin_refuses_an_invalid_rule_with_the_reason(client, admin_user, policies_loaded):
    rule = IncentiveRule.objects.get(key="yangquan-first-entry")
    client.force_login(admin_user)
    response = client.post(reverse("admin:policies_incentiverule_change", args=[rule.pk]), {
        "key": rule.key, "document": rule.document_id, "clause": rule.clause_id, "kind": "entry_award",
        "title": rule.title, "jurisdiction": rule.jurisdiction_id, "valid_from": "2021-01-01", "valid_to": "2020-01-01",
        "amount": "100000", "payers": '[{"payer": "阳泉市财政", "share": 1}]', "params": '{"entry_kinds": ["first_entry"]}',
        "split": "", "cited_as": ""})
    assert response.status_code == 200
    assert "早于 valid_from" in response.content.decode()
    rule.refresh_from_db()
    assert rule.valid_to is None


@pytest.mark.parametrize("persona", ["yuxian_clerk", "yangquan_leader", "xiaoyi_clerk"])
def test_staff_read_a_document_with_its_rules_and_the_effect_of_the_draft(client, all_personas, policies_loaded,
                                                                         persona):
    client.force_login(all_personas[persona])
    html = client.get(reverse("policies:detail", args=["yangquan-2021-11"])).content.decode()
    assert "上规入统后连续2年在规配套奖励" in html
    assert "若采纳" in html and "删除" in html
    listing = client.get(reverse("policies:list")).content.decode()
    assert "孝政办发[2022]44号" in listing and "征求意见稿" in listing
