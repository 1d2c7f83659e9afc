"""The monthly check and the warning workflow."""
import json
import logging
import os
import socket
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from enterprises import access, jurisdictions
from enterprises.bulk_history import history_insert_select
from enterprises import selectors as registry_selectors
from enterprises.domain import formatting, reporting
from enterprises.domain import parts as parts_domain
from enterprises.domain.scale import ENTRY_KINDS
from enterprises.models import Enterprise, Jurisdiction, MonthlyFigure, PoolMembership, Role, ScaleEvent, User

from .domain import checks, pools, workflow
from .models import (
    ACTIVE_STATUSES,
    Assistance,
    CheckPolicy,
    CheckRun,
    EarlyWarning,
    PoolRule,
    Severity,
    WarningKind,
    WarningStatus,
)

logger = logging.getLogger(__name__)

PROGRESS_CHUNK = 500
HEARTBEAT_EVERY = 1.0  # seconds between progress writes of a running check
SCHEDULE_PREFIX = "monthly-check-"
REAPER_SCHEDULE = "check-runs-reaper"

# Runs and their workers (see monthly_check_run and check_runs_reap).
RUN_MAX_ATTEMPTS = 3                       # executions of one run, first one included
RUN_STALE_AFTER = timedelta(minutes=3)     # running without a heartbeat this long: the worker is presumed lost
RUN_RESEND_AFTER = timedelta(minutes=15)   # queued this long without being picked up: send the message again
RUN_RETRY_COUNTDOWN = 30                   # seconds before a run re-queued after a transient error is retried
TRANSIENT_ERRORS = (IntegrityError, OperationalError)
_RUN_LOCK = 0x58534701                     # PostgreSQL advisory-lock namespace ("XSG" 1)
# A run over more enterprises than this is split into parts that workers check in parallel, each part
# at most this many enterprises (one jurisdiction is never split); settings.CHECK_PART_ENTERPRISES.
CHECK_PART_ENTERPRISES = 20_000
AUTO_CLOSED = "auto_closed"                # history_change_reason of a warning the monthly check closed


def _require(check):
    allowed, reason = check
    if not allowed:
        raise PermissionDenied(reason)


def can_run_checks(user, jurisdiction) -> tuple[bool, str]:
    if user.is_superuser:
        return True, ""
    if user.role == Role.CENTER_STAFF and jurisdiction.path.startswith(user.jurisdiction.path):
        return True, ""
    return False, _("只有本区域中小企业服务中心工作人员可以运行检查")


def policy_for(jurisdiction: Jurisdiction) -> CheckPolicy:
    """The nearest configured policy up the tree, or the defaults."""
    keys = [k for k in jurisdiction.path.split("/") if k]
    found = {p.jurisdiction.key: p for p in CheckPolicy.objects.filter(jurisdiction__key__in=keys)
             .select_related("jurisdiction")}
    for key in reversed(keys):
        if key in found:
            return found[key]
    return CheckPolicy(jurisdiction=jurisdiction)


def policies_in_force(jurisdiction: Jurisdiction) -> dict[str, CheckPolicy]:
    """Every configured policy that governs some part of `jurisdiction`'s subtree, by the path of
    its jurisdiction: those on the way up to the root and those inside the subtree, in one query.
    A province's run thus meets each county's own policy, not only the province's (usually none)."""
    keys = [k for k in jurisdiction.path.split("/") if k]
    return {p.jurisdiction.path: p for p in CheckPolicy.objects.filter(
        Q(jurisdiction__key__in=keys) | Q(jurisdiction__path__startswith=jurisdiction.path))
        .select_related("jurisdiction")}


def governing_policy(path: str, in_force: dict[str, CheckPolicy]) -> CheckPolicy | None:
    """The policy of the nearest configured jurisdiction at or above the jurisdiction `path`."""
    while len(path) > 1:
        if path in in_force:
            return in_force[path]
        path = path[:path.rstrip("/").rfind("/") + 1]  # the parent's path
    return None


def _check_settings(policy: CheckPolicy) -> checks.CheckSettings:
    return checks.CheckSettings(margin=policy.margin, yoy_fall=policy.yoy_fall, jump_factor=policy.jump_factor,
                                near_zero_output=policy.near_zero_output,
                                min_electricity_kwh=policy.min_electricity_kwh)


def _in_scale_count(jurisdiction: Jurisdiction, day: date) -> int:
    """Enterprises of the subtree in scale at the end of `day`, from their scale events (one query)."""
    last = {}
    for enterprise_id, kind in (ScaleEvent.objects
                                .filter(enterprise__jurisdiction__path__startswith=jurisdiction.path,
                                        occurred_on__lte=day)
                                .order_by("occurred_on", "pk").values_list("enterprise_id", "kind")):
        last[enterprise_id] = kind
    return sum(1 for kind in last.values() if kind in ENTRY_KINDS)


def pool_policy_of(policy: CheckPolicy) -> pools.PoolPolicy:
    """The policy's pool rule as the domain takes it. 孝义's rule sizes its pools on an annual
    target; when none is set by hand it is derived from the plan's goal and the registry's count
    of enterprises in scale when the plan began (one query)."""
    at_start = None
    if policy.pool_rule == PoolRule.XIAOYI and not policy.annual_target and policy.plan_goal:
        at_start = _in_scale_count(policy.jurisdiction, date(pools.PLAN_FIRST_YEAR - 1, 12, 31))
    return pools.PoolPolicy(policy.pool_rule, policy.pool_rule_citation, policy.annual_target, policy.expected_count,
                            plan_goal=policy.plan_goal, plan_goal_citation=policy.plan_goal_citation,
                            in_scale_at_plan_start=at_start)


def previous_period(today: date) -> tuple[int, int]:
    first = today.replace(day=1) - timedelta(days=1)
    return first.year, first.month


# -- running a check -------------------------------------------------------------

class RunSuperseded(Exception):
    """This worker no longer holds the run's claim: the run was re-queued, taken over or finished."""


class RunRetry(Exception):
    """A transient database error; the run is re-queued and the task should retry it."""

    def __init__(self, error, countdown=RUN_RETRY_COUNTDOWN):
        super().__init__(repr(error))
        self.error, self.countdown = error, countdown


def _active_run(jurisdiction, year, month):
    return (CheckRun.objects.select_related("jurisdiction")
            .filter(jurisdiction=jurisdiction, year=year, month=month, status__in=CheckRun.ACTIVE,
                    parent__isnull=True).first())


def _dispatch(run_id: int):
    from .tasks import monthly_check_task
    monthly_check_task.delay(run_id)


