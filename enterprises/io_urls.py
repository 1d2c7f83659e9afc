# Spreadsheet import/export routes, under /enterprises/io/ in the "enterprises" namespace.
from django.urls import path

from . import io_views

urlpatterns = [
    path("import/", io_views.import_upload, name="import"),
    path("import/preview/", io_views.import_preview, name="import_preview"),
    path("import/confirm/", io_views.import_confirm, name="import_confirm"),
    path("import/error-report/", io_views.import_error_report, name="import_error_report"),
    path("export/", io_views.export, name="export"),
    path("template/", io_views.template, name="template"),
]
