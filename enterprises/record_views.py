"""Staff pages of an enterprise's records: add, correct and delete recognitions,
listing milestones, refinancing, annual attestations and contacts.

Thin, like the other registry views: the record (or enterprise) is found through
the user's scope (a foreign id is a 404, exactly like a missing one), the write
permission is checked (read-only roles get 403), and one service does the write."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from . import access, audit, records, selectors
from .record_forms import FORMS
from .views import _add_errors, _require  # the registry pages' own helpers, shared


def _back(enterprise, kind) -> str:
    return f"{reverse('enterprises:detail', args=[enterprise.pk])}#records-{kind}"


def _saved_message(spec, text):
    if spec.is_fact:
        text += _("；该企业的应享奖补将在下次免申即享批次中重新计算")
    return text


def _writable(request, kind, pk):
    """The record named by `pk`, if the user sees its enterprise (else 404) and may change it (else 403)."""
    spec = records.KINDS[kind]
    record = selectors.record_get(user=request.user, model=spec.model, pk=pk)
    _require(access.can_change_enterprise(request.user, record.enterprise))
    return spec, record


@login_required
def record_create(request, pk, kind):
    spec = records.KINDS[kind]
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    _require(access.can_change_enterprise(request.user, enterprise))
    form = FORMS[kind](request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            records.record_create(user=request.user, enterprise=enterprise, kind=kind, values=form.values())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _saved_message(spec, _("已登记%(kind)s") % {"kind": spec.label}))
            return redirect(_back(enterprise, kind))
    return render(request, "enterprises/record_form.html", {
        "form": form, "spec": spec, "enterprise": enterprise, "record": None,
        "title": _("登记%(kind)s") % {"kind": spec.label},
    })


@login_required
def record_edit(request, pk, kind):
    spec, record = _writable(request, kind, pk)
    enterprise = record.enterprise
    form_class = FORMS[kind]
    form = form_class(request.POST or None, initial=form_class.initial_for(record))
    if request.method == "POST" and form.is_valid():
        try:
            change = records.record_update(user=request.user, record=record, values=form.values())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if change.changed:
                messages.success(request, _saved_message(spec, _("已修改%(kind)s") % {"kind": spec.label}))
            else:
                messages.info(request, _("%(kind)s没有变化") % {"kind": spec.label})
            return redirect(_back(enterprise, kind))
    return render(request, "enterprises/record_form.html", {
        "form": form, "spec": spec, "enterprise": enterprise, "record": record,
        "title": _("修改%(kind)s") % {"kind": spec.label},
        "trail": audit.record_trail(record),
    })


@login_required
def record_delete(request, pk, kind):
    """GET asks for confirmation; POST deletes (the history keeps the record and who deleted it)."""
    spec, record = _writable(request, kind, pk)
    enterprise = record.enterprise
    if request.method == "POST":
        records.record_delete(user=request.user, record=record)
        messages.success(request, _saved_message(spec, _("已删除%(kind)s：%(record)s") % {
            "kind": spec.label, "record": audit.describe(record)}))
        return redirect(_back(enterprise, kind))
    return render(request, "enterprises/record_confirm_delete.html", {
        "spec": spec, "enterprise": enterprise, "record": record, "summary": audit.describe(record),
        "trail": audit.record_trail(record),
    })
