"""The enterprise portal (企业端): an enterprise account's own pages, and the invitation
that opens such an account.

Every page finds the enterprise through `access.portal_enterprise` (the account's one
enterprise); a warning or figure is looked up only among that enterprise's rows, so an id
of another enterprise answers exactly like a missing one (404). Staff have no portal (403).
"""
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import access, invitations, selectors, services
from .domain import reporting
from .models import FigureSource
from .params import month_param, year_param
from .portal_forms import AcceptInvitationForm, InvitationForm, PortalFigureForm, WarningAnswerForm
from .views import _add_errors  # the registry views' helper: a service error onto the form

HISTORY_MONTHS = 24


def _enterprise(request):
    enterprise = access.portal_enterprise(request.user)
    if enterprise is None:
        raise PermissionDenied(_("企业页面只供企业用户使用"))
    return enterprise


@login_required
def home(request):
    """我的企业: the record the portal keeps of the enterprise, with its 一户一册 as PDF."""
    from incentives.models import EntitlementStatus
    from monitoring.models import ACTIVE_STATUSES
    from monitoring.services import warnings_for_enterprise_account

    enterprise = _enterprise(request)
    figures = list(selectors.monthly_figures_for(enterprise=enterprise)[:12])
    return render(request, "portal/home.html", {
        "enterprise": enterprise,
        "current_pool": selectors.current_pool(enterprise=enterprise),
        "figures": figures,
        "recognitions": enterprise.recognitions.order_by("-valid_from", "kind"),
        "open_warnings": warnings_for_enterprise_account(request.user).filter(status__in=ACTIVE_STATUSES).count(),
        "awards_in_progress": enterprise.entitlements.filter(status__in=(
            EntitlementStatus.PENDING, EntitlementStatus.REVIEWED, EntitlementStatus.APPROVED)).count(),
    })


@login_required
def awards(request):
    """奖励: the enterprise's entitlements, where each stands and when it got there.
    Not who signed: that is for the people who work the ledger."""
    enterprise = _enterprise(request)
    entitlements = enterprise.entitlements.select_related("rule").order_by("-year", "rule__key")
    return render(request, "portal/awards.html", {"enterprise": enterprise, "entitlements": entitlements})


@login_required
def warning_list(request):
    from monitoring.services import warnings_for_enterprise_account

    enterprise = _enterprise(request)
    warnings = warnings_for_enterprise_account(request.user).order_by("-year", "-month", "-opened_at", "-pk")
    return render(request, "portal/warnings.html", {"enterprise": enterprise, "warnings": warnings})


