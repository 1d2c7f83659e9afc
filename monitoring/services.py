"""The monthly check and the warning workflow."""
import json
from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from enterprises import access
from enterprises.models import Enterprise, Jurisdiction, MonthlyFigure, PoolMembership, Role, ScaleEvent, User

from .domain import checks, pools, workflow
from .models import (
    ACTIVE_STATUSES,
    Assistance,
    CheckPolicy,
    CheckRun,
    EarlyWarning,
    WarningKind,
    WarningStatus,
)

PROGRESS_CHUNK = 500
SCHEDULE_PREFIX = "monthly-check-"


def _require(check):
    allowed, reason = check
    if not allowed:
        raise PermissionDenied(reason)


def can_run_checks(user, jurisdiction) -> tuple[bool, str]:
    if user.is_superuser:
        return True, ""
    if user.role == Role.CENTER_STAFF and jurisdiction.path.startswith(user.jurisdiction.path):
        return True, ""
    return False, _("只有本区域中小企业服务中心工作人员可以运行检查")


def policy_for(jurisdiction: Jurisdiction) -> CheckPolicy:
    """The nearest configured policy up the tree, or the defaults."""
    keys = [k for k in jurisdiction.path.split("/") if k]
    found = {p.jurisdiction.key: p for p in CheckPolicy.objects.filter(jurisdiction__key__in=keys)
             .select_related("jurisdiction")}
    for key in reversed(keys):
        if key in found:
            return found[key]
    return CheckPolicy(jurisdiction=jurisdiction)


def previous_period(today: date) -> tuple[int, int]:
    first = today.replace(day=1) - timedelta(days=1)
    return first.year, first.month


