"""Separation of duties in the entitlement ledger (issue 9 item 10): 初审 → 审批 → 拨付.

People (conftest): 小王 (yuxian_clerk) reviews, 老陈 (yuxian_chief, 陈刚) approves, 小周
(yuxian_finance, 周丽) records payment, all in 盂县; 小刘 is a third 盂县 clerk who signed
nothing; 老赵 (yangquan_leader) only reads. The same clerk computing, approving and paying
is what the issue found; each rule below has a test.
"""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from enterprises import services as registry
from enterprises.models import Role, ScaleEvent, User
from incentives import services
from incentives.domain.signoff import Refusal, Rules
from incentives.models import Entitlement, EntitlementBatch, EntitlementStatus
from incentives.selectors import signoff_rules
from policies.models import IncentiveRule

pytestmark = pytest.mark.django_db

PAID_ON = date(2025, 3, 1)


@pytest.fixture
def third_clerk(jurisdictions):
    return User.objects.create_user("xiaoliu", password="pw-xiaoliu", role=Role.CENTER_STAFF,
                                    jurisdiction=jurisdictions["yuxian"], first_name="刘洋")


@pytest.fixture
def xiaoyi_finance(jurisdictions):
    return User.objects.create_user("xiaoyi_caizheng", role=Role.FINANCE, jurisdiction=jurisdictions["xiaoyi"])


@pytest.fixture
def ledger(enterprises, policies_loaded):
    """Pending entitlements: three for 盂县耐火 (秀水镇), one for 盂县石料 (南娄镇), one in 孝义."""
    rules = list(IncentiveRule.objects.order_by("pk")[:3])

    def entitle(enterprise, rule):
        return Entitlement.objects.create(enterprise=enterprise, rule=rule, year=2024, amount=Decimal("100000"),
                                          payers=[{"payer": "盂县财政", "amount": "100000.00"}], citation="测试依据",
                                          reason="测试", rule_version="测试", computed_at=timezone.now())

    return {"yu": [entitle(enterprises["yu_gxj"], rule) for rule in rules],
            "yu_other": entitle(enterprises["yu_other"], rules[0]),
            "xiaoyi": entitle(enterprises["xiaoyi"], rules[0])}


def pks(rows):
    return [row.pk for row in rows]


def statuses(rows):
    return [Entitlement.objects.get(pk=row.pk).status for row in rows]


@pytest.fixture
def reviewed(ledger, yuxian_clerk):
    """The three 盂县耐火 rows reviewed by 小王."""
    assert services.entitlements_review(user=yuxian_clerk, ids=pks(ledger["yu"])).done == 3
    return ledger["yu"]


@pytest.fixture
def approved(reviewed, yuxian_chief):
    """…and approved by 老陈."""
    assert services.entitlements_approve(user=yuxian_chief, ids=pks(reviewed)).done == 3
    return reviewed


# -- the rules, one by one ------------------------------------------------------------

def test_the_reviewer_cannot_approve_what_they_reviewed(reviewed, yuxian_clerk):
    result = services.entitlements_approve(user=yuxian_clerk, ids=pks(reviewed))

    assert result.done == 0 and result.skipped == {Refusal.OWN_REVIEW: 3}
    assert statuses(reviewed) == [EntitlementStatus.REVIEWED] * 3
    assert not Entitlement.objects.filter(approved_by__isnull=False).exists()


def test_another_clerk_approves_and_each_person_and_time_is_kept(reviewed, yuxian_clerk, yuxian_chief):
    result = services.entitlements_approve(user=yuxian_chief, ids=pks(reviewed))

    assert (result.done, result.skipped) == (3, {})
    for row in Entitlement.objects.filter(pk__in=pks(reviewed)):
        assert row.status == EntitlementStatus.APPROVED
        assert (row.reviewed_by, row.approved_by) == (yuxian_clerk, yuxian_chief)
        assert row.reviewed_at <= row.approved_at
        # the history shows each person, step by step
        steps = [(h.status, h.history_user) for h in row.history.order_by("history_date")]
        assert steps[-2:] == [("reviewed", yuxian_clerk), ("approved", yuxian_chief)]


def test_finance_records_payment(approved, yuxian_clerk, yuxian_chief, yuxian_finance):
    result = services.entitlements_mark_paid(user=yuxian_finance, ids=pks(approved), paid_on=PAID_ON)

    assert (result.done, result.skipped) == (3, {})
    for row in Entitlement.objects.filter(pk__in=pks(approved)):
        assert row.status == EntitlementStatus.PAID and row.paid_on == PAID_ON
        assert (row.reviewed_by, row.approved_by, row.paid_by) == (yuxian_clerk, yuxian_chief, yuxian_finance)
        assert row.paid_at is not None
        assert row.history.latest().history_user == yuxian_finance


