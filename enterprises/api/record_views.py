"""Read-only endpoints of the registry beyond the ledger: the jurisdiction tree with its
departments, scale events, and each kind of record enterprises/records.py writes.

Every queryset starts from the access helper, as in views.py: a row of an enterprise the
caller may not see is not in the queryset, so its id answers 404 exactly like a missing one.
"""
from django.db.models import Prefetch
from rest_framework import viewsets

from .. import access
from ..models import (
    AnnualAttestation,
    Contact,
    Department,
    ListingMilestone,
    Recognition,
    Refinancing,
    ScaleEvent,
)
from . import filters, record_serializers
from .filters import EnterpriseScopedFilterSet
from .exports import ListExportMixin


class JurisdictionViewSet(ListExportMixin, viewsets.ReadOnlyModelViewSet):
    """The jurisdictions the caller may see (their subtree; an enterprise account: its own), each
    with its responsible units (责任单位)."""

    serializer_class = record_serializers.JurisdictionSerializer
    filterset_class = filters.JurisdictionFilter

    def get_queryset(self):
        return (access.jurisdictions_visible_to(self.request.user).select_related("parent")
                .prefetch_related(Prefetch("departments", queryset=Department.objects.order_by("key")))
                .order_by("path"))


class EnterpriseRowViewSet(ListExportMixin, viewsets.ReadOnlyModelViewSet):
    """Rows that belong to one enterprise, among the enterprises the caller may see."""

    model = None

    def get_queryset(self):
        return (self.model.objects.filter(enterprise__in=access.enterprises_visible_to(self.request.user))
                .select_related("enterprise").order_by("id"))


class ScaleEventViewSet(EnterpriseRowViewSet):
    """入规、退规 events (the scale status is derived from them)."""

    model = ScaleEvent
    serializer_class = record_serializers.ScaleEventRowSerializer
    filterset_class = filters.ScaleEventFilter


class RecognitionViewSet(EnterpriseRowViewSet):
    """资质认定: recognitions such as 专精特新 or 高新技术企业."""

    model = Recognition
    serializer_class = record_serializers.RecognitionRowSerializer
    filterset_class = filters.RecognitionFilter


class ListingMilestoneViewSet(EnterpriseRowViewSet):
    """上市挂牌节点: tutoring filed, application accepted, listed."""

    model = ListingMilestone
    serializer_class = record_serializers.ListingMilestoneRowSerializer
    filterset_class = filters.ListingMilestoneFilter


class RefinancingViewSet(EnterpriseRowViewSet):
    """再融资: money raised after listing (amount in yuan)."""

    model = Refinancing
    serializer_class = record_serializers.RefinancingRowSerializer
    filterset_class = filters.RefinancingFilter


class AttestationViewSet(EnterpriseRowViewSet):
    """年度认定事项: facts assessed once a year."""

    model = AnnualAttestation
    serializer_class = record_serializers.AttestationRowSerializer
    filterset_class = filters.AttestationFilter


class ContactViewSet(EnterpriseRowViewSet):
    """An enterprise's contacts."""

    model = Contact
    serializer_class = record_serializers.ContactRowSerializer
    filterset_class = EnterpriseScopedFilterSet
