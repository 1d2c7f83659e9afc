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
from enterprises.domain import formatting
from enterprises.params import id_list, redirect_back, year_param
from enterprises.models import Jurisdiction, Role
from policies import engine
from policies.models import PolicyDocument
from policies.selectors import engine_inputs

from . import services
from .domain import signoff
from .models import Entitlement, EntitlementBatch, EntitlementStatus
from .selectors import ledger_totals, signoff_rules, single_enterprise_facts, with_facts_pending

WAN = Decimal("10000")


def can_export(user) -> bool:
    """Finance lists go to SME-center staff, finance and leaders."""
    return user.is_superuser or user.role in (Role.CENTER_STAFF, Role.FINANCE, Role.LEADER)


# What a bulk sign-off says: what it did, and each reason rows were left alone, with a count.
SIGNED = {
    signoff.Step.REVIEW: gettext_lazy("已初审%(n)s条"),
    signoff.Step.APPROVE: gettext_lazy("已审批%(n)s条"),
    signoff.Step.REJECT: gettext_lazy("已驳回%(n)s条"),
    signoff.Step.PAY: gettext_lazy("已登记拨付%(n)s条"),
}
SKIPPED = {
    signoff.Refusal.WRONG_STATUS: gettext_lazy("%(n)s条状态不符，未处理"),
    signoff.Refusal.OWN_REVIEW: gettext_lazy("%(n)s条由您初审，须由他人审批"),
    signoff.Refusal.OWN_SIGNOFF: gettext_lazy("%(n)s条由您初审或审批，须由他人登记拨付"),
    signoff.Refusal.FINANCE_ONLY: gettext_lazy("%(n)s条所在区域须由财政拨付人员登记拨付"),
}
SKIPPED_REJECT_OWN_REVIEW = gettext_lazy("%(n)s条由您初审，须由他人审批或驳回")
ACTIONS = {"review": signoff.Step.REVIEW, "approve": signoff.Step.APPROVE, "reject": signoff.Step.REJECT,
           "paid": signoff.Step.PAY}


class LedgerFilter(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False,
                               choices=[("", gettext_lazy("全部"))] + list(EntitlementStatus.choices))
    q = forms.CharField(label=gettext_lazy("企业"), required=False)
    jurisdiction = forms.ModelChoiceField(label=gettext_lazy("区域"), queryset=Jurisdiction.objects.none(),
                                          required=False, to_field_name="key")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = access.jurisdictions_visible_to(user)


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
    filters = LedgerFilter(request.GET or None, user=request.user)
    qs = services.entitlements_visible_to(request.user).select_related(
        "enterprise", "enterprise__jurisdiction", "rule", "reviewed_by", "approved_by", "rejected_by", "paid_by")
    status_chosen = False
    if filters.is_valid():
        if filters.cleaned_data["year"]:
            qs = qs.filter(year=filters.cleaned_data["year"])
        if filters.cleaned_data["status"]:
            qs = qs.filter(status=filters.cleaned_data["status"])
            status_chosen = True
        if filters.cleaned_data["q"]:
            qs = qs.filter(enterprise__name__icontains=filters.cleaned_data["q"])
        if filters.cleaned_data["jurisdiction"]:
            qs = qs.filter(enterprise__jurisdiction__path__startswith=filters.cleaned_data["jurisdiction"].path)
    page = Paginator(with_facts_pending(qs).order_by("-year", "enterprise__name", "rule__key"), 100).get_page(
        request.GET.get("page"))
    can_manage = services.can_manage_entitlements(request.user)[0]
    rules, can_pay = _own_signoff_rules(request.user)
    params = request.GET.copy()
    params.pop("page", None)
    export_year = filters.cleaned_data["year"] if filters.is_valid() and filters.cleaned_data["year"] else ""
    return render(request, "incentives/ledger.html", {
        "filters": filters, "page": page, "can_manage": can_manage, "querystring": params.urlencode(),
        "can_pay": can_pay, "can_sign": can_manage or can_pay, "signoff_rules": rules,
        # Who signed is for the people who work the ledger, not for the enterprise's own account.
        "show_signoff": request.user.is_superuser or request.user.role != Role.ENTERPRISE,
        "totals": ledger_totals(qs, payers_owed_only=not status_chosen),
        "can_export": can_export(request.user), "export_year": export_year,
        "batch_form": BatchForm(user=request.user, initial={"year": timezone.localdate().year - 1}),
        "batches": EntitlementBatch.objects.filter(
            jurisdiction__in=access.jurisdictions_visible_to(request.user), parent__isnull=True,
        ).select_related("jurisdiction")[:10],
    })


