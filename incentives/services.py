"""Writes of the entitlement ledger: the 免申即享 batch, review, payment, and
the what-if (which writes nothing)."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from enterprises import access, jurisdictions
from enterprises.bulk_history import history_insert_select
from enterprises.domain import parts as parts_domain
from enterprises.models import Enterprise, Jurisdiction, Role
from policies import engine
from policies.models import IncentiveRule, PolicyDocument
from policies.selectors import engine_inputs

from .domain import signoff
from .models import OPEN_STATUSES, REVIEWED_STATUSES, Entitlement, EntitlementBatch, EntitlementStatus
from .selectors import enterprise_facts, signoff_rules

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

    A batch over more than BATCH_PART_ENTERPRISES enterprises is split into parts (neighbouring
    jurisdictions, one county never split; enterprises.jurisdictions.subtree_parts), each a batch
    of its own sent to the workers as one Celery group: N workers share a province, and each holds
    one part's facts in memory. Each part is atomic and idempotent on its own; when the last one
    ends, the parent is finished with their summed counts, or failed naming the jurisdictions whose
    part failed (their ledgers untouched; running the batch again completes them).

    Steps:
      1. mark the batch running (a re-delivered task simply runs again: the writes are idempotent);
      2. build facts for all enterprises with a fixed number of queries;
      3. evaluate the rule versions in force for the year;
      4. in one transaction: create new entitlements, refresh pending ones whose
         decision changed, withdraw pending ones no longer owed, send a reviewed one
         whose decision changed (or is no longer owed) back with its review undone, and
         only annotate approved / paid / rejected ones, never change them;
      5. record counts, or the error.
    """
    batch = EntitlementBatch.objects.select_related("jurisdiction").get(pk=batch_id)
    if batch.parts.exists():  # a redelivered message for a batch already split: its parts do the work
        return batch
    if batch.parent_id is None and _split_into_parts(batch):
        batch.refresh_from_db()
        return batch
    EntitlementBatch.objects.filter(pk=batch_id).update(status=EntitlementBatch.Status.RUNNING,
                                                        started_at=timezone.now(), error="")
    try:
        with transaction.atomic():
            counts, enterprises = _compute_and_write(batch)
    except Exception as error:
        EntitlementBatch.objects.filter(pk=batch_id).update(status=EntitlementBatch.Status.FAILED,
                                                            finished_at=timezone.now(), error=repr(error))
        _settle_parent(batch.parent_id)
        raise
    EntitlementBatch.objects.filter(pk=batch_id).update(status=EntitlementBatch.Status.FINISHED, counts=counts,
                                                        enterprises=enterprises, finished_at=timezone.now())
    _settle_parent(batch.parent_id)
    batch.refresh_from_db()
    return batch


BATCH_PART_ENTERPRISES = 20_000  # settings.BATCH_PART_ENTERPRISES overrides it


def _part_size() -> int:
    return getattr(settings, "BATCH_PART_ENTERPRISES", BATCH_PART_ENTERPRISES)


def _split_into_parts(batch: EntitlementBatch) -> bool:
    """Create the parts of a large batch and send them once created; False when one part would do."""
    plan = jurisdictions.subtree_parts(batch.jurisdiction, _part_size())
    if len(plan) < 2:
        return False
    from config.celery_app import send_group

    from .tasks import entitlement_batch_task

    with transaction.atomic():
        now = timezone.now()
        parts = EntitlementBatch.objects.bulk_create([
            EntitlementBatch(parent=batch, jurisdiction_id=batch.jurisdiction_id, year=batch.year,
                             requested_by_id=batch.requested_by_id, scope=list(part.jurisdiction_ids),
                             enterprises=part.enterprises) for part in plan])
        EntitlementBatch.objects.filter(pk=batch.pk).update(status=EntitlementBatch.Status.RUNNING, started_at=now,
                                                            error="", enterprises=sum(p.enterprises for p in plan))
        ids = [part.pk for part in parts]
        transaction.on_commit(lambda: send_group(entitlement_batch_task.si(pk) for pk in ids))
    return True


