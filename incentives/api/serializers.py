from rest_framework import serializers

from ..models import Entitlement, EntitlementBatch


class EntitlementSerializer(serializers.ModelSerializer):
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    rule = serializers.CharField(source="rule.key", read_only=True)
    rule_title = serializers.CharField(source="rule.title", read_only=True)

    class Meta:
        model = Entitlement
        fields = ["id", "enterprise", "credit_code", "enterprise_name", "year", "rule", "rule_title", "amount",
                  "payers", "citation", "reason", "rule_version", "status", "reviewed_at", "approved_at", "paid_at",
                  "paid_on", "payment_reference"]


class EntitlementBatchSerializer(serializers.ModelSerializer):
    jurisdiction_key = serializers.CharField(source="jurisdiction.key", read_only=True)

    class Meta:
        model = EntitlementBatch
        fields = ["id", "jurisdiction", "jurisdiction_key", "year", "status", "created_at", "started_at",
                  "finished_at", "enterprises", "counts"]


# -- writes: the sign-off steps (incentives.services, rules in incentives/domain/signoff.py) ----

class PaySerializer(serializers.Serializer):
    """拨付: the date the money was paid, as the ledger page asks."""

    paid_on = serializers.DateField(help_text="拨付日期")
    payment_reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                              help_text="拨付凭证号: the finance system's voucher or transfer number.")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="驳回原因")
