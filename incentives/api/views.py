import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets

from enterprises import access
from enterprises.api.filters import EnterpriseScopedFilterSet, jurisdiction_key_filter, year_filter
from enterprises.api.permissions import RoleMayRead, with_role_check

from .. import services
from ..models import EntitlementBatch, EntitlementStatus
from .serializers import EntitlementBatchSerializer, EntitlementSerializer


class EntitlementFilter(EnterpriseScopedFilterSet):
    year = year_filter()
    status = django_filters.ChoiceFilter(choices=EntitlementStatus.choices)


class EntitlementViewSet(viewsets.ReadOnlyModelViewSet):
    """The entitlement ledger (奖补兑现台账) of the enterprises visible to the caller."""

    serializer_class = EntitlementSerializer
    filterset_class = EntitlementFilter

    def get_queryset(self):
        return services.entitlements_visible_to(self.request.user).select_related("enterprise", "rule").order_by("id")


class EntitlementBatchFilter(django_filters.FilterSet):
    jurisdiction = jurisdiction_key_filter("jurisdiction")
    status = django_filters.ChoiceFilter(choices=EntitlementBatch.Status.choices)
    year = year_filter()


@extend_schema_view(
    list=extend_schema(responses={200: EntitlementBatchSerializer(many=True),
                                  403: OpenApiResponse(description="enterprise accounts")}),
    retrieve=extend_schema(responses={200: EntitlementBatchSerializer,
                                      403: OpenApiResponse(description="enterprise accounts")}),
)
class EntitlementBatchViewSet(viewsets.ReadOnlyModelViewSet):
    """免申即享 batches of the jurisdictions in the caller's subtree: status and counts."""

    serializer_class = EntitlementBatchSerializer
    filterset_class = EntitlementBatchFilter
    permission_classes = with_role_check(RoleMayRead)

    @staticmethod
    def read_check(user):
        return access.can_read_job_runs(user)

    def get_queryset(self):
        return (EntitlementBatch.objects.filter(jurisdiction__in=access.jurisdictions_visible_to(self.request.user))
                .select_related("jurisdiction").order_by("-id"))
