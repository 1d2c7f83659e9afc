"""The rule catalog: one YAML file per source document under policies/data/documents/,
validated once into typed objects (the engine's Rule, Amendment, FundingSplit).

No Django here either, so the files can be checked in tests and in the admin
(which validates an edited rule with the same functions) alike. Every error
names the file, the entry and the field, in Chinese.
"""
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from enterprises.domain.scale import ENTRY_KINDS

from .engine import EVALUATORS, LOCAL, Amendment, Citation, FundingSplit, LocalCondition, PayerShare, Rule, RuleChange

DATA_DIR = Path(__file__).resolve().parent / "data" / "documents"
TEXT_DIR = Path(__file__).resolve().parent / "data" / "texts"
STATUSES = ("draft", "in_force", "repealed")

# Parameters each rule kind needs, so a typo is caught when the file loads, not when money is computed.
REQUIRED_PARAMS = {
    "continued_in_scale_award": ("year_in_scale",),
    "growth_full_capacity_award": ("min_growth",),
    "recognition_award": ("recognition_kinds",),
    "grade_award": ("amounts_by_grade",),
    "listing_award": ("schedule",),
    "refinancing_award": ("rate", "yearly_cap", "min_local_share"),
    "treated_as_entry": ("bases",),
    "non_cash_benefit": ("benefit",),
}
NEEDS_AMOUNT = {"entry_award", "continued_in_scale_award", "growth_full_capacity_award", "recognition_award"}


class CatalogError(ValueError):
    pass


@dataclass(frozen=True)
class ClauseEntry:
    path: str
    text: str
    responsible_units: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClauseChangeEntry:
    clause: str  # path of the amended document's clause
    action: str  # delete | change
    by: str  # the amending document's own item
    text: str = ""  # the clause's new wording (a change may touch the responsible units only)
    units: dict = field(default_factory=dict)  # responsible units: {"remove": [...], "rename": {old: new}}


@dataclass(frozen=True)
class DocumentEntry:
    key: str
    number: str
    title: str
    issuer: str
    jurisdiction: str
    issued_on: date | None
    effective_from: date | None
    effective_to: date | None
    status: str
    amends: str | None
    repeals: tuple[str, ...]
    note: str
    full_text: str
    clauses: tuple[ClauseEntry, ...]
    rules: tuple[Rule, ...]
    amendment: Amendment | None
    splits: tuple[FundingSplit, ...]
    clause_changes: tuple[ClauseChangeEntry, ...] = ()
    source_file: str = ""
    # This document's clauses on rules of other documents (restatements, local exclusions).
    local_conditions: tuple[LocalCondition, ...] = ()
    # The effective date is an estimate (the document is not among the sources), and on what basis.
    effective_from_estimated: bool = False
    effective_from_basis: str = ""


@dataclass
class Catalog:
    documents: list[DocumentEntry] = field(default_factory=list)

    @property
    def rules(self) -> list[Rule]:
        """Every rule, carrying the other documents' clauses on it."""
        local = defaultdict(list)
        for condition in self.local_conditions:
            local[condition.rule_key].append(condition)
        return [replace(r, local_conditions=tuple(local[r.key])) if r.key in local else r
                for d in self.documents for r in d.rules]

    @property
    def local_conditions(self) -> list[LocalCondition]:
        return [c for d in self.documents for c in d.local_conditions]

    @property
    def amendments(self) -> list[Amendment]:
        return [d.amendment for d in self.documents if d.amendment is not None]

    @property
    def splits(self) -> dict[str, FundingSplit]:
        return {s.key: s for d in self.documents for s in d.splits}

    def document(self, key: str) -> DocumentEntry:
        return next(d for d in self.documents if d.key == key)


def load_catalog(directory: Path = DATA_DIR) -> Catalog:
    catalog = Catalog([load_document(path) for path in sorted(directory.glob("*.yaml"))])
    check_references(catalog)
    return catalog


def load_document(path: Path) -> DocumentEntry:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CatalogError(f"{path.name}：YAML格式错误：{error}") from error
    return parse_document(raw, path.name, text_dir=path.parent.parent / "texts")


