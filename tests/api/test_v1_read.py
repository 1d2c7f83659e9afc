"""The v1 read endpoints (issue 13 items 1 and 5): per endpoint and role the returned rows are
exactly the caller's scope, a foreign id answers like a missing one (same status, same body),
list query counts do not grow with the rows, and hostile filters are a 400, never a 500."""
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import VISIBLE
from enterprises.models import (
    AnnualAttestation,
    Contact,
    Department,
    Jurisdiction,
    ListingMilestone,
    MonthlyFigure,
    PoolMembership,
    Recognition,
    Refinancing,
    ScaleEvent,
)
from incentives.models import Entitlement, EntitlementBatch
from monitoring.models import CheckRun, EarlyWarning, Target
from policies.models import DocumentStatus, IncentiveRule, PolicyDocument, RuleAmendment
from reports.models import DispatchReport

from .conftest import NONEXISTENT_ID, enterprise_rows, jurisdiction_rows

PERSONAS = sorted(VISIBLE)

# Rows owned by one enterprise: endpoint basename → model.
ENTERPRISE_ROWS = {
    "api-scale-event": ScaleEvent, "api-recognition": Recognition, "api-listing-milestone": ListingMilestone,
    "api-refinancing": Refinancing, "api-attestation": AnnualAttestation, "api-contact": Contact,
    "api-warning": EarlyWarning,
}

YUXIAN = {"140322", "140322-xiushui", "140322-nanlou", "140322-kfq"}
JURISDICTIONS_VISIBLE = {
    "xiaoyi_clerk": {"141181"}, "yuxian_clerk": YUXIAN, "yuxian_finance": YUXIAN,
    "yuxian_department_user": YUXIAN, "yangquan_leader": YUXIAN | {"140300"}, "api_client": YUXIAN | {"140300"},
    "enterprise_user": {"140322-xiushui"},
}
# The world gives these jurisdictions a target, a check run, a batch and an issued report each.
WITH_ROWS = {"140300", "140322", "140322-xiushui", "141181", "141100", "410400"}
# Who reads what at all (the others get 403), as on the pages.
TARGET_READERS = {"xiaoyi_clerk", "yuxian_clerk", "yuxian_department_user", "yangquan_leader"}
REPORT_READERS = {"xiaoyi_clerk", "yuxian_clerk", "yangquan_leader"}
JOB_READERS = set(PERSONAS) - {"enterprise_user"}

# Jurisdiction-level rows: basename → (model, who reads).
JURISDICTION_ROWS = {
    "api-check-run": (CheckRun, JOB_READERS),
    "api-entitlement-batch": (EntitlementBatch, JOB_READERS),
    "api-dispatch-report-issued": (DispatchReport, REPORT_READERS),
    "api-target": (Target, TARGET_READERS),
}


def _ids(response) -> set:
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["next"] is None  # the whole scope fits on the first page here
    return {row["id"] for row in data["results"]}


def _assert_like_missing(client, basename, pk):
    missing = client.get(reverse(f"{basename}-detail", args=[NONEXISTENT_ID]))
    foreign = client.get(reverse(f"{basename}-detail", args=[pk]))
    assert missing.status_code == 404
    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json()), (basename, pk)


# -- scope -----------------------------------------------------------------------------

