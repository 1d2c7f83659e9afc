"""Read-only API of the monthly dispatch report: the same figures as its page and PDF (the frozen
ones once issued). Scoped like the page (reports.report_selectors.report_scope): a key outside the
caller's subtree answers 404 like an unknown one; API-client accounts get 403 (no single
enterprise's figures leave the portal)."""
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import report_selectors
from ..dispatch import DispatchData


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