def test_staff_cannot_record_payment_where_duties_are_separated(approved, yuxian_clerk, yuxian_chief, third_clerk):
    for clerk in (yuxian_clerk, yuxian_chief, third_clerk):
        result = services.entitlements_mark_paid(user=clerk, ids=pks(approved), paid_on=PAID_ON)
        assert result.done == 0 and result.skipped == {Refusal.FINANCE_ONLY: 3}
    assert statuses(approved) == [EntitlementStatus.APPROVED] * 3


def test_where_the_county_lets_staff_record_payment_only_one_who_did_not_sign_may(
        approved, jurisdictions, yuxian_clerk, yuxian_chief, third_clerk):
    jurisdictions["yuxian"].staff_may_record_payment = True
    jurisdictions["yuxian"].save()

    for signer in (yuxian_clerk, yuxian_chief):
        result = services.entitlements_mark_paid(user=signer, ids=pks(approved), paid_on=PAID_ON)
        assert result.done == 0 and result.skipped == {Refusal.OWN_SIGNOFF: 3}
    result = services.entitlements_mark_paid(user=third_clerk, ids=pks(approved), paid_on=PAID_ON)

    assert result.done == 3
    assert set(Entitlement.objects.filter(pk__in=pks(approved)).values_list("paid_by", flat=True)) == {third_clerk.pk}


def test_with_separation_off_one_clerk_takes_every_step(ledger, jurisdictions, yuxian_clerk):
    """A small county with one clerk turns separation off."""
    jurisdictions["yuxian"].duty_separation = False
    jurisdictions["yuxian"].save()
    ids = pks(ledger["yu"])

    assert services.entitlements_review(user=yuxian_clerk, ids=ids).done == 3
    assert services.entitlements_approve(user=yuxian_clerk, ids=ids).done == 3
    assert services.entitlements_mark_paid(user=yuxian_clerk, ids=ids, paid_on=PAID_ON).done == 3

    row = Entitlement.objects.get(pk=ids[0])
    assert row.status == EntitlementStatus.PAID
    assert row.reviewed_by == row.approved_by == row.paid_by == yuxian_clerk  # each step still recorded


def test_the_setting_comes_from_the_nearest_jurisdiction_that_sets_it(reviewed, ledger, jurisdictions, yuxian_clerk,
                                                                     xiaoyi_clerk):
    """盂县耐火 is in 秀水镇 (盂县, 阳泉市, 山西省): 阳泉 turns separation off, 盂县 on again."""
    xiushui, yuxian, yangquan = jurisdictions["xiushui"], jurisdictions["yuxian"], jurisdictions["yangquan"]
    assert signoff_rules([xiushui.pk]) == {xiushui.pk: Rules(separation=True, staff_may_pay=False)}  # the default

    yangquan.duty_separation = False
    yangquan.save()
    assert signoff_rules([xiushui.pk, jurisdictions["xiaoyi"].pk]) == {
        xiushui.pk: Rules(separation=False), jurisdictions["xiaoyi"].pk: Rules(separation=True)}

    yuxian.duty_separation = True
    yuxian.save()
    assert services.entitlements_approve(user=yuxian_clerk, ids=pks(reviewed[:1])).skipped == {Refusal.OWN_REVIEW: 1}

    yuxian.duty_separation = None  # back to inheriting 阳泉's
    yuxian.save()
    assert services.entitlements_approve(user=yuxian_clerk, ids=pks(reviewed[:1])).done == 1

    # 孝义 (吕梁) is untouched by 阳泉's setting.
    services.entitlements_review(user=xiaoyi_clerk, ids=[ledger["xiaoyi"].pk])
    assert services.entitlements_approve(user=xiaoyi_clerk, ids=[ledger["xiaoyi"].pk]).skipped == {
        Refusal.OWN_REVIEW: 1}


def test_the_sign_off_rules_take_two_queries_for_any_number_of_jurisdictions(jurisdictions,
                                                                             django_assert_num_queries):
    with django_assert_num_queries(2):
        rules = signoff_rules(j.pk for j in jurisdictions.values())
    assert set(rules) == {j.pk for j in jurisdictions.values()}


