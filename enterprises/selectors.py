"""Reads of the registry, always scoped through `access`.

Lists annotate what a page needs in the same query (current pool, YTD revenue)
so page query counts stay bounded whatever the number of enterprises.
"""
from datetime import date

from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from . import access
from .domain import reporting
from .domain.scale import ENTRY_KINDS, EXIT
from .models import (CorrectionStatus, Enterprise, FigureCorrectionRequest, Jurisdiction, MonthlyFigure,
                     PoolMembership, ScaleEvent)


def current_pool_subquery():
    return Subquery(
        PoolMembership.objects.filter(enterprise=OuterRef("pk"), exited_on__isnull=True).values("pool")[:1]
    )


def enterprise_list(*, user, search: str = "", jurisdiction=None, pool: str = "", category: str = "",
                    in_scale: bool | None = None, year: int | None = None, up_to_month: int | None = None,
                    department=None, as_of: date | None = None, change: str = "", change_pool: str = "",
                    change_from: date | None = None, change_to: date | None = None) -> QuerySet:
    """Enterprises the user may see, with current pool and year-to-date revenue.

    `as_of` reads scale status and pool on that day instead of now; `change` keeps the
    enterprises with a scale event (entry, exit) or a pool move (pool_in, pool_out, of
    `change_pool` if given) between `change_from` and `change_to` — the lists behind the
    dashboard's figures (reports.selectors)."""
    qs = access.enterprises_visible_to(user)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(credit_code__icontains=search.upper())
                       | Q(names__name__icontains=search)).distinct()
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction__path__startswith=jurisdiction.path)
    if department is not None:
        qs = qs.filter(department=department)
    if category:
        qs = qs.filter(category=category)
    if in_scale is not None and as_of is not None:
        entered = Q(last_scale_kind__in=ENTRY_KINDS)
        qs = qs.annotate(last_scale_kind=scale_kind_on_subquery(as_of)).filter(entered if in_scale else ~entered
                                                                                  | Q(last_scale_kind__isnull=True))
    elif in_scale is not None:
        qs = qs.filter(is_in_scale=in_scale)
    if change:
        qs = qs.filter(_change_filter(change, change_pool, change_from, change_to))
    qs = qs.annotate(current_pool=current_pool_subquery())
    if pool and as_of is not None:
        qs = qs.annotate(pool_on=pool_on_subquery(as_of)).filter(pool_on=pool)
    elif pool:
        # EXISTS, not a comparison with the current_pool subquery: PostgreSQL runs it as one
        # semi-join over the open stays instead of a subquery per enterprise (issue 14).
        qs = qs.filter(Exists(PoolMembership.objects.filter(enterprise=OuterRef("pk"), exited_on__isnull=True,
                                                            pool=pool)))
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
    return qs.select_related("jurisdiction", "department").order_by("name", "pk")


def scale_kind_on_subquery(day: date):
    """The kind of the enterprise's last scale event on or before `day` (None: never in scale)."""
    return Subquery(ScaleEvent.objects.filter(enterprise=OuterRef("pk"), occurred_on__lte=day)
                    .order_by("-occurred_on", "-id").values("kind")[:1])


def pool_on_subquery(day: date):
    """The pool the enterprise was in on `day` (a move on that day counts for the new pool)."""
    return Subquery(PoolMembership.objects.filter(enterprise=OuterRef("pk"), entered_on__lte=day)
                    .filter(Q(exited_on__isnull=True) | Q(exited_on__gt=day))
                    .order_by("-entered_on", "-id").values("pool")[:1])


CHANGES = ("entry", "exit", "pool_in", "pool_out")


def _change_filter(change: str, pool: str, start: date | None, end: date | None) -> Q:
    """Enterprises with a scale event or pool move of the kind `change` in [start, end]."""
    if change in ("entry", "exit"):
        events = ScaleEvent.objects.filter(enterprise=OuterRef("pk"))
        events = events.filter(kind__in=ENTRY_KINDS) if change == "entry" else events.filter(kind=EXIT)
        if start:
            events = events.filter(occurred_on__gte=start)
        if end:
            events = events.filter(occurred_on__lte=end)
        return Q(Exists(events))
    if change in ("pool_in", "pool_out"):
        day = "entered_on" if change == "pool_in" else "exited_on"
        stays = PoolMembership.objects.filter(enterprise=OuterRef("pk"), **{f"{day}__isnull": False})
        if pool:
            stays = stays.filter(pool=pool)
        if start:
            stays = stays.filter(**{f"{day}__gte": start})
        if end:
            stays = stays.filter(**{f"{day}__lte": end})
        return Q(Exists(stays))
    return Q()


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


# --- an enterprise's records (recognitions, listing milestones, refinancing, attestations, contacts) ---

def record_get(*, user, model, pk):
    """One record of an enterprise the user may see; 404 for a record of any other
    enterprise, exactly as for a missing one."""
    return get_object_or_404(
        model.objects.filter(enterprise__in=access.enterprises_visible_to(user)).select_related("enterprise"), pk=pk)
