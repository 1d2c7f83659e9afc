"""Staff pages of the registry. Thin: each view checks access, calls one
service or selector, and renders. Enterprises outside the user's scope are 404."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access, audit, selectors, services
from .forms import EnterpriseFilterForm, EnterpriseForm, MonthlyFigureForm, PoolMoveForm, ScaleEventForm
from .models import Enterprise

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
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "enterprises/enterprise_list.html", {
        "filters": filters, "page": page, "year": today.year,
        "can_write": access.can_write_registry(request.user)[0],
        "querystring": _without_page(request.GET),
    })


def _without_page(params):
    params = params.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def enterprise_detail(request, pk):
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    figures = list(selectors.monthly_figures_for(enterprise=enterprise))
    years = sorted({f.year for f in figures}, reverse=True)
    year = int(request.GET.get("year") or (years[0] if years else timezone.localdate().year))
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
        "recognitions": enterprise.recognitions.all(),
        "contacts": enterprise.contacts.all(),
        "former_names": enterprise.names.filter(valid_to__isnull=False),
        "audit_trail": audit.enterprise_trail(enterprise, limit=100),
        "can_change": access.can_change_enterprise(request.user, enterprise)[0],
        "can_submit_figures": access.can_submit_figures(request.user, enterprise)[0],
        "figure_form": MonthlyFigureForm(initial={"year": timezone.localdate().year}),
        "pool_form": PoolMoveForm(initial={"on": timezone.localdate()}),
        "scale_form": ScaleEventForm(initial={"on": timezone.localdate()}),
    })


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
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    _require(access.can_submit_figures(request.user, enterprise))
    form = MonthlyFigureForm(request.POST)
    source = "enterprise" if request.user.role == "enterprise" else "staff"

    def save(data):
        change = services.monthly_figure_upsert(user=request.user, enterprise=enterprise, year=data["year"],
                                                month=data["month"], values=form.values(), source=source)
        if not change.changed:
            return _("%(y)s年%(m)s月数据无变化") % {"y": data["year"], "m": data["month"]}
        return _("已保存%(y)s年%(m)s月数据") % {"y": data["year"], "m": data["month"]}
    return _post_back(request, enterprise, form, save)


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
