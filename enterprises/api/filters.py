"""Filters shared by the API endpoints.

An enterprise is filtered by its id within the caller's already scoped queryset,
never through a choice list: a list of choices would publish every enterprise's
name in the browsable API, and validating an id against all enterprises would
answer a foreign id (200, empty) differently from a missing one (400). Here both
give 200 and an empty list. Numbers are bounded so no value reaches the database
that it cannot store (a 4xx, never a 500).
"""
import re

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import (
    JurisdictionLevel,
    ListingBoard,
    ListingStage,
    Pool,
    RecognitionKind,
    RefinancingVenue,
    ScaleEventKind,
)

BIGINT_MAX = 2**63 - 1


class BoundedIntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


def id_filter(field_name: str, label) -> BoundedIntegerFilter:
    return BoundedIntegerFilter(field_name=field_name, label=label, min_value=1, max_value=BIGINT_MAX)


def year_filter(field_name: str = "year") -> BoundedIntegerFilter:
    return BoundedIntegerFilter(field_name=field_name, label=_("年份"), min_value=2000, max_value=2100)


def month_filter(field_name: str = "month") -> BoundedIntegerFilter:
    return BoundedIntegerFilter(field_name=field_name, label=_("月份"), min_value=1, max_value=12)


class EnterpriseScopedFilterSet(django_filters.FilterSet):
    """Base for rows that belong to an enterprise (figures, pool stays, entitlements)."""

    enterprise = id_filter("enterprise_id", _("企业编号"))
    credit_code = django_filters.CharFilter(field_name="enterprise__credit_code", label=_("统一社会信用代码"),
                                            max_length=18)


def jurisdiction_key_filter(field_path: str) -> django_filters.CharFilter:
    """A jurisdiction key selecting its whole subtree; `field_path` leads to a Jurisdiction.
    Keys are matched within the path, so a foreign key only narrows the caller's own rows (to none)."""

    def subtree(queryset, name, value):
        return queryset.filter(**{f"{field_path}__path__contains": f"/{value}/"})

    return django_filters.CharFilter(method=subtree, label=_("区域编号（含下级）"), max_length=40)


def period_filter(bound: str) -> django_filters.CharFilter:
    """`YYYY-MM`: rows of that month and later (`from`) or earlier (`to`), over year and month."""

    def within(queryset, name, value):
        year, month = value
        if bound == "from":
            return queryset.filter(Q(year__gt=year) | Q(year=year, month__gte=month))
        return queryset.filter(Q(year__lt=year) | Q(year=year, month__lte=month))

    label = _("起始月份（YYYY-MM）") if bound == "from" else _("截止月份（YYYY-MM）")
    return PeriodFilter(method=within, label=label)


class PeriodField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", value.strip())
        if not match or not (2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12):
            raise forms.ValidationError(_("月份应写作YYYY-MM，例如2025-06"), code="invalid")
        return int(match[1]), int(match[2])


class PeriodFilter(django_filters.CharFilter):
    field_class = PeriodField


class AmountFilter(django_filters.NumberFilter):
    """An amount in 元, bounded like the stored figures (max 16 digits, 2 decimals)."""

    field_class = forms.DecimalField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 16)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", 0)
        super().__init__(*args, **kwargs)


class MonthlyFigureFilter(EnterpriseScopedFilterSet):
    year = year_filter()
    month = month_filter()
    period_from = period_filter("from")
    period_to = period_filter("to")
    revenue_min = AmountFilter(field_name="revenue", lookup_expr="gte", label=_("当月主营业务收入不低于（元）"))
    revenue_max = AmountFilter(field_name="revenue", lookup_expr="lte", label=_("当月主营业务收入不高于（元）"))
    jurisdiction = jurisdiction_key_filter("enterprise__jurisdiction")


class PoolMembershipFilter(EnterpriseScopedFilterSet):
    pool = django_filters.ChoiceFilter(choices=Pool.choices)


class ScaleEventFilter(EnterpriseScopedFilterSet):
    kind = django_filters.ChoiceFilter(choices=ScaleEventKind.choices)
    occurred_after = django_filters.DateFilter(field_name="occurred_on", lookup_expr="gte", label=_("日期起"))
    occurred_before = django_filters.DateFilter(field_name="occurred_on", lookup_expr="lte", label=_("日期止"))
    jurisdiction = jurisdiction_key_filter("enterprise__jurisdiction")


class RecognitionFilter(EnterpriseScopedFilterSet):
    kind = django_filters.ChoiceFilter(choices=RecognitionKind.choices)


class ListingMilestoneFilter(EnterpriseScopedFilterSet):
    board = django_filters.ChoiceFilter(choices=ListingBoard.choices)
    stage = django_filters.ChoiceFilter(choices=ListingStage.choices)


class RefinancingFilter(EnterpriseScopedFilterSet):
    venue = django_filters.ChoiceFilter(choices=RefinancingVenue.choices)


class AttestationFilter(EnterpriseScopedFilterSet):
    year = year_filter()


class JurisdictionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=JurisdictionLevel.choices)
    within = django_filters.CharFilter(method="filter_within", label=_("区域编号（含下级）"), max_length=40)

    def filter_within(self, queryset, name, value):
        return queryset.filter(path__contains=f"/{value}/")
