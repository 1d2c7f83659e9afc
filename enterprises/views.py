"""Staff pages of the registry. Thin: each view checks access, calls one
service or selector, and renders. Enterprises outside the user's scope are 404."""
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access, audit, selectors, services
from .params import month_param, redirect_back, year_param
from .domain import reporting
from .forms import EnterpriseFilterForm, EnterpriseForm, MonthlyFigureForm, PoolMoveForm, ScaleEventForm
from .models import CorrectionStatus, Enterprise, FigureSource, Role

PAGE_SIZE = 50


def _require(check):
    allowed, reason = check
    if not allowed:
        raise PermissionDenied(reason)


def _add_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def enterprise_list(request):
    today = timezone.localdate()
    filters = EnterpriseFilterForm(request.GET or None, user=request.user)
    qs = selectors.enterprise_list(user=request.user, year=today.year, up_to_month=12,
                                   **filters.selector_kwargs())
    page = late_rows_page(qs, request.GET.get("page"))
    return render(request, "enterprises/enterprise_list.html", {
        "filters": filters, "page": page, "year": today.year,
        "can_write": access.can_write_registry(request.user)[0],
        "querystring": _without_page(request.GET),
    })


def late_rows_page(qs, number, per_page=PAGE_SIZE):
    """A page of `qs` whose annotations (current pool, YTD revenue: a subquery each) are computed
    for the page's rows only. Counting and OFFSET run over the bare ids in the list's order, so a
    deep page of a province's list skips rows without evaluating their subqueries (issue 14)."""
    page = Paginator(qs.values_list("pk", flat=True), per_page).get_page(number)
    ids = _page_ids(page)
    rows = {row.pk: row for row in qs.filter(pk__in=ids)}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


def _page_ids(page) -> list:
    """The page's ids. Past the middle of the list they are read from its end, in the reverse
    order (an index walked backwards), so the last page costs what the first does."""
    paginator = page.paginator
    bottom = (page.number - 1) * paginator.per_page
    top = min(bottom + paginator.per_page, paginator.count)
    if bottom <= paginator.count // 2:
        return list(paginator.object_list[bottom:top])
    from_end = paginator.count - top
    return list(reversed(paginator.object_list.reverse()[from_end:from_end + (top - bottom)]))


def _without_page(params):
    params = params.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def enterprise_detail(request, pk):
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    can_submit = access.can_submit_figures(request.user, enterprise)[0]
    figures = list(selectors.monthly_figures_for(enterprise=enterprise))
    years = sorted({f.year for f in figures}, reverse=True)
    year = year_param(request.GET.get("year"), years[0] if years else timezone.localdate().year)
    if year is None:
        return HttpResponseBadRequest(_("年度应为2000至2100之间的数字"))
    rows = sorted((f for f in figures if f.year == year), key=lambda f: f.month)
    running = None
    for figure in rows:
        if figure.revenue is not None:
            running = (running or 0) + figure.revenue
        figure.ytd_revenue = running
    return render(request, "enterprises/enterprise_detail.html", {
        "enterprise": enterprise,
        "year": year, "years": years, "figures": rows,
        "pool_history": selectors.pool_history(enterprise=enterprise),
        "current_pool": selectors.current_pool(enterprise=enterprise),
        "scale_events": enterprise.scale_events.select_related("recorded_by"),
        "recognitions": enterprise.recognitions.order_by("-valid_from", "kind"),
        "listing_milestones": enterprise.listing_milestones.order_by("-reached_on", "board"),
        "refinancings": enterprise.refinancings.order_by("-raised_on", "-id"),
        "attestations": enterprise.attestations.order_by("-year"),
        "contacts": enterprise.contacts.all(),
        "former_names": enterprise.names.filter(valid_to__isnull=False),
        "audit_trail": audit.enterprise_trail(enterprise, limit=100),
        "can_change": access.can_change_enterprise(request.user, enterprise)[0],
        "can_submit_figures": can_submit,
        **(_figure_form_context(request, enterprise, figures) if can_submit else {}),
        "corrections": selectors.with_lines(
            selectors.corrections_visible_to(user=request.user).filter(enterprise=enterprise)
            .order_by("-requested_at", "-id")[:20]),
        "pool_form": PoolMoveForm(initial={"on": timezone.localdate()}),
        **_accounts_context(request.user, enterprise),
        "scale_form": ScaleEventForm(initial={"on": timezone.localdate()}),
    })