def _settle_parent(parent_id: int | None):
    """After a part ends: once none is queued or running, the parent is finished (counts summed) or
    failed (naming the jurisdictions of the parts that failed). Under the parent row's lock, so of
    two parts ending together exactly one settles it."""
    if parent_id is None:
        return
    with transaction.atomic():
        parent = (EntitlementBatch.objects.select_for_update()
                  .filter(pk=parent_id, status=EntitlementBatch.Status.RUNNING).first())
        if parent is None:
            return
        parts = list(parent.parts.order_by("pk").values_list("status", "counts", "error", "scope"))
        if any(status in (EntitlementBatch.Status.QUEUED, EntitlementBatch.Status.RUNNING) for status, *_ in parts):
            return
        counts = parts_domain.summed_counts([part_counts for _status, part_counts, _error, _scope in parts])
        failed = [(error, scope) for status, _counts, error, scope in parts if status == EntitlementBatch.Status.FAILED]
        fields = {"status": EntitlementBatch.Status.FINISHED, "finished_at": timezone.now(), "counts": counts}
        if failed:
            fields["status"] = EntitlementBatch.Status.FAILED
            fields["error"] = jurisdictions.failed_parts_text(failed, _("计算失败"))
        EntitlementBatch.objects.filter(pk=parent_id).update(**fields)


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


# What an approved or paid entitlement is checked against on a rerun: the substance of the
# decision, not the wording of its reason (a reworded or reformatted reason, e.g. 万元 now
# shown with 2 decimals, is no discrepancy worth a note).
SUBSTANCE_FIELDS = tuple(f for f in RECORDED_FIELDS if f != "reason")


def _differs(entitlement: Entitlement, values: dict, fields=RECORDED_FIELDS) -> bool:
    return any(getattr(entitlement, f) != values[f] for f in fields)


def _compute_and_write(batch: EntitlementBatch):
    year, now = batch.year, timezone.now()
    inputs = engine_inputs()
    versions = inputs.versions()
    # The subtree as jurisdiction ids: PostgreSQL estimates `IN (…)` well where a path LIKE made it
    # expect one enterprise (issue 14, as in the monthly check).
    subtree = batch.scope or list(Jurisdiction.objects.filter(path__startswith=batch.jurisdiction.path)
                                  .values_list("pk", flat=True))
    enterprises = Enterprise.objects.filter(jurisdiction_id__in=subtree)
    facts = enterprise_facts(enterprises, [year])
    rule_ids = dict(IncentiveRule.objects.values_list("key", "pk"))
    # Lock the entitlements only (of=self, unordered): the default ordering joins the enterprises and
    # the rules, and FOR UPDATE on the join locked every rule row, so two parts of a split batch
    # deadlocked on them (issue 14).
    existing = {(e.enterprise_id, e.rule_id): e for e in
                Entitlement.objects.select_for_update(of=("self",)).order_by()
                .filter(enterprise__in=enterprises.values("pk"), year=year)}
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
                    current.recompute_note = ""
                    to_update.append(current)
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
            elif current.status in REVIEWED_STATUSES:
                # Not yet approved: a changed amount, payer, citation or date means the review
                # vouched for something else, so it goes back for a new one; a reworded reason
                # alone is refreshed and the review kept.
                if _differs(current, values, SUBSTANCE_FIELDS):
                    _undo_review(current, _("重算结果有变化，原初审已撤销，请重新初审"))
                    current.status = EntitlementStatus.PENDING
                    counts["review_reset"] += 1
                    counts["updated"] += 1
                elif _differs(current, values):
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
                    continue
                for name, value in values.items():
                    setattr(current, name, value)
                current.batch, current.computed_at = batch, now
                to_update.append(current)
            else:
                note = ""
                if _differs(current, values, SUBSTANCE_FIELDS):
                    note = _("重算结果与已%(status)s记录不一致：%(reason)s") % {
                        "status": current.get_status_display(), "reason": values["reason"]}
                counts["protected"] += 1
                if current.recompute_note != note[:300]:
                    current.recompute_note = note[:300]
                    to_update.append(current)
    for key, current in existing.items():
        if key in seen:
            continue
        if current.status in (EntitlementStatus.PENDING, *REVIEWED_STATUSES):
            if current.status in REVIEWED_STATUSES:
                _undo_review(current, _("重算后已不符合条件，原初审已撤销"))
                counts["review_reset"] += 1
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
        # Plain inserts, their history copied by the database in one statement (enterprises.bulk_history).
        Entitlement.objects.bulk_create(to_create, batch_size=2000)
        history_insert_select(Entitlement, [e.pk for e in to_create], history_type="+", user=batch.requested_by,
                              when=now)
    if to_update:
        bulk_update_with_history(to_update, Entitlement, batch_size=500, default_user=batch.requested_by, fields=[
            *RECORDED_FIELDS, "status", "batch", "computed_at", "recompute_note", "reviewed_by", "reviewed_at"])
    # Every enterprise of the jurisdiction was evaluated now: the registry's page compares this with
    # Enterprise.facts_changed_at (a record changed since awaits the next batch). One UPDATE, no history
    # row: bookkeeping. The ledger asks per entitlement and year (selectors.with_facts_pending).
    # Only the enterprises whose facts changed since they were last evaluated are stamped: for the
    # others `facts_pending` is false either way, and rewriting every row of a province took
    # seconds (issue 14).
    enterprises.filter(facts_changed_at__isnull=False).filter(
        Q(facts_evaluated_at__isnull=True) | Q(facts_evaluated_at__lt=F("facts_changed_at"))
    ).update(facts_evaluated_at=now)
    return dict(counts), len(facts)