def _dispatch_parts(run_ids: list[int], today: date):
    """The parts of a run as one Celery group: each worker free takes the next part. They judge
    lateness on the parent's day, whenever a worker gets to them."""
    from config.celery_app import send_group

    from .tasks import monthly_check_task
    send_group(monthly_check_task.si(run_id, today.isoformat()) for run_id in run_ids)


def monthly_check_request(*, user, jurisdiction: Jurisdiction, year: int, month: int) -> tuple[CheckRun, bool]:
    """Queue a check, or attach to the one already queued or running: returns (run, created).

    One run per jurisdiction and month at a time. A second request while a run is queued,
    running or re-queued (a double-click, beat firing during a manual run) does not queue
    another run: it gets the active one back with created=False, and the page says so.
    The database enforces it (partial unique constraint `checkrun_one_active_per_period`),
    so two requests racing each other end the same way: the loser's insert fails and it
    attaches to the winner's run.

    Attaching rather than queueing a second run behind the first: a queued run reads the
    figures when it starts, so it gives the second requester what a new run would; a run
    already running may miss figures saved after it read them, and staff can run the check
    again once it has finished (re-running only updates the warnings). Nothing waits behind
    a stuck run, and beat cannot pile runs up; the reaper (check_runs_reap) frees stuck runs.

    The task is sent when this transaction commits. `user` is None for the schedule.
    """
    if user is not None:
        _require(can_run_checks(user, jurisdiction))
    active = _active_run(jurisdiction, year, month)
    if active is not None:
        return active, False
    try:
        with transaction.atomic():
            run = CheckRun.objects.create(jurisdiction=jurisdiction, year=year, month=month, requested_by=user,
                                          heartbeat_at=timezone.now())
    except IntegrityError:
        active = _active_run(jurisdiction, year, month)
        if active is None:
            raise
        return active, False
    transaction.on_commit(partial(_dispatch, run.pk))
    return run, True


def _run_lock_key(run_id: int) -> tuple[int, int]:
    return _RUN_LOCK, run_id % 2_147_483_647


def _try_lock_run(run) -> bool:
    """Take the run's session-level advisory lock, held while this worker executes it.

    The lock lives as long as the worker's database session: if the worker dies, PostgreSQL
    drops it at once, so a run marked running whose lock is free has lost its worker. Without
    PostgreSQL (the SQLite demo runs tasks in-process) a stale heartbeat stands in for it."""
    if connection.vendor != "postgresql":
        return run.status != CheckRun.Status.RUNNING or run.heartbeat_stale
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", _run_lock_key(run.pk))
        return cursor.fetchone()[0]


def _unlock_run(run_id: int):
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", _run_lock_key(run_id))
    except DatabaseError:  # the session is gone, and its locks with it
        logger.warning("check run %s: could not release its lock; the session has ended", run_id)


def _executor_gone(run) -> bool:
    """For the reaper: no live session holds the run's lock (checked inside a transaction)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", _run_lock_key(run.pk))
        return cursor.fetchone()[0]


def _lock_period(year: int, month: int, jurisdiction_ids):
    """Serialise the warning writes of one month per jurisdiction (a province run and a county run
    of the same month upsert the same warnings): the second waits for the first to commit, then
    sees its rows and updates them instead of inserting them again. Locks per jurisdiction, not
    per month, so the parts of a province's run (disjoint jurisdictions) write side by side; taken
    in ascending order, so two runs over overlapping jurisdictions cannot deadlock. The 64-bit key
    space of advisory locks is apart from the two-key one of the run locks."""
    if connection.vendor == "postgresql":
        period = year * 100 + month
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(pg_advisory_xact_lock((%s::bigint << 32) | j)) "
                           "FROM (SELECT DISTINCT j FROM unnest(%s::int[]) AS j ORDER BY j) AS ordered",
                           [period, sorted(jurisdiction_ids)])


def _fenced(run_id: int, token: str):
    """The run, only while this worker's claim on it holds."""
    return CheckRun.objects.filter(pk=run_id, claim=token, status=CheckRun.Status.RUNNING)


def _heartbeat(run, token, **fields):
    now = timezone.now()
    if not _fenced(run.pk, token).update(heartbeat_at=now, **fields):
        raise RunSuperseded(run.pk)
    if run.parent_id:  # the parent's progress is its parts' progress
        processed = CheckRun.objects.filter(parent=run.parent_id).values("parent").annotate(n=Sum("processed"))
        CheckRun.objects.filter(pk=run.parent_id, status=CheckRun.Status.RUNNING).update(
            heartbeat_at=now, processed=Coalesce(Subquery(processed.values("n")), 0))


def _claim(run_id: int):
    """Claim the run for this worker, or None when there is nothing to do.

    Under the run row's lock: a finished or failed run (a late or duplicate message) is left
    alone; a run another live worker holds (its advisory lock is taken) is left alone; a
    queued or re-queued run is claimed; a run marked running whose worker has died (its lock
    is free) is taken over, within the attempt limit."""
    now = timezone.now()
    with transaction.atomic():
        run = (CheckRun.objects.select_for_update(of=("self",)).select_related("jurisdiction", "requested_by")
               .filter(pk=run_id).first())
        if run is None or run.status not in CheckRun.ACTIVE or run.note == CheckRun.Note.IN_PARTS \
                or not _try_lock_run(run):
            return None  # (a run split into parts, noted so with them, is finished by its parts)
        try:
            fields = {}
            if run.status == CheckRun.Status.RUNNING:
                if run.attempts >= RUN_MAX_ATTEMPTS:
                    CheckRun.objects.filter(pk=run_id).update(status=CheckRun.Status.FAILED, finished_at=now,
                                                              note=CheckRun.Note.GAVE_UP_WORKER_LOST)
                    _unlock_run(run_id)
                    transaction.on_commit(partial(_settle_parent, run.parent_id))
                    return None
                fields["note"] = CheckRun.Note.TAKEN_OVER
            token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
            CheckRun.objects.filter(pk=run_id).update(status=CheckRun.Status.RUNNING, claim=token, started_at=now,
                                                      heartbeat_at=now, processed=0, error="",
                                                      attempts=F("attempts") + 1, **fields)
        except BaseException:
            _unlock_run(run_id)
            raise
    return run, token


