"""`…/export/` on every API list, and the caller's own export jobs (issue 13 item 3).

ListExportMixin adds `GET <list>/export/?file_format=csv|xlsx` to a list viewset: the same
permission checks, filters, search and ordering as the list (the action runs as "list"), no
paging. A small result is the file itself (200); a large one is a job (202, `Location` names the
job), see enterprises.list_exports. `/exports/` lists the caller's jobs, `/exports/{id}/` shows
one with its progress and `/exports/{id}/download/` serves the file to its owner until it
expires (410 afterwards); another caller's job answers 404 like a missing one.
"""
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, StreamingHttpResponse
from django.urls import resolve
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.response import Response

from .. import access, exports, list_exports
from ..models import ExportFormat, ListExport

FILE_FORMAT = OpenApiParameter(
    "file_format", str, enum=list(ExportFormat.values), default=ExportFormat.CSV,
    description="csv (UTF-8 with BOM, opens in Excel) or xlsx. Columns are this list's JSON fields, nested "
                "objects as dotted names, nested lists as JSON text.")


class ListExportSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="This job.")
    download_url = serializers.SerializerMethodField(help_text="The file, once status is done (owner only, "
                                                               "until expires_at).")
    progress_percent = serializers.IntegerField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ListExport
        fields = ["id", "url", "resource", "query", "file_format", "status", "status_display", "total_rows",
                  "rows_done", "progress_percent", "size_bytes", "error", "created_at", "finished_at",
                  "expires_at", "download_url"]
        read_only_fields = fields

    def _absolute(self, path):
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, export) -> str:
        return self._absolute(f"{_exports_root(self.context)}{export.pk}/")

    def get_download_url(self, export) -> str | None:
        if export.status != ListExport.Status.DONE:
            return None
        return self._absolute(f"{_exports_root(self.context)}{export.pk}/download/")


def _exports_root(context) -> str:
    """/api/v1/exports/ (or the alias's) — the prefix the caller used."""
    request = context.get("request")
    prefix = "/api/v1/"
    if request is not None and not request.path.startswith("/api/v1/"):
        prefix = "/api/"
    return f"{prefix}exports/"


class ExportFormatSerializer(serializers.Serializer):
    file_format = serializers.ChoiceField(choices=ExportFormat.choices, default=ExportFormat.CSV)


class Gone(APIException):
    status_code = status.HTTP_410_GONE
    default_code = "expired"


class NotReady(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_ready"


class TooMany(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "too_many_exports"


class ListExportMixin:
    """Adds `export` to a list viewset."""

    @extend_schema(
        summary="Export this list (csv or xlsx)",
        description="Every row the list would page through with the same filters, search and ordering. "
                    "Up to API_EXPORT_STREAM_MAX_ROWS rows (default 5,000) the response is the file; a larger "
                    "list is queued as a job: 202 with the job (Location header), poll its url until status "
                    "is done, then GET its download_url (owner only, until expires_at, default 24 h). "
                    "At most 3 jobs of one account run at a time (429 code too_many_exports).",
        parameters=[FILE_FORMAT],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The csv file (small list)."),
            (200, exports.XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY,
                                                              description="The xlsx file (small list)."),
            (202, "application/json"): OpenApiResponse(ListExportSerializer,
                                                       description="Large list: the export job."),
        })
    @action(detail=False, methods=["get"], url_path="export", pagination_class=None)
    def export(self, request, *args, **kwargs):
        chosen = ExportFormatSerializer(data={"file_format": request.query_params.get("file_format", "csv")})
        chosen.is_valid(raise_exception=True)
        file_format = chosen.validated_data["file_format"]
        self.action = "list"  # the list's own queryset and serializer
        queryset = self.filter_queryset(self.get_queryset())
        limit = settings.API_EXPORT_STREAM_MAX_ROWS
        resource = _resource_name(request)
        if queryset[:limit + 1].count() <= limit:
            return self._export_response(queryset, file_format, resource)
        list_path = request.path_info[:-len("export/")]
        query = request.query_params.copy()
        for name in list_exports.PAGING_PARAMS:
            query.pop(name, None)
        try:
            job = list_exports.list_export_start(
                user=request.user, resource=resource, path=list_path, query=query.urlencode(),
                origin=f"{request.scheme}://{request.get_host()}", file_format=file_format,
                total_rows=queryset.count())
        except list_exports.TooManyExports as refused:
            raise TooMany(str(refused))
        except DjangoValidationError as refused:
            raise ValidationError(refused.message_dict)
        data = ListExportSerializer(job, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})

    def _export_response(self, queryset, file_format, resource):
        columns = list_exports.columns_of(self.get_serializer([], many=True))
        header = [column.name for column in columns]
        chunks = list_exports.row_chunks(self, queryset, columns)
        filename = list_exports.download_name(resource, file_format, timezone.now())
        if file_format == ExportFormat.CSV:
            response = StreamingHttpResponse(list_exports.csv_stream(header, chunks),
                                             content_type=list_exports.CONTENT_TYPES[file_format])
            response["Content-Disposition"] = exports.content_disposition(filename)
            return response
        return FileResponse(list_exports.in_memory(file_format, header, chunks), as_attachment=True,
                            filename=filename, content_type=list_exports.CONTENT_TYPES[file_format])


def _resource_name(request) -> str:
    """The list's route name without the api- prefix and -export suffix: a validated name for files."""
    name = resolve(request.path_info).url_name or "list"
    return name.removeprefix("api-").removesuffix("-export")


class ListExportViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's own list exports (newest first), each with its progress and, when done, its file."""

    serializer_class = ListExportSerializer
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    filterset_class = None
    ordering = ["-created_at"]

    def get_queryset(self):
        return access.list_exports_visible_to(self.request.user).order_by("-created_at", "pk")

    @extend_schema(
        summary="Download an export's file",
        description="The owner's file while the job is done and not expired: 409 (code not_ready) before, "
                    "410 (code expired) after; another account's export is 404.",
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
                   (200, exports.XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY),
                   409: OpenApiResponse(description="Not finished yet (or failed)."),
                   410: OpenApiResponse(description="Expired; export the list again.")})
    @action(detail=True, methods=["get"], url_path="download")
    def download(self, request, *args, **kwargs):
        export = self.get_object()
        if export.is_expired:
            raise Gone(_("导出文件已过期，请重新导出"))
        if export.status != ListExport.Status.DONE:
            raise NotReady(export.error or _("导出尚未完成（%(percent)s%%），请稍后再下载") % {
                "percent": export.progress_percent})
        try:
            handle = list_exports.list_export_open(export)
        except FileNotFoundError:
            raise NotFound()
        return FileResponse(handle, as_attachment=True,
                            filename=list_exports.download_name(export.resource, export.file_format,
                                                                export.created_at),
                            content_type=list_exports.CONTENT_TYPES[export.file_format])

