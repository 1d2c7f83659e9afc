"""incentives 0002 + 0003: the one-step sign-off of existing rows spread over the new steps.

Before it, one click moved an entitlement and left the clicking user in reviewed_by/at:
the approver of an approved row, the payer of a paid row (payment overwrote the approver),
whoever rejected a rejected row."""
from datetime import date, datetime, timezone as tz
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from incentives.models import Entitlement
from policies.models import IncentiveRule

BEFORE = [("incentives", "0001_initial")]
AFTER = [("incentives", "0003_entitlement_signoff_existing_rows")]
T1, T2, T3 = (datetime(2025, 3, day, 9, tzinfo=tz.utc) for day in (1, 2, 3))


@pytest.mark.django_db(transaction=True)
def test_existing_rows_keep_who_did_what(enterprises, policies_loaded, yuxian_clerk, yuxian_chief, yuxian_finance):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        _old_rows_then_migrate(executor, enterprises, yuxian_clerk, yuxian_chief, yuxian_finance)
    finally:  # whatever happens, leave the schema as every other test expects it
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _old_rows_then_migrate(executor, enterprises, clerk, chief, finance):
    apps = executor.loader.project_state(BEFORE).apps
    Old = apps.get_model("incentives", "Entitlement")
    OldHistory = apps.get_model("incentives", "HistoricalEntitlement")
    rules = list(IncentiveRule.objects.order_by("pk").values_list("pk", flat=True)[:5])

    def old(rule, status, **fields):
        return Old.objects.create(enterprise_id=enterprises["yu_gxj"].pk, rule_id=rule, year=2024, status=status,
                                  amount=Decimal("100000"), payers=[], citation="c", reason="r", rule_version="v",
                                  computed_at=T1, **fields)

    pending = old(rules[0], "pending_review")
    approved = old(rules[1], "approved", reviewed_by_id=chief.pk, reviewed_at=T2)
    rejected = old(rules[2], "rejected", reviewed_by_id=clerk.pk, reviewed_at=T2, rejection_reason="材料不全")
    paid = old(rules[3], "paid", reviewed_by_id=finance.pk, reviewed_at=T3, paid_on=date(2025, 3, 3))
    paid_unknown = old(rules[4], "paid", reviewed_by_id=finance.pk, reviewed_at=T3, paid_on=date(2025, 3, 3))
    # The paid row's history still knows who approved it (the other paid row has none).
    fields = {f.attname: getattr(paid, f.attname) for f in Old._meta.concrete_fields}
    OldHistory.objects.create(**{**fields, "status": "approved", "reviewed_by_id": chief.pk, "reviewed_at": T2,
                                 "paid_on": None}, history_date=T2, history_type="~", history_user_id=chief.pk)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    def now(row):  # today's model, less the columns later migrations add
        return Entitlement.objects.defer("payment_reference").get(pk=row.pk)

    assert (now(pending).reviewed_by, now(pending).approved_by) == (None, None)
    row = now(approved)  # one person approved in one step: the approval, and the review it included
    assert (row.status, row.approved_by, row.approved_at, row.reviewed_by) == ("approved", chief, T2, chief)
    row = now(rejected)  # a rejection, not a review
    assert (row.rejected_by, row.rejected_at, row.reviewed_by, row.reviewed_at) == (clerk, T2, None, None)
    row = now(paid)  # the payer from the row, the approver from the history
    assert (row.paid_by, row.paid_at, row.approved_by, row.approved_at) == (finance, T3, chief, T2)
    assert row.reviewed_by == chief
    row = now(paid_unknown)  # no history: the approver is unknown, never guessed
    assert (row.paid_by, row.approved_by, row.reviewed_by) == (finance, None, None)

    # And back: one step again, holding the last act.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Old = apps.get_model("incentives", "Entitlement")
    assert Old.objects.get(pk=paid.pk).reviewed_by_id == finance.pk
    assert Old.objects.get(pk=rejected.pk).reviewed_by_id == clerk.pk
    assert Old.objects.get(pk=approved.pk).reviewed_by_id == chief.pk
