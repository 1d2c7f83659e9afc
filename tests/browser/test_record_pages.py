"""A clerk records the facts awards depend on from the enterprise's page, in a real browser."""
from datetime import date
from decimal import Decimal

import pytest

from enterprises import records
from enterprises.models import Recognition, Refinancing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_adds_a_recognition_and_a_refinancing_and_sees_the_pending_reevaluation(login, yuxian_clerk,
                                                                                      enterprises):
    enterprise = enterprises["yu_gxj"]
    page = login(yuxian_clerk)
    page.goto(f"/enterprises/{enterprise.pk}/")
    assert page.locator("[data-testid=facts-pending]").count() == 0

    page.click("[data-testid=add-recognition]")
    form = page.locator("[data-testid=record-form]")
    form.locator("[name=kind]").select_option("provincial_srdi")
    form.locator("[name=certificate_no]").fill("晋专精2025-0312")
    form.locator("[name=valid_from]").fill("2025-01-01")
    form.locator("[name=valid_to]").fill("2027-12-31")
    form.locator("[data-testid=save-record]").click()
    page.wait_for_selector("[data-testid=recognition-row]")
    recognitions = page.locator("[data-testid=records-recognition]").inner_text()
    assert "省级专精特新中小企业" in recognitions and "晋专精2025-0312" in recognitions
    assert "2025-01-01 — 2027-12-31" in recognitions
    assert "已登记资质认定" in page.locator(".messages").inner_text()

    page.click("[data-testid=add-refinancing]")
    form = page.locator("[data-testid=record-form]")
    form.locator("[name=raised_on]").fill("2025-09-01")
    form.locator("[name=amount]").fill("-500")
    form.locator("[name=local_investment_share]").fill("85")
    form.locator("[data-testid=save-record]").click()
    assert "融资额须大于0" in page.locator("[data-testid=error-amount]").inner_text()  # refused, explained
    page.locator("[data-testid=record-form] [name=amount]").fill("500")
    page.locator("[data-testid=record-form] [data-testid=save-record]").click()
    page.wait_for_selector("[data-testid=refinancing-row]")
    row = page.locator("[data-testid=refinancing-row]").inner_text()
    assert "500.00" in row and "85%" in row and "中原股权交易中心" in row

    pending = page.locator("[data-testid=facts-pending]").inner_text()
    assert "将在下次免申即享批次中重新计算" in pending
    assert Recognition.objects.get(enterprise=enterprise).certificate_no == "晋专精2025-0312"
    refinancing = Refinancing.objects.get(enterprise=enterprise)
    assert (refinancing.amount, refinancing.local_investment_share) == (Decimal("5000000.00"), Decimal("0.8500"))
    assert "再融资" in page.locator("[data-testid=audit-trail]").inner_text()


def test_a_clerk_corrects_then_deletes_a_refinancing_after_confirming(login, yuxian_clerk, enterprises):
    enterprise = enterprises["yu_gxj"]
    page = login(yuxian_clerk)
    page.goto(f"/enterprises/{enterprise.pk}/")
    page.click("[data-testid=add-refinancing]")
    form = page.locator("[data-testid=record-form]")
    form.locator("[name=raised_on]").fill("2025-09-01")
    form.locator("[name=amount]").fill("300")
    form.locator("[data-testid=save-record]").click()
    page.wait_for_selector("[data-testid=refinancing-row]")

    page.locator("[data-testid=refinancing-row]").get_by_role("link", name="修改").click()
    assert page.locator("[data-testid=record-form] [name=amount]").input_value() == "300"
    page.locator("[data-testid=record-form] [name=amount]").fill("350")
    page.locator("[data-testid=record-form] [data-testid=save-record]").click()
    page.wait_for_selector("[data-testid=refinancing-row]")
    assert "350.00" in page.locator("[data-testid=refinancing-row]").inner_text()

    page.locator("[data-testid=refinancing-row]").get_by_role("link", name="删除").click()
    assert "350.00万元" in page.locator("[data-testid=delete-summary]").inner_text()
    trail = page.locator("[data-testid=record-trail]").inner_text()
    assert "300.00万元 → 350.00万元" in trail
    page.click("[data-testid=confirm-delete]")
    page.wait_for_selector("[data-testid=records-refinancing]")
    assert page.locator("[data-testid=refinancing-row]").count() == 0
    assert not Refinancing.objects.filter(enterprise=enterprise).exists()


def test_a_leader_sees_the_records_but_no_way_to_change_them(login, yangquan_leader, yuxian_clerk, enterprises):
    records.record_create(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], kind="listing",
                          values={"board": "neeq", "stage": "listed", "reached_on": date(2025, 3, 18)})
    page = login(yangquan_leader)
    page.goto(f"/enterprises/{enterprises['yu_gxj'].pk}/")
    assert "新三板" in page.locator("[data-testid=records-listing]").inner_text()
    assert page.locator("[data-testid=add-listing]").count() == 0
    assert page.locator("[data-testid=records-listing] a").count() == 0
