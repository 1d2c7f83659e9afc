"""免申即享: the batch, its idempotency, review, payment, what-if and the finance list."""
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from enterprises import services as registry
from enterprises.models import AnnualAttestation, Role, User
from incentives import services
from incentives.models import Entitlement, EntitlementBatch, EntitlementStatus
from policies.models import PolicyDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def yuxian_entrants(policies_loaded, yuxian_clerk, enterprises):
    """盂县: one first entry in 2024, one that entered in 2023 (second year in 2024)."""
    registry.scale_event_record(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], kind="first_entry",
                                on=date(2024, 12, 1))
    registry.scale_event_record(user=yuxian_clerk, enterprise=enterprises["yu_other"], kind="first_entry",
                                on=date(2023, 11, 20))
    # 阳办发[2021]11号 二(二)4 pays its continued awards to 小微工业企业 only (issue 10 item 3).
    for key in ("yu_gxj", "yu_other"):
        enterprises[key].size_class = "small"
        enterprises[key].save(update_fields=["size_class"])
    return enterprises


# The two first-entry awards a 盂县 enterprise is owed with a fixed amount (省 30万, 阳泉 10万).
FIRST_ENTRY_AWARDS = ("shanxi-first-entry", "yangquan-first-entry")


def run_batch(user, jurisdiction, year):
    batch = services.entitlement_batch_request(user=user, jurisdiction=jurisdiction, year=year)
    return services.entitlement_batch_run(batch_id=batch.pk)


def owed(enterprise, year):
    return {e.rule.key: e.amount for e in Entitlement.objects.filter(enterprise=enterprise, year=year)
            .select_related("rule") if e.status == EntitlementStatus.PENDING}


def test_the_batch_writes_what_each_enterprise_is_owed(yuxian_clerk, jurisdictions, yuxian_entrants):
    batch = run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    assert batch.status == "finished" and batch.enterprises == 2
    # Issue 10 item 2: 盂促企组办发[2024]1号 三(八)'s county matching and the provincial continued
    # award are due in 2024 with the amount left to the payer (None).
    assert owed(yuxian_entrants["yu_gxj"], 2024) == {"shanxi-first-entry": Decimal("300000.00"),
                                                     "yangquan-first-entry": Decimal("100000.00"),
                                                     "yuxian-county-first-entry": None}
    assert owed(yuxian_entrants["yu_other"], 2024) == {"yangquan-continued-year2": Decimal("50000.00"),
                                                       "shanxi-continued-year2": None,
                                                       "yuxian-county-continued-year2": None}
    entitlement = Entitlement.objects.get(rule__key="yangquan-first-entry")
    assert entitlement.citation == "阳办发[2021]11号 二(二)4；盂促企组办发[2024]1号 三(八)"  # 三(八) restates it
    assert entitlement.payers == [{"payer": "阳泉市财政", "amount": "100000.00"}]
    assert "2021-01-01" in entitlement.rule_version
    assert entitlement.history.get().history_user == yuxian_clerk


def test_re_running_the_batch_changes_nothing(yuxian_clerk, jurisdictions, yuxian_entrants):
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    rows = list(Entitlement.objects.order_by("pk").values())
    history = Entitlement.history.count()
    again = run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    assert list(Entitlement.objects.order_by("pk").values()) == rows
    assert Entitlement.history.count() == history
    assert again.counts["unchanged"] == 6 and "created" not in again.counts


def test_a_changed_fact_updates_a_pending_entitlement(yuxian_clerk, xiaoyi_clerk, jurisdictions, enterprises,
                                                      policies_loaded):
    enterprise = enterprises["xiaoyi"]
    registry.scale_event_record(user=xiaoyi_clerk, enterprise=enterprise, kind="first_entry", on=date(2022, 12, 1))
    AnnualAttestation.objects.create(enterprise=enterprise, year=2024, development_sound=False)
    run_batch(xiaoyi_clerk, jurisdictions["xiaoyi"], 2024)
    assert "xiaoyi-continued-year3" not in owed(enterprise, 2024)
    AnnualAttestation.objects.filter(enterprise=enterprise).update(development_sound=True)
    run_batch(xiaoyi_clerk, jurisdictions["xiaoyi"], 2024)
    assert owed(enterprise, 2024)["xiaoyi-continued-year3"] == Decimal("100000.00")


