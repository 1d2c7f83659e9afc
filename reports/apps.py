from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Leaders' views of the figures: the dashboard now, the dispatch report and notices next.

    It sits above every other app (it reads the registry, the ledger and the warnings) and
    nothing imports it."""

    name = "reports"
    verbose_name = _("统计报表")
