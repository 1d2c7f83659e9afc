"""Ledger totals (/incentives/): count and 万元 by status and by payer for the filter
in force, checked against the rows; an amount left to the payer is counted apart,
never as zero; the review buttons with nothing ticked say so and do nothing."""
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from enterprises import services as registry
from incentives import services
from incentives.models import Entitlement, EntitlementStatus
from incentives.selectors import ledger_totals

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger_rows(policies_loaded, yuxian_clerk, yuxian_chief, jurisdictions, enterprises):
    """盂县 2024 computed; one row approved, one left to the payer (amount None)."""
    registry.scale_event_record(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], kind="first_entry",
                                on=date(2024, 12, 1))
    registry.scale_event_record(user=yuxian_clerk, enterprise=enterprises["yu_other"], kind="first_entry",
                                on=date(2023, 11, 20))
    for year in (2023, 2024):
        batch = services.entitlement_batch_request(user=yuxian_clerk, jurisdiction=jurisdictions["yuxian"], year=year)
        services.entitlement_batch_run(batch_id=batch.pk)
    rows = list(Entitlement.objects.order_by("pk"))
    assert len(rows) >= 3
    services.entitlements_review(user=yuxian_clerk, ids=[rows[0].pk])
    assert services.entitlements_approve(user=yuxian_chief, ids=[rows[0].pk]).done == 1
    Entitlement.objects.filter(pk=rows[1].pk).update(
        amount=None, payers=[{"payer": "阳泉市财政", "amount": None}, {"payer": "盂县财政", "amount": "20000.00"}])
    return list(Entitlement.objects.order_by("pk"))


def expected(rows, owed_only=True):
    """The totals worked out row by row, in Python."""
    by_status = defaultdict(lambda: [0, Decimal("0"), 0])
    by_payer = defaultdict(lambda: [0, Decimal("0"), 0])
    for row in rows:
        total = by_status[row.status]
        total[0] += 1
        if row.amount is None:
            total[2] += 1
        else:
            total[1] += row.amount
        if owed_only and row.status in (EntitlementStatus.REJECTED, EntitlementStatus.WITHDRAWN):
            continue
        for share in row.payers:
            total = by_payer[share["payer"]]
            total[0] += 1
            if share["amount"] is None:
                total[2] += 1
            else:
                total[1] += Decimal(share["amount"])
    return ({k: tuple(v) for k, v in by_status.items()}, {k: tuple(v) for k, v in by_payer.items()})


def as_dicts(totals):
    return ({t.key: (t.count, t.amount, t.undetermined) for t in totals.by_status},
            {t.key: (t.count, t.amount, t.undetermined) for t in totals.by_payer})


def test_the_totals_match_the_rows(ledger_rows):
    totals = ledger_totals(Entitlement.objects.all())

    assert as_dicts(totals) == expected(ledger_rows)
    assert totals.overall.count == len(ledger_rows)
    assert totals.overall.amount == sum(r.amount for r in ledger_rows if r.amount is not None)
    # the row set to no amount here and the awards the payer sets (issue 10 item 2), none as a zero
    assert totals.overall.undetermined == sum(r.amount is None for r in ledger_rows) > 1
    yangquan = next(t for t in totals.by_payer if t.key == "阳泉市财政")
    assert yangquan.undetermined == 1


def test_rejected_and_withdrawn_rows_are_owed_by_no_payer(ledger_rows, yuxian_clerk):
    services.entitlements_reject(user=yuxian_clerk, ids=[ledger_rows[2].pk], reason="材料不全")
    rows = list(Entitlement.objects.order_by("pk"))

    assert as_dicts(ledger_totals(Entitlement.objects.all())) == expected(rows, owed_only=True)
    rejected = Entitlement.objects.filter(status=EntitlementStatus.REJECTED)
    assert as_dicts(ledger_totals(rejected, payers_owed_only=False)) == expected(list(rejected), owed_only=False)


def test_the_page_shows_the_totals_of_the_filter_in_force(client, yuxian_clerk, ledger_rows,
                                                          django_assert_max_num_queries):
    client.force_login(yuxian_clerk)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("incentives:ledger"), {"year": 2024})

    rows = [r for r in ledger_rows if r.year == 2024]
    assert as_dicts(response.context["totals"]) == expected(rows)
    html = response.content.decode()
    assert 'data-testid="ledger-totals"' in html
    known = sum(r.amount for r in rows if r.amount is not None)
    undetermined = sum(r.amount is None for r in rows)
    assert f"共 {len(rows)} 条，已定金额合计 {known / 10000:,.2f} 万元" in html
    if undetermined:
        assert f"另有 {undetermined} 条应享但金额由出资方确定" in html

    approved = client.get(reverse("incentives:ledger"), {"status": "approved"}).context["totals"]
    assert [(t.key, t.count) for t in approved.by_status] == [("approved", 1)]
    assert approved.overall.amount == ledger_rows[0].amount


def test_the_totals_take_a_fixed_number_of_queries(client, yuxian_clerk, ledger_rows, make_enterprise, admin_user,
                                                   jurisdictions, django_assert_num_queries):
    for i in range(10):
        enterprise = make_enterprise(f"盂县企业{i}", "xiushui")
        registry.scale_event_record(user=admin_user, enterprise=enterprise, kind="first_entry", on=date(2024, 12, 1))
    batch = services.entitlement_batch_request(user=admin_user, jurisdiction=jurisdictions["yuxian"], year=2024)
    services.entitlement_batch_run(batch_id=batch.pk)
    assert Entitlement.objects.count() > 20

    with django_assert_num_queries(2):
        totals = ledger_totals(Entitlement.objects.all())
    assert as_dicts(totals) == expected(list(Entitlement.objects.all()))


@pytest.mark.parametrize("action", ["review", "approve", "reject", "paid"])
def test_a_review_with_nothing_ticked_asks_to_tick_and_does_nothing(client, yuxian_clerk, ledger_rows, action):
    client.force_login(yuxian_clerk)
    before = list(Entitlement.objects.order_by("pk").values_list("status", flat=True))

    response = client.post(reverse("incentives:review"),
                           {"action": action, "reason": "材料不全", "paid_on": "2025-03-01"}, follow=True)

    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert shown == [("error", "请先勾选要处理的记录")]
    assert "已处理" not in response.content.decode()
    assert list(Entitlement.objects.order_by("pk").values_list("status", flat=True)) == before
