from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EligibilityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "eligibility"
    verbose_name = _("公开资格自测")

    def ready(self):
        from . import catalog_cache  # noqa: F401 - connects the signals that invalidate the cached catalog