def test_the_reviewer_cannot_reject_what_they_reviewed_but_the_approver_can(reviewed, yuxian_clerk, yuxian_chief):
    mine = services.entitlements_reject(user=yuxian_clerk, ids=pks(reviewed[:1]), reason="材料不全")
    assert mine.done == 0 and mine.skipped == {Refusal.OWN_REVIEW: 1}

    assert services.entitlements_reject(user=yuxian_chief, ids=pks(reviewed[:1]), reason="材料不全").done == 1
    row = Entitlement.objects.get(pk=reviewed[0].pk)
    assert row.status == EntitlementStatus.REJECTED and row.rejection_reason == "材料不全"
    assert (row.reviewed_by, row.rejected_by) == (yuxian_clerk, yuxian_chief)


def test_a_bulk_action_signs_what_it_may_and_counts_the_rest_by_reason(ledger, yuxian_clerk, yuxian_chief):
    mine, theirs, pending = ledger["yu"][:2], ledger["yu"][2], ledger["yu_other"]
    services.entitlements_review(user=yuxian_clerk, ids=pks(mine))
    services.entitlements_review(user=yuxian_chief, ids=[theirs.pk])

    result = services.entitlements_approve(user=yuxian_clerk, ids=[*pks(mine), theirs.pk, pending.pk, 987654321])

    assert result.done == 1
    assert result.skipped == {Refusal.OWN_REVIEW: 2, Refusal.WRONG_STATUS: 2}  # pending, and an id that is none
    assert statuses([*mine, theirs, pending]) == ["reviewed", "reviewed", "approved", "pending_review"]


def test_finance_records_payment_only_within_its_jurisdiction(approved, xiaoyi_finance):
    result = services.entitlements_mark_paid(user=xiaoyi_finance, ids=pks(approved), paid_on=PAID_ON)
    assert result.done == 0 and result.skipped == {Refusal.WRONG_STATUS: 3}  # as if they did not exist
    assert statuses(approved) == [EntitlementStatus.APPROVED] * 3


@pytest.mark.parametrize("persona,step", [
    ("yuxian_finance", "review"), ("yuxian_finance", "approve"), ("yuxian_finance", "reject"),
    ("yangquan_leader", "review"), ("yangquan_leader", "pay"), ("yuxian_department_user", "pay"),
    ("enterprise_user", "pay"), ("api_client", "pay"),
])
def test_roles_that_may_not_take_a_step_are_refused(all_personas, approved, persona, step):
    user = all_personas[persona]
    call = {"review": lambda ids: services.entitlements_review(user=user, ids=ids),
            "approve": lambda ids: services.entitlements_approve(user=user, ids=ids),
            "reject": lambda ids: services.entitlements_reject(user=user, ids=ids, reason="x"),
            "pay": lambda ids: services.entitlements_mark_paid(user=user, ids=ids, paid_on=PAID_ON)}[step]
    with pytest.raises(PermissionDenied):
        call(pks(approved))
    assert statuses(approved) == [EntitlementStatus.APPROVED] * 3


# -- a rerun of the batch: only rows not yet approved change ---------------------------

@pytest.fixture
def computed(policies_loaded, yuxian_clerk, jurisdictions, enterprises):
    """盂县耐火 entered scale on 2024-12-01; the 2024 batch has run; 小王 reviewed the provincial award."""
    registry.scale_event_record(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], kind="first_entry",
                                on=date(2024, 12, 1))
    run_batch(yuxian_clerk, jurisdictions["yuxian"])
    row = Entitlement.objects.get(enterprise=enterprises["yu_gxj"], rule__key="shanxi-first-entry", year=2024)
    assert services.entitlements_review(user=yuxian_clerk, ids=[row.pk]).done == 1
    return row


def run_batch(user, jurisdiction):
    batch = EntitlementBatch.objects.create(jurisdiction=jurisdiction, year=2024, requested_by=user)
    return services.entitlement_batch_run(batch_id=batch.pk)


def test_a_rerun_with_the_same_result_keeps_the_review(computed, yuxian_clerk, jurisdictions):
    before = Entitlement.objects.get(pk=computed.pk)

    batch = run_batch(yuxian_clerk, jurisdictions["yuxian"])

    row = Entitlement.objects.get(pk=computed.pk)
    assert row.status == EntitlementStatus.REVIEWED
    assert (row.reviewed_by, row.reviewed_at, row.computed_at) == (yuxian_clerk, before.reviewed_at, before.computed_at)
    assert "review_reset" not in batch.counts