def _own_signoff_rules(user) -> tuple[signoff.Rules | None, bool]:
    """The sign-off rules of the user's own jurisdiction (for the page's note), and whether
    to offer recording payment: finance always, staff where their jurisdiction lets them.
    Each entitlement's own jurisdiction still decides when a payment is recorded."""
    if not (services.can_sign(user, signoff.Step.PAY)[0] or services.can_manage_entitlements(user)[0]):
        return None, False
    rules = signoff_rules([user.jurisdiction_id]).get(user.jurisdiction_id, signoff.DEFAULT_RULES) \
        if user.jurisdiction_id else signoff.DEFAULT_RULES
    can_pay = user.is_superuser or user.role == Role.FINANCE or signoff.staff_may_pay(rules)
    return rules, can_pay


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
    """One sign-off step on the ticked entitlements: 初审, 审批, 驳回 or 拨付. Rows the user
    may not sign are left alone and counted by reason, never silently."""
    ids = id_list(request.POST.getlist("ids"))
    step = ACTIONS.get(request.POST.get("action"))
    if not ids:
        messages.error(request, _("请先勾选要处理的记录"))
        return redirect_back(request, "incentives:ledger")
    try:
        if step is signoff.Step.REVIEW:
            result = services.entitlements_review(user=request.user, ids=ids)
        elif step is signoff.Step.APPROVE:
            result = services.entitlements_approve(user=request.user, ids=ids)
        elif step is signoff.Step.REJECT:
            result = services.entitlements_reject(user=request.user, ids=ids, reason=request.POST.get("reason", ""))
        elif step is signoff.Step.PAY:
            try:
                paid_on = forms.DateField(required=False).clean(request.POST.get("paid_on"))
            except ValidationError as error:
                raise ValidationError(_("拨付日期：%(error)s") % {"error": "；".join(error.messages)})
            result = services.entitlements_mark_paid(user=request.user, ids=ids, paid_on=paid_on,
                                                     payment_reference=request.POST.get("payment_reference", ""))
        else:
            raise ValidationError(_("未知的操作"))
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        (messages.success if result.done else messages.warning)(request, SIGNED[step] % {"n": result.done})
        for refusal, count in result.skipped.items():
            text = SKIPPED[refusal]
            if step is signoff.Step.REJECT and refusal is signoff.Refusal.OWN_REVIEW:
                text = SKIPPED_REJECT_OWN_REVIEW
            messages.warning(request, text % {"n": count})
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
        "entitlements": with_facts_pending(enterprise.entitlements.select_related("rule")).order_by("-year", "rule__key"),
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
        "enterprise", "enterprise__jurisdiction", "rule", "reviewed_by", "approved_by", "paid_by").order_by(
        "year", "enterprise__jurisdiction__path", "enterprise__name")
    if request.GET.get("year"):
        year = year_param(request.GET["year"], None)
        if year is None:
            return HttpResponseBadRequest(_("年度应为2000至2100之间的数字"))
        qs = qs.filter(year=year)
    book = Workbook()
    sheet = book.active
    sheet.title = _("兑现清单")
    exports.append_row(sheet, [_("年度"), _("区域"), _("企业名称"), _("统一社会信用代码"), _("奖补项目"), _("依据"),
                               _("出资方"), _("出资金额（万元）"), _("合计金额（万元）"), _("状态"), _("初审人"), _("审批人"),
                               _("拨付登记人"), _("拨付日期"), _("拨付凭证号")])
    for row in qs:
        for share in row.payers or [{"payer": "", "amount": None}]:
            cells = exports.append_row(sheet, [
                row.year, row.enterprise.jurisdiction.name, row.enterprise.name, row.enterprise.credit_code,
                row.rule.title, row.citation, share["payer"], _wan(share["amount"]), _wan(row.amount),
                row.get_status_display(), *(_person(u) for u in (row.reviewed_by, row.approved_by, row.paid_by)),
                row.paid_on, row.payment_reference])
            for cell in cells[7:9]:
                cell.number_format = "0.00"
    for column, width in zip("ABCDEFGHIJKLMNO", (6, 10, 28, 22, 30, 30, 16, 14, 14, 8, 12, 12, 12, 12, 20)):
        sheet.column_dimensions[column].width = width
    buffer = BytesIO()
    book.save(buffer)
    # Named from the validated status and today's date only.
    return exports.attachment(buffer.getvalue(), exports.XLSX_CONTENT_TYPE,
                              f"entitlements-{status}-{timezone.localdate():%Y%m%d}.xlsx")


def _person(user) -> str:
    """A signer's name as staff know it; blank when the step has not been taken."""
    return formatting.person(user) if user is not None else ""


def _wan(yuan) -> Decimal | None:
    """Yuan (a Decimal or the text of one) as 万元 with 2 decimals; blank when unknown."""
    if yuan in (None, ""):
        return None
    return (Decimal(str(yuan)) / WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
