"""The monthly dispatch report (月度调度): page, PDF, issue. Thin: scope from
reports.report_selectors.report_scope (404 outside the subtree), figures from one DispatchData —
the frozen one when the month is issued, a fresh draft otherwise."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import report_selectors, selectors, services
from .dispatch import DispatchData, changes_since
from .models import DispatchReport


def _period(year: int, month: int) -> tuple[int, int]:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise Http404
    return year, month


def _load(request, key, year, month):
    jurisdiction = report_selectors.report_scope(user=request.user, key=key)
    year, month = _period(year, month)
    issued = report_selectors.issued_report(jurisdiction, year, month)
    return jurisdiction, year, month, issued


def _draft(request, jurisdiction, year, month):
    return report_selectors.dispatch_data(user=request.user, jurisdiction=jurisdiction, year=year, month=month)


@login_required
def dispatch(request, key, year, month):
    jurisdiction, year, month, issued = _load(request, key, year, month)
    draft = _draft(request, jurisdiction, year, month)
    if issued is not None:
        data = DispatchData.from_dict(issued.data)
        changes = changes_since(data, draft)
    else:
        data, changes = draft, []
    today = timezone.localdate()
    context = services.dispatch_context(data, jurisdiction=jurisdiction, issued=issued, changes=changes)
    context.update({
        "can_issue": issued is None and (year, month) < (today.year, today.month)
        and report_selectors.can_issue_report(request.user, jurisdiction)[0],
    })
    return render(request, "reports/dispatch.html", context)


@login_required
def dispatch_pdf(request, key, year, month):
    jurisdiction, year, month, issued = _load(request, key, year, month)
    if issued is not None:
        body = bytes(DispatchReport.objects.values_list("pdf", flat=True).get(pk=issued.pk))
        name = f"dispatch-{jurisdiction.key}-{year}-{month:02d}.pdf"
    else:
        body = services.dispatch_pdf(_draft(request, jurisdiction, year, month), jurisdiction=jurisdiction)
        name = f"dispatch-{jurisdiction.key}-{year}-{month:02d}-draft.pdf"
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def dispatch_xlsx(request, key, year, month):
    """The report's named lists in full, as the page shows them (frozen once issued)."""
    from enterprises import exports

    jurisdiction, year, month, issued = _load(request, key, year, month)
    data = DispatchData.from_dict(issued.data) if issued is not None else _draft(request, jurisdiction, year, month)
    response = exports.attachment(services.dispatch_xlsx(data), exports.XLSX_CONTENT_TYPE,
                                  f"dispatch-{jurisdiction.key}-{year}-{month:02d}-lists.xlsx")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def dispatch_issue(request, key, year, month):
    jurisdiction, year, month, _issued = _load(request, key, year, month)
    try:
        report, created = services.report_issue(user=request.user, jurisdiction=jurisdiction, year=year,
                                                month=month)
    except PermissionDenied:
        raise
    except ValueError as error:
        messages.error(request, str(error))
    else:
        if created:
            messages.success(request, _("调度报告已印发，此后内容不再改变"))
        else:
            messages.info(request, _("该月调度报告此前已印发"))
    return redirect("report:dispatch", key=jurisdiction.key, year=year, month=month)


@login_required
def enterprise_book(request, pk):
    """一户一册 as a PDF, for an enterprise in the user's scope (404 outside)."""
    from .pdf import render_pdf

    enterprise = report_selectors.book_enterprise(user=request.user, pk=pk)
    body = render_pdf("reports/book_pdf.html", report_selectors.book_context(enterprise))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="book-{enterprise.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# -- the annual target notice (年度目标完成情况通报) -------------------------------------------

def _notice_context(request, key, year):
    jurisdiction = report_selectors.report_scope(user=request.user, key=key)
    if not (2000 <= year < timezone.localdate().year):  # a year that has ended (issued each January)
        raise Http404
    snapshot = selectors.dashboard_snapshot(user=request.user, jurisdiction=jurisdiction, year=year, month=12)
    return {"snapshot": snapshot, "jurisdiction": jurisdiction,
            **report_selectors.notice_groups(snapshot)}


@login_required
def annual_notice(request, key, year):
    return render(request, "reports/notice.html", _notice_context(request, key, year))


@login_required
def annual_notice_pdf(request, key, year):
    from .pdf import render_pdf

    context = _notice_context(request, key, year)
    response = HttpResponse(render_pdf("reports/notice_pdf.html", context), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="notice-{context["jurisdiction"].key}-{year}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