def _undo_review(entitlement: Entitlement, note: str) -> None:
    """The review no longer holds: cleared from the row (its history keeps who reviewed when)."""
    entitlement.reviewed_by, entitlement.reviewed_at, entitlement.recompute_note = None, None, note[:300]


# -- sign-off: review → approve → pay (incentives/domain/signoff.py) ----------------------

@dataclass
class SignoffResult:
    """What a bulk sign-off did: how many moved, and how many were left alone, by reason."""
    step: signoff.Step
    done: int = 0
    skipped: dict = field(default_factory=dict)  # signoff.Refusal → count

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


def _actor(user) -> signoff.Actor:
    return signoff.Actor(user_id=user.pk, is_center_staff=user.role == Role.CENTER_STAFF,
                         is_finance=user.role == Role.FINANCE, is_superuser=user.is_superuser)


def can_sign(user, step: signoff.Step) -> tuple[bool, str]:
    """May the user's role take this step at all? Which entitlements, and whether the
    person rules allow it, is decided per row."""
    if not user.is_authenticated or not user.is_active:
        return False, _("请先登录")
    if signoff.may_take(step, _actor(user)):
        return True, ""
    if step is signoff.Step.PAY:
        return False, _("只有财政拨付人员（或所在区域允许的中心工作人员）可以登记拨付")
    return False, _("只有中小企业服务中心工作人员可以计算和审核奖补")


# Each step records its person and time in <prefix>_by and <prefix>_at.
STEP_PREFIX = {signoff.Step.REVIEW: "reviewed", signoff.Step.APPROVE: "approved", signoff.Step.REJECT: "rejected",
               signoff.Step.PAY: "paid"}


def _sign(*, user, ids, step: signoff.Step, **changes) -> SignoffResult:
    """Take `step` on the given entitlements the user may sign; leave the others alone and
    count them by reason (a double click or two people racing cannot sign twice: rows are
    locked and their status checked inside the transaction)."""
    _require(can_sign(user, step))
    actor, ids, prefix = _actor(user), set(ids), STEP_PREFIX[step]
    skipped = defaultdict(int)
    with transaction.atomic():
        rows = list(entitlements_visible_to(user).select_for_update(of=("self",))
                    .filter(pk__in=ids, status__in=signoff.SOURCES[step])
                    .annotate(place_id=F("enterprise__jurisdiction_id")))
        rules = signoff_rules(row.place_id for row in rows)
        now = timezone.now()
        signed = []
        for row in rows:
            refusal = signoff.refusal(step, actor, signoff.Signed(row.status, row.reviewed_by_id, row.approved_by_id),
                                      rules[row.place_id])
            if refusal is not None:
                skipped[refusal] += 1
                continue
            row.status = signoff.TARGETS[step]
            setattr(row, f"{prefix}_by", user)
            setattr(row, f"{prefix}_at", now)
            for name, value in changes.items():
                setattr(row, name, value)
            row._history_user = user
            signed.append(row)
        if signed:
            bulk_update_with_history(signed, Entitlement, fields=["status", f"{prefix}_by", f"{prefix}_at", *changes],
                                     default_user=user)
    # Ids not in the state this step starts from, gone, or outside the user's scope (not told apart).
    if len(ids) > len(rows):
        skipped[signoff.Refusal.WRONG_STATUS] += len(ids) - len(rows)
    return SignoffResult(step, len(signed), dict(skipped))


