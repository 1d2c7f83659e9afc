"""The monthly check against PostgreSQL: set-based, idempotent, with a workflow on top."""
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from enterprises import services as registry
from enterprises.models import MonthlyFigure
from monitoring import services
from monitoring.models import CheckPolicy, CheckRun, EarlyWarning, WarningStatus

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def figures(enterprise, year, monthly, start_month=1, **extra):
    rows = [MonthlyFigure(enterprise=enterprise, year=year, month=start_month + i,
                          revenue=None if v is None else Decimal(v), output_value=None if v is None else Decimal(v),
                          reported_at=datetime(year, 1, 1, tzinfo=SHANGHAI), **extra)
            for i, v in enumerate(monthly)]
    MonthlyFigure.objects.bulk_create(rows)


@pytest.fixture
def scenario(enterprises, yuxian_clerk):
    """盂县 in June 2025: one below-scale enterprise growing past the line, one in-scale one falling,
    and one that has not reported June."""
    grower, faller = enterprises["yu_gxj"], enterprises["yu_other"]
    figures(grower, 2024, [1_500_000] * 12)
    figures(grower, 2025, [1_900_000] * 6)  # projected 22.8m
    registry.scale_event_record(user=yuxian_clerk, enterprise=faller, kind="first_entry", on=date(2022, 12, 1))
    figures(faller, 2024, [2_000_000] * 12)
    figures(faller, 2025, [1_500_000] * 5)  # June missing; projected 18m
    return enterprises


def check(clerk, jurisdiction, today=date(2025, 7, 15)):
    run = CheckRun.objects.create(jurisdiction=jurisdiction, year=2025, month=6, requested_by=clerk)
    return services.monthly_check_run(run_id=run.pk, today=today)


def warnings_by(enterprise):
    return {w.kind: w for w in EarlyWarning.objects.filter(enterprise=enterprise)}


def test_each_warning_the_check_opens_has_its_history_entry_by_the_requester(yuxian_clerk, jurisdictions, scenario):
    run = check(yuxian_clerk, jurisdictions["yuxian"])
    warnings = list(EarlyWarning.objects.all())
    assert len(warnings) == run.counts["created"] > 0
    for warning in warnings:
        [entry] = warning.history.all()
        assert (entry.history_type, entry.history_user, entry.history_change_reason) == ("+", yuxian_clerk, None)
        assert (entry.kind, entry.severity, entry.rule, entry.evidence, entry.run_id, entry.status) == (
            warning.kind, warning.severity, warning.rule, warning.evidence, run.pk, "open")


def test_the_check_raises_each_kind_of_warning_with_evidence(yuxian_clerk, jurisdictions, scenario):
    run = check(yuxian_clerk, jurisdictions["yuxian"])
    assert run.status == "finished" and run.total == 2 and run.processed == 2 and run.attempts == 1
    grower = warnings_by(scenario["yu_gxj"])
    # Jul–Dec 2024 at 1.5m + Jan–Jun 2025 at 1.9m = 20.4m over the trailing 12 months: already there.
    assert grower["ready_to_declare"].severity == "high"
    assert grower["ready_to_declare"].evidence["trailing12"] == "20400000.00"
    assert grower["ready_to_declare"].evidence["projection"] == "22800000.00"
    faller = warnings_by(scenario["yu_other"])
    assert faller["exit_risk"].severity == "high"
    assert faller["late_report"].evidence["ytd_months"] == 5
    assert run.counts["created"] == 3


def test_nothing_is_late_before_the_deadline(yuxian_clerk, jurisdictions, scenario):
    check(yuxian_clerk, jurisdictions["yuxian"], today=date(2025, 7, 5))
    assert "late_report" not in warnings_by(scenario["yu_other"])


def test_re_running_updates_and_never_duplicates(yuxian_clerk, jurisdictions, scenario):
    check(yuxian_clerk, jurisdictions["yuxian"])
    before = list(EarlyWarning.objects.order_by("pk").values("pk", "kind", "evidence", "status"))
    history = EarlyWarning.history.count()
    again = check(yuxian_clerk, jurisdictions["yuxian"])
    assert list(EarlyWarning.objects.order_by("pk").values("pk", "kind", "evidence", "status")) == before
    assert EarlyWarning.history.count() == history and again.counts["unchanged"] == 3
    # June arrives late: the late warning closes itself, the exit risk is updated in place.
    figures(scenario["yu_other"], 2025, [1_500_000], start_month=6)
    check(yuxian_clerk, jurisdictions["yuxian"])
    faller = warnings_by(scenario["yu_other"])
    assert faller["late_report"].status == "closed" and "自动关闭" in faller["late_report"].outcome
    assert faller["exit_risk"].evidence["ytd_months"] == 6
    assert EarlyWarning.objects.count() == 3


def test_a_warning_being_worked_on_is_not_closed_by_a_rerun(yuxian_clerk, jurisdictions, scenario):
    check(yuxian_clerk, jurisdictions["yuxian"])
    late = warnings_by(scenario["yu_other"])["late_report"]
    services.warning_transition(user=yuxian_clerk, warning_id=late.pk, status="in_progress")
    figures(scenario["yu_other"], 2025, [1_500_000], start_month=6)
    check(yuxian_clerk, jurisdictions["yuxian"])
    late.refresh_from_db()
    assert late.status == "in_progress"


