"""A small populated world for the security probe: every enterprise of the shared
fixtures has figures, a pool stay, an entitlement and one record of each kind
(recognition, listing, refinancing, attestation, contact), so a leak of any kind
of row shows up as a foreign name or id in a response."""
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from enterprises.models import (
    AnnualAttestation,
    Contact,
    FigureCorrectionRequest,
    ListingMilestone,
    MonthlyFigure,
    PoolMembership,
    Recognition,
    Refinancing,
)
from incentives.models import Entitlement
from monitoring.models import EarlyWarning, Target
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
        Recognition.objects.create(enterprise=enterprise, kind="tech_sme", valid_from=date(2025, 1, 1))
        ListingMilestone.objects.create(enterprise=enterprise, board="neeq", stage="listed", reached_on=date(2025, 3, 1))
        Refinancing.objects.create(enterprise=enterprise, raised_on=date(2025, 8, 1), amount=Decimal("5000000"),
                                   local_investment_share=Decimal("0.85"))
        AnnualAttestation.objects.create(enterprise=enterprise, year=2025, development_sound=True)
        Contact.objects.create(enterprise=enterprise, name="probe", phone="0353-1234567", is_primary=True)
        EarlyWarning.objects.create(enterprise=enterprise, kind="exit_risk", year=2025, month=6, severity="high",
                                    rule="probe", evidence={}, opened_at=timezone.now())
        Target.objects.create(jurisdiction=enterprise.jurisdiction, year=2025, value=3, citation="probe")
    return enterprises
