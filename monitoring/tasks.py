"""Thin Celery tasks: ids in, one service call.

acks_late + reject_on_worker_lost: a worker killed mid-run leaves its message
unacknowledged, so the broker hands it to another worker, and the run starts
over; the check's writes are one transaction and idempotent, so nothing is lost
or written twice.
"""
from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from enterprises.models import Jurisdiction

from . import services


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=3, time_limit=30 * 60, soft_time_limit=25 * 60)
def monthly_check_task(self, run_id: int) -> dict:
    return services.monthly_check_run(run_id=run_id).counts


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=5 * 60)
def monthly_check_scheduled(jurisdiction_key: str) -> int:
    """Beat's entry point: check last month for one jurisdiction."""
    year, month = services.previous_period(timezone.localdate())
    jurisdiction = Jurisdiction.objects.get(key=jurisdiction_key)
    run = services.monthly_check_request(user=None, jurisdiction=jurisdiction, year=year, month=month)
    return run.pk


@shared_task(acks_late=True, time_limit=10 * 60)
def escalate_warnings_task() -> int:
    return services.warnings_escalate()
