"""Writes of the policy catalog."""
from dataclasses import dataclass

from django.db import transaction

from enterprises.models import Jurisdiction

from .catalog import Catalog, CatalogError
from .models import Clause, ClauseChange, FundingSplitTable, IncentiveRule, PolicyDocument, RuleAmendment


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
    files changes nothing; a rule edited in a file is updated in place (history kept)."""
    report = SyncReport()
    jurisdictions = {j.key: j for j in Jurisdiction.objects.all()}

    def jurisdiction(key, where):
        if key not in jurisdictions:
            raise CatalogError(f"{where}：区域“{key}”不存在，请先运行 load_jurisdictions")
        return jurisdictions[key]

    documents = {}
    for entry in catalog.documents:
        documents[entry.key] = _upsert(PolicyDocument, {"key": entry.key}, {
            "number": entry.number, "title": entry.title, "issuer": entry.issuer,
            "jurisdiction": jurisdiction(entry.jurisdiction, entry.source_file), "issued_on": entry.issued_on,
            "effective_from": entry.effective_from, "effective_to": entry.effective_to, "status": entry.status,
            "repeals": list(entry.repeals), "note": entry.note, "full_text": entry.full_text,
            "source_file": entry.source_file}, report)
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
            rules[rule.key] = _upsert(IncentiveRule, {"key": rule.key}, {
                "document": document, "clause": clauses[rule.citation.clause], "kind": rule.kind,
                "title": rule.title, "jurisdiction": jurisdiction(rule.jurisdiction, rule.key),
                "valid_from": rule.valid_from, "valid_to": rule.valid_to, "amount": rule.amount,
                "payers": [{"payer": p.payer, "share": str(p.share)} for p in rule.payers],
                "params": dict(rule.params), "split": rule.split or "",
                "cited_as": rule.citation.document_number if rule.citation.document_number != entry.number else ""},
                report)
            report.rules += 1
    for entry in catalog.documents:
        if not entry.amends:
            continue
        amendment, target = documents[entry.key], documents[entry.amends]
        target_clauses = {c.path: c for c in target.clauses.all()}
        for change in entry.clause_changes:
            _upsert(ClauseChange, {"amendment": amendment, "clause": target_clauses[change.clause]},
                    {"action": change.action, "by_clause": change.by, "new_text": change.text}, report)
        for change in (entry.amendment.changes if entry.amendment else ()):
            _upsert(RuleAmendment, {"amendment": amendment, "rule": rules[change.rule_key]},
                    {"action": change.action, "changes": _jsonable(change.changes), "by_clause": change.clause},
                    report)
    return report


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
