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


# -- writes: the bulk submission of monthly figures --------------------------------------------

class FigureRowSerializer(serializers.Serializer):
    """One enterprise-month to record. Amounts in 元 (as the read endpoints give them). A field left
    out or null is not given and keeps the stored value: the API never erases a figure."""

    enterprise = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1,
                                          help_text="the enterprise's id; or give credit_code")
    credit_code = serializers.CharField(required=False, allow_blank=True, max_length=40,
                                        help_text="统一社会信用代码; or give enterprise")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    month = serializers.IntegerField(min_value=1, max_value=12)
    revenue = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, required=False, allow_null=True,
                                       help_text="当月主营业务收入（元）")
    output_value = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, required=False,
                                            allow_null=True, help_text="当月工业总产值（元）")
    tax = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True,
                                   help_text="当月税收（元）")
    electricity_kwh = serializers.DecimalField(max_digits=14, decimal_places=1, min_value=0, required=False,
                                               allow_null=True, help_text="当月用电量（千瓦时）")
    employees = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500,
                                   help_text="更正原因: needed when an enterprise account changes a month past "
                                             "its reporting deadline (the change becomes a correction request)")
    confirm_jump = serializers.BooleanField(
        required=False, default=False,
        help_text="Enterprise accounts: true confirms a revenue more than the jurisdiction's jump factor (default "
                  "3) times, or less than its inverse, the previous reported month's. Without it such a row is "
                  "refused (code revenue_jump); with it the month is saved and staff get a 营收异常突增 warning "
                  "to check it, as on the portal's form.")


class FigureRowOutcomeSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="the row's position in the request, from 0")
    enterprise = serializers.IntegerField()
    credit_code = serializers.CharField()
    year = serializers.IntegerField()
    month = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "correction_requested",
                                              "correction_pending"])
    figure = serializers.IntegerField(allow_null=True, help_text="the stored month's id (null if none yet)")
    correction = serializers.IntegerField(allow_null=True, help_text="the correction request's id, if one")


class FigureBulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    corrections = serializers.IntegerField(help_text="rows that became (or already were) correction requests")
    rows = FigureRowOutcomeSerializer(many=True)


class RowErrorSerializer(serializers.Serializer):
    """One error of the API's one error format (config/api_errors.py), naming the refused row."""

    row = serializers.IntegerField(required=False, allow_null=True,
                                   help_text="the refused row's position in the request, from 0; null (or absent) "
                                             "when the whole request is refused")
    field = serializers.CharField(allow_null=True, help_text="the refused field of the row; null: the row as a whole")
    code = serializers.CharField(help_text="machine code, e.g. not_found, month_not_ended, duplicate, empty, "
                                           "too_many_rows, min_value, required")
    message = serializers.CharField(help_text="for people, in Chinese unless the English catalogue is chosen")


class FigureBulkErrorSerializer(serializers.Serializer):
    errors = RowErrorSerializer(many=True, help_text="every refused row; nothing of the request was written")
