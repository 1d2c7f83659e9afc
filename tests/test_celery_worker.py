"""Real Celery workers consuming from Redis (run in CI through scripts/test).

The workers are separate processes connected to the same test database, so the
tests use committed transactions (transaction=True)."""
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F

from enterprises import services as registry
from enterprises.models import MonthlyFigure
from monitoring import services
from monitoring.models import CheckRun, EarlyWarning
from monitoring.tasks import monthly_check_task, reap_check_runs_task

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.django_db(transaction=True)]


def broker_url():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("REDIS_URL must be set in CI: the worker tests need the real broker")
        pytest.skip("REDIS_URL not set (scripts/test sets it)")
    return url


class Worker:
    def __init__(self, queue, app="config.celery_app", **env):
        db = connection.settings_dict
        self.log = ROOT / "var" / f"worker-{queue}-{app.split('.')[0]}.log"
        self.log.parent.mkdir(exist_ok=True)
        environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
                       "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
                       "REDIS_URL": broker_url(), "CELERY_TASK_ALWAYS_EAGER": "false",
                       "CELERY_VISIBILITY_TIMEOUT": "2", **env}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", app, "worker", "-Q", queue, "--pool=solo", "--concurrency=1",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--prefetch-multiplier=1",
             "-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h", "-l", "INFO"],
            cwd=ROOT, env=environment, stdout=self.log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self):
        return self.log.read_text(errors="replace")[-3000:]


def wait_for(condition, timeout, worker, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{worker.output()}")


@pytest.fixture
def queue():
    """A fresh queue on the real broker; tasks sent from this process really go to Redis."""
    broker_url()
    from config.celery_app import app
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield f"test-{uuid.uuid4().hex[:10]}"
    app.conf.task_always_eager = eager


@pytest.fixture
def june_2025(yuxian_clerk, enterprises):
    shanghai = ZoneInfo("Asia/Shanghai")
    rows = []
    # Jan–May 2025 against a 24m 2024: 2.2m a month projects to 26.4m, 1.5m a month to 18m.
    for enterprise, monthly in ((enterprises["yu_gxj"], 2_200_000), (enterprises["yu_other"], 1_500_000)):
        for year in (2024, 2025):
            for month in range(1, 13 if year == 2024 else 6):
                rows.append(MonthlyFigure(enterprise=enterprise, year=year, month=month,
                                          revenue=Decimal(monthly if year == 2025 else 2_000_000),
                                          reported_at=datetime(2025, 1, 1, tzinfo=shanghai)))
    MonthlyFigure.objects.bulk_create(rows)
    registry.scale_event_record(user=yuxian_clerk, enterprise=enterprises["yu_other"], kind="first_entry",
                                on=date(2022, 12, 1))
    return enterprises


def test_a_worker_consumes_the_monthly_check_from_redis(queue, jurisdictions, june_2025):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    worker = Worker(queue)
    try:
        run = CheckRun.objects.create(jurisdiction=jurisdictions["yuxian"], year=2025, month=6)
        monthly_check_task.apply_async(args=[run.pk], queue=queue)
        wait_for(lambda: CheckRun.objects.get(pk=run.pk).status == "finished", 60, worker, "the check to finish")
        assert EarlyWarning.objects.filter(kind="exit_risk", enterprise=june_2025["yu_other"]).exists()
        assert "succeeded" in worker.output()
    finally:
        worker.stop()


def test_killing_a_worker_mid_run_then_re_running_loses_and_duplicates_nothing(queue, jurisdictions, june_2025):
    run = CheckRun.objects.create(jurisdiction=jurisdictions["yuxian"], year=2025, month=6)
    slow = Worker(queue, app="tests.slow_worker", XSG_PAUSE_BEFORE_WRITE="60")
    try:
        monthly_check_task.apply_async(args=[run.pk], queue=queue)
        # Classified everything and paused inside the write transaction: now kill it.
        wait_for(lambda: CheckRun.objects.filter(pk=run.pk, status="running", processed=2).exists(), 60, slow,
                 "the slow worker to reach the write")
        time.sleep(0.5)
        slow.kill()
    finally:
        slow.stop()
    assert EarlyWarning.objects.count() == 0  # the half-done write was rolled back, not half-written
    assert CheckRun.objects.get(pk=run.pk).status == "running"

    worker = Worker(queue)
    try:
        monthly_check_task.apply_async(args=[run.pk], queue=queue)  # re-run
        wait_for(lambda: CheckRun.objects.get(pk=run.pk).status == "finished", 60, worker, "the re-run")
        time.sleep(4)  # give a redelivered copy of the killed message time to run too
        wait_for(lambda: CheckRun.objects.get(pk=run.pk).status == "finished", 60, worker, "any redelivery")
    finally:
        worker.stop()
    run.refresh_from_db()
    assert run.attempts >= 2
    kinds = list(EarlyWarning.objects.order_by("enterprise_id", "kind").values_list("enterprise__name", "kind"))
    assert len(kinds) == len(set(kinds))  # nothing twice
    assert ("盂县石料加工厂", "exit_risk") in kinds and ("盂县耐火材料有限公司", "ready_to_declare") in kinds


def test_a_killed_workers_run_is_re_queued_by_the_reaper(queue, jurisdictions, june_2025):
    """The worker dies mid-run; nothing redelivers its message (a one-hour visibility timeout here);
    the reaper sees the run's heartbeat stop and its lock gone, re-queues it, and a worker finishes it."""
    from config.celery_app import app
    run = CheckRun.objects.create(jurisdiction=jurisdictions["yuxian"], year=2025, month=6)
    slow = Worker(queue, app="tests.slow_worker", XSG_PAUSE_BEFORE_WRITE="60", CELERY_VISIBILITY_TIMEOUT="3600")
    try:
        monthly_check_task.apply_async(args=[run.pk], queue=queue)
        wait_for(lambda: CheckRun.objects.filter(pk=run.pk, status="running", processed=2).exists(), 60, slow,
                 "the slow worker to reach the write")
        slow.kill()
    finally:
        slow.stop()
    assert CheckRun.objects.get(pk=run.pk).status == "running" and EarlyWarning.objects.count() == 0
    assert reap_check_runs_task.apply().get()["requeued"] == []  # just killed: not stale yet

    # As if the worker had been silent for longer than the reaper waits.
    CheckRun.objects.filter(pk=run.pk).update(heartbeat_at=F("heartbeat_at") - services.RUN_STALE_AFTER
                                              - timedelta(seconds=1))
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue  # the re-queued message goes to this test's queue
    try:
        assert reap_check_runs_task.apply().get()["requeued"] == [run.pk]
    finally:
        app.conf.task_default_queue = default_queue
    requeued = CheckRun.objects.get(pk=run.pk)
    assert (requeued.status, requeued.note, requeued.attempts) == ("requeued", "worker_lost", 1)
    assert requeued.get_note_display() == "工作进程中断，已重新排队"

    worker = Worker(queue, CELERY_VISIBILITY_TIMEOUT="3600")
    try:
        wait_for(lambda: CheckRun.objects.get(pk=run.pk).status == "finished", 60, worker, "the re-queued run")
    finally:
        worker.stop()
    run.refresh_from_db()
    assert run.attempts == 2
    kinds = list(EarlyWarning.objects.order_by("enterprise_id", "kind").values_list("enterprise__name", "kind"))
    assert len(kinds) == len(set(kinds))
    assert ("盂县石料加工厂", "exit_risk") in kinds and ("盂县耐火材料有限公司", "ready_to_declare") in kinds