def parse_document(raw: Any, where: str, text_dir: Path | None = TEXT_DIR) -> DocumentEntry:
    if not isinstance(raw, dict) or "document" not in raw:
        raise CatalogError(f"{where}：缺少 document 段")
    doc = raw["document"]
    ctx = f"{where} document"
    key = _text(doc, "key", ctx)
    status = _text(doc, "status", ctx)
    if status not in STATUSES:
        raise CatalogError(f"{ctx}：status 应为 {'/'.join(STATUSES)}，实际为“{status}”")
    number = _text(doc, "number", ctx)
    title = str(doc.get("title", ""))
    jurisdiction = _text(doc, "jurisdiction", ctx)
    effective_from = _date(doc, "effective_from", ctx, required=False)
    estimated = doc.get("effective_from_estimated", False)
    if not isinstance(estimated, bool):
        raise CatalogError(f"{ctx}：effective_from_estimated 应为 true 或 false")
    basis = str(doc.get("effective_from_basis") or "").strip()
    if estimated and (effective_from is None or not basis):
        raise CatalogError(f"{ctx}：effective_from_estimated 为 true 时须写 effective_from 和 effective_from_basis（推定依据）")
    full_text = str(doc.get("full_text", ""))
    if not full_text and doc.get("text_file") and text_dir is not None:
        text_path = text_dir / doc["text_file"]
        if not text_path.exists():
            raise CatalogError(f"{ctx}：text_file “{doc['text_file']}” 不存在")
        full_text = text_path.read_text(encoding="utf-8")
    clauses = tuple(_clause(c, f"{where} clauses[{i}]") for i, c in enumerate(raw.get("clauses") or []))
    clause_paths = {c.path for c in clauses}
    defaults = {"document_key": key, "number": number, "title": title, "jurisdiction": jurisdiction,
                "effective_from": effective_from, "status": status, "clauses": clause_paths,
                "effective_from_estimate": basis if estimated else ""}
    rules = tuple(_rule(r, f"{where} rules[{i}]", defaults) for i, r in enumerate(raw.get("rules") or []))
    _unique([r.key for r in rules], f"{where} rules")
    amendment = None
    if raw.get("amendments"):
        if not doc.get("amends"):
            raise CatalogError(f"{ctx}：有 amendments 段但未写 amends（被修改的文件）")
        amendment = Amendment(key, Citation(key, number, "", title), status, effective_from, tuple(
            _change(c, f"{where} amendments[{i}]", clause_paths, key, number)
            for i, c in enumerate(raw["amendments"])))
    splits = tuple(_split(s, f"{where} splits[{i}]", key, number, title, clause_paths)
                   for i, s in enumerate(raw.get("splits") or []))
    clause_changes = tuple(_clause_change(c, f"{where} clause_changes[{i}]", clause_paths)
                           for i, c in enumerate(raw.get("clause_changes") or []))
    if clause_changes and not doc.get("amends"):
        raise CatalogError(f"{ctx}：有 clause_changes 段但未写 amends（被修改的文件）")
    _unique([f"{c.clause} / {c.by}" for c in clause_changes], f"{where} clause_changes（条款 / 依据条目）")
    if status != "draft" and effective_from is None and raw.get("local_conditions"):
        raise CatalogError(f"{ctx}：有 local_conditions 段的现行文件须写 effective_from")
    issuer = {"key": key, "number": number, "title": title, "jurisdiction": jurisdiction, "status": status,
              "effective_from": effective_from, "effective_to": _date(doc, "effective_to", ctx, required=False)}
    local_conditions = tuple(_local_condition(c, f"{where} local_conditions[{i}]", clause_paths, issuer)
                             for i, c in enumerate(raw.get("local_conditions") or []))
    return DocumentEntry(
        key=key, number=number, title=title, issuer=str(doc.get("issuer", "")), jurisdiction=jurisdiction,
        issued_on=_date(doc, "issued_on", ctx, required=False), effective_from=effective_from,
        effective_to=_date(doc, "effective_to", ctx, required=False), status=status,
        amends=doc.get("amends"), repeals=tuple(doc.get("repeals") or ()), note=str(doc.get("note", "")),
        full_text=full_text, clauses=clauses, rules=rules, amendment=amendment, splits=splits,
        clause_changes=clause_changes, source_file=where, local_conditions=local_conditions,
        effective_from_estimated=estimated, effective_from_basis=basis)


