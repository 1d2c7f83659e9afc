"""Ledger pages: entitlements with bulk review, one enterprise's decisions with
reasons, the what-if, and the finance list."""
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from enterprises import access, exports, selectors as registry
from enterprises.params import id_list, redirect_back, year_param
from enterprises.models import Jurisdiction, Role
from policies import engine
from policies.models import PolicyDocument
from policies.selectors import engine_inputs

from . import services
from .models import Entitlement, EntitlementBatch, EntitlementStatus
from .selectors import ledger_totals, single_enterprise_facts

WAN = Decimal("10000")


def can_export(user) -> bool:
    """Finance lists go to SME-center staff and leaders."""
    return user.is_superuser or user.role in (Role.CENTER_STAFF, Role.LEADER)


class LedgerFilter(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False,
                               choices=[("", gettext_lazy("全部"))] + list(EntitlementStatus.choices))
    q = forms.CharField(label=gettext_lazy("企业"), required=False)


class BatchForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(label=gettext_lazy("区域"), queryset=Jurisdiction.objects.none(),
                                          to_field_name="key")
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = access.jurisdictions_visible_to(user).exclude(level="town")


class WhatIfForm(BatchForm):
    document = forms.ModelChoiceField(label=gettext_lazy("政策文件（或修改意见）"), queryset=PolicyDocument.objects.all(),
                                      to_field_name="key")
    effective_from = forms.DateField(label=gettext_lazy("假定生效日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    year = None
    year_from = forms.IntegerField(label=gettext_lazy("起始年度"), min_value=2000, max_value=2100)
    year_to = forms.IntegerField(label=gettext_lazy("截止年度"), min_value=2000, max_value=2100)

    def clean(self):
        data = super().clean()
        if data.get("year_from") and data.get("year_to") and not 0 <= data["year_to"] - data["year_from"] <= 10:
            raise ValidationError(_("年度范围应为0至10年"))
        return data


@login_required
def ledger(request):
    filters = LedgerFilter(request.GET or None)
    qs = services.entitlements_visible_to(request.user).select_related(
        "enterprise", "enterprise__jurisdiction", "rule", "reviewed_by")
    status_chosen = False
    if filters.is_valid():
        if filters.cleaned_data["year"]:
            qs = qs.filter(year=filters.cleaned_data["year"])
        if filters.cleaned_data["status"]:
            qs = qs.filter(status=filters.cleaned_data["status"])
            status_chosen = True
        if filters.cleaned_data["q"]:
            qs = qs.filter(enterprise__name__icontains=filters.cleaned_data["q"])
    page = Paginator(qs.order_by("-year", "enterprise__name", "rule__key"), 100).get_page(request.GET.get("page"))
    can_manage = services.can_manage_entitlements(request.user)[0]
    params = request.GET.copy()
    params.pop("page", None)
    export_year = filters.cleaned_data["year"] if filters.is_valid() and filters.cleaned_data["year"] else ""
    return render(request, "incentives/ledger.html", {
        "filters": filters, "page": page, "can_manage": can_manage, "querystring": params.urlencode(),
        "totals": ledger_totals(qs, payers_owed_only=not status_chosen),
        "can_export": can_export(request.user), "export_year": export_year,
        "batch_form": BatchForm(user=request.user, initial={"year": timezone.localdate().year - 1}),
        "batches": EntitlementBatch.objects.filter(
            jurisdiction__in=access.jurisdictions_visible_to(request.user)).select_related("jurisdiction")[:10],
    })


@require_POST
@login_required
def batch_start(request):
    form = BatchForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect("incentives:ledger")
    batch = services.entitlement_batch_request(user=request.user, jurisdiction=form.cleaned_data["jurisdiction"],
                                               year=form.cleaned_data["year"])
    messages.success(request, _("已提交免申即享计算：%(batch)s") % {"batch": batch})
    return redirect("incentives:ledger")


@require_POST
@login_required
def review(request):
    ids = id_list(request.POST.getlist("ids"))
    action = request.POST.get("action")
    if not ids:
        messages.error(request, _("请先勾选要处理的记录"))
        return redirect_back(request, "incentives:ledger")
    try:
        if action == "approve":
            done = services.entitlements_approve(user=request.user, ids=ids)
        elif action == "reject":
            done = services.entitlements_reject(user=request.user, ids=ids, reason=request.POST.get("reason", ""))
        elif action == "paid":
            paid_on = forms.DateField().clean(request.POST.get("paid_on"))
            done = services.entitlements_mark_paid(user=request.user, ids=ids, paid_on=paid_on)
        else:
            raise ValidationError(_("未知的操作"))
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        skipped = len(ids) - done
        messages.success(request, _("已处理%(done)s条；%(skipped)s条状态不符未处理") % {"done": done, "skipped": skipped})
    return redirect_back(request, "incentives:ledger")


@login_required
def enterprise_decisions(request, pk):
    enterprise = registry.enterprise_get(user=request.user, pk=pk)
    year = year_param(request.GET.get("year"), timezone.localdate().year - 1)
    if year is None:
        return HttpResponseBadRequest(_("年度应为2000至2100之间的数字"))
    inputs = engine_inputs()
    facts = single_enterprise_facts(enterprise, [year])
    decisions = engine.evaluate(facts, inputs.versions(), year, inputs.splits)
    order = {engine.PASS: 0, engine.UNKNOWN: 1, engine.FAIL: 2}
    decisions.sort(key=lambda d: (order[d.outcome], d.citation.document_number, d.rule_key))
    owed = sum((d.amount for d in decisions if d.outcome == engine.PASS and d.amount), start=0)
    return render(request, "incentives/enterprise_decisions.html", {
        "enterprise": enterprise, "year": year, "decisions": decisions, "owed": owed,
        "entitlements": enterprise.entitlements.select_related("rule").order_by("-year", "rule__key"),
    })


@login_required
def what_if(request):
    form = WhatIfForm(request.GET or None, user=request.user)
    form.fields["document"].queryset = PolicyDocument.objects.order_by("jurisdiction__path", "key")
    report = None
    if request.GET and form.is_valid():
        data = form.cleaned_data
        report = services.what_if(user=request.user, jurisdiction=data["jurisdiction"], document=data["document"],
                                  effective_from=data["effective_from"],
                                  years=list(range(data["year_from"], data["year_to"] + 1)))
    return render(request, "incentives/what_if.html", {"form": form, "report": report})


@login_required
def finance_export(request):
    """Approved (or paid) entitlements as xlsx: one row per payer share, for finance.

    The status and year are checked against what exists before they reach the query or
    the file name; names and texts are written as text (enterprises.exports)."""
    if not can_export(request.user):
        raise PermissionDenied(_("无权导出兑现清单"))
    status = request.GET.get("status") or EntitlementStatus.APPROVED
    if status not in EntitlementStatus.values:
        return HttpResponseBadRequest(_("状态应为以下之一：%(choices)s") % {
            "choices": "、".join(f"{value}（{label}）" for value, label in EntitlementStatus.choices)})
    qs = services.entitlements_visible_to(request.user).filter(status=status).select_related(
        "enterprise", "enterprise__jurisdiction", "rule").order_by("year", "enterprise__jurisdiction__path",
                                                                   "enterprise__name")
    if request.GET.get("year"):
        year = year_param(request.GET["year"], None)
        if year is None:
            return HttpResponseBadRequest(_("年度应为2000至2100之间的数字"))
        qs = qs.filter(year=year)
    book = Workbook()
    sheet = book.active
    sheet.title = _("兑现清单")
    exports.append_row(sheet, [_("年度"), _("区域"), _("企业名称"), _("统一社会信用代码"), _("奖补项目"), _("依据"),
                               _("出资方"), _("出资金额（万元）"), _("合计金额（万元）"), _("状态"), _("审核人"), _("拨付日期")])
    for row in qs:
        for share in row.payers or [{"payer": "", "amount": None}]:
            cells = exports.append_row(sheet, [
                row.year, row.enterprise.jurisdiction.name, row.enterprise.name, row.enterprise.credit_code,
                row.rule.title, row.citation, share["payer"], _wan(share["amount"]), _wan(row.amount),
                row.get_status_display(), str(row.reviewed_by or ""), row.paid_on])
            for cell in cells[7:9]:
                cell.number_format = "0.00"
    for column, width in zip("ABCDEFGHIJKL", (6, 10, 28, 22, 30, 30, 16, 14, 14, 8, 10, 12)):
        sheet.column_dimensions[column].width = width
    buffer = BytesIO()
    book.save(buffer)
    # Named from the validated status and today's date only.
    return exports.attachment(buffer.getvalue(), exports.XLSX_CONTENT_TYPE,
                              f"entitlements-{status}-{timezone.localdate():%Y%m%d}.xlsx")


def _wan(yuan) -> Decimal | None:
    """Yuan (a Decimal or the text of one) as 万元 with 2 decimals; blank when unknown."""
    if yuan in (None, ""):
        return None
    return (Decimal(str(yuan)) / WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
