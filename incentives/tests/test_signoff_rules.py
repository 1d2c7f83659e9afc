"""The sign-off rules on their own (incentives/domain/signoff.py): no database.

People: Wang (1) and Chen (2) are SME-center clerks, Zhou (3) records payments for finance,
Zhao (4) is a leader; Root (5) is a superuser."""
import pytest

from incentives.domain.signoff import (
    APPROVED,
    PAID,
    PENDING,
    REJECTED,
    REVIEWED,
    Actor,
    Refusal,
    Rules,
    Signed,
    Step,
    inherited,
    may_take,
    refusal,
)
from incentives.models import EntitlementStatus

WANG, CHEN = Actor(1, is_center_staff=True), Actor(2, is_center_staff=True)
ZHOU = Actor(3, is_finance=True)
ZHAO = Actor(4)
ROOT = Actor(5, is_superuser=True)
SEPARATED, SEPARATED_STAFF_PAY, ONE_CLERK = Rules(), Rules(staff_may_pay=True), Rules(separation=False)

pending = Signed(PENDING)
reviewed_by_wang = Signed(REVIEWED, reviewed_by=1)
approved_by_chen = Signed(APPROVED, reviewed_by=1, approved_by=2)


def test_the_statuses_are_the_ledgers():
    assert {PENDING, REVIEWED, APPROVED, PAID, REJECTED} <= set(EntitlementStatus.values)


def test_separation_is_on_and_payment_is_for_finance_unless_set_otherwise():
    assert Rules() == Rules(separation=True, staff_may_pay=False)


def test_a_setting_is_the_nearest_one_set_else_the_default():
    assert inherited([None, None], default=True) is True
    assert inherited([None, False, True], default=True) is False  # the county's parent turned it off
    assert inherited([True, False], default=True) is True  # the county turns it on again below
    assert inherited([], default=False) is False


@pytest.mark.parametrize("step", list(Step))
def test_clerks_take_every_step_but_payment_is_decided_per_jurisdiction(step):
    assert may_take(step, WANG) and may_take(step, ROOT)
    assert not may_take(step, ZHAO)
    assert may_take(step, ZHOU) == (step is Step.PAY)


def test_the_reviewer_does_not_approve_what_they_reviewed():
    assert refusal(Step.APPROVE, WANG, reviewed_by_wang, SEPARATED) is Refusal.OWN_REVIEW
    assert refusal(Step.APPROVE, CHEN, reviewed_by_wang, SEPARATED) is None


def test_nor_do_superusers():
    own = Signed(REVIEWED, reviewed_by=5)
    assert refusal(Step.APPROVE, ROOT, own, SEPARATED) is Refusal.OWN_REVIEW
    assert refusal(Step.PAY, ROOT, Signed(APPROVED, reviewed_by=1, approved_by=5), SEPARATED) is Refusal.OWN_SIGNOFF
    assert refusal(Step.PAY, ROOT, approved_by_chen, SEPARATED) is None


def test_the_reviewer_rejects_a_pending_row_but_not_one_they_reviewed():
    assert refusal(Step.REJECT, WANG, pending, SEPARATED) is None
    assert refusal(Step.REJECT, WANG, reviewed_by_wang, SEPARATED) is Refusal.OWN_REVIEW
    assert refusal(Step.REJECT, CHEN, reviewed_by_wang, SEPARATED) is None


def test_finance_records_payment_and_staff_do_not_where_duties_are_separated():
    assert refusal(Step.PAY, ZHOU, approved_by_chen, SEPARATED) is None
    for clerk in (WANG, CHEN, Actor(6, is_center_staff=True)):
        assert refusal(Step.PAY, clerk, approved_by_chen, SEPARATED) is Refusal.FINANCE_ONLY


def test_where_staff_may_record_payment_only_one_who_did_not_sign_may():
    third = Actor(6, is_center_staff=True)
    assert refusal(Step.PAY, third, approved_by_chen, SEPARATED_STAFF_PAY) is None
    assert refusal(Step.PAY, WANG, approved_by_chen, SEPARATED_STAFF_PAY) is Refusal.OWN_SIGNOFF
    assert refusal(Step.PAY, CHEN, approved_by_chen, SEPARATED_STAFF_PAY) is Refusal.OWN_SIGNOFF


def test_with_separation_off_one_clerk_takes_every_step():
    assert refusal(Step.REVIEW, WANG, pending, ONE_CLERK) is None
    assert refusal(Step.APPROVE, WANG, reviewed_by_wang, ONE_CLERK) is None
    assert refusal(Step.REJECT, WANG, reviewed_by_wang, ONE_CLERK) is None
    assert refusal(Step.PAY, WANG, Signed(APPROVED, reviewed_by=1, approved_by=1), ONE_CLERK) is None
    assert refusal(Step.PAY, ZHOU, approved_by_chen, ONE_CLERK) is None  # finance still may


@pytest.mark.parametrize("step,status", [
    (Step.REVIEW, REVIEWED), (Step.REVIEW, APPROVED), (Step.APPROVE, PENDING), (Step.APPROVE, APPROVED),
    (Step.REJECT, APPROVED), (Step.REJECT, PAID), (Step.PAY, REVIEWED), (Step.PAY, PAID), (Step.PAY, REJECTED),
])
def test_each_step_starts_only_from_its_own_states(step, status):
    assert refusal(step, ROOT, Signed(status), ONE_CLERK) is Refusal.WRONG_STATUS
