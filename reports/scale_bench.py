"""The province-scale jobs of the benchmark (issue 14; `manage.py bench --scale`).

Each job is timed like the leaders' pages (reports/benchmark.py). Besides the timings, two ratios say
whether the monthly check is set-based: against the *aggregate floor* (the check's aggregates as one
hand-written GROUP BY over the same monthly rows, fetched and nothing else: the least any check can
cost) and against a *plain ORM loop* (per enterprise: its aggregate query, the classification and each
warning saved on its own; run on a slice, rolled back, extrapolated to every enterprise of the run).
The check's e-mails are their own task in production; here they are captured and timed as their own job.
"""
import base64
import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from urllib.parse import urlencode

from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from enterprises import jurisdictions
from enterprises.models import Enterprise, Jurisdiction, MonthlyFigure, Role, User
from incentives import services as incentive_services
from incentives.models import EntitlementBatch
from monitoring import services as check_services
from monitoring.domain import checks
from monitoring.models import CheckRun, EarlyWarning

from . import benchmark

CHECK_TARGET = 10.0
BATCH_TARGET = 15.0
PAGE_TARGET = 0.3
ORM_SLICE = 200
BENCH_CLERK = "bench_clerk"


def clerk(root: Jurisdiction) -> User:
    return benchmark.bench_user(BENCH_CLERK, Role.CENTER_STAFF, root)


@contextmanager
def celery_workers(concurrency: int):
    """A Celery worker with `concurrency` processes on this settings' broker (Redis, loopback), for the
    duration of the block; this process sends it tasks (not eager) meanwhile. The queue is purged
    first, so nothing left over from another run is in the way."""
    from config.celery_app import app

    if not settings.REDIS_URL:
        raise RuntimeError("celery_workers needs REDIS_URL (a broker the worker can share)")
    app.control.purge()
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false",
           "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", f"--concurrency={concurrency}",
         "--pool=prefork", "--without-gossip", "--without-mingle", "--loglevel=WARNING",
         f"--hostname=bench{concurrency}@%h"], env=env, cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    eager = app.conf.task_always_eager
    peaks: list[float] = []
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[f"bench{concurrency}@{os.uname().nodename}"], timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the Celery worker did not start")
        app.conf.task_always_eager = False
        yield peaks
        peaks.extend(_peak_rss_mib(pid) for pid in _children(worker.pid))
    finally:
        app.conf.task_always_eager = eager
        worker.terminate()
        worker.wait(timeout=60)


def _children(pid: int) -> list[int]:
    """The worker's pool processes (Linux /proc), where the tasks ran."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
            return [int(child) for child in handle.read().split()]
    except OSError:
        return []


def _peak_rss_mib(pid: int) -> float:
    """A process's resident peak (VmHWM), MiB; 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def _wait_for(job, active, finished):
    deadline = time.monotonic() + 30 * 60
    while True:
        job.refresh_from_db(fields=["status", "error"])
        if job.status not in active:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"{job} did not finish within 30 minutes")
        time.sleep(0.05)
    if job.status != finished:
        raise RuntimeError(f"{job}: {job.status}: {job.error}")


def check_on_workers(root, year, month):
    """The monthly check as production runs it: requested, then split and checked by whatever
    workers are running (celery_workers); returns once the run has finished."""
    run, _created = check_services.monthly_check_request(user=None, jurisdiction=root, year=year, month=month)
    _wait_for(run, CheckRun.ACTIVE, CheckRun.Status.FINISHED)


def batch_on_workers(root, year, user):
    """The 免申即享 batch as production runs it (requested, split, computed by the workers)."""
    batch = incentive_services.entitlement_batch_request(user=user, jurisdiction=root, year=year)
    _wait_for(batch, (EntitlementBatch.Status.QUEUED, EntitlementBatch.Status.RUNNING),
              EntitlementBatch.Status.FINISHED)


def _subtree_ids(root):
    return list(Jurisdiction.objects.filter(path__startswith=root.path).values_list("pk", flat=True))


