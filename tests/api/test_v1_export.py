"""CSV and xlsx export of any filtered API list (issue 13 item 3): every list has `export/`, the
file holds exactly the list's rows (the caller's scope, the filters, the ordering), text is never a
live formula, and a list above the streaming threshold becomes a job whose file only its owner
downloads, until it expires."""
import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.api_router import router
from conftest import VISIBLE
from enterprises import list_exports
from enterprises.models import Enterprise, ListExport, MonthlyFigure
from monitoring.models import EarlyWarning

from .conftest import token_client

PERSONAS = sorted(VISIBLE)


@pytest.fixture(autouse=True)
def export_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _csv_rows(response):
    assert response.status_code == 200, getattr(response, "content", b"")[:500]
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def _xlsx_sheet(response):
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(body)).active


def _list_ids(client, url, **params):
    ids, response = [], client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        data = response.json()
        ids += [row["id"] for row in data["results"]]
        if not data["next"]:
            return ids
        response = client.get(data["next"])


def test_every_list_of_the_api_exports():
    lists = [basename for _prefix, viewset, basename in router.registry
             if hasattr(viewset, "list") and basename != "api-list-export"]
    assert len(lists) >= 17
    for basename in lists:
        assert reverse(f"{basename}-export").endswith("/export/"), basename


@pytest.mark.parametrize("persona", PERSONAS)
def test_export_holds_exactly_the_list_of_the_caller(api, v1_world, persona):
    client = api(persona)
    for basename in ("enterprise", "api-warning", "api-contact"):
        listed = _list_ids(client, reverse(f"{basename}-list"))
        exported = [int(row["id"]) for row in _csv_rows(client.get(reverse(f"{basename}-export")))]
        assert exported == listed and exported, (persona, basename)
    own = {v1_world[key].pk for key in VISIBLE[persona]}
    assert {int(row["id"]) for row in _csv_rows(client.get(reverse("enterprise-export")))} == own


def test_export_applies_the_lists_filters_and_ordering(api, v1_world):
    client = api("yuxian_clerk")
    EarlyWarning.objects.filter(enterprise=v1_world["yu_gxj"]).update(severity="low")
    url = reverse("api-warning-export")
    rows = _csv_rows(client.get(url, {"severity": "high"}))
    assert [int(r["enterprise.id"] if "enterprise.id" in r else r["enterprise"]) for r in rows] == [
        v1_world["yu_other"].pk]
    ordered = _csv_rows(client.get(reverse("enterprise-export"), {"ordering": "-id"}))
    assert [int(r["id"]) for r in ordered] == sorted((v1_world[k].pk for k in ("yu_gxj", "yu_other")), reverse=True)
    searched = _csv_rows(client.get(reverse("enterprise-export"), {"search": v1_world["yu_other"].name}))
    assert [int(r["id"]) for r in searched] == [v1_world["yu_other"].pk]


def test_columns_are_the_json_fields_nested_flattened_lists_as_json(api, v1_world):
    client = api("yuxian_clerk")
    listed = client.get(reverse("api-warning-list")).json()["results"][0]
    [row, *_rest] = _csv_rows(client.get(reverse("api-warning-export")))
    assert row["id"] == str(listed["id"])
    assert row["kind"] == listed["kind"]
    nested = [key for key, value in listed.items() if isinstance(value, list)]
    assert nested and all(row[key].startswith("[") for key in nested)  # the assistance log as JSON text
    assert '"actions": "走访"' in row["assistance"]


def test_hostile_text_is_never_a_live_formula_in_csv_or_xlsx(api, v1_world):
    Enterprise.objects.filter(pk=v1_world["yu_gxj"].pk).update(name="=HYPERLINK(\"http://x\")")
    client = api("yuxian_clerk")
    rows = _csv_rows(client.get(reverse("enterprise-export")))
    assert "'=HYPERLINK(\"http://x\")" in {r["name"] for r in rows}
    sheet = _xlsx_sheet(client.get(reverse("enterprise-export"), {"file_format": "xlsx"}))
    header = [cell.value for cell in sheet[1]]
    names = [row[header.index("name")] for row in sheet.iter_rows(min_row=2)]
    hostile = [cell for cell in names if cell.value.startswith("=")]
    assert len(hostile) == 1 and hostile[0].data_type == "s" and hostile[0].quotePrefix


