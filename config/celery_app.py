import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("xsg")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def send_group(signatures):
    """Send task signatures as one Celery group, for idle workers to take in parallel.

    Without workers (eager: the demo, the tests) each runs in turn here, and one failing does not
    stop the others, as with separate workers; the first error is raised once all have run."""
    from celery import group

    signatures = list(signatures)
    if not app.conf.task_always_eager:
        group(signatures).apply_async()
        return
    first_error = None
    for signature in signatures:
        try:
            signature.apply_async()
        except Exception as error:  # noqa: BLE001 - raised after the others have run
            first_error = first_error or error
    if first_error is not None:
        raise first_error