def _local_condition(raw, ctx, own_clauses, issuer) -> LocalCondition:
    """One of this document's clauses on another document's rule; it binds in this document's
    jurisdiction only, while this document is in force."""
    if not isinstance(raw, dict):
        raise CatalogError(f"{ctx}：应为映射")
    rule_key = _text(raw, "rule", ctx)
    clause = _text(raw, "clause", ctx)
    if own_clauses and clause not in own_clauses:
        raise CatalogError(f"{ctx}：clause “{clause}” 不在本文件的 clauses 中")
    excluded = raw.get("excluded") or {}
    if not isinstance(excluded, dict):
        raise CatalogError(f"{ctx}：excluded 应为映射（入规类型：条款原文）")
    for kind, words in excluded.items():
        if kind not in ENTRY_KINDS:
            raise CatalogError(f"{ctx}：excluded 的入规类型“{kind}”未知，可选：{'、'.join(sorted(ENTRY_KINDS))}")
        if not str(words or "").strip():
            raise CatalogError(f"{ctx}：excluded.{kind} 须写条款原文")
    return LocalCondition(
        rule_key=rule_key, jurisdiction=issuer["jurisdiction"],
        citation=Citation(issuer["key"], issuer["number"], clause, issuer["title"]),
        # A draft's clause binds only in a what-if, from the date it assumes (rule_versions).
        valid_from=issuer["effective_from"] or date.min, valid_to=issuer["effective_to"],
        excluded={str(k): str(v).strip() for k, v in excluded.items()}, document_status=issuer["status"])


def _clause_change(raw, ctx, own_clauses) -> ClauseChangeEntry:
    action = _text(raw, "action", ctx)
    if action not in ("delete", "change"):
        raise CatalogError(f"{ctx}：action 应为 delete 或 change，实际为“{action}”")
    by = _text(raw, "by", ctx)
    if own_clauses and by not in own_clauses:
        raise CatalogError(f"{ctx}：by “{by}” 不是本文件的条款")
    text = str(raw.get("text") or "")
    units = _unit_changes(raw.get("units"), ctx)
    if action == "change" and not (text or units):
        raise CatalogError(f"{ctx}：action 为 change 时须写修改后的 text 或责任单位的修改 units")
    return ClauseChangeEntry(_text(raw, "clause", ctx), action, by, text, units)


def _unit_changes(raw, ctx) -> dict:
    """{"remove": [unit, ...], "rename": {old: new}}: what an amendment does to a clause's responsible units."""
    if not raw:
        return {}
    if not isinstance(raw, dict) or set(raw) - {"remove", "rename"}:
        raise CatalogError(f"{ctx}：units 只能写 remove（删除的责任单位）和 rename（原名: 新名）")
    units = {}
    remove = raw.get("remove") or []
    if not isinstance(remove, list) or not all(str(u or "").strip() for u in remove):
        raise CatalogError(f"{ctx}：units.remove 应为责任单位名称的列表")
    if remove:
        units["remove"] = [str(u).strip() for u in remove]
    rename = raw.get("rename") or {}
    if not isinstance(rename, dict) or not all(str(k or "").strip() and str(v or "").strip()
                                               for k, v in rename.items()):
        raise CatalogError(f"{ctx}：units.rename 应为“原名: 新名”的映射")
    if rename:
        units["rename"] = {str(k).strip(): str(v).strip() for k, v in rename.items()}
    return units


def _clause(raw, ctx) -> ClauseEntry:
    return ClauseEntry(path=_text(raw, "path", ctx), text=_text(raw, "text", ctx),
                       responsible_units=tuple(raw.get("responsible_units") or ()))


def parse_rule(raw: dict, ctx: str, defaults: dict) -> Rule:
    """Validate one rule mapping (also used by the admin form)."""
    return _rule(raw, ctx, defaults)