@pytest.mark.parametrize("basename", sorted(ENTERPRISE_ROWS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_enterprise_rows_are_exactly_the_callers(api, v1_world, persona, basename):
    client = api(persona)
    model = ENTERPRISE_ROWS[basename]
    own = {row.pk for row in model.objects.filter(enterprise__in=[v1_world[k].pk for k in VISIBLE[persona]])}
    assert own and _ids(client.get(reverse(f"{basename}-list"))) == own
    for row in model.objects.exclude(pk__in=own):
        _assert_like_missing(client, basename, row.pk)
    for pk in own:
        assert client.get(reverse(f"{basename}-detail", args=[pk])).json()["id"] == pk


@pytest.mark.parametrize("persona", PERSONAS)
def test_jurisdictions_are_the_callers_subtree_with_departments(api, v1_world, persona):
    client = api(persona)
    rows = client.get(reverse("api-jurisdiction-list")).json()["results"]
    assert {row["key"] for row in rows} == JURISDICTIONS_VISIBLE[persona]
    departments = {d["key"] for row in rows for d in row["departments"]}
    expected = set(Department.objects.filter(jurisdiction__key__in=JURISDICTIONS_VISIBLE[persona])
                   .values_list("key", flat=True))
    assert departments == expected
    for foreign in Jurisdiction.objects.exclude(key__in=JURISDICTIONS_VISIBLE[persona]):
        _assert_like_missing(client, "api-jurisdiction", foreign.pk)


def _unit_key(row) -> str:
    if isinstance(row, Target) and row.department_id:
        return row.department.key
    return row.jurisdiction.key


def _expected_units(basename, persona) -> set:
    keys = JURISDICTIONS_VISIBLE[persona] & WITH_ROWS
    if basename == "api-target":
        keys |= set(Department.objects.filter(jurisdiction__key__in=JURISDICTIONS_VISIBLE[persona],
                                              targets__isnull=False).values_list("key", flat=True))
    return keys


@pytest.mark.parametrize("basename", sorted(JURISDICTION_ROWS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_jurisdiction_rows_are_exactly_the_callers(api, v1_world, persona, basename):
    client = api(persona)
    model, readers = JURISDICTION_ROWS[basename]
    rows = list(model.objects.all())
    if persona not in readers:
        for url in (reverse(f"{basename}-list"), reverse(f"{basename}-detail", args=[rows[0].pk])):
            response = client.get(url)
            assert response.status_code == 403
            [error] = response.json()["errors"]
            assert error["code"] == "permission_denied" and error["message"] and error["field"] is None
        return
    expected = _expected_units(basename, persona)
    own = {row.pk for row in rows if _unit_key(row) in expected}
    assert own and _ids(client.get(reverse(f"{basename}-list"))) == own
    assert {_unit_key(row) for row in rows if row.pk in own} == expected
    for row in rows:
        if row.pk not in own:
            _assert_like_missing(client, basename, row.pk)


def test_an_enterprise_account_sees_its_warning_without_staff_names(api, v1_world, yuxian_clerk):
    rows = api("enterprise_user").get(reverse("api-warning-list")).json()["results"]
    assert [row["enterprise"] for row in rows] == [v1_world["yu_gxj"].pk]
    assert rows[0]["assignee"] is None
    assert [a["staff"] for a in rows[0]["assistance"]] == [None, None]
    assert [a["assisted_on"] for a in rows[0]["assistance"]] == ["2025-07-02", "2025-07-01"]
    staff_view = api("yuxian_clerk").get(reverse("api-warning-detail", args=[rows[0]["id"]])).json()
    assert staff_view["assignee"] and staff_view["assistance"][0]["staff"]


# -- policies: public texts ------------------------------------------------------------

@pytest.mark.parametrize("persona", PERSONAS)
def test_every_api_user_reads_every_policy_document_and_rule(api, v1_world, policies_loaded, persona):
    client = api(persona)
    documents = client.get(reverse("api-policy-document-list"), {"page_size": 500})
    ids, page = set(), documents.json()
    ids |= {row["id"] for row in page["results"]}
    while page["next"]:
        page = client.get(page["next"]).json()
        ids |= {row["id"] for row in page["results"]}
    assert ids == set(PolicyDocument.objects.values_list("pk", flat=True))
    rules = client.get(reverse("api-rule-list")).json()
    assert rules["count"] == IncentiveRule.objects.count()


def test_drafts_are_marked_and_have_no_rule_versions(api, policies_loaded):
    client = api("yuxian_clerk")
    draft = PolicyDocument.objects.filter(status=DocumentStatus.DRAFT).first()
    body = client.get(reverse("api-policy-document-detail", args=[draft.pk])).json()
    assert body["is_draft"] is True and body["clauses"]
    in_force = PolicyDocument.objects.filter(status=DocumentStatus.IN_FORCE, rules__isnull=False).first()
    assert client.get(reverse("api-policy-document-detail", args=[in_force.pk])).json()["is_draft"] is False
    draft_rule = IncentiveRule.objects.filter(document__status=DocumentStatus.DRAFT).first()
    if draft_rule is not None:
        rule = client.get(reverse("api-rule-detail", args=[draft_rule.pk])).json()
        assert rule["is_draft"] is True and rule["versions"] == []
    live = client.get(reverse("api-rule-detail", args=[in_force.rules.first().pk])).json()
    assert live["is_draft"] is False and live["versions"] and live["versions"][0]["valid_from"]


def test_an_amendment_lists_its_rule_changes_and_the_rule_its_amendments(api, policies_loaded):
    change = RuleAmendment.objects.select_related("amendment", "rule").first()
    assert change is not None
    client = api("api_client")
    document = client.get(reverse("api-policy-document-detail", args=[change.amendment_id])).json()
    assert change.rule.key in {c["rule_key"] for c in document["rule_changes"]}
    assert document["amends"] == change.amendment.amends_id
    rule = client.get(reverse("api-rule-detail", args=[change.rule_id])).json()
    assert change.amendment_id in {a["amendment"] for a in rule["amendments"]}
    amended = client.get(reverse("api-policy-document-detail", args=[change.amendment.amends_id])).json()
    assert change.amendment_id in amended["amended_by"]


def test_a_missing_policy_document_or_rule_is_404(api, policies_loaded):
    client = api("enterprise_user")
    assert client.get(reverse("api-policy-document-detail", args=[NONEXISTENT_ID])).status_code == 404
    assert client.get(reverse("api-rule-detail", args=[NONEXISTENT_ID])).status_code == 404


# -- dispatch reports --------------------------------------------------------------------

def test_an_issued_report_links_to_its_pdf_page_not_a_file(api, v1_world, client, yangquan_leader):
    rows = api("yangquan_leader").get(reverse("api-dispatch-report-issued-list")).json()["results"]
    row = next(r for r in rows if r["jurisdiction_key"] == "140322")
    assert row["pdf_url"] == "http://testserver" + reverse("report:dispatch_pdf", args=["140322", 2025, 6])
    assert row["data"]["snapshot"]
    client.force_login(yangquan_leader)
    pdf = client.get(row["pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content == b"%PDF-1.4 probe"


# -- /api/v1/ and the /api/ alias ------------------------------------------------------------

def test_v1_is_the_documented_path_and_api_an_alias(api, v1_world, admin_user):
    client = api("yuxian_clerk")
    assert reverse("api-warning-list") == "/api/v1/warnings/"
    for path in ("warnings/", "enterprises/", "jurisdictions/", "policy-documents/"):
        assert client.get("/api/" + path).json() == client.get("/api/v1/" + path).json()
    schema_client = APIClient()
    schema_client.force_authenticate(admin_user)
    paths = schema_client.get(reverse("api-schema"), {"format": "json"}).json()["paths"]
    assert all(p.startswith("/api/v1/") for p in paths)
    for basename in [*ENTERPRISE_ROWS, *JURISDICTION_ROWS, "api-jurisdiction", "api-policy-document", "api-rule"]:
        list_path = reverse(f"{basename}-list")
        assert list_path in paths and f"{list_path}{{id}}/" in paths
        operation = paths[list_path]["get"]
        assert {"200", "400", "401", "403", "404"} <= set(operation["responses"]), basename
        assert "404" in paths[f"{list_path}{{id}}/"]["get"]["responses"]


# -- query counts ----------------------------------------------------------------------------

LISTS = [*ENTERPRISE_ROWS, *JURISDICTION_ROWS, "api-jurisdiction"]


def _grow(n, make_enterprise, jurisdictions, staff, report_data, start):
    """n more enterprises with a row of each kind, and n more towns of 盂县 with theirs."""
    for i in range(start, start + n):
        enterprise_rows(make_enterprise(f"计数企业{i}", "xiushui"), staff)
        town = Jurisdiction.objects.create(key=f"140322-t{i}", name=f"计数镇{i}", level="town",
                                           parent=jurisdictions["yuxian"])
        jurisdiction_rows(town, report_data)
        for unit in ("a", "b"):
            Department.objects.create(key=f"140322-t{i}-{unit}", jurisdiction=town, name=f"计数单位{i}{unit}")


def _count(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    data = response.json()
    assert data["next"] is None  # every row on one page (cursor lists have no count)
    return len(queries), len(data["results"])


def test_list_query_counts_do_not_grow_with_rows(api, make_enterprise, jurisdictions, yuxian_clerk, report_data,
                                                 django_assert_max_num_queries):
    client = api("yuxian_clerk")
    _grow(3, make_enterprise, jurisdictions, yuxian_clerk, report_data, start=0)
    few = {name: _count(client, reverse(f"{name}-list")) for name in LISTS}
    _grow(27, make_enterprise, jurisdictions, yuxian_clerk, report_data, start=3)
    for name in LISTS:
        with django_assert_max_num_queries(6):
            queries, count = _count(client, reverse(f"{name}-list"))
        assert count > few[name][1], name
        assert queries == few[name][0], (name, few[name][0], queries)


def test_detail_and_policy_query_counts_are_bounded(api, v1_world, policies_loaded, django_assert_max_num_queries):
    client = api("yuxian_clerk")
    warning = EarlyWarning.objects.filter(enterprise=v1_world["yu_gxj"]).get()
    biggest = max(PolicyDocument.objects.all(), key=lambda d: d.clauses.count())
    amended_rule = RuleAmendment.objects.first().rule_id
    for url in [reverse("api-warning-detail", args=[warning.pk]), reverse("api-policy-document-list"),
                reverse("api-policy-document-detail", args=[biggest.pk]), reverse("api-rule-list"),
                reverse("api-rule-detail", args=[amended_rule])]:
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


# -- hostile filters ------------------------------------------------------------------------

ALL_LISTS = [*LISTS, "api-policy-document", "api-rule"]
HOSTILE = ["abc", "\x00", "a\r\nb", "1e400", "9" * 40, "²", "-1", "１２", "x" * 3000, "2026-13-45", "'\"<script>"]


@pytest.mark.parametrize("basename", ALL_LISTS)
def test_hostile_filter_values_are_a_client_error(api, v1_world, basename):
    client = api("yangquan_leader") if basename in ("api-target", "api-dispatch-report-issued") else api("api_client")
    url = reverse(f"{basename}-list")
    view = client.get(url)
    assert view.status_code == 200
    names = ["enterprise", "credit_code", "year", "month", "kind", "severity", "status", "jurisdiction", "level",
             "within", "measure", "board", "stage", "venue", "document", "document_status", "key",
             "occurred_after", "occurred_before", "page"]
    for name in names:
        for value in HOSTILE:
            response = client.get(url, {name: value})
            assert response.status_code in (200, 400, 404), (name, value, response.status_code)


@pytest.mark.parametrize(("basename", "params"), [
    ("api-warning", {"kind": "bogus"}), ("api-warning", {"severity": "x"}), ("api-warning", {"status": "x"}),
    ("api-warning", {"jurisdiction": "\x00"}), ("api-warning", {"enterprise": "9" * 40}),
    ("api-warning", {"year": "abc"}), ("api-scale-event", {"occurred_after": "2026-13-45"}),
    ("api-check-run", {"month": "13"}), ("api-entitlement-batch", {"year": "1e400"}),
    ("api-jurisdiction", {"level": "planet"}), ("api-rule", {"document": "-1"}),
    ("api-policy-document", {"status": "x"}), ("api-contact", {"credit_code": "x" * 40}),
])
def test_invalid_filters_answer_400_naming_the_field(api, v1_world, policies_loaded, basename, params):
    response = api("api_client").get(reverse(f"{basename}-list"), params)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {e["field"] for e in errors} == set(params)
    assert all(e["code"] and e["message"] for e in errors)


def test_filters_narrow_within_scope(api, v1_world):
    client = api("yangquan_leader")
    rows = client.get(reverse("api-warning-list"), {"jurisdiction": "140322-xiushui", "severity": "high",
                                                    "kind": "exit_risk", "status": "open"}).json()["results"]
    assert [r["enterprise"] for r in rows] == [v1_world["yu_gxj"].pk]
    # a foreign subtree narrows the caller's own rows to none, like an unknown key
    assert client.get(reverse("api-warning-list"), {"jurisdiction": "141181"}).json() == \
        client.get(reverse("api-warning-list"), {"jurisdiction": "nowhere"}).json()
    runs = client.get(reverse("api-check-run-list"), {"jurisdiction": "140322"}).json()["results"]
    assert {r["jurisdiction_key"] for r in runs} == {"140322", "140322-xiushui"}
    towns = client.get(reverse("api-jurisdiction-list"), {"level": "town"}).json()["results"]
    assert {r["key"] for r in towns} == {"140322-xiushui", "140322-nanlou"}


def test_the_endpoints_are_read_only_even_for_a_write_token(v1_world, api_client_user):
    from .conftest import token_client
    client = token_client(api_client_user, scope="write")
    for basename in ALL_LISTS:
        # targets and reports are not an API client's to read: the role check answers first
        expected = 403 if basename in ("api-target", "api-dispatch-report-issued") else 405
        assert client.post(reverse(f"{basename}-list"), {}).status_code == expected, basename


# -- the ledgers that were already there, under /api/v1/ -----------------------------------

LEDGERS = {"monthly-figure": MonthlyFigure, "pool-membership": PoolMembership, "entitlement": Entitlement}


def _ledger_rows(enterprise, rule, year=2025):
    MonthlyFigure.objects.create(enterprise=enterprise, year=year, month=6, revenue=Decimal("630000"),
                                 reported_at=timezone.now())
    PoolMembership.objects.create(enterprise=enterprise, pool="reserve", entered_on=date(year, 1, 1),
                                  entry_reason="probe")
    Entitlement.objects.create(enterprise=enterprise, rule=rule, year=year, amount=Decimal("100000"),
                               citation="probe", reason="probe", rule_version="probe", computed_at=timezone.now())


@pytest.fixture
def ledger_world(enterprises, policies_loaded):
    rule = IncentiveRule.objects.order_by("pk").first()
    for enterprise in enterprises.values():
        _ledger_rows(enterprise, rule)
    return enterprises


@pytest.mark.parametrize("basename", sorted(LEDGERS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_ledgers_are_exactly_the_callers_under_v1(api, ledger_world, persona, basename):
    client = api(persona)
    model = LEDGERS[basename]
    own = {row.pk for row in model.objects.filter(enterprise__in=[ledger_world[k].pk for k in VISIBLE[persona]])}
    assert reverse(f"{basename}-list").startswith("/api/v1/")
    assert own and _ids(client.get(reverse(f"{basename}-list"))) == own
    for row in model.objects.exclude(pk__in=own):
        _assert_like_missing(client, basename, row.pk)


def test_ledger_query_counts_do_not_grow_with_rows(api, make_enterprise, policies_loaded,
                                                   django_assert_max_num_queries):
    rule = IncentiveRule.objects.order_by("pk").first()
    client = api("yuxian_clerk")
    names = [*LEDGERS, "enterprise"]
    for i in range(3):
        _ledger_rows(make_enterprise(f"台账企业{i}", "xiushui"), rule)
    few = {name: _count(client, reverse(f"{name}-list")) for name in names}
    for i in range(3, 30):
        _ledger_rows(make_enterprise(f"台账企业{i}", "xiushui"), rule)
    for name in names:
        with django_assert_max_num_queries(6):
            queries, count = _count(client, reverse(f"{name}-list"))
        assert count - few[name][1] == 27, name  # (+ the personas' own enterprises)
        assert queries == few[name][0], (name, few[name][0], queries)


# -- real rows against the schema (schemathesis mostly sees 404s on detail endpoints) --------

def _nullable(node):
    """OpenAPI 3.0 `nullable: true` as JSON Schema: the type also admits null."""
    if isinstance(node, dict):
        node = {key: _nullable(value) for key, value in node.items()}
        if node.pop("nullable", False):
            if "type" in node:
                node["type"] = [node["type"], "null"]
            else:
                node = {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    return node


@pytest.mark.parametrize("persona", ["yangquan_leader", "enterprise_user", "yuxian_clerk", "admin"])
def test_real_rows_match_the_schema(api, v1_world, ledger_world, admin_user, persona):
    import jsonschema
    from django.urls import resolve

    schema_client = APIClient()
    schema_client.force_authenticate(admin_user)
    document = _nullable(schema_client.get(reverse("api-schema"), {"format": "json"}).json())
    client = schema_client if persona == "admin" else api(persona)  # a superuser sees the roots too
    checked = 0
    for basename in [*ALL_LISTS, *LEDGERS, "enterprise"]:
        list_path = reverse(f"{basename}-list")
        listing = client.get(list_path)
        if listing.status_code == 403:
            continue
        rows = listing.json()["results"]
        responses = [(list_path, listing)] + [
            (f"{list_path}{{id}}/", client.get(reverse(f"{basename}-detail", args=[row["id"]]))) for row in rows[:3]]
        for path, response in responses:
            assert response.status_code == 200, (path, response.status_code)
            expected = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            validator = jsonschema.Draft4Validator({**expected, "components": document["components"]},
                                                   format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
            errors = [f"{path}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
                      for e in validator.iter_errors(response.json())]
            assert errors == [], resolve(path.replace("{id}", "1")).url_name
            checked += 1
    assert checked > 20


# -- filters of issue 13 item 3: month and revenue ranges, subtree, payer ---------------------

def test_monthly_figures_filter_by_period_revenue_and_subtree(api, v1_world):
    gxj = v1_world["yu_gxj"]
    for year, month, revenue in ((2024, 11, "100"), (2024, 12, "300"), (2025, 1, "500"), (2025, 2, "700")):
        MonthlyFigure.objects.create(enterprise=gxj, year=year, month=month, revenue=Decimal(revenue),
                                     reported_at=timezone.now())
    client = api("yuxian_clerk")
    url = reverse("monthly-figure-list")

    def periods(**params):
        response = client.get(url, params)
        assert response.status_code == 200, response.content
        return [(r["year"], r["month"]) for r in response.json()["results"]]

    assert periods(period_from="2024-12", period_to="2025-01") == [(2024, 12), (2025, 1)]
    assert periods(revenue_min="300", revenue_max="500") == [(2024, 12), (2025, 1)]
    assert periods(jurisdiction="140322-xiushui", period_from="2025-02") == [(2025, 2)]
    assert periods(jurisdiction="141181") == []  # a foreign subtree narrows to nothing
    for bad in ({"period_from": "2025-13"}, {"period_to": "25-1"}, {"revenue_min": "-1"},
                {"revenue_max": "1e400"}):
        response = client.get(url, bad)
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == next(iter(bad)), bad


def test_warnings_filter_by_period(api, v1_world):
    client = api("yuxian_clerk")
    url = reverse("api-warning-list")
    assert len(client.get(url, {"period_from": "2025-06"}).json()["results"]) == 2
    assert client.get(url, {"period_from": "2025-07"}).json()["results"] == []
    assert client.get(url, {"period_to": "2025-05"}).json()["results"] == []


def test_entitlements_filter_by_payer_and_subtree(api, v1_world, policies_loaded):
    rule = IncentiveRule.objects.first()
    rows = {}
    for key, payers in (("yu_gxj", [{"payer": "省级财政", "amount": "100"}, {"payer": "县级财政", "amount": "50"}]),
                        ("yu_other", [{"payer": "县级财政", "amount": "80"}])):
        rows[key] = Entitlement.objects.create(enterprise=v1_world[key], rule=rule, year=2025, amount=Decimal("150"),
                                               payers=payers, citation="c", reason="r", rule_version="v",
                                               computed_at=timezone.now())
    client = api("yuxian_finance")
    url = reverse("entitlement-list")
    ids = lambda **params: {r["id"] for r in client.get(url, params).json()["results"]}  # noqa: E731
    assert ids(payer="省级财政") == {rows["yu_gxj"].pk}
    assert ids(payer="县级财政") == {rows["yu_gxj"].pk, rows["yu_other"].pk}
    assert ids(payer="市级财政") == set()
    assert ids(jurisdiction="140322-xiushui") == {rows["yu_gxj"].pk}
    assert ids(jurisdiction="140322", payer="县级财政") == {rows["yu_gxj"].pk, rows["yu_other"].pk}
