"""Reads for the dispatch report, the annual notice and the 一户一册 (issue 11 items 3–5).

The dispatch report is the dashboard snapshot (reports.selectors) plus a few named lists,
gathered in a bounded number of queries within the same scope.
"""
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises import access
from enterprises.domain.scale import ENTRY_KINDS
from enterprises.models import Jurisdiction, Role, ScaleEvent, User
from incentives.models import Entitlement
from monitoring.models import ACTIVE_STATUSES, Assistance, EarlyWarning, Severity, WarningKind, WarningStatus

from . import selectors
from .dispatch import DispatchData, EventLine, RiskLine
from .models import DispatchReport

REPORT_ROLES = (Role.LEADER, Role.CENTER_STAFF)


def can_read_reports(user) -> tuple[bool, str]:
    """Leaders and center staff (and superusers) read the reports of their subtree."""
    if user.is_superuser or user.role in REPORT_ROLES:
        return True, ""
    return False, _("当前角色不能查看调度报告")


def report_scope(*, user, key: str) -> Jurisdiction:
    """The jurisdiction of a report address; outside the user's scope answers like unknown (404)."""
    allowed, reason = can_read_reports(user)
    if not allowed:
        raise PermissionDenied(reason)
    return selectors.dashboard_scope(user=user, key=key)


def can_issue_report(user, jurisdiction: Jurisdiction) -> tuple[bool, str]:
    """Center staff of the jurisdiction itself (or a superuser) issue its report; leaders only read."""
    if user.is_superuser:
        return True, ""
    if user.role == Role.CENTER_STAFF and user.jurisdiction_id == jurisdiction.pk:
        return True, ""
    return False, _("只有本级中小企业服务中心工作人员可以印发调度报告")


def system_reader(jurisdiction: Jurisdiction) -> User:
    """An unsaved center-staff account of `jurisdiction`: the scope a scheduled issue reads with."""
    return User(username=f"system:{jurisdiction.key}", role=Role.CENTER_STAFF, jurisdiction=jurisdiction,
                is_active=True)


def issued_report(jurisdiction: Jurisdiction, year: int, month: int) -> DispatchReport | None:
    return (DispatchReport.objects.filter(jurisdiction=jurisdiction, year=year, month=month)
            .defer("pdf").first())


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def dispatch_data(*, user, jurisdiction: Jurisdiction, year: int, month: int,
                  today: date | None = None) -> DispatchData:
    """The month's dispatch report for `jurisdiction`'s subtree as `user` sees it."""
    today = today or timezone.localdate()
    snapshot = selectors.dashboard_snapshot(user=user, jurisdiction=jurisdiction, year=year, month=month,
                                            today=today)
    scope = (access.enterprises_visible_to(user).filter(jurisdiction__path__startswith=jurisdiction.path)
             .order_by().values("pk"))
    start, end = date(year, month, 1), selectors.month_end(year, month)
    kinds = dict(ScaleEvent._meta.get_field("kind").choices)

    events = (ScaleEvent.objects.filter(enterprise__in=scope, occurred_on__range=(start, end))
              .select_related("enterprise__jurisdiction", "enterprise__department")
              .order_by("occurred_on", "name_at_event", "pk"))
    entries, exits = [], []
    for event in events:
        line = EventLine(enterprise=event.name_at_event or event.enterprise.name,
                         jurisdiction=event.enterprise.jurisdiction.name,
                         department=event.enterprise.department.name if event.enterprise.department_id else "",
                         kind=event.kind, kind_label=str(kinds.get(event.kind, event.kind)),
                         occurred_on=event.occurred_on)
        (entries if event.kind in ENTRY_KINDS else exits).append(line)

    # the exit-risk list is the state when the report is drafted: the month's check runs early next month.
    # Plain rows, the latest assistance as two subqueries and the labels translated once: a province
    # names thousands (issue 14: model instances and per-row lazy labels cost seconds there).
    latest = Assistance.objects.filter(warning=OuterRef("pk")).order_by("-assisted_on", "-pk")
    risks = (EarlyWarning.objects.filter(enterprise__in=scope, kind=WarningKind.EXIT_RISK,
                                         status__in=ACTIVE_STATUSES)
             .annotate(assistance_count=Count("assistance"), last_actions=Subquery(latest.values("actions")[:1]),
                       last_on=Subquery(latest.values("assisted_on")[:1]))
             .order_by("enterprise__name", "pk")
             .values_list("enterprise__name", "enterprise__jurisdiction__name", "enterprise__department__name",
                          "severity", "status", "opened_at", "assistance_count", "last_actions", "last_on"))
    severities = {key: str(label) for key, label in Severity.choices}
    statuses = {key: str(label) for key, label in WarningStatus.choices}
    exit_risks = [
        RiskLine(enterprise=name, jurisdiction=place, department=department or "",
                 severity_label=severities.get(severity, severity), status_label=statuses.get(status, status),
                 opened_on=timezone.localtime(opened_at).date(), assistance_count=count,
                 last_assistance=actions or "", last_assisted_on=last_on, severity=severity)
        for name, place, department, severity, status, opened_at, count, actions, last_on in risks]

    start_at, end_at = _day_start(start), _day_start(date.fromordinal(end.toordinal() + 1))
    in_scope = EarlyWarning.objects.filter(enterprise__in=scope)
    raised = in_scope.filter(year=year, month=month).count()  # raised on the month's data
    resolved = in_scope.filter(resolved_at__gte=start_at, resolved_at__lt=end_at).count()

    paid = Entitlement.objects.filter(enterprise__in=scope, status="paid", paid_on__range=(date(year, 1, 1), end))
    ytd = paid.aggregate(total=Sum("amount"), count=Count("pk"))
    this_month = paid.filter(paid_on__gte=start).aggregate(total=Sum("amount"), count=Count("pk"))
    return DispatchData(snapshot=snapshot, entries=entries, exits=exits, exit_risks=exit_risks,
                        warnings_raised=raised, warnings_resolved=resolved,
                        paid_month=this_month["total"] or Decimal("0"), paid_month_count=this_month["count"],
                        paid_ytd=ytd["total"] or Decimal("0"), paid_ytd_count=ytd["count"])


