"""Thin Celery tasks: ids in, one service call.

acks_late + reject_on_worker_lost: a worker killed mid-run leaves its message
unacknowledged, so the broker hands it to another worker after the visibility
timeout. That timeout (an hour) is the last resort, not the safety net: the
running check records a heartbeat, and `reap_check_runs_task` (beat, every
minute) re-queues a run whose worker is gone within minutes. Every copy of the
message claims the run first (services.monthly_check_run), so a redelivered or
duplicate message for a run that is finished, failed or being executed does
nothing. The visibility timeout must stay above the task's hard time limit, or
a healthy long run would be handed to a second worker (it would do nothing, but
the broker would keep redelivering it); monitoring/apps.py checks it.
"""
from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from enterprises.models import Jurisdiction

from . import services

CHECK_TIME_LIMIT = 30 * 60


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=services.RUN_MAX_ATTEMPTS,
             time_limit=CHECK_TIME_LIMIT, soft_time_limit=CHECK_TIME_LIMIT - 5 * 60)
def monthly_check_task(self, run_id: int, today: str | None = None) -> dict:
    """Run the check; a transient database error (a conflict, a dropped connection) re-queues the
    run and retries it after a pause, up to the run's attempt limit. If the database was too far
    gone even to record that, the retry finds the run still marked running with its lock released
    (the session ended) and takes it over; failing that, the reaper re-queues it. `today` (ISO
    date) is given to the parts of a split run: the day their parent was run on."""
    try:
        return services.monthly_check_run(run_id=run_id, today=date.fromisoformat(today) if today else None).counts
    except services.RunRetry as retry:
        raise self.retry(exc=retry.error, countdown=retry.countdown)
    except (OperationalError, InterfaceError) as error:
        raise self.retry(exc=error, countdown=services.RUN_RETRY_COUNTDOWN)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=5 * 60)
def monthly_check_scheduled(jurisdiction_key: str) -> int:
    """Beat's entry point: check last month for one jurisdiction (or attach to the run already going)."""
    year, month = services.previous_period(timezone.localdate())
    jurisdiction = Jurisdiction.objects.get(key=jurisdiction_key)
    run, _created = services.monthly_check_request(user=None, jurisdiction=jurisdiction, year=year, month=month)
    return run.pk


@shared_task(acks_late=True, time_limit=10 * 60)
def escalate_warnings_task() -> int:
    return services.warnings_escalate()


@shared_task(acks_late=True, time_limit=2 * 60)
def reap_check_runs_task() -> dict:
    """Beat, every minute: re-queue runs whose worker died, resend runs whose message was lost."""
    return services.check_runs_reap()


@shared_task(acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def notify_new_warnings_task(warning_ids: list[int]) -> int:
    """The summary e-mails of the warnings a check (or an enterprise's report) opened."""
    return services.notify_new_warnings(warning_ids)
