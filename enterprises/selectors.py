"""Reads of the registry, always scoped through `access`.

Lists annotate what a page needs in the same query (current pool, YTD revenue)
so page query counts stay bounded whatever the number of enterprises.
"""
from datetime import date

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from . import access
from .domain import reporting
from .models import CorrectionStatus, Enterprise, FigureCorrectionRequest, Jurisdiction, MonthlyFigure, PoolMembership


def current_pool_subquery():
    return Subquery(
        PoolMembership.objects.filter(enterprise=OuterRef("pk"), exited_on__isnull=True).values("pool")[:1]
    )


def enterprise_list(*, user, search: str = "", jurisdiction=None, pool: str = "", category: str = "",
                    in_scale: bool | None = None, year: int | None = None, up_to_month: int | None = None) -> QuerySet:
    """Enterprises the user may see, with current pool and year-to-date revenue."""
    qs = access.enterprises_visible_to(user)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(credit_code__icontains=search.upper())
                       | Q(names__name__icontains=search)).distinct()
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction__path__startswith=jurisdiction.path)
    if category:
        qs = qs.filter(category=category)
    if in_scale is not None:
        qs = qs.filter(is_in_scale=in_scale)
    qs = qs.annotate(current_pool=current_pool_subquery())
    if pool:
        qs = qs.filter(current_pool=pool)
    if year:
        month_filter = Q(monthly_figures__year=year)
        if up_to_month:
            month_filter &= Q(monthly_figures__month__lte=up_to_month)
        ytd = Subquery(
            MonthlyFigure.objects.filter(enterprise=OuterRef("pk"), year=year,
                                         month__lte=up_to_month or 12)
            .values("enterprise").annotate(total=Sum("revenue")).values("total")[:1],
            output_field=DecimalField(max_digits=18, decimal_places=2),
        )
        qs = qs.annotate(ytd_revenue=Coalesce(ytd, Value(None, output_field=DecimalField())))
    return qs.select_related("jurisdiction", "department").order_by("name")


def enterprise_get(*, user, pk) -> Enterprise:
    """404 rather than 403 for an enterprise outside the user's scope: its existence is not disclosed."""
    return get_object_or_404(access.enterprises_visible_to(user).select_related("jurisdiction", "department"), pk=pk)


def monthly_figures_for(*, enterprise: Enterprise, year: int | None = None) -> QuerySet:
    qs = enterprise.monthly_figures.select_related("reported_by")
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-month")


def year_to_date(figures, year: int, month: int):
    """Sum of monthly revenue Jan..month of `year` from already-fetched figures (None if none reported)."""
    values = [f.revenue for f in figures if f.year == year and f.month <= month and f.revenue is not None]
    return sum(values) if values else None


def figures_visible_to(*, user) -> QuerySet:
    return MonthlyFigure.objects.filter(enterprise__in=access.enterprises_visible_to(user))


def pool_history(*, enterprise: Enterprise) -> QuerySet:
    return enterprise.pool_memberships.select_related("entered_by", "exited_by").order_by("-entered_on", "-id")


def current_pool(*, enterprise: Enterprise) -> PoolMembership | None:
    return enterprise.pool_memberships.filter(exited_on__isnull=True).first()


def today() -> date:
    from django.utils import timezone
    return timezone.localdate()


# --- the reporting calendar -------------------------------------------------------------------

def report_deadline_day(jurisdiction: Jurisdiction) -> int:
    """The deadline day that applies in `jurisdiction`: its own, else the nearest
    ancestor's, else the 10th (one query)."""
    keys = [k for k in jurisdiction.path.split("/") if k]
    days = dict(Jurisdiction.objects.filter(key__in=keys, report_deadline_day__isnull=False)
                .values_list("key", "report_deadline_day"))
    return reporting.deadline_day(days.get(key) for key in reversed(keys))


def report_deadline(jurisdiction: Jurisdiction, year: int, month: int) -> date:
    """The last day (inclusive) figures for `year`-`month` are due in `jurisdiction`."""
    return reporting.deadline(year, month, report_deadline_day(jurisdiction))


# --- correction requests ----------------------------------------------------------------------

def corrections_visible_to(*, user) -> QuerySet:
    """Correction requests of the enterprises the user may see."""
    return (FigureCorrectionRequest.objects.filter(enterprise__in=access.enterprises_visible_to(user))
            .select_related("enterprise", "requested_by", "decided_by"))


def corrections_to_review(*, user, status: str = CorrectionStatus.PENDING) -> QuerySet:
    """What a registry writer reviews: requests of the enterprises they may change."""
    if not access.can_write_registry(user)[0]:
        return FigureCorrectionRequest.objects.none()
    qs = corrections_visible_to(user=user)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("requested_at", "id") if status == CorrectionStatus.PENDING else qs


def correction_get(*, user, pk) -> FigureCorrectionRequest:
    """404 for a request of an enterprise outside the user's scope, as for the enterprise itself."""
    return get_object_or_404(corrections_visible_to(user=user), pk=pk)


def with_lines(corrections) -> list[FigureCorrectionRequest]:
    """Attach `display_lines` to each request (one query for all): a pending request
    compares with the value stored now, which approving would overwrite; a decided
    one with the value recorded when it was made."""
    corrections = list(corrections)
    pending = [c for c in corrections if c.is_pending]
    stored = {}
    if pending:
        q = Q(pk__in=[])
        for c in pending:
            q |= Q(enterprise_id=c.enterprise_id, year=c.year, month=c.month)
        stored = {(f.enterprise_id, f.year, f.month): f for f in MonthlyFigure.objects.filter(q)}
    for c in corrections:
        c.display_lines = c.lines(stored.get((c.enterprise_id, c.year, c.month))) if c.is_pending else c.lines()
    return corrections
