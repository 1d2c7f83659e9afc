"""Writes of the policy catalog."""
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.access import can_correct_documents_of

from enterprises.models import Jurisdiction

from .catalog import Catalog, CatalogError
from .models import (
    Clause,
    ClauseChange,
    FundingSplitTable,
    IncentiveRule,
    LocalCondition,
    PolicyDocument,
    RuleAmendment,
)


@dataclass
class SyncReport:
    documents: int = 0
    clauses: int = 0
    rules: int = 0
    changed: int = 0


def _upsert(model, lookup: dict, values: dict, report: SyncReport):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.save()
        report.changed += 1
        return obj
    dirty = {k: v for k, v in values.items() if getattr(obj, k if not hasattr(obj, f"{k}_id") else f"{k}_id")
             != (v.pk if hasattr(v, "pk") else v)}
    if dirty:
        for field, value in dirty.items():
            setattr(obj, field, value)
        obj.save()
        report.changed += 1
    return obj


@transaction.atomic
def catalog_sync(catalog: Catalog) -> SyncReport:
    """Copy the reviewed rule files into the database. Re-running with the same
    files changes nothing; a rule edited in a file is updated in place (history kept).

    Steps: documents; their clauses and split tables; rules; amendments' clause and rule
    changes; documents' clauses on other documents' rules (local conditions); last, the
    clauses, clause changes and local conditions a file no longer has are removed (a clause
    still cited by a rule is kept)."""
    report = SyncReport()
    jurisdictions = {j.key: j for j in Jurisdiction.objects.all()}

    def jurisdiction(key, where):
        if key not in jurisdictions:
            raise CatalogError(f"{where}：区域“{key}”不存在，请先运行 load_jurisdictions")
        return jurisdictions[key]

    documents = {}
    corrected = set(PolicyDocument.objects.filter(effective_from_corrected_at__isnull=False)
                    .values_list("key", flat=True))
    for entry in catalog.documents:
        values = {
            "number": entry.number, "title": entry.title, "issuer": entry.issuer,
            "jurisdiction": jurisdiction(entry.jurisdiction, entry.source_file), "issued_on": entry.issued_on,
            "effective_to": entry.effective_to, "status": entry.status,
            "repeals": list(entry.repeals), "note": entry.note, "full_text": entry.full_text,
            "source_file": entry.source_file}
        if entry.key not in corrected:  # a staff correction of the effective date outlives the file's estimate
            values.update({"effective_from": entry.effective_from, "effective_from_estimated":
                           entry.effective_from_estimated, "effective_from_basis": entry.effective_from_basis})
        documents[entry.key] = _upsert(PolicyDocument, {"key": entry.key}, values, report)
        report.documents += 1
    for entry in catalog.documents:
        document = documents[entry.key]
        if entry.amends and document.amends_id != documents[entry.amends].pk:
            document.amends = documents[entry.amends]
            document.save(update_fields=["amends"])
        for position, clause in enumerate(entry.clauses):
            _upsert(Clause, {"document": document, "path": clause.path}, {
                "text": clause.text, "responsible_units": list(clause.responsible_units), "position": position},
                report)
            report.clauses += 1
        for split in entry.splits:
            _upsert(FundingSplitTable, {"key": split.key}, {
                "document": document, "clause": split.citation.clause,
                "by_jurisdiction": {k: [{"payer": p.payer, "share": str(p.share)} for p in v]
                                    for k, v in split.by_jurisdiction.items()}}, report)
    rules = {}
    for entry in catalog.documents:
        document = documents[entry.key]
        clauses = {c.path: c for c in document.clauses.all()}
        for rule in entry.rules:
            valid_from = rule.valid_from
            if entry.key in corrected and valid_from == entry.effective_from:
                valid_from = document.effective_from  # it started on the estimated date: use the corrected one
            rules[rule.key] = _upsert(IncentiveRule, {"key": rule.key}, {
                "document": document, "clause": clauses[rule.citation.clause], "kind": rule.kind,
                "title": rule.title, "jurisdiction": jurisdiction(rule.jurisdiction, rule.key),
                "valid_from": valid_from, "valid_to": rule.valid_to, "amount": rule.amount,
                "payers": [{"payer": p.payer, "share": str(p.share)} for p in rule.payers],
                "params": dict(rule.params), "split": rule.split or "",
                "cited_as": rule.citation.document_number if rule.citation.document_number != entry.number else "",
                "note": rule.note},
                report)
            report.rules += 1
    for entry in catalog.documents:
        if not entry.amends:
            continue
        amendment, target = documents[entry.key], documents[entry.amends]
        target_clauses = {c.path: c for c in target.clauses.all()}
        for change in entry.clause_changes:
            _upsert(ClauseChange, {"amendment": amendment, "clause": target_clauses[change.clause],
                                   "by_clause": change.by},
                    {"action": change.action, "new_text": change.text, "unit_changes": dict(change.units)}, report)
        for change in (entry.amendment.changes if entry.amendment else ()):
            _upsert(RuleAmendment, {"amendment": amendment, "rule": rules[change.rule_key]},
                    {"action": change.action, "changes": _jsonable(change.changes), "by_clause": change.clause},
                    report)
    for entry in catalog.documents:
        document = documents[entry.key]
        clauses = {c.path: c for c in document.clauses.all()}
        for position, condition in enumerate(entry.local_conditions):
            _upsert(LocalCondition, {"clause": clauses[condition.citation.clause], "rule": rules[condition.rule_key]},
                    {"document": document, "excluded": dict(condition.excluded), "position": position}, report)
    _prune(catalog, documents, report)
    return report


