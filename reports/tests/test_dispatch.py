"""The monthly dispatch report (月度调度): figures from the seeded month (conftest.py), the page
and the PDF agree with them, issuing freezes the PDF byte for byte, a later draft shows what
changed, scope and roles, the beat job."""
import subprocess
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from monitoring.models import Assistance, CheckPolicy, EarlyWarning
from reports import report_selectors, services
from reports.dispatch import DispatchData, changes_since
from reports.models import DispatchReport

from .conftest import MONTH, TODAY, YEAR, _event

pytestmark = pytest.mark.django_db


def pdf_text(body: bytes, tmp_path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(body)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def url(name, key="140322", year=YEAR, month=MONTH):
    return reverse(f"report:{name}", kwargs={"key": key, "year": year, "month": month})


@pytest.fixture
def helped(seeded, yuxian_clerk):
    """A's exit-risk warning got a visit."""
    a = seeded["enterprises"]["A"]
    warning = EarlyWarning.objects.get(enterprise=a, kind="exit_risk")
    Assistance.objects.create(enterprise=a, warning=warning, assisted_on=date(2024, 7, 8), staff=yuxian_clerk,
                              problems="订单下滑", actions="对接银行续贷500万元")
    return seeded


def test_the_report_data_equals_the_hand_counted_rows(helped, yuxian_clerk, jurisdictions):
    data = report_selectors.dispatch_data(user=yuxian_clerk, jurisdiction=jurisdictions["yuxian"], year=YEAR,
                                          month=MONTH, today=TODAY)
    t = data.snapshot.total
    assert (t.in_scale, t.entries, t.exits, t.net, t.entries_month, t.exits_month) == (3, 3, 1, 2, 2, 0)
    assert [(e.enterprise, e.jurisdiction, e.department, e.occurred_on) for e in data.entries] == [
        ("戊铸造公司", "秀水镇", "", date(2024, 6, 2)), ("丙机械公司", "南娄镇", "县工信局", date(2024, 6, 20))]
    assert data.exits == []  # A left in March
    assert sorted((r.enterprise, r.department, r.assistance_count, r.last_assistance, r.last_assisted_on)
                  for r in data.exit_risks) == [("戊铸造公司", "", 0, "", None),
                                                ("甲耐火材料公司", "县工信局", 1, "对接银行续贷500万元", date(2024, 7, 8))]
    assert data.warnings_raised == 5     # on June's data, in 盂县 (A, B, C, E and the resolved one)
    assert data.warnings_resolved == 0   # the resolved one was resolved "now", not in June 2024
    assert (data.paid_month, data.paid_month_count) == (Decimal("0"), 0)   # C was paid 2024-05-01
    assert (data.paid_ytd, data.paid_ytd_count) == (Decimal("50000.00"), 1)
    assert DispatchData.from_dict(data.to_dict()) == data


def test_a_leader_reads_the_draft_page_and_pdf_with_the_same_figures(helped, yangquan_leader, tmp_path):
    client = client_for(yangquan_leader)
    page = client.get(url("dispatch"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="dispatch-draft"' in html and 'data-testid="dispatch-issue"' not in html  # leaders read
    for figure, value in [("in_scale", "3"), ("entries_month", "2"), ("exits_month", "0"), ("entries", "3"),
                          ("exits", "1"), ("net", "2"), ("warnings_open", "4")]:
        assert f'data-figure="{figure}">{value}<' in html
    assert "对接银行续贷500万元" in html and "丙机械公司" in html

    response = client.get(url("dispatch_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = pdf_text(response.content, tmp_path)
    flat = " ".join(text.split())
    for heading in ("盂县小升规工作月度调度", "一、总体情况", "二、目标完成排名", "三、本月入规企业",
                    "五、退规风险企业及帮扶情况"):
        assert heading in flat, heading
    for name in ("戊铸造公司", "丙机械公司", "甲耐火材料公司", "秀水镇", "南娄镇", "县工信局", "县应急局",
                 "对接银行续贷500万元"):
        assert name in flat, name
    assert "本年净增 2" in flat and "本月入规 2" in flat and "本年入规 3" in flat
    assert "本年累计拨付 5.00万元（1 笔）" in flat
    assert "\ufffd" not in text  # no missing glyph


def test_issuing_freezes_the_pdf_and_a_later_draft_shows_the_change(helped, yuxian_clerk, tmp_path):
    client = client_for(yuxian_clerk)
    assert 'data-testid="dispatch-issue"' in client.get(url("dispatch")).content.decode()
    response = client.post(url("dispatch_issue"))
    assert response.status_code == 302
    report = DispatchReport.objects.get()
    assert (report.year, report.month, report.issued_by) == (YEAR, MONTH, yuxian_clerk)
    issued_pdf = client.get(url("dispatch_pdf")).content
    assert issued_pdf == bytes(report.pdf)

    # a data correction: B actually left the scale in June
    _event(helped["enterprises"]["B"], "exit", date(2024, 6, 25))

    again = client.get(url("dispatch_pdf")).content
    assert again == issued_pdf                                     # byte-identical
    page = client.get(url("dispatch")).content.decode()
    assert 'data-testid="dispatch-issued"' in page
    assert 'data-figure="net">2<' in page                           # the frozen figures
    assert 'data-testid="dispatch-changes"' in page and "本年净增" in page
    changes = {c.label: (c.issued, c.draft) for c in changes_since(
        DispatchData.from_dict(report.data),
        report_selectors.dispatch_data(user=yuxian_clerk, jurisdiction=report.jurisdiction, year=YEAR,
                                       month=MONTH))}
    assert changes["本年净增"] == ("2", "1") and changes["本月退规"] == ("0", "1")
    assert changes["规上企业数"] == ("3", "2")

    # issuing again changes nothing
    client.post(url("dispatch_issue"))
    assert DispatchReport.objects.count() == 1 and bytes(DispatchReport.objects.get().pdf) == issued_pdf

    # another month, still a draft, shows the correction
    from reports.report_selectors import dispatch_data
    draft = dispatch_data(user=yuxian_clerk, jurisdiction=report.jurisdiction, year=YEAR, month=MONTH)
    assert draft.snapshot.total.net == 1
    draft_pdf = services.dispatch_pdf(draft, jurisdiction=report.jurisdiction)
    assert " ".join(pdf_text(draft_pdf, tmp_path).split()).count("本年净增 1") == 1
    assert "本年净增 2" in " ".join(pdf_text(issued_pdf, tmp_path).split())


def test_only_center_staff_of_the_jurisdiction_issue(helped, yangquan_leader, xiaoyi_clerk, yuxian_clerk,
                                                      yuxian_department_user, jurisdictions):
    assert client_for(yangquan_leader).post(url("dispatch_issue")).status_code == 403
    with pytest.raises(PermissionDenied):
        services.report_issue(user=yangquan_leader, jurisdiction=jurisdictions["yuxian"], year=YEAR, month=MONTH)
    # the 盂县 clerk cannot issue the town's report (the town's own level issues it)
    assert client_for(yuxian_clerk).post(url("dispatch_issue", key="140322-xiushui")).status_code == 403
    assert DispatchReport.objects.count() == 0
    # a month not over yet cannot be issued
    with pytest.raises(ValueError):
        services.report_issue(user=yuxian_clerk, jurisdiction=jurisdictions["yuxian"], year=YEAR, month=MONTH,
                              today=date(2024, 6, 30))


def test_long_lists_are_capped_on_the_page_and_in_the_pdf_and_given_in_full_as_excel(helped, yangquan_leader,
                                                                                     settings, tmp_path):
    """A province's report would name thousands of enterprises: the page and the PDF show the first
    DISPATCH_LIST_LIMIT of each list (the most severe, not yet helped exit risks first) and say how
    many there are; the Excel download has them all, text as text."""
    Assistance.objects.filter(actions="对接银行续贷500万元").update(actions="=HYPERLINK(\"http://x\")")
    settings.DISPATCH_LIST_LIMIT = 1
    client = client_for(yangquan_leader)
    html = client.get(url("dispatch")).content.decode()
    risks = html.split('data-testid="dispatch-risks"')[1].split("</table>")[0]
    assert "戊铸造公司" in risks and "甲耐火材料公司" not in risks  # both high: the one not yet helped first
    assert risks.count("<tr>") == 2  # the header and one line
    assert 'data-testid="dispatch-risks-more">共 2 户，此处列出 1 户' in html
    assert 'data-testid="dispatch-entries-more">共 2 户，此处列出 1 户' in html
    assert 'data-testid="dispatch-exits-more"' not in html  # no exits this month: nothing left out
    flat = " ".join(pdf_text(client.get(url("dispatch_pdf")).content, tmp_path).split())
    assert "共 2 户，此处列出 1 户" in flat and "甲耐火材料公司" not in flat.split("五、退规风险企业")[1]

    response = client.get(url("dispatch_xlsx"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert f'filename="dispatch-140322-{YEAR}-{MONTH:02d}-lists.xlsx"' in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["本月入规企业", "本月退规企业", "退规风险企业"]
    entries = [[c.value for c in row] for row in book["本月入规企业"].iter_rows(min_row=2)]
    assert [(r[0], r[1], r[4].date()) for r in entries] == [("戊铸造公司", "秀水镇", date(2024, 6, 2)),
                                                            ("丙机械公司", "南娄镇", date(2024, 6, 20))]
    risk_rows = {row[0].value: row for row in book["退规风险企业"].iter_rows(min_row=2)}
    assert set(risk_rows) == {"戊铸造公司", "甲耐火材料公司"}
    helped_row = risk_rows["甲耐火材料公司"]
    assert helped_row[6].value == 1 and helped_row[8].value == '=HYPERLINK("http://x")'
    assert helped_row[8].data_type == "s" and helped_row[8].quotePrefix  # text, never a live formula


def test_a_foreign_report_answers_like_a_missing_one(helped, xiaoyi_clerk, yuxian_clerk, yuxian_department_user,
                                                     enterprise_user):
    services.report_issue(user=yuxian_clerk, jurisdiction=yuxian_clerk.jurisdiction, year=YEAR, month=MONTH)
    client = client_for(xiaoyi_clerk)
    for name in ("dispatch", "dispatch_pdf", "dispatch_xlsx"):
        foreign, missing = client.get(url(name)), client.get(url(name, key="999999"))
        assert foreign.status_code == missing.status_code == 404
    assert client.post(url("dispatch_issue")).status_code == 404
    assert client.get(url("dispatch", month=13)).status_code == 404
    assert client.get(url("dispatch", year=1900)).status_code == 404
    # roles without reports: department staff, enterprises
    assert client_for(yuxian_department_user).get(url("dispatch")).status_code == 403
    assert client_for(enterprise_user).get(url("dispatch_pdf")).status_code == 403


def test_the_beat_job_issues_on_the_jurisdictions_day(helped, jurisdictions, settings):
    from django_celery_beat.models import PeriodicTask

    from reports import tasks

    CheckPolicy.objects.create(jurisdiction=jurisdictions["yuxian"], run_day=10)
    CheckPolicy.objects.create(jurisdiction=jurisdictions["xiaoyi"], run_day=12)
    assert services.reports_issue_due(today=date(2024, 7, 9)) == []
    ids = services.reports_issue_due(today=TODAY)
    report = DispatchReport.objects.get(pk__in=ids)
    assert (report.jurisdiction.key, report.year, report.month, report.issued_by) == ("140322", 2024, 6, None)
    assert DispatchData.from_dict(report.data).snapshot.total.net == 2  # the whole county
    assert services.reports_issue_due(today=TODAY) == []                  # once
    services.dispatch_schedule_sync()
    services.dispatch_schedule_sync()
    task = PeriodicTask.objects.get(name="dispatch-reports")
    assert task.task == tasks.issue_due_reports_task.name == "reports.tasks.issue_due_reports_task"


def test_the_report_page_runs_a_bounded_number_of_queries(helped, yuxian_clerk, make_enterprise):
    client = client_for(yuxian_clerk)
    client.get(url("dispatch"))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("dispatch")).status_code == 200
        return len(queries)
    before = count()
    for n in range(6):
        e = make_enterprise(f"新增企业{n}", "xiushui")
        _event(e, "first_entry", date(2024, 6, 3))
        EarlyWarning.objects.create(enterprise=e, kind="exit_risk", year=2024, month=6, severity="high", rule="x",
                                    evidence={}, opened_at=EarlyWarning.objects.first().opened_at)
    assert count() == before


def test_the_api_gives_the_figures_of_the_page_and_the_frozen_ones_once_issued(helped, yuxian_clerk,
                                                                              xiaoyi_clerk, api_client_user):
    client = client_for(yuxian_clerk)
    api = reverse("api-dispatch-report", kwargs={"key": "140322", "year": YEAR, "month": MONTH})
    body = client.get(api).json()
    assert (body["jurisdiction"], body["year"], body["month"], body["issued"]) == ("140322", YEAR, MONTH, False)
    total = body["data"]["snapshot"]["total"]
    html = client.get(url("dispatch")).content.decode()
    for figure in ("in_scale", "entries_month", "exits_month", "entries", "exits", "net"):
        assert f'data-figure="{figure}">{total[figure]}<' in html, figure
    assert f'data-figure="warnings_raised">{body["data"]["warnings_raised"]}<' in html
    assert [e["enterprise"] for e in body["data"]["entries"]] == ["戊铸造公司", "丙机械公司"]

    client.post(url("dispatch_issue"))
    _event(helped["enterprises"]["B"], "exit", date(2024, 6, 25))
    frozen = client.get(api).json()
    assert frozen["issued"] is True and frozen["data"] == DispatchReport.objects.get().data
    assert frozen["data"]["snapshot"]["total"]["net"] == 2 == total["net"]

    foreign = client_for(xiaoyi_clerk).get(api)
    missing = client_for(xiaoyi_clerk).get(reverse("api-dispatch-report",
                                                   kwargs={"key": "999999", "year": YEAR, "month": MONTH}))
    assert foreign.status_code == missing.status_code == 404
    assert client.get(reverse("api-dispatch-report", kwargs={"key": "140322", "year": YEAR, "month": 13})
                      ).status_code == 404
    assert client_for(api_client_user).get(api).status_code == 403  # no single enterprise's figures leave


def test_the_command_issues_a_month_once(helped):
    from django.core.management import CommandError, call_command

    call_command("issue_dispatch_reports", "140322", str(YEAR), str(MONTH))
    report = DispatchReport.objects.get()
    assert (report.jurisdiction.key, report.issued_by) == ("140322", None)
    pdf = bytes(report.pdf)
    call_command("issue_dispatch_reports", "140322", str(YEAR), str(MONTH))
    assert DispatchReport.objects.count() == 1 and bytes(DispatchReport.objects.get().pdf) == pdf
    with pytest.raises(CommandError):
        call_command("issue_dispatch_reports", "nowhere", str(YEAR), str(MONTH))
    with pytest.raises(CommandError):
        call_command("issue_dispatch_reports", "140322", "2999", "1")  # not over yet
