"""A run over many enterprises split into parts that Celery workers check in parallel (issue 14):
each part a run of its own, the parent finished (or failed) by its parts."""
import threading
from datetime import date, timedelta

import pytest
from django.db import connection, connections, transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from monitoring import services
from monitoring.models import CheckRun, EarlyWarning

from .test_check_runs import in_threads
from .test_monthly_check import figures, scenario  # noqa: F401 - scenario is a fixture

pytestmark = pytest.mark.django_db
TODAY = date(2025, 7, 15)


@pytest.fixture
def province(scenario, jurisdictions):
    """山西: 盂县 (two enterprises in two towns, from `scenario`) and 孝义市 (one, growing)."""
    figures(scenario["xiaoyi"], 2024, [1_800_000] * 12)
    figures(scenario["xiaoyi"], 2025, [1_900_000] * 6)
    return jurisdictions["shanxi"]


def check_run(run_id, today=TODAY):
    """The parts are sent when the split commits: inside a test's transaction, run the commit
    callbacks (and those they add) as the commit would."""
    if not connection.in_atomic_block:
        return services.monthly_check_run(run_id=run_id, today=today)
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.monthly_check_run(run_id=run_id, today=today)
    run.refresh_from_db()
    return run


def run_over(jurisdiction, user=None, today=TODAY):
    run = CheckRun.objects.create(jurisdiction=jurisdiction, year=2025, month=6, requested_by=user)
    return check_run(run.pk, today)


def warnings_found():
    return sorted(EarlyWarning.objects.values_list("enterprise_id", "kind", "severity", "rule", "evidence", "status"))


def test_a_large_run_is_split_and_finds_what_one_piece_finds(province, settings, yangquan_leader):
    whole = run_over(province)
    assert not whole.parts.exists() and whole.note == ""
    in_one_piece = warnings_found()
    EarlyWarning.history.all().delete()
    EarlyWarning.objects.all().delete()

    settings.CHECK_PART_ENTERPRISES = 1  # every jurisdiction its own part
    run = run_over(province)
    parts = list(run.parts.order_by("pk"))
    assert run.status == "finished" and run.note == "in_parts" and len(parts) == 3
    assert [p.status for p in parts] == ["finished"] * 3
    assert sorted(j for p in parts for j in p.scope) == sorted(
        province_enterprises(province).values_list("jurisdiction_id", flat=True))
    assert warnings_found() == in_one_piece
    assert (run.total, run.processed) == (3, 3) and sum(p.total for p in parts) == 3
    assert run.counts["created"] == sum(p.counts["created"] for p in parts) == len(in_one_piece)
    # Every warning names the part that wrote it; its history, the requester.
    assert set(EarlyWarning.objects.values_list("run_id", flat=True)) <= {p.pk for p in parts}


def province_enterprises(province):
    from enterprises.models import Enterprise
    return Enterprise.objects.filter(jurisdiction__path__startswith=province.path)


def test_the_parts_judge_lateness_on_the_parents_day(province, settings, scenario):
    settings.CHECK_PART_ENTERPRISES = 1
    run = CheckRun.objects.create(jurisdiction=province, year=2025, month=6)
    check_run(run.pk, date(2025, 7, 5))  # before the deadline
    assert not EarlyWarning.objects.filter(kind="late_report").exists()
    run = CheckRun.objects.create(jurisdiction=province, year=2025, month=6)
    check_run(run.pk)  # after it
    assert EarlyWarning.objects.filter(kind="late_report", enterprise=scenario["yu_other"]).exists()


def test_pages_and_the_api_list_the_run_not_its_parts(province, settings, client, yangquan_leader,
                                                      api_client_user):
    settings.CHECK_PART_ENTERPRISES = 1
    run = run_over(province)
    assert run.parts.count() == 3
    from rest_framework.test import APIClient
    leader = CheckRun.objects.create(jurisdiction=yangquan_leader.jurisdiction, year=2025, month=5)
    check_run(leader.pk)  # 阳泉: one part, not split
    client.force_login(yangquan_leader)
    page = client.get(reverse("monitoring:runs")).content.decode()
    assert page.count("<tr") - 1 == 1  # the 阳泉 run; 山西's run is not visible, nor are its parts
    api = APIClient()
    api.force_authenticate(api_client_user)
    listed = api.get("/api/v1/check-runs/").json()
    assert [r["id"] for r in listed["results"]] == [leader.pk]


