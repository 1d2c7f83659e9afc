"""The monthly dispatch report in a real browser on a phone: a leader opens the dashboard, goes on to
the month's report and downloads its PDF, whose text carries the same figures and names."""
import subprocess
from datetime import date

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from enterprises.models import ScaleEvent
from monitoring.models import Target
from monitoring.services import previous_period

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def month_events(make_enterprise, departments, jurisdictions):
    year, month = previous_period(timezone.localdate())
    made = [make_enterprise(name, town, departments["yuxian_gxj"])
            for name, town in [("盂县宏达耐火材料有限公司", "xiushui"), ("盂县晋阳铸造有限公司", "nanlou")]]
    for enterprise in made:
        ScaleEvent.objects.create(enterprise=enterprise, kind="first_entry", occurred_on=date(year, month, 1),
                                  name_at_event=enterprise.name)
    ScaleEvent.objects.create(enterprise=made[1], kind="exit", occurred_on=date(year, month, 3),
                              name_at_event=made[1].name)
    Target.objects.create(year=year, value=8, jurisdiction=jurisdictions["yuxian"], citation="盂促企组办发[2024]1号 二")
    return made


def test_a_leader_on_a_phone_opens_the_months_report_and_downloads_its_pdf(page, yangquan_leader, month_events,
                                                                         tmp_path):
    year, month = previous_period(timezone.localdate())
    page.set_viewport_size(PHONE)
    page.goto("/accounts/login/")
    page.fill("#id_username", yangquan_leader.username)
    page.fill("#id_password", "pw-" + yangquan_leader.username)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")
    page.click("[data-testid=dispatch-link]")
    page.wait_for_url(f"**/reports/140300/{year}/{month}/")
    assert page.locator("[data-testid=dispatch-title]").inner_text().startswith("阳泉市小升规工作月度调度")
    assert page.locator("[data-testid=dispatch-draft]").is_visible()
    assert page.locator("[data-testid=dispatch-issue]").count() == 0  # leaders read only
    figures = page.locator("[data-testid=dispatch-figures]")
    assert figures.locator("[data-figure=entries_month]").inner_text().strip() == "2"
    assert figures.locator("[data-figure=exits_month]").inner_text().strip() == "1"
    assert "盂县宏达耐火材料有限公司" in page.locator("[data-testid=dispatch-entries]").inner_text()
    assert "盂县晋阳铸造有限公司" in page.locator("[data-testid=dispatch-exits]").inner_text()
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= PHONE["width"], f"the report is {widths[0]} px wide on a phone"

    with page.expect_download() as download_info:
        page.click("[data-testid=dispatch-pdf]")
    download = download_info.value
    assert download.suggested_filename == f"dispatch-140300-{year}-{month:02d}-draft.pdf"
    path = tmp_path / "report.pdf"
    download.save_as(str(path))
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert f"阳泉市小升规工作月度调度 · {year}年{month}月" in text
    assert "本月入规 2" in text and "本月退规 1" in text and "本年净增 1" in text
    assert "盂县宏达耐火材料有限公司" in text and "盂县晋阳铸造有限公司" in text and "盂县" in text

    # The named lists in full, for the clerk who works in Excel (the page and the PDF cap long ones).
    with page.expect_download() as download_info:
        page.click("[data-testid=dispatch-xlsx]")
    download = download_info.value
    assert download.suggested_filename == f"dispatch-140300-{year}-{month:02d}-lists.xlsx"
    path = tmp_path / "lists.xlsx"
    download.save_as(str(path))
    book = load_workbook(path)
    assert [row[0] for row in book["本月入规企业"].iter_rows(min_row=2, values_only=True)] == [
        "盂县宏达耐火材料有限公司", "盂县晋阳铸造有限公司"]
    assert [row[0] for row in book["本月退规企业"].iter_rows(min_row=2, values_only=True)] == ["盂县晋阳铸造有限公司"]