@login_required
def warning_detail(request, pk):
    """One warning addressed to the enterprise, its assistance log and the form to answer it."""
    from monitoring.services import warning_answer, warnings_for_enterprise_account

    enterprise = _enterprise(request)
    warning = get_object_or_404(warnings_for_enterprise_account(request.user), pk=pk)
    form = WarningAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            warning_answer(user=request.user, warning_id=warning.pk, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已提交答复，中小企业服务中心将在帮扶记录中看到"))
            return redirect("portal:warning", pk=warning.pk)
    return render(request, "portal/warning_detail.html", {
        "enterprise": enterprise, "warning": warning, "form": form,
        "log": warning.assistance.select_related("staff").order_by("-assisted_on", "-id"),
    })


def _jump(enterprise, data, revenue):
    """The comparison to confirm when this month's revenue is far from the previous reported month's."""
    from monitoring.services import revenue_jumps

    return revenue_jumps(enterprise, [(0, data["year"], data["month"], revenue)], selectors.today()).get(0)


@login_required
def figures(request):
    """月度数据: report a month once it has ended, until the deadline; after it a change goes to
    staff review (the figure service decides both). History: the months and the requests."""
    enterprise = _enterprise(request)
    form = None
    if request.method == "POST":
        form = PortalFigureForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            jump = _jump(enterprise, data, form.values().get("revenue"))
            if jump and not data.get("confirm_jump"):
                form.jump = jump
            else:
                saved = _save_month(request, enterprise, form, jump)
                if saved:
                    query = urlencode({"figure_year": data["year"], "figure_month": data["month"]})
                    return redirect(f"{reverse('portal:figures')}?{query}")
    return render(request, "portal/figures.html", _figures_context(request, enterprise, form))


def _save_month(request, enterprise, form, jump) -> bool:
    from monitoring.services import revenue_jump_flag

    data = form.cleaned_data
    label = {"y": data["year"], "m": data["month"]}
    try:
        change = services.monthly_figure_upsert(
            user=request.user, enterprise=enterprise, year=data["year"], month=data["month"],
            values=form.values(), clear=form.cleared(), reason=form.correction_reason(),
            source=FigureSource.ENTERPRISE)
    except ValidationError as error:
        _add_errors(form, error)
        return False
    if jump and (change.changed or change.correction is not None):
        previous = jump["previous"]
        revenue_jump_flag(user=request.user, enterprise=enterprise, year=data["year"], month=data["month"],
                          revenue=jump["revenue"], previous_year=previous.year, previous_month=previous.month,
                          previous_revenue=previous.revenue, factor=jump["factor"])
        messages.info(request, _("本月主营业务收入与上一填报月相差较大，已提示中小企业服务中心核实"))
    if change.correction is not None:
        messages.success(request, _("%(y)s年%(m)s月已过报送截止日：已提交更正申请，待中小企业服务中心审核") % label)
    elif not change.changed:
        messages.success(request, _("%(y)s年%(m)s月数据无变化") % label)
    else:
        messages.success(request, _("已保存%(y)s年%(m)s月数据") % label)
    return True


def _figures_context(request, enterprise, form) -> dict:
    today = selectors.today()
    deadline_day = selectors.report_deadline_day(enterprise.jurisdiction)
    history = list(selectors.monthly_figures_for(enterprise=enterprise)[:HISTORY_MONTHS])
    if form is None:
        year, month = year_param(request.GET.get("figure_year"), None), month_param(request.GET.get("figure_month"))
        if year is None or month is None:
            year, month = reporting.previous_month(today)
        initial = {"year": year, "month": month}
        stored = enterprise.monthly_figures.filter(year=year, month=month).first()
        if stored is not None:
            initial.update({name: getattr(stored, name) for name in services.FIGURE_FIELDS})
            initial.update({"loaded_year": year, "loaded_month": month})
        form = PortalFigureForm(initial=initial)
    return {
        "enterprise": enterprise, "form": form, "history": history,
        "deadline_day": deadline_day,
        "open_months": [{"year": y, "month": m, "deadline": reporting.deadline(y, m, deadline_day)}
                        for y, m in reporting.open_months(deadline_day, today)],
        "corrections": selectors.with_lines(enterprise.figure_corrections.select_related(
            "requested_by", "decided_by").order_by("-requested_at", "-id")[:20]),
    }


# -- invitations ----------------------------------------------------------------------------

@require_POST
@login_required
def invitation_create(request, pk):
    """Staff invite an account for the enterprise: the link is shown on this page once."""
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    allowed, reason = access.can_invite_enterprise_users(request.user, enterprise)
    if not allowed:
        raise PermissionDenied(reason)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect(f"{reverse('enterprises:detail', args=[enterprise.pk])}#accounts")
    invitation, token = invitations.invitation_create(user=request.user, enterprise=enterprise,
                                                      email=form.cleaned_data["email"])
    link = request.build_absolute_uri(reverse("invitation_accept", args=[token]))
    mailed = invitations.invitation_send(invitation, link)
    response = render(request, "portal/invitation_created.html", {
        "enterprise": enterprise, "invitation": invitation, "link": link, "mailed": mailed})
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
def invitation_accept(request, token):
    """The owner opens the link, chooses a login and a first password, and is logged in."""
    invitation = invitations.invitation_for(token)
    if invitation is None:
        return render(request, "portal/invitation_invalid.html",
                      {"message": invitations.invalid_message()}, status=404)
    form = AcceptInvitationForm(request.POST or None, initial={"username": invitation.enterprise.credit_code})
    if request.method == "POST" and form.is_valid():
        try:
            account = invitations.invitation_accept(token=token, username=form.cleaned_data["username"],
                                                    password=form.cleaned_data["password1"])
        except ValidationError as error:
            if getattr(error, "code", None) == "invalid_invitation":
                return render(request, "portal/invitation_invalid.html",
                              {"message": invitations.invalid_message()}, status=404)
            _add_errors(form, error)
        else:
            login(request, account, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("账号已开通，欢迎使用"))
            return redirect("portal:home")
    return render(request, "portal/invitation_accept.html", {"form": form, "enterprise": invitation.enterprise,
                                                            "expires_at": invitation.expires_at})
