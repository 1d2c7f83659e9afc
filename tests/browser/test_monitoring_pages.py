"""A clerk works a warning in a real browser: list → warning → assistance → resolution."""
from datetime import date

import pytest

from monitoring.models import CheckRun, EarlyWarning
from monitoring.tests.test_monthly_check import check, figures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def late_warning(yuxian_clerk, jurisdictions, enterprises):
    figures(enterprises["yu_gxj"], 2025, [2_000_000] * 5)
    check(yuxian_clerk, jurisdictions["yuxian"])
    return EarlyWarning.objects.get(kind="late_report", enterprise=enterprises["yu_gxj"])


def test_a_clerk_records_assistance_and_resolves_a_warning(login, yuxian_clerk, late_warning):
    page = login(yuxian_clerk)
    page.click("text=监测预警")
    table = page.locator("[data-testid=warning-table]")
    assert "未按时报送" in table.inner_text()
    table.locator("tr", has_text="未按时报送").filter(has_text="盂县耐火材料有限公司").locator("a").click()
    assert "依据数据" in page.content()
    # the evidence in 万元, months and the projection's method in words (issue 9 item 3)
    evidence = page.locator("[data-testid=evidence]")
    assert evidence.locator("tr[data-evidence=ytd] td").inner_text() == "1,000.00万元"
    assert evidence.locator("tr[data-evidence=ytd_months] td").inner_text() == "5个月"
    assert evidence.locator("tr[data-evidence=projection] td").inner_text() == "2,400.00万元（按当年月均线性推算）"
    form = page.locator("[data-testid=assistance-form]")
    form.locator("[name=problems]").fill("财务人员更换，漏报6月数据")
    form.locator("[name=actions]").fill("上门指导补报")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages")
    assert page.locator("[data-testid=warning-status]").inner_text() == "处理中"
    assert "上门指导补报" in page.locator("[data-testid=assistance-table]").inner_text()
    form = page.locator("[data-testid=transition-form]")
    form.locator("[name=status]").select_option("resolved")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages")
    assert "须填写处理结果" in page.locator(".messages").inner_text()
    form = page.locator("[data-testid=transition-form]")
    form.locator("[name=status]").select_option("resolved")
    form.locator("[name=outcome]").fill("已补报6月数据")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages")
    assert page.locator("[data-testid=warning-status]").inner_text() == "已解决"
    # final: the outcome, who and when instead of the workflow forms
    assert page.locator("[data-testid=transition-form]").count() == 0
    closure = page.locator("[data-testid=warning-closure]").inner_text()
    assert "已补报6月数据" in closure and str(yuxian_clerk) in closure
    late_warning.refresh_from_db()
    assert late_warning.status == "resolved" and late_warning.outcome == "已补报6月数据"


def test_a_clerk_runs_a_check_and_sees_the_run_recorded(login, yuxian_clerk, enterprises):
    figures(enterprises["yu_other"], 2025, [1_000_000] * 5)
    page = login(yuxian_clerk)
    page.goto("/monitoring/")
    form = page.locator("[data-testid=run-form]")
    form.locator("[name=jurisdiction]").select_option("140322")
    form.locator("[name=year]").fill("2025")
    form.locator("[name=month]").fill("6")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=run-table]")
    assert CheckRun.objects.get().status == "finished"
    assert "已完成" in page.locator("[data-testid=run-table]").inner_text()
    counts = page.locator("[data-testid=run-counts]").first.inner_text()
    assert counts.strip() == "未按时报送 2 条、新增 2 条"  # what the run found, in words (not late_report=2)
    message = page.locator(".messages").inner_text()
    assert "检查已完成" in message and "排队中" not in message


def test_a_clerk_escalates_a_warning_with_a_reason(login, yuxian_clerk, late_warning):
    page = login(yuxian_clerk)
    page.goto(f"/monitoring/{late_warning.pk}/")
    form = page.locator("[data-testid=escalate-form]")
    form.locator("[name=reason]").fill("企业拒不补报，需领导协调")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages")
    assert "已升级" in page.locator(".messages").inner_text()
    assert "企业拒不补报，需领导协调" in page.locator("[data-testid=history-table]").inner_text()
    assert page.locator("[data-testid=escalate-form]").count() == 0
    late_warning.refresh_from_db()
    assert late_warning.escalated_at is not None


def test_a_leader_reads_warnings_without_controls(login, yangquan_leader, late_warning):
    page = login(yangquan_leader)
    page.goto(f"/monitoring/{late_warning.pk}/")
    assert page.locator("[data-testid=transition-form]").count() == 0
    assert page.locator("[data-testid=escalate-form]").count() == 0
    page.goto("/monitoring/")
    assert page.locator("[data-testid=run-form]").count() == 0


def test_another_countys_warning_is_not_found(login, page, xiaoyi_clerk, late_warning):
    login(xiaoyi_clerk)
    assert page.goto(f"/monitoring/{late_warning.pk}/").status == 404
