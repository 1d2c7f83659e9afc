from rest_framework import serializers

from ..models import Enterprise, MonthlyFigure, PoolMembership, Recognition, ScaleEvent


class MonthlyFigureSerializer(serializers.ModelSerializer):
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)

    class Meta:
        model = MonthlyFigure
        fields = ["id", "enterprise", "credit_code", "year", "month", "revenue", "output_value", "tax",
                  "electricity_kwh", "employees", "source", "reported_at"]


class PoolMembershipSerializer(serializers.ModelSerializer):
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)

    class Meta:
        model = PoolMembership
        fields = ["id", "enterprise", "credit_code", "pool", "entered_on", "entry_reason", "exited_on", "exit_reason"]


class ScaleEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScaleEvent
        fields = ["kind", "occurred_on", "treated_basis", "name_at_event", "note"]


class RecognitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recognition
        fields = ["kind", "certificate_no", "valid_from", "valid_to", "is_first"]


class EnterpriseSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.CharField(source="jurisdiction.name", read_only=True)
    jurisdiction_key = serializers.CharField(source="jurisdiction.key", read_only=True)
    department = serializers.CharField(source="department.name", default=None, read_only=True)
    current_pool = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Enterprise
        fields = ["id", "credit_code", "name", "jurisdiction", "jurisdiction_key", "department", "industry_code",
                  "category", "is_in_scale", "current_pool", "established_on", "updated_at"]


class EnterpriseLedgerSerializer(EnterpriseSerializer):
    """一户一册: one enterprise's whole book."""

    former_names = serializers.SerializerMethodField()
    scale_events = ScaleEventSerializer(many=True, read_only=True)
    recognitions = RecognitionSerializer(many=True, read_only=True)
    pool_memberships = PoolMembershipSerializer(many=True, read_only=True)
    monthly_figures = MonthlyFigureSerializer(many=True, read_only=True)

    class Meta(EnterpriseSerializer.Meta):
        fields = EnterpriseSerializer.Meta.fields + [
            "legal_representative", "address", "former_names", "scale_events", "recognitions",
            "pool_memberships", "monthly_figures"]

    def get_former_names(self, obj) -> list[dict]:
        return [{"name": n.name, "valid_from": n.valid_from, "valid_to": n.valid_to}
                for n in obj.names.all() if n.valid_to is not None]