def report_deadline(year: int, month: int, policy: CheckPolicy) -> date:
    next_month = date(year + month // 12, month % 12 + 1, 1)
    return next_month.replace(day=policy.report_deadline_day)


# -- running a check -------------------------------------------------------------

def monthly_check_request(*, user, jurisdiction: Jurisdiction, year: int, month: int) -> CheckRun:
    """Queue a check; the task starts when this transaction commits. `user` is None for the schedule."""
    if user is not None:
        _require(can_run_checks(user, jurisdiction))
    from .tasks import monthly_check_task

    run = CheckRun.objects.create(jurisdiction=jurisdiction, year=year, month=month, requested_by=user)
    transaction.on_commit(lambda: monthly_check_task.delay(run.pk))
    return run


def monthly_check_run(*, run_id: int, today: date | None = None) -> CheckRun:
    """Check every enterprise of the run's jurisdiction for the run's month.

    Steps:
      1. mark the run running (a redelivered task after a killed worker runs again from scratch);
      2. one aggregate query gives each enterprise's YTD, last year's same period and total,
         trailing 12 months, this month's figures and the three months before;
      3. classify in memory, recording progress every chunk (outside the write transaction,
         so staff watching the run see it move);
      4. pool suggestions from the jurisdiction's rule;
      5. one transaction upserts warnings (one per enterprise, kind and period), closes open
         warnings that no longer fire, and queues the e-mails for after the commit;
      6. record counts, or the error.
    """
    today = today or timezone.localdate()
    run = CheckRun.objects.select_related("jurisdiction").get(pk=run_id)
    CheckRun.objects.filter(pk=run_id).update(status=CheckRun.Status.RUNNING, started_at=timezone.now(),
                                              processed=0, error="", attempts=run.attempts + 1)
    try:
        counts = _check(run, today)
    except Exception as error:
        CheckRun.objects.filter(pk=run_id).update(status=CheckRun.Status.FAILED, finished_at=timezone.now(),
                                                  error=repr(error))
        raise
    CheckRun.objects.filter(pk=run_id).update(status=CheckRun.Status.FINISHED, finished_at=timezone.now(),
                                              counts=counts)
    run.refresh_from_db()
    return run


def _period_q(periods):
    q = Q(pk__in=[])
    for year, month in periods:
        q |= Q(year=year, month=month)
    return q


def _months_before(year, month, n):
    out = []
    for _i in range(n):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        out.append((year, month))
    return out


def aggregates_for(enterprises, year: int, month: int) -> dict[int, dict]:
    """Per-enterprise monthly aggregates for the period, in one query."""
    this_year = Q(year=year, month__lte=month)
    last_year_same = Q(year=year - 1, month__lte=month)
    trailing = this_year | Q(year=year - 1, month__gt=month)
    this_month = Q(year=year, month=month)
    before = _period_q(_months_before(year, month, 3))
    has_revenue = Q(revenue__isnull=False)
    rows = (MonthlyFigure.objects.filter(enterprise__in=enterprises, year__in=(year - 1, year))
            .values("enterprise_id").annotate(
                ytd=Sum("revenue", filter=this_year), ytd_months=Count("revenue", filter=this_year),
                ytd_last_year=Sum("revenue", filter=last_year_same),
                last_year_total=Sum("revenue", filter=Q(year=year - 1)),
                last_year_months=Count("revenue", filter=Q(year=year - 1)),
                trailing12=Sum("revenue", filter=trailing), trailing12_months=Count("revenue", filter=trailing),
                revenue_this_month=Sum("revenue", filter=this_month),
                output_this_month=Sum("output_value", filter=this_month),
                electricity_this_month=Sum("electricity_kwh", filter=this_month),
                reported_this_month=Count("id", filter=this_month & has_revenue),
                before_sum=Sum("revenue", filter=before), before_months=Count("revenue", filter=before),
            ))
    return {row["enterprise_id"]: row for row in rows}


def _aggregates(enterprise_id, in_scale, year, month, row) -> checks.Aggregates:
    row = row or {}
    before_months = row.get("before_months") or 0
    return checks.Aggregates(
        enterprise_id=enterprise_id, in_scale=in_scale, year=year, month=month,
        ytd=row.get("ytd"), ytd_months=row.get("ytd_months") or 0, ytd_last_year=row.get("ytd_last_year"),
        last_year_total=row.get("last_year_total"), last_year_months=row.get("last_year_months") or 0,
        trailing12=row.get("trailing12"), trailing12_months=row.get("trailing12_months") or 0,
        revenue_this_month=row.get("revenue_this_month"), output_this_month=row.get("output_this_month"),
        electricity_this_month=row.get("electricity_this_month"),
        has_figure_this_month=bool(row.get("reported_this_month")),
        previous_three_avg=row["before_sum"] / before_months if before_months == 3 else None,
    )


def _check(run: CheckRun, today: date) -> dict:
    policy = policy_for(run.jurisdiction)
    settings_ = checks.CheckSettings(margin=policy.margin, yoy_fall=policy.yoy_fall, jump_factor=policy.jump_factor,
                                     near_zero_output=policy.near_zero_output,
                                     min_electricity_kwh=policy.min_electricity_kwh)
    late = today > report_deadline(run.year, run.month, policy)
    enterprises = Enterprise.objects.filter(jurisdiction__path__startswith=run.jurisdiction.path)
    ids = enterprises.values("pk")
    people = list(enterprises.values_list("pk", "is_in_scale", "category").order_by("pk"))
    CheckRun.objects.filter(pk=run.pk).update(total=len(people))
    rows = aggregates_for(ids, run.year, run.month)
    findings: dict[tuple[int, str], checks.Finding] = {}
    candidates = []
    current_pool = dict(PoolMembership.objects.filter(enterprise__in=ids, exited_on__isnull=True)
                        .values_list("enterprise_id", "pool"))
    exited = set(ScaleEvent.objects.filter(enterprise__in=ids, kind="exit",
                                           occurred_on__gte=date(run.year - 3, run.month, 1))
                 .values_list("enterprise_id", flat=True))
    for index, (enterprise_id, in_scale, category) in enumerate(people, start=1):
        row = rows.get(enterprise_id)
        aggregates = _aggregates(enterprise_id, in_scale, run.year, run.month, row)
        for finding in checks.classify(aggregates, settings_, late):
            findings[(enterprise_id, finding.kind)] = finding
        candidates.append(pools.Candidate(
            enterprise_id, in_scale, current_pool.get(enterprise_id),
            aggregates.last_year_total if aggregates.last_year_months == 12 else None,
            aggregates.trailing12 if aggregates.trailing12_months == 12 else None,
            exited_recently=enterprise_id in exited and not in_scale, new_project=category == "new_project"))
        if index % PROGRESS_CHUNK == 0:
            CheckRun.objects.filter(pk=run.pk).update(processed=index)
    if policy.pool_rule:
        pool_policy = pools.PoolPolicy(policy.pool_rule, policy.pool_rule_citation, policy.annual_target,
                                       policy.expected_count)
        for suggestion in pools.suggest(pool_policy, candidates, run.month):
            findings[(suggestion.enterprise_id, WarningKind.POOL_SUGGESTION)] = checks.Finding(
                WarningKind.POOL_SUGGESTION, "low", f"{suggestion.citation}：建议调入{_pool_label(suggestion.pool)}",
                {"pool": suggestion.pool, "reason": suggestion.reason,
                 "current_pool": current_pool.get(suggestion.enterprise_id)})
    CheckRun.objects.filter(pk=run.pk).update(processed=len(people))
    with transaction.atomic():
        counts, created = _write(run, ids, findings)
        transaction.on_commit(lambda: notify_new_warnings([w.pk for w in created]))
    return counts


def _pool_label(pool):
    from enterprises.models import Pool
    return Pool(pool).label


def _write(run, ids, findings):
    now = timezone.now()
    existing = {(w.enterprise_id, w.kind): w for w in EarlyWarning.objects.select_for_update().filter(
        enterprise__in=ids, year=run.year, month=run.month)}
    counts = defaultdict(int)
    to_create, to_update = [], []
    for (enterprise_id, kind), finding in findings.items():
        counts[kind] += 1
        current = existing.get((enterprise_id, kind))
        evidence = json.loads(json.dumps(finding.evidence, default=str))
        if current is None:
            to_create.append(EarlyWarning(enterprise_id=enterprise_id, kind=kind, year=run.year, month=run.month,
                                          severity=finding.severity, rule=finding.rule[:200], evidence=evidence,
                                          run=run, opened_at=now))
        elif (current.severity, current.rule, current.evidence) != (finding.severity, finding.rule[:200], evidence):
            current.severity, current.rule, current.evidence, current.run = (finding.severity, finding.rule[:200],
                                                                             evidence, run)
            to_update.append(current)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    for key, current in existing.items():
        if key not in findings and current.status == WarningStatus.OPEN:
            current.status, current.outcome, current.resolved_at, current.run = (
                WarningStatus.CLOSED, _("复核后不再触发，自动关闭"), now, run)
            to_update.append(current)
            counts["auto_closed"] += 1
    if to_create:
        bulk_create_with_history(to_create, EarlyWarning, batch_size=500, default_user=run.requested_by)
    if to_update:
        bulk_update_with_history(to_update, EarlyWarning, batch_size=500, default_user=run.requested_by,
                                 fields=["severity", "rule", "evidence", "run", "status", "outcome", "resolved_at"])
    counts["created"] = len(to_create)
    return dict(counts), to_create  # PostgreSQL and SQLite both return primary keys from bulk_create


# -- notifications and escalation ---------------------------------------------------

def _recipients(enterprises, roles):
    """Users responsible for each enterprise: staff of its department, and people
    of the given roles whose jurisdiction contains it."""
    users = list(User.objects.filter(is_active=True, role__in=roles).exclude(email="")
                 .select_related("jurisdiction"))
    out = defaultdict(set)
    for enterprise in enterprises:
        for user in users:
            if user.role == Role.DEPARTMENT_STAFF:
                if user.department_id and user.department_id == enterprise.department_id:
                    out[user].add(enterprise.pk)
            elif user.jurisdiction_id and enterprise.jurisdiction.path.startswith(user.jurisdiction.path):
                out[user].add(enterprise.pk)
    return out


def notify_new_warnings(warning_ids: list[int]):
    """One summary e-mail per responsible person, not one per warning."""
    if not warning_ids:
        return 0
    warnings = list(EarlyWarning.objects.filter(pk__in=warning_ids).select_related(
        "enterprise", "enterprise__jurisdiction"))
    by_enterprise = defaultdict(list)
    for warning in warnings:
        by_enterprise[warning.enterprise_id].append(warning)
    sent = 0
    recipients = _recipients({w.enterprise for w in warnings}, (Role.CENTER_STAFF, Role.DEPARTMENT_STAFF))
    for user, enterprise_ids in recipients.items():
        lines = [f"{w.enterprise.name}：{w.get_kind_display()}（{w.get_severity_display()}）{w.rule}"
                 for eid in sorted(enterprise_ids) for w in by_enterprise[eid]]
        send_mail(_("【小升规】新增预警%(n)s条") % {"n": len(lines)}, "\n".join(lines), settings.DEFAULT_FROM_EMAIL,
                  [user.email])
        sent += 1
    return sent


def warnings_escalate(*, now=None) -> int:
    """Warnings still active past their jurisdiction's limit are escalated once, and leaders told."""
    now = now or timezone.now()
    candidates = list(EarlyWarning.objects.filter(status__in=ACTIVE_STATUSES, escalated_at__isnull=True)
                      .select_related("enterprise", "enterprise__jurisdiction"))
    limits = {}
    due = []
    for warning in candidates:
        jurisdiction = warning.enterprise.jurisdiction
        if jurisdiction.pk not in limits:
            limits[jurisdiction.pk] = policy_for(jurisdiction).escalation_days
        if warning.opened_at <= now - timedelta(days=limits[jurisdiction.pk]):
            warning.escalated_at = now
            due.append(warning)
    if not due:
        return 0
    with transaction.atomic():
        bulk_update_with_history(due, EarlyWarning, fields=["escalated_at"], batch_size=500)
    by_enterprise = defaultdict(list)
    for warning in due:
        by_enterprise[warning.enterprise_id].append(warning)
    for user, enterprise_ids in _recipients({w.enterprise for w in due}, (Role.LEADER, Role.CENTER_STAFF)).items():
        lines = [f"{w.enterprise.name}：{w.get_kind_display()}，{w.opened_at:%Y-%m-%d}产生，仍为“{w.get_status_display()}”"
                 for eid in sorted(enterprise_ids) for w in by_enterprise[eid]]
        send_mail(_("【小升规】超期未办结预警%(n)s条") % {"n": len(lines)}, "\n".join(lines),
                  settings.DEFAULT_FROM_EMAIL, [user.email])
    return len(due)


# -- the workflow ---------------------------------------------------------------------

def warnings_visible_to(user):
    return EarlyWarning.objects.filter(enterprise__in=access.enterprises_visible_to(user))


def _warning_for_change(user, warning_id):
    warning = warnings_visible_to(user).select_for_update().filter(pk=warning_id).first()
    if warning is None:
        raise PermissionDenied(_("该预警不在您的管辖范围内"))
    _require(access.can_change_enterprise(user, warning.enterprise))
    return warning


@transaction.atomic
def warning_transition(*, user, warning_id: int, status: str, outcome: str = "", assignee=None) -> EarlyWarning:
    warning = _warning_for_change(user, warning_id)
    problem = workflow.check_transition(warning.status, status, outcome)
    if problem:
        raise ValidationError({"status": problem})
    if status == WarningStatus.ASSIGNED:
        if assignee is None:
            raise ValidationError({"assignee": _("分派须指定经办人")})
        if not access.enterprises_visible_to(assignee).filter(pk=warning.enterprise_id).exists():
            raise ValidationError({"assignee": _("经办人无权处理该企业")})
        warning.assignee = assignee
    if status in workflow.NEEDS_OUTCOME:
        warning.outcome = outcome.strip()
        warning.resolved_at = timezone.now()
    warning.status = status
    warning._history_user = user
    warning.save()
    return warning


@transaction.atomic
def assistance_record(*, user, enterprise: Enterprise, assisted_on: date, problems: str, actions: str,
                      next_step: str = "", warning_id: int | None = None) -> Assistance:
    """Log 帮扶; logging it against an open or assigned warning puts the warning in progress."""
    _require(access.can_change_enterprise(user, enterprise))
    warning = None
    if warning_id:
        warning = _warning_for_change(user, warning_id)
        if warning.enterprise_id != enterprise.pk:
            raise ValidationError({"warning": _("预警不属于该企业")})
    record = Assistance(enterprise=enterprise, warning=warning, assisted_on=assisted_on, staff=user,
                        problems=problems.strip(), actions=actions.strip(), next_step=next_step.strip())
    record._history_user = user
    record.full_clean()
    record.save()
    if warning is not None and warning.status in (WarningStatus.OPEN, WarningStatus.ASSIGNED):
        warning.status = WarningStatus.IN_PROGRESS
        warning.assignee = warning.assignee or user
        warning._history_user = user
        warning.save()
    return record


# -- schedules ------------------------------------------------------------------------

def schedule_sync(policy: CheckPolicy):
    """Keep the jurisdiction's periodic task (django-celery-beat) in line with its policy."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="0", hour="2", day_of_month=str(policy.run_day), month_of_year="*", day_of_week="*",
        timezone=settings.TIME_ZONE)
    PeriodicTask.objects.update_or_create(
        name=f"{SCHEDULE_PREFIX}{policy.jurisdiction.key}",
        defaults={"task": "monitoring.tasks.monthly_check_scheduled", "crontab": crontab, "interval": None,
                  "kwargs": json.dumps({"jurisdiction_key": policy.jurisdiction.key}), "enabled": True})


def escalation_schedule_sync():
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="30", hour="7", day_of_month="*", month_of_year="*", day_of_week="*", timezone=settings.TIME_ZONE)
    PeriodicTask.objects.update_or_create(name="warnings-escalation", defaults={
        "task": "monitoring.tasks.escalate_warnings_task", "crontab": crontab, "interval": None, "enabled": True})
