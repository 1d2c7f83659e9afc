"""Back office. Querysets go through the access helper, so a staff account with
admin rights still sees only its jurisdiction; history shows old and new values."""
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import access, selectors, services
from .models import (
    Contact,
    Department,
    DepartmentName,
    Enterprise,
    EnterpriseName,
    Jurisdiction,
    MonthlyFigure,
    Pool,
    PoolMembership,
    Recognition,
    ScaleEvent,
    User,
)
from .templatetags.money import wan


class JurisdictionSubtreeFilter(admin.SimpleListFilter):
    title = _("所属区域（含下级）")
    parameter_name = "jurisdiction"
    path_field = "jurisdiction__path"

    def lookups(self, request, model_admin):
        return [(j.key, "　" * (j.depth - 1) + j.name) for j in access.jurisdictions_visible_to(request.user)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        target = Jurisdiction.objects.filter(key=self.value()).first()
        return queryset.filter(**{f"{self.path_field}__startswith": target.path}) if target else queryset.none()


class EnterpriseJurisdictionFilter(JurisdictionSubtreeFilter):
    path_field = "enterprise__jurisdiction__path"


class CurrentPoolFilter(admin.SimpleListFilter):
    title = _("当前库")
    parameter_name = "pool"

    def lookups(self, request, model_admin):
        return Pool.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(pool_memberships__exited_on__isnull=True, pool_memberships__pool=self.value())
        return queryset


class ScopedAdmin(SimpleHistoryAdmin):
    enterprise_path = "enterprise"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        visible = access.enterprises_visible_to(request.user)
        if self.model is Enterprise:
            return qs.filter(pk__in=visible.values("pk"))
        return qs.filter(**{f"{self.enterprise_path}__in": visible})


class EnterpriseNameInline(admin.TabularInline):
    model = EnterpriseName
    extra = 0
    fields = ["name", "valid_from", "valid_to"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


class RecognitionInline(admin.TabularInline):
    model = Recognition
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(ScopedAdmin):
    list_display = ["name", "credit_code", "jurisdiction", "department", "category", "current_pool_label",
                    "is_in_scale"]
    list_filter = [JurisdictionSubtreeFilter, CurrentPoolFilter, "category", "is_in_scale"]
    search_fields = ["name", "credit_code", "names__name"]
    list_select_related = ["jurisdiction", "department"]
    readonly_fields = ["is_in_scale", "created_at", "updated_at"]
    inlines = [EnterpriseNameInline, RecognitionInline, ContactInline]
    history_list_display = ["name", "jurisdiction", "category", "is_in_scale"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(current_pool=selectors.current_pool_subquery())

    def save_model(self, request, obj, form, change):
        # A rename typed into the form keeps the old name, as a rename in the portal does.
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            services.name_change_record(obj, form.initial["name"], obj.name, timezone.localdate(),
                                         user=request.user)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Recognition and formset.has_changed():
            services.facts_changed(form.instance)  # the awards depend on recognitions

    @admin.display(description=_("当前库"), ordering="current_pool")
    def current_pool_label(self, obj):
        return Pool(obj.current_pool).label if obj.current_pool else "—"


@admin.register(MonthlyFigure)
class MonthlyFigureAdmin(ScopedAdmin):
    list_display = ["enterprise", "year", "month", "revenue_in_wan", "output_value", "electricity_kwh", "source",
                    "reported_at"]
    list_filter = [EnterpriseJurisdictionFilter, "year", "month", "source"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise", "reported_by"]
    history_list_display = ["revenue", "output_value", "electricity_kwh"]

    @admin.display(description=_("当月营收（万元）"), ordering="revenue")
    def revenue_in_wan(self, obj):
        return wan(obj.revenue)


@admin.register(PoolMembership)
class PoolMembershipAdmin(ScopedAdmin):
    list_display = ["enterprise", "pool", "entered_on", "entry_reason", "exited_on", "exit_reason", "entered_by"]
    list_filter = [EnterpriseJurisdictionFilter, "pool", "entered_on"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    list_select_related = ["enterprise", "entered_by"]
    raw_id_fields = ["enterprise", "entered_by", "exited_by"]

    def has_delete_permission(self, request, obj=None):
        return False  # pool history is never deleted


@admin.register(ScaleEvent)
class ScaleEventAdmin(ScopedAdmin):
    list_display = ["enterprise", "kind", "occurred_on", "treated_basis", "name_at_event"]
    list_filter = [EnterpriseJurisdictionFilter, "kind", "occurred_on"]
    search_fields = ["enterprise__name", "enterprise__credit_code", "name_at_event"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise", "recorded_by"]


@admin.register(Recognition)
class RecognitionAdmin(ScopedAdmin):
    list_display = ["enterprise", "kind", "valid_from", "valid_to", "is_first"]
    list_filter = [EnterpriseJurisdictionFilter, "kind"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    raw_id_fields = ["enterprise"]

    # The awards depend on recognitions: a change here awaits the next 免申即享 batch, as in the portal.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.facts_changed(obj.enterprise)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.facts_changed(obj.enterprise)

    def delete_queryset(self, request, queryset):
        enterprises = list(Enterprise.objects.filter(pk__in=queryset.values("enterprise_id")))
        super().delete_queryset(request, queryset)
        for enterprise in enterprises:
            services.facts_changed(enterprise)


class DepartmentNameInline(admin.TabularInline):
    model = DepartmentName
    extra = 0


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["name", "full_name", "jurisdiction", "is_sme_center", "successor"]
    list_filter = [JurisdictionSubtreeFilter, "is_sme_center"]
    search_fields = ["name", "full_name", "names__name"]
    inlines = [DepartmentNameInline]

    def save_model(self, request, obj, form, change):
        # A rename typed into the form must keep the old name, dated today.
        if change and "name" in form.changed_data:
            DepartmentName.objects.create(department=obj, name=form.initial["name"], valid_to=timezone.localdate(),
                                          source=str(_("后台更名")))
        super().save_model(request, obj, form, change)


@admin.register(Jurisdiction)
class JurisdictionAdmin(SimpleHistoryAdmin):
    list_display = ["indented_name", "code", "level", "key", "duty_separation", "staff_may_record_payment"]
    list_filter = ["level"]
    search_fields = ["name", "code", "key"]
    readonly_fields = ["path"]

    @admin.display(description=_("名称"), ordering="path")
    def indented_name(self, obj):
        return "　" * (obj.depth - 1) + obj.name


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "jurisdiction", "department", "enterprise", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("角色与范围"), {"fields": ("role", "jurisdiction", "department",
                                                                     "enterprise")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("角色与范围"), {"fields": ("role", "jurisdiction",
                                                                             "department", "enterprise")}),)
    raw_id_fields = ["enterprise"]