def _prune(catalog: Catalog, documents: dict, report: SyncReport):
    """Remove what the files no longer say, so a corrected file leaves no stale clause on the page."""
    for entry in catalog.documents:
        document = documents[entry.key]
        wanted_changes = {(c.clause, c.by) for c in entry.clause_changes}
        for change in document.clause_changes.select_related("clause"):
            if (change.clause.path, change.by_clause) not in wanted_changes:
                change.delete()
                report.changed += 1
        wanted_conditions = {(c.citation.clause, c.rule_key) for c in entry.local_conditions}
        for condition in document.local_conditions.select_related("clause", "rule"):
            if (condition.clause.path, condition.rule.key) not in wanted_conditions:
                condition.delete()
                report.changed += 1
        stale = document.clauses.exclude(path__in=[c.path for c in entry.clauses]).filter(rules__isnull=True)
        for clause in stale:
            clause.delete()
            report.changed += 1


def _jsonable(changes):
    out = {}
    for key, value in changes.items():
        if key == "payers":
            out[key] = [{"payer": p.payer, "share": str(p.share)} for p in value]
        elif value is not None and key == "amount":
            out[key] = str(value)
        else:
            out[key] = value
    return out


@transaction.atomic
def document_effective_date_correct(*, user, document: PolicyDocument, effective_from: date,
                                    reason: str) -> PolicyDocument:
    """Staff set a document's real effective date (e.g. from the original, for a date estimated
    from the document-number year).

    Steps: check the user may correct documents of the document's jurisdiction; move the rules
    that started on the old date (they were derived from it) to the new one, refusing a date
    after a rule's end; save the document with the estimate cleared and who, when and why kept
    (also in its history rows, as the change reason). `load_policies` keeps the corrected date."""
    allowed, why = can_correct_documents_of(user, document.jurisdiction)
    if not allowed:
        raise PermissionDenied(why)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写更正依据")})
    document = PolicyDocument.objects.select_for_update().get(pk=document.pk)
    old = document.effective_from
    rules = list(document.rules.filter(valid_from=old)) if old is not None else []
    for rule in rules:
        if rule.valid_to is not None and rule.valid_to < effective_from:
            raise ValidationError({"effective_from": _("规则“%(title)s”止于%(end)s，生效日期不能晚于该日")
                                   % {"title": rule.title, "end": rule.valid_to.isoformat()}})
    history_reason = _("生效日期更正：%(reason)s") % {"reason": reason}
    for rule in rules:
        rule.valid_from = effective_from
        rule._history_user = user
        rule._change_reason = history_reason
        rule.save(update_fields=["valid_from"])
    document.effective_from = effective_from
    document.effective_from_estimated = False
    document.effective_from_corrected_by = user
    document.effective_from_corrected_at = timezone.now()
    document.effective_from_correction_reason = reason
    document._history_user = user
    document._change_reason = history_reason
    document.save()
    return document
