from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Clause,
    ClauseChange,
    FundingSplitTable,
    IncentiveRule,
    LocalCondition,
    PolicyDocument,
    RuleAmendment,
)


class ClauseInline(admin.TabularInline):
    model = Clause
    extra = 0
    fields = ["position", "path", "text", "responsible_units"]


class ClauseChangeInline(admin.TabularInline):
    model = ClauseChange
    fk_name = "amendment"
    extra = 0
    raw_id_fields = ["clause"]


class LocalConditionInline(admin.TabularInline):
    """This document's clauses on other documents' rules (binding in its own jurisdiction only)."""
    model = LocalCondition
    fk_name = "document"
    extra = 0
    raw_id_fields = ["clause", "rule"]


class RuleAmendmentInline(admin.TabularInline):
    model = RuleAmendment
    fk_name = "amendment"
    extra = 0
    raw_id_fields = ["rule"]


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(SimpleHistoryAdmin):
    list_display = ["number", "title", "jurisdiction", "status", "issued_on", "effective_from", "amends"]
    list_filter = ["status", "jurisdiction"]
    search_fields = ["number", "title", "full_text"]
    inlines = [ClauseInline, ClauseChangeInline, RuleAmendmentInline, LocalConditionInline]


@admin.register(IncentiveRule)
class IncentiveRuleAdmin(SimpleHistoryAdmin):
    """Editing a rule runs the same validation as the rule files (model.clean → catalog.parse_rule)."""

    list_display = ["key", "title", "kind", "document", "clause", "jurisdiction", "amount", "valid_from", "valid_to"]
    list_filter = ["kind", "document", "jurisdiction"]
    search_fields = ["key", "title"]
    raw_id_fields = ["clause"]


@admin.register(FundingSplitTable)
class FundingSplitTableAdmin(admin.ModelAdmin):
    list_display = ["key", "document", "clause"]
