"""A clerk's day in the registry, in a real browser."""
from datetime import date
from decimal import Decimal

import pytest

from enterprises import selectors, services
from enterprises.models import MonthlyFigure, PoolMembership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_box(page, testid):
    box = page.locator(f"[data-testid={testid}]")
    if not box.evaluate("el => el.open"):
        box.locator("summary").click()


def test_a_clerk_logs_in_and_sees_only_her_county(login, yuxian_clerk, enterprises):
    page = login(yuxian_clerk)
    table = page.locator("[data-testid=enterprise-table]")
    assert "盂县耐火材料有限公司" in table.inner_text()
    assert "孝义铝业有限公司" not in table.inner_text()
    assert "小王" in page.locator("[data-testid=current-user]").inner_text() or "xiaowang" in page.content()


def test_a_wrong_password_is_explained(page, yuxian_clerk):
    page.goto("/accounts/login/")
    page.fill("#id_username", yuxian_clerk.username)
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.content()


def test_another_countys_enterprise_is_not_found(login, page, xiaoyi_clerk, enterprises):
    login(xiaoyi_clerk)
    response = page.goto(f"/enterprises/{enterprises['yu_gxj'].pk}/")
    assert response.status == 404


def test_a_clerk_records_monthly_revenue_in_wan(login, yuxian_clerk, enterprises):
    page = login(yuxian_clerk)
    page.click("text=盂县耐火材料有限公司")
    open_box(page, "figure-form-box")
    form = page.locator("[data-testid=figure-form]")
    form.locator("[name=year]").fill("2024")
    form.locator("[name=month]").fill("3")
    form.locator("[name=revenue]").fill("185.5")
    form.locator("[name=electricity_kwh]").fill("42000")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages")
    assert "已保存2024年3月数据" in page.locator(".messages").inner_text()
    figure = MonthlyFigure.objects.get(enterprise=enterprises["yu_gxj"], year=2024, month=3)
    assert figure.revenue == Decimal("1855000.00")
    assert "185.50" in page.locator("[data-testid=figures-table]").inner_text()
    assert "2024年3月数据" in page.locator("[data-testid=audit-trail]").inner_text()


def test_a_clerk_moves_an_enterprise_to_the_reserve_pool_with_a_reason(login, yuxian_clerk, enterprises):
    page = login(yuxian_clerk)
    page.goto(f"/enterprises/{enterprises['yu_gxj'].pk}/")
    open_box(page, "pool-form-box")
    form = page.locator("[data-testid=pool-form]")
    form.locator("[name=pool]").select_option("reserve")
    form.locator("[name=on]").fill("2024-06-01")
    form.locator("[name=reason]").fill("2023年营收超过500万元")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages")
    assert page.locator("[data-testid=current-pool]").inner_text() == "储备库"
    assert "2023年营收超过500万元" in page.locator("[data-testid=pool-history]").inner_text()
    assert PoolMembership.objects.get(enterprise=enterprises["yu_gxj"]).entered_by == yuxian_clerk


def test_a_bad_credit_code_is_explained_on_the_form(login, yuxian_clerk, jurisdictions):
    page = login(yuxian_clerk)
    page.click("[data-testid=new-enterprise]")
    form = page.locator("[data-testid=enterprise-form]")
    form.locator("[name=credit_code]").fill("91350100M000100Y44")
    form.locator("[name=name]").fill("错码企业")
    form.locator("[name=jurisdiction]").select_option(label="秀水镇")
    form.locator("button[type=submit]").click()
    assert "校验码错误：第18位应为“3”，实际为“4”" in page.locator("[data-testid=error-credit_code]").inner_text()


def test_a_leader_reads_but_sees_no_edit_controls(login, yangquan_leader, enterprises):
    page = login(yangquan_leader)
    page.goto("/enterprises/")  # a leader lands on the dashboard (issue 11); the list is a menu click away
    assert page.locator("[data-testid=new-enterprise]").count() == 0
    page.click("text=盂县耐火材料有限公司")
    assert page.locator("[data-testid=edit-enterprise]").count() == 0
    assert page.locator("[data-testid=pool-form]").count() == 0


