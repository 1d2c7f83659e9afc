from celery import shared_task

from . import services


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def entitlement_batch_task(batch_id: int) -> dict:
    """免申即享 for one batch. Safe to redeliver: the batch's writes are idempotent."""
    batch = services.entitlement_batch_run(batch_id=batch_id)
    return batch.counts
