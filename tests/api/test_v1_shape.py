"""The API's shape (issue 13 item 4 and the ordering/pagination of item 3): one error format for
every error kind, documented for every operation; throttling per token with Retry-After; ordering
over a whitelist (anything else is a 400); cursor pages that walk every row exactly once at a
constant query cost; ETag/Last-Modified with 304 on the one-book ledger."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from enterprises import access, services
from enterprises.models import Department, Jurisdiction, MonthlyFigure
from monitoring.models import EarlyWarning

from .conftest import NONEXISTENT_ID, token_client


def _only_error(response, status, code, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"errors"}
    [error] = body["errors"]
    assert set(error) == {"field", "code", "message"}
    assert (error["code"], error["field"]) == (code, field)
    assert isinstance(error["message"], str) and error["message"]
    return error


# -- one error format ---------------------------------------------------------------------------

def test_every_error_kind_has_the_one_format(api, enterprises, api_client_user):
    clerk = api("yuxian_clerk")
    error = _only_error(clerk.get(reverse("monthly-figure-list"), {"year": "abc"}), 400, "invalid", "year")
    assert error["message"] == "输入整数。"  # Chinese, from the catalogue
    _only_error(APIClient().get(reverse("enterprise-list")), 401, "not_authenticated")
    _only_error(APIClient(HTTP_AUTHORIZATION="Token nonsense").get(reverse("enterprise-list")), 401,
                "authentication_failed")
    _only_error(api("enterprise_user").get(reverse("api-check-run-list")), 403, "permission_denied")
    _only_error(token_client(api_client_user).post(reverse("enterprise-list"), {}), 403, "permission_denied")
    _only_error(clerk.get(reverse("enterprise-detail", args=[NONEXISTENT_ID])), 404, "not_found")
    _only_error(clerk.get(reverse("enterprise-detail", args=[enterprises["xiaoyi"].pk])), 404, "not_found")
    _only_error(clerk.post(reverse("enterprise-list"), {}), 405, "method_not_allowed")
    _only_error(clerk.get(reverse("enterprise-list"), HTTP_ACCEPT="text/csv"), 406, "not_acceptable")
    _only_error(clerk.get(reverse("enterprise-list"), {"cursor": "not-a-cursor"}), 404, "not_found")


def test_parse_errors_and_unmatched_addresses_have_the_one_format(client, api):
    parse = client.post(reverse("api-eligibility-check"), "{not json", content_type="application/json")
    _only_error(parse, 400, "parse_error")
    unmatched = client.get("/api/v1/no-such-resource/")
    _only_error(unmatched, 404, "not_found")
    assert api("yuxian_clerk").get("/api/v1/no-such-resource/").json() == unmatched.json()


def test_nested_body_errors_name_the_field_path():
    from rest_framework.exceptions import ValidationError

    from config.api_errors import flatten
    error = ValidationError({"rows": [{}, {"revenue": ["不是数字"]}], "non_field_errors": ["整体有误"]})
    assert flatten(error.get_full_details()) == [
        {"field": "rows.1.revenue", "code": "invalid", "message": "不是数字"},
        {"field": None, "code": "invalid", "message": "整体有误"},
    ]


def test_the_schema_documents_the_error_format_for_every_operation(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    components = schema["components"]["schemas"]
    assert components["Error"]["required"] == ["errors"]
    assert components["ErrorItem"]["required"] == ["field", "code", "message"]
    operations = [(path, method, op) for path, item in schema["paths"].items()
                  for method, op in item.items() if isinstance(op, dict) and "responses" in op]
    assert len(operations) > 30
    for path, method, operation in operations:
        responses = operation["responses"]
        assert {"401", "403", "429"} <= set(responses), (path, method)
        assert "Retry-After" in responses["429"]["headers"]
        for status, response in responses.items():
            if status.startswith("4"):
                assert response["content"]["application/json"]["schema"], (path, method, status)
                assert response["description"].isascii(), (path, method, status)  # English in the schema
        refs = [r["content"]["application/json"]["schema"].get("$ref") for s, r in responses.items()
                if s in ("401", "403", "429")]
        assert refs == ["#/components/schemas/Error"] * 3, (path, method)


# -- throttling per token --------------------------------------------------------------------------

def _rates(**rates):
    return override_settings(REST_FRAMEWORK={**api_settings.user_settings,
                                             "DEFAULT_THROTTLE_RATES": {**api_settings.DEFAULT_THROTTLE_RATES,
                                                                        **rates}})


def test_each_token_is_throttled_on_its_own(enterprises, api_client_user):
    cache.clear()
    first, second = token_client(api_client_user), token_client(api_client_user)
    with _rates(user="3/minute"):
        assert [first.get(reverse("enterprise-list")).status_code for _ in range(3)] == [200] * 3
        throttled = first.get(reverse("enterprise-list"))
        _only_error(throttled, 429, "throttled")
        assert 0 < int(throttled["Retry-After"]) <= 60
        assert second.get(reverse("enterprise-list")).status_code == 200  # another token, its own budget
    cache.clear()


def test_the_default_rates_are_generous_and_from_settings():
    from django.conf import settings

    from config.api_throttles import AnonThrottle, TokenRateThrottle
    assert TokenRateThrottle().get_rate() == settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"]
    assert AnonThrottle().get_rate() == settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"]
    with _rates(user="7/hour"):
        assert TokenRateThrottle().get_rate() == "7/hour"


# -- ordering --------------------------------------------------------------------------------------

def _walk(client, url, params=None) -> list:
    """Every row of a cursor-paginated list, following `next`."""
    page = client.get(url, params or {}).json()
    assert "count" not in page
    rows = list(page["results"])
    while page["next"]:
        page = client.get(page["next"]).json()
        rows += page["results"]
    return rows


@pytest.fixture
def many(make_enterprise, yuxian_clerk):
    """11 enterprises of 盂县 (names out of id order), each with a monthly figure and a warning."""
    made = []
    for i in range(11):
        enterprise = make_enterprise(f"排序企业{(i * 7) % 11:02d}", "xiushui")
        services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprise, year=2025, month=1 + i % 12,
                                       values={"revenue": Decimal("100") * i})
        EarlyWarning.objects.create(enterprise=enterprise, kind="exit_risk", year=2025, month=1 + i % 12,
                                    severity="high", rule="probe", evidence={},
                                    opened_at=timezone.now() - timedelta(hours=i % 3))
        made.append(enterprise)
    return made


def test_ordering_follows_the_whitelist(api, many, all_personas):
    client = api("yuxian_clerk")
    ids = [row["id"] for row in _walk(client, reverse("enterprise-list"), {"ordering": "-name", "page_size": 4})]
    visible = access.enterprises_visible_to(all_personas["yuxian_clerk"])
    assert ids == list(visible.order_by("-name", "id").values_list("id", flat=True))  # the database's collation
    assert len(ids) == 13  # the 11 and the two fixtures of 盂县
    months = [(r["month"], r["id"]) for r in _walk(client, reverse("monthly-figure-list"), {"ordering": "month"})]
    assert months == sorted(months)  # ties broken by id
    for basename, field in [("enterprise", "legal_representative"), ("monthly-figure", "revenue"),
                            ("api-warning", "severity"), ("api-policy-document", "title"),
                            ("enterprise", "name,enterprise__jurisdiction__path")]:
        response = client.get(reverse(f"{basename}-list"), {"ordering": field})
        error = _only_error(response, 400, "invalid", "ordering")
        assert "id" in error["message"]  # the allowed fields are named


def test_small_lists_keep_page_numbers_and_order_by_id_only(api, v1_world):
    client = api("yuxian_clerk")
    page = client.get(reverse("api-scale-event-list"), {"ordering": "-id"}).json()
    assert "count" in page
    ids = [row["id"] for row in page["results"]]
    assert ids == sorted(ids, reverse=True)
    _only_error(client.get(reverse("api-scale-event-list"), {"ordering": "occurred_on"}), 400, "invalid",
                "ordering")


# -- cursor pagination -----------------------------------------------------------------------------

@pytest.mark.parametrize(("basename", "ordering"), [
    ("enterprise", None), ("enterprise", "-name"), ("enterprise", "credit_code"), ("enterprise", "-updated_at"),
    ("monthly-figure", None), ("monthly-figure", "-month"), ("monthly-figure", "reported_at,-year"), ("api-warning", None), ("api-warning", "-opened_at"),
])
def test_cursor_pages_walk_every_row_exactly_once(api, many, basename, ordering):
    client = api("yuxian_clerk")
    params = {"page_size": 3, **({"ordering": ordering} if ordering else {})}
    rows = _walk(client, reverse(f"{basename}-list"), params)
    ids = [row["id"] for row in rows]
    everything = [row["id"] for row in _walk(client, reverse(f"{basename}-list"), {"page_size": 500})]
    assert len(ids) == len(set(ids)) == len(everything) >= 11
    assert set(ids) == set(everything)
    # and back: `previous` from the last page reaches the first again
    page = client.get(reverse(f"{basename}-list"), params).json()
    first = [row["id"] for row in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
    while page["previous"]:
        page = client.get(page["previous"]).json()
    assert [row["id"] for row in page["results"]] == first


def test_a_row_added_while_walking_is_neither_repeated_nor_skipped_before_the_cursor(api, many, make_enterprise):
    client = api("yuxian_clerk")
    page = client.get(reverse("enterprise-list"), {"page_size": 4}).json()
    seen = [row["id"] for row in page["results"]]
    late = make_enterprise("后来的企业", "xiushui")
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [row["id"] for row in page["results"]]
    assert len(seen) == len(set(seen)) and late.pk in seen


@pytest.mark.parametrize("basename", ["enterprise", "monthly-figure", "api-warning"])
def test_the_last_cursor_page_costs_the_same_queries_as_the_first(api, many, basename):
    client = api("yuxian_clerk")
    url = reverse(f"{basename}-list")
    with CaptureQueriesContext(connection) as first:
        page = client.get(url, {"page_size": 2}).json()
    while page["next"]:
        last_url = page["next"]
        page = client.get(last_url).json()
    with CaptureQueriesContext(connection) as last:
        assert client.get(last_url).json()["next"] is None
    assert len(last) == len(first) <= 6
    assert not any("OFFSET" in q["sql"] and "COUNT" in q["sql"] for q in last.captured_queries)


# -- ETag / Last-Modified on the ledger --------------------------------------------------------------

def test_the_ledger_answers_304_while_nothing_changed(api, enterprises, yuxian_clerk):
    client = api("api_client")
    enterprise = enterprises["yu_gxj"]
    url = reverse("enterprise-detail", args=[enterprise.pk])
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"].startswith('W/"') and first["Last-Modified"]
    with CaptureQueriesContext(connection) as queries:
        cached = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert cached.status_code == 304 and cached.content == b"" and cached["ETag"] == first["ETag"]
    assert len(queries) <= 4  # the token, its user, the one fingerprint query (no book read)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"].removeprefix("W/")).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"other", ' + first["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200

    # any change to the book: a month reported, a month corrected, a row deleted
    services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprise, year=2025, month=1,
                                   values={"revenue": Decimal("1")})
    after_new = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after_new.status_code == 200 and after_new["ETag"] != first["ETag"]
    assert after_new.json()["monthly_figures"][0]["revenue"] == "1.00"
    services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprise, year=2025, month=1,
                                   values={"revenue": Decimal("2")})
    after_edit = client.get(url, HTTP_IF_NONE_MATCH=after_new["ETag"])
    assert after_edit.status_code == 200 and after_edit["ETag"] not in (first["ETag"], after_new["ETag"])
    MonthlyFigure.objects.filter(enterprise=enterprise).delete()  # no history row: the count moves
    assert client.get(url, HTTP_IF_NONE_MATCH=after_edit["ETag"]).status_code == 200
    # another enterprise's change leaves this book's tag alone
    current = client.get(url)["ETag"]
    services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprises["yu_other"], year=2025, month=1,
                                   values={"revenue": Decimal("3")})
    assert client.get(url, HTTP_IF_NONE_MATCH=current).status_code == 304


def test_renaming_the_books_jurisdiction_or_department_changes_the_tag(api, enterprises, jurisdictions,
                                                                       departments):
    client = api("api_client")
    enterprise = enterprises["yu_gxj"]
    url = reverse("enterprise-detail", args=[enterprise.pk])
    tag = client.get(url)["ETag"]
    Jurisdiction.objects.filter(pk=enterprise.jurisdiction_id).update(name="秀水镇（更名）")
    renamed = client.get(url, HTTP_IF_NONE_MATCH=tag)
    assert renamed.status_code == 200 and renamed.json()["jurisdiction"] == "秀水镇（更名）"
    Department.objects.filter(pk=enterprise.department_id).update(name="工信局（更名）")
    moved = client.get(url, HTTP_IF_NONE_MATCH=renamed["ETag"])
    assert moved.status_code == 200 and moved.json()["department"] == "工信局（更名）"
    assert client.get(url, HTTP_IF_NONE_MATCH=moved["ETag"]).status_code == 304


def test_the_etag_does_not_open_a_foreign_book(api, enterprises):
    client = api("yuxian_clerk")
    foreign = reverse("enterprise-detail", args=[enterprises["xiaoyi"].pk])
    own_tag = client.get(reverse("enterprise-detail", args=[enterprises["yu_gxj"].pk]))["ETag"]
    for tag in ("*", own_tag):
        _only_error(client.get(foreign, HTTP_IF_NONE_MATCH=tag), 404, "not_found")
    _only_error(client.get(reverse("enterprise-detail", args=["abc"])), 404, "not_found")
    assert "ETag" not in client.get(reverse("enterprise-list"))


def test_the_tag_differs_by_format(api, enterprises):
    client = api("yuxian_clerk")
    url = reverse("enterprise-detail", args=[enterprises["yu_gxj"].pk])
    json_tag = client.get(url)["ETag"]
    assert client.get(url, {"format": "api"})["ETag"] != json_tag  # the browsable page is another body
    assert client.get(url, HTTP_IF_NONE_MATCH=json_tag).status_code == 304
