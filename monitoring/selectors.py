"""Reads of monitoring data on a user's behalf, scoped through enterprises.access.

Targets: a user sees the targets of the jurisdictions in their subtree (their own included,
so a county sees what the city set for it) and of those jurisdictions' departments; a user
may change only the targets of the units below their own level (`can_set_target`).
"""
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises import access
from enterprises.models import Department, Jurisdiction, Role

from .models import Target

# Roles that read targets and dashboards: the government side, not enterprises or API clients.
TARGET_READERS = (Role.CENTER_STAFF, Role.DEPARTMENT_STAFF, Role.LEADER)


def can_read_targets(user) -> tuple[bool, str]:
    if not user.is_authenticated or not user.is_active:
        return False, _("请先登录")
    if user.is_superuser:
        return True, ""
    if user.role in TARGET_READERS:
        return True, ""
    return False, _("当前角色不能查看目标任务")


def can_set_target(user, *, jurisdiction: Jurisdiction | None = None, department: Department | None = None
                   ) -> tuple[bool, str]:
    """A target is set by the level above its unit: SME-center staff of a proper ancestor of the
    jurisdiction (a county clerk cannot set their own county's target; the city can), or of the
    department's jurisdiction or above (a county sets its departments' targets)."""
    if not user.is_authenticated or not user.is_active:
        return False, _("请先登录")
    if user.is_superuser:
        return True, ""
    if user.role != Role.CENTER_STAFF or user.jurisdiction_id is None:
        return False, _("只有上级中小企业服务中心工作人员可以设定目标")
    own = user.jurisdiction.path
    if department is not None and department.jurisdiction.path.startswith(own):
        return True, ""
    if jurisdiction is not None and jurisdiction.path.startswith(own) and jurisdiction.pk != user.jurisdiction_id:
        return True, ""
    return False, _("目标由上级设定：不能设定本级或管辖范围以外单位的目标")


def targets_visible_to(user) -> QuerySet:
    if not can_read_targets(user)[0]:
        return Target.objects.none()
    visible = access.jurisdictions_visible_to(user)
    return (Target.objects.filter(Q(jurisdiction__in=visible) | Q(department__jurisdiction__in=visible))
            .select_related("jurisdiction", "department", "department__jurisdiction", "updated_by"))


def settable_jurisdictions(user) -> QuerySet:
    """Jurisdictions whose targets the user may set (strictly below their own)."""
    if not can_read_targets(user)[0]:
        return Jurisdiction.objects.none()
    if user.is_superuser:
        return Jurisdiction.objects.all()
    if user.role != Role.CENTER_STAFF or user.jurisdiction_id is None:
        return Jurisdiction.objects.none()
    return Jurisdiction.objects.filter(path__startswith=user.jurisdiction.path).exclude(pk=user.jurisdiction_id)


def settable_departments(user) -> QuerySet:
    if not can_read_targets(user)[0]:
        return Department.objects.none()
    if user.is_superuser:
        return Department.objects.select_related("jurisdiction")
    if user.role != Role.CENTER_STAFF or user.jurisdiction_id is None:
        return Department.objects.none()
    return Department.objects.filter(jurisdiction__path__startswith=user.jurisdiction.path).select_related(
        "jurisdiction")


def target_get_for_change(*, user, pk) -> Target:
    """A target the user may change; any other (foreign, or their own level's) is a 404 like a missing one."""
    target = get_object_or_404(targets_visible_to(user), pk=pk)
    if not can_set_target(user, jurisdiction=target.jurisdiction, department=target.department)[0]:
        raise Http404
    return target


def target_sums(targets) -> dict:
    """For each jurisdiction target, the sums of the same year's and measure's targets of its child
    jurisdictions and of its departments: {target.pk: (children_sum | None, departments_sum | None)}.
    One query for any number of targets."""
    targets = [t for t in targets if t.jurisdiction_id]
    if not targets:
        return {}
    ids = {t.jurisdiction_id for t in targets}
    years = {t.year for t in targets}
    rows = (Target.objects.filter(year__in=years)
            .filter(Q(jurisdiction__parent_id__in=ids) | Q(department__jurisdiction_id__in=ids))
            .values_list("year", "measure", "jurisdiction__parent_id", "department__jurisdiction_id", "value"))
    children, departments = {}, {}
    for year, measure, parent_id, dept_jurisdiction_id, value in rows:
        if parent_id is not None:
            children[(parent_id, year, measure)] = children.get((parent_id, year, measure), 0) + value
        if dept_jurisdiction_id is not None:
            key = (dept_jurisdiction_id, year, measure)
            departments[key] = departments.get(key, 0) + value
    return {t.pk: (children.get((t.jurisdiction_id, t.year, t.measure)),
                   departments.get((t.jurisdiction_id, t.year, t.measure))) for t in targets}


# -- warnings by age ----------------------------------------------------------------------

# Active warnings by age: days from the local day a warning was raised to today.
WARNING_AGE_BUCKETS = (("0-7", 0, 7), ("8-30", 8, 30), ("31-90", 31, 90), ("91+", 91, None))


def day_start(today: date, days_ago: int) -> datetime:
    """Local midnight starting the day `days_ago` days before `today`."""
    return timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), time.min))


def warning_age_label(low: int, high: int | None) -> str:
    if high is None:
        return _("%(low)s天以上") % {"low": low}
    return _("%(low)s–%(high)s天") % {"low": low, "high": high}


def warnings_opened_filter(today: date, key: str) -> Q | None:
    """The warnings of one age bucket (the dashboard counts with the same boundaries);
    None for an unknown bucket. A warning dated later than today counts as new."""
    for bucket, low, high in WARNING_AGE_BUCKETS:
        if bucket != key:
            continue
        condition = Q()
        if high is not None:
            condition &= Q(opened_at__gte=day_start(today, high))
        if low > 0:
            condition &= Q(opened_at__lt=day_start(today, low - 1))
        return condition
    return None