def test_amounts_stay_numbers(api, v1_world):
    MonthlyFigure.objects.create(enterprise=v1_world["yu_gxj"], year=2025, month=3, revenue="1234.50", reported_at=timezone.now(),
                                 source="manual")
    client = api("yuxian_clerk")
    rows = _csv_rows(client.get(reverse("monthly-figure-export")))
    assert [r["revenue"] for r in rows] == ["1234.5"]
    sheet = _xlsx_sheet(client.get(reverse("monthly-figure-export"), {"file_format": "xlsx"}))
    header = [cell.value for cell in sheet[1]]
    [value] = [row[header.index("revenue")].value for row in sheet.iter_rows(min_row=2)]
    assert value == 1234.5


def test_bad_format_or_filter_is_a_400_naming_it(api, v1_world):
    client = api("yuxian_clerk")
    response = client.get(reverse("enterprise-export"), {"file_format": "pdf"})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["file_format"]
    response = client.get(reverse("api-warning-export"), {"severity": "apocalyptic"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "severity"
    response = client.get(reverse("enterprise-export"), {"ordering": "password"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "ordering"


def test_roles_that_cannot_read_a_list_cannot_export_it(api, v1_world):
    response = api("enterprise_user").get(reverse("api-target-export"))
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"


def test_streamed_export_queries_do_not_grow_with_rows(api, v1_world, make_enterprise):
    client = api("yuxian_clerk")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            _csv_rows(client.get(reverse("enterprise-export")))
        return len(captured)

    few = queries()
    for index in range(30):
        make_enterprise(name=f"追加企业{index}", jurisdiction="xiushui")
    assert queries() == few


# -- jobs -------------------------------------------------------------------------------

@pytest.fixture
def small_threshold(settings):
    settings.API_EXPORT_STREAM_MAX_ROWS = 1


def _start(client, basename="enterprise", **params):
    response = client.get(reverse(f"{basename}-export"), params)
    assert response.status_code == 202, response.content
    job = response.json()
    assert response["Location"] == job["url"]
    return job


def test_large_list_becomes_a_job_the_owner_downloads(api, v1_world, small_threshold,
                                                      django_capture_on_commit_callbacks):
    client = api("yuxian_clerk")
    with django_capture_on_commit_callbacks(execute=True):
        job = _start(client, file_format="xlsx", ordering="-id")
    assert job["total_rows"] == 2 and job["download_url"] is None
    done = client.get(job["url"]).json()
    assert (done["status"], done["progress_percent"], done["rows_done"]) == ("done", 100, 2)
    assert done["size_bytes"] > 0 and done["download_url"].endswith("/download/")
    sheet = _xlsx_sheet(client.get(done["download_url"]))
    ids = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert ids == sorted((v1_world[k].pk for k in ("yu_gxj", "yu_other")), reverse=True)
    assert [row["id"] for row in client.get(reverse("api-list-export-list")).json()["results"]] == [job["id"]]


def test_job_csv_filters_as_the_list_does(api, v1_world, small_threshold, django_capture_on_commit_callbacks):
    client = api("yangquan_leader")
    with django_capture_on_commit_callbacks(execute=True):
        job = _start(client, "api-warning", severity="high", page_size=1)
    assert "page_size" not in job["query"] and "severity=high" in job["query"]
    rows = _csv_rows(client.get(client.get(job["url"]).json()["download_url"]))
    expected = set(EarlyWarning.objects.filter(enterprise__in=[v1_world[k].pk for k in VISIBLE["yangquan_leader"]],
                                               severity="high").values_list("pk", flat=True))
    assert {int(r["id"]) for r in rows} == expected and len(expected) == 2


def test_another_callers_job_answers_like_a_missing_one(api, v1_world, all_personas, small_threshold,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = _start(api("yuxian_clerk"))
    missing_id = "00000000-0000-4000-8000-000000000000"
    for other in (api("yangquan_leader"), token_client(all_personas["api_client"]), api("xiaoyi_clerk")):
        assert [row["id"] for row in other.get(reverse("api-list-export-list")).json()["results"]] == []
        for suffix in ("", "download/"):
            foreign = other.get(f"{reverse('api-list-export-list')}{job['id']}/{suffix}")
            missing = other.get(f"{reverse('api-list-export-list')}{missing_id}/{suffix}")
            assert foreign.status_code == missing.status_code == 404
            assert foreign.json() == missing.json()
    assert api("yuxian_clerk").get(f"{reverse('api-list-export-list')}not-a-uuid/").status_code == 404


def test_the_job_sees_the_owners_scope_when_it_runs(api, v1_world, all_personas, small_threshold,
                                                    django_capture_on_commit_callbacks):
    client = api("yuxian_clerk")
    job = _start(client)  # queued, not yet run
    owner = all_personas["yuxian_clerk"]
    owner.is_active = False
    owner.save()
    list_exports.list_export_run(export_id=job["id"])
    export = ListExport.objects.get(pk=job["id"])
    assert export.status == "failed" and export.error and not export.file_name


def test_not_ready_expired_and_the_limit_per_owner(api, v1_world, small_threshold, export_storage,
                                                   django_capture_on_commit_callbacks):
    client = api("yuxian_clerk")
    queued = _start(client)  # no on-commit callbacks run: the job stays queued
    response = client.get(f"{queued['url']}download/")
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "not_ready"
    _start(client)
    _start(client)
    refused = client.get(reverse("enterprise-export"))
    assert refused.status_code == 429 and refused.json()["errors"][0]["code"] == "too_many_exports"
    ListExport.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        job = _start(client)
    export = ListExport.objects.get(pk=job["id"])
    assert default_storage.exists(export.file_name)
    ListExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(f"{job['url']}download/")
    assert response.status_code == 410 and response.json()["errors"][0]["code"] == "expired"
    assert list_exports.list_exports_purge() == 1
    assert not default_storage.exists(export.file_name) and not ListExport.objects.exists()


def test_xlsx_refuses_more_rows_than_a_sheet_holds(api, v1_world, small_threshold, monkeypatch):
    monkeypatch.setattr(list_exports, "XLSX_MAX_ROWS", 1)
    response = api("yuxian_clerk").get(reverse("enterprise-export"), {"file_format": "xlsx"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "file_format"
    assert not ListExport.objects.exists()


def test_a_redelivered_message_for_a_finished_job_does_nothing(api, v1_world, small_threshold,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = _start(api("yuxian_clerk"))
    before = ListExport.objects.get(pk=job["id"])
    assert list_exports.list_export_run(export_id=job["id"]) == "skipped"
    assert ListExport.objects.get(pk=job["id"]).finished_at == before.finished_at
    assert list_exports.list_export_run(export_id="00000000-0000-4000-8000-000000000001") == \
        "skipped"


def test_the_job_lists_what_the_owner_sees_when_it_runs(api, v1_world, all_personas, jurisdictions, small_threshold):
    client = api("yuxian_clerk")
    job = _start(client)
    owner = all_personas["yuxian_clerk"]
    owner.jurisdiction = jurisdictions["xiaoyi"]  # moved before the worker got to the job
    owner.save()
    assert list_exports.list_export_run(export_id=job["id"]) == "done"
    export = ListExport.objects.get(pk=job["id"])
    with list_exports.list_export_open(export) as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"))))
    assert [int(r["id"]) for r in rows] == [v1_world["xiaoyi"].pk]


def test_staff_on_their_session_get_a_job_too(client, v1_world, all_personas, small_threshold,
                                              django_capture_on_commit_callbacks):
    client.force_login(all_personas["yuxian_clerk"])  # a browser session, not DRF's forced user
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("enterprise-export"))
    assert response.status_code == 202, response.content
    job = client.get(response.json()["url"]).json()
    assert job["status"] == "done" and job["rows_done"] == 2
    assert client.get(job["download_url"]).status_code == 200


EXPORTABLE = sorted(basename for _prefix, viewset, basename in router.registry
                    if hasattr(viewset, "list") and basename != "api-list-export")


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_export_is_exactly_its_list_for_every_role(api, v1_world, persona):
    client = api(persona)
    for basename in EXPORTABLE:
        listed = client.get(reverse(f"{basename}-list"))
        exported = client.get(reverse(f"{basename}-export"))
        if listed.status_code == 403:
            assert exported.status_code == 403, (persona, basename)
            continue
        ids = _list_ids(client, reverse(f"{basename}-list"))
        assert sorted(int(row["id"]) for row in _csv_rows(exported)) == sorted(ids), (persona, basename)
