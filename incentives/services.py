"""Writes of the entitlement ledger: the 免申即享 batch, review, payment, and
the what-if (which writes nothing)."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from enterprises import access
from enterprises.models import Enterprise, Jurisdiction, Role
from policies import engine
from policies.models import IncentiveRule, PolicyDocument
from policies.selectors import engine_inputs

from .models import OPEN_STATUSES, Entitlement, EntitlementBatch, EntitlementStatus
from .selectors import enterprise_facts

# Kinds that explain eligibility but owe no money of their own.
NON_MONEY_KINDS = {"treated_as_entry", "non_cash_benefit"}
RECORDED_FIELDS = ("amount", "payers", "citation", "reason", "rule_version", "reference_date")


def can_manage_entitlements(user, jurisdiction: Jurisdiction | None = None) -> tuple[bool, str]:
    if not user.is_authenticated or not user.is_active:
        return False, _("请先登录")
    if user.is_superuser:
        return True, ""
    if user.role != Role.CENTER_STAFF:
        return False, _("只有中小企业服务中心工作人员可以计算和审核奖补")
    if jurisdiction is not None and not jurisdiction.path.startswith(user.jurisdiction.path):
        return False, _("所选区域不在您的管辖范围内")
    return True, ""


def _require(check):
    allowed, reason = check
    if not allowed:
        raise PermissionDenied(reason)


def entitlements_visible_to(user):
    return Entitlement.objects.filter(enterprise__in=access.enterprises_visible_to(user))


# -- the batch -----------------------------------------------------------------

def entitlement_batch_request(*, user, jurisdiction: Jurisdiction, year: int) -> EntitlementBatch:
    """Queue a batch; the Celery task starts once this transaction commits."""
    _require(can_manage_entitlements(user, jurisdiction))
    from .tasks import entitlement_batch_task

    batch = EntitlementBatch.objects.create(jurisdiction=jurisdiction, year=year, requested_by=user)
    transaction.on_commit(lambda: entitlement_batch_task.delay(batch.pk))
    return batch


def entitlement_batch_run(*, batch_id: int) -> EntitlementBatch:
    """Compute every enterprise of the batch's jurisdiction and write the ledger.

    Steps:
      1. mark the batch running (a re-delivered task simply runs again: the writes are idempotent);
      2. build facts for all enterprises with a fixed number of queries;
      3. evaluate the rule versions in force for the year;
      4. in one transaction: create new entitlements, refresh pending ones whose
         decision changed, withdraw pending ones no longer owed, and only annotate
         approved / paid / rejected ones, never change them;
      5. record counts, or the error.
    """
    batch = EntitlementBatch.objects.select_related("jurisdiction").get(pk=batch_id)
    EntitlementBatch.objects.filter(pk=batch_id).update(status=EntitlementBatch.Status.RUNNING,
                                                        started_at=timezone.now(), error="")
    try:
        with transaction.atomic():
            counts, enterprises = _compute_and_write(batch)
    except Exception as error:
        EntitlementBatch.objects.filter(pk=batch_id).update(status=EntitlementBatch.Status.FAILED,
                                                            finished_at=timezone.now(), error=repr(error))
        raise
    EntitlementBatch.objects.filter(pk=batch_id).update(status=EntitlementBatch.Status.FINISHED, counts=counts,
                                                        enterprises=enterprises, finished_at=timezone.now())
    batch.refresh_from_db()
    return batch


def _recorded(decision: engine.Decision) -> dict:
    return {
        "amount": decision.amount,
        "payers": [{"payer": p.payer, "amount": None if p.amount is None else str(p.amount)}
                   for p in decision.payers],
        "citation": "；".join([str(decision.citation)] + [str(c) for c in decision.also_cited])[:200],
        "reason": decision.reason,
        "rule_version": decision.rule_version[:200],
        "reference_date": decision.reference_date,
    }


def _differs(entitlement: Entitlement, values: dict) -> bool:
    return any(getattr(entitlement, f) != values[f] for f in RECORDED_FIELDS)


def _compute_and_write(batch: EntitlementBatch):
    year, now = batch.year, timezone.now()
    inputs = engine_inputs()
    versions = inputs.versions()
    enterprises = Enterprise.objects.filter(jurisdiction__path__startswith=batch.jurisdiction.path)
    facts = enterprise_facts(enterprises, [year])
    rule_ids = dict(IncentiveRule.objects.values_list("key", "pk"))
    existing = {(e.enterprise_id, e.rule_id): e for e in
                Entitlement.objects.select_for_update().filter(enterprise__in=enterprises.values("pk"), year=year)}
    counts = defaultdict(int)
    to_create, to_update, seen = [], [], set()
    for enterprise_id, enterprise_facts_ in facts.items():
        for decision in engine.evaluate(enterprise_facts_, versions, year, inputs.splits):
            counts[f"decision_{decision.outcome}"] += 1
            if decision.outcome != engine.PASS or decision.kind in NON_MONEY_KINDS:
                continue
            key = (enterprise_id, rule_ids[decision.rule_key])
            seen.add(key)
            values = _recorded(decision)
            current = existing.get(key)
            if current is None:
                to_create.append(Entitlement(enterprise_id=key[0], rule_id=key[1], year=year, batch=batch,
                                             computed_at=now, status=EntitlementStatus.PENDING, **values))
                counts["created"] += 1
            elif current.status in OPEN_STATUSES:
                if _differs(current, values) or current.status == EntitlementStatus.WITHDRAWN:
                    for name, value in values.items():
                        setattr(current, name, value)
                    current.status, current.batch, current.computed_at = EntitlementStatus.PENDING, batch, now
                    to_update.append(current)
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
            else:
                note = ""
                if _differs(current, values):
                    note = _("重算结果与已%(status)s记录不一致：%(reason)s") % {
                        "status": current.get_status_display(), "reason": values["reason"]}
                counts["protected"] += 1
                if current.recompute_note != note[:300]:
                    current.recompute_note = note[:300]
                    to_update.append(current)
    for key, current in existing.items():
        if key in seen:
            continue
        if current.status == EntitlementStatus.PENDING:
            current.status, current.batch, current.computed_at = EntitlementStatus.WITHDRAWN, batch, now
            to_update.append(current)
            counts["withdrawn"] += 1
        elif current.status in (EntitlementStatus.APPROVED, EntitlementStatus.PAID):
            note = _("重算后已不符合条件，请核查")
            if current.recompute_note != note:
                current.recompute_note = note
                to_update.append(current)
            counts["protected"] += 1
    if to_create:
        bulk_create_with_history(to_create, Entitlement, batch_size=500, default_user=batch.requested_by)
    if to_update:
        bulk_update_with_history(to_update, Entitlement, batch_size=500, default_user=batch.requested_by, fields=[
            *RECORDED_FIELDS, "status", "batch", "computed_at", "recompute_note"])
    return dict(counts), len(facts)


# -- review ----------------------------------------------------------------------

def _transition(*, user, ids, source: str, target: str, **changes) -> int:
    """Move the given entitlements from `source` to `target`; others are left
    alone (a double click or two reviewers racing cannot approve twice)."""
    _require(can_manage_entitlements(user))
    with transaction.atomic():
        rows = list(entitlements_visible_to(user).select_for_update().filter(pk__in=ids, status=source))
        now = timezone.now()
        for row in rows:
            row.status, row.reviewed_by, row.reviewed_at = target, user, now
            for name, value in changes.items():
                setattr(row, name, value)
            row._history_user = user
        if rows:
            bulk_update_with_history(rows, Entitlement, fields=["status", "reviewed_by", "reviewed_at", *changes],
                                     default_user=user)
    return len(rows)


def entitlements_approve(*, user, ids) -> int:
    return _transition(user=user, ids=ids, source=EntitlementStatus.PENDING, target=EntitlementStatus.APPROVED)


def entitlements_reject(*, user, ids, reason: str) -> int:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("驳回必须填写原因")})
    return _transition(user=user, ids=ids, source=EntitlementStatus.PENDING, target=EntitlementStatus.REJECTED,
                       rejection_reason=reason[:200])


def entitlements_mark_paid(*, user, ids, paid_on: date) -> int:
    if paid_on is None:
        raise ValidationError({"paid_on": _("请填写拨付日期")})
    return _transition(user=user, ids=ids, source=EntitlementStatus.APPROVED, target=EntitlementStatus.PAID,
                       paid_on=paid_on)


# -- what-if -----------------------------------------------------------------------

@dataclass
class EnterpriseDelta:
    enterprise: Enterprise
    year: int
    baseline: Decimal
    scenario: Decimal
    lost: list[str] = field(default_factory=list)
    gained: list[str] = field(default_factory=list)

    @property
    def delta(self) -> Decimal:
        return self.scenario - self.baseline


@dataclass
class WhatIfReport:
    document: PolicyDocument
    effective_from: date
    jurisdiction: Jurisdiction
    years: list[int]
    totals: dict  # (year, payer) → [baseline, scenario]
    changes: list[EnterpriseDelta]
    enterprises: int

    @property
    def total_rows(self):
        return [(year, payer, base, scen, scen - base) for (year, payer), (base, scen) in sorted(self.totals.items())]


def what_if(*, user, jurisdiction: Jurisdiction, document: PolicyDocument, effective_from: date,
            years: list[int]) -> WhatIfReport:
    """Apply `document` from `effective_from` to every enterprise of the jurisdiction
    the user can see and compare with the rules in force. Writes nothing."""
    if not access.jurisdictions_visible_to(user).filter(pk=jurisdiction.pk).exists():
        raise PermissionDenied(_("所选区域不在您的管辖范围内"))
    inputs = engine_inputs()
    baseline_versions = inputs.versions()
    scenario_versions = inputs.versions(adopt={document.key: effective_from})
    enterprises = access.enterprises_visible_to(user).filter(jurisdiction__path__startswith=jurisdiction.path)
    facts = enterprise_facts(enterprises, years)
    by_id = {e.pk: e for e in enterprises}
    totals = defaultdict(lambda: [Decimal(0), Decimal(0)])
    changes = []
    for enterprise_id, f in facts.items():
        for year in years:
            sides = []
            for index, versions in enumerate((baseline_versions, scenario_versions)):
                owed = {}
                for d in engine.evaluate(f, versions, year, inputs.splits):
                    if d.outcome == engine.PASS and d.amount and d.kind not in NON_MONEY_KINDS:
                        owed[d.rule_key] = d
                        for p in d.payers:
                            totals[(year, p.payer)][index] += p.amount or 0
                sides.append(owed)
            base, scen = sides
            if {k: d.amount for k, d in base.items()} != {k: d.amount for k, d in scen.items()}:
                delta = EnterpriseDelta(by_id[enterprise_id], year, sum((d.amount for d in base.values()), Decimal(0)),
                                        sum((d.amount for d in scen.values()), Decimal(0)))
                delta.lost = [f"{base[k].rule_title}（{base[k].citation}）" for k in base
                              if k not in scen or scen[k].amount != base[k].amount]
                delta.gained = [f"{scen[k].rule_title}（{scen[k].citation}）" for k in scen
                                if k not in base or scen[k].amount != base[k].amount]
                changes.append(delta)
    changes.sort(key=lambda c: (c.year, c.delta, c.enterprise.name))
    return WhatIfReport(document, effective_from, jurisdiction, years, dict(totals), changes, len(facts))
