"""A world for the v1 read endpoints: every enterprise of the shared fixtures has one row of
each kind (scale event, records, a warning with assistance), and the jurisdictions have targets,
check runs, 免申即享 batches and issued dispatch reports, so a leak shows up as a foreign id."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from enterprises.models import (
    AnnualAttestation,
    ApiToken,
    Contact,
    ListingMilestone,
    Recognition,
    Refinancing,
    Role,
    ScaleEvent,
)
from incentives.models import EntitlementBatch
from monitoring.models import Assistance, CheckRun, EarlyWarning, Target
from reports import report_selectors
from reports.models import DispatchReport

NONEXISTENT_ID = 987654321


def enterprise_rows(enterprise, staff):
    """One row of every kind the enterprise owns."""
    ScaleEvent.objects.create(enterprise=enterprise, kind="first_entry", occurred_on=date(2024, 3, 1),
                              name_at_event=enterprise.name)
    Recognition.objects.create(enterprise=enterprise, kind="tech_sme", valid_from=date(2025, 1, 1))
    ListingMilestone.objects.create(enterprise=enterprise, board="neeq", stage="listed", reached_on=date(2025, 3, 1))
    Refinancing.objects.create(enterprise=enterprise, raised_on=date(2025, 8, 1), amount=Decimal("5000000"),
                               local_investment_share=Decimal("0.85"))
    AnnualAttestation.objects.create(enterprise=enterprise, year=2025, development_sound=True)
    Contact.objects.create(enterprise=enterprise, name="联系人", phone="0353-1234567", is_primary=True)
    warning = EarlyWarning.objects.create(enterprise=enterprise, kind="exit_risk", year=2025, month=6,
                                          severity="high", rule="probe", evidence={}, opened_at=timezone.now(),
                                          assignee=staff)
    for day in (1, 2):
        Assistance.objects.create(enterprise=enterprise, warning=warning, assisted_on=date(2025, 7, day), staff=staff,
                                  problems="订单下降", actions="走访")


def jurisdiction_rows(jurisdiction, data):
    """A target, a check run, a batch and an issued dispatch report of one jurisdiction."""
    Target.objects.create(jurisdiction=jurisdiction, year=2025, value=3, citation="probe")
    CheckRun.objects.create(jurisdiction=jurisdiction, year=2025, month=6, status="finished",
                            counts={"exit_risk": 1})
    EntitlementBatch.objects.create(jurisdiction=jurisdiction, year=2024, status="finished", counts={"created": 1})
    DispatchReport.objects.create(jurisdiction=jurisdiction, year=2025, month=6, data=data, pdf=b"%PDF-1.4 probe")


@pytest.fixture
def report_data(jurisdictions):
    yuxian = jurisdictions["yuxian"]
    return report_selectors.dispatch_data(user=report_selectors.system_reader(yuxian), jurisdiction=yuxian,
                                          year=2025, month=6).to_dict()


@pytest.fixture
def v1_world(enterprises, jurisdictions, departments, all_personas, report_data):
    staff = {"yu_gxj": all_personas["yuxian_clerk"], "yu_other": all_personas["yuxian_clerk"],
             "xiaoyi": all_personas["xiaoyi_clerk"]}
    for key, enterprise in enterprises.items():
        enterprise_rows(enterprise, staff[key])
    for key in ("yangquan", "yuxian", "xiushui", "xiaoyi", "lvliang", "pds"):
        jurisdiction_rows(jurisdictions[key], report_data)
    Target.objects.create(department=departments["yuxian_gxj"], year=2025, value=2)
    Target.objects.create(department=departments["xiaoyi_center"], year=2025, value=2)
    return enterprises


def token_client(user, scope="read"):
    _token, key = ApiToken.objects.create(user=user, expiry=timedelta(days=1), name="v1", scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api(all_personas):
    """A client for a persona: API clients call with a real token, the others with their session."""
    def as_user(name):
        user = all_personas[name]
        if user.role == Role.API_CLIENT:
            return token_client(user)
        client = APIClient()
        client.force_authenticate(user)
        return client
    return as_user
