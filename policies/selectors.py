"""Reads of the policy catalog, turned into the engine's plain types."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .catalog import _payer, parse_rule
from .engine import Amendment, Citation, FundingSplit, Rule, RuleChange, rule_versions
from .models import FundingSplitTable, IncentiveRule, PolicyDocument


@dataclass(frozen=True)
class EngineInputs:
    rules: list[Rule]
    amendments: list[Amendment]
    splits: dict[str, FundingSplit]

    def versions(self, adopt: dict[str, date] | None = None):
        return rule_versions(self.rules, self.amendments, adopt)


def engine_inputs() -> EngineInputs:
    """The whole catalog in a fixed number of queries."""
    rules = []
    for row in IncentiveRule.objects.select_related("document", "clause", "jurisdiction"):
        doc = row.document
        rules.append(parse_rule(row.as_mapping(), row.key, {
            "document_key": doc.key, "number": doc.number, "title": doc.title, "jurisdiction": row.jurisdiction.key,
            "effective_from": doc.effective_from, "status": doc.status, "clauses": None}))
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
