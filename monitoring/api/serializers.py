from rest_framework import serializers

from enterprises.domain import formatting
from enterprises.models import Role

from ..models import Assistance, CheckRun, EarlyWarning, Target, WarningStatus


def _for_enterprise_account(serializer) -> bool:
    request = serializer.context.get("request")
    user = getattr(request, "user", None)
    return bool(user and not user.is_superuser and user.role == Role.ENTERPRISE)


class AssistanceSerializer(serializers.ModelSerializer):
    staff = serializers.SerializerMethodField(help_text="who recorded it; null for an enterprise account, "
                                                        "which is shown the centre, not the person")

    class Meta:
        model = Assistance
        fields = ["id", "assisted_on", "staff", "from_enterprise", "problems", "actions", "next_step", "created_at"]

    def get_staff(self, obj) -> str | None:
        if _for_enterprise_account(self) or obj.from_enterprise:
            return None
        return formatting.person(obj.staff)


class WarningSerializer(serializers.ModelSerializer):
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    jurisdiction_key = serializers.CharField(source="enterprise.jurisdiction.key", read_only=True)
    assignee = serializers.SerializerMethodField(help_text="the staff member handling it; null when unassigned "
                                                           "and for an enterprise account")
    assistance = AssistanceSerializer(many=True, read_only=True)

    class Meta:
        model = EarlyWarning
        fields = ["id", "enterprise", "credit_code", "enterprise_name", "jurisdiction_key", "kind", "year", "month",
                  "severity", "rule", "evidence", "status", "assignee", "outcome", "run", "opened_at", "updated_at",
                  "resolved_at", "escalated_at", "assistance"]

    def get_assignee(self, obj) -> str | None:
        if obj.assignee_id is None or _for_enterprise_account(self):
            return None
        return formatting.person(obj.assignee)


class TargetSerializer(serializers.ModelSerializer):
    jurisdiction_key = serializers.CharField(source="jurisdiction.key", default=None, allow_null=True,
                                             read_only=True)
    department_key = serializers.CharField(source="department.key", default=None, allow_null=True,
                                           read_only=True)
    unit_name = serializers.CharField(read_only=True)

    class Meta:
        model = Target
        fields = ["id", "year", "measure", "jurisdiction", "jurisdiction_key", "department", "department_key",
                  "unit_name", "value", "citation", "note", "updated_at"]


class CheckRunSerializer(serializers.ModelSerializer):
    jurisdiction_key = serializers.CharField(source="jurisdiction.key", read_only=True)
    scheduled = serializers.SerializerMethodField(help_text="started by the monthly schedule, not by a person")
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = CheckRun
        fields = ["id", "jurisdiction", "jurisdiction_key", "year", "month", "status", "scheduled", "created_at",
                  "started_at", "finished_at", "heartbeat_at", "total", "processed", "progress_percent", "attempts",
                  "counts", "note"]

    def get_scheduled(self, obj) -> bool:
        return obj.requested_by_id is None


# -- writes (staff): assistance and status moves, through monitoring.services -----------------

class AssistanceCreateSerializer(serializers.Serializer):
    """帮扶 logged against the warning (as on the warning page)."""

    assisted_on = serializers.DateField()
    problems = serializers.CharField(max_length=2000, help_text="发现问题")
    actions = serializers.CharField(max_length=2000, help_text="帮扶措施")
    next_step = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                      help_text="下一步")


class WarningStatusSerializer(serializers.Serializer):
    """A move of the warning's status, as on the warning page: assigned needs `assignee` (a staff user
    who may work on the enterprise), resolved and closed need `outcome`."""

    status = serializers.ChoiceField(choices=WarningStatus.choices)
    assignee = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1,
                                        help_text="user id of the staff member to assign")
    outcome = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000,
                                    help_text="处理结果")
