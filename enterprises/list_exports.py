"""CSV and xlsx files of any filtered API list (issue 13 item 3).

`GET /api/v1/<list>/export/?file_format=csv|xlsx&<the list's own filters and ordering>` gives the
rows the list would page through, as one file:

- up to settings.API_EXPORT_STREAM_MAX_ROWS rows, in the response itself (csv streamed as it is
  written; xlsx written to a temporary file first, as a zip cannot be streamed);
- beyond that, a job (`ListExport`, 202 with its address): a Celery task rebuilds the list as its
  owner would see it, writes the file chunk by chunk into the default storage and records its
  progress; the owner downloads it until settings.API_EXPORT_TTL has passed, then it is purged.

The task does not trust a stored queryset: it resolves the stored list address to its view, runs
the view's permission checks and queryset as the owner, with the stored query string. So the job
sees exactly what the owner's list shows at the moment it runs, and an owner who has been
deactivated meanwhile gets nothing.

Columns are the list's JSON fields in their order (the OpenAPI schema documents them), a nested
object flattened to dotted names (`jurisdiction.name`), a nested list as JSON text. Amounts stay
numbers (xlsx) or plain decimals (csv); text is never a live formula (enterprises.exports).
Neither rows nor files are ever held whole in memory: the queryset is read in chunks and openpyxl
writes the xlsx in write-only mode.
"""
import csv
import json
import logging
import tempfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import islice

import openpyxl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.request import Request

from . import exports
from .models import ExportFormat, ListExport, User

logger = logging.getLogger(__name__)

CHUNK_ROWS = 1000
STORAGE_DIR = "exports"
MAX_ACTIVE_PER_OWNER = 3          # queued or running jobs of one owner at a time
XLSX_MAX_ROWS = 1_048_575         # a worksheet's rows, less the header
# Query parameters that page a list: an export takes every row, so they do not belong to it.
PAGING_PARAMS = {"cursor", "page", "page_size", "file_format", "format"}
CONTENT_TYPES = {ExportFormat.CSV: exports.CSV_CONTENT_TYPE, ExportFormat.XLSX: exports.XLSX_CONTENT_TYPE}
ACTIVE = (ListExport.Status.QUEUED, ListExport.Status.RUNNING)


# -- columns and rows ------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    name: str            # the dotted JSON name, the file's header
    path: tuple          # keys into one serialized row
    kind: str            # "decimal", "json" or "plain"


def columns_of(serializer) -> list[Column]:
    """The list serializer's readable fields as columns, nested objects flattened."""
    return list(_columns(serializer.child.fields if isinstance(serializer, serializers.ListSerializer)
                         else serializer.fields, ()))


def _columns(fields, prefix):
    for name, field in fields.items():
        if field.write_only:
            continue
        path = (*prefix, name)
        if isinstance(field, (serializers.ListSerializer, serializers.ListField, serializers.DictField,
                              serializers.JSONField, serializers.ManyRelatedField)):
            yield Column(".".join(path), path, "json")
        elif isinstance(field, serializers.Serializer):
            yield from _columns(field.fields, path)
        elif isinstance(field, serializers.DecimalField):
            yield Column(".".join(path), path, "decimal")
        else:
            yield Column(".".join(path), path, "plain")


def _value(row, column: Column):
    value = row
    for key in column.path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    if value is None:
        return None
    if column.kind == "decimal":
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return str(value)
    if column.kind == "json":
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def row_chunks(view, queryset, columns):
    """Lists of flat rows, CHUNK_ROWS at a time, serialized by the view's own serializer."""
    rows = queryset.iterator(chunk_size=CHUNK_ROWS)
    while chunk := list(islice(rows, CHUNK_ROWS)):
        data = view.get_serializer(chunk, many=True).data
        yield [[_value(row, column) for column in columns] for row in data]


# -- writing files ---------------------------------------------------------------------

class _Echo:
    def write(self, value):
        return value


def csv_stream(header, chunks):
    """The csv as pieces of bytes: BOM (so Excel reads UTF-8), header, rows."""
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow(header)).encode("utf-8")
    for chunk in chunks:
        yield "".join(writer.writerow([exports.csv_cell(v) for v in row]) for row in chunk).encode("utf-8")


def write_file(fileobj, file_format, header, chunks, on_chunk=None) -> None:
    """Write the whole file to the binary `fileobj`; `on_chunk(rows)` after each chunk."""
    if file_format == ExportFormat.CSV:
        for piece in csv_stream(header, _counted(chunks, on_chunk)):
            fileobj.write(piece)
        return
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    exports.write_only_row(sheet, header)
    for chunk in _counted(chunks, on_chunk):
        for row in chunk:
            exports.write_only_row(sheet, row)
    workbook.save(fileobj)


def _counted(chunks, on_chunk):
    for chunk in chunks:
        yield chunk
        if on_chunk:
            on_chunk(len(chunk))


def download_name(resource: str, file_format: str, when) -> str:
    """Built from a route name and a format (both validated), never from request text."""
    return f"{resource}-{timezone.localtime(when):%Y%m%d-%H%M}.{file_format}"


# -- jobs ------------------------------------------------------------------------------

