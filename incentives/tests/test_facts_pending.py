"""A record an award depends on changes in the registry → the ledger says the
entitlement awaits the next 免申即享 batch, until a batch of its year covering the
enterprise has run; the enterprise's own page says so too."""
from datetime import date

import pytest
from django.urls import reverse

from enterprises import records, selectors as registry_selectors
from enterprises import services as registry
from incentives import services
from incentives.models import Entitlement
from incentives.selectors import with_facts_pending

pytestmark = pytest.mark.django_db

NOTE = "事实已变更，待下次免申即享批次重算"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(registry_selectors, "today", lambda: date(2026, 11, 23))


@pytest.fixture
def entrant(policies_loaded, yuxian_clerk, enterprises):
    """盂县耐火材料 entered scale on 2024-12-01; the 2024 and 2025 batches have run."""
    enterprise = enterprises["yu_gxj"]
    registry.scale_event_record(user=yuxian_clerk, enterprise=enterprise, kind="first_entry", on=date(2024, 12, 1))
    for year in (2024, 2025):
        run_batch(yuxian_clerk, enterprise.jurisdiction.parent, year)
    assert Entitlement.objects.filter(enterprise=enterprise, year=2024).exists()
    assert Entitlement.objects.filter(enterprise=enterprise, year=2025).exists()
    return enterprise


def run_batch(user, jurisdiction, year):
    batch = services.entitlement_batch_request(user=user, jurisdiction=jurisdiction, year=year)
    return services.entitlement_batch_run(batch_id=batch.pk)


def pending(enterprise) -> dict[int, set[bool]]:
    out = {}
    for row in with_facts_pending(Entitlement.objects.filter(enterprise=enterprise)):
        out.setdefault(row.year, set()).add(row.facts_pending)
    return out


def add_recognition(user, enterprise):
    return records.record_create(user=user, enterprise=enterprise, kind="recognition",
                                 values={"kind": "provincial_srdi", "valid_from": date(2025, 3, 1)})


def test_nothing_is_pending_once_the_batch_has_seen_the_facts(entrant):
    # The entry itself was a changed fact, recorded before the batches ran.
    assert pending(entrant) == {2024: {False}, 2025: {False}}


def test_a_changed_record_marks_every_entitlement_of_the_enterprise_until_its_years_batch(
        entrant, yuxian_clerk, enterprises):
    add_recognition(yuxian_clerk, entrant)
    assert pending(entrant) == {2024: {True}, 2025: {True}}
    assert pending(enterprises["yu_other"]) == {}  # another enterprise's facts did not change
    run_batch(yuxian_clerk, entrant.jurisdiction.parent, 2024)
    assert pending(entrant) == {2024: {False}, 2025: {True}}  # the 2025 rows wait for a 2025 batch
    run_batch(yuxian_clerk, entrant.jurisdiction.parent, 2025)
    assert pending(entrant) == {2024: {False}, 2025: {False}}


def test_only_a_batch_covering_the_enterprise_clears_the_mark(entrant, yuxian_clerk, xiaoyi_clerk, admin_user,
                                                             jurisdictions):
    add_recognition(yuxian_clerk, entrant)
    run_batch(xiaoyi_clerk, jurisdictions["xiaoyi"], 2024)  # another county
    assert pending(entrant)[2024] == {True}
    run_batch(admin_user, jurisdictions["yangquan"], 2024)  # the city above 盂县 covers it
    assert pending(entrant)[2024] == {False}


def test_the_mark_costs_no_query_per_row(entrant, yuxian_clerk, django_assert_num_queries):
    add_recognition(yuxian_clerk, entrant)
    with django_assert_num_queries(1):
        rows = list(with_facts_pending(Entitlement.objects.all()))
    assert len(rows) >= 2 and all(row.facts_pending for row in rows)


def test_the_ledger_and_the_decisions_page_show_the_mark_and_drop_it_after_the_batch(
        client, entrant, yuxian_clerk):
    client.force_login(yuxian_clerk)
    ledger = reverse("incentives:ledger") + "?year=2024"
    decisions = reverse("incentives:enterprise", args=[entrant.pk]) + "?year=2024"
    detail = reverse("enterprises:detail", args=[entrant.pk])
    assert NOTE not in client.get(ledger).content.decode()
    assert 'data-testid="facts-pending"' not in client.get(detail).content.decode()

    add_recognition(yuxian_clerk, entrant)
    row = Entitlement.objects.filter(enterprise=entrant, year=2024).first()
    html = client.get(ledger).content.decode()
    assert NOTE in html and f'data-testid="facts-pending-{row.pk}"' in html
    html = client.get(decisions).content.decode()
    assert NOTE in html and 'data-testid="facts-pending"' in html
    assert "将在下次免申即享批次中重新计算" in client.get(detail).content.decode()

    run_batch(yuxian_clerk, entrant.jurisdiction.parent, 2024)
    assert NOTE not in client.get(ledger).content.decode()
    html = client.get(decisions).content.decode()
    assert f'data-testid="facts-pending-{row.pk}"' not in html and 'data-testid="facts-pending"' not in html
    assert 'data-testid="facts-pending"' not in client.get(detail).content.decode()
    entrant.refresh_from_db()
    assert entrant.facts_evaluated_at >= entrant.facts_changed_at


def test_a_batch_stamps_only_the_enterprises_whose_facts_changed(entrant, yuxian_clerk, enterprises):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from enterprises.models import Enterprise

    changed, untouched = entrant, enterprises["yu_other"]
    Enterprise.objects.filter(pk=untouched.pk).update(facts_changed_at=None, facts_evaluated_at=None)
    add_recognition(yuxian_clerk, changed)
    with CaptureQueriesContext(connection) as queries:
        run_batch(yuxian_clerk, changed.jurisdiction.parent, 2024)
    changed.refresh_from_db()
    untouched.refresh_from_db()
    assert changed.facts_evaluated_at >= changed.facts_changed_at and not changed.facts_pending
    assert untouched.facts_evaluated_at is None and not untouched.facts_pending  # not rewritten: nothing to say
    stamps = [q["sql"] for q in queries.captured_queries if 'SET "facts_evaluated_at"' in q["sql"]]
    assert len(stamps) == 1 and '"facts_changed_at" IS NOT NULL' in stamps[0]
