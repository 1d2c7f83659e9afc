"""Exports of API lists (issue 13 item 3) too large to stream in one response.

A row is one request for a file of a filtered list: the list's address and query string as the
owner sent them, the format, and the job's progress. The file lies in the default storage under
`file_name` until `expires_at`; only its owner reads the row or the file (a foreign id answers
like a missing one). `enterprises.list_exports` is the only writer.

Imported by `enterprises.models` so Django registers it with the app.
"""
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (xlsx)"


class ListExport(models.Model):
    __module__ = "enterprises.models"

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("正在导出")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    # A random id: the download address is not guessable (the owner check still applies).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.CASCADE,
                              related_name="list_exports")
    resource = models.CharField(_("列表"), max_length=60)
    path = models.CharField(_("列表地址"), max_length=200)
    query = models.TextField(_("筛选条件"), blank=True)
    # scheme and host of the request, so that links in the rows point where the owner asked
    origin = models.CharField(_("来源"), max_length=200, blank=True)
    file_format = models.CharField(_("格式"), max_length=4, choices=ExportFormat.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已导出行数"), default=0)
    file_name = models.CharField(_("文件"), max_length=200, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("文件大小"), default=0)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("下载截止"), db_index=True)

    class Meta:
        verbose_name = _("列表导出")
        verbose_name_plural = _("列表导出")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="listexport_owner_recent")]

    def __str__(self):
        return f"{self.resource}.{self.file_format} ({self.get_status_display()})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.rows_done * 100 // self.total_rows)
