"""Reads of the registry, always scoped through `access`.

Lists annotate what a page needs in the same query (current pool, YTD revenue)
so page query counts stay bounded whatever the number of enterprises.
"""
from datetime import date

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from . import access
from .models import Enterprise, MonthlyFigure, PoolMembership


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
