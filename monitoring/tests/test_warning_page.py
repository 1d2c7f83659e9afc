"""The warning page (issue 9, items 4 and 12): the workflow form only while a warning is open,
the message after starting a run, what an auto-closed warning says, and manual escalation."""

import pytest
from django.core import mail
from django.urls import reverse

from monitoring import services
from monitoring.models import CheckRun, EarlyWarning

from .test_monthly_check import check, figures, scenario, warnings_by  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def warned(yuxian_clerk, jurisdictions, enterprises):
    figures(enterprises["yu_gxj"], 2025, [2_000_000] * 5)  # June missing: late
    check(yuxian_clerk, jurisdictions["yuxian"])
    return EarlyWarning.objects.get(kind="late_report", enterprise=enterprises["yu_gxj"])


# -- 1. the workflow form -----------------------------------------------------------------

def test_an_open_warnings_form_defaults_to_its_current_status(client, yuxian_clerk, warned):
    services.warning_transition(user=yuxian_clerk, warning_id=warned.pk, status="in_progress")
    client.force_login(yuxian_clerk)
    response = client.get(reverse("monitoring:warning", args=[warned.pk]))
    form = response.context["transition_form"]
    assert form["status"].value() == "in_progress"
    assert '<option value="in_progress" selected>' in response.content.decode()


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_a_finished_warning_shows_its_outcome_not_the_form(client, yuxian_clerk, warned, status):
    services.warning_transition(user=yuxian_clerk, warning_id=warned.pk, status=status, outcome="已补报6月数据")
    warned.refresh_from_db()
    client.force_login(yuxian_clerk)
    html = client.get(reverse("monitoring:warning", args=[warned.pk])).content.decode()
    assert 'data-testid="transition-form"' not in html
    assert 'data-testid="escalate-form"' not in html
    assert 'data-testid="warning-closure"' in html
    closure = html.split('data-testid="warning-closure"')[1].split("</section>")[0]
    assert "已补报6月数据" in closure and str(yuxian_clerk) in closure
    assert warned.resolved_at.astimezone().strftime("%Y-%m-%d") in closure


# -- 2. the message after starting a run ---------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_starting_a_run_that_finishes_at_once_says_it_finished(client, yuxian_clerk, jurisdictions, enterprises):
    figures(enterprises["yu_gxj"], 2025, [2_000_000] * 5)
    client.force_login(yuxian_clerk)
    page = client.post(reverse("monitoring:run_start"), {"jurisdiction": "140322", "year": 2025, "month": 6},
                       follow=True)
    assert CheckRun.objects.get().status == "finished"
    text = " ".join(str(m) for m in page.context["messages"])
    assert "排队中" not in text
    assert "已完成" in text and "新增预警3条" in text


def test_starting_a_run_no_worker_has_picked_up_says_it_is_queued(client, yuxian_clerk, jurisdictions,
                                                                  django_capture_on_commit_callbacks):
    client.force_login(yuxian_clerk)
    with django_capture_on_commit_callbacks():
        page = client.post(reverse("monitoring:run_start"), {"jurisdiction": "140322", "year": 2025, "month": 6},
                           follow=True)
    text = " ".join(str(m) for m in page.context["messages"])
    assert CheckRun.objects.get().status == "queued"
    assert "排队中" in text and "已完成" not in text


# -- 3. auto-closed warnings ----------------------------------------------------------------

def test_an_auto_closed_warning_says_why_and_carries_the_figures_it_closed_on(client, yuxian_clerk, jurisdictions,
                                                                             scenario):  # noqa: F811
    check(yuxian_clerk, jurisdictions["yuxian"])
    late = warnings_by(scenario["yu_other"])["late_report"]
    assert late.evidence["ytd_months"] == 5
    figures(scenario["yu_other"], 2025, [1_500_000], start_month=6)
    check(yuxian_clerk, jurisdictions["yuxian"])
    late.refresh_from_db()
    assert late.status == "closed" and late.resolved_at is not None
    assert late.outcome.startswith("月度检查（2025年6月）不再触发：")
    assert "已报送2025年6月数据" in late.outcome
    assert late.evidence["ytd_months"] == 6 and late.evidence["revenue_this_month"] == "1500000.00"
    # what it was raised on stays in the history
    assert late.history.order_by("history_date").first().evidence["ytd_months"] == 5
    client.force_login(yuxian_clerk)
    html = client.get(reverse("monitoring:warning", args=[late.pk])).content.decode()
    closure = html.split('data-testid="warning-closure"')[1].split("</section>")[0]
    assert "月度检查（2025年6月）不再触发" in closure and "月度检查自动关闭" in closure


# -- 4. manual escalation -------------------------------------------------------------------

def test_staff_escalate_a_warning_with_a_reason_and_leaders_are_told(client, yuxian_clerk, yangquan_leader, warned,
                                                                    django_capture_on_commit_callbacks):
    yangquan_leader.email = "zhao@yangquan.example"
    yangquan_leader.save()
    client.force_login(yuxian_clerk)
    assert 'data-testid="escalate-form"' in client.get(reverse("monitoring:warning", args=[warned.pk])).content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("monitoring:escalate", args=[warned.pk]),
                               {"reason": "企业拒不补报，需领导协调"}, follow=True)
    warned.refresh_from_db()
    assert warned.escalated_at is not None and warned.status == "open"
    (message,) = [m for m in mail.outbox if m.to == ["zhao@yangquan.example"]]
    assert "升级预警1条" in message.subject and "企业拒不补报，需领导协调" in message.body
    assert "盂县耐火材料有限公司" in message.body
    html = response.content.decode()
    assert "企业拒不补报，需领导协调" in html  # in the history on the page
    assert 'data-testid="escalate-form"' not in html  # escalated once
    # a second escalation is refused
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("monitoring:escalate", args=[warned.pk]), {"reason": "再次"})
    assert len([m for m in mail.outbox if m.to == ["zhao@yangquan.example"]]) == 1


def test_escalation_needs_a_reason(client, yuxian_clerk, warned):
    client.force_login(yuxian_clerk)
    client.post(reverse("monitoring:escalate", args=[warned.pk]), {"reason": "  "})
    warned.refresh_from_db()
    assert warned.escalated_at is None


def test_a_finished_warning_cannot_be_escalated(client, yuxian_clerk, warned):
    services.warning_transition(user=yuxian_clerk, warning_id=warned.pk, status="closed", outcome="已补报")
    client.force_login(yuxian_clerk)
    client.post(reverse("monitoring:escalate", args=[warned.pk]), {"reason": "需协调"})
    warned.refresh_from_db()
    assert warned.escalated_at is None


@pytest.mark.parametrize("persona,code", [("yangquan_leader", 403), ("xiaoyi_clerk", 404),
                                          ("enterprise_user", 403)])
def test_leaders_and_outsiders_cannot_escalate(client, all_personas, warned, persona, code):
    client.force_login(all_personas[persona])
    if code == 403:
        html = client.get(reverse("monitoring:warning", args=[warned.pk])).content.decode()
        assert 'data-testid="escalate-form"' not in html
    response = client.post(reverse("monitoring:escalate", args=[warned.pk]), {"reason": "需协调"})
    assert response.status_code == code
    warned.refresh_from_db()
    assert warned.escalated_at is None
