"""Serializers of the registry's read endpoints beyond the ledger: jurisdictions with their
departments, scale events, and the records enterprises/records.py writes."""
from rest_framework import serializers

from ..models import (
    AnnualAttestation,
    Contact,
    Department,
    Jurisdiction,
    ListingMilestone,
    Recognition,
    Refinancing,
    ScaleEvent,
)


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "key", "name", "full_name", "is_sme_center", "successor"]


class JurisdictionSerializer(serializers.ModelSerializer):
    parent_key = serializers.CharField(source="parent.key", default=None, allow_null=True, read_only=True)
    departments = DepartmentSerializer(many=True, read_only=True)

    class Meta:
        model = Jurisdiction
        fields = ["id", "key", "code", "name", "level", "parent", "parent_key", "path", "departments"]


class EnterpriseRowSerializer(serializers.ModelSerializer):
    """A row owned by one enterprise: the enterprise's id and credit code come first."""

    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)


def _row_serializer(model_class, row_fields):
    meta = type("Meta", (), {"model": model_class, "fields": ["id", "enterprise", "credit_code", *row_fields]})
    return type(f"{model_class.__name__}RowSerializer", (EnterpriseRowSerializer,), {"Meta": meta})


ScaleEventRowSerializer = _row_serializer(
    ScaleEvent, ["kind", "occurred_on", "treated_basis", "name_at_event", "note"])
RecognitionRowSerializer = _row_serializer(
    Recognition, ["kind", "certificate_no", "valid_from", "valid_to", "is_first"])
ListingMilestoneRowSerializer = _row_serializer(ListingMilestone, ["board", "stage", "reached_on"])
RefinancingRowSerializer = _row_serializer(Refinancing, ["raised_on", "amount", "venue", "local_investment_share"])
AttestationRowSerializer = _row_serializer(
    AnnualAttestation, ["year", "q1_full_capacity", "development_sound", "platform_grade", "note"])
ContactRowSerializer = _row_serializer(Contact, ["name", "title", "phone", "email", "is_primary"])
