"""A Celery worker for the kill test: identical to the real one, except that the
monthly check pauses just before it writes, so the test can kill it mid-run."""
import os
import time

from celery.signals import worker_ready

from config.celery_app import app

__all__ = ["app"]


@worker_ready.connect
def pause_before_writing(**kwargs):
    from monitoring import services

    original = services._write

    def slow_write(*args, **kw):
        time.sleep(float(os.environ.get("XSG_PAUSE_BEFORE_WRITE", "60")))
        return original(*args, **kw)

    services._write = slow_write
