from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


def visibility_timeout_check(app_configs, **kwargs):
    """The broker must not hand a healthy, still-running check to a second worker: the Redis
    visibility timeout has to exceed the check task's hard time limit (see monitoring/tasks.py)."""
    from django.conf import settings

    from .tasks import CHECK_TIME_LIMIT

    if not getattr(settings, "CELERY_BROKER_URL", "").startswith(("redis://", "rediss://")):
        return []
    timeout = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}).get("visibility_timeout", 3600)
    if timeout <= CHECK_TIME_LIMIT:
        return [checks.Warning(
            f"CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'] is {timeout}s, not above the monthly check's "
            f"time limit ({CHECK_TIME_LIMIT}s): a long run would be redelivered while it is still running.",
            hint="Set CELERY_VISIBILITY_TIMEOUT above the task time limit; stale runs are re-queued by the reaper.",
            id="monitoring.W001")]
    return []


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("监测预警")

    def ready(self):
        checks.register(visibility_timeout_check, checks.Tags.compatibility, deploy=False)
