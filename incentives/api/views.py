from rest_framework import viewsets

from .. import services
from .serializers import EntitlementSerializer


class EntitlementViewSet(viewsets.ReadOnlyModelViewSet):
    """The entitlement ledger (奖补兑现台账) of the enterprises visible to the caller."""

    serializer_class = EntitlementSerializer
    filterset_fields = ["year", "status", "enterprise"]

    def get_queryset(self):
        return services.entitlements_visible_to(self.request.user).select_related("enterprise", "rule").order_by("id")