def _rule(raw, ctx, defaults) -> Rule:
    if not isinstance(raw, dict):
        raise CatalogError(f"{ctx}：应为映射")
    key = _text(raw, "key", ctx)
    ctx = f"{ctx}（{key}）"
    kind = _text(raw, "kind", ctx)
    if kind not in EVALUATORS:
        raise CatalogError(f"{ctx}：未知的规则类型 kind “{kind}”，可选：{'、'.join(sorted(EVALUATORS))}")
    clause = _text(raw, "clause", ctx)
    if defaults.get("clauses") and clause not in defaults["clauses"]:
        raise CatalogError(f"{ctx}：clause “{clause}” 不在本文件的 clauses 中")
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        raise CatalogError(f"{ctx}：params 应为映射")
    missing = [p for p in REQUIRED_PARAMS.get(kind, ()) if p not in params]
    if missing:
        raise CatalogError(f"{ctx}：{kind} 规则缺少参数 {'、'.join(missing)}")
    amount = _money(raw.get("amount"), f"{ctx} amount")
    if kind in NEEDS_AMOUNT and amount is None and not params.get("amount_note"):
        raise CatalogError(f"{ctx}：{kind} 规则须写 amount，金额不定时写 params.amount_note 说明")
    payers = tuple(_payer(p, f"{ctx} payers[{i}]") for i, p in enumerate(raw.get("payers") or []))
    if payers and sum(p.share for p in payers) != 1:
        raise CatalogError(f"{ctx}：payers 的 share 之和应为1，实际为{sum(p.share for p in payers)}")
    if (amount is not None or kind in ("grade_award", "listing_award", "refinancing_award")) and not payers:
        raise CatalogError(f"{ctx}：有金额的规则须写 payers（出资方）")
    if any(p.payer == LOCAL for p in payers) and not raw.get("split"):
        raise CatalogError(f"{ctx}：出资方含 {LOCAL} 时须写 split（分担比例表）")
    valid_from = _date(raw, "valid_from", ctx, required=False) or defaults.get("effective_from")
    # A rule starting on its document's estimated effective date is itself estimated.
    estimate = defaults.get("effective_from_estimate") or ""
    if not estimate or valid_from != defaults.get("effective_from"):
        estimate = ""
    if valid_from is None:
        raise CatalogError(f"{ctx}：缺少 valid_from，文件也没有 effective_from")
    valid_to = _date(raw, "valid_to", ctx, required=False)
    if valid_to is not None and valid_to < valid_from:
        raise CatalogError(f"{ctx}：valid_to {valid_to} 早于 valid_from {valid_from}")
    citation = Citation(defaults["document_key"], defaults["number"], clause, defaults.get("title", ""))
    if raw.get("cited_as"):
        citation = Citation(defaults["document_key"], str(raw["cited_as"]), clause, defaults.get("title", ""))
    return Rule(key=key, kind=kind, title=_text(raw, "title", ctx),
                jurisdiction=str(raw.get("jurisdiction") or defaults["jurisdiction"]), citation=citation,
                valid_from=valid_from, valid_to=valid_to, amount=amount, payers=payers, params=params,
                split=raw.get("split"), document_status=defaults["status"], note=str(raw.get("note") or "").strip(),
                valid_from_estimate=estimate)


def _change(raw, ctx, clause_paths, key, number) -> RuleChange:
    action = _text(raw, "action", ctx)
    if action not in ("delete", "change"):
        raise CatalogError(f"{ctx}：action 应为 delete 或 change，实际为“{action}”")
    changes = dict(raw.get("changes") or {})
    if action == "change" and not changes:
        raise CatalogError(f"{ctx}：action 为 change 时须写 changes")
    if "amount" in changes:
        changes["amount"] = _money(changes["amount"], f"{ctx} changes.amount")
    if "payers" in changes:
        changes["payers"] = tuple(_payer(p, f"{ctx} changes.payers") for p in changes["payers"])
    by = str(raw.get("by") or "")
    if by and clause_paths and by not in clause_paths:
        raise CatalogError(f"{ctx}：by “{by}” 不是本文件的条款")
    return RuleChange(rule_key=_text(raw, "rule", ctx), action=action, changes=changes, clause=by)


