from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from enterprises import access

from .models import Assistance, CheckPolicy, CheckRun, EarlyWarning, Target


@admin.register(CheckPolicy)
class CheckPolicyAdmin(SimpleHistoryAdmin):
    """Saving a policy updates its monthly schedule in django-celery-beat."""

    # The reporting deadline day is the jurisdiction's (enterprises.Jurisdiction.report_deadline_day).
    list_display = ["jurisdiction", "run_day", "margin", "yoy_fall", "pool_rule", "escalation_days"]


@admin.register(CheckRun)
class CheckRunAdmin(admin.ModelAdmin):
    list_display = ["jurisdiction", "year", "month", "status", "note", "processed", "total", "attempts",
                    "heartbeat_at", "finished_at"]
    list_filter = ["status", "note", "year"]
    readonly_fields = ["counts", "error", "processed", "total", "attempts", "started_at", "finished_at",
                       "heartbeat_at", "claim", "note"]


@admin.register(EarlyWarning)
class EarlyWarningAdmin(SimpleHistoryAdmin):
    list_display = ["enterprise", "kind", "year", "month", "severity", "status", "assignee", "escalated_at"]
    list_filter = ["kind", "severity", "status", "year"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    raw_id_fields = ["enterprise", "assignee", "run"]
    list_select_related = ["enterprise", "assignee"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(enterprise__in=access.enterprises_visible_to(request.user))


@admin.register(Assistance)
class AssistanceAdmin(SimpleHistoryAdmin):
    list_display = ["enterprise", "assisted_on", "staff", "problems"]
    search_fields = ["enterprise__name", "problems", "actions"]
    raw_id_fields = ["enterprise", "warning", "staff"]


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ["year", "jurisdiction", "department", "measure", "value", "citation", "updated_by"]
    list_filter = ["year", "measure"]
    search_fields = ["jurisdiction__name", "department__name", "citation"]
    raw_id_fields = ["jurisdiction", "department", "updated_by"]