def _requeue_after_transient_error(run, token, error):
    """Put the run back in the queue (RunRetry) or, past the attempt limit, fail it and re-raise."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()  # a dropped connection is reopened
    run.refresh_from_db(fields=["attempts"])
    if run.attempts < RUN_MAX_ATTEMPTS:
        if _fenced(run.pk, token).update(status=CheckRun.Status.REQUEUED, heartbeat_at=timezone.now(),
                                         note=CheckRun.Note.TRANSIENT, error=repr(error)):
            raise RunRetry(error) from error
        return
    _fenced(run.pk, token).update(status=CheckRun.Status.FAILED, finished_at=timezone.now(),
                                  note=CheckRun.Note.GAVE_UP_TRANSIENT, error=repr(error))
    _settle_parent(run.parent_id)
    raise error


def monthly_check_run(*, run_id: int, today: date | None = None) -> CheckRun:
    """Check every enterprise of the run's jurisdiction for the run's month.

    Steps:
      1. claim the run (see _claim): a message for a run that is finished, failed or being
         executed by another live worker does nothing, so redelivered and duplicate messages
         are harmless; the claim is a token, and every later write checks it (a fence), so a
         worker that lost its run — re-queued by the reaper, taken over — never writes results;
      2. one aggregate query gives each enterprise's YTD, last year's same period and total,
         trailing 12 months, this month's figures and the three months before;
      3. classify in memory, recording progress and a heartbeat every chunk (outside the
         write transaction, so staff watching the run see it move, and the reaper sees the
         worker is alive);
      4. pool suggestions, each enterprise by the rule of the policy governing its own
         jurisdiction (in a province's run, each county's own rule), grouped by policy;
      5. one transaction, serialised per month with the other runs of the month, upserts
         warnings (one per enterprise, kind and period), closes open warnings that no longer
         fire, marks the run finished and queues the e-mails for after the commit;
      6. on a transient database error (a conflict, a dropped connection) the run is re-queued
         and RunRetry raised for the task to retry it; on any other error it is marked failed.

    A run over more than CHECK_PART_ENTERPRISES enterprises is not checked in one piece: step 2
    becomes splitting it into parts (_split_into_parts, neighbouring jurisdictions, one county
    never split), each a run of its own sent to the workers as one Celery group, so N workers
    share a province and each holds one part's rows in memory, not the province's. Every part
    goes through the steps above on its own (claim, heartbeat, retries, the reaper) and, when it
    ends, settles the parent (_settle_parent): the last one marks it finished with the summed
    counts, or failed, naming the jurisdictions whose part failed.
    """
    today = today or timezone.localdate()
    claimed = _claim(run_id)
    if claimed is None:
        return CheckRun.objects.select_related("jurisdiction").get(pk=run_id)
    run, token = claimed
    try:
        if run.parent_id is not None or not _split_into_parts(run, token, today):
            _check(run, today, token)
    except RunSuperseded:
        logger.warning("check run %s: this worker's claim was superseded; its results were discarded", run_id)
    except TRANSIENT_ERRORS as error:
        _requeue_after_transient_error(run, token, error)
    except Exception as error:
        if _fenced(run_id, token).update(status=CheckRun.Status.FAILED, finished_at=timezone.now(),
                                         error=repr(error)):
            _settle_parent(run.parent_id)
        raise
    finally:
        _unlock_run(run_id)
    run.refresh_from_db()
    return run


def _part_size() -> int:
    return getattr(settings, "CHECK_PART_ENTERPRISES", CHECK_PART_ENTERPRISES)


def _split_into_parts(run: CheckRun, token: str, today: date) -> bool:
    """Split a large run into parts and queue them (see monthly_check_run); False when one part
    would do. The parts are created, and the run marked as split, in one transaction."""
    plan = jurisdictions.subtree_parts(run.jurisdiction, _part_size())
    if len(plan) < 2:
        return False
    with transaction.atomic():
        if not _fenced(run.pk, token).select_for_update().exists():
            raise RunSuperseded(run.pk)
        now = timezone.now()
        parts = CheckRun.objects.bulk_create([
            CheckRun(parent=run, jurisdiction_id=run.jurisdiction_id, year=run.year, month=run.month,
                     requested_by_id=run.requested_by_id, scope=list(part.jurisdiction_ids),
                     total=part.enterprises, heartbeat_at=now) for part in plan])
        _fenced(run.pk, token).update(total=sum(part.enterprises for part in plan), processed=0, heartbeat_at=now,
                                      note=CheckRun.Note.IN_PARTS)
        transaction.on_commit(partial(_dispatch_parts, [part.pk for part in parts], today))
    return True


def _settle_parent(parent_id: int | None):
    """After a part ends: when none of the parent's parts is active any more, the parent is
    finished with their summed counts, or failed with the errors of the parts that failed.
    Under the parent row's lock, so of two parts ending together exactly one settles it."""
    if parent_id is None:
        return
    with transaction.atomic():
        parent = CheckRun.objects.select_for_update().filter(pk=parent_id, status=CheckRun.Status.RUNNING).first()
        if parent is None:
            return
        parts = list(parent.parts.order_by("pk").values_list("status", "processed", "counts", "error", "scope"))
        processed = sum(p[1] for p in parts)
        now = timezone.now()
        if any(status in CheckRun.ACTIVE for status, *_rest in parts):
            CheckRun.objects.filter(pk=parent_id).update(processed=processed, heartbeat_at=now)
            return
        counts = parts_domain.summed_counts([part_counts for _status, _processed, part_counts, _e, _s in parts])
        failed = [(error, scope) for status, _processed, _counts, error, scope in parts
                  if status == CheckRun.Status.FAILED]
        if not failed:
            CheckRun.objects.filter(pk=parent_id).update(status=CheckRun.Status.FINISHED, finished_at=now,
                                                         heartbeat_at=now, processed=processed, counts=counts)
            return
        CheckRun.objects.filter(pk=parent_id).update(
            status=CheckRun.Status.FAILED, finished_at=now, heartbeat_at=now, processed=processed, counts=counts,
            note=CheckRun.Note.PART_FAILED, error=jurisdictions.failed_parts_text(failed, _("检查失败")))


def _silent_since(cut):
    """No heartbeat (or, for older rows, start or creation) since `cut`."""
    return (Q(heartbeat_at__lt=cut) | Q(heartbeat_at__isnull=True, started_at__lt=cut)
            | Q(heartbeat_at__isnull=True, started_at__isnull=True, created_at__lt=cut))


