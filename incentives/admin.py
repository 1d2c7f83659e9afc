from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from enterprises import access

from .models import Entitlement, EntitlementBatch


@admin.register(Entitlement)
class EntitlementAdmin(SimpleHistoryAdmin):
    list_display = ["enterprise", "year", "rule", "amount", "status", "citation", "reviewed_by", "approved_by",
                    "paid_by", "paid_on"]
    list_filter = ["status", "year", "rule__document"]
    search_fields = ["enterprise__name", "enterprise__credit_code", "rule__key", "rule__title"]
    list_select_related = ["enterprise", "rule", "reviewed_by", "approved_by", "paid_by"]
    raw_id_fields = ["enterprise", "rule", "batch"]
    # The sign-off is taken in the ledger, where the separation of duties is enforced
    # (incentives/domain/signoff.py); here it is shown, not written.
    readonly_fields = ["computed_at", "rule_version", "reason", "citation", "payers", "status",
                       "reviewed_by", "reviewed_at", "approved_by", "approved_at", "rejected_by", "rejected_at",
                       "rejection_reason", "paid_by", "paid_at", "paid_on"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(enterprise__in=access.enterprises_visible_to(request.user))


@admin.register(EntitlementBatch)
class EntitlementBatchAdmin(admin.ModelAdmin):
    list_display = ["jurisdiction", "year", "status", "enterprises", "counts", "created_at", "finished_at"]
    list_filter = ["status", "year"]
    readonly_fields = ["counts", "error", "started_at", "finished_at", "enterprises"]
