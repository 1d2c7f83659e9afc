"""The one-book ledger's ETag fingerprint: on PostgreSQL a query compiled once (issue 14), giving
exactly what the ORM query it was compiled from gives, and scoped like every other read."""
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from enterprises.api import conditional
from enterprises.models import MonthlyFigure

pytestmark = pytest.mark.django_db


def test_the_compiled_fingerprint_equals_the_orm_one_and_moves_with_the_book(enterprises, yuxian_clerk,
                                                                              xiaoyi_clerk):
    enterprise = enterprises["yu_gxj"]
    MonthlyFigure.objects.create(enterprise=enterprise, year=2025, month=1, revenue=Decimal("100"),
                                 reported_at=datetime(2025, 2, 1, tzinfo=ZoneInfo("Asia/Shanghai")))
    row, last_change = conditional.ledger_state(yuxian_clerk, enterprise.pk)
    annotations = conditional._annotations()
    expected = (type(enterprise).objects.filter(pk=enterprise.pk).annotate(**annotations)
                .values("updated_at", *conditional.BOOK_UNITS, *annotations).get())
    assert row == expected and row["monthly_figures_n"] == 1 and last_change is not None
    MonthlyFigure.objects.create(enterprise=enterprise, year=2025, month=2, revenue=Decimal("100"),
                                 reported_at=datetime(2025, 3, 1, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert conditional.ledger_state(yuxian_clerk, enterprise.pk)[0]["monthly_figures_n"] == 2
    # Out of scope, missing or not a number: None, as for the ORM query (the view answers 404).
    assert conditional.ledger_state(xiaoyi_clerk, enterprise.pk) is None
    assert conditional.ledger_state(yuxian_clerk, 10**9) is None
    assert conditional.ledger_state(yuxian_clerk, 10**12) is None
    assert conditional.ledger_state(yuxian_clerk, "x") is None
