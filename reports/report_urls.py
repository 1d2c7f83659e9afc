from django.urls import path

from . import report_views

app_name = "report"

urlpatterns = [
    path("enterprise/<int:pk>/book.pdf", report_views.enterprise_book, name="enterprise_book"),
    path("<str:key>/<int:year>/<int:month>/", report_views.dispatch, name="dispatch"),
    path("<str:key>/<int:year>/<int:month>/pdf/", report_views.dispatch_pdf, name="dispatch_pdf"),
    path("<str:key>/<int:year>/<int:month>/lists.xlsx", report_views.dispatch_xlsx, name="dispatch_xlsx"),
    path("<str:key>/<int:year>/<int:month>/issue/", report_views.dispatch_issue, name="dispatch_issue"),
    path("<str:key>/<int:year>/notice/", report_views.annual_notice, name="notice"),
    path("<str:key>/<int:year>/notice/pdf/", report_views.annual_notice_pdf, name="notice_pdf"),
]