def test_a_rerun_that_changes_a_reviewed_result_sends_it_back_for_a_new_review(computed, yuxian_clerk,
                                                                               jurisdictions, enterprises):
    """The entry date was recorded wrong: the review vouched for another decision."""
    ScaleEvent.objects.filter(enterprise=enterprises["yu_gxj"]).update(occurred_on=date(2024, 6, 1))

    batch = run_batch(yuxian_clerk, jurisdictions["yuxian"])

    row = Entitlement.objects.get(pk=computed.pk)
    assert row.status == EntitlementStatus.PENDING
    assert row.reviewed_by is None and row.reviewed_at is None
    assert row.reference_date == date(2024, 6, 1)
    assert "原初审已撤销" in row.recompute_note
    assert batch.counts["review_reset"] == 1
    assert row.history.filter(status="reviewed", reviewed_by=yuxian_clerk).exists()  # who reviewed is kept

    # A new review clears the note.
    services.entitlements_review(user=yuxian_clerk, ids=[row.pk])
    assert Entitlement.objects.get(pk=row.pk).recompute_note == ""


def test_a_rerun_that_only_rewords_the_reason_keeps_the_review(computed, yuxian_clerk, jurisdictions):
    right = Entitlement.objects.get(pk=computed.pk).reason
    Entitlement.objects.filter(pk=computed.pk).update(reason="旧的说明文字")

    run_batch(yuxian_clerk, jurisdictions["yuxian"])

    row = Entitlement.objects.get(pk=computed.pk)
    assert row.status == EntitlementStatus.REVIEWED and row.reviewed_by == yuxian_clerk
    assert row.reason == right


def test_a_reviewed_entitlement_no_longer_owed_is_withdrawn_with_its_review_undone(computed, yuxian_clerk,
                                                                                   jurisdictions, enterprises):
    enterprises["yu_gxj"].scale_events.all().delete()  # the entry was recorded by mistake

    run_batch(yuxian_clerk, jurisdictions["yuxian"])

    row = Entitlement.objects.get(pk=computed.pk)
    assert row.status == EntitlementStatus.WITHDRAWN and row.reviewed_by is None
    assert "原初审已撤销" in row.recompute_note


def test_a_rerun_never_touches_an_approved_entitlement(computed, yuxian_clerk, yuxian_chief, jurisdictions,
                                                       enterprises):
    services.entitlements_approve(user=yuxian_chief, ids=[computed.pk])
    ScaleEvent.objects.filter(enterprise=enterprises["yu_gxj"]).update(occurred_on=date(2024, 6, 1))

    run_batch(yuxian_clerk, jurisdictions["yuxian"])

    row = Entitlement.objects.get(pk=computed.pk)
    assert row.status == EntitlementStatus.APPROVED and row.reference_date == date(2024, 12, 1)
    assert (row.reviewed_by, row.approved_by) == (yuxian_clerk, yuxian_chief)
    assert "不一致" in row.recompute_note


# -- the ledger page ---------------------------------------------------------------------

def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_the_page_says_how_many_rows_were_left_alone_and_why(client, reviewed, ledger, yuxian_clerk):
    client.force_login(yuxian_clerk)

    response = client.post(reverse("incentives:review"), {"action": "approve", "ids": [*pks(reviewed),
                                                                                       ledger["yu_other"].pk]},
                           follow=True)

    assert messages_of(response) == ["已审批0条", "3条由您初审，须由他人审批", "1条状态不符，未处理"]
    assert statuses(reviewed) == [EntitlementStatus.REVIEWED] * 3


def test_each_step_through_the_page_and_each_person_on_the_row(client, ledger, yuxian_clerk, yuxian_chief,
                                                              yuxian_finance, enterprise_user):
    ids = pks(ledger["yu"])
    for user, action, said in ((yuxian_clerk, "review", "已初审3条"), (yuxian_chief, "approve", "已审批3条"),
                               (yuxian_finance, "paid", "已登记拨付3条")):
        client.force_login(user)
        response = client.post(reverse("incentives:review"), {"action": action, "ids": ids, "paid_on": "2025-03-01"},
                               follow=True)
        assert messages_of(response) == [said]
    assert statuses(ledger["yu"]) == [EntitlementStatus.PAID] * 3

    html = client.get(reverse("incentives:ledger")).content.decode()
    signoff = html.split(f'data-testid="signoff-{ids[0]}">')[1].split("</span>")[0]
    row = Entitlement.objects.get(pk=ids[0])
    local = timezone.localtime
    assert f"初审：xiaowang {local(row.reviewed_at):%Y-%m-%d %H:%M}" in signoff  # no full name: the user name
    assert f"审批：陈刚 {local(row.approved_at):%Y-%m-%d %H:%M}" in signoff
    assert f"拨付登记：周丽 {local(row.paid_at):%Y-%m-%d %H:%M}" in signoff

    client.force_login(enterprise_user)  # the enterprise sees its status, not the officials
    html = client.get(reverse("incentives:ledger")).content.decode()
    assert "已拨付" in html and "陈刚" not in html and "周丽" not in html


