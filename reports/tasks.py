from celery import shared_task

from . import services


@shared_task(acks_late=True, time_limit=30 * 60)
def issue_due_reports_task() -> list[int]:
    """Beat, daily (reports.services.dispatch_schedule_sync): issue the dispatch reports due today."""
    return services.reports_issue_due()
