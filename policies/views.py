"""Staff read the catalog: documents, clauses, the rules encoded from them and
how amendments change them over time."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from enterprises.access import can_correct_documents_of, may_correct_documents
from enterprises.models import ScaleEventKind

from . import selectors, services
from .models import PolicyDocument


class EffectiveDateForm(forms.Form):
    effective_from = forms.DateField(label=gettext_lazy("生效日期"),
                                     widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=gettext_lazy("更正依据"), max_length=500,
                             help_text=gettext_lazy("如 据原文落款或“自印发之日起施行”"))


@login_required
def document_list(request):
    return render(request, "policies/document_list.html", {"documents": selectors.documents_list()})


@login_required
def document_detail(request, key):
    document = get_object_or_404(PolicyDocument.objects.select_related("jurisdiction", "amends"), key=key)
    return _render_detail(request, document)


@login_required
@require_POST
def document_effective_date(request, key):
    """Staff correct the effective date (of a document whose date was estimated, most often).
    Other roles 403; a center clerk out of the document's reach gets the 404 of a missing key."""
    document = get_object_or_404(PolicyDocument.objects.select_related("jurisdiction", "amends"), key=key)
    if not may_correct_documents(request.user):
        raise PermissionDenied(_("只有中小企业服务中心工作人员可以更正政策文件"))
    if not can_correct_documents_of(request.user, document.jurisdiction)[0]:
        raise Http404
    form = EffectiveDateForm(request.POST)
    if form.is_valid():
        try:
            services.document_effective_date_correct(user=request.user, document=document,
                                                     effective_from=form.cleaned_data["effective_from"],
                                                     reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("生效日期已更正为%(day)s") % {"day": form.cleaned_data["effective_from"]})
            return redirect("policies:detail", key=document.key)
    return _render_detail(request, document, form=form, status=400)


def _render_detail(request, document, form=None, status=200):
    clauses = list(document.clauses.prefetch_related("changes__amendment", "rules"))
    inputs = selectors.engine_inputs()
    live = inputs.versions()
    adopted = {}
    drafts = list(document.amendments.filter(status="draft"))
    for draft in drafts:
        adopted[draft.key] = inputs.versions(adopt={draft.key: draft.issued_on or draft.effective_from})
    rules = []
    for rule in (document.rules.select_related("clause", "jurisdiction")
                 .prefetch_related("local_conditions__document__jurisdiction", "local_conditions__clause")
                 .order_by("clause__position", "key")):
        rules.append({"row": rule, "live": live.get(rule.key, []),
                      "if_adopted": [(d, adopted[d.key].get(rule.key, [])) for d in drafts],
                      "local": [_local(c) for c in rule.local_conditions.all()]})
    # This document's clauses on other documents' rules: they bind only in its own jurisdiction.
    restates = [_local(c) for c in document.local_conditions.select_related(
        "clause", "rule__document", "document__jurisdiction").order_by("position")]
    may_correct = can_correct_documents_of(request.user, document.jurisdiction)[0]
    if may_correct and form is None:
        form = EffectiveDateForm(initial={"effective_from": document.effective_from})
    return render(request, "policies/document_detail.html", {
        "document": document, "clauses": clauses, "rules": rules, "drafts": drafts,
        "date_form": form if may_correct else None,
        "amended_by": document.amendments.all(),
        "clause_changes": document.clause_changes.select_related("clause"),
        "rule_changes": document.rule_changes.select_related("rule"),
        "restates": restates,
    }, status=status)


def _local(condition) -> dict:
    labels = dict(ScaleEventKind.choices)
    return {"row": condition,
            "excluded": [(labels.get(kind, kind), words) for kind, words in (condition.excluded or {}).items()]}
