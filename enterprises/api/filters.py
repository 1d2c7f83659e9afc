"""Filters shared by the API endpoints.

An enterprise is filtered by its id within the caller's already scoped queryset,
never through a choice list: a list of choices would publish every enterprise's
name in the browsable API, and validating an id against all enterprises would
answer a foreign id (200, empty) differently from a missing one (400). Here both
give 200 and an empty list. Numbers are bounded so no value reaches the database
that it cannot store (a 4xx, never a 500).
"""
import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Pool

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


class MonthlyFigureFilter(EnterpriseScopedFilterSet):
    year = year_filter()
    month = month_filter()


class PoolMembershipFilter(EnterpriseScopedFilterSet):
    pool = django_filters.ChoiceFilter(choices=Pool.choices)