def test_the_check_query_count_does_not_grow_with_enterprises(yuxian_clerk, jurisdictions, make_enterprise,
                                                              django_assert_max_num_queries):
    for i in range(40):
        enterprise = make_enterprise(f"企业{i}", "xiushui")
        figures(enterprise, 2025, [1_000_000 + i * 100_000] * 6)
    run = CheckRun.objects.create(jurisdiction=jurisdictions["yuxian"], year=2025, month=6)
    with django_assert_max_num_queries(26):  # one of them: the grouped count deciding whether to split the run
        services.monthly_check_run(run_id=run.pk, today=date(2025, 7, 15))
    # straight-line ×12 reaches 20m from 1,666,667 a month: i = 7 … 39
    assert EarlyWarning.objects.filter(kind="ready_to_declare").count() == 33


def test_pool_suggestions_follow_the_jurisdictions_rule(yuxian_clerk, jurisdictions, scenario):
    CheckPolicy.objects.create(jurisdiction=jurisdictions["yuxian"], pool_rule="yuxian",
                               pool_rule_citation="盂促企组办发[2024]1号 三(二)")
    check(yuxian_clerk, jurisdictions["yuxian"])
    suggestion = warnings_by(scenario["yu_gxj"])["pool_suggestion"]
    assert suggestion.evidence["pool"] == "cultivation" and "1,800.00万元" in suggestion.evidence["reason"]
    assert "盂促企组办发[2024]1号" in suggestion.rule


def test_staff_are_emailed_once_with_all_their_new_warnings(yuxian_clerk, jurisdictions, scenario,
                                                            django_capture_on_commit_callbacks):
    yuxian_clerk.email = "xiaowang@yuxian.example"
    yuxian_clerk.save()
    with django_capture_on_commit_callbacks(execute=True):
        check(yuxian_clerk, jurisdictions["yuxian"])
    (message,) = mail.outbox
    assert message.to == ["xiaowang@yuxian.example"] and "新增预警3条" in message.subject
    assert "退规风险" in message.body and "盂县石料加工厂" in message.body


class TestWorkflow:
    def test_assign_work_and_resolve_with_an_outcome(self, yuxian_clerk, jurisdictions, scenario,
                                                     yuxian_department_user):
        check(yuxian_clerk, jurisdictions["yuxian"])
        warning = warnings_by(scenario["yu_gxj"])["ready_to_declare"]
        services.warning_transition(user=yuxian_clerk, warning_id=warning.pk, status="assigned",
                                    assignee=yuxian_department_user)
        record = services.assistance_record(user=yuxian_department_user, enterprise=scenario["yu_gxj"],
                                            assisted_on=date(2025, 7, 20), problems="企业不了解入统流程",
                                            actions="指导准备申报材料", next_step="11月批次申报",
                                            warning_id=warning.pk)
        warning.refresh_from_db()
        assert warning.status == "in_progress" and record.warning == warning
        with pytest.raises(ValidationError):
            services.warning_transition(user=yuxian_clerk, warning_id=warning.pk, status="resolved")
        services.warning_transition(user=yuxian_clerk, warning_id=warning.pk, status="resolved",
                                    outcome="已于11月批次申报入统")
        warning.refresh_from_db()
        assert warning.status == "resolved" and warning.resolved_at is not None
        assert [h.status for h in warning.history.order_by("history_date")] == [
            "open", "assigned", "in_progress", "resolved"]

    def test_nobody_outside_the_county_can_touch_a_warning(self, yuxian_clerk, xiaoyi_clerk, yangquan_leader,
                                                           jurisdictions, scenario):
        check(yuxian_clerk, jurisdictions["yuxian"])
        warning = warnings_by(scenario["yu_gxj"])["ready_to_declare"]
        for outsider in (xiaoyi_clerk, yangquan_leader):
            with pytest.raises(PermissionDenied):
                services.warning_transition(user=outsider, warning_id=warning.pk, status="closed", outcome="x")
        with pytest.raises(PermissionDenied):
            services.monthly_check_request(user=xiaoyi_clerk, jurisdiction=jurisdictions["yuxian"], year=2025,
                                           month=6)


def test_warnings_open_too_long_are_escalated_once_and_leaders_told(yuxian_clerk, yangquan_leader, jurisdictions,
                                                                    scenario):
    yangquan_leader.email = "zhao@yangquan.example"
    yangquan_leader.save()
    check(yuxian_clerk, jurisdictions["yuxian"])
    later = timezone.now() + timedelta(days=15)
    assert services.warnings_escalate(now=later) == 3
    assert services.warnings_escalate(now=later + timedelta(days=1)) == 0
    assert EarlyWarning.objects.filter(escalated_at__isnull=False).count() == 3
    (message,) = [m for m in mail.outbox if m.to == ["zhao@yangquan.example"]]
    assert "超期未办结预警3条" in message.subject


def test_each_policy_keeps_its_beat_schedule(jurisdictions):
    from django_celery_beat.models import PeriodicTask
    policy = CheckPolicy.objects.create(jurisdiction=jurisdictions["yuxian"], run_day=12)
    task = PeriodicTask.objects.get(name="monthly-check-140322")
    assert task.crontab.day_of_month == "12" and task.task == "monitoring.tasks.monthly_check_scheduled"
    policy.run_day = 15
    policy.save()
    assert PeriodicTask.objects.get(name="monthly-check-140322").crontab.day_of_month == "15"


def test_the_scheduled_task_checks_last_month(jurisdictions, scenario, django_capture_on_commit_callbacks,
                                              monkeypatch):
    from monitoring import tasks
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2025, 7, 12))
    with django_capture_on_commit_callbacks(execute=True):
        run_id = tasks.monthly_check_scheduled.apply(kwargs={"jurisdiction_key": "140322"}).get()
    run = CheckRun.objects.get(pk=run_id)
    assert (run.year, run.month, run.status, run.requested_by) == (2025, 6, "finished", None)
