from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Jurisdiction


class DispatchReport(models.Model):
    """An issued monthly dispatch report (月度调度): its figures and PDF frozen at issue.

    Served unchanged afterwards (even after data corrections); a later draft is compared with
    `data`. The PDF bytes live in the row, so reading one goes through the same scope check as
    the page (no public file link)."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("区域"), on_delete=models.PROTECT,
                                     related_name="dispatch_reports")
    year = models.PositiveSmallIntegerField(_("年"))
    month = models.PositiveSmallIntegerField(_("月"))
    data = models.JSONField(_("冻结数据"))
    pdf = models.BinaryField(_("PDF"))
    issued_at = models.DateTimeField(_("印发时间"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("印发人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+", help_text=_("为空表示定时任务"))

    class Meta:
        verbose_name = _("月度调度报告")
        verbose_name_plural = _("月度调度报告")
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "year", "month"],
                                               name="one_dispatch_report_per_month")]

    def __str__(self):
        return f"{self.jurisdiction} {self.year}-{self.month:02d}"