def check_runs_reap(*, now=None) -> dict[str, list[int]]:
    """Find runs whose worker died and queue them again (beat runs this every minute).

    A running run whose heartbeat is older than RUN_STALE_AFTER, and whose advisory lock no
    live database session holds, has lost its worker: it is marked re-queued with a note
    (工作进程中断，已重新排队) and sent again, or, after RUN_MAX_ATTEMPTS executions, failed
    with the reason. A run whose heartbeat is old but whose worker still holds the lock is
    slow, not dead, and is left alone. The broker's visibility timeout stays a last resort:
    a redelivered original message finds the run re-queued (and runs it once) or finished
    (and does nothing).

    A queued or re-queued run not picked up within RUN_RESEND_AFTER may have lost its message
    (the broker was down when it was sent, or restarted): the message is sent again; if the
    first one turns up too, whichever comes second does nothing.
    """
    now = now or timezone.now()
    outcome = {"requeued": [], "failed": [], "resent": []}
    split = Exists(CheckRun.objects.filter(parent=OuterRef("pk")))
    stale = (CheckRun.objects.filter(_silent_since(now - RUN_STALE_AFTER), status=CheckRun.Status.RUNNING)
             .filter(~split))  # a run split into parts lives by its parts
    for run_id in list(stale.values_list("pk", flat=True)):
        with transaction.atomic():
            run = stale.select_for_update(skip_locked=True).filter(pk=run_id).first()
            if run is None or not _executor_gone(run):
                continue
            if run.attempts >= RUN_MAX_ATTEMPTS:
                CheckRun.objects.filter(pk=run.pk).update(status=CheckRun.Status.FAILED, finished_at=now,
                                                          note=CheckRun.Note.GAVE_UP_WORKER_LOST)
                transaction.on_commit(partial(_settle_parent, run.parent_id))
                outcome["failed"].append(run.pk)
            else:
                CheckRun.objects.filter(pk=run.pk).update(status=CheckRun.Status.REQUEUED, heartbeat_at=now,
                                                          note=CheckRun.Note.WORKER_LOST)
                transaction.on_commit(partial(_dispatch, run.pk))
                outcome["requeued"].append(run.pk)
    waiting = CheckRun.objects.filter(_silent_since(now - RUN_RESEND_AFTER),
                                      status__in=(CheckRun.Status.QUEUED, CheckRun.Status.REQUEUED))
    for run_id in list(waiting.values_list("pk", flat=True)):
        if waiting.filter(pk=run_id).update(heartbeat_at=now):
            _dispatch(run_id)
            outcome["resent"].append(run_id)
    # A split run whose parts have all ended but which no part settled (a part given up by a
    # path that could not reach its parent): settled here.
    for parent_id in CheckRun.objects.filter(split, status=CheckRun.Status.RUNNING).exclude(
            Exists(CheckRun.objects.filter(parent=OuterRef("pk"), status__in=CheckRun.ACTIVE))
    ).values_list("pk", flat=True):
        _settle_parent(parent_id)
    if any(outcome.values()):
        logger.warning("check runs reaped: %s", outcome)
    return outcome


def _period_q(periods):
    q = Q(pk__in=[])
    for year, month in periods:
        q |= Q(year=year, month=month)
    return q


def _months_before(year, month, n):
    out = []
    for _i in range(n):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        out.append((year, month))
    return out


def aggregates_for(enterprises, year: int, month: int) -> dict[int, dict]:
    """Per-enterprise monthly aggregates for the period, in one query."""
    this_year = Q(year=year, month__lte=month)
    last_year_same = Q(year=year - 1, month__lte=month)
    trailing = this_year | Q(year=year - 1, month__gt=month)
    this_month = Q(year=year, month=month)
    before = _period_q(_months_before(year, month, 3))
    has_revenue = Q(revenue__isnull=False)
    rows = (MonthlyFigure.objects.filter(enterprise__in=enterprises, year__in=(year - 1, year))
            .values("enterprise_id").annotate(
                ytd=Sum("revenue", filter=this_year), ytd_months=Count("revenue", filter=this_year),
                ytd_last_year=Sum("revenue", filter=last_year_same),
                last_year_total=Sum("revenue", filter=Q(year=year - 1)),
                last_year_months=Count("revenue", filter=Q(year=year - 1)),
                trailing12=Sum("revenue", filter=trailing), trailing12_months=Count("revenue", filter=trailing),
                revenue_this_month=Sum("revenue", filter=this_month),
                output_this_month=Sum("output_value", filter=this_month),
                electricity_this_month=Sum("electricity_kwh", filter=this_month),
                reported_this_month=Count("id", filter=this_month & has_revenue),
                before_sum=Sum("revenue", filter=before), before_months=Count("revenue", filter=before),
            ))
    if connection.vendor == "postgresql":
        # The same SQL, fetched by the cursor: psycopg2 already gives Decimal and int, and skipping
        # Django's per-value converters (13 per enterprise) saves seconds at a province (issue 14).
        sql, params = rows.query.sql_with_params()
        names = [*rows.query.values_select, *rows.query.annotation_select]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        if fetched and len(fetched[0]) != len(names):
            raise RuntimeError("aggregates_for: the query's columns are not the expected ones")
        return {row[0]: dict(zip(names, row)) for row in fetched}
    return {row["enterprise_id"]: row for row in rows}


def _aggregates(enterprise_id, in_scale, year, month, row) -> checks.Aggregates:
    row = row or {}
    before_months = row.get("before_months") or 0
    return checks.Aggregates(
        enterprise_id=enterprise_id, in_scale=in_scale, year=year, month=month,
        ytd=row.get("ytd"), ytd_months=row.get("ytd_months") or 0, ytd_last_year=row.get("ytd_last_year"),
        last_year_total=row.get("last_year_total"), last_year_months=row.get("last_year_months") or 0,
        trailing12=row.get("trailing12"), trailing12_months=row.get("trailing12_months") or 0,
        revenue_this_month=row.get("revenue_this_month"), output_this_month=row.get("output_this_month"),
        electricity_this_month=row.get("electricity_this_month"),
        has_figure_this_month=bool(row.get("reported_this_month")),
        previous_three_avg=row["before_sum"] / before_months if before_months == 3 else None,
    )