# -- 一户一册 (one enterprise's book) -------------------------------------------------------

def book_enterprise(*, user, pk):
    """The enterprise of a 一户一册, within the user's scope (404 outside, like a missing one).
    API clients get none: the book is for people in the portal."""
    from django.http import Http404

    if user.role == Role.API_CLIENT and not user.is_superuser:
        raise Http404
    enterprise = (access.enterprises_visible_to(user).select_related("jurisdiction", "department")
                  .filter(pk=pk).first())
    if enterprise is None:
        raise Http404
    return enterprise


def book_context(enterprise, *, year: int | None = None) -> dict:
    """Everything the 一户一册 shows, in a fixed number of queries."""
    from monitoring.domain import checks

    from . import charts

    figures = list(enterprise.monthly_figures.order_by("year", "month"))
    years = sorted({f.year for f in figures})
    year = year or (years[-1] if years else timezone.localdate().year)
    this_year = [f for f in figures if f.year == year]
    last_year = [f for f in figures if f.year == year - 1]
    reported = [f for f in this_year if f.revenue is not None]
    last_month = reported[-1].month if reported else 0
    ytd = sum((f.revenue for f in reported), Decimal("0")) if reported else None
    same_period = [f.revenue for f in last_year if f.month <= last_month and f.revenue is not None]
    last_total = [f.revenue for f in last_year if f.revenue is not None]
    derived = checks.derive(checks.Aggregates(
        enterprise_id=enterprise.pk, in_scale=enterprise.is_in_scale, year=year, month=last_month or 1,
        ytd=ytd, ytd_months=len(reported), ytd_last_year=sum(same_period) if same_period else None,
        last_year_total=sum(last_total) if last_total else None, last_year_months=len(last_total),
        trailing12=None, trailing12_months=0, revenue_this_month=None, output_this_month=None,
        electricity_this_month=None, has_figure_this_month=False, previous_three_avg=None))
    chart = charts.revenue_chart(year=year, monthly=[(f.month, f.revenue) for f in this_year],
                                 threshold=checks.THRESHOLD, projection=derived.projection)
    warnings = list(enterprise.warnings.order_by("-opened_at", "-pk"))
    help_given = list(enterprise.assistance.select_related("staff", "warning").order_by("-assisted_on", "-pk"))
    return {
        "enterprise": enterprise, "year": year, "figures": this_year, "ytd": ytd,
        "projection": derived.projection, "projection_method": derived.projection_method,
        "threshold": checks.THRESHOLD, "revenue_chart": chart,
        "names": list(enterprise.names.order_by("valid_from", "pk")),
        "pool_history": list(enterprise.pool_memberships.order_by("entered_on", "pk")),
        "scale_events": list(enterprise.scale_events.order_by("occurred_on", "pk")),
        "warnings": warnings, "assistance": help_given,
        "entitlements": list(enterprise.entitlements.select_related("rule").order_by("-year", "pk")),
        "printed_on": timezone.localdate(),
    }


# -- the annual target notice -------------------------------------------------------------

def notice_groups(snapshot) -> dict:
    """Units of a year-end snapshot split for the notice: praised (target met), lagging (not met),
    without a target. Ranked as the dashboard ranks them."""
    units = snapshot.by_jurisdiction + snapshot.by_department
    praised = [u for u in units if u.primary is not None and u.primary.completion is not None
               and u.primary.completion >= 1]
    lagging = [u for u in units if u.primary is not None and u not in praised]
    return {"praised": praised, "lagging_units": lagging,
            "untargeted": [u for u in units if u.primary is None]}
