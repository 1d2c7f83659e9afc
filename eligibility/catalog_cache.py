"""The rule catalog as the public check reads it: loaded from the database at most once per
catalog version and kept in this process, so one visitor's check reads nothing at all once
the catalog is warm (issue 12: the engine is pure, only the catalog is read, and that once).

The version is a token in the shared cache that every save or delete of a catalog row (or of
a jurisdiction) replaces, so every worker reloads after `load_policies`, a staff correction of
an effective date or an admin edit. Only public material is held: rules, clauses, split tables
and the jurisdiction tree (administrative divisions) — never a row of the registry.
"""
import threading
from dataclasses import dataclass, field
from uuid import uuid4

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from enterprises.models import Jurisdiction
from policies.engine import Rule
from policies.models import (
    Clause,
    ClauseChange,
    FundingSplitTable,
    IncentiveRule,
    LocalCondition,
    PolicyDocument,
    RuleAmendment,
)
from policies.selectors import EngineInputs, engine_inputs

VERSION_KEY = "eligibility:catalog-version"
WATCHED = (PolicyDocument, Clause, ClauseChange, IncentiveRule, LocalCondition, RuleAmendment, FundingSplitTable,
           Jurisdiction)


@dataclass(frozen=True)
class Place:
    key: str
    name: str
    level: str
    path: tuple[str, ...]  # root → self keys, as the engine wants them
    label: str  # the names of the chain, e.g. "山西省 阳泉市 盂县"
    former_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentInfo:
    key: str
    number: str
    title: str
    status: str
    jurisdiction: str


@dataclass(frozen=True)
class DraftChange:
    rule_key: str
    rule_title: str
    action: str  # delete | change
    clause: str  # the draft's own item


@dataclass
class PublicCatalog:
    version: str
    inputs: EngineInputs
    live: dict[str, list[Rule]]
    clause_texts: dict[tuple[str, str], str]
    documents: dict[str, DocumentInfo]
    places: tuple[Place, ...]
    draft_changes: dict[str, tuple[DraftChange, ...]] = field(default_factory=dict)
    # What the rules read, so the form asks nothing no rule uses (see `consumed_facts`).
    consumed: frozenset = frozenset()
    recognition_kinds: tuple[str, ...] = ()
    listing_boards: tuple[str, ...] = ()
    listing_stages: tuple[str, ...] = ()
    refinancing_venues: tuple[str, ...] = ()
    once_groups: dict[str, str] = field(default_factory=dict)  # group → title of a rule paying it

    @property
    def places_by_key(self) -> dict[str, Place]:
        return {p.key: p for p in self.places}

    def drafts_for(self, path: tuple[str, ...]) -> list[DocumentInfo]:
        """Draft documents issued in the visitor's jurisdiction chain (shown apart, 若该草案通过)."""
        return [d for d in self.documents.values() if d.status == "draft" and d.jurisdiction in path]

    def clause_text(self, document_key: str, path: str) -> str:
        return self.clause_texts.get((document_key, path), "")


_held: PublicCatalog | None = None
_lock = threading.Lock()


def bump_version(**kwargs):
    cache.set(VERSION_KEY, uuid4().hex, None)


for _model in WATCHED:
    post_save.connect(bump_version, sender=_model, dispatch_uid=f"eligibility-catalog-save-{_model.__name__}")
    post_delete.connect(bump_version, sender=_model, dispatch_uid=f"eligibility-catalog-delete-{_model.__name__}")


def _current_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    return version


def public_catalog() -> PublicCatalog:
    """The catalog of the current version: from this process's memory, or loaded once."""
    global _held
    version = _current_version()
    held = _held
    if held is not None and held.version == version:
        return held
    with _lock:
        if _held is None or _held.version != version:
            _held = load(version)
        return _held


def forget():
    """Drop the held catalog (tests; the version token does this in production)."""
    global _held
    _held = None


def load(version: str) -> PublicCatalog:
    inputs = engine_inputs()
    clause_texts = {(doc_key, path): text for doc_key, path, text in
                    Clause.objects.values_list("document__key", "path", "text")}
    documents = {row[0]: DocumentInfo(*row) for row in
                 PolicyDocument.objects.values_list("key", "number", "title", "status", "jurisdiction__key")}
    titles = {r.key: r.title for r in inputs.rules}
    draft_changes: dict[str, list[DraftChange]] = {}
    for amendment in inputs.amendments:
        draft_changes[amendment.document_key] = tuple(
            DraftChange(c.rule_key, titles.get(c.rule_key, c.rule_key), c.action, c.clause) for c in amendment.changes)
    rows = list(Jurisdiction.objects.order_by("path").values_list("key", "name", "level", "path", "former_names"))
    names = {key: name for key, name, *_ in rows}
    places = []
    for key, name, level, path, former in rows:
        chain = tuple(k for k in path.split("/") if k)
        places.append(Place(key, name, level, chain, " ".join(names.get(k, k) for k in chain),
                            tuple(str(n) for n in (former or []) if isinstance(n, str))))
    catalog = PublicCatalog(version=version, inputs=inputs, live=inputs.versions(), clause_texts=clause_texts,
                            documents=documents, places=tuple(places), draft_changes=draft_changes)
    _consumed(catalog)
    return catalog


def _consumed(catalog: PublicCatalog):
    """Which facts the catalog's rules read (the evaluators in policies/engine/evaluate.py)."""
    facts, recognitions, boards, stages, venues, groups = set(), [], [], [], [], {}

    def add(items, values):
        for value in values:
            if value not in items:
                items.append(value)

    for rule in catalog.inputs.rules:
        params = rule.params
        if rule.kind in ("entry_award", "continued_in_scale_award", "growth_full_capacity_award",
                         "non_cash_benefit", "treated_as_entry"):
            facts.add("scale_events")
        if rule.kind == "entry_award":
            if params.get("min_annual_revenue") is not None:
                facts.add("annual_revenue")
            if params.get("once_group"):
                facts.add("awards_received")
                groups.setdefault(params["once_group"], rule.title)
            if "treated_entry" in params.get("entry_kinds", ()):
                facts.add("treated_bases")
        if rule.kind == "continued_in_scale_award":
            if params.get("size_classes"):
                facts.add("size_class")
            if params.get("requires_development_sound"):
                facts.add("development_sound")
        if rule.kind == "growth_full_capacity_award":
            facts.update({"q1_full_capacity", "q1_revenue_growth"})
        if rule.kind == "recognition_award":
            facts.add("recognitions")
            add(recognitions, params.get("recognition_kinds", ()))
        if rule.kind == "non_cash_benefit" and params.get("requires_valid_recognition"):
            facts.add("recognitions")
            add(recognitions, [params["requires_valid_recognition"]])
        if rule.kind == "grade_award":
            facts.add("platform_grades")
        if rule.kind == "listing_award":
            facts.add("listing_milestones")
            for step in params.get("schedule", ()):
                add(boards, step.get("boards", ()))
                add(stages, [step.get("stage")])
        if rule.kind == "refinancing_award":
            facts.add("refinancings")
            add(venues, params.get("venues", ()))
        if rule.kind == "treated_as_entry":
            facts.add("treated_bases")
    catalog.consumed = frozenset(facts)
    catalog.recognition_kinds = tuple(recognitions)
    catalog.listing_boards = tuple(boards)
    catalog.listing_stages = tuple(s for s in stages if s)
    catalog.refinancing_venues = tuple(venues)
    catalog.once_groups = groups