def _check(run: CheckRun, today: date, token: str) -> dict:
    settings_ = _check_settings(policy_for(run.jurisdiction))
    # Each enterprise is checked under the policy that governs its own jurisdiction (a county's
    # policy in a province's run), looked up once per jurisdiction, never per enterprise.
    in_force = policies_in_force(run.jurisdiction)
    governing: dict[str, CheckPolicy | None] = {}
    settings_of = {p.pk: _check_settings(p) for p in in_force.values()}
    pool_groups: dict[int, list[pools.Candidate]] = defaultdict(list)  # policy → its enterprises
    late = today > registry_selectors.report_deadline(run.jurisdiction, run.year, run.month)
    # The subtree as a list of jurisdiction ids: PostgreSQL estimates `jurisdiction_id IN (…)` well,
    # where a path LIKE inside the queries below made it expect one enterprise and walk an index per
    # enterprise (issue 14: 2.5× on the aggregate at 50,000 enterprises).
    subtree = run.scope or list(Jurisdiction.objects.filter(path__startswith=run.jurisdiction.path)
                                .values_list("pk", flat=True))
    enterprises = Enterprise.objects.filter(jurisdiction_id__in=subtree)
    ids = enterprises.values("pk")
    people = list(enterprises.values_list("pk", "is_in_scale", "category", "jurisdiction__path").order_by("pk"))
    _heartbeat(run, token, total=len(people))
    rows = aggregates_for(ids, run.year, run.month)
    findings: dict[tuple[int, str], checks.Finding] = {}
    fresh: dict[int, checks.Aggregates] = {}  # this run's figures, for warnings it closes
    current_pool = dict(PoolMembership.objects.filter(enterprise__in=ids, exited_on__isnull=True)
                        .values_list("enterprise_id", "pool"))
    exited = set(ScaleEvent.objects.filter(enterprise__in=ids, kind="exit",
                                           occurred_on__gte=date(run.year - 3, run.month, 1))
                 .values_list("enterprise_id", flat=True))
    beat = time.monotonic()
    for index, (enterprise_id, in_scale, category, path) in enumerate(people, start=1):
        if path not in governing:
            governing[path] = governing_policy(path, in_force)
        own = governing[path]
        row = rows.get(enterprise_id)
        aggregates = _aggregates(enterprise_id, in_scale, run.year, run.month, row)
        fresh[enterprise_id] = aggregates
        for finding in checks.classify(aggregates, settings_of[own.pk] if own else settings_, late):
            findings[(enterprise_id, finding.kind)] = finding
        if own is not None and own.pool_rule:
            pool_groups[own.pk].append(pools.Candidate(
                enterprise_id, in_scale, current_pool.get(enterprise_id),
                aggregates.last_year_total if aggregates.last_year_months == 12 else None,
                aggregates.trailing12 if aggregates.trailing12_months == 12 else None,
                exited_recently=enterprise_id in exited and not in_scale, new_project=category == "new_project"))
        if index % PROGRESS_CHUNK == 0 and time.monotonic() - beat >= HEARTBEAT_EVERY:
            # progress for the page and the reaper; at most once a second, not once per chunk
            _heartbeat(run, token, processed=index)
            beat = time.monotonic()
    policies = {p.pk: p for p in in_force.values()}
    for policy_pk, candidates in pool_groups.items():
        for suggestion in pools.suggest(pool_policy_of(policies[policy_pk]), candidates, run.month):
            aggregates = fresh[suggestion.enterprise_id]
            findings[(suggestion.enterprise_id, WarningKind.POOL_SUGGESTION)] = checks.Finding(
                WarningKind.POOL_SUGGESTION, "low", f"{suggestion.citation}：建议调入{_pool_label(suggestion.pool)}",
                {**checks.evidence_of(aggregates, checks.derive(aggregates)),
                 "pool": suggestion.pool, "reason": suggestion.reason, "citation": suggestion.citation,
                 "current_pool": current_pool.get(suggestion.enterprise_id)})
    _heartbeat(run, token, processed=len(people))
    with transaction.atomic():
        _lock_period(run.year, run.month, subtree)
        if not _fenced(run.pk, token).select_for_update().exists():
            raise RunSuperseded(run.pk)
        counts, created = _write(run, ids, findings, fresh, settings_, late)
        _fenced(run.pk, token).update(status=CheckRun.Status.FINISHED, finished_at=timezone.now(),
                                      heartbeat_at=timezone.now(), counts=counts, processed=len(people))
        _settle_parent(run.parent_id)
        # The e-mails are their own task (monitoring.tasks.notify_new_warnings_task): the run is
        # finished when its warnings are written, not when the mail server has answered.
        created_ids = [w.pk for w in created]
        transaction.on_commit(lambda: _queue_notifications(created_ids))
    return counts


def _pool_label(pool):
    from enterprises.models import Pool
    return Pool(pool).label


def _wan(value):
    return formatting.wan_yuan(value)


def _no_longer_fires(warning, a: checks.Aggregates | None, settings_: checks.CheckSettings, late: bool) -> str:
    """Why the check no longer raises `warning`, from the run's fresh figures."""
    if a is None:
        return _("企业已不在本次检查范围内")
    kind = warning.kind
    if kind == WarningKind.LATE_REPORT:
        if a.has_figure_this_month:
            return _("已报送%(year)s年%(month)s月数据") % {"year": a.year, "month": a.month}
        return _("报送期限未到")
    projection = checks.derive(a).projection
    if kind == WarningKind.EXIT_RISK:
        if not a.in_scale:
            return _("企业已不在规上名录")
        return _("预计全年主营业务收入%(projection)s，已不在退规风险范围") % {"projection": _wan(projection)}
    if kind == WarningKind.READY_TO_DECLARE:
        if a.in_scale:
            return _("企业已纳入规上名录")
        return _("近12个月主营业务收入%(trailing)s、预计全年%(projection)s，均未达到2000万元") % {
            "trailing": _wan(a.trailing12), "projection": _wan(projection)}
    if kind == WarningKind.INTEGRITY_NO_OUTPUT:
        return _("当月用电量%(kwh)s千瓦时、工业总产值%(output)s，不再属于有电量无产值") % {
            "kwh": formatting.kwh(a.electricity_this_month),
            "output": _wan(a.output_this_month)}
    if kind == WarningKind.INTEGRITY_JUMP:
        return _("当月主营业务收入%(revenue)s，未超过前三个月平均值%(average)s的%(factor)s倍") % {
            "revenue": _wan(a.revenue_this_month), "average": _wan(a.previous_three_avg),
            "factor": formatting.plain(settings_.jump_factor)}
    if kind == WarningKind.POOL_SUGGESTION:
        return _("入库规则不再建议调整")
    return _("复核后不再触发")