def _split(raw, ctx, key, number, title, clause_paths) -> FundingSplit:
    by = {}
    for jurisdiction, payers in (raw.get("by_jurisdiction") or {}).items():
        shares = tuple(_payer(p, f"{ctx} {jurisdiction}") for p in payers)
        if sum(s.share for s in shares) != 1:
            raise CatalogError(f"{ctx} {jurisdiction}：share 之和应为1")
        by[str(jurisdiction)] = shares
    return FundingSplit(_text(raw, "key", ctx), Citation(key, number, _text(raw, "clause", ctx), title), by)


def check_references(catalog: Catalog):
    """Cross-file checks: unique keys, amendments point at real rules, splits exist."""
    _unique([d.key for d in catalog.documents], "documents")
    seen = {}
    for document in catalog.documents:
        for rule in document.rules:
            if rule.key in seen:
                raise CatalogError(f"{document.source_file}（{rule.key}）：规则 key 与 {seen[rule.key]} 重复")
            seen[rule.key] = document.source_file
    rule_keys = list(seen)
    splits = catalog.splits
    for document in catalog.documents:
        if document.amends and document.amends not in {d.key for d in catalog.documents}:
            raise CatalogError(f"{document.source_file}：amends “{document.amends}” 不是已知文件")
        for rule in document.rules:
            if rule.split and rule.split not in splits:
                raise CatalogError(f"{document.source_file}（{rule.key}）：split “{rule.split}” 未定义")
        if document.clause_changes:
            target = catalog.document(document.amends)
            paths = {c.path: c for c in target.clauses}
            for change in document.clause_changes:
                if change.clause not in paths:
                    raise CatalogError(f"{document.source_file}：修改的条款 “{change.clause}” 不在 {target.number} 中")
                # A unit the amendment removes or renames must be one the clause lists: no invented units.
                listed = set(paths[change.clause].responsible_units)
                for unit in [*change.units.get("remove", []), *change.units.get("rename", {})]:
                    if unit not in listed:
                        raise CatalogError(f"{document.source_file}：{change.by} 修改的责任单位“{unit}”"
                                           f"不在 {target.number} {change.clause} 的责任单位中")
        for condition in document.local_conditions:
            if condition.rule_key not in rule_keys:
                raise CatalogError(f"{document.source_file}：local_conditions 所指规则 “{condition.rule_key}” 不存在")
        if document.amendment:
            for change in document.amendment.changes:
                if change.rule_key not in rule_keys:
                    raise CatalogError(f"{document.source_file}：修改的规则 “{change.rule_key}” 不存在")


def _unique(keys, ctx):
    seen = set()
    for key in keys:
        if key in seen:
            raise CatalogError(f"{ctx}：key “{key}” 重复")
        seen.add(key)


def _text(raw, name, ctx) -> str:
    value = raw.get(name) if isinstance(raw, dict) else None
    if value is None or str(value).strip() == "":
        raise CatalogError(f"{ctx}：缺少 {name}")
    return str(value).strip()


def _date(raw, name, ctx, required=True) -> date | None:
    value = raw.get(name)
    if value is None:
        if required:
            raise CatalogError(f"{ctx}：缺少 {name}")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise CatalogError(f"{ctx}：{name} 应为 YYYY-MM-DD 日期，实际为“{value}”") from error


def _money(value, ctx) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise CatalogError(f"{ctx}：金额应为数字，实际为“{value}”") from error
    if amount < 0:
        raise CatalogError(f"{ctx}：金额不能为负数")
    return amount


def _payer(raw, ctx) -> PayerShare:
    try:
        share = Decimal(str(raw.get("share", 1)))
    except InvalidOperation as error:
        raise CatalogError(f"{ctx}：share 应为数字") from error
    if not 0 < share <= 1:
        raise CatalogError(f"{ctx}：share 应在0到1之间")
    return PayerShare(_text(raw, "payer", ctx), share)
