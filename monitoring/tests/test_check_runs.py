"""Check runs: one per jurisdiction and month at a time, claimed under a lock, with a heartbeat,
and a reaper that re-queues the runs of dead workers. Against PostgreSQL (advisory locks)."""
import re
import threading
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from django.core.checks import run_checks
from django.db import IntegrityError, OperationalError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from monitoring import services, tasks
from monitoring.models import CheckRun, EarlyWarning

from .test_monthly_check import check, scenario  # noqa: F401 - scenario is a fixture

pytestmark = pytest.mark.django_db
TODAY = date(2025, 7, 15)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("run locks and the reaper's liveness check need PostgreSQL")


def running_run(jurisdiction, *, silent_for, attempts=1, month=6):
    """A run a worker claimed and last reported on `silent_for` ago."""
    then = timezone.now() - silent_for
    return CheckRun.objects.create(jurisdiction=jurisdiction, year=2025, month=month, status="running",
                                   attempts=attempts, started_at=then, heartbeat_at=then,
                                   claim="gone-host:4242:0123456789ab", total=2, processed=1)


@contextmanager
def another_session_holding_the_lock_of(run):
    """A live worker elsewhere: its own database session holds the run's advisory lock."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", services._run_lock_key(run.pk))
        yield
    finally:
        other.close()


def in_threads(*targets):
    """Run each target in its own thread (own database connection); return results or exceptions."""
    results = [None] * len(targets)

    def wrap(index, target):
        try:
            results[index] = target()
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


# -- one run per jurisdiction and month ------------------------------------------------

def test_a_second_request_attaches_to_the_queued_run(yuxian_clerk, jurisdictions, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as sent:
        first, created = services.monthly_check_request(user=yuxian_clerk, jurisdiction=jurisdictions["yuxian"],
                                                        year=2025, month=6)
        again, created_again = services.monthly_check_request(user=None, jurisdiction=jurisdictions["yuxian"],
                                                              year=2025, month=6)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and CheckRun.objects.count() == 1
    assert len(sent) == 1  # one message for the one run
    # Another month, or the same month once the run has finished, is a new run.
    other, created = services.monthly_check_request(user=yuxian_clerk, jurisdiction=jurisdictions["yuxian"],
                                                    year=2025, month=5)
    assert created and other.pk != first.pk
    CheckRun.objects.filter(pk=first.pk).update(status="finished")
    rerun, created = services.monthly_check_request(user=yuxian_clerk, jurisdiction=jurisdictions["yuxian"],
                                                    year=2025, month=6)
    assert created and rerun.pk != first.pk


def test_the_database_refuses_a_second_active_run_of_the_same_month(jurisdictions):
    CheckRun.objects.create(jurisdiction=jurisdictions["yuxian"], year=2025, month=6, status="finished")
    CheckRun.objects.create(jurisdiction=jurisdictions["yuxian"], year=2025, month=6, status="running")
    CheckRun.objects.create(jurisdiction=jurisdictions["shanxi"], year=2025, month=6, status="queued")
    for status in ("queued", "running", "requeued"):
        with pytest.raises(IntegrityError), transaction.atomic():
            CheckRun.objects.create(jurisdiction=jurisdictions["yuxian"], year=2025, month=6, status=status)


def test_beat_firing_during_a_manual_run_attaches_to_it(yuxian_clerk, jurisdictions, monkeypatch):
    manual = CheckRun.objects.create(jurisdiction=jurisdictions["yuxian"], year=2025, month=6, status="running",
                                     requested_by=yuxian_clerk, heartbeat_at=timezone.now())
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2025, 7, 12))
    assert tasks.monthly_check_scheduled.apply(kwargs={"jurisdiction_key": "140322"}).get() == manual.pk
    assert CheckRun.objects.count() == 1


def test_a_second_start_on_the_page_says_the_check_is_already_going(client, yuxian_clerk, jurisdictions,
                                                                     django_capture_on_commit_callbacks):
    client.force_login(yuxian_clerk)
    form = {"jurisdiction": "140322", "year": 2025, "month": 6}
    with django_capture_on_commit_callbacks():  # the first run stays queued: no worker picks it up here
        client.post(reverse("monitoring:run_start"), form)
        page = client.post(reverse("monitoring:run_start"), form, follow=True).content.decode()
    assert CheckRun.objects.count() == 1
    assert "盂县 2025年6月的检查已在进行中（排队中），未重复提交" in page


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_the_same_moment_make_one_run(yuxian_clerk, jurisdictions, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "_dispatch", sent.append)
    barrier = threading.Barrier(2)

    def request():
        barrier.wait(timeout=10)
        with transaction.atomic():
            run, created = services.monthly_check_request(user=yuxian_clerk, jurisdiction=jurisdictions["yuxian"],
                                                          year=2025, month=6)
        return run.pk, created

    results = in_threads(request, request)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert results[0][0] == results[1][0] and {created for _pk, created in results} == {True, False}
    assert CheckRun.objects.count() == 1 and sent == [results[0][0]]


@pytest.mark.django_db(transaction=True)
def test_two_workers_handed_the_same_run_execute_it_once(yuxian_clerk, jurisdictions, scenario, monkeypatch):
    run = CheckRun.objects.create(jurisdiction=jurisdictions["yuxian"], year=2025, month=6)
    executions, returned, changed = [], [], threading.Condition()
    original = services.aggregates_for

    def execute_while_the_other_worker_has_its_go(*args, **kwargs):
        me = threading.get_ident()
        executions.append(me)
        with changed:  # hold the run until the other worker has returned (or 5 s, if it cannot)
            changed.wait_for(lambda: any(t != me for t in returned), timeout=5)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "aggregates_for", execute_while_the_other_worker_has_its_go)
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait(timeout=10)
        try:
            return services.monthly_check_run(run_id=run.pk, today=TODAY).status
        finally:
            with changed:
                returned.append(threading.get_ident())
                changed.notify_all()

    results = in_threads(worker, worker)
    assert sorted(results) == ["finished", "running"]  # the second worker found it running and left it
    run.refresh_from_db()
    assert len(executions) == 1 and run.status == "finished" and run.attempts == 1
    assert EarlyWarning.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_province_run_and_a_county_run_of_the_same_month_both_finish(jurisdictions, scenario, monkeypatch):
    """Both upsert the same warnings at the same time; neither fails on the one-per-period constraint."""
    province = CheckRun.objects.create(jurisdiction=jurisdictions["shanxi"], year=2025, month=6)
    county = CheckRun.objects.create(jurisdiction=jurisdictions["yuxian"], year=2025, month=6)
    arrived, lock = [], threading.Condition()
    original = services._insert_warnings

    def insert_when_both_are_here(*args, **kwargs):
        # Both runs have read the existing warnings (none) and are about to insert: wait for
        # the other run to get here too (or 3 s, if it cannot: it is waiting for this one).
        with lock:
            arrived.append(1)
            lock.notify_all()
            lock.wait_for(lambda: len(arrived) >= 2, timeout=3)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "_insert_warnings", insert_when_both_are_here)
    results = in_threads(lambda: services.monthly_check_run(run_id=province.pk, today=TODAY).status,
                         lambda: services.monthly_check_run(run_id=county.pk, today=TODAY).status)
    assert results == ["finished", "finished"]
    province.refresh_from_db()
    county.refresh_from_db()
    assert province.counts["created"] + county.counts["created"] == EarlyWarning.objects.count()
    assert EarlyWarning.objects.filter(enterprise__jurisdiction__path__startswith=jurisdictions["yuxian"].path).count() == 3


# -- redelivered and duplicate messages ---------------------------------------------------

def test_a_redelivered_message_for_a_finished_run_does_nothing(yuxian_clerk, jurisdictions, scenario, monkeypatch):
    run = check(yuxian_clerk, jurisdictions["yuxian"])
    before = (list(EarlyWarning.objects.order_by("pk").values()), EarlyWarning.history.count())

    def must_not_write(*args, **kwargs):
        raise AssertionError("a finished run was executed again")

    monkeypatch.setattr(services, "_write", must_not_write)
    assert tasks.monthly_check_task.apply(args=[run.pk]).get() == run.counts
    again = CheckRun.objects.get(pk=run.pk)
    assert (again.status, again.attempts, again.finished_at) == ("finished", 1, run.finished_at)
    assert (list(EarlyWarning.objects.order_by("pk").values()), EarlyWarning.history.count()) == before


def test_a_redelivered_message_for_a_failed_run_does_nothing(jurisdictions, monkeypatch):
    run = CheckRun.objects.create(jurisdiction=jurisdictions["yuxian"], year=2025, month=6, status="failed",
                                  attempts=1, error="RuntimeError('boom')")
    monkeypatch.setattr(services, "_check", lambda *a, **k: pytest.fail("a failed run was executed again"))
    tasks.monthly_check_task.apply(args=[run.pk]).get()
    run.refresh_from_db()
    assert (run.status, run.attempts, run.error) == ("failed", 1, "RuntimeError('boom')")


def test_a_message_for_a_run_a_live_worker_is_executing_does_nothing(jurisdictions, monkeypatch):
    run = running_run(jurisdictions["yuxian"], silent_for=timedelta(seconds=5))
    monkeypatch.setattr(services, "_check", lambda *a, **k: pytest.fail("executed twice at once"))
    with another_session_holding_the_lock_of(run):
        services.monthly_check_run(run_id=run.pk, today=TODAY)
    run.refresh_from_db()
    assert (run.status, run.attempts, run.claim) == ("running", 1, "gone-host:4242:0123456789ab")


def test_a_redelivered_message_takes_over_a_run_whose_worker_died(jurisdictions, scenario):
    run = running_run(jurisdictions["yuxian"], silent_for=timedelta(seconds=5))  # nobody holds its lock
    services.monthly_check_run(run_id=run.pk, today=TODAY)
    run.refresh_from_db()
    assert (run.status, run.attempts, run.note) == ("finished", 2, "taken_over")
    assert EarlyWarning.objects.count() == 3


def test_a_dead_workers_run_at_the_attempt_limit_is_failed_not_run_again(jurisdictions, monkeypatch):
    run = running_run(jurisdictions["yuxian"], silent_for=timedelta(seconds=5), attempts=services.RUN_MAX_ATTEMPTS)
    monkeypatch.setattr(services, "_check", lambda *a, **k: pytest.fail("ran past the attempt limit"))
    services.monthly_check_run(run_id=run.pk, today=TODAY)
    run.refresh_from_db()
    assert (run.status, run.note, run.attempts) == ("failed", "gave_up_worker_lost", services.RUN_MAX_ATTEMPTS)


def test_a_worker_whose_run_was_taken_from_it_writes_nothing(jurisdictions, scenario, monkeypatch):
    run = CheckRun.objects.create(jurisdiction=jurisdictions["yuxian"], year=2025, month=6)
    original = services._heartbeat

    def reaped_meanwhile(run_, token, **fields):
        if "processed" in fields:  # the reaper re-queued it and another worker claimed it
            CheckRun.objects.filter(pk=run_.pk).update(claim="other-host:1:ffffffffffff")
        return original(run_, token, **fields)

    monkeypatch.setattr(services, "_heartbeat", reaped_meanwhile)
    services.monthly_check_run(run_id=run.pk, today=TODAY)
    run.refresh_from_db()
    assert (run.status, run.claim) == ("running", "other-host:1:ffffffffffff")
    assert EarlyWarning.objects.count() == 0


# -- transient errors -----------------------------------------------------------------

@pytest.fixture
def as_a_worker_runs_it():
    """Eager tasks normally raise into the caller; a worker records the error (and retries) instead."""
    from config.celery_app import app
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = propagates


@pytest.mark.parametrize("error", [
    IntegrityError('duplicate key value violates unique constraint "warning_one_per_period"'),
    OperationalError("deadlock detected")])
def test_a_transient_database_error_is_retried_not_left_failed(jurisdictions, scenario, monkeypatch,
                                                               as_a_worker_runs_it, error):
    run = CheckRun.objects.create(jurisdiction=jurisdictions["yuxian"], year=2025, month=6)
    original, calls = services._write, []

    def conflict_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise error
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "_write", conflict_once)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    tasks.monthly_check_task.apply(args=[run.pk]).get()
    run.refresh_from_db()
    assert (run.status, run.attempts, run.note) == ("finished", 2, "transient")
    assert EarlyWarning.objects.count() == 3


def test_a_run_that_keeps_hitting_transient_errors_fails_with_the_reason(jurisdictions, scenario, monkeypatch,
                                                                         as_a_worker_runs_it):
    run = CheckRun.objects.create(jurisdiction=jurisdictions["yuxian"], year=2025, month=6)

    def always_conflict(*args, **kwargs):
        raise IntegrityError("conflict")

    monkeypatch.setattr(services, "_write", always_conflict)
    with pytest.raises(IntegrityError):
        tasks.monthly_check_task.apply(args=[run.pk]).get()
    run.refresh_from_db()
    assert (run.status, run.note, run.attempts) == ("failed", "gave_up_transient", services.RUN_MAX_ATTEMPTS)
    assert "conflict" in run.error


# -- the reaper ------------------------------------------------------------------------

def test_the_reaper_requeues_a_stale_run_and_leaves_a_fresh_one_alone(jurisdictions, scenario,
                                                                      django_capture_on_commit_callbacks):
    stale = running_run(jurisdictions["yuxian"], silent_for=services.RUN_STALE_AFTER + timedelta(minutes=1))
    fresh = running_run(jurisdictions["xiaoyi"], silent_for=timedelta(seconds=30))
    with django_capture_on_commit_callbacks() as sent:
        outcome = tasks.reap_check_runs_task.apply().get()
    assert outcome == {"requeued": [stale.pk], "failed": [], "resent": []}
    stale.refresh_from_db()
    assert (stale.status, stale.note, stale.attempts) == ("requeued", "worker_lost", 1)
    assert stale.get_note_display() == "工作进程中断，已重新排队"
    untouched = CheckRun.objects.get(pk=fresh.pk)
    assert (untouched.status, untouched.heartbeat_at, untouched.note) == ("running", fresh.heartbeat_at, "")
    # The re-queued message runs it again (in-process here), from scratch.
    assert len(sent) == 1
    sent[0]()
    stale.refresh_from_db()
    assert (stale.status, stale.attempts) == ("finished", 2)
    assert EarlyWarning.objects.count() == 3


def test_the_reaper_leaves_a_slow_but_live_worker_alone(jurisdictions):
    run = running_run(jurisdictions["yuxian"], silent_for=services.RUN_STALE_AFTER + timedelta(minutes=5))
    with another_session_holding_the_lock_of(run):
        assert services.check_runs_reap() == {"requeued": [], "failed": [], "resent": []}
    run.refresh_from_db()
    assert run.status == "running" and run.attempts == 1


def test_the_reaper_fails_a_run_whose_workers_keep_dying(jurisdictions):
    run = running_run(jurisdictions["yuxian"], silent_for=services.RUN_STALE_AFTER + timedelta(minutes=1),
                      attempts=services.RUN_MAX_ATTEMPTS)
    assert services.check_runs_reap()["failed"] == [run.pk]
    run.refresh_from_db()
    assert (run.status, run.note) == ("failed", "gave_up_worker_lost") and run.finished_at is not None
    # The month is free again: staff can start a new run.
    _new, created = services.monthly_check_request(user=None, jurisdiction=jurisdictions["yuxian"], year=2025,
                                                   month=6)
    assert created


def test_the_reaper_resends_a_queued_run_whose_message_was_lost(jurisdictions, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "_dispatch", sent.append)
    lost = CheckRun.objects.create(jurisdiction=jurisdictions["yuxian"], year=2025, month=6,
                                   heartbeat_at=timezone.now() - services.RUN_RESEND_AFTER - timedelta(minutes=1))
    waiting = CheckRun.objects.create(jurisdiction=jurisdictions["xiaoyi"], year=2025, month=6,
                                      heartbeat_at=timezone.now() - timedelta(minutes=1))
    assert services.check_runs_reap()["resent"] == [lost.pk]
    assert sent == [lost.pk]
    lost.refresh_from_db()
    assert lost.status == "queued" and lost.heartbeat_at > timezone.now() - timedelta(minutes=1)
    assert CheckRun.objects.get(pk=waiting.pk).status == "queued"
    assert services.check_runs_reap()["resent"] == []  # not again until it has waited as long once more


def test_the_reaper_runs_every_minute_from_beat(jurisdictions):
    from django_celery_beat.models import PeriodicTask
    services.reaper_schedule_sync()
    services.reaper_schedule_sync()  # idempotent
    task = PeriodicTask.objects.get(name="check-runs-reaper")
    assert task.task == "monitoring.tasks.reap_check_runs_task" and task.enabled
    assert (task.interval.every, task.interval.period) == (1, "minutes") and task.crontab is None


# -- the run page ------------------------------------------------------------------------

def test_the_run_page_shows_every_state_in_chinese(client, yuxian_clerk, jurisdictions):
    now = timezone.now()
    yuxian = jurisdictions["yuxian"]
    CheckRun.objects.create(jurisdiction=yuxian, year=2025, month=1)
    CheckRun.objects.create(jurisdiction=yuxian, year=2025, month=2, status="running", attempts=1, total=4,
                            processed=2, started_at=now, heartbeat_at=now)
    running_run(yuxian, silent_for=services.RUN_STALE_AFTER + timedelta(minutes=1), month=3)
    CheckRun.objects.create(jurisdiction=yuxian, year=2025, month=4, status="requeued", attempts=1,
                            note="worker_lost", heartbeat_at=now)
    CheckRun.objects.create(jurisdiction=yuxian, year=2025, month=5, status="finished", attempts=2,
                            note="worker_lost", total=2, processed=2, counts={"created": 2})
    CheckRun.objects.create(jurisdiction=yuxian, year=2025, month=6, status="failed", attempts=3,
                            note="gave_up_worker_lost")
    client.force_login(yuxian_clerk)
    html = client.get(reverse("monitoring:runs")).content.decode()
    cells = {}
    for row in html.split('<tr data-run="')[1:]:
        period = re.search(r">(\d{4}-\d{2})</td>", row).group(1)
        cells[period] = row.split('data-testid="run-status"')[1].split("</td>")[0]
    assert "排队中" in cells["2025-01"]
    assert "运行中" in cells["2025-02"] and "最近心跳" in cells["2025-02"]
    assert "心跳超时，工作进程可能已中断" in cells["2025-03"]
    assert "工作进程中断，已重新排队" in cells["2025-04"] and "（已运行1次，最多3次）" in cells["2025-04"]
    assert "已完成" in cells["2025-05"] and "第2次" in cells["2025-05"] and "此前：工作进程中断" in cells["2025-05"]
    assert "失败" in cells["2025-06"] and "工作进程多次中断，已达运行次数上限" in cells["2025-06"]
    assert "50%" in html  # progress of the running run


# -- the broker's visibility timeout ---------------------------------------------------------

def test_a_visibility_timeout_below_the_task_time_limit_is_flagged(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    assert not [m for m in run_checks(tags=["compatibility"]) if m.id == "monitoring.W001"]
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
    assert [m.id for m in run_checks(tags=["compatibility"]) if m.id == "monitoring.W001"] == ["monitoring.W001"]
