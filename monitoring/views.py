"""Staff pages for warnings: the list, one warning with its workflow and 帮扶,
and check runs with their progress."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, When
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from enterprises import access
from enterprises.models import Jurisdiction, User

from . import services
from .models import CheckRun, Severity, WarningKind, WarningStatus


class WarningFilter(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), required=False,
                             choices=[("", gettext_lazy("全部"))] + list(WarningKind.choices))
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False,
                               choices=[("", gettext_lazy("未办结"))] + list(WarningStatus.choices) + [
                                   ("all", gettext_lazy("全部"))])
    severity = forms.ChoiceField(label=gettext_lazy("等级"), required=False,
                                 choices=[("", gettext_lazy("全部"))] + list(Severity.choices))
    q = forms.CharField(label=gettext_lazy("企业"), required=False)


class RunForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(label=gettext_lazy("区域"), queryset=Jurisdiction.objects.none(),
                                          to_field_name="key")
    year = forms.IntegerField(label=gettext_lazy("年"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=gettext_lazy("月"), min_value=1, max_value=12)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = access.jurisdictions_visible_to(user).exclude(level="town")


class TransitionForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("转为"), choices=WarningStatus.choices)
    assignee = forms.ModelChoiceField(label=gettext_lazy("经办人"), queryset=User.objects.none(), required=False)
    outcome = forms.CharField(label=gettext_lazy("处理结果"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AssistanceForm(forms.Form):
    assisted_on = forms.DateField(label=gettext_lazy("帮扶日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    problems = forms.CharField(label=gettext_lazy("发现问题"), widget=forms.Textarea(attrs={"rows": 2}))
    actions = forms.CharField(label=gettext_lazy("帮扶措施"), widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.CharField(label=gettext_lazy("下一步"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))


@login_required
def warning_list(request):
    filters = WarningFilter(request.GET or None)
    qs = services.warnings_visible_to(request.user).select_related("enterprise", "enterprise__jurisdiction",
                                                                    "assignee")
    data = filters.cleaned_data if filters.is_valid() else {}
    status = data.get("status", "")
    if status == "":
        qs = qs.filter(status__in=("open", "assigned", "in_progress"))
    elif status != "all":
        qs = qs.filter(status=status)
    for field in ("kind", "severity"):
        if data.get(field):
            qs = qs.filter(**{field: data[field]})
    if data.get("q"):
        qs = qs.filter(enterprise__name__icontains=data["q"])
    # Most urgent first: severity by rank (not by its code's spelling), then the oldest.
    rank = Case(When(severity=Severity.HIGH, then=0), When(severity=Severity.MEDIUM, then=1), default=2,
                output_field=IntegerField())
    page = Paginator(qs.order_by("-year", "-month", rank, "opened_at", "enterprise__name"), 100).get_page(
        request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    today = timezone.localdate()
    year, month = services.previous_period(today)
    return render(request, "monitoring/warning_list.html", {
        "filters": filters, "page": page, "querystring": params.urlencode(),
        "run_form": RunForm(user=request.user, initial={"year": year, "month": month}),
        "can_run": request.user.is_superuser or request.user.role == "center_staff",
    })


@login_required
def warning_detail(request, pk):
    warning = get_object_or_404(services.warnings_visible_to(request.user).select_related(
        "enterprise", "enterprise__jurisdiction", "assignee", "run"), pk=pk)
    can_change = access.can_change_enterprise(request.user, warning.enterprise)[0]
    transition = TransitionForm()
    transition.fields["assignee"].queryset = _assignable(warning)
    return render(request, "monitoring/warning_detail.html", {
        "warning": warning, "can_change": can_change, "transition_form": transition,
        "assistance_form": AssistanceForm(initial={"assisted_on": timezone.localdate()}),
        "assistance": warning.enterprise.assistance.select_related("staff", "warning"),
        "history": warning.history.select_related("history_user").order_by("-history_date")[:50],
    })


def _assignable(warning):
    """Staff who may work on the enterprise: center staff above it, or its department's staff."""
    keys = [k for k in warning.enterprise.jurisdiction.path.split("/") if k]
    ancestor_paths = ["/" + "/".join(keys[:i]) + "/" for i in range(1, len(keys) + 1)]
    return User.objects.filter(is_active=True).filter(
        Q(role="center_staff", jurisdiction__path__in=ancestor_paths)
        | Q(role="department_staff", department_id=warning.enterprise.department_id)).order_by("username")


def _run_form(request, form, action, success):
    """Run `action` for a valid form and report the outcome as messages."""
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return
    try:
        action(form.cleaned_data)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, success)


@require_POST
@login_required
def warning_transition(request, pk):
    warning = get_object_or_404(services.warnings_visible_to(request.user), pk=pk)
    form = TransitionForm(request.POST)
    form.fields["assignee"].queryset = _assignable(warning)
    _run_form(request, form, lambda data: services.warning_transition(
        user=request.user, warning_id=pk, status=data["status"], outcome=data["outcome"], assignee=data["assignee"]),
        _("已更新预警状态"))
    return redirect("monitoring:warning", pk=pk)


@require_POST
@login_required
def assistance_create(request, pk):
    warning = get_object_or_404(services.warnings_visible_to(request.user).select_related("enterprise"), pk=pk)
    _run_form(request, AssistanceForm(request.POST), lambda data: services.assistance_record(
        user=request.user, enterprise=warning.enterprise, warning_id=warning.pk, **data), _("已记录帮扶"))
    return redirect("monitoring:warning", pk=pk)


@login_required
def run_list(request):
    runs = CheckRun.objects.filter(jurisdiction__in=access.jurisdictions_visible_to(request.user)).select_related(
        "jurisdiction", "requested_by")[:50]
    active = any(r.is_active for r in runs)
    return render(request, "monitoring/run_list.html", {"runs": runs, "refresh": active,
                                                        "max_attempts": services.RUN_MAX_ATTEMPTS})


@require_POST
@login_required
def run_start(request):
    form = RunForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect("monitoring:warnings")
    run, created = services.monthly_check_request(user=request.user, **form.cleaned_data)
    if created:
        messages.success(request, _("已提交检查：%(run)s") % {"run": run})
    else:
        messages.info(request, _("%(jurisdiction)s %(year)s年%(month)s月的检查已在进行中（%(status)s），"
                                 "未重复提交；请在下表查看进度") % {
            "jurisdiction": run.jurisdiction.name, "year": run.year, "month": run.month,
            "status": run.get_status_display()})
    return redirect("monitoring:runs")