def test_a_pending_entitlement_no_longer_owed_is_withdrawn_and_comes_back(yuxian_clerk, jurisdictions,
                                                                          yuxian_entrants):
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    event = yuxian_entrants["yu_gxj"].scale_events.get()
    event.delete()  # the entry was recorded by mistake
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    statuses = set(Entitlement.objects.filter(enterprise=yuxian_entrants["yu_gxj"]).values_list("status", flat=True))
    assert statuses == {EntitlementStatus.WITHDRAWN}
    registry.scale_event_record(user=yuxian_clerk, enterprise=yuxian_entrants["yu_gxj"], kind="first_entry",
                                on=date(2024, 12, 1))
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    assert len(owed(yuxian_entrants["yu_gxj"], 2024)) == 3


def test_a_paid_entitlement_is_never_changed_by_a_rerun(yuxian_clerk, yuxian_chief, yuxian_finance, jurisdictions,
                                                        yuxian_entrants):
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    ids = list(Entitlement.objects.filter(enterprise=yuxian_entrants["yu_gxj"], rule__key__in=FIRST_ENTRY_AWARDS)
               .values_list("pk", flat=True))
    assert services.entitlements_review(user=yuxian_clerk, ids=ids).done == 2
    assert services.entitlements_approve(user=yuxian_chief, ids=ids).done == 2
    assert services.entitlements_mark_paid(user=yuxian_finance, ids=ids, paid_on=date(2025, 3, 1)).done == 2
    yuxian_entrants["yu_gxj"].scale_events.all().delete()
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    for row in Entitlement.objects.filter(pk__in=ids):
        assert row.status == EntitlementStatus.PAID and row.amount in (Decimal("300000"), Decimal("100000"))
        assert "不符合" in row.recompute_note


def test_review_moves_only_rows_in_the_expected_state(yuxian_clerk, yuxian_chief, yuxian_finance, jurisdictions,
                                                      yuxian_entrants):
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    ids = list(Entitlement.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) >= 3
    assert services.entitlements_mark_paid(user=yuxian_finance, ids=ids, paid_on=date(2025, 1, 1)).done == 0
    assert services.entitlements_approve(user=yuxian_chief, ids=ids).done == 0  # not reviewed yet
    assert services.entitlements_review(user=yuxian_clerk, ids=ids[:2]).done == 2
    assert services.entitlements_review(user=yuxian_clerk, ids=ids[:2]).done == 0  # a double click reviews nothing twice
    assert services.entitlements_approve(user=yuxian_chief, ids=ids[:2]).done == 2
    assert services.entitlements_approve(user=yuxian_chief, ids=ids[:2]).done == 0  # nor approves twice
    assert services.entitlements_reject(user=yuxian_clerk, ids=ids[2:], reason="材料不全").done == len(ids) - 2
    rejected = Entitlement.objects.get(pk=ids[2])
    assert rejected.status == "rejected" and rejected.rejection_reason == "材料不全"
    assert rejected.rejected_by == yuxian_clerk and rejected.reviewed_by is None  # rejected before any review
    assert rejected.history.latest().history_user == yuxian_clerk


def test_only_center_staff_in_scope_run_and_review(xiaoyi_clerk, yangquan_leader, jurisdictions, yuxian_entrants):
    from django.core.exceptions import PermissionDenied
    with pytest.raises(PermissionDenied):
        services.entitlement_batch_request(user=xiaoyi_clerk, jurisdiction=jurisdictions["yuxian"], year=2024)
    with pytest.raises(PermissionDenied):
        services.entitlement_batch_request(user=yangquan_leader, jurisdiction=jurisdictions["yuxian"], year=2024)
    assert not EntitlementBatch.objects.exists()


def test_the_once_only_fushun_award_is_not_paid_twice(jurisdictions, policies_loaded, make_enterprise, admin_user):
    enterprise = make_enterprise("顺城机械厂", "shuncheng")
    registry.scale_event_record(user=admin_user, enterprise=enterprise, kind="first_entry", on=date(2023, 12, 1))
    run_batch(admin_user, jurisdictions["shuncheng"], 2023)
    first = Entitlement.objects.get(rule__key="fushun-city-entry")
    approver = User.objects.create_user("shuncheng_chief", role=Role.CENTER_STAFF,
                                        jurisdiction=jurisdictions["shuncheng"])
    assert services.entitlements_review(user=admin_user, ids=[first.pk]).done == 1
    assert services.entitlements_approve(user=approver, ids=[first.pk]).done == 1
    registry.scale_event_record(user=admin_user, enterprise=enterprise, kind="exit", on=date(2024, 6, 1))
    registry.scale_event_record(user=admin_user, enterprise=enterprise, kind="reentry", on=date(2025, 12, 1))
    run_batch(admin_user, jurisdictions["shuncheng"], 2025)
    assert not Entitlement.objects.filter(rule__key="fushun-city-entry", year=2025).exists()


