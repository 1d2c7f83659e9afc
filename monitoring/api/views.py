"""Read-only endpoints of monitoring: warnings with their assistance (帮扶), targets and check runs.

Scoped by the same helpers as the pages: warnings through the enterprises the caller may see
(an enterprise account: its own), targets through monitoring.selectors.targets_visible_to (the
government side only; other roles 403), check runs through the jurisdictions the caller may see
(enterprise accounts 403). A row out of scope answers 404 like a missing one.
"""
import django_filters
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets

from enterprises import access
from enterprises.api.filters import EnterpriseScopedFilterSet, jurisdiction_key_filter, month_filter, year_filter
from enterprises.api.permissions import RoleMayRead, with_role_check

from .. import selectors, services
from ..models import Assistance, CheckRun, Severity, TargetMeasure, WarningKind, WarningStatus
from .serializers import CheckRunSerializer, TargetSerializer, WarningSerializer


def forbidden(description: str) -> dict:
    return {403: OpenApiResponse(description=description)}


class WarningFilter(EnterpriseScopedFilterSet):
    kind = django_filters.ChoiceFilter(choices=WarningKind.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    status = django_filters.ChoiceFilter(choices=WarningStatus.choices)
    jurisdiction = jurisdiction_key_filter("enterprise__jurisdiction")
    year = year_filter()
    month = month_filter()


class WarningViewSet(viewsets.ReadOnlyModelViewSet):
    """预警 of the enterprises visible to the caller, each with its assistance log (newest first)."""

    serializer_class = WarningSerializer
    filterset_class = WarningFilter

    def get_queryset(self):
        log = Assistance.objects.select_related("staff").order_by("-assisted_on", "-id")
        return (services.warnings_visible_to(self.request.user)
                .select_related("enterprise", "enterprise__jurisdiction", "assignee")
                .prefetch_related(Prefetch("assistance", queryset=log)).order_by("id"))


class TargetFilter(django_filters.FilterSet):
    year = year_filter()
    measure = django_filters.ChoiceFilter(choices=TargetMeasure.choices)
    jurisdiction = django_filters.CharFilter(method="filter_jurisdiction", max_length=40,
                                             label=_("区域编号（含下级）"))

    def filter_jurisdiction(self, queryset, name, value):
        within = f"/{value}/"
        return queryset.filter(Q(jurisdiction__path__contains=within)
                               | Q(department__jurisdiction__path__contains=within))


@extend_schema_view(
    list=extend_schema(responses={200: TargetSerializer(many=True), **forbidden(
        "roles that do not read targets (enterprise accounts, API clients, finance)")}),
    retrieve=extend_schema(responses={200: TargetSerializer, **forbidden(
        "roles that do not read targets (enterprise accounts, API clients, finance)")}),
)
class TargetViewSet(viewsets.ReadOnlyModelViewSet):
    """目标任务 of the jurisdictions in the caller's subtree (their own included) and of their departments."""

    serializer_class = TargetSerializer
    filterset_class = TargetFilter
    permission_classes = with_role_check(RoleMayRead)

    @staticmethod
    def read_check(user):
        return selectors.can_read_targets(user)

    def get_queryset(self):
        return selectors.targets_visible_to(self.request.user).order_by("id")


class CheckRunFilter(django_filters.FilterSet):
    jurisdiction = jurisdiction_key_filter("jurisdiction")
    status = django_filters.ChoiceFilter(choices=CheckRun.Status.choices)
    year = year_filter()
    month = month_filter()


@extend_schema_view(
    list=extend_schema(responses={200: CheckRunSerializer(many=True), **forbidden("enterprise accounts")}),
    retrieve=extend_schema(responses={200: CheckRunSerializer, **forbidden("enterprise accounts")}),
)
class CheckRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Monthly check runs (监测检查) of the jurisdictions in the caller's subtree: status and progress."""

    serializer_class = CheckRunSerializer
    filterset_class = CheckRunFilter
    permission_classes = with_role_check(RoleMayRead)

    @staticmethod
    def read_check(user):
        return access.can_read_job_runs(user)

    def get_queryset(self):
        return (CheckRun.objects.filter(jurisdiction__in=access.jurisdictions_visible_to(self.request.user))
                .select_related("jurisdiction").order_by("-id"))
