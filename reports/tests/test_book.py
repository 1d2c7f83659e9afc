"""一户一册: one enterprise's PDF — profile, names, revenue against the 20M line and the projection,
pools, scale events, warnings and assistance, entitlements; scoped like the enterprise."""
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enterprises.models import EnterpriseName, MonthlyFigure
from monitoring.models import Assistance, EarlyWarning
from reports import charts

pytestmark = pytest.mark.django_db


def pdf_text(body: bytes, tmp_path) -> str:
    path = tmp_path / "b.pdf"
    path.write_bytes(body)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "\ufffd" not in text
    return " ".join(text.split())


def test_the_book_pdf_has_every_part(seeded, yuxian_clerk, tmp_path):
    a = seeded["enterprises"]["A"]
    EnterpriseName.objects.create(enterprise=a, name="甲耐火材料厂", valid_from=date(2015, 1, 1),
                                  valid_to=date(2020, 5, 1))
    for month in range(1, 7):
        MonthlyFigure.objects.create(enterprise=a, year=2024, month=month, revenue=Decimal("1500000"),
                                     reported_at=timezone.now())
    warning = EarlyWarning.objects.get(enterprise=a, kind="exit_risk")
    Assistance.objects.create(enterprise=a, warning=warning, assisted_on=date(2024, 7, 8), staff=yuxian_clerk,
                              problems="订单下滑", actions="对接银行续贷500万元")
    client = Client()
    client.force_login(yuxian_clerk)
    detail = client.get(reverse("enterprises:detail", args=[a.pk])).content.decode()
    link = reverse("report:enterprise_book", args=[a.pk])
    assert link in detail
    response = client.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    for part in ("一户一册 · 甲耐火材料公司", "一、基本情况", a.credit_code, "秀水镇", "县工信局",
                 "甲耐火材料厂", "2020-05-01", "2024年主营业务收入",
                 "本年累计 900.00万元", "全年预测 1,800.00万元", "规上标准 2,000.00万元",
                 "规上标准 2000万元",  # the chart's legend, drawn in the PDF too
                 "培育库", "基础信息库", "首次入规", "退规", "退规风险", "对接银行续贷500万元",
                 "待审核", "30.00万元"):
        assert part in text, part


def test_the_revenue_chart_draws_the_line_and_projection():
    svg = charts.revenue_chart(year=2024, monthly=[(1, Decimal("1500000")), (2, None), (3, Decimal("1800000"))],
                               threshold=Decimal("20000000"), projection=Decimal("13200000"))
    assert "规上标准 2000万元" in svg and "全年预测 1320.00万元" in svg
    assert "<script" not in svg and "<style" not in svg and 'style="' not in svg
    assert svg == charts.revenue_chart(year=2024, monthly=[(1, Decimal("1500000")), (2, None),
                                                           (3, Decimal("1800000"))],
                                       threshold=Decimal("20000000"), projection=Decimal("13200000"))


def test_a_foreign_book_answers_like_a_missing_one(seeded, xiaoyi_clerk, api_client_user, enterprise_user):
    a = seeded["enterprises"]["A"]
    client = Client()
    client.force_login(xiaoyi_clerk)
    assert client.get(reverse("report:enterprise_book", args=[a.pk])).status_code == 404
    assert client.get(reverse("report:enterprise_book", args=[10**9])).status_code == 404
    client.force_login(api_client_user)  # API accounts never get portal pages (the middleware says 403)
    assert client.get(reverse("report:enterprise_book", args=[a.pk])).status_code == 403
