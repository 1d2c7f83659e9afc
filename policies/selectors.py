"""Reads of the policy catalog, turned into the engine's plain types."""
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from .catalog import _payer, parse_rule
from .engine import Amendment, Citation, FundingSplit, LocalCondition, Rule, RuleChange, rule_versions
from .models import FundingSplitTable, IncentiveRule, PolicyDocument
from .models import LocalCondition as LocalConditionRow


@dataclass(frozen=True)
class EngineInputs:
    rules: list[Rule]
    amendments: list[Amendment]
    splits: dict[str, FundingSplit]

    def versions(self, adopt: dict[str, date] | None = None):
        return rule_versions(self.rules, self.amendments, adopt)


def engine_inputs() -> EngineInputs:
    """The whole catalog in a fixed number of queries."""
    local = defaultdict(list)
    for row in LocalConditionRow.objects.select_related("document", "document__jurisdiction", "clause", "rule"):
        doc = row.document
        local[row.rule.key].append(LocalCondition(
            rule_key=row.rule.key, jurisdiction=doc.jurisdiction.key,
            citation=Citation(doc.key, doc.number, row.clause.path, doc.title),
            valid_from=doc.effective_from or date.min, valid_to=doc.effective_to,
            excluded=dict(row.excluded or {}), document_status=doc.status))
    rules = []
    for row in IncentiveRule.objects.select_related("document", "clause", "jurisdiction"):
        doc = row.document
        rules.append(parse_rule(row.as_mapping(), row.key, {
            "document_key": doc.key, "number": doc.number, "title": doc.title, "jurisdiction": row.jurisdiction.key,
            "effective_from": doc.effective_from, "status": doc.status, "clauses": None}))
        if row.key in local:
            rules[-1] = replace(rules[-1], local_conditions=tuple(local[row.key]))
        if doc.effective_from_estimated and row.valid_from == doc.effective_from:
            # The rule starts on its document's estimated effective date (catalog._rule does the same).
            rules[-1] = replace(rules[-1], valid_from_estimate=doc.effective_from_basis or "推定")
    amendments = []
    for doc in PolicyDocument.objects.filter(amends__isnull=False).prefetch_related("rule_changes__rule"):
        changes = tuple(RuleChange(c.rule.key, c.action, _changes(c.changes), c.by_clause)
                        for c in doc.rule_changes.all())
        if changes:
            amendments.append(Amendment(doc.key, Citation(doc.key, doc.number, "", doc.title), doc.status,
                                        doc.effective_from, changes))
    splits = {}
    for table in FundingSplitTable.objects.select_related("document"):
        splits[table.key] = FundingSplit(
            table.key, Citation(table.document.key, table.document.number, table.clause, table.document.title),
            {k: tuple(_payer(p, table.key) for p in v) for k, v in table.by_jurisdiction.items()})
    return EngineInputs(rules, amendments, splits)


def _changes(raw: dict) -> dict:
    out = dict(raw)
    if out.get("amount") is not None:
        out["amount"] = Decimal(str(out["amount"]))
    if "payers" in out:
        out["payers"] = tuple(_payer(p, "changes") for p in out["payers"])
    return out


def documents_list():
    return PolicyDocument.objects.select_related("jurisdiction", "amends").order_by("jurisdiction__path", "key")
