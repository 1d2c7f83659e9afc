"""Staff read the catalog: documents, clauses, the rules encoded from them and
how amendments change them over time."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from . import selectors
from .models import PolicyDocument


@login_required
def document_list(request):
    return render(request, "policies/document_list.html", {"documents": selectors.documents_list()})


@login_required
def document_detail(request, key):
    document = get_object_or_404(PolicyDocument.objects.select_related("jurisdiction", "amends"), key=key)
    clauses = list(document.clauses.prefetch_related("changes__amendment", "rules"))
    inputs = selectors.engine_inputs()
    live = inputs.versions()
    adopted = {}
    drafts = list(document.amendments.filter(status="draft"))
    for draft in drafts:
        adopted[draft.key] = inputs.versions(adopt={draft.key: draft.issued_on or draft.effective_from})
    rules = []
    for rule in document.rules.select_related("clause", "jurisdiction").order_by("clause__position", "key"):
        rules.append({"row": rule, "live": live.get(rule.key, []),
                      "if_adopted": [(d, adopted[d.key].get(rule.key, [])) for d in drafts]})
    return render(request, "policies/document_detail.html", {
        "document": document, "clauses": clauses, "rules": rules, "drafts": drafts,
        "amended_by": document.amendments.all(),
        "clause_changes": document.clause_changes.select_related("clause"),
        "rule_changes": document.rule_changes.select_related("rule"),
    })