def aggregate_floor(root, year, month):
    """The check's aggregates hand-written as one GROUP BY over the rows it reads, fetched by a bare
    cursor: no ORM, no Python per row. Nothing that computes the same figures can cost less."""
    subtree = _subtree_ids(root)
    this_year = "f.year = %(y)s AND f.month <= %(m)s"
    last_year_same = "f.year = %(ly)s AND f.month <= %(m)s"
    trailing = f"({this_year}) OR (f.year = %(ly)s AND f.month > %(m)s)"
    this_month = "f.year = %(y)s AND f.month = %(m)s"
    before = " OR ".join(f"(f.year = {y} AND f.month = {m})" for y, m in check_services._months_before(year, month, 3))
    columns = [
        f"SUM(f.revenue) FILTER (WHERE {this_year})", f"COUNT(f.revenue) FILTER (WHERE {this_year})",
        f"SUM(f.revenue) FILTER (WHERE {last_year_same})", "SUM(f.revenue) FILTER (WHERE f.year = %(ly)s)",
        "COUNT(f.revenue) FILTER (WHERE f.year = %(ly)s)", f"SUM(f.revenue) FILTER (WHERE {trailing})",
        f"COUNT(f.revenue) FILTER (WHERE {trailing})", f"SUM(f.revenue) FILTER (WHERE {this_month})",
        f"SUM(f.output_value) FILTER (WHERE {this_month})", f"SUM(f.electricity_kwh) FILTER (WHERE {this_month})",
        f"COUNT(f.id) FILTER (WHERE {this_month} AND f.revenue IS NOT NULL)",
        f"SUM(f.revenue) FILTER (WHERE {before})", f"COUNT(f.revenue) FILTER (WHERE {before})",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT f.enterprise_id, {', '.join(columns)} FROM enterprises_monthlyfigure f "
            "JOIN enterprises_enterprise e ON e.id = f.enterprise_id "
            "WHERE e.jurisdiction_id = ANY(%(subtree)s) AND f.year IN (%(ly)s, %(y)s) GROUP BY f.enterprise_id",
            {"y": year, "m": month, "ly": year - 1, "subtree": subtree})
        return len(cursor.fetchall())


class _RolledBack(Exception):
    pass


def orm_loop(enterprises, year, month):
    """What a naive check does, enterprise by enterprise (here for a slice): its aggregate in one
    query, the classification, then each warning read and saved on its own (with its history).
    Everything is rolled back: the loop is timed, never kept."""
    settings_ = check_services._check_settings(check_services.policy_for(enterprises[0].jurisdiction))
    try:
        with transaction.atomic():
            for enterprise in enterprises:
                row = check_services.aggregates_for(Enterprise.objects.filter(pk=enterprise.pk), year, month)
                aggregates = check_services._aggregates(enterprise.pk, enterprise.is_in_scale, year, month,
                                                        row.get(enterprise.pk))
                for finding in checks.classify(aggregates, settings_, False):
                    EarlyWarning.objects.update_or_create(
                        enterprise=enterprise, kind=finding.kind, year=year, month=month,
                        defaults={"severity": finding.severity, "rule": finding.rule[:200],
                                  "evidence": json.loads(json.dumps(finding.evidence, default=str)),
                                  "opened_at": timezone.now()})
            raise _RolledBack
    except _RolledBack:
        pass


def _cursor(position) -> str:
    """A DRF cursor pointing after `position` (as its `next` link would, deep into the list)."""
    return base64.b64encode(urlencode({"p": position}).encode("ascii")).decode("ascii")