def _write(run, ids, findings, fresh=None, settings_=None, late=False):
    now = timezone.now()
    # Locks the warnings only (of=self, unordered): the default ordering joins the enterprises, and
    # FOR UPDATE would lock every one of them, holding up staff and the other parts of a split run.
    existing = {(w.enterprise_id, w.kind): w for w in EarlyWarning.objects.select_for_update(of=("self",))
                .order_by().filter(enterprise__in=ids, year=run.year, month=run.month)}
    counts = defaultdict(int)
    to_create, to_update = [], []
    for (enterprise_id, kind), finding in findings.items():
        counts[kind] += 1
        current = existing.get((enterprise_id, kind))
        evidence = json.loads(json.dumps(finding.evidence, default=str))
        if current is None:
            to_create.append(EarlyWarning(enterprise_id=enterprise_id, kind=kind, year=run.year, month=run.month,
                                          severity=finding.severity, rule=finding.rule[:200], evidence=evidence,
                                          run=run, opened_at=now))
        elif (current.severity, current.rule, current.evidence) != (finding.severity, finding.rule[:200], evidence):
            current.severity, current.rule, current.evidence, current.run = (finding.severity, finding.rule[:200],
                                                                             evidence, run)
            to_update.append(current)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    for key, current in existing.items():
        if key not in findings and current.status == WarningStatus.OPEN \
                and current.evidence.get("source") != ENTERPRISE_REPORT:  # staff look at those themselves
            # Say why, and keep the figures it was closed on (what raised it stays in the history).
            aggregates = (fresh or {}).get(current.enterprise_id)
            reason = _no_longer_fires(current, aggregates, settings_ or checks.CheckSettings(), late)
            current.status, current.resolved_at, current.run = WarningStatus.CLOSED, now, run
            current.outcome = _("月度检查（%(year)s年%(month)s月）不再触发：%(reason)s，自动关闭") % {
                "year": run.year, "month": run.month, "reason": reason}
            if aggregates is not None:
                current.evidence = json.loads(json.dumps(
                    checks.evidence_of(aggregates, checks.derive(aggregates)), default=str))
            current._change_reason = AUTO_CLOSED
            to_update.append(current)
            counts["auto_closed"] += 1
    # Plain bulk writes, then their history copied by the database in one statement each
    # (enterprises.bulk_history): Python builds no historical object per warning.
    if to_create:
        _insert_warnings(to_create, run.requested_by, now)
    if to_update:
        EarlyWarning.objects.bulk_update(to_update, batch_size=1000, fields=[
            "severity", "rule", "evidence", "run", "status", "outcome", "resolved_at"])
        for reason in {getattr(w, "_change_reason", None) for w in to_update}:
            history_insert_select(EarlyWarning, [w.pk for w in to_update
                                                 if getattr(w, "_change_reason", None) == reason],
                                  history_type="~", user=run.requested_by, reason=reason, when=now)
    counts["created"] = len(to_create)
    return dict(counts), to_create  # PostgreSQL and SQLite both return primary keys from bulk_create


WARNING_COLUMNS = ("enterprise_id", "kind", "year", "month", "severity", "rule", "evidence", "status", "outcome",
                   "run_id", "opened_at", "updated_at")


def _insert_warnings(warnings, user, when):
    """Insert new warnings and their history. On PostgreSQL one INSERT … SELECT FROM unnest(arrays)
    per 20,000 warnings (Django's bulk_create spent most of a province's write preparing each value);
    elsewhere (the SQLite demo) bulk_create."""
    if connection.vendor != "postgresql":
        EarlyWarning.objects.bulk_create(warnings, batch_size=2000)
    else:
        fields = {f.attname: f for f in EarlyWarning._meta.concrete_fields}
        casts = ", ".join(f"%s::{fields[c].db_type(connection)}[]" for c in WARNING_COLUMNS)
        sql = (f"INSERT INTO {connection.ops.quote_name(EarlyWarning._meta.db_table)} "
               f"({', '.join(connection.ops.quote_name(fields[c].column) for c in WARNING_COLUMNS)}) "
               f"SELECT * FROM unnest({casts}) RETURNING id, enterprise_id, kind")
        by_key = {(w.enterprise_id, w.kind): w for w in warnings}  # unique within a run's period
        for start in range(0, len(warnings), 20_000):
            part = warnings[start:start + 20_000]
            for w in part:
                w.updated_at = when
            columns = [[json.dumps(w.evidence, ensure_ascii=False) if c == "evidence" else getattr(w, c)
                        for w in part] for c in WARNING_COLUMNS]
            with connection.cursor() as cursor:
                cursor.execute(sql, columns)
                for pk, enterprise_id, kind in cursor.fetchall():
                    by_key[(enterprise_id, kind)].pk = pk
        for w in warnings:
            w._state.adding, w._state.db = False, "default"
    history_insert_select(EarlyWarning, [w.pk for w in warnings], history_type="+", user=user, when=when)


# -- notifications and escalation ---------------------------------------------------

def _queue_notifications(warning_ids):
    if warning_ids:
        from .tasks import notify_new_warnings_task

        notify_new_warnings_task.delay(warning_ids)


def _recipients(enterprises, roles):
    """Users responsible for each enterprise: staff of its department, and people
    of the given roles whose jurisdiction contains it. Users are looked up by the
    enterprise's department and by each jurisdiction up its path (a handful of dict
    lookups per enterprise, never a scan of all users per enterprise)."""
    users = list(User.objects.filter(is_active=True, role__in=roles).exclude(email="")
                 .select_related("jurisdiction"))
    by_department, by_path = defaultdict(list), defaultdict(list)
    for user in users:
        if user.role == Role.DEPARTMENT_STAFF:
            if user.department_id:
                by_department[user.department_id].append(user)
        elif user.jurisdiction_id:
            by_path[user.jurisdiction.path].append(user)
    out = defaultdict(set)
    for enterprise in enterprises:
        for user in by_department.get(enterprise.department_id, ()):
            out[user].add(enterprise.pk)
        path = enterprise.jurisdiction.path
        for end in (i + 1 for i, char in enumerate(path) if char == "/" and i):
            for user in by_path.get(path[:end], ()):
                out[user].add(enterprise.pk)
    return out


def notify_new_warnings(warning_ids: list[int]):
    """One summary e-mail per responsible person, not one per warning."""
    if not warning_ids:
        return 0
    warnings = list(EarlyWarning.objects.filter(pk__in=warning_ids).select_related(
        "enterprise", "enterprise__jurisdiction"))
    by_enterprise = defaultdict(list)
    for warning in warnings:
        by_enterprise[warning.enterprise_id].append(warning)
    sent = 0
    recipients = _recipients({w.enterprise for w in warnings}, (Role.CENTER_STAFF, Role.DEPARTMENT_STAFF))
    labels = _labels()
    line_of = {w.pk: _warning_line(w, labels) for w in warnings}  # once per warning, not per recipient
    for user, enterprise_ids in recipients.items():
        lines = [line_of[w.pk] for eid in sorted(enterprise_ids) for w in by_enterprise[eid]]
        greeting = _("%(name)s：您负责的企业新增预警%(n)s条。") % {"name": formatting.person(user), "n": len(lines)}
        send_mail(_("【小升规】新增预警%(n)s条") % {"n": len(lines)}, "\n".join([greeting, ""] + lines),
                  settings.DEFAULT_FROM_EMAIL, [user.email])
        sent += 1
    return sent


def _labels() -> dict:
    """Kind and severity labels translated once (not a lazy translation per warning and recipient)."""
    return {**{("kind", k): str(v) for k, v in WarningKind.choices},
            **{("severity", k): str(v) for k, v in Severity.choices}}


def _warning_line(warning, labels=None) -> str:
    """One warning in an e-mail: enterprise, kind, severity, rule and its key figures in 万元 / % / kWh."""
    labels = labels or _labels()
    kind = labels.get(("kind", warning.kind), warning.kind)
    severity = labels.get(("severity", warning.severity), warning.severity)
    line = f"{warning.enterprise.name}：{kind}（{severity}）{warning.rule}"
    figures = warning.evidence_summary
    return f"{line}（{figures}）" if figures else line


