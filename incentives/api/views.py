import django_filters
from rest_framework import viewsets

from enterprises.api.filters import EnterpriseScopedFilterSet, year_filter

from .. import services
from ..models import EntitlementStatus
from .serializers import EntitlementSerializer


class EntitlementFilter(EnterpriseScopedFilterSet):
    year = year_filter()
    status = django_filters.ChoiceFilter(choices=EntitlementStatus.choices)


class EntitlementViewSet(viewsets.ReadOnlyModelViewSet):
    """The entitlement ledger (奖补兑现台账) of the enterprises visible to the caller."""

    serializer_class = EntitlementSerializer
    filterset_class = EntitlementFilter

    def get_queryset(self):
        return services.entitlements_visible_to(self.request.user).select_related("enterprise", "rule").order_by("id")
