"""Read-only ledger endpoints (台账). Every queryset starts from the access helper."""
import django_filters
from django.db.models import Prefetch
from rest_framework import viewsets
from rest_framework.filters import SearchFilter

from .. import access, selectors
from ..models import Enterprise, EnterpriseCategory, MonthlyFigure, Pool, PoolMembership
from .filters import MonthlyFigureFilter, PoolMembershipFilter
from .serializers import (
    EnterpriseLedgerSerializer,
    EnterpriseSerializer,
    MonthlyFigureSerializer,
    PoolMembershipSerializer,
)


class EnterpriseFilter(django_filters.FilterSet):
    jurisdiction = django_filters.CharFilter(method="filter_jurisdiction", label="jurisdiction key (subtree)")
    # "below_scale_industry" is the value 工业企业 had before 2026-11; clients that still send it get the same rows.
    category = django_filters.ChoiceFilter(choices=[*EnterpriseCategory.choices, ("below_scale_industry", "工业企业")],
                                           method="filter_category")
    pool = django_filters.ChoiceFilter(choices=Pool.choices, field_name="current_pool")
    is_in_scale = django_filters.BooleanFilter()

    class Meta:
        model = Enterprise
        fields = ["jurisdiction", "category", "pool", "is_in_scale"]

    def filter_category(self, queryset, name, value):
        return queryset.filter(category=EnterpriseCategory.INDUSTRY if value == "below_scale_industry" else value)

    def filter_jurisdiction(self, queryset, name, value):
        return queryset.filter(jurisdiction__path__contains=f"/{value}/")


class EnterpriseViewSet(viewsets.ReadOnlyModelViewSet):
    """Enterprises visible to the caller; `retrieve` returns the full ledger (一户一册)."""

    filterset_class = EnterpriseFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, SearchFilter]
    search_fields = ["name", "credit_code"]

    def get_queryset(self):
        qs = access.enterprises_visible_to(self.request.user).annotate(
            current_pool=selectors.current_pool_subquery()
        ).select_related("jurisdiction", "department").order_by("id")
        if self.action == "retrieve":
            qs = qs.prefetch_related(
                "names", "scale_events", "recognitions",
                Prefetch("pool_memberships", queryset=PoolMembership.objects.select_related("enterprise")),
                Prefetch("monthly_figures", queryset=MonthlyFigure.objects.select_related("enterprise")),
            )
        return qs

    def get_serializer_class(self):
        return EnterpriseLedgerSerializer if self.action == "retrieve" else EnterpriseSerializer


class MonthlyFigureViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MonthlyFigureSerializer
    filterset_class = MonthlyFigureFilter

    def get_queryset(self):
        return selectors.figures_visible_to(user=self.request.user).select_related("enterprise").order_by("id")


class PoolMembershipViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PoolMembershipSerializer
    filterset_class = PoolMembershipFilter

    def get_queryset(self):
        return PoolMembership.objects.filter(
            enterprise__in=access.enterprises_visible_to(self.request.user)
        ).select_related("enterprise").order_by("id")
