"""Staff pages for targets (目标任务): the list of a user's subtree, and setting one.

Who may set which target is `monitoring.selectors.can_set_target` (the level above the unit);
a target the user may not change answers 404 on its page, exactly like a missing one."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.params import year_param

from . import selectors, services
from .models import TargetMeasure


class TargetFields(forms.Form):
    value = forms.IntegerField(label=gettext_lazy("目标（户）"), min_value=0, max_value=1_000_000)
    citation = forms.CharField(label=gettext_lazy("依据（文号及条款）"), max_length=200, required=False)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)


class TargetCreateForm(TargetFields):
    unit = forms.ChoiceField(label=gettext_lazy("单位"))
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    measure = forms.ChoiceField(label=gettext_lazy("指标"), choices=TargetMeasure.choices)
    field_order = ["unit", "year", "measure", "value", "citation", "note"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.jurisdictions = {f"j:{j.key}": j for j in selectors.settable_jurisdictions(user)
                              .select_related("parent").order_by("path")}
        self.departments = {f"d:{d.key}": d for d in selectors.settable_departments(user).order_by(
            "jurisdiction__path", "name")}
        self.fields["unit"].choices = (
            [(key, f"{j.parent.name} {j.name}" if j.parent_id else j.name) for key, j in self.jurisdictions.items()]
            + [(key, str(d)) for key, d in self.departments.items()])

    def unit_kwargs(self) -> dict:
        key = self.cleaned_data["unit"]
        return {"jurisdiction": self.jurisdictions.get(key), "department": self.departments.get(key)}


def _require_reader(user):
    allowed, reason = selectors.can_read_targets(user)
    if not allowed:
        raise PermissionDenied(reason)


@login_required
def target_list(request):
    _require_reader(request.user)
    year = year_param(request.GET.get("year"), None)
    if request.GET.get("year") and year is None:
        return HttpResponseBadRequest(_("年度应为2000至2100之间的数字"))
    targets = selectors.targets_visible_to(request.user)
    years = sorted(set(targets.values_list("year", flat=True)), reverse=True)
    if year is not None:
        targets = targets.filter(year=year)
    targets = list(targets.order_by("-year", "jurisdiction__path", "department__jurisdiction__path",
                                    "department__name", "measure"))
    sums = selectors.target_sums(targets)
    for target in targets:
        target.children_sum, target.departments_sum = sums.get(target.pk, (None, None))
        target.can_change = selectors.can_set_target(request.user, jurisdiction=target.jurisdiction,
                                                     department=target.department)[0]
    can_create = bool(selectors.settable_jurisdictions(request.user).exists()
                      or selectors.settable_departments(request.user).exists())
    return render(request, "monitoring/target_list.html", {
        "targets": targets, "years": years, "year": year, "can_create": can_create})


@login_required
def target_create(request):
    _require_reader(request.user)
    form = TargetCreateForm(request.POST or None, user=request.user)
    if not form.fields["unit"].choices:
        raise PermissionDenied(_("只有上级中小企业服务中心工作人员可以设定目标"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target = services.target_set(user=request.user, year=data["year"], measure=data["measure"],
                                         value=data["value"], citation=data["citation"], note=data["note"],
                                         **form.unit_kwargs())
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("已设定目标：%(target)s") % {"target": target})
            return redirect("monitoring:targets")
    return render(request, "monitoring/target_form.html", {"form": form, "target": None})


@login_required
def target_edit(request, pk):
    target = selectors.target_get_for_change(user=request.user, pk=pk)
    form = TargetFields(request.POST or None, initial={"value": target.value, "citation": target.citation,
                                                      "note": target.note})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.target_set(user=request.user, year=target.year, measure=target.measure, value=data["value"],
                                citation=data["citation"], note=data["note"], jurisdiction=target.jurisdiction,
                                department=target.department)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("已更新目标：%(target)s") % {"target": target.unit_name})
            return redirect("monitoring:target", pk=pk)
    history = target.history.select_related("history_user").order_by("-history_date")[:50]
    return render(request, "monitoring/target_form.html", {"form": form, "target": target, "history": history})