def test_the_payment_button_is_offered_to_finance_and_where_staff_may_record_payment(
        client, ledger, jurisdictions, yuxian_clerk, yuxian_finance, yangquan_leader):
    def page_of(user):
        client.force_login(user)
        return client.get(reverse("incentives:ledger")).content.decode()

    finance = page_of(yuxian_finance)
    assert 'data-testid="pay"' in finance and 'data-testid="review"' not in finance
    assert 'data-testid="batch-form"' not in finance and 'name="ids"' in finance
    clerk = page_of(yuxian_clerk)
    assert 'data-testid="pay"' not in clerk and 'data-testid="review"' in clerk and 'data-testid="approve"' in clerk
    assert "拨付由财政拨付人员登记。" in clerk

    jurisdictions["yuxian"].staff_may_record_payment = True
    jurisdictions["yuxian"].save()
    clerk = page_of(yuxian_clerk)
    assert 'data-testid="pay"' in clerk and "拨付由财政拨付人员或未参与初审、审批的中心工作人员登记。" in clerk

    jurisdictions["yuxian"].duty_separation = False
    jurisdictions["yuxian"].save()
    assert "本区域未开启职责分离" in page_of(yuxian_clerk)

    leader = page_of(yangquan_leader)
    assert 'name="ids"' not in leader and 'data-testid="pay"' not in leader


def test_a_leader_posting_a_payment_is_refused(client, approved, yangquan_leader):
    client.force_login(yangquan_leader)
    response = client.post(reverse("incentives:review"), {"action": "paid", "ids": pks(approved),
                                                          "paid_on": "2025-03-01"})
    assert response.status_code == 403
    assert statuses(approved) == [EntitlementStatus.APPROVED] * 3


@pytest.mark.parametrize("paid_on,said", [("", "请填写拨付日期"), ("2025-13-45", "拨付日期：")])
def test_a_payment_without_a_good_date_says_so(client, approved, yuxian_finance, paid_on, said):
    client.force_login(yuxian_finance)
    response = client.post(reverse("incentives:review"), {"action": "paid", "ids": pks(approved), "paid_on": paid_on},
                           follow=True)
    assert any(text.startswith(said) for text in messages_of(response))
    assert statuses(approved) == [EntitlementStatus.APPROVED] * 3


def test_finance_downloads_the_list_it_pays_from_with_each_person(client, approved, yuxian_finance):
    from io import BytesIO

    from openpyxl import load_workbook
    services.entitlements_mark_paid(user=yuxian_finance, ids=pks(approved[:1]), paid_on=PAID_ON)
    client.force_login(yuxian_finance)

    response = client.get(reverse("incentives:export"), {"status": "paid"})

    assert response.status_code == 200
    header, *lines = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert header[10:14] == ("初审人", "审批人", "拨付登记人", "拨付日期")
    assert [line[10:13] for line in lines] == [("xiaowang", "陈刚", "周丽")]


# -- the API reads the sign-off and writes nothing --------------------------------------

def test_the_api_shows_the_steps_and_has_no_way_to_sign(approved, yuxian_chief, yuxian_finance):
    services.entitlements_mark_paid(user=yuxian_finance, ids=pks(approved[:1]), paid_on=PAID_ON)
    client = APIClient()
    client.force_authenticate(yuxian_chief)

    data = client.get(reverse("entitlement-list"), {"status": "paid"}).json()

    assert data["count"] == 1
    row = data["results"][0]
    assert row["status"] == "paid" and row["paid_on"] == "2025-03-01"
    assert row["reviewed_at"] and row["approved_at"] and row["paid_at"]
    assert client.get(reverse("entitlement-list"), {"status": "reviewed"}).json()["count"] == 0
    detail = reverse("entitlement-detail", args=[approved[1].pk])
    for method in ("post", "put", "patch", "delete"):
        url = reverse("entitlement-list") if method == "post" else detail
        assert getattr(client, method)(url, {"status": "paid"}, format="json").status_code == 405
    assert Entitlement.objects.get(pk=approved[1].pk).status == EntitlementStatus.APPROVED