def _accounts_context(user, enterprise) -> dict:
    """The enterprise's portal accounts and invitations, for the staff who may invite one."""
    if not access.can_invite_enterprise_users(user, enterprise)[0]:
        return {"can_invite": False}
    from .portal_forms import InvitationForm

    return {"can_invite": True, "invitation_form": InvitationForm(),
            "portal_accounts": enterprise.users.filter(role=Role.ENTERPRISE).order_by("username"),
            "invitations": enterprise.invitations.select_related("created_by", "account")[:10]}


def _figure_form_context(request, enterprise, figures) -> dict:
    """The figure form with the reporting calendar: which month is open until when,
    and, for a month chosen with ?figure_year=&figure_month=, its stored values."""
    today = selectors.today()
    deadline_day = selectors.report_deadline_day(enterprise.jurisdiction)
    previous_year, previous_month = reporting.previous_month(today)
    year, month = year_param(request.GET.get("figure_year"), None), month_param(request.GET.get("figure_month"))
    chosen = year is not None and month is not None
    initial = {"year": previous_year, "month": previous_month}
    stored = None
    if chosen:
        initial = {"year": year, "month": month}
        stored = next((f for f in figures if (f.year, f.month) == (year, month)), None)
        if stored is not None:
            initial.update({name: getattr(stored, name) for name in services.FIGURE_FIELDS})
            initial.update({"loaded_year": year, "loaded_month": month})
    shown_year, shown_month = initial["year"], initial["month"]
    is_enterprise = request.user.role == Role.ENTERPRISE and not request.user.is_superuser
    return {
        "figure_form": MonthlyFigureForm(initial=initial, asks_reason=is_enterprise),
        "figure_calendar": {
            "deadline_day": deadline_day,
            "open_months": [{"year": y, "month": m, "deadline": reporting.deadline(y, m, deadline_day)}
                            for y, m in reporting.open_months(deadline_day, today)],
            "chosen": chosen, "loaded": stored is not None,
            "year": shown_year, "month": shown_month,
            "deadline": reporting.deadline(shown_year, shown_month, deadline_day),
            "ended": reporting.has_ended(shown_year, shown_month, today),
            "open": reporting.is_open(shown_year, shown_month, deadline_day, today),
            "through_review": is_enterprise,
        },
    }


@login_required
def enterprise_create(request):
    _require(access.can_write_registry(request.user))
    form = EnterpriseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            enterprise = services.enterprise_create(
                user=request.user, credit_code=data.pop("credit_code"), name=data.pop("name"),
                jurisdiction=data.pop("jurisdiction"), **data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已登记企业“%(name)s”") % {"name": enterprise.name})
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(request, "enterprises/enterprise_form.html", {"form": form, "enterprise": None})


@login_required
def enterprise_edit(request, pk):
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    _require(access.can_change_enterprise(request.user, enterprise))
    form = EnterpriseForm(request.POST or None, instance=Enterprise.objects.get(pk=pk), user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in services.REGISTRY_FIELDS}
        try:
            services.enterprise_update(user=request.user, enterprise=enterprise, **changes)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(request, "enterprises/enterprise_form.html", {"form": form, "enterprise": enterprise})


def _post_back(request, enterprise, form, action):
    """Run `action` for a valid form; report the outcome on the detail page."""
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
        return redirect("enterprises:detail", pk=enterprise.pk)
    try:
        message = action(form.cleaned_data)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, message)
    return redirect("enterprises:detail", pk=enterprise.pk)


