"""The enterprise portal on a phone (issue 12): an invited owner sets its password, reports
a month (confirming a jump against the previous month), answers a warning; and another
enterprise's warning answers exactly like a missing one."""
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from enterprises import selectors, services
from enterprises.models import MonthlyFigure, User
from monitoring.models import Assistance, EarlyWarning

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PASSWORD = "Qiye-2026-mima!"


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def open_menu(page):
    toggle = page.locator("[data-testid=menu-toggle]")
    if toggle.is_visible():
        toggle.click()


@pytest.fixture
def september_and_a_warning(yuxian_clerk, enterprises):
    enterprise = enterprises["yu_gxj"]
    services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprise, year=2026, month=9,
                                   values={"revenue": Decimal("1000000")}, today=date(2026, 10, 5))
    own = EarlyWarning.objects.create(enterprise=enterprise, kind="exit_risk", year=2026, month=9, severity="high",
                                      rule="预计全年主营业务收入低于2000万元", evidence={}, opened_at=timezone.now())
    other = EarlyWarning.objects.create(enterprise=enterprises["yu_other"], kind="exit_risk", year=2026, month=9,
                                        severity="high", rule="他企预警", evidence={}, opened_at=timezone.now())
    return own, other


def test_an_invited_enterprise_sets_its_password_reports_a_month_and_answers_a_warning(
        browser, live_server, login, page, yuxian_clerk, enterprises, september_and_a_warning, monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: date(2026, 11, 5))  # October 2026 open until 11-10
    own, other = september_and_a_warning
    enterprise = enterprises["yu_gxj"]

    # The clerk invites from the enterprise's page and reads the link off the screen.
    login(yuxian_clerk)
    page.goto(f"/enterprises/{enterprise.pk}/")
    page.locator("[data-testid=invite-form] button[type=submit]").click()
    link = page.locator("[data-testid=invitation-link]").inner_text().strip()
    assert link.startswith(live_server.url + "/invite/")

    # The owner opens it on a phone.
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  base_url=live_server.url)
    context.set_default_timeout(15000)
    phone = context.new_page()
    phone.goto(link)
    form = phone.locator("[data-testid=invitation-accept-form]")
    assert form.locator("[name=username]").input_value() == enterprise.credit_code
    form.locator("[name=username]").fill("naihuo")
    form.locator("[name=password1]").fill(PASSWORD)
    form.locator("[name=password2]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    phone.wait_for_selector("[data-testid=portal-enterprise-name]")
    assert phone.locator("[data-testid=portal-enterprise-name]").inner_text() == "盂县耐火材料有限公司"
    assert User.objects.get(username="naihuo").enterprise == enterprise
    fits(phone)
    open_menu(phone)
    nav = phone.locator("[data-testid=portal-nav]")
    assert nav.is_visible() and "企业库" not in phone.locator("[data-testid=site-menu]").inner_text()

    # Reports October: 3.5 times September asks for confirmation first.
    nav.locator("[data-testid=nav-portal-figures]").click()
    fits(phone)
    assert "当前可直接填报：2026年10月（截止2026-11-10）" in phone.locator("[data-testid=portal-calendar]").inner_text()
    figure_form = phone.locator("[data-testid=portal-figure-form]")
    assert figure_form.locator("[name=year]").input_value() == "2026"
    assert figure_form.locator("[name=month]").input_value() == "10"
    figure_form.locator("[name=revenue]").fill("350")
    figure_form.locator("[name=employees]").fill("40")
    figure_form.locator("button[type=submit]").click()
    confirm = phone.locator("[data-testid=jump-confirm]")
    assert "变动超过3倍" in confirm.inner_text()
    assert not MonthlyFigure.objects.filter(month=10).exists()
    confirm.locator("[name=confirm_jump]").check()
    phone.locator("[data-testid=portal-figure-form] button[type=submit]").click()
    phone.wait_for_selector(".messages")
    assert "已保存2026年10月数据" in phone.locator(".messages").inner_text()
    assert "2026-10" in phone.locator("[data-testid=portal-figure-history]").inner_text()
    assert MonthlyFigure.objects.get(enterprise=enterprise, year=2026, month=10).revenue == Decimal("3500000.00")
    assert EarlyWarning.objects.filter(enterprise=enterprise, kind="integrity_jump", month=10).exists()
    fits(phone)

    # Answers its warning.
    open_menu(phone)
    phone.locator("[data-testid=nav-portal-warnings]").click()
    warnings = phone.locator("[data-testid=portal-warnings]")
    assert "他企预警" not in warnings.inner_text()
    warnings.get_by_role("link", name="退规风险").click()
    answer = phone.locator("[data-testid=warning-answer-form]")
    answer.locator("[name=answer]").fill("四季度新订单已签，预计营收回升")
    answer.locator("button[type=submit]").click()
    phone.wait_for_selector(".messages")
    assert "四季度新订单已签" in phone.locator("[data-testid=portal-assistance-log]").inner_text()
    entry = Assistance.objects.get()
    assert (entry.warning, entry.from_enterprise) == (own, True)
    fits(phone)

    # Another enterprise's warning, by changing the id, answers like a missing one.
    foreign = phone.goto(f"/my/warnings/{other.pk}/")
    missing = phone.goto("/my/warnings/987654321/")
    assert foreign.status == missing.status == 404
    assert "他企预警" not in phone.content()
    context.close()
