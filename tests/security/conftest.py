"""A small populated world for the security probe: every enterprise of the shared
fixtures has figures, a pool stay and an entitlement, so a leak of any kind of
row shows up as a foreign name or id in a response."""
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from enterprises.models import FigureCorrectionRequest, MonthlyFigure, PoolMembership
from incentives.models import Entitlement
from monitoring.models import EarlyWarning
from policies.models import IncentiveRule

NONEXISTENT_ID = 987654321


@pytest.fixture
def world(enterprises, policies_loaded, all_personas, admin_user):
    rule = IncentiveRule.objects.order_by("pk").first()
    for enterprise in enterprises.values():
        MonthlyFigure.objects.create(enterprise=enterprise, year=2025, month=6, revenue=Decimal("630000"),
                                     reported_at=timezone.now())
        PoolMembership.objects.create(enterprise=enterprise, pool="reserve", entered_on=date(2025, 1, 1),
                                      entry_reason="probe")
        Entitlement.objects.create(enterprise=enterprise, rule=rule, year=2025, amount=Decimal("100000"),
                                   citation="probe", reason="probe", rule_version="probe",
                                   computed_at=timezone.now())
        FigureCorrectionRequest.objects.create(enterprise=enterprise, year=2025, month=6,
                                               proposed={"revenue": "999990000"}, reason="probe",
                                               requested_at=timezone.now())
        EarlyWarning.objects.create(enterprise=enterprise, kind="exit_risk", year=2025, month=6, severity="high",
                                    rule="probe", evidence={}, opened_at=timezone.now())
    return enterprises
