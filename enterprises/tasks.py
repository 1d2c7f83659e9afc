"""Thin Celery tasks of the registry: ids in, one service call."""
from celery import shared_task

from . import list_exports


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def list_export_task(export_id: str) -> str:
    """Write one list export's file (a redelivered message for a finished job does nothing)."""
    return list_exports.list_export_run(export_id=export_id)


@shared_task(acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def list_exports_purge_task() -> int:
    return list_exports.list_exports_purge()
