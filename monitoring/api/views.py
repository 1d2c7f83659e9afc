"""Read-only endpoints of monitoring: warnings with their assistance (帮扶), targets and check runs.

Scoped by the same helpers as the pages: warnings through the enterprises the caller may see
(an enterprise account: its own), targets through monitoring.selectors.targets_visible_to (the
government side only; other roles 403), check runs through the jurisdictions the caller may see
(enterprise accounts 403). A row out of scope answers 404 like a missing one.
"""
from contextlib import contextmanager

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers as drf_serializers
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api_lists import LargeListCursorPagination
from enterprises import access
from enterprises.api.filters import (
    EnterpriseScopedFilterSet,
    jurisdiction_key_filter,
    month_filter,
    period_filter,
    year_filter,
)
from enterprises.api.permissions import RoleMayRead, RoleMayWrite, with_role_check

from .. import selectors, services
from ..models import Assistance, CheckRun, Severity, TargetMeasure, WarningKind, WarningStatus
from .serializers import (
    AssistanceCreateSerializer,
    AssistanceSerializer,
    CheckRunSerializer,
    TargetSerializer,
    WarningSerializer,
    WarningStatusSerializer,
)
from enterprises.api.exports import ListExportMixin


def forbidden(description: str) -> dict:
    return {403: OpenApiResponse(description=description)}


class WarningFilter(EnterpriseScopedFilterSet):
    kind = django_filters.ChoiceFilter(choices=WarningKind.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    status = django_filters.ChoiceFilter(choices=WarningStatus.choices)
    jurisdiction = jurisdiction_key_filter("enterprise__jurisdiction")
    year = year_filter()
    month = month_filter()
    period_from = period_filter("from")
    period_to = period_filter("to")


class WarningViewSet(ListExportMixin, viewsets.ReadOnlyModelViewSet):
    """预警 of the enterprises visible to the caller, each with its assistance log (newest first)."""

    serializer_class = WarningSerializer
    filterset_class = WarningFilter
    # A large list: cursor pages ordered by one of these stored, non-null fields (config/api_lists.py).
    pagination_class = LargeListCursorPagination
    ordering_fields = ["id", "opened_at", "year", "month"]
    ordering = ["id"]

    def get_queryset(self):
        log = Assistance.objects.select_related("staff").order_by("-assisted_on", "-id")
        return (services.warnings_visible_to(self.request.user)
                .select_related("enterprise", "enterprise__jurisdiction", "assignee")
                .prefetch_related(Prefetch("assistance", queryset=log)).order_by("id"))

    # Writes (staff only, as on the warning page). The role is checked first (403); a warning outside
    # the caller's scope is then answered 404 like a missing one, by get_object on the scoped queryset.

    @staticmethod
    def write_check(user):
        return access.can_write_registry(user)

    @extend_schema(
        summary="Record assistance (帮扶) on a warning",
        description="SME-center and department staff in scope. Logging assistance on an open or assigned "
                    "warning puts it in progress (as on the warning page).",
        request=AssistanceCreateSerializer, responses={201: AssistanceSerializer})
    @action(detail=True, methods=["post"], url_path="assistance", filterset_class=None,
            permission_classes=with_role_check(RoleMayWrite))
    def assistance_create(self, request, pk=None, **kwargs):
        warning = self.get_object()
        data = _valid(AssistanceCreateSerializer, request)
        with _as_drf_errors():
            record = services.assistance_record(user=request.user, enterprise=warning.enterprise,
                                                warning_id=warning.pk, **data)
        return Response(AssistanceSerializer(record, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move a warning's status",
        description="SME-center and department staff in scope, with the transitions of the warning page: "
                    "open → assigned, in_progress, resolved, closed; assigned → assigned, in_progress, "
                    "resolved, closed; in_progress → assigned, resolved, closed; resolved and closed are final. "
                    "Assigning needs `assignee`; resolving or closing needs `outcome`.",
        request=WarningStatusSerializer, responses={200: WarningSerializer})
    @action(detail=True, methods=["post"], url_path="status", filterset_class=None,
            permission_classes=with_role_check(RoleMayWrite))
    def status_move(self, request, pk=None, **kwargs):
        from ..views import _assignable  # the page's list of who may be assigned

        warning = self.get_object()
        data = _valid(WarningStatusSerializer, request)
        assignee = None
        if data.get("assignee"):
            assignee = _assignable(warning).filter(pk=data["assignee"]).first()
            if assignee is None:
                raise drf_serializers.ValidationError({"assignee": [_("经办人无权处理该企业")]})
        with _as_drf_errors():
            services.warning_transition(user=request.user, warning_id=warning.pk, status=data["status"],
                                        outcome=data["outcome"], assignee=assignee)
        return Response(self.get_serializer(self.get_queryset().get(pk=warning.pk)).data)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@contextmanager
def _as_drf_errors():
    """A service's refusal (Django's ValidationError) as the API's 400."""
    try:
        yield
    except DjangoValidationError as error:
        raise drf_serializers.ValidationError(
            error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}) from error


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
class TargetViewSet(ListExportMixin, viewsets.ReadOnlyModelViewSet):
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
class CheckRunViewSet(ListExportMixin, viewsets.ReadOnlyModelViewSet):
    """Monthly check runs (监测检查) of the jurisdictions in the caller's subtree: status and progress."""

    serializer_class = CheckRunSerializer
    filterset_class = CheckRunFilter
    permission_classes = with_role_check(RoleMayRead)

    @staticmethod
    def read_check(user):
        return access.can_read_job_runs(user)

    def get_queryset(self):
        return (CheckRun.objects.filter(jurisdiction__in=access.jurisdictions_visible_to(self.request.user),
                                        parent__isnull=True)
                .select_related("jurisdiction").order_by("-id"))
