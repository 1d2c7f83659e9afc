"""Who may take which step of an entitlement's sign-off (plain Python, no ORM).

The steps, each recording its person and time on the entitlement:
  初审 review    pending_review → reviewed  (SME-center staff)
  审批 approve   reviewed → approved        (SME-center staff)
  驳回 reject    pending_review or reviewed → rejected (SME-center staff)
  拨付 pay       approved → paid            (finance; see below)

Duty separation (职责分离) is set per jurisdiction and inherited down the tree, on unless
a jurisdiction or an ancestor turns it off. While it is on:
  - whoever approves, or rejects a reviewed entitlement, is not the one who reviewed it;
  - payment is recorded by a finance user (财政拨付人员), or, where the jurisdiction also
    allows it, by SME-center staff; either way by someone who neither reviewed nor
    approved it.
Off (a small county with one clerk), one person may take every step, and SME-center
staff may record payment too. Superusers may take any step, under the same person rules.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

# The ledger's statuses (incentives.models.EntitlementStatus values).
PENDING, REVIEWED, APPROVED, PAID, REJECTED = "pending_review", "reviewed", "approved", "paid", "rejected"


class Step(str, Enum):
    REVIEW = "review"
    APPROVE = "approve"
    REJECT = "reject"
    PAY = "pay"


SOURCES = {
    Step.REVIEW: (PENDING,),
    Step.APPROVE: (REVIEWED,),
    Step.REJECT: (PENDING, REVIEWED),
    Step.PAY: (APPROVED,),
}
TARGETS = {Step.REVIEW: REVIEWED, Step.APPROVE: APPROVED, Step.REJECT: REJECTED, Step.PAY: PAID}


class Refusal(str, Enum):
    """Why one entitlement was left alone (counted per reason in a bulk action)."""
    WRONG_STATUS = "wrong_status"    # not in a state this step starts from (or not in scope)
    OWN_REVIEW = "own_review"        # the actor reviewed it: someone else approves or rejects
    OWN_SIGNOFF = "own_signoff"      # the actor reviewed or approved it: someone else records payment
    FINANCE_ONLY = "finance_only"    # here payment is recorded by finance only


@dataclass(frozen=True)
class Rules:
    """The sign-off rules in force in one jurisdiction."""
    separation: bool = True
    staff_may_pay: bool = False


DEFAULT_RULES = Rules()


@dataclass(frozen=True)
class Actor:
    user_id: int
    is_center_staff: bool = False
    is_finance: bool = False
    is_superuser: bool = False


@dataclass(frozen=True)
class Signed:
    """What an entitlement records of its sign-off so far."""
    status: str
    reviewed_by: int | None = None
    approved_by: int | None = None


def inherited(values_nearest_first: Iterable[bool | None], default: bool) -> bool:
    """The first value set, walking from the jurisdiction up to the root; else the default."""
    for value in values_nearest_first:
        if value is not None:
            return value
    return default


def may_take(step: Step, actor: Actor) -> bool:
    """May the actor's role take this step at all (before looking at any entitlement)?
    Staff may try to record payment: whether they may depends on each entitlement's
    jurisdiction (`refusal`)."""
    if actor.is_superuser:
        return True
    if step is Step.PAY:
        return actor.is_finance or actor.is_center_staff
    return actor.is_center_staff


def staff_may_pay(rules: Rules) -> bool:
    return not rules.separation or rules.staff_may_pay


def refusal(step: Step, actor: Actor, row: Signed, rules: Rules) -> Refusal | None:
    """Why the actor may not take `step` on this entitlement, or None if they may.
    The actor's role has passed `may_take`."""
    if row.status not in SOURCES[step]:
        return Refusal.WRONG_STATUS
    if step is Step.PAY and not (actor.is_finance or actor.is_superuser) and not staff_may_pay(rules):
        return Refusal.FINANCE_ONLY
    if not rules.separation:
        return None
    if step is Step.APPROVE and row.reviewed_by == actor.user_id:
        return Refusal.OWN_REVIEW
    if step is Step.REJECT and row.status == REVIEWED and row.reviewed_by == actor.user_id:
        return Refusal.OWN_REVIEW
    if step is Step.PAY and actor.user_id in (row.reviewed_by, row.approved_by):
        return Refusal.OWN_SIGNOFF
    return None
