"""Read-only endpoints of the policy catalog. Policy documents are public-domain texts, so every
signed-in API user reads every document, draft or not (drafts are marked); nothing here is
scoped by jurisdiction, and the default permissions (signed in, token rules) still apply."""
import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.response import Response

from enterprises.api.filters import id_filter, jurisdiction_key_filter

from .. import selectors
from ..models import Clause, ClauseChange, DocumentStatus, IncentiveRule, PolicyDocument, RuleAmendment
from .serializers import (
    IncentiveRuleDetailSerializer,
    IncentiveRuleSerializer,
    PolicyDocumentDetailSerializer,
    PolicyDocumentSerializer,
)
from enterprises.api.exports import ListExportMixin


class PolicyDocumentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DocumentStatus.choices)
    jurisdiction = jurisdiction_key_filter("jurisdiction")
    key = django_filters.CharFilter(max_length=60)


@extend_schema_view(retrieve=extend_schema(responses={200: PolicyDocumentDetailSerializer}))
class PolicyDocumentViewSet(ListExportMixin, viewsets.ReadOnlyModelViewSet):
    """Policy documents (政策文件); one document comes with its clauses and, if it amends another,
    the clause and rule changes it makes."""

    filterset_class = PolicyDocumentFilter

    def get_queryset(self):
        qs = (PolicyDocument.objects.select_related("jurisdiction")
              .prefetch_related(Prefetch("amendments", queryset=PolicyDocument.objects.only("id", "amends")))
              .order_by("jurisdiction__path", "key"))
        if self.action == "retrieve":
            qs = qs.prefetch_related(
                Prefetch("clauses", queryset=Clause.objects.prefetch_related("rules").order_by("position")),
                Prefetch("clause_changes", queryset=ClauseChange.objects.select_related("clause")),
                Prefetch("rule_changes", queryset=RuleAmendment.objects.select_related("rule").order_by("id")))
        return qs

    def get_serializer_class(self):
        return PolicyDocumentDetailSerializer if self.action == "retrieve" else PolicyDocumentSerializer


class IncentiveRuleFilter(django_filters.FilterSet):
    document = id_filter("document_id", _("政策文件编号"))
    jurisdiction = jurisdiction_key_filter("jurisdiction")
    kind = django_filters.CharFilter(max_length=40)
    key = django_filters.CharFilter(max_length=80)
    document_status = django_filters.ChoiceFilter(field_name="document__status", choices=DocumentStatus.choices)


@extend_schema_view(retrieve=extend_schema(responses={200: IncentiveRuleDetailSerializer}))
class IncentiveRuleViewSet(ListExportMixin, viewsets.ReadOnlyModelViewSet):
    """Incentive rules (奖补规则) encoded from the documents, with the amendments that change them;
    one rule comes with its versions over time (after the amendments in force; a draft's rule has none)."""

    filterset_class = IncentiveRuleFilter

    def get_queryset(self):
        amendments = RuleAmendment.objects.select_related("amendment").order_by("amendment__effective_from", "id")
        return (IncentiveRule.objects.select_related("document", "clause", "jurisdiction")
                .prefetch_related(Prefetch("amendments", queryset=amendments)).order_by("id"))

    def get_serializer_class(self):
        return IncentiveRuleDetailSerializer if self.action == "retrieve" else IncentiveRuleSerializer

    def retrieve(self, request, *args, **kwargs):
        rule = self.get_object()
        # The versions come from the whole catalog in a fixed number of queries (the engine's view).
        context = {**self.get_serializer_context(), "versions": selectors.engine_inputs().versions()}
        return Response(IncentiveRuleDetailSerializer(rule, context=context).data)
