"""The import error report: the clerk's own sheet back, with a last column 错误说明.

小王 (盂县 clerk) uploads a sheet with bad rows; the preview offers 下载错误报告, which
returns the same file (xlsx → xlsx, csv → csv in its own encoding) with the same
columns and rows plus 错误说明. He fixes the cells in Excel and uploads the report
again as it is: the preview is clean. 小李 (孝义市 clerk) cannot fetch 小王's report.
"""
import csv
import io
import tomllib
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import new_credit_code
from enterprises import exports
from enterprises.domain.credit_code import check_character
from enterprises.models import Enterprise
from enterprises.spreadsheets import RowAction

HEADERS = ["统一社会信用代码", "企业名称", "所属区域", "成立日期", "地址"]
ERROR_COLUMN = "错误说明"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def with_bad_check_character(code):
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def xlsx_upload(headers, rows, name="企业名单.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [headers, *rows]:
        exports.append_row(sheet, row)  # text typed as text, as Excel keeps a cell typed with a leading '
    stream = io.BytesIO()
    book.save(stream)
    return SimpleUploadedFile(name, stream.getvalue())


def csv_upload(headers, rows, encoding, name="企业名单.csv"):
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, stream.getvalue().encode(encoding))


def preview_of(client, upload, kind="enterprises"):
    uploaded = client.post(reverse("enterprises:import"), {"kind": kind, "file": upload})
    assert uploaded.status_code == 302, uploaded.content.decode()[:2000]
    return client.get(uploaded["Location"])


def report_url(token):
    return f"{reverse('enterprises:import_error_report')}?token={token}"


