"""Ledger endpoints (台账). Every queryset starts from the access helper; the one write, the bulk
submission of monthly figures, goes through enterprises.services like the pages."""
from collections import Counter

import django_filters
from django.db import transaction
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.filters import SearchFilter

from config.api_lists import LargeListCursorPagination, WhitelistOrderingFilter

from .. import access, selectors, services
from ..domain import formatting
from ..domain.credit_code import normalize
from .conditional import LedgerConditionalGetMixin
from ..models import Enterprise, EnterpriseCategory, FigureSource, Pool, PoolMembership, Role
from .filters import MonthlyFigureFilter, PoolMembershipFilter
from .permissions import RoleMayWrite, with_role_check
from .serializers import (
    FigureBulkErrorSerializer,
    FigureBulkResultSerializer,
    FigureRowSerializer,
    EnterpriseLedgerSerializer,
    EnterpriseSerializer,
    MonthlyFigureSerializer,
    PoolMembershipSerializer,
)
from .exports import ListExportMixin


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


class EnterpriseViewSet(ListExportMixin, LedgerConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """Enterprises visible to the caller; `retrieve` returns the full ledger (一户一册), with an ETag."""

    filterset_class = EnterpriseFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, SearchFilter, WhitelistOrderingFilter]
    # A large list: cursor pages ordered by one of these stored, non-null fields (config/api_lists.py).
    pagination_class = LargeListCursorPagination
    ordering_fields = ["id", "name", "credit_code", "updated_at"]
    ordering = ["id"]
    search_fields = ["name", "credit_code"]

    def get_queryset(self):
        qs = access.enterprises_visible_to(self.request.user).annotate(
            current_pool=selectors.current_pool_subquery()
        ).select_related("jurisdiction", "department").order_by("id")
        if self.action == "retrieve":
            # (a prefetched row's `enterprise` is the book's own instance: no join back to it)
            qs = qs.prefetch_related("names", "scale_events", "recognitions", "pool_memberships", "monthly_figures")
        return qs

    def get_serializer_class(self):
        return EnterpriseLedgerSerializer if self.action == "retrieve" else EnterpriseSerializer


