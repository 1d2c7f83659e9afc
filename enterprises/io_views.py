"""Spreadsheet pages: upload → preview → confirm, exports and templates.

Thin: the checks and writes are in `spreadsheets`; these views keep the upload
between preview and confirm (a random storage name kept in the session, never
a name taken from the request) and render what the report says; the error
report is built from that same kept upload, for the session that uploaded it.
"""
import re
import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import exports, selectors, spreadsheets
from .forms import EnterpriseFilterForm
from .spreadsheets import ImportKind

SESSION_KEY = "spreadsheet_imports"
YEAR = re.compile(r"[0-9]{4}")
KEPT_UPLOADS = 5


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("导入内容"))
    file = forms.FileField(label=gettext_lazy("文件（.xlsx 或 .csv）"))

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, ImportKind(k).label) for k in kinds]
        self.fields["kind"].widget.attrs["data-testid"] = "import-kind"
        self.fields["file"].widget.attrs.update({"data-testid": "import-file", "accept": ".xlsx,.csv"})

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            try:
                self.dataset = spreadsheets.read_dataset(upload)
            except spreadsheets.SpreadsheetError as error:
                self.add_error("file", str(error))
        return data


def _importable_kinds(user):
    kinds = spreadsheets.importable_kinds(user)
    if not kinds:
        raise PermissionDenied(_("当前角色不能导入数据"))
    return kinds


def _stashed(request, token):
    return request.session.get(SESSION_KEY, {}).get(token)


def _remember(request, token, entry):
    kept = request.session.get(SESSION_KEY, {})
    kept[token] = entry
    while len(kept) > KEPT_UPLOADS:  # abandoned previews: forget the oldest and its file
        oldest = next(iter(kept))
        spreadsheets.discard_stashed(kept.pop(oldest)["name"])
    request.session[SESSION_KEY] = kept


def _forget(request, token):
    kept = request.session.get(SESSION_KEY, {})
    entry = kept.pop(token, None)
    request.session[SESSION_KEY] = kept
    if entry:
        spreadsheets.discard_stashed(entry["name"])


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    kinds = _importable_kinds(request.user)
    if request.method == "POST" and request.POST.get("kind") not in kinds:
        raise PermissionDenied(_("当前角色不能导入该类数据"))
    form = ImportUploadForm(request.POST or None, request.FILES or None, kinds=kinds,
                            initial={"kind": request.GET.get("kind") or kinds[0]})
    if request.method == "POST" and form.is_valid():
        name = spreadsheets.stash_upload(form.cleaned_data["file"])
        token = secrets.token_urlsafe(12)
        _remember(request, token, {"name": name, "kind": form.cleaned_data["kind"],
                                   "filename": form.cleaned_data["file"].name})
        return redirect(f"{reverse('enterprises:import_preview')}?token={token}")
    return render(request, "enterprises/import_upload.html", {"form": form, "kinds": kinds})


def _load(request, token):
    entry = _stashed(request, token)
    if entry is None:
        return None, None
    if entry["kind"] not in spreadsheets.importable_kinds(request.user):
        raise PermissionDenied(_("当前角色不能导入该类数据"))
    try:
        return entry, spreadsheets.read_stashed(entry["name"])
    except (spreadsheets.SpreadsheetError, FileNotFoundError):
        _forget(request, token)
        return None, None


def _expired(request):
    messages.error(request, _("导入文件已失效，请重新上传"))
    return redirect("enterprises:import")


@login_required
@require_GET
def import_preview(request):
    _importable_kinds(request.user)
    token = request.GET.get("token", "")
    entry, dataset = _load(request, token)
    if entry is None:
        return _expired(request)
    report = spreadsheets.preview(user=request.user, kind=entry["kind"], dataset=dataset)
    return render(request, "enterprises/import_preview.html", {"report": report, "token": token, "entry": entry})


@login_required
@require_POST
def import_confirm(request):
    _importable_kinds(request.user)
    token = request.POST.get("token", "")
    entry, dataset = _load(request, token)
    if entry is None:
        return _expired(request)
    report = spreadsheets.run_import(user=request.user, kind=entry["kind"], dataset=dataset,
                                     only_valid="only_valid" in request.POST)
    if not report.imported:
        messages.error(request, _("文件中有错误，未导入任何数据"))
        return render(request, "enterprises/import_preview.html",
                      {"report": report, "token": token, "entry": entry}, status=400)
    _forget(request, token)
    return render(request, "enterprises/import_result.html", {"report": report, "entry": entry})


@login_required
@require_GET
def import_error_report(request):
    """The previewed upload as uploaded, plus a last column 错误说明 per row (see
    `spreadsheets.error_report`): fixed in Excel, it is uploaded again as it is.
    Only the session that uploaded the file holds its token; any other token is a 404."""
    _importable_kinds(request.user)
    entry, dataset = _load(request, request.GET.get("token", ""))
    if entry is None:
        raise Http404(_("导入文件已失效，请重新上传"))
    with translation.override(spreadsheets.SOURCE_LANGUAGE):  # the reasons are written in the file language
        report = spreadsheets.preview(user=request.user, kind=entry["kind"], dataset=dataset)
        sheet = spreadsheets.error_report(name=entry["name"], dataset=dataset, report=report)
    return _download(sheet)


@login_required
@require_GET
def export(request):
    kind = request.GET.get("kind", ImportKind.ENTERPRISES)
    fmt = request.GET.get("format", "xlsx")
    if kind not in ImportKind.values or fmt not in spreadsheets.FORMATS:
        return HttpResponseBadRequest(_("不支持的导出类型或格式"))
    filters = EnterpriseFilterForm(request.GET or None, user=request.user)
    enterprises = selectors.enterprise_list(user=request.user, **filters.selector_kwargs())
    if kind == ImportKind.ENTERPRISES:
        sheet = spreadsheets.export_enterprises(user=request.user, queryset=enterprises, fmt=fmt)
    else:
        year = request.GET.get("year", "")
        if year and not (YEAR.fullmatch(year) and 2000 <= int(year) <= 2100):  # ASCII digits only: not ² or １２
            return HttpResponseBadRequest(_("年份应为2000至2100之间的数字"))
        figures = selectors.figures_visible_to(user=request.user).filter(enterprise__in=enterprises.values("pk"))
        if year:
            figures = figures.filter(year=int(year))
        sheet = spreadsheets.export_figures(user=request.user, queryset=figures, fmt=fmt)
    return _download(sheet)


@login_required
@require_GET
def template(request):
    kind = request.GET.get("kind", ImportKind.ENTERPRISES)
    if kind not in ImportKind.values:
        return HttpResponseBadRequest(_("不支持的模板类型"))
    return _download(spreadsheets.template(kind))


def _download(sheet):
    # The file name is the sheet's own (a fixed title and today's date), never a request parameter.
    return exports.attachment(sheet.content, sheet.content_type, sheet.filename)
