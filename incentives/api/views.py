import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from enterprises import access
from enterprises.api.filters import EnterpriseScopedFilterSet, jurisdiction_key_filter, year_filter
from enterprises.api.permissions import RoleMayRead, RoleMayWrite, with_role_check

from .. import services
from ..domain import signoff
from ..models import EntitlementBatch, EntitlementStatus
from ..views import SKIPPED, SKIPPED_REJECT_OWN_REVIEW
from .serializers import EntitlementBatchSerializer, EntitlementSerializer, PaySerializer, RejectSerializer
from enterprises.api.exports import ListExportMixin


MAX_PAYERS = 6  # payer shares looked at by the payer filter; rules name at most a few (省、市、县)


class EntitlementFilter(EnterpriseScopedFilterSet):
    year = year_filter()
    status = django_filters.ChoiceFilter(choices=EntitlementStatus.choices)
    jurisdiction = jurisdiction_key_filter("enterprise__jurisdiction")
    payer = django_filters.CharFilter(method="filter_payer", max_length=60,
                                      label=_("出资方（如“省级财政”），任一出资份额匹配即可"))

    def filter_payer(self, queryset, name, value):
        # payers is a short JSON list of {payer, amount} (a rule names a few payers); an index
        # lookup per position works on PostgreSQL and on the demo's SQLite alike.
        shares = Q()
        for index in range(MAX_PAYERS):
            shares |= Q(**{f"payers__{index}__payer": value.strip()})
        return queryset.filter(shares)


class EntitlementViewSet(ListExportMixin, viewsets.ReadOnlyModelViewSet):
    """The entitlement ledger (奖补兑现台账) of the enterprises visible to the caller."""

    serializer_class = EntitlementSerializer
    filterset_class = EntitlementFilter

    def get_queryset(self):
        return services.entitlements_visible_to(self.request.user).select_related("enterprise", "rule").order_by("id")

    # Sign-off steps on one entitlement, through the ledger page's services. The role is checked
    # first (403, incentives.services.can_sign); an entitlement outside the caller's scope is then
    # a 404 like a missing one; the person and jurisdiction rules (incentives/domain/signoff.py)
    # refuse with a 400 naming the reason.

    STEPS = {"pay": signoff.Step.PAY, "review": signoff.Step.REVIEW, "approve": signoff.Step.APPROVE,
             "reject": signoff.Step.REJECT}

    def write_check(self, user):
        if self.action not in self.STEPS:  # a method the route does not take: DRF answers 405 next
            return True, ""
        return services.can_sign(user, self.STEPS[self.action])

    def _sign(self, step, **changes):
        entitlement = self.get_object()
        try:
            if step is signoff.Step.PAY:
                result = services.entitlements_mark_paid(user=self.request.user, ids=[entitlement.pk], **changes)
            elif step is signoff.Step.REVIEW:
                result = services.entitlements_review(user=self.request.user, ids=[entitlement.pk])
            elif step is signoff.Step.APPROVE:
                result = services.entitlements_approve(user=self.request.user, ids=[entitlement.pk])
            else:
                result = services.entitlements_reject(user=self.request.user, ids=[entitlement.pk], **changes)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        if not result.done:
            refusal = next(iter(result.skipped))
            text = SKIPPED_REJECT_OWN_REVIEW if (step is signoff.Step.REJECT
                                                 and refusal is signoff.Refusal.OWN_REVIEW) else SKIPPED[refusal]
            raise serializers.ValidationError({"status": [text % {"n": 1}]}, code=refusal.value)
        return Response(self.get_serializer(self.get_queryset().get(pk=entitlement.pk)).data)

    @extend_schema(summary="Record payment (拨付) of an approved entitlement",
                   description="Finance users (财政拨付人员), or SME-center staff where the entitlement's jurisdiction "
                               "allows it; where duties are separated, not whoever reviewed or approved it.",
                   request=PaySerializer, responses={200: EntitlementSerializer})
    @action(detail=True, methods=["post"], filterset_class=None, permission_classes=with_role_check(RoleMayWrite))
    def pay(self, request, pk=None, **kwargs):
        data = PaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._sign(signoff.Step.PAY, paid_on=data.validated_data["paid_on"],
                          payment_reference=data.validated_data["payment_reference"])

    @extend_schema(summary="Review (初审) a pending entitlement", description="SME-center staff in scope.",
                   request=None, responses={200: EntitlementSerializer})
    @action(detail=True, methods=["post"], filterset_class=None, permission_classes=with_role_check(RoleMayWrite))
    def review(self, request, pk=None, **kwargs):
        return self._sign(signoff.Step.REVIEW)

    @extend_schema(summary="Approve (审批) a reviewed entitlement",
                   description="SME-center staff in scope; where duties are separated, not the reviewer.",
                   request=None, responses={200: EntitlementSerializer})
    @action(detail=True, methods=["post"], filterset_class=None, permission_classes=with_role_check(RoleMayWrite))
    def approve(self, request, pk=None, **kwargs):
        return self._sign(signoff.Step.APPROVE)

    @extend_schema(summary="Reject (驳回) a pending or reviewed entitlement, with a reason",
                   description="SME-center staff in scope; where duties are separated, a reviewed one not by its "
                               "reviewer.", request=RejectSerializer, responses={200: EntitlementSerializer})
    @action(detail=True, methods=["post"], filterset_class=None, permission_classes=with_role_check(RoleMayWrite))
    def reject(self, request, pk=None, **kwargs):
        data = RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._sign(signoff.Step.REJECT, reason=data.validated_data["reason"])


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
class EntitlementBatchViewSet(ListExportMixin, viewsets.ReadOnlyModelViewSet):
    """免申即享 batches of the jurisdictions in the caller's subtree: status and counts."""

    serializer_class = EntitlementBatchSerializer
    filterset_class = EntitlementBatchFilter
    permission_classes = with_role_check(RoleMayRead)

    @staticmethod
    def read_check(user):
        return access.can_read_job_runs(user)

    def get_queryset(self):
        return (EntitlementBatch.objects.filter(jurisdiction__in=access.jurisdictions_visible_to(self.request.user),
                                                parent__isnull=True)
                .select_related("jurisdiction").order_by("-id"))