class MonthlyFigureViewSet(ListExportMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = MonthlyFigureSerializer
    filterset_class = MonthlyFigureFilter
    pagination_class = LargeListCursorPagination
    ordering_fields = ["id", "year", "month", "reported_at"]
    ordering = ["id"]

    def get_queryset(self):
        return selectors.figures_visible_to(user=self.request.user).select_related("enterprise").order_by("id")

    @extend_schema(
        summary="Submit monthly figures (bulk, idempotent, all or nothing)",
        description=(
            "A list of enterprise-months (at most %(max)s rows), each naming its enterprise by `enterprise` (id) "
            "or `credit_code`. The same rules as the pages: a month is reported once it has ended; a field left "
            "out or null keeps the stored value; re-sending what is stored changes nothing (`unchanged`); an "
            "enterprise account changing a month past its reporting deadline files a correction request "
            "(`correction_requested`, needs `reason`) that staff review. If any row is refused, nothing is "
            "written and the 400 lists every refused row. Enterprise accounts: their own enterprise; API "
            "clients (write-scoped token) and staff: their scope; a read-scoped token gets 403."
        ) % {"max": services.FIGURE_BULK_MAX_ROWS},
        request=FigureRowSerializer(many=True),
        responses={
            200: FigureBulkResultSerializer,
            400: OpenApiResponse(FigureBulkErrorSerializer, description="refused rows; nothing was written"),
        },
    )
    @action(detail=False, methods=["post"], url_path="bulk", pagination_class=None, filterset_class=None,
            permission_classes=with_role_check(RoleMayWrite))
    def bulk(self, request, *args, **kwargs):
        rows = FigureRowSerializer(data=request.data, many=True, max_length=services.FIGURE_BULK_MAX_ROWS)
        if not isinstance(request.data, list):
            return _refused([services.RowError(None, None, "not_a_list",
                                               gettext("请求体应为数据行的列表"))])
        if len(request.data) > services.FIGURE_BULK_MAX_ROWS:
            return _refused([services.RowError(None, None, "too_many_rows", gettext(
                "每次最多提交%(max)s行，本次%(n)s行，请分批提交")
                % {"max": services.FIGURE_BULK_MAX_ROWS, "n": len(request.data)})])
        if not rows.is_valid():
            return _refused(_row_errors(rows.errors))
        source = FigureSource.ENTERPRISE if request.user.role == Role.ENTERPRISE else FigureSource.API
        jumps = _revenue_jumps(request.user, rows.validated_data)
        unconfirmed = [_jump_error(index, jump) for index, jump in sorted(jumps.items())
                       if not rows.validated_data[index].get("confirm_jump")]
        try:
            with transaction.atomic():
                outcomes = services.monthly_figures_bulk(user=request.user, rows=rows.validated_data, source=source,
                                                         extra_errors=unconfirmed)
                _flag_jumps(request.user, outcomes, jumps)
        except services.FigureBulkInvalid as refused:
            return _refused(refused.errors)
        counts = Counter(o.status for o in outcomes)
        return Response(FigureBulkResultSerializer({
            "created": counts["created"], "updated": counts["updated"], "unchanged": counts["unchanged"],
            "corrections": counts["correction_requested"] + counts["correction_pending"],
            "rows": [{"row": o.row, "enterprise": o.enterprise.pk, "credit_code": o.enterprise.credit_code,
                      "year": o.year, "month": o.month, "status": o.status,
                      "figure": o.figure.pk if o.figure else None,
                      "correction": o.correction.pk if o.correction else None} for o in outcomes],
        }).data)

    @staticmethod
    def write_check(user):
        return access.may_submit_figures(user)


def _revenue_jumps(user, rows) -> dict:
    """Enterprise accounts confirm a revenue far from the previous reported month's, as on the
    portal's form (staff and integrators send what their books hold). {row index: jump}."""
    from monitoring.services import revenue_jumps

    enterprise = access.portal_enterprise(user)
    if enterprise is None:
        return {}
    mine = [(index, row["year"], row["month"], row.get("revenue")) for index, row in enumerate(rows)
            if row.get("enterprise") in (None, enterprise.pk)
            and (not row.get("credit_code") or normalize(row["credit_code"]) == enterprise.credit_code)]
    return revenue_jumps(enterprise, mine, selectors.today())


def _jump_error(index, jump) -> "services.RowError":
    previous = jump["previous"]
    return services.RowError(index, "revenue", "revenue_jump", gettext(
        "本月主营业务收入%(revenue)s，与上一填报月（%(py)s年%(pm)s月）的%(previous)s相比，变动超过%(factor)s倍；"
        "请核对，确认无误请在该行加上 confirm_jump: true") % {
        "revenue": formatting.wan_yuan(jump["revenue"]), "py": previous.year, "pm": previous.month,
        "previous": formatting.wan_yuan(previous.revenue), "factor": formatting.plain(jump["factor"])})


def _flag_jumps(user, outcomes, jumps):
    """Confirmed jumps that changed a month (or asked to) raise the month's warning for staff."""
    from monitoring.services import revenue_jump_flag

    for outcome in outcomes:
        jump = jumps.get(outcome.row)
        if jump and outcome.status in ("created", "updated", "correction_requested"):
            previous = jump["previous"]
            revenue_jump_flag(user=user, enterprise=outcome.enterprise, year=outcome.year, month=outcome.month,
                              revenue=jump["revenue"], previous_year=previous.year, previous_month=previous.month,
                              previous_revenue=previous.revenue, factor=jump["factor"])


def _row_errors(errors) -> list:
    """The serializer's errors as row errors: DRF gives them per row, as a list (one dict per row)
    or as {row index: dict}; errors of the list itself come under a field name."""
    if isinstance(errors, dict):
        per_row = {k: v for k, v in errors.items() if isinstance(k, int)}
        whole = [services.RowError(None, None, getattr(e, "code", "invalid"), str(e))
                 for k, details in errors.items() if not isinstance(k, int) for e in details]
    else:
        per_row, whole = dict(enumerate(errors)), []
    return whole + [services.RowError(index, None if field == "non_field_errors" else field,
                                      getattr(e, "code", "invalid"), str(e))
                    for index, row in sorted(per_row.items()) for field, details in row.items()
                    for e in (details if isinstance(details, list) else [details])]


def _refused(errors) -> Response:
    """The API's one error format (config/api_errors.py), each error also naming its row."""
    body = {"errors": [{"row": e.row, "field": e.field, "code": e.code, "message": e.message} for e in errors]}
    return Response(FigureBulkErrorSerializer(body).data, status=status.HTTP_400_BAD_REQUEST)


class PoolMembershipViewSet(ListExportMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PoolMembershipSerializer
    filterset_class = PoolMembershipFilter

    def get_queryset(self):
        return PoolMembership.objects.filter(
            enterprise__in=access.enterprises_visible_to(self.request.user)
        ).select_related("enterprise").order_by("id")
