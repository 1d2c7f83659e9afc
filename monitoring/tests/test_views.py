"""Monitoring pages: scoped for every role, workflow through the forms."""
from datetime import date

import pytest
from django.urls import reverse

from monitoring.models import CheckRun, EarlyWarning

from .test_monthly_check import check, figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def warned(yuxian_clerk, jurisdictions, enterprises):
    figures(enterprises["yu_gxj"], 2025, [2_000_000] * 5)  # June missing: late
    check(yuxian_clerk, jurisdictions["yuxian"])
    return EarlyWarning.objects.get(kind="late_report", enterprise=enterprises["yu_gxj"])


# (API clients use tokens only; their web sessions get 403 everywhere: enterprises/tests/test_login.py)
@pytest.mark.parametrize("persona,sees,changes", [
    ("yuxian_clerk", True, True), ("yangquan_leader", True, False), ("xiaoyi_clerk", False, False),
    ("yuxian_department_user", True, True), ("enterprise_user", True, False)])
def test_warnings_are_seen_and_worked_only_within_scope(client, all_personas, warned, persona, sees, changes):
    client.force_login(all_personas[persona])
    listing = client.get(reverse("monitoring:warnings")).content.decode()
    assert ("盂县耐火材料有限公司" in listing) == sees
    detail = client.get(reverse("monitoring:warning", args=[warned.pk]))
    assert detail.status_code == (200 if sees else 404)
    client.post(reverse("monitoring:transition", args=[warned.pk]), {"status": "closed", "outcome": "已补报"})
    warned.refresh_from_db()
    assert (warned.status == "closed") == changes


def test_assistance_from_the_page_puts_the_warning_in_progress(client, yuxian_clerk, warned):
    client.force_login(yuxian_clerk)
    client.post(reverse("monitoring:assistance", args=[warned.pk]), {
        "assisted_on": "2025-07-20", "problems": "财务人员变动，漏报", "actions": "上门指导补报", "next_step": "下月按时报送"})
    warned.refresh_from_db()
    assert warned.status == "in_progress" and warned.assistance.get().problems == "财务人员变动，漏报"
    html = client.get(reverse("monitoring:warning", args=[warned.pk])).content.decode()
    assert "上门指导补报" in html


def test_a_resolution_without_outcome_is_refused_on_the_page(client, yuxian_clerk, warned):
    client.force_login(yuxian_clerk)
    response = client.post(reverse("monitoring:transition", args=[warned.pk]), {"status": "resolved"}, follow=True)
    assert "须填写处理结果" in response.content.decode()
    warned.refresh_from_db()
    assert warned.status == "open"


def test_a_clerk_starts_a_check_and_watches_it(client, yuxian_clerk, jurisdictions, enterprises,
                                               django_capture_on_commit_callbacks):
    client.force_login(yuxian_clerk)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("monitoring:run_start"), {"jurisdiction": "140322", "year": 2025, "month": 6})
    run = CheckRun.objects.get()
    assert run.status == "finished" and run.requested_by == yuxian_clerk
    html = client.get(reverse("monitoring:runs")).content.decode()
    assert "盂县" in html and "2/2" in html


def test_the_warning_list_query_count_is_bounded(client, yuxian_clerk, jurisdictions, make_enterprise,
                                                 django_assert_max_num_queries):
    for i in range(30):
        figures(make_enterprise(f"企业{i}", "xiushui"), 2025, [2_000_000] * 5)
    check(yuxian_clerk, jurisdictions["yuxian"])
    client.force_login(yuxian_clerk)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("monitoring:warnings")).status_code == 200


def test_warnings_are_listed_by_severity_rank_then_age(client, yuxian_clerk, enterprises):
    """高, 中, 低 — not the alphabetical order of their codes (high, low, medium); the oldest first."""
    from datetime import datetime, timedelta, timezone as tz
    opened = datetime(2025, 7, 1, tzinfo=tz.utc)
    made = [("low", "yu_gxj", 0), ("high", "yu_other", 2), ("medium", "yu_gxj", 1), ("high", "yu_gxj", 1)]
    for index, (severity, key, days) in enumerate(made):
        EarlyWarning.objects.create(enterprise=enterprises[key], kind=["exit_risk", "late_report",
                                                                       "integrity_jump", "integrity_no_output"][index],
                                    year=2025, month=6, severity=severity, rule="r", evidence={},
                                    opened_at=opened - timedelta(days=days))
    client.force_login(yuxian_clerk)
    listed = client.get(reverse("monitoring:warnings")).context["page"].object_list
    assert [(w.severity, w.enterprise.name) for w in listed] == [
        ("high", "盂县石料加工厂"), ("high", "盂县耐火材料有限公司"), ("medium", "盂县耐火材料有限公司"),
        ("low", "盂县耐火材料有限公司")]
