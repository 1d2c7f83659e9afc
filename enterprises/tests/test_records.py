"""An enterprise's records (recognitions, listing milestones, refinancing, annual
attestations, contacts) written through enterprises/records.py: who may, what is
refused and how it is explained, what history keeps, and the stamp that tells the
ledger a fact changed."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError

from conftest import VISIBLE, WRITERS
from enterprises import records, selectors, services
from enterprises.models import AnnualAttestation, Contact, Enterprise, Recognition, Refinancing

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)
RECOGNITION = {"kind": "tech_sme", "certificate_no": "202414030000123", "valid_from": date(2024, 6, 1),
               "valid_to": date(2026, 12, 31), "is_first": True}
LISTING = {"board": "neeq", "stage": "listed", "reached_on": date(2025, 3, 18)}
REFINANCING = {"raised_on": date(2025, 8, 8), "amount": Decimal("5000000.00"), "venue": "zyeq",
               "local_investment_share": Decimal("0.8500")}
ATTESTATION = {"year": 2025, "q1_full_capacity": True, "development_sound": None, "platform_grade": 2, "note": ""}
CONTACT = {"name": "赵会计", "title": "财务主管", "phone": "0353-6012345", "email": "", "is_primary": True}
VALUES = {"recognition": RECOGNITION, "listing": LISTING, "refinancing": REFINANCING, "attestation": ATTESTATION,
          "contact": CONTACT}


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: TODAY)


def create(user, enterprise, record_kind, /, **changes):
    return records.record_create(user=user, enterprise=enterprise, kind=record_kind,
                                 values={**VALUES[record_kind], **changes})


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# -- who may write -----------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(VALUES))
@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_only_those_who_may_change_the_enterprise_record_its_facts(all_personas, enterprises, persona, kind):
    user = all_personas[persona]
    for key, enterprise in enterprises.items():
        if persona in WRITERS and key in VISIBLE[persona]:
            record = create(user, enterprise, kind)
            assert record.enterprise == enterprise and record.history.get().history_user == user
        else:
            with pytest.raises(PermissionDenied):
                create(user, enterprise, kind)
    model = records.KINDS[kind].model
    created = {e for e in model.objects.values_list("enterprise_id", flat=True)}
    assert created == {enterprises[k].pk for k in VISIBLE[persona] if persona in WRITERS}


def test_a_leader_can_neither_correct_nor_delete_a_record(yuxian_clerk, yangquan_leader, enterprise_user, enterprises):
    recognition = create(yuxian_clerk, enterprises["yu_gxj"], "recognition")
    for reader in (yangquan_leader, enterprise_user):
        with pytest.raises(PermissionDenied):
            records.record_update(user=reader, record=recognition, values={"certificate_no": "X"})
        with pytest.raises(PermissionDenied):
            records.record_delete(user=reader, record=recognition)
    recognition.refresh_from_db()
    assert recognition.certificate_no == RECOGNITION["certificate_no"]


def test_a_clerk_of_another_county_cannot_touch_a_record(yuxian_clerk, xiaoyi_clerk, enterprises):
    refinancing = create(yuxian_clerk, enterprises["yu_gxj"], "refinancing")
    with pytest.raises(PermissionDenied):
        records.record_update(user=xiaoyi_clerk, record=refinancing, values={"amount": Decimal("1")})
    with pytest.raises(PermissionDenied):
        records.record_delete(user=xiaoyi_clerk, record=refinancing)
    assert Refinancing.objects.get().amount == REFINANCING["amount"]


# -- validation, in words that name the field --------------------------------------------

def test_a_validity_that_ends_before_it_starts_is_refused_naming_both_dates(yuxian_clerk, enterprises):
    with pytest.raises(ValidationError) as excinfo:
        create(yuxian_clerk, enterprises["yu_gxj"], "recognition", valid_to=date(2024, 5, 31))
    assert errors_of(excinfo) == {"valid_to": ["有效期止（2024-05-31）不能早于有效期起（2024-06-01）"]}
    assert not Recognition.objects.exists()


def test_the_same_recognition_from_the_same_day_is_not_recorded_twice(yuxian_clerk, enterprises):
    create(yuxian_clerk, enterprises["yu_gxj"], "recognition")
    with pytest.raises(ValidationError) as excinfo:
        create(yuxian_clerk, enterprises["yu_gxj"], "recognition", certificate_no="另一张")
    assert errors_of(excinfo)["valid_from"] == ["本企业已有自2024-06-01起的“科技型中小企业”认定记录，请修改该记录，不要重复登记"]
    # Another kind from the same day, or the same kind renewed later, are new recognitions.
    create(yuxian_clerk, enterprises["yu_gxj"], "recognition", kind="provincial_srdi")
    create(yuxian_clerk, enterprises["yu_gxj"], "recognition", valid_from=date(2027, 1, 1), valid_to=None,
           is_first=False)
    assert Recognition.objects.count() == 3


def test_a_negative_or_zero_refinancing_is_refused(yuxian_clerk, enterprises):
    for amount, shown in ((Decimal("-500000"), "-50.00"), (Decimal("0"), "0.00")):
        with pytest.raises(ValidationError) as excinfo:
            create(yuxian_clerk, enterprises["yu_gxj"], "refinancing", amount=amount)
        assert errors_of(excinfo)["amount"] == [f"融资额须大于0，实际为{shown}万元"]
    assert not Refinancing.objects.exists()


def test_a_local_share_over_100_percent_is_refused_in_percent(yuxian_clerk, enterprises):
    with pytest.raises(ValidationError) as excinfo:
        create(yuxian_clerk, enterprises["yu_gxj"], "refinancing", local_investment_share=Decimal("1.2"))
    assert errors_of(excinfo)["local_investment_share"] == ["投资于本市比例应在0%至100%之间，实际为120%"]
    # Unknown is allowed: the engine reports it as "unknown", never as "not eligible".
    assert create(yuxian_clerk, enterprises["yu_gxj"], "refinancing", local_investment_share=None).pk


def test_the_same_refinancing_is_not_recorded_twice(yuxian_clerk, enterprises):
    create(yuxian_clerk, enterprises["yu_gxj"], "refinancing")
    with pytest.raises(ValidationError) as excinfo:
        create(yuxian_clerk, enterprises["yu_gxj"], "refinancing")
    assert errors_of(excinfo)["raised_on"] == ["本企业已登记2025-08-08在中原股权交易中心融资500.00万元的记录，请勿重复登记"]


def test_a_listing_milestone_is_reached_once_and_not_in_the_future(yuxian_clerk, enterprises):
    with pytest.raises(ValidationError) as excinfo:
        create(yuxian_clerk, enterprises["yu_gxj"], "listing", reached_on=date(2026, 12, 1))
    assert errors_of(excinfo)["reached_on"] == ["日期（2026-12-01）不能晚于今天（2026-11-23）：只登记已达到的节点"]
    create(yuxian_clerk, enterprises["yu_gxj"], "listing")
    with pytest.raises(ValidationError) as excinfo:
        create(yuxian_clerk, enterprises["yu_gxj"], "listing", reached_on=date(2025, 4, 1))
    assert errors_of(excinfo)["stage"] == ["本企业已登记新三板“上市（挂牌）”节点（2025-03-18），请修改该记录，不要重复登记"]


def test_one_attestation_per_year_with_at_least_one_finding(yuxian_clerk, enterprises):
    create(yuxian_clerk, enterprises["yu_gxj"], "attestation")
    with pytest.raises(ValidationError) as excinfo:
        create(yuxian_clerk, enterprises["yu_gxj"], "attestation", platform_grade=1)
    assert errors_of(excinfo)["year"] == ["本企业已有2025年度的认定事项记录，请修改该记录，不要重复登记"]
    with pytest.raises(ValidationError) as excinfo:
        create(yuxian_clerk, enterprises["yu_gxj"], "attestation", year=2024, q1_full_capacity=None,
               platform_grade=None)
    assert errors_of(excinfo)[NON_FIELD_ERRORS] == ["一季度连续满负荷生产、发展良性、示范平台年度考核等次至少填写一项"]


def test_a_contact_needs_a_way_to_reach_them(yuxian_clerk, enterprises):
    with pytest.raises(ValidationError) as excinfo:
        create(yuxian_clerk, enterprises["yu_gxj"], "contact", phone="", email="")
    assert errors_of(excinfo)["phone"] == ["电话和电子邮箱至少填写一项"]
    with pytest.raises(ValidationError) as excinfo:
        create(yuxian_clerk, enterprises["yu_gxj"], "contact", phone="call me")
    assert "电话只能包含数字" in errors_of(excinfo)["phone"][0]


def test_a_new_primary_contact_takes_over_with_history(yuxian_clerk, enterprises):
    first = create(yuxian_clerk, enterprises["yu_gxj"], "contact")
    second = create(yuxian_clerk, enterprises["yu_gxj"], "contact", name="钱经理", phone="13800000000")
    first.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)
    latest = first.history.order_by("-history_date").first()
    assert (latest.is_primary, latest.history_user) == (False, yuxian_clerk)


# -- history and the re-evaluation stamp -----------------------------------------------------

def test_a_correction_keeps_the_old_value_and_who_changed_it(yuxian_clerk, yuxian_department_user, enterprises):
    refinancing = create(yuxian_clerk, enterprises["yu_gxj"], "refinancing")
    change = records.record_update(user=yuxian_department_user, record=refinancing,
                                   values={"amount": Decimal("6000000.00")})
    assert change.changed and change.record.amount == Decimal("6000000.00")
    versions = list(refinancing.history.order_by("history_date").values_list("amount", "history_user"))
    assert versions == [(Decimal("5000000.00"), yuxian_clerk.pk), (Decimal("6000000.00"), yuxian_department_user.pk)]


def test_saving_what_is_stored_writes_nothing(yuxian_clerk, enterprises):
    recognition = create(yuxian_clerk, enterprises["yu_gxj"], "recognition")
    stamp = Enterprise.objects.get(pk=enterprises["yu_gxj"].pk).facts_changed_at
    change = records.record_update(user=yuxian_clerk, record=recognition, values=dict(RECOGNITION))
    assert not change.changed and recognition.history.count() == 1
    assert Enterprise.objects.get(pk=enterprises["yu_gxj"].pk).facts_changed_at == stamp


def test_a_deletion_is_kept_in_history_with_who_deleted(yuxian_clerk, enterprises):
    listing = create(yuxian_clerk, enterprises["yu_gxj"], "listing")
    pk = listing.pk
    records.record_delete(user=yuxian_clerk, record=listing)
    deleted = records.KINDS["listing"].model.history.get(id=pk, history_type="-")
    assert (deleted.history_user, deleted.board, deleted.stage) == (yuxian_clerk, "neeq", "listed")


@pytest.mark.parametrize("kind", ["recognition", "listing", "refinancing", "attestation"])
def test_every_change_to_a_fact_stamps_the_enterprise_for_the_next_batch(yuxian_clerk, enterprises, kind):
    enterprise = enterprises["yu_gxj"]
    assert enterprise.facts_changed_at is None and not enterprise.facts_pending
    record = create(yuxian_clerk, enterprise, kind)
    enterprise.refresh_from_db()
    created = enterprise.facts_changed_at
    assert created is not None and enterprise.facts_pending
    records.record_delete(user=yuxian_clerk, record=record)
    enterprise.refresh_from_db()
    assert enterprise.facts_changed_at > created
    # The stamp is bookkeeping, not a change of the enterprise worth a history row.
    assert enterprise.history.count() == 1


def test_a_contact_is_no_fact_behind_an_award(yuxian_clerk, enterprises):
    create(yuxian_clerk, enterprises["yu_gxj"], "contact")
    enterprises["yu_gxj"].refresh_from_db()
    assert enterprises["yu_gxj"].facts_changed_at is None


def test_a_scale_event_stamps_the_enterprise_too(yuxian_clerk, enterprises):
    services.scale_event_record(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], kind="first_entry",
                                on=date(2025, 12, 1))
    enterprises["yu_gxj"].refresh_from_db()
    assert enterprises["yu_gxj"].facts_pending


def test_an_attestation_keeps_not_assessed_apart_from_no(yuxian_clerk, enterprises):
    attestation = create(yuxian_clerk, enterprises["yu_gxj"], "attestation", development_sound=False)
    stored = AnnualAttestation.objects.get(pk=attestation.pk)
    assert (stored.q1_full_capacity, stored.development_sound, stored.platform_grade) == (True, False, 2)
    assert Contact.objects.count() == 0


def test_a_recognition_corrected_in_the_admin_also_awaits_the_next_batch(client, admin_user, yuxian_clerk,
                                                                        enterprises):
    recognition = create(yuxian_clerk, enterprises["yu_gxj"], "recognition")
    Enterprise.objects.filter(pk=enterprises["yu_gxj"].pk).update(facts_changed_at=None)
    client.force_login(admin_user)
    response = client.post(f"/admin/enterprises/recognition/{recognition.pk}/change/", {
        "enterprise": enterprises["yu_gxj"].pk, "kind": "tech_sme", "certificate_no": "改号",
        "valid_from": "2024-06-01", "valid_to": "2026-12-31", "is_first": "on"})
    assert response.status_code == 302
    recognition.refresh_from_db()
    assert recognition.certificate_no == "改号"
    assert Enterprise.objects.get(pk=enterprises["yu_gxj"].pk).facts_pending