def sheet_rows(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return sheet, [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def bad_sheet(departments):
    """Rows 2 good, 3 bad check character, 4 blank, 5 bad date and unknown place, 6 good with formula-like text."""
    good, other = new_credit_code(), new_credit_code()
    bad_code = with_bad_check_character(new_credit_code())
    rows = [
        [good, "正常企业", "秀水镇", "2020-05-18", "秀水镇1号"],
        [bad_code, "校验码错的企业", "秀水镇", "", ""],
        [None, None, None, None, None],
        [new_credit_code(), "日期错的企业", "火星镇", "去年春天", ""],
        [other, "公式企业", "秀水镇", "", "=HYPERLINK(\"http://evil.example\",\"点我\")"],
    ]
    return {"rows": rows, "bad_code": bad_code, "good": good, "other": other}


def test_the_error_report_is_the_uploaded_xlsx_with_an_error_column(client, yuxian_clerk, bad_sheet):
    client.force_login(yuxian_clerk)
    preview = preview_of(client, xlsx_upload(HEADERS, bad_sheet["rows"]))
    html = preview.content.decode()
    token = preview.context["token"]
    assert 'data-testid="download-error-report"' in html and "下载错误报告" in html
    assert report_url(token).replace("&", "&amp;") in html

    response = client.get(report_url(token))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert ".xlsx" in response["Content-Disposition"]
    sheet, rows = sheet_rows(response.content)
    assert rows[0] == HEADERS + [ERROR_COLUMN]
    assert rows[1] == bad_sheet["rows"][0] + [None]  # a good row: the same cells, no error
    bad_code = bad_sheet["bad_code"]
    assert rows[2][:5] == [bad_code, "校验码错的企业", "秀水镇", None, None]
    assert rows[2][5] == (f"统一社会信用代码：校验码错误：第18位应为“{check_character(bad_code[:17])}”，"
                          f"实际为“{bad_code[-1]}”")
    assert all(value is None for value in rows[3])  # the blank row stays, so row numbers stay the sheet's own
    assert rows[4][5] == ("所属区域：未找到所属区域“火星镇”，请填写区域名称或编号；"
                          "成立日期：日期格式应为“2020-05-18”，实际为“去年春天”")
    assert rows[5][5] is None
    formula = sheet.cell(row=6, column=5)
    assert formula.value == bad_sheet["rows"][4][4] and formula.data_type == "s"  # text, never a live formula
    assert not Enterprise.objects.exists()  # the report writes nothing


def test_the_reasons_are_chinese_whatever_the_ui_language(client, yuxian_clerk, bad_sheet):
    client.force_login(yuxian_clerk)
    token = preview_of(client, xlsx_upload(HEADERS, bad_sheet["rows"])).context["token"]
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"

    _sheet, rows = sheet_rows(client.get(report_url(token)).content)

    assert rows[0][-1] == ERROR_COLUMN
    assert rows[2][5].startswith("统一社会信用代码：校验码错误")


def test_a_fixed_xlsx_report_uploaded_again_previews_clean_and_imports(client, yuxian_clerk, bad_sheet):
    client.force_login(yuxian_clerk)
    token = preview_of(client, xlsx_upload(HEADERS, bad_sheet["rows"])).context["token"]
    book = openpyxl.load_workbook(io.BytesIO(client.get(report_url(token)).content))
    sheet = book.worksheets[0]
    fixed_code = new_credit_code()
    sheet["A3"] = fixed_code        # the clerk fixes the cells named in 错误说明 and leaves the column
    sheet["C5"] = "秀水镇"
    sheet["D5"] = "2019-01-02"
    stream = io.BytesIO()
    book.save(stream)

    again = preview_of(client, SimpleUploadedFile("企业名单-改.xlsx", stream.getvalue()))

    report = again.context["report"]
    assert not report.file_errors and not report.has_errors
    assert [r.action for r in report.rows] == [RowAction.CREATE] * 4
    assert 'data-testid="download-error-report"' not in again.content.decode()
    done = client.post(reverse("enterprises:import_confirm"), {"token": again.context["token"]})
    assert done.status_code == 200 and done.context["report"].created == 4
    assert Enterprise.objects.get(credit_code=fixed_code).name == "校验码错的企业"


def test_a_report_of_a_report_keeps_a_single_error_column(client, yuxian_clerk, bad_sheet):
    client.force_login(yuxian_clerk)
    token = preview_of(client, xlsx_upload(HEADERS, bad_sheet["rows"])).context["token"]
    first = client.get(report_url(token)).content

    second_token = preview_of(client, SimpleUploadedFile("报告.xlsx", first)).context["token"]
    _sheet, rows = sheet_rows(client.get(report_url(second_token)).content)

    assert rows[0] == HEADERS + [ERROR_COLUMN]
    assert rows[2][5].startswith("统一社会信用代码：校验码错误")
    assert rows[5][5] is None


@pytest.mark.parametrize("encoding, written", [("gb18030", "gb18030"), ("utf-8", "utf-8-sig"),
                                               ("utf-8-sig", "utf-8-sig")])
def test_a_csv_report_is_csv_in_the_uploads_encoding_and_round_trips(client, yuxian_clerk, bad_sheet,
                                                                      encoding, written):
    client.force_login(yuxian_clerk)
    rows = [[value or "" for value in row] for row in bad_sheet["rows"]]
    token = preview_of(client, csv_upload(HEADERS, rows, encoding)).context["token"]

    response = client.get(report_url(token))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert ".csv" in response["Content-Disposition"]
    if written == "utf-8-sig":
        assert response.content.startswith(b"\xef\xbb\xbf")
    else:
        assert not response.content.startswith(b"\xef\xbb\xbf")
        with pytest.raises(UnicodeDecodeError):
            response.content.decode("utf-8")
    table = list(csv.reader(io.StringIO(response.content.decode(written), newline="")))
    assert table[0] == HEADERS + [ERROR_COLUMN]
    assert table[1] == rows[0] + [""]
    assert table[2][5].startswith("统一社会信用代码：校验码错误")
    assert table[3] == [""] * 6
    assert table[4][5] == ("所属区域：未找到所属区域“火星镇”，请填写区域名称或编号；"
                           "成立日期：日期格式应为“2020-05-18”，实际为“去年春天”")
    assert table[5][4] == "'" + rows[4][4]  # formula-like text is quoted, as in every csv export
    assert table[5][5] == ""

    fixed_code = new_credit_code()
    table[2][0] = fixed_code
    table[4][2], table[4][3] = "秀水镇", "2019-01-02"
    stream = io.StringIO()
    csv.writer(stream).writerows(table)
    again = preview_of(client, SimpleUploadedFile("改.csv", stream.getvalue().encode(written)))
    report = again.context["report"]
    assert not report.has_errors and report.created == 4
    client.post(reverse("enterprises:import_confirm"), {"token": again.context["token"]})
    assert Enterprise.objects.get(credit_code=bad_sheet["other"]).address == rows[4][4]


def test_only_the_session_that_uploaded_gets_the_report(client, yuxian_clerk, xiaoyi_clerk, bad_sheet):
    client.force_login(yuxian_clerk)
    token = preview_of(client, xlsx_upload(HEADERS, bad_sheet["rows"])).context["token"]
    other = Client()
    other.force_login(xiaoyi_clerk)

    assert other.get(report_url(token)).status_code == 404          # another user's token
    assert client.get(report_url("not-a-token")).status_code == 404  # an unknown token
    assert client.get(reverse("enterprises:import_error_report")).status_code == 404  # none at all
    assert client.get(report_url(token)).status_code == 200


def test_a_clean_preview_offers_no_error_report(client, yuxian_clerk, departments):
    client.force_login(yuxian_clerk)
    preview = preview_of(client, xlsx_upload(HEADERS[:3], [[new_credit_code(), "正常企业", "秀水镇"]]))
    assert 'data-testid="download-error-report"' not in preview.content.decode()


def test_django_import_export_is_gone():
    assert "import_export" not in django_settings.INSTALLED_APPS
    assert not [name for name in dir(django_settings) if name.startswith("IMPORT_EXPORT_")]
    project = tomllib.loads((Path(django_settings.BASE_DIR) / "pyproject.toml").read_text())
    dependencies = project["project"]["dependencies"]
    assert not [d for d in dependencies if d.startswith("django-import-export")]
    assert [d for d in dependencies if d.startswith("tablib")]  # used directly by enterprises.spreadsheets