def list_export_start(*, user, resource: str, path: str, query: str, origin: str, file_format: str,
                      total_rows: int) -> ListExport:
    """Queue the export of a list too large to stream; at most MAX_ACTIVE_PER_OWNER at a time."""
    if file_format == ExportFormat.XLSX and total_rows > XLSX_MAX_ROWS:
        raise ValidationError({"file_format": _("Excel 工作表最多 %(max)s 行，本列表有 %(rows)s 行；请改用 csv 或缩小筛选范围")
                               % {"max": XLSX_MAX_ROWS, "rows": total_rows}})
    list_exports_purge()
    with transaction.atomic():
        # One owner's requests queue behind each other here, so two at once cannot both pass the limit.
        User.objects.select_for_update().filter(pk=user.pk).first()
        active = ListExport.objects.filter(owner=user, status__in=ACTIVE).count()
        if active >= MAX_ACTIVE_PER_OWNER:
            raise TooManyExports(_("已有 %(count)s 个导出正在进行，请等其完成后再申请") % {"count": active})
        export = ListExport.objects.create(
            owner=user, resource=resource, path=path, query=query, origin=origin, file_format=file_format,
            total_rows=total_rows, expires_at=timezone.now() + settings.API_EXPORT_TTL)
        from .tasks import list_export_task

        transaction.on_commit(lambda: list_export_task.delay(str(export.pk)))
    return export


class TooManyExports(Exception):
    pass


def list_export_run(*, export_id) -> str:
    """Write the export's file (the task's one call). A job already finished does nothing; a job
    whose worker died is written again from the start by the redelivered message."""
    claimed = ListExport.objects.filter(pk=export_id, status__in=ACTIVE).update(
        status=ListExport.Status.RUNNING, rows_done=0)
    if not claimed:
        return "skipped"
    export = ListExport.objects.select_related("owner").get(pk=export_id)
    try:
        view, queryset = _owner_list(export)
        total = queryset.count()
        ListExport.objects.filter(pk=export.pk).update(total_rows=total)
        done = 0

        def progress(rows):
            nonlocal done
            done += rows
            ListExport.objects.filter(pk=export.pk).update(rows_done=done)

        columns = columns_of(view.get_serializer([], many=True))
        with tempfile.TemporaryFile() as scratch:
            write_file(scratch, export.file_format, [c.name for c in columns],
                       row_chunks(view, queryset, columns), progress)
            scratch.seek(0)
            name = default_storage.save(f"{STORAGE_DIR}/{export.pk}.{export.file_format}", File(scratch))
            size = default_storage.size(name)
    except (PermissionDenied, ValidationError) as error:
        _fail(export, error)
        return "failed"
    except Exception as error:  # the job records why it failed, then the task fails loudly
        _fail(export, error)
        raise
    ListExport.objects.filter(pk=export.pk).update(
        status=ListExport.Status.DONE, rows_done=done, file_name=name, size_bytes=size,
        finished_at=timezone.now())
    return "done"


def _fail(export, error):
    message = "；".join(error.messages) if isinstance(error, ValidationError) else (
        str(error) if isinstance(error, PermissionDenied) else _("导出失败，请稍后重试"))
    logger.warning("list export %s failed: %r", export.pk, error)
    ListExport.objects.filter(pk=export.pk).update(status=ListExport.Status.FAILED, error=message,
                                                   finished_at=timezone.now())


def _owner_list(export):
    """The export's list view and filtered queryset, as its owner sees them now."""
    owner = export.owner
    if not owner.is_active:
        raise PermissionDenied(_("账号已停用"))
    try:
        match = resolve(export.path)
    except Resolver404:
        raise ValidationError(_("列表地址已不存在"))
    view_class = getattr(match.func, "cls", None)
    if view_class is None or not hasattr(view_class, "export"):
        raise ValidationError(_("该地址不是可导出的列表"))
    scheme, _sep, host = export.origin.partition("://")
    django_request = RequestFactory().get(export.path, QueryDict(export.query), HTTP_HOST=host or "localhost",
                                          secure=scheme == "https")
    django_request.user = owner
    django_request._force_auth_user = owner  # DRF's forced authentication, as its test client does
    request = Request(django_request)
    view = view_class(**match.func.initkwargs)
    view.setup(django_request, *match.args, **match.kwargs)
    view.request = request
    view.format_kwarg = None
    view.action = "list"
    try:
        view.check_permissions(request)
    except Exception as refused:  # DRF's PermissionDenied / NotAuthenticated
        raise PermissionDenied(str(getattr(refused, "detail", refused)))
    return view, view.filter_queryset(view.get_queryset())


def list_export_open(export):
    return default_storage.open(export.file_name, "rb")


def list_exports_purge(*, now=None) -> int:
    """Delete expired exports with their files; run hourly by beat and before each new job."""
    now = now or timezone.now()
    expired = list(ListExport.objects.filter(expires_at__lte=now).values_list("pk", "file_name")[:500])
    for _pk, name in expired:
        if name:
            default_storage.delete(name)
    ListExport.objects.filter(pk__in=[pk for pk, _name in expired]).delete()
    return len(expired)


PURGE_SCHEDULE = "list-exports-purge"


def purge_schedule_sync():
    """Every hour, beat deletes expired exports (list_exports_purge)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    interval, _created = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.HOURS)
    PeriodicTask.objects.update_or_create(name=PURGE_SCHEDULE, defaults={
        "task": "enterprises.tasks.list_exports_purge_task", "interval": interval, "crontab": None,
        "expire_seconds": 1800, "enabled": True})


def in_memory(file_format, header, chunks):
    """A small export's file, for a response (xlsx cannot be streamed as it is written)."""
    buffer = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    write_file(buffer, file_format, header, chunks)
    buffer.seek(0)
    return buffer
