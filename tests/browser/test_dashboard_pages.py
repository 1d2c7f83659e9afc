"""The dashboard in a real browser on a phone: a leader logs in, lands on it, reads the
net-increase table and a chart, and follows a figure to the list behind it.

Screenshots are written to $PHONE_SCREENSHOTS when that is set, to look at."""
import os
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone

from enterprises.models import ScaleEvent
from monitoring.models import Target
from monitoring.services import previous_period

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def period_figures(make_enterprise, departments, jurisdictions):
    """Entries and an exit in 盂县 within the dashboard's default period (the last month ended)."""
    year, month = previous_period(timezone.localdate())
    made = []
    for i, town in enumerate(["xiushui", "xiushui", "nanlou"]):
        enterprise = make_enterprise(f"盂县东方红耐火材料科技发展有限责任公司第{i + 1}厂", town, departments["yuxian_gxj"])
        ScaleEvent.objects.create(enterprise=enterprise, kind="first_entry", occurred_on=date(year, month, 1),
                                  name_at_event=enterprise.name)
        made.append(enterprise)
    ScaleEvent.objects.create(enterprise=made[2], kind="exit", occurred_on=date(year, month, 2),
                              name_at_event=made[2].name)
    Target.objects.create(year=year, value=8, jurisdiction=jurisdictions["yuxian"], citation="盂促企组办发[2024]1号 二")
    return made


def test_a_leader_on_a_phone_lands_on_the_dashboard_and_follows_a_figure(page, yangquan_leader, period_figures):
    page.set_viewport_size(PHONE)
    page.goto("/accounts/login/")
    page.fill("#id_username", yangquan_leader.username)
    page.fill("#id_password", "pw-" + yangquan_leader.username)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")  # the menu is folded on a phone: the page itself says where we are
    assert page.locator("[data-testid=dashboard-title]").inner_text().startswith("阳泉市工作看板")
    table = page.locator("[data-testid=units-jurisdiction]")
    assert table.is_visible()
    row = table.locator("tbody tr", has_text="盂县")
    assert row.locator("[data-testid=unit-net]").inner_text().strip() == "2"
    chart = page.locator("[data-testid=chart-net] svg")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert 300 < box["width"] <= PHONE["width"] and box["height"] > 80
    assert "盂县" in chart.inner_html()
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= PHONE["width"], f"the dashboard is {widths[0]} px wide on a phone"
    if os.environ.get("PHONE_SCREENSHOTS"):
        Path(os.environ["PHONE_SCREENSHOTS"]).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(os.environ["PHONE_SCREENSHOTS"]) / "dashboard.png"), full_page=True)

    entries = row.locator("[data-testid=unit-entries]")
    shown = int(entries.inner_text())
    assert shown == 3
    entries.click()
    page.wait_for_url("**/enterprises/**")
    assert page.locator("[data-testid=enterprise-table] tbody tr").count() == shown
    assert page.locator("[data-testid=carried-filter]").is_visible()
    assert f"共 {shown} 户企业" in page.content()


def test_the_dashboard_page_raises_no_csp_violation(page, login, yuxian_clerk, period_figures):
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    login(yuxian_clerk)
    page.goto("/dashboard/")
    assert page.locator("[data-testid=chart-monthly] svg").is_visible()
    assert violations == []
