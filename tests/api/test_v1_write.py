"""The v1 write endpoints (issue 13 item 2): monthly figures in bulk (idempotent by enterprise-month,
all or nothing with per-row errors, the pages' deadline rules), assistance and status moves on
warnings, and the entitlement sign-off steps. Per endpoint and role: own subtree, an enterprise
itself only, a read-scoped token 403, a write-scoped token allowed where the role writes; a foreign
id is answered like a missing one; the bulk submission's queries do not grow per unchanged row."""
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from enterprises import selectors
from enterprises.models import FigureCorrectionRequest, MonthlyFigure
from enterprises.services import FIGURE_BULK_MAX_ROWS
from incentives.models import Entitlement
from monitoring.models import Assistance, EarlyWarning
from policies.models import IncentiveRule

from .conftest import NONEXISTENT_ID, token_client

BULK = reverse("monthly-figure-bulk")
TODAY = date(2025, 7, 20)  # June 2025 ended; its deadline (10 July) has passed


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: TODAY)


@pytest.fixture
def as_persona(all_personas):
    """Staff and enterprise accounts on their session; the API client on a write-scoped token."""
    def client(name, scope="write"):
        user = all_personas[name]
        if name == "api_client":
            return token_client(user, scope=scope)
        c = APIClient()
        c.force_authenticate(user)
        return c
    return client


@pytest.fixture
def june_open(monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: date(2025, 7, 5))


def row(enterprise, year=2025, month=5, **values):
    return {"credit_code": enterprise.credit_code, "year": year, "month": month, **values}


def fields(response) -> set:
    """The refused fields of an error answer (the API's one error format)."""
    return {e["field"] for e in response.json()["errors"]}


def history_count():
    return MonthlyFigure.history.count()


# -- monthly figures, bulk --------------------------------------------------------------------

@pytest.mark.parametrize("persona, expected", [
    ("yuxian_clerk", 200), ("yuxian_department_user", 200), ("enterprise_user", 200), ("api_client", 200),
    ("yangquan_leader", 403), ("yuxian_finance", 403),
])
def test_bulk_roles(as_persona, enterprises, persona, expected, june_open):
    response = as_persona(persona).post(BULK, [row(enterprises["yu_gxj"], month=6, revenue="100.00")],
                                        format="json")
    assert response.status_code == expected, response.content
    assert MonthlyFigure.objects.filter(enterprise=enterprises["yu_gxj"]).exists() == (expected == 200)
    if expected == 200:
        assert response.json()["rows"][0]["status"] == "created"


def test_bulk_read_token_is_403(as_persona, enterprises):
    response = as_persona("api_client", scope="read").post(BULK, [row(enterprises["yu_gxj"], revenue="1")],
                                                           format="json")
    assert response.status_code == 403
    assert not MonthlyFigure.objects.exists()


@pytest.mark.parametrize("persona, foreign", [
    ("yuxian_clerk", "xiaoyi"), ("api_client", "xiaoyi"), ("enterprise_user", "yu_other"),
    ("yuxian_department_user", "yu_other"), ("xiaoyi_clerk", "yu_gxj"),
])
def test_bulk_foreign_enterprise_is_like_missing(as_persona, enterprises, persona, foreign, june_open):
    client = as_persona(persona)
    by_code = client.post(BULK, [row(enterprises[foreign], month=6, revenue="1")], format="json")
    missing = client.post(BULK, [{"credit_code": "91140322MA0XXXXXX1", "year": 2025, "month": 6, "revenue": "1"}],
                          format="json")
    by_id = client.post(BULK, [{"enterprise": enterprises[foreign].pk, "year": 2025, "month": 6, "revenue": "1"}],
                        format="json")
    missing_id = client.post(BULK, [{"enterprise": NONEXISTENT_ID, "year": 2025, "month": 6, "revenue": "1"}],
                             format="json")
    assert by_code.status_code == missing.status_code == 400
    assert by_code.json() == missing.json()
    assert by_id.json() == missing_id.json()
    assert by_code.json()["errors"][0]["code"] == "not_found"
    assert not MonthlyFigure.objects.exists()