def test_an_enterprise_user_sees_its_own_book_and_reports_figures(login, enterprise_user, enterprises, monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: date(2024, 5, 6))  # April 2024 is open until 10 May
    page = login(enterprise_user)
    page.goto("/enterprises/")  # an enterprise account lands on its portal (issue 12); the list stays scoped
    rows = page.locator("[data-testid=enterprise-table] tbody tr")
    assert rows.count() == 1
    page.click("text=盂县耐火材料有限公司")
    assert page.locator("[data-testid=pool-form]").count() == 0
    form = page.locator("[data-testid=figure-form]")
    form.locator("[name=year]").fill("2024")
    form.locator("[name=month]").fill("4")
    form.locator("[name=revenue]").fill("90")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages")
    assert "已保存2024年4月数据" in page.locator(".messages").inner_text()
    assert MonthlyFigure.objects.get(enterprise=enterprises["yu_gxj"], month=4).source == "enterprise"


def test_an_enterprise_asks_to_correct_a_closed_month_and_a_clerk_approves(page, login, enterprise_user, yuxian_clerk,
                                                                         enterprises, monkeypatch):
    enterprise = enterprises["yu_gxj"]
    services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprise, year=2025, month=6, today=date(2025, 7, 8),
                                   values={"revenue": Decimal("630000"), "output_value": Decimal("714644.60")})
    monkeypatch.setattr(selectors, "today", lambda: date(2026, 11, 23))  # long after the 2025-06 deadline

    login(enterprise_user)
    page.goto(f"/enterprises/{enterprise.pk}/")
    open_box(page, "figure-form-box")
    assert "当前没有处于报送期内的月份" in page.locator("[data-testid=figure-calendar]").inner_text()
    page.locator("[data-testid=figures-table]").get_by_role("link", name="2025-06").click()
    assert "已过报送截止日（2025-07-10）" in page.locator("[data-testid=figure-month-status]").inner_text()
    form = page.locator("[data-testid=figure-form]")
    assert form.locator("[name=revenue]").input_value() == "63"  # the stored values, filled in
    form.locator("[name=revenue]").fill("65")
    form.locator("[name=reason]").fill("少计一笔销售收入")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages")
    assert "已提交更正申请，待中小企业服务中心审核" in page.locator(".messages").inner_text()
    row = page.locator("[data-testid=correction-table] tbody tr").first
    assert "待审核" in row.inner_text() and "63.00 → 65.00" in row.inner_text()
    assert MonthlyFigure.objects.get(enterprise=enterprise, year=2025, month=6).revenue == Decimal("630000.00")

    page.context.clear_cookies()
    login(yuxian_clerk)
    page.click("[data-testid=corrections-link]")
    row = page.locator("[data-testid=correction-table] tbody tr").first
    assert "盂县耐火材料有限公司" in row.inner_text() and "63.00 → 65.00" in row.inner_text()
    approve = row.locator("[data-testid=correction-approve]")
    approve.locator("[name=note]").fill("已核对销售发票")
    approve.locator("button[type=submit]").click()
    page.wait_for_selector(".messages")
    assert "已批准盂县耐火材料有限公司 2025年6月更正申请" in page.locator(".messages").inner_text()
    figure = MonthlyFigure.objects.get(enterprise=enterprise, year=2025, month=6)
    assert (figure.revenue, figure.output_value) == (Decimal("650000.00"), Decimal("714644.60"))
    page.goto(f"/enterprises/{enterprise.pk}/")
    trail = page.locator("[data-testid=audit-trail] tbody tr").first.inner_text()
    assert "63.00万元 → 65.00万元" in trail and "xiaowang" in trail
    assert "已批准" in page.locator("[data-testid=correction-table]").inner_text()


def test_the_interface_switches_to_english(login, yuxian_clerk, enterprises):
    page = login(yuxian_clerk)
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert "Enterprise registry" in page.locator("h1").inner_text()


def test_the_list_is_readable_on_a_phone(browser, live_server, yangquan_leader, enterprises):
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", yangquan_leader.username)
    page.fill("#id_password", "pw-" + yangquan_leader.username)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")  # where a leader lands (issue 11)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto("/enterprises/")
    page.wait_for_selector("[data-testid=enterprise-table]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