def test_a_request_attaches_to_the_split_run_not_to_a_part(province, settings, django_capture_on_commit_callbacks):
    settings.CHECK_PART_ENTERPRISES = 1
    parent = CheckRun.objects.create(jurisdiction=province, year=2025, month=6, status="running")
    CheckRun.objects.create(jurisdiction=province, year=2025, month=6, parent=parent, scope=[1])
    with django_capture_on_commit_callbacks() as sent:
        run, created = services.monthly_check_request(user=None, jurisdiction=province, year=2025, month=6)
    assert (run.pk, created, sent) == (parent.pk, False, [])


def test_a_failed_part_fails_the_run_naming_its_jurisdictions_and_the_others_are_written(
        province, settings, monkeypatch, scenario, jurisdictions):
    settings.CHECK_PART_ENTERPRISES = 1
    original = services.aggregates_for

    def fails_for_xiaoyi(enterprises, year, month):
        if list(enterprises.values_list("pk", flat=True)) == [scenario["xiaoyi"].pk]:
            raise ValueError("孝义 的数据坏了")
        return original(enterprises, year, month)

    monkeypatch.setattr(services, "aggregates_for", fails_for_xiaoyi)
    run = CheckRun.objects.create(jurisdiction=province, year=2025, month=6)
    with pytest.raises(ValueError):  # eager Celery hands the part's error back
        check_run(run.pk)
    run.refresh_from_db()
    statuses = [p.status for p in run.parts.all()]
    assert run.status == "failed" and run.note == "part_failed"
    assert run.error.startswith("孝义市：") and "孝义 的数据坏了" in run.error
    assert statuses.count("failed") == 1
    # The parts that ran wrote their warnings (each part is atomic on its own).
    assert EarlyWarning.objects.filter(enterprise=scenario["yu_gxj"]).exists()
    assert not EarlyWarning.objects.filter(enterprise=scenario["xiaoyi"]).exists()


def test_a_redelivered_message_for_the_split_run_does_nothing(province, settings):
    settings.CHECK_PART_ENTERPRISES = 1
    run = run_over(province)
    parts = run.parts.count()
    CheckRun.objects.filter(pk=run.pk).update(status="running")  # as if a part had not settled it yet
    again = check_run(run.pk)
    assert again.status == "running" and again.parts.count() == parts and again.attempts == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_reaper_leaves_a_silent_split_run_alone_and_settles_it_when_its_parts_have_ended(province, settings):
    settings.CHECK_PART_ENTERPRISES = 1
    run = run_over(province)
    long_ago = timezone.now() - timedelta(hours=1)
    CheckRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=long_ago, counts={})
    queued = run.parts.first()
    CheckRun.objects.filter(pk=queued.pk).update(status="queued", heartbeat_at=timezone.now())
    outcome = services.check_runs_reap()
    run.refresh_from_db()
    assert run.status == "running" and run.pk not in outcome["requeued"]  # its part is still to come
    CheckRun.objects.filter(pk=queued.pk).update(status="finished")
    services.check_runs_reap()
    run.refresh_from_db()
    assert run.status == "finished" and run.counts["created"] == EarlyWarning.objects.count()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_parts_write_side_by_side_and_a_run_over_the_same_county_waits(province, jurisdictions):
    """The period lock is per jurisdiction: a session holding 孝义市's lock for June holds up a run
    over 孝义市, not one over 盂县."""
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock((%s::bigint << 32) | %s)",
                           [202506, jurisdictions["xiaoyi"].pk])
        done = []

        def county(key):
            def run():
                result = run_over(jurisdictions[key]).status
                done.append(key)
                return result
            return run

        xiaoyi = threading.Thread(target=lambda: (county("xiaoyi")(), connection.close()))
        xiaoyi.start()
        assert in_threads(county("yuxian")) == ["finished"]
        xiaoyi.join(timeout=1)
        assert xiaoyi.is_alive() and done == ["yuxian"]
        other.rollback()  # releases the lock
        xiaoyi.join(timeout=30)
        assert done == ["yuxian", "xiaoyi"]
    finally:
        other.close()
    assert transaction.get_autocommit()
