from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from policies.catalog import load_catalog
from policies.models import Clause, ClauseChange, IncentiveRule, LocalCondition, PolicyDocument, RuleAmendment
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


# -- issue 10: local conditions, unit changes, rule notes ---------------------------------------------

def test_local_conditions_are_stored_and_read_back_like_the_files(policies_loaded, django_assert_max_num_queries):
    """孝政办发[2022]44号 三(四)'s exclusion is stored against the provincial rule, issued by 孝义."""
    row = LocalCondition.objects.get(rule__key="shanxi-first-entry", document__key="xiaoyi-2022-44")
    assert row.clause.path == "三(四)" and row.document.jurisdiction.key == "141181"
    assert row.excluded == {"name_change_reentry": "对已入规退库只变更企业名称再次入规的企业不予享受财政奖励"}
    with django_assert_max_num_queries(6):
        inputs = engine_inputs()
    files = {r.key: r.local_conditions for r in load_catalog().rules}
    assert {r.key: r.local_conditions for r in inputs.rules} == files
    assert {r.key: r.note for r in inputs.rules} == {r.key: r.note for r in load_catalog().rules}


def test_the_drafts_unit_changes_are_stored_per_item(policies_loaded):
    """修改意见 2 and 15 both rename 二(二)1's unit: one row per item; 10 changes the units of 20 and 21 only."""
    draft = PolicyDocument.objects.get(key="yangquan-2024-amendment-draft")
    rows = ClauseChange.objects.filter(amendment=draft, clause__path="二(二)1").order_by("by_clause")
    assert [(r.by_clause, r.unit_changes) for r in rows] == [
        ("15", {"rename": {"阳泉经济技术开发区": "阳泉高新技术产业开发区管委会"}}),
        ("2", {"rename": {"阳泉经济技术开发区": "阳泉高新技术产业开发区管委会"}})]
    ten = ClauseChange.objects.get(amendment=draft, clause__path="二(五)20", by_clause="10")
    assert ten.unit_change_lines == ["删除“市科技局”", "“市中小企业发展中心”改为“市工信局”"]
    assert set(ClauseChange.objects.filter(amendment=draft).values_list("by_clause", flat=True)) == {
        str(n) for n in range(1, 16)}


def test_a_corrected_file_leaves_nothing_stale(policies_loaded):
    """A clause, clause change or local condition the files no longer have is removed on the next load
    (e.g. the old 山西 clause labelled as a 孝义 “转述”); a clause still cited by a rule is kept."""
    shanxi = PolicyDocument.objects.get(key="shanxi-2020-38")
    stale = Clause.objects.create(document=shanxi, path="省级奖励（孝政办发[2022]44号 三(四) 转述）", text="旧")
    draft = PolicyDocument.objects.get(key="yangquan-2024-amendment-draft")
    old_change = ClauseChange.objects.create(amendment=draft, clause=Clause.objects.get(
        document__key="yangquan-2021-11", path="二(二)4"), action="change", by_clause="1", new_text="旧")
    xiaoyi = PolicyDocument.objects.get(key="xiaoyi-2022-44")
    old_condition = LocalCondition.objects.create(document=xiaoyi, clause=xiaoyi.clauses.get(path="三(六)"),
                                                  rule=IncentiveRule.objects.get(key="shanxi-first-entry"))
    report = catalog_sync(load_catalog())
    assert report.changed == 3
    for row in (stale, old_change, old_condition):
        assert not type(row).objects.filter(pk=row.pk).exists(), row
    assert catalog_sync(load_catalog()).changed == 0


def test_the_provincial_page_shows_its_own_clauses_and_where_others_restate_them(client, yuxian_clerk,
                                                                                policies_loaded):
    client.force_login(yuxian_clerk)
    html = client.get(reverse("policies:detail", args=["shanxi-2020-38"])).content.decode()
    assert "首次“小升规”省级奖励" in html and "持续在规省级奖补" in html and "原文未收录" in html
    assert "省级奖励（孝政办发[2022]44号 三(四) 转述）" not in html
    assert "孝政办发[2022]44号 三(四) 转述本条，仅在孝义市引用" in html
    assert "在该地仅变更名称再次入规不予奖励" in html
    assert "盂促企组办发[2024]1号 三(八) 转述本条，仅在盂县引用" in html
    assert "金额待定" in html and "以山西省财政下达的奖补通知为准" in html
    xiaoyi = client.get(reverse("policies:detail", args=["xiaoyi-2022-44"])).content.decode()
    assert 'data-testid="local-condition-table"' in xiaoyi and "以下条款只在孝义市" in xiaoyi
    assert "仅变更名称再次入规不予奖励（“对已入规退库只变更企业名称再次入规的企业不予享受财政奖励”）" in xiaoyi


def test_the_yangquan_pages_show_the_corrected_units_notes_and_every_item(client, yuxian_clerk, policies_loaded):
    client.force_login(yuxian_clerk)
    response = client.get(reverse("policies:detail", args=["yangquan-2021-11"]))
    html = response.content.decode()
    four = next(c for c in response.context["clauses"] if c.path == "二(二)4")
    assert four.responsible_units == ["市统计局"]
    assert "统计上大中小微型企业划分办法" in html
    draft = client.get(reverse("policies:detail", args=["yangquan-2024-amendment-draft"]))
    shown = {(c.clause.path, c.by_clause) for c in draft.context["clause_changes"]}
    assert {("二(五)20", "10"), ("二(五)21", "10"), ("二(五)23", "11"), ("第16条目", "15")} <= shown
    page = draft.content.decode()
    assert "“市中小企业发展中心”改为“市工信局”" in page and "删除“市教育局”" in page
