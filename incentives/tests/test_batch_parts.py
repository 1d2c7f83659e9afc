"""免申即享 over many enterprises, split into parts that Celery workers compute in parallel (issue 14)."""
import threading
from datetime import date

import pytest
from django.test import TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from incentives import services
from incentives.models import Entitlement, EntitlementBatch

from .test_ledger import yuxian_entrants  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def run(jurisdiction, year=2024, user=None):
    """Run a batch; its parts are sent when the split commits, so inside the test's transaction the
    commit callbacks (and the ones they add) run as the commit would."""
    batch = EntitlementBatch.objects.create(jurisdiction=jurisdiction, year=year, requested_by=user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.entitlement_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def ledger():
    return sorted(Entitlement.objects.values_list("enterprise_id", "rule__key", "amount", "citation", "reason",
                                                  "status"))


def test_a_large_batch_is_split_and_writes_what_one_piece_writes(yuxian_entrants, jurisdictions, settings,
                                                                  yuxian_clerk):
    whole = run(jurisdictions["yuxian"])
    assert not whole.parts.exists() and whole.status == "finished"
    in_one_piece = ledger()
    Entitlement.history.all().delete()
    Entitlement.objects.all().delete()

    settings.BATCH_PART_ENTERPRISES = 1  # 秀水镇 and 南娄镇 each a part
    batch = run(jurisdictions["yuxian"], user=yuxian_clerk)
    parts = list(batch.parts.order_by("pk"))
    assert batch.status == "finished" and len(parts) == 2 and [p.status for p in parts] == ["finished"] * 2
    assert sorted(j for p in parts for j in p.scope) == sorted([jurisdictions["xiushui"].pk,
                                                                jurisdictions["nanlou"].pk])
    assert ledger() == in_one_piece
    assert batch.enterprises == 2 and batch.counts == {
        key: sum(p.counts.get(key, 0) for p in parts) for key in batch.counts}
    assert batch.counts["created"] == len(in_one_piece)
    # Rerun: every part finds its rows unchanged.
    again = run(jurisdictions["yuxian"], user=yuxian_clerk)
    assert ledger() == in_one_piece and again.counts["unchanged"] == len(in_one_piece)


def test_a_failed_part_fails_the_batch_naming_its_jurisdiction_and_the_other_part_is_written(
        yuxian_entrants, jurisdictions, settings, monkeypatch):
    settings.BATCH_PART_ENTERPRISES = 1
    original = services._compute_and_write

    def fails_in_nanlou(batch):
        if batch.scope == [jurisdictions["nanlou"].pk]:
            raise ValueError("南娄镇的数据坏了")
        return original(batch)

    monkeypatch.setattr(services, "_compute_and_write", fails_in_nanlou)
    batch = EntitlementBatch.objects.create(jurisdiction=jurisdictions["yuxian"], year=2024)
    with pytest.raises(ValueError), TestCase.captureOnCommitCallbacks(execute=True):
        services.entitlement_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == "failed" and batch.error.startswith("南娄镇：") and "南娄镇的数据坏了" in batch.error
    assert Entitlement.objects.filter(enterprise=yuxian_entrants["yu_gxj"]).exists()  # 秀水镇's part committed
    assert not Entitlement.objects.filter(enterprise=yuxian_entrants["yu_other"]).exists()


def test_a_redelivered_message_for_a_split_batch_does_nothing(yuxian_entrants, jurisdictions, settings):
    settings.BATCH_PART_ENTERPRISES = 1
    batch = run(jurisdictions["yuxian"])
    before = (ledger(), EntitlementBatch.objects.count())
    with TestCase.captureOnCommitCallbacks(execute=True) as sent:
        services.entitlement_batch_run(batch_id=batch.pk)
    assert (ledger(), EntitlementBatch.objects.count(), sent) == (*before, [])


def test_the_page_and_the_api_list_the_batch_not_its_parts(yuxian_entrants, jurisdictions, settings, client,
                                                           yuxian_clerk, api_client_user):
    settings.BATCH_PART_ENTERPRISES = 1
    batch = run(jurisdictions["yuxian"], user=yuxian_clerk)
    assert batch.parts.count() == 2
    api = APIClient()
    api.force_authenticate(api_client_user)
    listed = api.get("/api/v1/entitlement-batches/").json()
    assert [row["id"] for row in listed["results"]] == [batch.pk]
    client.force_login(yuxian_clerk)
    page = client.get(reverse("incentives:ledger")).context
    assert [b.pk for b in page["batches"]] == [batch.pk]


@pytest.mark.django_db(transaction=True)
def test_two_parts_write_side_by_side_without_locking_the_rules(yuxian_entrants, jurisdictions, make_enterprise,
                                                                yuxian_clerk):
    """A part holding its write transaction open does not hold up another part owed under the same
    rules: it locks its own entitlements, not the rule rows its ledger joins (two parts of a
    province once deadlocked on those)."""
    from django.db import connection, transaction

    from enterprises import services as registry
    from monitoring.tests.test_check_runs import in_threads

    twin = make_enterprise("盂县南娄新材料有限公司", "nanlou", size_class="small")  # owed what 秀水镇's is
    registry.scale_event_record(user=yuxian_clerk, enterprise=twin, kind="first_entry", on=date(2024, 12, 1))
    services.entitlement_batch_run(batch_id=EntitlementBatch.objects.create(
        jurisdiction=jurisdictions["yuxian"], year=2024).pk)
    shared = set(Entitlement.objects.filter(enterprise=yuxian_entrants["yu_gxj"]).values_list("rule", flat=True))
    assert shared & set(Entitlement.objects.filter(enterprise=twin).values_list("rule", flat=True))
    part_a = EntitlementBatch.objects.create(jurisdiction=jurisdictions["yuxian"], year=2024,
                                             scope=[jurisdictions["xiushui"].pk])
    part_b = EntitlementBatch.objects.create(jurisdiction=jurisdictions["yuxian"], year=2024,
                                             scope=[jurisdictions["nanlou"].pk])
    a_holds, b_done = threading.Event(), threading.Event()

    def a():
        try:
            with transaction.atomic():
                services._compute_and_write(part_a)  # its locks taken, its transaction left open …
                a_holds.set()
                b_done.wait(timeout=15)              # … until B has finished (or given up waiting)
            return "a"
        finally:
            a_holds.set()

    def b():
        a_holds.wait(timeout=15)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '5s'")  # held up by A: a lock timeout, not a hang
            return services.entitlement_batch_run(batch_id=part_b.pk).status
        finally:
            b_done.set()

    assert in_threads(a, b) == ["a", "finished"]