def test_bulk_is_idempotent(as_persona, enterprises):
    client = as_persona("api_client")
    rows = [row(enterprises["yu_gxj"], month=m, revenue="630000.00", employees=40) for m in (1, 2, 3)]
    rows.append(row(enterprises["yu_other"], month=3, output_value="12.5"))
    first = client.post(BULK, rows, format="json")
    assert first.status_code == 200, first.content
    assert (first.json()["created"], first.json()["unchanged"]) == (4, 0)
    stored, history = list(MonthlyFigure.objects.values()), history_count()

    second = client.post(BULK, rows, format="json")
    assert second.status_code == 200
    assert (second.json()["created"], second.json()["updated"], second.json()["unchanged"]) == (0, 0, 4)
    assert {r["status"] for r in second.json()["rows"]} == {"unchanged"}
    assert list(MonthlyFigure.objects.values()) == stored
    assert history_count() == history
    # 630000 and 630000.0 are the same figure
    third = client.post(BULK, [row(enterprises["yu_gxj"], month=1, revenue="630000")], format="json")
    assert third.json()["unchanged"] == 1 and history_count() == history


def test_bulk_blank_keeps_the_stored_value(as_persona, enterprises):
    client = as_persona("yuxian_clerk")
    ent = enterprises["yu_gxj"]
    client.post(BULK, [row(ent, revenue="100.00", tax="5.00")], format="json")
    response = client.post(BULK, [row(ent, revenue=None, output_value="80.00")], format="json")
    assert response.json()["rows"][0]["status"] == "updated"
    figure = MonthlyFigure.objects.get(enterprise=ent, year=2025, month=5)
    assert (figure.revenue, figure.tax, figure.output_value) == (Decimal("100.00"), Decimal("5.00"), Decimal("80.00"))
    assert figure.source == "api"


def test_bulk_is_all_or_nothing_with_per_row_errors(as_persona, enterprises):
    client = as_persona("api_client")
    ent = enterprises["yu_gxj"]
    response = client.post(BULK, [
        row(ent, month=1, revenue="1"),
        row(ent, month=2, revenue="-5"),             # refused by the row's type rules
        row(ent, month=3, revenue="1"),
    ], format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(1, "revenue")]
    assert errors[0]["message"] and errors[0]["code"]
    assert not MonthlyFigure.objects.exists()

    # A refusal found while writing (a month with nothing in it) undoes the rows already written.
    history = history_count()
    response = client.post(BULK, [row(ent, month=1, revenue="1"), row(ent, month=2),
                                  row(ent, month=8), row(ent, month=1, tax="2")], format="json")
    assert response.status_code == 400
    codes = {(e["row"], e["field"], e["code"]) for e in response.json()["errors"]}
    assert codes == {(1, None, "empty"), (2, "month", "month_not_ended"), (3, "month", "duplicate")}
    assert all(any("\u4e00" <= c <= "\u9fff" for c in e["message"]) for e in response.json()["errors"])  # Chinese
    assert not MonthlyFigure.objects.exists()
    assert history_count() == history


