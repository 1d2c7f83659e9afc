"""Read-only API of the monthly dispatch report: the same figures as its page and PDF (the frozen
ones once issued). Scoped like the page (reports.report_selectors.report_scope): a key outside the
caller's subtree answers 404 like an unknown one; API-client accounts get 403 (no single
enterprise's figures leave the portal)."""
import django_filters
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from enterprises import access
from enterprises.api.filters import jurisdiction_key_filter, month_filter, year_filter
from enterprises.api.permissions import RoleMayRead, with_role_check

from .. import report_selectors
from ..dispatch import DispatchData
from ..models import DispatchReport
from enterprises.api.exports import ListExportMixin


class DispatchReportView(APIView):
    @extend_schema(operation_id="dispatch_report", responses={
        200: OpenApiTypes.OBJECT,
        403: OpenApiResponse(description="role without reports (API clients, enterprises, departments)"),
        404: OpenApiResponse(description="unknown or foreign jurisdiction, or no such month")})
    def get(self, request, key, year, month):
        jurisdiction = report_selectors.report_scope(user=request.user, key=key)
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise Http404
        issued = report_selectors.issued_report(jurisdiction, year, month)
        if issued is not None:
            data = issued.data
        else:
            data = report_selectors.dispatch_data(user=request.user, jurisdiction=jurisdiction, year=year,
                                                  month=month).to_dict()
        return Response({
            "jurisdiction": jurisdiction.key, "year": year, "month": month,
            "issued": issued is not None, "issued_at": issued.issued_at if issued is not None else None,
            "data": DispatchData.from_dict(data).to_dict(),
        })


class DispatchReportSerializer(serializers.ModelSerializer):
    jurisdiction_key = serializers.CharField(source="jurisdiction.key", read_only=True)
    jurisdiction_name = serializers.CharField(source="jurisdiction.name", read_only=True)
    data = serializers.SerializerMethodField(help_text="the figures frozen at issue, as the dispatch report endpoint "
                                                       "answers them")
    pdf_url = serializers.SerializerMethodField(help_text="the issued PDF on the portal's page (a signed-in "
                                                          "reader in scope downloads it), not a public file")

    class Meta:
        model = DispatchReport
        fields = ["id", "jurisdiction", "jurisdiction_key", "jurisdiction_name", "year", "month", "issued_at",
                  "data", "pdf_url"]

    def get_data(self, obj) -> dict:
        return DispatchData.from_dict(obj.data).to_dict()

    def get_pdf_url(self, obj) -> str:
        path = reverse("report:dispatch_pdf", args=[obj.jurisdiction.key, obj.year, obj.month])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class DispatchReportFilter(django_filters.FilterSet):
    jurisdiction = jurisdiction_key_filter("jurisdiction")
    year = year_filter()
    month = month_filter()


FORBIDDEN = OpenApiResponse(description="role without reports (API clients, enterprises, departments, finance)")


@extend_schema_view(
    list=extend_schema(responses={200: DispatchReportSerializer(many=True), 403: FORBIDDEN}),
    retrieve=extend_schema(responses={200: DispatchReportSerializer, 403: FORBIDDEN}),
)
class DispatchReportViewSet(ListExportMixin, viewsets.ReadOnlyModelViewSet):
    """Issued monthly dispatch reports (月度调度) of the jurisdictions in the caller's subtree, newest first."""

    serializer_class = DispatchReportSerializer
    filterset_class = DispatchReportFilter
    permission_classes = with_role_check(RoleMayRead)

    @staticmethod
    def read_check(user):
        return report_selectors.can_read_reports(user)

    def get_queryset(self):
        return (DispatchReport.objects.filter(jurisdiction__in=access.jurisdictions_visible_to(self.request.user))
                .defer("pdf").select_related("jurisdiction").order_by("-year", "-month", "jurisdiction__path"))
