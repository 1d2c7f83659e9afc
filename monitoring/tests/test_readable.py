"""Warnings, runs and e-mails read the way staff read (issue 9 item 3): percentages as %,
money in 万元 with 2 decimals, kWh rounded, methods and counts in Chinese labels, people
by their names."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from monitoring import display, services
from monitoring.models import CheckRun, EarlyWarning

from .test_monthly_check import check, figures, scenario, warnings_by  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

# Evidence exactly as older runs stored it (the examples): text, raw ratios and keys.
OLD_EVIDENCE = {
    "ytd": "17522550.00", "ytd_months": 10, "ytd_last_year": "14960000.00", "yoy": "0.1712",
    "trailing12": "20210000.00", "trailing12_months": 12, "projection": "23363400.00",
    "projection_method": "last_year_shape", "revenue_this_month": "1800000.00", "output_this_month": None,
    "electricity_this_month": "166078.800000000",
}


def named(user, last, first):
    user.last_name, user.first_name = last, first
    user.save()
    return user


@pytest.fixture
def old_warning(enterprises, yuxian_clerk):
    return EarlyWarning.objects.create(enterprise=enterprises["yu_gxj"], kind="integrity_no_output", year=2026,
                                       month=10, severity="high", rule="有电量无产值", evidence=OLD_EVIDENCE,
                                       opened_at=timezone.now())


def evidence_table(html):
    return html.split('data-testid="evidence"')[1].split("</table>")[0]


def test_stored_evidence_shows_percent_wan_kwh_and_the_method_in_words(client, yuxian_clerk, old_warning):
    client.force_login(yuxian_clerk)
    table = evidence_table(client.get(reverse("monitoring:warning", args=[old_warning.pk])).content.decode())
    assert "+17.1%" in table and "0.1712" not in table
    assert "2,336.34万元（按上年月度结构推算）" in table and "last_year_shape" not in table
    assert "166,079千瓦时" in table and "166078.8" not in table
    assert "1,752.26万元" in table and "10个月" in table
    assert "当月产值</th><td class=\"num\">—" in table  # unknown stays unknown


def test_a_straight_line_projection_says_so():
    rows = {r.key: r.value for r in display.evidence_rows(
        {"projection": "18000000.00", "projection_method": "straight_line"})}
    assert rows["projection"] == "1,800.00万元（按当年月均线性推算）"


def test_a_pool_suggestion_names_the_pools():
    rows = {r.key: (r.label, r.value) for r in display.evidence_rows(
        {"pool": "cultivation", "current_pool": "reserve", "reason": "上年营收1,800.00万元，达到1000万元"})}
    assert rows["pool"][1] == "培育库" and rows["current_pool"][1] == "储备库"
    assert rows["reason"] == ("建议理由", "上年营收1,800.00万元，达到1000万元")


def test_fresh_evidence_from_a_run_is_shown_the_same_way(client, yuxian_clerk, jurisdictions, scenario):  # noqa: F811
    check(yuxian_clerk, jurisdictions["yuxian"])
    falling = warnings_by(scenario["yu_other"])["exit_risk"]
    client.force_login(yuxian_clerk)
    table = evidence_table(client.get(reverse("monitoring:warning", args=[falling.pk])).content.decode())
    # Jan–May at 1.5m against Jan–Jun at 2m last year: -37.5%; 7.5m × 24m ÷ 12m projected
    assert "-37.5%" in table and "1,500.00万元（按上年月度结构推算）" in table


def test_the_run_list_says_what_a_run_found_in_words(client, yuxian_clerk, jurisdictions):
    CheckRun.objects.create(jurisdiction=jurisdictions["yuxian"], year=2026, month=10, status="finished",
                            counts={"exit_risk": 2, "unchanged": 8, "created": 1, "auto_closed": 3})
    client.force_login(yuxian_clerk)
    html = client.get(reverse("monitoring:runs")).content.decode()
    cell = html.split('data-testid="run-counts">')[1].split("<span")[0]
    assert cell.strip() == "退规风险 2 条、新增 1 条、未变化 8 条、自动关闭 3 条"
    assert "exit_risk" not in html and "unchanged=" not in html


def test_people_on_the_warning_page_are_named(client, yuxian_clerk, yuxian_department_user, old_warning):
    named(yuxian_clerk, "王", "小明")
    named(yuxian_department_user, "孙", "丽")
    services.warning_transition(user=yuxian_clerk, warning_id=old_warning.pk, status="assigned",
                                assignee=yuxian_department_user)
    client.force_login(yuxian_clerk)
    html = client.get(reverse("monitoring:warning", args=[old_warning.pk])).content.decode()
    assert "经办人 孙丽" in html
    history = html.split('data-testid="history-table"')[1].split("</table>")[0]
    assert "王小明" in history and "xiaowang" not in history


def test_the_new_warnings_email_greets_by_name_and_shows_figures_readably(yuxian_clerk, jurisdictions,
                                                                          scenario,  # noqa: F811
                                                                          django_capture_on_commit_callbacks):
    named(yuxian_clerk, "王", "小明")
    yuxian_clerk.email = "xiaowang@yuxian.example"
    yuxian_clerk.save()
    with django_capture_on_commit_callbacks(execute=True):
        check(yuxian_clerk, jurisdictions["yuxian"])
    (message,) = mail.outbox
    assert message.body.startswith("王小明：您负责的企业新增预警3条。")
    assert "预计全年营收 1,500.00万元（按上年月度结构推算）；同比 -37.5%" in message.body  # the faller
    assert "近12个月营收 2,040.00万元；预计全年营收 2,280.00万元" in message.body  # the grower, ready to declare
    assert "累计月数 5个月" in message.body  # the late one
    assert "last_year_shape" not in message.body and "0.375" not in message.body


def test_the_escalation_email_names_who_escalated_and_who_handles_it(client, yuxian_clerk, yangquan_leader,
                                                                     yuxian_department_user, old_warning,
                                                                     django_capture_on_commit_callbacks):
    named(yuxian_clerk, "王", "小明")
    named(yuxian_department_user, "孙", "丽")
    yangquan_leader.email = "zhao@yangquan.example"
    yangquan_leader.save()
    services.warning_transition(user=yuxian_clerk, warning_id=old_warning.pk, status="assigned",
                                assignee=yuxian_department_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.warning_escalate(user=yuxian_clerk, warning_id=old_warning.pk, reason="企业拒不配合核查")
    (message,) = [m for m in mail.outbox if m.to == ["zhao@yangquan.example"]]
    assert "升级原因：企业拒不配合核查（王小明）" in message.body
    assert "经办人：孙丽" in message.body
    assert "当月用电量 166,079千瓦时" in message.body
    assert "xiaowang" not in message.body and "dept" not in message.body


def test_automatic_escalation_emails_show_names_and_figures(yuxian_clerk, yangquan_leader, yuxian_department_user,
                                                            old_warning):
    named(yuxian_department_user, "孙", "丽")
    yangquan_leader.email = "zhao@yangquan.example"
    yangquan_leader.save()
    services.warning_transition(user=yuxian_clerk, warning_id=old_warning.pk, status="assigned",
                                assignee=yuxian_department_user)
    assert services.warnings_escalate(now=timezone.now() + timedelta(days=60)) == 1
    (message,) = [m for m in mail.outbox if m.to == ["zhao@yangquan.example"]]
    assert "经办人：孙丽" in message.body and "166,079千瓦时" in message.body


def test_an_auto_closed_integrity_warning_gives_kwh_rounded(yuxian_clerk, jurisdictions, enterprises):
    figures(enterprises["yu_gxj"], 2025, [2_000_000] * 6)
    june = enterprises["yu_gxj"].monthly_figures.get(year=2025, month=6)
    june.output_value, june.electricity_kwh = Decimal("0"), Decimal("166078.8")
    june.save()
    check(yuxian_clerk, jurisdictions["yuxian"], today=date(2025, 7, 5))
    warning = warnings_by(enterprises["yu_gxj"])["integrity_no_output"]
    june.electricity_kwh = Decimal("5000.4")
    june.save()
    check(yuxian_clerk, jurisdictions["yuxian"], today=date(2025, 7, 5))
    warning.refresh_from_db()
    assert warning.status == "closed"
    assert "当月用电量5,000千瓦时、工业总产值0.00万元" in warning.outcome


def test_a_factor_set_in_the_policy_reads_as_written_in_the_rule():
    from monitoring.domain import checks

    from .test_check_rules import series_aggregates

    a = series_aggregates([500_000, 500_000, 500_000, 1_600_000])
    settings_ = checks.CheckSettings(jump_factor=Decimal("3.00"))  # as the policy's DecimalField holds it
    (finding,) = [f for f in checks.classify(a, settings_, late=False) if f.kind == "integrity_jump"]
    assert "前三个月平均值的3倍" in finding.rule and "3.00" not in finding.rule
