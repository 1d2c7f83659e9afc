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
from enterprises.models import Jurisdiction, Pool, User

from . import selectors, services
from .models import ACTIVE_STATUSES, CheckRun, Severity, WarningKind, WarningStatus


class WarningFilter(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), required=False,
                             choices=[("", gettext_lazy("全部"))] + list(WarningKind.choices))
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False,
                               choices=[("", gettext_lazy("未办结"))] + list(WarningStatus.choices) + [
                                   ("all", gettext_lazy("全部"))])
    severity = forms.ChoiceField(label=gettext_lazy("等级"), required=False,
                                 choices=[("", gettext_lazy("全部"))] + list(Severity.choices))
    q = forms.CharField(label=gettext_lazy("企业"), required=False)
    jurisdiction = forms.ModelChoiceField(label=gettext_lazy("区域"), queryset=Jurisdiction.objects.none(),
                                          required=False, to_field_name="key")
    age = forms.ChoiceField(label=gettext_lazy("已产生天数"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = access.jurisdictions_visible_to(user)
        self.fields["age"].choices = [("", _("全部"))] + [
            (key, selectors.warning_age_label(low, high)) for key, low, high in selectors.WARNING_AGE_BUCKETS]


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


class EscalateForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("升级原因"), max_length=services.ESCALATION_REASON_MAX,
                             widget=forms.Textarea(attrs={"rows": 2}))


class AssistanceForm(forms.Form):
    assisted_on = forms.DateField(label=gettext_lazy("帮扶日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    problems = forms.CharField(label=gettext_lazy("发现问题"), widget=forms.Textarea(attrs={"rows": 2}))
    actions = forms.CharField(label=gettext_lazy("帮扶措施"), widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.CharField(label=gettext_lazy("下一步"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))


@login_required
def warning_list(request):
    filters = WarningFilter(request.GET or None, user=request.user)
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
    if data.get("jurisdiction"):
        qs = qs.filter(enterprise__jurisdiction__path__startswith=data["jurisdiction"].path)
    if data.get("age"):
        qs = qs.filter(selectors.warnings_opened_filter(timezone.localdate(), data["age"]))
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
    is_active = warning.status in ACTIVE_STATUSES
    transition = None
    if is_active:  # a resolved or closed warning is final: it shows its outcome, not the form
        transition = TransitionForm(initial={"status": warning.status, "assignee": warning.assignee_id})
        transition.fields["assignee"].queryset = _assignable(warning)
    history = list(warning.history.select_related("history_user").order_by("-history_date")[:50])
    return render(request, "monitoring/warning_detail.html", {
        "warning": warning, "can_change": can_change, "is_active": is_active, "transition_form": transition,
        "escalate_form": EscalateForm() if is_active and warning.escalated_at is None else None,
        "assistance_form": AssistanceForm(initial={"assisted_on": timezone.localdate()}),
        "assistance": warning.enterprise.assistance.select_related("staff", "warning"),
        "history": history, "closure": None if is_active else _closure(warning, history),
        "pool_move": _pool_move(warning),
    })


def _pool_move(warning):
    """A pool suggestion in words: from which pool to which, why, and the clause it follows."""
    if warning.kind != WarningKind.POOL_SUGGESTION:
        return None
    evidence = warning.evidence or {}

    def label(pool):
        return Pool(pool).label if pool in Pool.values else _("未入库")

    citation = evidence.get("citation") or warning.rule.split("：")[0]
    return {"current": label(evidence.get("current_pool")), "pool": label(evidence.get("pool")),
            "reason": evidence.get("reason") or "—", "citation": citation}


def _closure(warning, history):
    """Who closed a resolved or closed warning: the history record where it became final
    (None if it is older than the history kept); the monthly check when it closed it itself."""
    final = [h for h in history if h.status in (WarningStatus.RESOLVED, WarningStatus.CLOSED)]
    record = final[-1] if final else warning.history.filter(
        status__in=(WarningStatus.RESOLVED, WarningStatus.CLOSED)).select_related(
        "history_user").order_by("history_date").first()
    if record is None:
        return {"by": None, "automatic": False}
    return {"by": record.history_user, "automatic": record.history_change_reason == services.AUTO_CLOSED}


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
def warning_escalate(request, pk):
    get_object_or_404(services.warnings_visible_to(request.user), pk=pk)
    _run_form(request, EscalateForm(request.POST), lambda data: services.warning_escalate(
        user=request.user, warning_id=pk, reason=data["reason"]), _("已升级预警，已通知领导"))
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
    runs = CheckRun.objects.filter(jurisdiction__in=access.jurisdictions_visible_to(request.user),
                                parent__isnull=True).select_related(
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
        _run_started_message(request, run)
    else:
        messages.info(request, _("%(jurisdiction)s %(year)s年%(month)s月的检查已在进行中（%(status)s），"
                                 "未重复提交；请在下表查看进度") % {
            "jurisdiction": run.jurisdiction.name, "year": run.year, "month": run.month,
            "status": run.get_status_display()})
    return redirect("monitoring:runs")


def _run_started_message(request, run):
    """Say what became of a run just requested: without a separate worker (eager Celery) it has
    already finished or failed by now; with one it is queued, or already running."""
    run.refresh_from_db()
    names = {"jurisdiction": run.jurisdiction.name, "year": run.year, "month": run.month}
    if run.status == CheckRun.Status.FINISHED:
        counts = run.counts or {}
        messages.success(request, _("%(jurisdiction)s %(year)s年%(month)s月的检查已完成：检查企业%(total)s户，"
                                    "新增预警%(created)s条，更新%(updated)s条，自动关闭%(closed)s条") % {
            **names, "total": run.total, "created": counts.get("created", 0), "updated": counts.get("updated", 0),
            "closed": counts.get("auto_closed", 0)})
    elif run.status == CheckRun.Status.FAILED:
        messages.error(request, _("%(jurisdiction)s %(year)s年%(month)s月的检查失败，详见下表") % names)
    else:  # queued (or re-queued, or already running)
        messages.success(request, _("已提交%(jurisdiction)s %(year)s年%(month)s月的检查（%(status)s），"
                                    "请在下表查看进度") % {**names, "status": run.get_status_display()})
