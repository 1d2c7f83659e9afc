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


class MonthlyFigureFilter(EnterpriseScopedFilterSet):
    year = year_filter()
    month = month_filter()


class PoolMembershipFilter(EnterpriseScopedFilterSet):
    pool = django_filters.ChoiceFilter(choices=Pool.choices)


def jurisdiction_key_filter(field_path: str) -> django_filters.CharFilter:
    """A jurisdiction key selecting its whole subtree; `field_path` leads to a Jurisdiction.
    Keys are matched within the path, so a foreign key only narrows the caller's own rows (to none)."""

    def subtree(queryset, name, value):
        return queryset.filter(**{f"{field_path}__path__contains": f"/{value}/"})

    return django_filters.CharFilter(method=subtree, label=_("区域编号（含下级）"), max_length=40)


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
