"""Which version of each rule applies when: amendments cut and replace rule
versions from their effective date (openfisca style: a deletion ends a value
from a date). Drafts change nothing unless a what-if adopts them."""
from dataclasses import replace
from datetime import date, timedelta
from typing import Iterable, Mapping

from .types import Amendment, Rule


def rule_versions(rules: Iterable[Rule], amendments: Iterable[Amendment],
                  adopt: Mapping[str, date] | None = None) -> dict[str, list[Rule]]:
    """Rule key → versions in date order, after applying every amendment in force
    and those listed in `adopt` (document key → the effective date to assume)."""
    adopt = adopt or {}
    versions: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.document_status == "draft":
            # A draft's own rules exist only in a what-if, from the date it assumes.
            if rule.citation.document_key not in adopt:
                continue
            rule = replace(rule, valid_from=adopt[rule.citation.document_key], document_status="adopted",
                           valid_from_estimate="")
        if rule.local_conditions:
            rule = replace(rule, local_conditions=_local_in_force(rule.local_conditions, adopt))
        versions.setdefault(rule.key, []).append(rule)
    for key in versions:
        versions[key].sort(key=lambda r: r.valid_from)
    for effective, amendment in sorted(_applicable(amendments, adopt), key=lambda pair: pair[0]):
        for change in amendment.changes:
            if change.rule_key not in versions:
                raise KeyError(f"{amendment.citation} amends unknown rule {change.rule_key}")
            versions[change.rule_key] = _apply(versions[change.rule_key], change, effective, amendment)
    return versions


def _local_in_force(conditions, adopt):
    """Other documents' clauses on a rule: a draft's only when a what-if adopts it (from the
    date assumed), a repealed document's never."""
    kept = []
    for condition in conditions:
        key = condition.citation.document_key
        if key in adopt:
            kept.append(replace(condition, valid_from=adopt[key], document_status="adopted"))
        elif condition.document_status == "in_force":
            kept.append(condition)
    return tuple(kept)


def _applicable(amendments, adopt):
    for amendment in amendments:
        if amendment.document_key in adopt:
            yield adopt[amendment.document_key], amendment
        elif amendment.status == "in_force" and amendment.effective_from is not None:
            yield amendment.effective_from, amendment


def _apply(history: list[Rule], change, effective: date, amendment: Amendment) -> list[Rule]:
    last = history[-1]
    if last.valid_to is not None and last.valid_to < effective:
        return history  # the rule had already ended on its own
    cut = max(effective - timedelta(days=1), last.valid_from - timedelta(days=1))
    by = replace(amendment.citation, clause=change.clause) if change.clause else amendment.citation
    ended = replace(last, valid_to=cut, deleted_by=by if change.action == "delete" else None)
    history = history[:-1] + [ended]
    if change.action == "change":
        fields = dict(change.changes)
        # The new version starts on the amendment's date, not on the (possibly estimated) original one.
        history.append(replace(last, valid_from=effective, valid_to=last.valid_to, changed_by=by,
                               deleted_by=None, valid_from_estimate="", **fields))
    return history


def version_on(history: list[Rule], day: date) -> Rule | None:
    for rule in history:
        if rule.in_force_on(day):
            return rule
    return None


def versions_in_year(history: list[Rule], year: int) -> list[Rule]:
    return [r for r in history if r.overlaps_year(year) and r.valid_from <= (r.valid_to or r.valid_from)]