def test_bulk_refuses_too_many_rows_and_non_lists(as_persona, enterprises):
    client = as_persona("api_client")
    rows = [row(enterprises["yu_gxj"], revenue="1")] * (FIGURE_BULK_MAX_ROWS + 1)
    response = client.post(BULK, rows, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "too_many_rows"
    response = client.post(BULK, {"year": 2025}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "not_a_list"


def test_bulk_deadline_for_an_enterprise_account(as_persona, enterprises, yuxian_clerk):
    ent = enterprises["yu_gxj"]
    staff = as_persona("yuxian_clerk")
    staff.post(BULK, [row(ent, month=6, revenue="100.00")], format="json")
    client = as_persona("enterprise_user")

    no_reason = client.post(BULK, [row(ent, month=6, revenue="120.00")], format="json")
    assert no_reason.status_code == 400
    assert [(e["row"], e["field"]) for e in no_reason.json()["errors"]] == [(0, "reason")]

    sent = [row(ent, month=6, revenue="120.00", reason="漏报了一笔收入")]
    first = client.post(BULK, sent, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["rows"][0]["status"] == "correction_requested"
    assert first.json()["corrections"] == 1
    assert MonthlyFigure.objects.get(enterprise=ent, month=6).revenue == Decimal("100.00")  # not written
    assert FigureCorrectionRequest.objects.filter(enterprise=ent, status="pending").count() == 1

    again = client.post(BULK, sent, format="json")
    assert again.status_code == 200
    assert again.json()["rows"][0]["status"] == "correction_pending"
    assert FigureCorrectionRequest.objects.filter(enterprise=ent).count() == 1

    # Staff correct a closed month directly (the history keeps the old value).
    direct = staff.post(BULK, [row(ent, month=6, revenue="110.00")], format="json")
    assert direct.json()["rows"][0]["status"] == "updated"
    assert MonthlyFigure.objects.get(enterprise=ent, month=6).revenue == Decimal("110.00")


def test_bulk_enterprise_writes_an_open_month_directly(as_persona, enterprises, june_open):
    response = as_persona("enterprise_user").post(BULK, [row(enterprises["yu_gxj"], month=6, revenue="9.00")],
                                                  format="json")
    assert response.json()["rows"][0]["status"] == "created"
    assert MonthlyFigure.objects.get(enterprise=enterprises["yu_gxj"], month=6).source == "enterprise"


def test_bulk_enterprise_confirms_a_revenue_jump_and_staff_are_told(as_persona, enterprises, june_open):
    gxj = enterprises["yu_gxj"]
    MonthlyFigure.objects.create(enterprise=gxj, year=2025, month=5, revenue=Decimal("1000000"),
                                 reported_at=timezone.now(), source="enterprise")
    client = as_persona("enterprise_user")
    rows = [row(gxj, month=6, revenue="11000000.00")]  # ×11 against May
    refused = client.post(BULK, rows, format="json")
    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert (error["row"], error["field"], error["code"]) == (0, "revenue", "revenue_jump")
    assert "2025年5月" in error["message"] and "confirm_jump" in error["message"]
    assert not MonthlyFigure.objects.filter(enterprise=gxj, month=6).exists()

    rows[0]["confirm_jump"] = True
    response = client.post(BULK, rows, format="json")
    assert response.status_code == 200, response.content
    assert [r["status"] for r in response.json()["rows"]] == ["created"]
    [warning] = EarlyWarning.objects.filter(enterprise=gxj, kind="integrity_jump")
    assert (warning.year, warning.month, warning.status) == (2025, 6, "open")
    assert Decimal(warning.evidence["previous_month_revenue"]) == Decimal("1000000")
    # Re-sending the confirmed month changes nothing and raises nothing new.
    assert client.post(BULK, rows, format="json").json()["unchanged"] == 1
    assert EarlyWarning.objects.filter(enterprise=gxj, kind="integrity_jump").count() == 1


def test_jumps_compare_months_sent_together_month_by_month(enterprises):
    from monitoring.services import revenue_jumps

    gxj = enterprises["yu_gxj"]
    MonthlyFigure.objects.create(enterprise=gxj, year=2025, month=3, revenue=Decimal("1000000"),
                                 reported_at=timezone.now(), source="enterprise")
    months = [("apr", 2025, 4, Decimal("1100000")), ("may", 2025, 5, Decimal("9000000")),
              ("jun", 2025, 6, Decimal("9500000")), ("jul", 2025, 7, Decimal("1"))]
    jumps = revenue_jumps(gxj, months, date(2025, 7, 20))  # July has not ended: never a jump yet
    assert set(jumps) == {"may"}
    assert (jumps["may"]["previous"].month, jumps["may"]["previous"].revenue) == (4, Decimal("1100000"))


def test_bulk_staff_and_integrators_send_their_books_without_confirming(as_persona, enterprises, june_open):
    gxj = enterprises["yu_gxj"]
    MonthlyFigure.objects.create(enterprise=gxj, year=2025, month=5, revenue=Decimal("1000000"),
                                 reported_at=timezone.now(), source="manual")
    for persona, month, value in (("yuxian_clerk", 6, "20000000.00"), ("api_client", 6, "30000000.00")):
        response = as_persona(persona).post(BULK, [row(gxj, month=month, revenue=value)], format="json")
        assert response.status_code == 200, response.content
    assert not EarlyWarning.objects.filter(enterprise=gxj, kind="integrity_jump").exists()


def _months(n):
    periods = [(y, m) for y in range(2016, 2025) for m in range(1, 13)]
    return periods[:n]


PER_CHANGED_ROW = 25


def _queries(client, rows):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(BULK, rows, format="json")
    assert response.status_code == 200, response.content
    return len(queries)


def test_bulk_queries_are_bounded(as_persona, enterprises):
    client = as_persona("api_client")
    few = [row(enterprises["yu_gxj"], y, m, revenue="1") for y, m in _months(10)]
    many = [row(enterprises["yu_other"], y, m, revenue="1") for y, m in _months(100)]
    created_few, created_many = _queries(client, few), _queries(client, many)
    # A row that changes something goes through the one-row service, the pages' writer: a fixed number
    # of queries each (lock, scope check, model validation, save, history), never more per row.
    assert (created_many - created_few) <= 90 * PER_CHANGED_ROW
    # Re-sending is read once for the whole submission, however many rows.
    assert _queries(client, few) == _queries(client, many)


# -- warnings: assistance and status ----------------------------------------------------------

@pytest.fixture
def warnings(enterprises):
    return {key: EarlyWarning.objects.create(enterprise=e, kind="exit_risk", year=2025, month=6, severity="high",
                                             rule="probe", evidence={}, opened_at=timezone.now())
            for key, e in enterprises.items()}


def assistance_url(pk):
    return reverse("api-warning-assistance-create", args=[pk])


def status_url(pk):
    return reverse("api-warning-status-move", args=[pk])


ASSISTANCE = {"assisted_on": "2025-07-15", "problems": "订单下降", "actions": "走访", "next_step": "跟踪"}


@pytest.mark.parametrize("persona, expected", [
    ("yuxian_clerk", 201), ("yuxian_department_user", 201), ("api_client", 403), ("yangquan_leader", 403),
    ("yuxian_finance", 403), ("enterprise_user", 403),
])
def test_assistance_roles(as_persona, warnings, persona, expected):
    response = as_persona(persona).post(assistance_url(warnings["yu_gxj"].pk), ASSISTANCE, format="json")
    assert response.status_code == expected, response.content
    warnings["yu_gxj"].refresh_from_db()
    if expected == 201:
        assert response.json()["problems"] == "订单下降"
        assert warnings["yu_gxj"].status == "in_progress"
    else:
        assert not Assistance.objects.exists() and warnings["yu_gxj"].status == "open"


@pytest.mark.parametrize("persona, foreign", [("yuxian_clerk", "xiaoyi"), ("xiaoyi_clerk", "yu_gxj"),
                                              ("yuxian_department_user", "yu_other")])
def test_warning_writes_foreign_is_like_missing(as_persona, warnings, persona, foreign):
    client = as_persona(persona)
    for url in (assistance_url, status_url):
        body = ASSISTANCE if url is assistance_url else {"status": "in_progress"}
        missing = client.post(url(NONEXISTENT_ID), body, format="json")
        other = client.post(url(warnings[foreign].pk), body, format="json")
        assert missing.status_code == 404
        assert (other.status_code, other.json()) == (missing.status_code, missing.json())
    assert not Assistance.objects.exists()
    assert set(EarlyWarning.objects.values_list("status", flat=True)) == {"open"}


def test_assistance_refuses_a_bad_body(as_persona, warnings):
    response = as_persona("yuxian_clerk").post(assistance_url(warnings["yu_gxj"].pk), {"problems": "x"},
                                               format="json")
    assert response.status_code == 400
    assert {"assisted_on", "actions"} <= fields(response)


def test_status_moves_as_on_the_page(as_persona, warnings, all_personas):
    client = as_persona("yuxian_clerk")
    pk = warnings["yu_gxj"].pk
    no_outcome = client.post(status_url(pk), {"status": "closed"}, format="json")
    assert no_outcome.status_code == 400 and "status" in fields(no_outcome)

    foreign_assignee = client.post(status_url(pk), {"status": "assigned", "assignee": all_personas["xiaoyi_clerk"].pk},
                                   format="json")
    assert foreign_assignee.status_code == 400 and "assignee" in fields(foreign_assignee)

    assigned = client.post(status_url(pk), {"status": "assigned", "assignee": all_personas["yuxian_clerk"].pk},
                           format="json")
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["status"] == "assigned"

    closed = client.post(status_url(pk), {"status": "closed", "outcome": "企业已恢复生产"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["outcome"] == "企业已恢复生产"

    final = client.post(status_url(pk), {"status": "in_progress"}, format="json")
    assert final.status_code == 400
    warnings["yu_gxj"].refresh_from_db()
    assert warnings["yu_gxj"].status == "closed"


def test_status_read_token_and_leader_are_403(as_persona, warnings):
    pk = warnings["yu_gxj"].pk
    for client in (as_persona("api_client", scope="read"), as_persona("yangquan_leader")):
        assert client.post(status_url(pk), {"status": "in_progress"}, format="json").status_code == 403


# -- entitlements: pay, review, approve, reject -----------------------------------------------

@pytest.fixture
def ledger(enterprises, policies_loaded, yuxian_chief, yuxian_clerk):
    rule = IncentiveRule.objects.order_by("pk").first()

    def make(enterprise, status="approved"):
        signed = {"approved": {"reviewed_by": yuxian_chief, "approved_by": yuxian_clerk},
                  "reviewed": {"reviewed_by": yuxian_chief}, "pending_review": {}}[status]
        return Entitlement.objects.create(enterprise=enterprise, rule=rule, year=2024, amount=Decimal("100000"),
                                          citation="probe", reason="probe", rule_version="probe",
                                          computed_at=timezone.now(), status=status, **signed)
    return make


def step_url(step, pk):
    return reverse(f"entitlement-{step}", args=[pk])


@pytest.mark.parametrize("persona, expected", [
    ("yuxian_finance", 200), ("yuxian_clerk", 400), ("api_client", 403), ("yangquan_leader", 403),
    ("enterprise_user", 403),
])
def test_pay_roles(as_persona, ledger, enterprises, persona, expected):
    entitlement = ledger(enterprises["yu_gxj"])
    response = as_persona(persona).post(step_url("pay", entitlement.pk), {"paid_on": "2025-07-18"}, format="json")
    assert response.status_code == expected, response.content
    entitlement.refresh_from_db()
    if expected == 200:
        assert response.json()["status"] == "paid" and response.json()["paid_on"] == "2025-07-18"
        assert entitlement.paid_by.username == "xiaozhou"
    else:
        assert entitlement.status == "approved"
    if persona == "yuxian_clerk":  # duties separated (the default): payment is finance's
        assert fields(response) == {"status"}


def test_pay_needs_a_date_and_an_approved_entitlement(as_persona, ledger, enterprises):
    client = as_persona("yuxian_finance")
    approved, pending = ledger(enterprises["yu_gxj"]), ledger(enterprises["yu_other"], status="pending_review")
    assert client.post(step_url("pay", approved.pk), {}, format="json").status_code == 400
    wrong = client.post(step_url("pay", pending.pk), {"paid_on": "2025-07-18"}, format="json")
    assert wrong.status_code == 400 and "status" in fields(wrong)
    assert set(Entitlement.objects.values_list("status", flat=True)) == {"approved", "pending_review"}


def test_pay_records_the_payment_reference(as_persona, ledger, enterprises):
    client = as_persona("yuxian_finance")
    entitlement = ledger(enterprises["yu_gxj"])
    too_long = client.post(step_url("pay", entitlement.pk), {"paid_on": "2025-07-18", "payment_reference": "9" * 61},
                           format="json")
    assert too_long.status_code == 400 and fields(too_long) == {"payment_reference"}
    response = client.post(step_url("pay", entitlement.pk),
                           {"paid_on": "2025-07-18", "payment_reference": "晋财拨〔2025〕18号"}, format="json")
    assert response.status_code == 200 and response.json()["payment_reference"] == "晋财拨〔2025〕18号"
    entitlement.refresh_from_db()
    assert (entitlement.status, entitlement.payment_reference) == ("paid", "晋财拨〔2025〕18号")
    assert entitlement.history.first().payment_reference == "晋财拨〔2025〕18号"


def test_pay_foreign_is_like_missing(as_persona, ledger, enterprises):
    foreign = ledger(enterprises["xiaoyi"])
    client = as_persona("yuxian_finance")
    missing = client.post(step_url("pay", NONEXISTENT_ID), {"paid_on": "2025-07-18"}, format="json")
    other = client.post(step_url("pay", foreign.pk), {"paid_on": "2025-07-18"}, format="json")
    assert missing.status_code == 404
    assert (other.status_code, other.json()) == (missing.status_code, missing.json())
    foreign.refresh_from_db()
    assert foreign.status == "approved"


def test_review_then_approve_by_someone_else(as_persona, ledger, enterprises, xiaoyi_clerk):
    entitlement = ledger(enterprises["yu_gxj"], status="pending_review")
    clerk = as_persona("yuxian_clerk")
    assert clerk.post(step_url("review", entitlement.pk), format="json").json()["status"] == "reviewed"
    own = clerk.post(step_url("approve", entitlement.pk), format="json")
    assert own.status_code == 400 and fields(own) == {"status"}  # the reviewer does not approve
    assert as_persona("xiaoyi_clerk").post(step_url("approve", entitlement.pk), format="json").status_code == 404
    rejected = as_persona("yuxian_department_user").post(step_url("reject", entitlement.pk), {"reason": "x"},
                                                         format="json")
    assert rejected.status_code == 403
    entitlement.refresh_from_db()
    assert entitlement.status == "reviewed"


def test_write_routes_answer_405_and_format_suffixes(as_persona, ledger, warnings, enterprises):
    """A GET on a POST-only route is a 405, and the router's `.json` suffix works on every write."""
    entitlement = ledger(enterprises["yu_gxj"])
    clerk = as_persona("yuxian_clerk")
    for step in ("pay", "review", "approve", "reject"):
        assert as_persona("yuxian_finance").get(step_url(step, entitlement.pk)).status_code == 405
    assert clerk.get(status_url(warnings["yu_gxj"].pk)).status_code == 405
    assert clerk.get(BULK).status_code == 405
    assert clerk.post(BULK.rstrip("/") + ".json", [], format="json").status_code == 200
    assert clerk.post(status_url(warnings["yu_gxj"].pk).rstrip("/") + ".json", {"status": "in_progress"},
                      format="json").status_code == 200
    assert as_persona("yuxian_finance").post(step_url("pay", entitlement.pk).rstrip("/") + ".json",
                                             {"paid_on": "2025-07-18"}, format="json").status_code == 200