@require_POST
@login_required
def figure_submit(request, pk):
    """Save a month's figures; for an enterprise account after the deadline, file a
    correction request instead. Blank fields keep their stored values."""
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    _require(access.can_submit_figures(request.user, enterprise))
    is_enterprise = request.user.role == Role.ENTERPRISE
    form = MonthlyFigureForm(request.POST, asks_reason=is_enterprise)
    source = FigureSource.ENTERPRISE if is_enterprise else FigureSource.STAFF

    def save(data):
        label = {"y": data["year"], "m": data["month"]}
        change = services.monthly_figure_upsert(
            user=request.user, enterprise=enterprise, year=data["year"], month=data["month"],
            values=form.values(), clear=form.cleared(), reason=form.correction_reason(), source=source)
        if change.correction is not None:
            return _("%(y)s年%(m)s月已过报送截止日：已提交更正申请，待中小企业服务中心审核") % label
        if not change.changed:
            return _("%(y)s年%(m)s月数据无变化") % label
        return _("已保存%(y)s年%(m)s月数据") % label

    _post_back(request, enterprise, form, save)
    # Back to the month just submitted, with its stored values filled in.
    year, month = year_param(request.POST.get("year"), None), month_param(request.POST.get("month"))
    if year is None or month is None:
        return redirect("enterprises:detail", pk=enterprise.pk)
    query = urlencode({"year": year, "figure_year": year, "figure_month": month})
    return redirect(f"{reverse('enterprises:detail', args=[enterprise.pk])}?{query}#figure-form")


@login_required
def correction_list(request):
    """Correction requests of the enterprises the user may change: pending first to decide."""
    _require(access.can_write_registry(request.user))
    status = request.GET.get("status", CorrectionStatus.PENDING)
    if status not in CorrectionStatus.values and status != "all":
        status = CorrectionStatus.PENDING
    qs = selectors.corrections_to_review(user=request.user, status="" if status == "all" else status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_lines(page.object_list)
    return render(request, "enterprises/correction_list.html", {
        "page": page, "status": status, "statuses": CorrectionStatus.choices,
        "querystring": _without_page(request.GET),
    })


def _decide(request, pk, decide):
    correction = selectors.correction_get(user=request.user, pk=pk)
    label = {"name": correction.enterprise.name, "y": correction.year, "m": correction.month}
    try:
        message = decide(correction, request.POST.get("note", "")) % label
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, message)
    return redirect_back(request, "enterprises:corrections")


@require_POST
@login_required
def correction_approve(request, pk):
    def approve(correction, note):
        services.figure_correction_approve(user=request.user, correction=correction, note=note)
        return _("已批准%(name)s %(y)s年%(m)s月更正申请，数据已更新")
    return _decide(request, pk, approve)


@require_POST
@login_required
def correction_reject(request, pk):
    def reject(correction, note):
        services.figure_correction_reject(user=request.user, correction=correction, note=note)
        return _("已驳回%(name)s %(y)s年%(m)s月更正申请")
    return _decide(request, pk, reject)


@require_POST
@login_required
def pool_move(request, pk):
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    _require(access.can_change_enterprise(request.user, enterprise))

    def move(data):
        membership = services.pool_move(user=request.user, enterprise=enterprise, pool=data["pool"],
                                        reason=data["reason"], on=data["on"])
        return _("已调入%(pool)s") % {"pool": membership.get_pool_display()}
    return _post_back(request, enterprise, PoolMoveForm(request.POST), move)


@require_POST
@login_required
def scale_event_create(request, pk):
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    _require(access.can_change_enterprise(request.user, enterprise))

    def record(data):
        event = services.scale_event_record(user=request.user, enterprise=enterprise, kind=data["kind"],
                                            on=data["on"], treated_basis=data["treated_basis"], note=data["note"])
        return _("已登记：%(kind)s") % {"kind": event.get_kind_display()}
    return _post_back(request, enterprise, ScaleEventForm(request.POST), record)