def _get(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return response


def jobs(root, year, month, enterprises: int, workers: bool = True):
    """The province-scale jobs, and a function giving the ratios after they ran."""
    user = clerk(root)
    client = Client()
    client.force_login(user)
    captured = {}
    state = {}

    def no_warnings():
        EarlyWarning.objects.filter(enterprise__jurisdiction__in=_subtree_ids(root), year=year, month=month).delete()
        CheckRun.objects.filter(jurisdiction=root, year=year, month=month, status__in=CheckRun.ACTIVE).update(
            status=CheckRun.Status.FAILED, error="benchmark: left over")

    def fresh_run():
        no_warnings()
        state["run"] = CheckRun.objects.create(jurisdiction=root, year=year, month=month)

    def check_in(part_size):
        def check():
            captured["ids"] = []
            original = check_services._queue_notifications
            check_services._queue_notifications = lambda ids: captured["ids"].extend(ids)
            try:
                with override_settings(CHECK_PART_ENTERPRISES=part_size):
                    run = check_services.monthly_check_run(run_id=state["run"].pk)
            finally:
                check_services._queue_notifications = original
            run.refresh_from_db()
            if run.status != CheckRun.Status.FINISHED:
                raise RuntimeError(f"check {run.status}: {run.error}")
        return check

    def on_workers(concurrency, kind):
        def run():
            with celery_workers(concurrency) as peaks:
                started = time.monotonic()
                if kind == "check":
                    check_on_workers(root, year, month)
                else:
                    batch_on_workers(root, year - 1, user)
                state.setdefault(kind, {}).setdefault(concurrency, []).append(time.monotonic() - started)
            # (read as the worker stops: each pool process's peak over every part it took)
            state.setdefault("worker_peak_rss_mib", {}).setdefault(kind, {})[f"x{concurrency}"] = max(
                peaks, default=0.0)
        return run

    def notify():
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            check_services.notify_new_warnings(captured.get("ids", []))
            mail.outbox = []

    def batch_in(part_size):
        def batch():
            created = EntitlementBatch.objects.create(jurisdiction=root, year=year - 1, requested_by=user)
            with override_settings(BATCH_PART_ENTERPRISES=part_size):
                incentive_services.entitlement_batch_run(batch_id=created.pk)
            created.refresh_from_db()
            if created.status != EntitlementBatch.Status.FINISHED:
                raise RuntimeError(f"batch {created.status}: {created.error}")
        return batch

    sample = list(Enterprise.objects.filter(jurisdiction__in=_subtree_ids(root)).select_related("jurisdiction")
                  .order_by("pk")[:ORM_SLICE])
    ids = Enterprise.objects.filter(jurisdiction__in=_subtree_ids(root)).order_by("pk").values_list("pk", flat=True)
    deep_enterprise = ids[max(0, enterprises - 60)] if enterprises else 0
    figures = MonthlyFigure.objects.filter(enterprise__jurisdiction__in=_subtree_ids(root)).order_by("pk")
    figure_count = figures.count()
    deep_figure = figures.values_list("pk", flat=True)[max(0, figure_count - 60)] if figure_count else 0
    last_page = max(1, (enterprises + 49) // 50)
    listing = reverse("enterprises:list")
    api = "/api/v1/"
    part = check_services._part_size()
    parts = len(jurisdictions.subtree_parts(root, part))
    job_list = [
        benchmark.Job("monthly check, warnings and history written", CHECK_TARGET, check_in(10 ** 9),
                      prepare=fresh_run),
        benchmark.Job("aggregate floor (one GROUP BY, fetched)", None, lambda: aggregate_floor(root, year, month)),
        benchmark.Job(f"plain ORM check, {ORM_SLICE} enterprises", None, lambda: orm_loop(sample, year, month)),
        benchmark.Job("check e-mails (own task)", None, notify),
        benchmark.Job(f"monthly check in {parts} parts of ≤{part:,} enterprises, one after another in this process",
                      None, check_in(part), prepare=fresh_run),
        # The job's time includes starting and stopping the worker; the job alone, from request to
        # finished, is in the ratios (on_workers_s).
        *([benchmark.Job(f"monthly check in {parts} parts, Celery worker ×{n} process(es), incl. worker start",
                         None, on_workers(n, "check"), prepare=no_warnings) for n in (1, 2)] if workers else []),
        benchmark.Job(f"免申即享 batch, {year - 1}", BATCH_TARGET, batch_in(10 ** 9)),
        benchmark.Job(f"免申即享 batch in {parts} parts, one after another in this process", None,
                      batch_in(incentive_services._part_size())),
        *([benchmark.Job(f"免申即享 batch in {parts} parts, Celery worker ×{n} process(es), incl. worker start",
                         None, on_workers(n, "batch")) for n in (1, 2)] if workers else []),
        benchmark.Job("staff enterprise list, page 1", PAGE_TARGET, lambda: _get(client, listing)),
        benchmark.Job(f"staff enterprise list, last page ({last_page})", PAGE_TARGET,
                      lambda: _get(client, f"{listing}?page={last_page}")),
        benchmark.Job(f"staff enterprise list, middle page ({last_page // 2})", PAGE_TARGET,
                      lambda: _get(client, f"{listing}?page={last_page // 2}")),
        benchmark.Job("staff enterprise list, ?pool=cultivation deep page", PAGE_TARGET,
                      lambda: _get(client, f"{listing}?pool=cultivation&page=600")),
        benchmark.Job("API enterprises, first page", PAGE_TARGET, lambda: _get(client, f"{api}enterprises/")),
        benchmark.Job("API enterprises, last page (cursor)", PAGE_TARGET,
                      lambda: _get(client, f"{api}enterprises/?cursor={_cursor(deep_enterprise)}")),
        benchmark.Job("API monthly figures, last page (cursor)", PAGE_TARGET,
                      lambda: _get(client, f"{api}monthly-figures/?cursor={_cursor(deep_figure)}")),
    ]

    def ratios(results) -> dict:
        by_name = {r.name: r for r in results}
        check_s = by_name[job_list[0].name].median
        floor_s = by_name[job_list[1].name].median
        loop_s = by_name[job_list[2].name].median / ORM_SLICE * enterprises
        on = {kind: {n: sorted(times)[len(times) // 2] for n, times in state.get(kind, {}).items()}
              for kind in ("check", "batch")}
        return {"check_over_floor": round(check_s / floor_s, 2) if floor_s else None,
                "on_workers_s": {kind: {f"x{n}": round(t, 2) for n, t in sorted(times.items())}
                                 for kind, times in on.items()},
                "check_on_workers_over_floor": {f"x{n}": round(t / floor_s, 2) for n, t in sorted(on["check"].items())
                                                if floor_s},
                "two_workers_speedup": {kind: round(times[1] / times[2], 2) for kind, times in on.items()
                                        if times.get(1) and times.get(2)},
                "worker_peak_rss_mib": state.get("worker_peak_rss_mib", {}),
                "orm_loop_extrapolated_s": round(loop_s, 1),
                "orm_loop_over_check": round(loop_s / check_s, 1) if check_s else None,
                "targets": {"check_over_floor_max": 4, "orm_loop_over_check_min": 50}}

    return job_list, ratios

