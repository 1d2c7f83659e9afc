"""Writes of the reports app: issuing (freezing) a monthly dispatch report."""
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Jurisdiction

from . import dispatch, report_selectors
from .models import DispatchReport
from .pdf import render_pdf


# Named lines per list on the page and in the PDF (settings.DISPATCH_LIST_LIMIT); the rest is in the
# Excel download. A county's month names a few dozen; a province's exit-risk list, thousands.
DISPATCH_LIST_LIMIT = 100


def dispatch_context(data, *, jurisdiction, issued: DispatchReport | None = None, changes=None) -> dict:
    from . import charts

    limit = getattr(settings, "DISPATCH_LIST_LIMIT", DISPATCH_LIST_LIMIT)
    lists = {"entries": dispatch.shown(data.entries, limit), "exits": dispatch.shown(data.exits, limit),
             "exit_risks": dispatch.shown(data.exit_risks, limit, risks=True)}
    return {"data": data, "snapshot": data.snapshot, "charts": charts.dashboard_charts(data.snapshot),
            "jurisdiction": jurisdiction, "issued": issued, "changes": changes or [], "lists": lists}


def dispatch_xlsx(data) -> bytes:
    """The report's named lists in full (entries, exits, exit risks), one sheet each; text as text."""
    from io import BytesIO

    from openpyxl import Workbook

    from enterprises import exports

    book = Workbook()
    book.remove(book.active)
    for title, header, rows in dispatch.list_sheets(data):
        sheet = book.create_sheet(title)
        exports.append_row(sheet, header)
        for row in rows:
            exports.append_row(sheet, row)
        sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def dispatch_pdf(data, *, jurisdiction, issued: DispatchReport | None = None) -> bytes:
    return render_pdf("reports/dispatch_pdf.html", dispatch_context(data, jurisdiction=jurisdiction, issued=issued))


def report_issue(*, user, jurisdiction: Jurisdiction, year: int, month: int,
                 today: date | None = None) -> tuple[DispatchReport, bool]:
    """Freeze the month's dispatch report: its figures (JSON) and PDF. `user` None = the beat job.

    Idempotent: a month already issued is returned unchanged (created False); it never changes."""
    today = today or timezone.localdate()
    if user is not None:
        allowed, reason = report_selectors.can_issue_report(user, jurisdiction)
        if not allowed:
            raise PermissionDenied(reason)
    if (year, month) >= (today.year, today.month):
        raise ValueError(_("只能印发已结束月份的调度报告"))
    existing = DispatchReport.objects.filter(jurisdiction=jurisdiction, year=year, month=month).first()
    if existing is not None:
        return existing, False
    reader = user if user is not None and user.jurisdiction_id == jurisdiction.pk and not user.is_superuser \
        else report_selectors.system_reader(jurisdiction)
    data = report_selectors.dispatch_data(user=reader, jurisdiction=jurisdiction, year=year, month=month,
                                          today=today)
    report = DispatchReport(jurisdiction=jurisdiction, year=year, month=month, data=data.to_dict(),
                            issued_by=user)
    report.issued_at = timezone.now()
    report.pdf = dispatch_pdf(data, jurisdiction=jurisdiction, issued=report)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # issued meanwhile (a double click, beat at the same time)
        return DispatchReport.objects.get(jurisdiction=jurisdiction, year=year, month=month), False
    return report, True


def reports_issue_due(today: date | None = None) -> list[int]:
    """Beat, daily: issue last month's report for every jurisdiction whose day (its check policy's
    run day) is today and whose report is not issued yet. Returns the new reports' ids."""
    from monitoring.models import CheckPolicy
    from monitoring.services import previous_period

    today = today or timezone.localdate()
    year, month = previous_period(today)
    issued = []
    for policy in CheckPolicy.objects.filter(run_day=today.day).select_related("jurisdiction"):
        report, created = report_issue(user=None, jurisdiction=policy.jurisdiction, year=year, month=month,
                                       today=today)
        if created:
            issued.append(report.pk)
    return issued


def dispatch_schedule_sync():
    """The beat entry (django-celery-beat): every day at 03:00 issue the reports due that day."""
    from django.conf import settings
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_month="*", month_of_year="*", day_of_week="*", timezone=settings.TIME_ZONE)
    PeriodicTask.objects.update_or_create(name="dispatch-reports", defaults={
        "task": "reports.tasks.issue_due_reports_task", "crontab": crontab, "interval": None, "enabled": True})