def test_the_batch_query_count_does_not_grow_with_enterprises(jurisdictions, policies_loaded, make_enterprise,
                                                              admin_user, django_assert_max_num_queries):
    for i in range(30):
        enterprise = make_enterprise(f"盂县企业{i}", "xiushui")
        registry.scale_event_record(user=admin_user, enterprise=enterprise, kind="first_entry", on=date(2024, 12, 1))
    batch = EntitlementBatch.objects.create(jurisdiction=jurisdictions["yuxian"], year=2024, requested_by=admin_user)
    with django_assert_max_num_queries(40):
        services.entitlement_batch_run(batch_id=batch.pk)
    assert Entitlement.objects.count() == 90  # 省 30万, 阳泉 10万, 盂县 county matching (amount by the payer)


def test_what_if_reports_the_fiscal_effect_of_adopting_the_draft(yuxian_clerk, jurisdictions, yuxian_entrants):
    draft = PolicyDocument.objects.get(key="yangquan-2024-amendment-draft")
    report = services.what_if(user=yuxian_clerk, jurisdiction=jurisdictions["yuxian"], document=draft,
                              effective_from=date(2025, 1, 1), years=[2024, 2025])
    totals = {(year, payer): (base, scen) for year, payer, base, scen, _ in report.total_rows}
    assert totals[(2024, "阳泉市财政")] == (Decimal("150000.00"), Decimal("150000.00"))  # before the date: same
    # 2025: 耐火 would be in its 2nd year (50,000), 石料 in its 3rd (100,000); the draft deletes both.
    assert totals[(2025, "阳泉市财政")] == (Decimal("150000.00"), Decimal("0"))
    by_enterprise = {c.enterprise.pk: c for c in report.changes}
    assert [c.year for c in report.changes] == [2025, 2025]
    third_year = by_enterprise[yuxian_entrants["yu_other"].pk]
    assert third_year.delta == Decimal("-100000.00") and "连续3年" in third_year.lost[0]
    assert by_enterprise[yuxian_entrants["yu_gxj"].pk].delta == Decimal("-50000.00")
    assert not Entitlement.objects.exists()  # a what-if writes nothing


def test_the_finance_list_is_an_xlsx_of_approved_entitlements_by_payer(client, yuxian_clerk, yuxian_chief,
                                                                      jurisdictions, yuxian_entrants):
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    approved = Entitlement.objects.filter(rule__key="shanxi-first-entry").values_list("pk", flat=True)
    services.entitlements_review(user=yuxian_clerk, ids=list(approved))
    services.entitlements_approve(user=yuxian_chief, ids=list(approved))
    client.force_login(yuxian_clerk)
    response = client.get(reverse("incentives:export"), {"status": "approved", "year": 2024})
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("年度", "区域", "企业名称")
    assert rows[0][7:9] == ("出资金额（万元）", "合计金额（万元）")  # 万元 like every other sheet
    assert len(rows) == 2 and rows[1][2] == "盂县耐火材料有限公司" and rows[1][6] == "山西省财政"
    assert Decimal(str(rows[1][7])) == Decimal("30") and Decimal(str(rows[1][8])) == Decimal("30")
    assert [sheet.cell(row=2, column=c).number_format for c in (8, 9)] == ["0.00", "0.00"]
    # Each person of the sign-off by name; nobody has recorded a payment yet.
    assert rows[0][10:14] == ("初审人", "审批人", "拨付登记人", "拨付日期")
    assert rows[1][10:14] == ("xiaowang", "陈刚", None, None)


@pytest.mark.parametrize("persona,status", [("yuxian_clerk", 200), ("yangquan_leader", 200), ("xiaoyi_clerk", 404),
                                            ("enterprise_user", 200), ("yuxian_department_user", 200)])
def test_the_decision_page_explains_every_rule_within_scope(client, all_personas, yuxian_entrants, persona, status):
    client.force_login(all_personas[persona])
    response = client.get(reverse("incentives:enterprise", args=[yuxian_entrants["yu_gxj"].pk]), {"year": 2024})
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "首次“小升规”省级奖励" in html and "晋办发〔2020〕38号" in html and "40.00" in html
        assert "本条奖励第2年" in html  # the reason a continued award is not owed


@pytest.mark.parametrize("persona", ["yuxian_clerk", "yangquan_leader", "xiaoyi_clerk", "enterprise_user",
                                     "yuxian_finance"])