def warnings_escalate(*, now=None) -> int:
    """Warnings still active past their jurisdiction's limit are escalated once, and leaders told."""
    now = now or timezone.now()
    candidates = list(EarlyWarning.objects.filter(status__in=ACTIVE_STATUSES, escalated_at__isnull=True)
                      .select_related("enterprise", "enterprise__jurisdiction", "assignee"))
    limits = {}
    due = []
    for warning in candidates:
        jurisdiction = warning.enterprise.jurisdiction
        if jurisdiction.pk not in limits:
            limits[jurisdiction.pk] = policy_for(jurisdiction).escalation_days
        if warning.opened_at <= now - timedelta(days=limits[jurisdiction.pk]):
            warning.escalated_at = now
            due.append(warning)
    if not due:
        return 0
    with transaction.atomic():
        bulk_update_with_history(due, EarlyWarning, fields=["escalated_at"], batch_size=500)
    _notify_escalated(due, _("【小升规】超期未办结预警%(n)s条"))
    return len(due)


def _notify_escalated(warnings, subject, note=""):
    """Tell leaders and center staff above each enterprise about escalated warnings, one e-mail each."""
    by_enterprise = defaultdict(list)
    for warning in warnings:
        by_enterprise[warning.enterprise_id].append(warning)
    for user, enterprise_ids in _recipients({w.enterprise for w in warnings},
                                            (Role.LEADER, Role.CENTER_STAFF)).items():
        lines = [_escalated_line(w) for eid in sorted(enterprise_ids) for w in by_enterprise[eid]]
        body = "\n".join(lines + ([note] if note else []))
        send_mail(subject % {"n": len(lines)}, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def _escalated_line(warning) -> str:
    line = _("%(enterprise)s：%(kind)s，%(opened)s产生，仍为“%(status)s”") % {
        "enterprise": warning.enterprise.name, "kind": warning.get_kind_display(),
        "opened": timezone.localtime(warning.opened_at).strftime("%Y-%m-%d"), "status": warning.get_status_display()}
    if warning.assignee_id:
        line += _("，经办人：%(name)s") % {"name": formatting.person(warning.assignee)}
    figures = warning.evidence_summary
    return f"{line}（{figures}）" if figures else line


ESCALATION_REASON_MAX = 90  # it is kept in the history record's change reason (100 characters)


@transaction.atomic
def warning_escalate(*, user, warning_id: int, reason: str) -> EarlyWarning:
    """Escalate an active warning by hand, before its time limit, with a reason: the reason goes
    into the warning's history and leaders are e-mailed as for automatic escalation."""
    warning = _warning_for_change(user, warning_id)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("升级须填写原因")})
    if len(reason) > ESCALATION_REASON_MAX:
        raise ValidationError({"reason": _("升级原因不能超过%(n)s字") % {"n": ESCALATION_REASON_MAX}})
    if warning.status not in ACTIVE_STATUSES:
        raise ValidationError({"reason": _("预警已办结，不能升级")})
    if warning.escalated_at is not None:
        raise ValidationError({"reason": _("预警已于%(date)s升级") % {
            "date": timezone.localtime(warning.escalated_at).strftime("%Y-%m-%d")}})
    warning.escalated_at = timezone.now()
    warning._history_user = user
    warning._change_reason = (_("人工升级：%(reason)s") % {"reason": reason})[:100]
    warning.save()
    warning = EarlyWarning.objects.select_related("enterprise", "enterprise__jurisdiction", "assignee").get(pk=warning.pk)
    note = _("升级原因：%(reason)s（%(user)s）") % {"reason": reason, "user": formatting.person(user)}
    transaction.on_commit(lambda: _notify_escalated([warning], _("【小升规】人工升级预警%(n)s条"), note))
    return warning


# -- the workflow ---------------------------------------------------------------------

def warnings_visible_to(user):
    return EarlyWarning.objects.filter(enterprise__in=access.enterprises_visible_to(user))


def _warning_for_change(user, warning_id):
    warning = warnings_visible_to(user).select_for_update(of=("self",)).filter(pk=warning_id).first()
    if warning is None:
        raise PermissionDenied(_("该预警不在您的管辖范围内"))
    _require(access.can_change_enterprise(user, warning.enterprise))
    return warning


@transaction.atomic
def warning_transition(*, user, warning_id: int, status: str, outcome: str = "", assignee=None) -> EarlyWarning:
    warning = _warning_for_change(user, warning_id)
    problem = workflow.check_transition(warning.status, status, outcome)
    if problem:
        raise ValidationError({"status": problem})
    if status == WarningStatus.ASSIGNED:
        if assignee is None:
            raise ValidationError({"assignee": _("分派须指定经办人")})
        if not access.enterprises_visible_to(assignee).filter(pk=warning.enterprise_id).exists():
            raise ValidationError({"assignee": _("经办人无权处理该企业")})
        warning.assignee = assignee
    if status in workflow.NEEDS_OUTCOME:
        warning.outcome = outcome.strip()
        warning.resolved_at = timezone.now()
    warning.status = status
    warning._history_user = user
    warning.save()
    return warning


@transaction.atomic
def assistance_record(*, user, enterprise: Enterprise, assisted_on: date, problems: str, actions: str,
                      next_step: str = "", warning_id: int | None = None) -> Assistance:
    """Log 帮扶; logging it against an open or assigned warning puts the warning in progress."""
    _require(access.can_change_enterprise(user, enterprise))
    warning = None
    if warning_id:
        warning = _warning_for_change(user, warning_id)
        if warning.enterprise_id != enterprise.pk:
            raise ValidationError({"warning": _("预警不属于该企业")})
    record = Assistance(enterprise=enterprise, warning=warning, assisted_on=assisted_on, staff=user,
                        problems=problems.strip(), actions=actions.strip(), next_step=next_step.strip())
    record._history_user = user
    record.full_clean()
    record.save()
    if warning is not None and warning.status in (WarningStatus.OPEN, WarningStatus.ASSIGNED):
        warning.status = WarningStatus.IN_PROGRESS
        warning.assignee = warning.assignee or user
        warning._history_user = user
        warning.save()
    return record


# -- the enterprise's own side (its portal) ---------------------------------------------

ENTERPRISE_REPORT = "enterprise_report"  # evidence["source"] of a warning raised by the enterprise's own report


def warnings_for_enterprise_account(user):
    """The warnings addressed to an enterprise account: those on its own enterprise."""
    enterprise = access.portal_enterprise(user)
    if enterprise is None:
        return EarlyWarning.objects.none()
    return EarlyWarning.objects.filter(enterprise=enterprise)


