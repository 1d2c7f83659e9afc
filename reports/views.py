"""The landing page and the dashboard. Thin: parameters are bounded, scope comes from
`reports.selectors.dashboard_scope` (enterprises.access underneath), figures from one snapshot."""
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises import access
from enterprises.models import Role
from enterprises.params import bounded_int, year_param
from monitoring.services import previous_period

from . import charts, selectors
from .report_selectors import can_read_reports


def home(request):
    """A visitor without an account lands on the public eligibility check; leaders on the
    dashboard, enterprise accounts on their own page (the portal); everyone else on the
    enterprise list."""
    if not request.user.is_authenticated:
        return redirect("eligibility:check")
    if access.portal_enterprise(request.user) is not None:
        return redirect("portal:home")
    if request.user.role == Role.LEADER and not request.user.is_superuser:
        return redirect("reports:dashboard")
    return redirect("enterprises:list")


def period_params(request) -> tuple[int | None, int | None]:
    """Year and month from the address bar; the last month that has ended when absent."""
    default_year, default_month = previous_period(timezone.localdate())
    year = year_param(request.GET.get("year"), default_year)
    month = bounded_int(request.GET.get("month"), low=1, high=12, default=default_month)
    return year, month


@login_required
def dashboard(request):
    root = selectors.dashboard_scope(user=request.user, key=request.GET.get("jurisdiction"))
    year, month = period_params(request)
    if year is None or month is None:
        return HttpResponseBadRequest(_("年度应为2000至2100之间的数字，月份应为1至12"))
    snapshot = selectors.dashboard_snapshot(user=request.user, jurisdiction=root, year=year, month=month)
    this_year = timezone.localdate().year
    return render(request, "reports/dashboard.html", {
        "snapshot": snapshot,
        "charts": charts.dashboard_charts(snapshot),
        "trail": _trail(request.user, root),
        "years": sorted(set(range(2020, this_year + 1)) | {year}, reverse=True),
        "months": list(range(1, 13)),
        "show_reports": can_read_reports(request.user)[0],
    })


def _trail(user, root):
    """The chain from the user's own level down to the chosen jurisdiction, to step back up."""
    if root is None:
        return []
    keys = [k for k in root.path.split("/") if k]
    visible = {j.key: j for j in access.jurisdictions_visible_to(user).filter(key__in=keys)}
    return [visible[k] for k in keys if k in visible]