def entitlements_review(*, user, ids) -> SignoffResult:
    """初审: pending_review → reviewed."""
    return _sign(user=user, ids=ids, step=signoff.Step.REVIEW, recompute_note="")


def entitlements_approve(*, user, ids) -> SignoffResult:
    """审批: reviewed → approved, by someone other than the reviewer where duties are separated."""
    return _sign(user=user, ids=ids, step=signoff.Step.APPROVE)


def entitlements_reject(*, user, ids, reason: str) -> SignoffResult:
    """驳回 a pending or reviewed entitlement, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("驳回必须填写原因")})
    return _sign(user=user, ids=ids, step=signoff.Step.REJECT, rejection_reason=reason[:200])


def entitlements_mark_paid(*, user, ids, paid_on: date, payment_reference: str = "") -> SignoffResult:
    """拨付: approved → paid, recorded by finance (or, where allowed, staff who did not sign it),
    with the date and, when finance has one, the voucher or transfer number (凭证号)."""
    if paid_on is None:
        raise ValidationError({"paid_on": _("请填写拨付日期")})
    payment_reference = " ".join((payment_reference or "").split())
    if len(payment_reference) > 60:
        raise ValidationError({"payment_reference": _("拨付凭证号不能超过60个字符")})
    return _sign(user=user, ids=ids, step=signoff.Step.PAY, paid_on=paid_on, payment_reference=payment_reference)


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
    # (year, payer) → [baseline, scenario] counts of awards due whose amount the payer sets
    # (e.g. 山西省财政's continued-in-scale award): counted apart, never added as zero.
    undetermined: dict = field(default_factory=dict)

    @property
    def total_rows(self):
        return [(year, payer, base, scen, scen - base) for (year, payer), (base, scen) in sorted(self.totals.items())]

    @property
    def undetermined_rows(self):
        return [(year, payer, base, scen, scen - base)
                for (year, payer), (base, scen) in sorted(self.undetermined.items())]


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
    undetermined = defaultdict(lambda: [0, 0])
    changes = []
    for enterprise_id, f in facts.items():
        for year in years:
            sides = []
            for index, versions in enumerate((baseline_versions, scenario_versions)):
                owed = {}
                for d in engine.evaluate(f, versions, year, inputs.splits):
                    # Owed with an amount, or due with the amount left to the payer (amount None).
                    if d.outcome == engine.PASS and d.amount != 0 and d.kind not in NON_MONEY_KINDS:
                        owed[d.rule_key] = d
                        for p in d.payers:
                            if p.amount is None:
                                undetermined[(year, p.payer)][index] += 1
                            else:
                                totals[(year, p.payer)][index] += p.amount
                sides.append(owed)
            base, scen = sides
            if {k: d.amount for k, d in base.items()} != {k: d.amount for k, d in scen.items()}:
                delta = EnterpriseDelta(by_id[enterprise_id], year, _known_sum(base.values()),
                                        _known_sum(scen.values()))
                delta.lost = [f"{base[k].rule_title}（{base[k].citation}）" for k in base
                              if k not in scen or scen[k].amount != base[k].amount]
                delta.gained = [f"{scen[k].rule_title}（{scen[k].citation}）" for k in scen
                                if k not in base or scen[k].amount != base[k].amount]
                changes.append(delta)
    changes.sort(key=lambda c: (c.year, c.delta, c.enterprise.name))
    return WhatIfReport(document, effective_from, jurisdiction, years, dict(totals), changes, len(facts),
                        dict(undetermined))


def _known_sum(decisions) -> Decimal:
    return sum((d.amount for d in decisions if d.amount is not None), Decimal(0))