@transaction.atomic
def warning_answer(*, user, warning_id: int, answer: str, help_needed: str = "",
                   on: date | None = None) -> Assistance:
    """The enterprise answers a warning from its portal: the answer is logged in the warning's
    assistance log, marked as from the enterprise. The workflow status is the staff's to change."""
    warning = warnings_for_enterprise_account(user).select_for_update(of=("self",)).filter(pk=warning_id).first()
    if warning is None:
        raise PermissionDenied(_("该预警不存在"))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("请填写答复内容")})
    help_needed = (help_needed or "").strip()
    record = Assistance(enterprise_id=warning.enterprise_id, warning=warning, staff=user, from_enterprise=True,
                        assisted_on=on or timezone.localdate(), problems=answer,
                        actions=help_needed or _("（企业答复，未提出帮扶需求）"))
    record._history_user = user
    record.full_clean()
    record.save()
    return record


@dataclass(frozen=True)
class ReportedMonth:
    year: int
    month: int
    revenue: object


def revenue_jumps(enterprise: Enterprise, months, today: date) -> dict:
    """The months among `months` ((key, year, month, revenue) each) whose revenue is far from the
    previous reported month's, by key: {"previous": ReportedMonth, "factor", "revenue"}.
    The previous month is the latest one before it with a revenue, stored or among `months` (a
    quarter sent at once is compared month by month). A month not yet ended, or without a revenue,
    is never a jump. One query for the enterprise's reported months, one for its policy; used by
    the enterprise portal's form and the bulk API alike."""
    months = [m for m in months if m[3] is not None and reporting.has_ended(m[1], m[2], today)]
    if not months:
        return {}
    factor = policy_for(enterprise.jurisdiction).jump_factor
    revenue_by_month = dict(((f.year, f.month), f.revenue) for f in MonthlyFigure.objects.filter(
        enterprise=enterprise, revenue__isnull=False).only("year", "month", "revenue"))
    revenue_by_month.update({(year, month): revenue for _key, year, month, revenue in months})
    reported = sorted(revenue_by_month)
    jumps = {}
    for key, year, month, revenue in months:
        earlier = [period for period in reported if period < (year, month)]
        if not earlier:
            continue
        previous = earlier[-1]
        if reporting.revenue_jump(revenue_by_month[previous], revenue, factor):
            jumps[key] = {"previous": ReportedMonth(*previous, revenue_by_month[previous]), "factor": factor,
                          "revenue": revenue}
    return jumps


@transaction.atomic
def revenue_jump_flag(*, user, enterprise: Enterprise, year: int, month: int, revenue, previous_year: int,
                      previous_month: int, previous_revenue, factor) -> EarlyWarning:
    """Tell staff that the enterprise confirmed a revenue far from its previous reported month:
    the month's 营收异常突增 warning, opened (or re-opened) with the figures and marked as raised
    by the enterprise's report, so the monthly check does not close it unseen."""
    rule = _("企业填报时确认：%(y)s年%(m)s月主营业务收入%(revenue)s，与上一填报月（%(py)s年%(pm)s月）"
             "%(previous)s相比超过%(factor)s倍的变动幅度，请核实") % {
        "y": year, "m": month, "revenue": formatting.wan_yuan(revenue), "py": previous_year, "pm": previous_month,
        "previous": formatting.wan_yuan(previous_revenue), "factor": formatting.plain(factor)}
    evidence = {"source": ENTERPRISE_REPORT, "revenue_this_month": str(revenue),
                "previous_month_revenue": str(previous_revenue)}
    warning = EarlyWarning.objects.select_for_update(of=("self",)).filter(
        enterprise=enterprise, kind=WarningKind.INTEGRITY_JUMP, year=year, month=month).first()
    if warning is None:
        warning = EarlyWarning(enterprise=enterprise, kind=WarningKind.INTEGRITY_JUMP, year=year, month=month,
                               opened_at=timezone.now())
    elif warning.status not in ACTIVE_STATUSES:
        warning.status, warning.resolved_at, warning.outcome = WarningStatus.OPEN, None, ""
    warning.severity, warning.rule, warning.evidence = "medium", rule[:200], evidence
    warning._history_user = user
    warning.save()
    warning_id = warning.pk
    transaction.on_commit(lambda: _queue_notifications([warning_id]))
    return warning


# -- schedules ------------------------------------------------------------------------

def schedule_sync(policy: CheckPolicy):
    """Keep the jurisdiction's periodic task (django-celery-beat) in line with its policy."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="0", hour="2", day_of_month=str(policy.run_day), month_of_year="*", day_of_week="*",
        timezone=settings.TIME_ZONE)
    PeriodicTask.objects.update_or_create(
        name=f"{SCHEDULE_PREFIX}{policy.jurisdiction.key}",
        defaults={"task": "monitoring.tasks.monthly_check_scheduled", "crontab": crontab, "interval": None,
                  "kwargs": json.dumps({"jurisdiction_key": policy.jurisdiction.key}), "enabled": True})


def escalation_schedule_sync():
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="30", hour="7", day_of_month="*", month_of_year="*", day_of_week="*", timezone=settings.TIME_ZONE)
    PeriodicTask.objects.update_or_create(name="warnings-escalation", defaults={
        "task": "monitoring.tasks.escalate_warnings_task", "crontab": crontab, "interval": None, "enabled": True})


def reaper_schedule_sync():
    """Every minute, beat sends the reaper (check_runs_reap); a copy not run within two minutes expires."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    interval, _created = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.update_or_create(name=REAPER_SCHEDULE, defaults={
        "task": "monitoring.tasks.reap_check_runs_task", "interval": interval, "crontab": None,
        "expire_seconds": 120, "enabled": True})


# -- targets (目标任务) -----------------------------------------------------------------

@transaction.atomic
def target_set(*, user, year: int, measure: str, value: int, citation: str = "", note: str = "",
               jurisdiction: Jurisdiction | None = None, department=None) -> "Target":
    """Set (create or change) one unit's target for a year and measure, as `user`.

    Only the level above the unit may (monitoring.selectors.can_set_target); the previous
    value stays in the target's history with who changed it."""
    from .models import Target
    from .selectors import can_set_target

    if (jurisdiction is None) == (department is None):
        raise ValidationError(_("须且只能指定区域或责任单位之一"))
    _require(can_set_target(user, jurisdiction=jurisdiction, department=department))
    target = (Target.objects.select_for_update().order_by()
              .filter(year=year, measure=measure, jurisdiction=jurisdiction, department=department).first()
              or Target(year=year, measure=measure, jurisdiction=jurisdiction, department=department))
    target.value, target.citation, target.note = value, citation.strip(), note.strip()
    target.updated_by = user
    target._history_user = user
    target.full_clean()
    target.save()
    return target