def test_the_ledger_page_lists_only_entitlements_in_scope(client, all_personas, yuxian_clerk, jurisdictions,
                                                          yuxian_entrants, persona):
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    client.force_login(all_personas[persona])
    html = client.get(reverse("incentives:ledger")).content.decode()
    sees_yuxian = persona != "xiaoyi_clerk"
    assert ("盂县耐火材料有限公司" in html) == sees_yuxian
    assert ("盂县石料加工厂" in html) == (persona in ("yuxian_clerk", "yangquan_leader", "yuxian_finance"))
    # boxes only for someone who signs (staff review and approve, finance records payment)
    assert ('name="ids"' in html) == (persona in ("yuxian_clerk", "yuxian_finance"))
    assert ('data-testid="approve"' in html) == (persona == "yuxian_clerk")
    assert ('data-testid="pay"' in html) == (persona == "yuxian_finance")


def test_the_review_form_reviews_and_another_clerk_approves_in_bulk(client, yuxian_clerk, yuxian_chief,
                                                                    jurisdictions, yuxian_entrants):
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    client.force_login(yuxian_clerk)
    ids = list(Entitlement.objects.values_list("pk", flat=True))
    client.post(reverse("incentives:review"), {"ids": ids, "action": "review"})
    assert set(Entitlement.objects.values_list("status", flat=True)) == {"reviewed"}
    client.force_login(yuxian_chief)
    client.post(reverse("incentives:review"), {"ids": ids, "action": "approve"})
    assert set(Entitlement.objects.values_list("status", flat=True)) == {"approved"}


def test_the_ledger_page_query_count_is_bounded(client, yuxian_clerk, jurisdictions, policies_loaded, make_enterprise,
                                                admin_user, django_assert_max_num_queries):
    for i in range(20):
        enterprise = make_enterprise(f"盂县企业{i}", "xiushui")
        registry.scale_event_record(user=admin_user, enterprise=enterprise, kind="first_entry", on=date(2024, 12, 1))
    run_batch(admin_user, jurisdictions["yuxian"], 2024)
    client.force_login(yuxian_clerk)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("incentives:ledger")).status_code == 200


def test_requesting_a_batch_runs_it_through_celery_after_commit(yuxian_clerk, jurisdictions, yuxian_entrants,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = services.entitlement_batch_request(user=yuxian_clerk, jurisdiction=jurisdictions["yuxian"], year=2024)
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == "finished" and batch.counts["created"] == 6


def test_a_failing_batch_is_recorded_with_its_error(yuxian_clerk, jurisdictions, yuxian_entrants, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("规则库不可用")
    monkeypatch.setattr(services, "engine_inputs", broken)
    batch = EntitlementBatch.objects.create(jurisdiction=jurisdictions["yuxian"], year=2024, requested_by=yuxian_clerk)
    with pytest.raises(RuntimeError):
        services.entitlement_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == "failed" and "规则库不可用" in batch.error
    assert not Entitlement.objects.exists()


@pytest.mark.parametrize("persona,count", [("api_client", 6), ("xiaoyi_clerk", 0), ("enterprise_user", 3)])
def test_the_api_serves_the_ledger_within_scope(all_personas, yuxian_clerk, jurisdictions, yuxian_entrants,
                                                persona, count):
    from rest_framework.test import APIClient
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    client = APIClient()
    client.force_authenticate(all_personas[persona])
    data = client.get(reverse("entitlement-list"), {"year": 2024}).json()
    assert data["count"] == count
    if count:
        assert {r["citation"] for r in data["results"]} >= {"晋办发〔2020〕38号 首次“小升规”省级奖励；盂促企组办发[2024]1号 三(八)"}


def test_adopting_an_amendment_in_the_back_office_applies_it_from_its_date(yuxian_clerk, jurisdictions,
                                                                          yuxian_entrants):
    """Staff add (or adopt) an amendment with its effective date; batches use the right version per year."""
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2025)
    assert Entitlement.objects.filter(year=2025, rule__key="yangquan-continued-year3").exists()
    PolicyDocument.objects.filter(key="yangquan-2024-amendment-draft").update(status="in_force",
                                                                             effective_from=date(2025, 1, 1))
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2025)
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    in_2025 = Entitlement.objects.get(year=2025, rule__key="yangquan-continued-year3")
    assert in_2025.status == EntitlementStatus.WITHDRAWN
    assert Entitlement.objects.get(year=2024, rule__key="yangquan-continued-year2").status == EntitlementStatus.PENDING
