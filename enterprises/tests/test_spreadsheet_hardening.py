"""Spreadsheet imports against hostile files: what the security probe sent.

A file may be small and still ask for gigabytes (one very wide row padded into
every other row, a sheet whose <dimension> lies, a row of thousands of cells, a
zip bomb), may be damaged, or may hold numbers no register could mean. Each is
refused with a Chinese message that names the row, the column and the reason,
in little memory, never with a server error and never with an absurd value stored.
"""
import csv
import io
import tracemalloc
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import new_credit_code
from enterprises import spreadsheets
from enterprises.models import Enterprise, MonthlyFigure

ENTERPRISE_HEADERS = ["统一社会信用代码", "企业名称", "所属区域", "责任单位", "国民经济行业代码", "企业类别",
                      "法定代表人", "地址", "成立日期"]
FIGURE_HEADERS = ["统一社会信用代码", "企业名称", "年份", "月份", "主营业务收入（万元）", "工业总产值（万元）",
                  "税收（万元）", "用电量（千瓦时）", "从业人员（人）"]
MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
A2_CELL = '<c r="A2" t="inlineStr"><is><t>x</t></is></c>'  # as openpyxl writes "x" in A2


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def xlsx_bytes(headers, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def rewrite_member(content: bytes, member: str, change) -> bytes:
    """The same xlsx with one zip member passed through `change(text) -> text`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == member:
                data = change(data.decode()).encode()
            target.writestr(info.filename, data)
    return out.getvalue()


def csv_bytes(headers, rows):
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(headers)
    writer.writerows(rows)
    return stream.getvalue().encode("utf-8-sig")


def peak_memory_of(call):
    """(result or raised exception, peak bytes allocated while `call` ran)."""
    tracemalloc.start()
    try:
        try:
            outcome = call()
        except Exception as error:  # noqa: BLE001 - returned to the test to look at
            outcome = error
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return outcome, peak


def upload_page(client, name, content, kind="enterprises"):
    return client.post(reverse("enterprises:import"), {"kind": kind, "file": SimpleUploadedFile(name, content)})


def preview_of(client, response):
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"])


# --- 1. memory: width and length are bounded before rows are built ------------------------------

def probe_csv(wide_row: str) -> bytes:
    """The probe's file: the template header, one row of 16,000 commas, then short rows up to ~94 KiB."""
    head = (",".join(ENTERPRISE_HEADERS) + "\r\n" + wide_row + "\r\n").encode("utf-8")
    filler = b"a,b\r\n"
    return head + filler * ((94 * 1024 - len(head)) // len(filler))


@pytest.mark.parametrize("wide_row", ["," * 16000, "," * 16000 + "x"], ids=["only-commas", "value-at-the-end"])
def test_the_probes_wide_csv_is_refused_in_little_memory(wide_row):
    content = probe_csv(wide_row)
    assert 90 * 1024 <= len(content) <= 95 * 1024

    outcome, peak = peak_memory_of(lambda: spreadsheets.read_dataset(SimpleUploadedFile("宽.csv", content)))

    assert isinstance(outcome, spreadsheets.SpreadsheetError), outcome
    assert peak < 100 * MB, f"peak {peak / MB:.0f} MB"
    assert str(outcome).startswith(f"第2行有16001列（含空列），超过允许的最多{spreadsheets.MAX_RAW_COLUMNS}列")


def test_the_probes_wide_csv_is_refused_on_the_upload_form(client, yuxian_clerk, media_root):
    client.force_login(yuxian_clerk)

    response = upload_page(client, "宽.csv", probe_csv("," * 16000 + "x"))

    assert response.status_code == 200
    assert "第2行有16001列" in response.content.decode()
    assert not (media_root / "imports").exists()  # nothing kept for a file that cannot be read


def test_a_value_beyond_the_template_width_names_its_row_and_column():
    row = ["x"] * 3 + [""] * 36 + ["备注"]  # column 40 = AN

    with pytest.raises(spreadsheets.SpreadsheetError) as raised:
        spreadsheets.read_dataset(SimpleUploadedFile("宽.csv", csv_bytes(ENTERPRISE_HEADERS, [row])))

    message = str(raised.value)
    assert "第2行第40列（AN列）有内容" in message and f"最多{spreadsheets.MAX_COLUMNS}列" in message


def test_trailing_empty_cells_within_the_limit_are_harmless(yuxian_clerk, departments):
    code = new_credit_code()
    row = [code, "盂县空列企业", "秀水镇"] + [""] * 6 + [""] * 40
    dataset = spreadsheets.read_dataset(SimpleUploadedFile("e.csv", csv_bytes(ENTERPRISE_HEADERS, [row])))

    assert dataset.headers == ENTERPRISE_HEADERS
    report = spreadsheets.preview_enterprises(user=yuxian_clerk, dataset=dataset)
    assert report.created == 1 and not report.has_errors


def test_a_full_size_csv_is_read_in_bounded_memory():
    rows = [[new_credit_code(), f"企业名称{i:05d}", "秀水镇", "县工信局", "C3311", "规下工业", "张三",
             f"秀水镇工业园{i}号", "2020-05-18"] for i in range(spreadsheets.MAX_ROWS)]
    content = csv_bytes(ENTERPRISE_HEADERS, rows)

    dataset, peak = peak_memory_of(lambda: spreadsheets.read_dataset(SimpleUploadedFile("大.csv", content)))

    assert len(dataset) == spreadsheets.MAX_ROWS and dataset[-1][1] == f"企业名称{spreadsheets.MAX_ROWS - 1:05d}"
    assert peak < 100 * MB, f"peak {peak / MB:.0f} MB"


def test_too_many_rows_are_refused_and_blank_lines_do_not_keep_the_reader_busy():
    many = csv_bytes(ENTERPRISE_HEADERS[:3], [["x", "y", "z"]] * (spreadsheets.MAX_ROWS + 1))
    with pytest.raises(spreadsheets.SpreadsheetError, match=f"数据超过{spreadsheets.MAX_ROWS}行"):
        spreadsheets.read_dataset(SimpleUploadedFile("多.csv", many))

    blank_tail = csv_bytes(ENTERPRISE_HEADERS[:3], [["x", "y", "z"]]) + b"\r\n" * 3_000_000
    outcome, peak = peak_memory_of(lambda: spreadsheets.read_dataset(SimpleUploadedFile("空行.csv", blank_tail)))
    assert isinstance(outcome, spreadsheets.SpreadsheetError) and "空行" in str(outcome)
    assert peak < 100 * MB


def test_an_xlsx_whose_dimension_lies_is_read_without_padding(yuxian_clerk, departments):
    code = new_credit_code()
    content = rewrite_member(xlsx_bytes(ENTERPRISE_HEADERS[:3], [[code, "维度不实企业", "秀水镇"]]), SHEET,
                             lambda xml: xml.replace('<dimension ref="A1:C2" />', '<dimension ref="A1:XFD1048576" />'))
    assert 'ref="A1:XFD1048576"' in zipfile.ZipFile(io.BytesIO(content)).read(SHEET).decode()

    dataset, peak = peak_memory_of(lambda: spreadsheets.read_dataset(SimpleUploadedFile("维度.xlsx", content)))

    assert not isinstance(dataset, Exception), dataset
    assert peak < 100 * MB, f"peak {peak / MB:.0f} MB"
    assert dataset.headers == ENTERPRISE_HEADERS[:3] and len(dataset) == 1
    assert spreadsheets.preview_enterprises(user=yuxian_clerk, dataset=dataset).created == 1


def test_an_xlsx_value_beyond_the_template_width_is_refused():
    book = openpyxl.Workbook()
    book.active.append(ENTERPRISE_HEADERS)
    book.active.cell(row=3, column=200, value="备注")  # GR3
    stream = io.BytesIO()
    book.save(stream)

    with pytest.raises(spreadsheets.SpreadsheetError) as raised:
        spreadsheets.read_dataset(SimpleUploadedFile("宽.xlsx", stream.getvalue()))

    assert "第3行第200列（GR列）有内容" in str(raised.value)


def test_an_xlsx_row_of_thousands_of_cells_is_refused_before_it_is_built():
    cells = '<c t="n"><v>1</v></c>' * 200_000  # no r attributes: the dimension says nothing about them
    content = rewrite_member(xlsx_bytes(ENTERPRISE_HEADERS[:3], [["x", "y", "z"]]), SHEET,
                             lambda xml: xml.replace("</sheetData>", f'<row r="3">{cells}</row></sheetData>'))

    outcome, peak = peak_memory_of(lambda: spreadsheets.read_dataset(SimpleUploadedFile("宽.xlsx", content)))

    assert isinstance(outcome, spreadsheets.SpreadsheetError), outcome
    assert str(outcome).startswith(f"第3行的单元格超过{spreadsheets.MAX_RAW_COLUMNS}个")
    assert peak < 100 * MB, f"peak {peak / MB:.0f} MB"


def test_an_xlsx_row_a_million_rows_down_is_refused_quickly():
    content = rewrite_member(xlsx_bytes(ENTERPRISE_HEADERS[:3], [["x", "y", "z"]]), SHEET,
                             lambda xml: xml.replace("</sheetData>",
                                                     '<row r="1000000"><c r="A1000000" t="n"><v>1</v></c></row>'
                                                     "</sheetData>"))

    outcome, peak = peak_memory_of(lambda: spreadsheets.read_dataset(SimpleUploadedFile("长.xlsx", content)))

    assert isinstance(outcome, spreadsheets.SpreadsheetError), outcome
    assert "行" in str(outcome) and peak < 100 * MB


def test_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked():
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(ENTERPRISE_HEADERS[:3], [["x", "y", "z"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != SHEET:
                target.writestr(info.filename, source.read(info.filename))
        xml = source.read(SHEET).decode()
        head, tail = xml.split("</sheetData>")
        with target.open(SHEET, "w") as member:
            member.write(head.encode())
            for _ in range(80):
                member.write(b" " * MB)  # whitespace between rows: valid XML, 80 MB unpacked
            member.write(("</sheetData>" + tail).encode())
    content = out.getvalue()
    assert len(content) < 1 * MB

    outcome, peak = peak_memory_of(lambda: spreadsheets.read_dataset(SimpleUploadedFile("炸弹.xlsx", content)))

    assert isinstance(outcome, spreadsheets.SpreadsheetError), outcome
    assert "解压后过大" in str(outcome) and peak < 100 * MB


# --- 2. damaged files: a clear error at upload, never a 500 ------------------------------------

def damaged_files():
    good = xlsx_bytes(ENTERPRISE_HEADERS[:3], [["x", "y", "z"]])
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("readme.txt", "这不是Excel文件")
    return {
        "broken-sheet-xml": rewrite_member(good, SHEET, lambda xml: xml.replace("</sheetData>", "<row><c>")),
        "zip-but-not-xlsx": plain_zip.getvalue(),
        "truncated": good[: len(good) // 2],
        "bad-shared-string-index": rewrite_member(good, SHEET, lambda xml: xml.replace(
            A2_CELL, '<c r="A2" t="s"><v>99999</v></c>')),
        "number-excel-cannot-hold": rewrite_member(good, SHEET, lambda xml: xml.replace(
            A2_CELL, '<c r="A2" t="n"><v>NaN</v></c>')),
        "empty-file": b"",
    }


@pytest.mark.parametrize("name", list(damaged_files()))
def test_a_damaged_xlsx_is_refused_at_upload_with_a_chinese_message(client, yuxian_clerk, media_root, name):
    content = damaged_files()[name]
    if name == "bad-shared-string-index":
        assert "<v>99999</v>" in zipfile.ZipFile(io.BytesIO(content)).read(SHEET).decode()
    client.force_login(yuxian_clerk)

    response = upload_page(client, f"{name}.xlsx", content)

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors and all("Excel" in e or "文件" in e for e in errors), errors
    assert not (media_root / "imports").exists()


def test_a_cell_excel_cannot_hold_names_the_cell():
    content = damaged_files()["number-excel-cannot-hold"]
    with pytest.raises(spreadsheets.SpreadsheetError, match="单元格A2"):
        spreadsheets.read_dataset(SimpleUploadedFile("坏.xlsx", content))


# --- 3. numbers no register could mean are row errors ------------------------------------------

ABSURD = ["1e999999", "1e400", "9" * 40, "-1e999999", "NaN", "Infinity", "-Infinity", "sNaN", "²", "10²", "١٢٣",
          "१२", "1e-999999"]
FIGURE_COLUMNS = {"year": "年份", "month": "月份", "revenue": "主营业务收入（万元）", "electricity": "用电量（千瓦时）",
                  "employees": "从业人员（人）"}


def figure_row(code, column, value):
    """A FIGURE_HEADERS row of sane values, but `value` in `column`."""
    row = {"年份": 2024, "月份": 5, "主营业务收入（万元）": 100, "用电量（千瓦时）": 1000, "从业人员（人）": 10}
    row[FIGURE_COLUMNS[column]] = value
    return [code, ""] + [row.get(header, "") for header in FIGURE_HEADERS[2:]]


@pytest.mark.parametrize("value, column", [(value, column) for value in ABSURD for column in FIGURE_COLUMNS
                                           # a tiny amount rounds to 0.00 yuan: a sane value, not an error
                                           if (value, column) != ("1e-999999", "revenue")])
def test_an_absurd_number_is_a_row_error_naming_row_and_column(yuxian_clerk, enterprises, value, column):
    code = enterprises["yu_gxj"].credit_code
    content = csv_bytes(FIGURE_HEADERS, [figure_row(code, column, value)])

    report = spreadsheets.import_figures(user=yuxian_clerk, dataset=spreadsheets.read_dataset(
        SimpleUploadedFile("f.csv", content)))

    assert not report.imported and report.invalid == 1
    texts = [t for row in report.rows for t in row.error_texts()]
    assert any(t.startswith(f"第2行 {FIGURE_COLUMNS[column]}：") for t in texts), texts
    assert not MonthlyFigure.objects.exists()


@pytest.mark.parametrize("value", ["1e999999", "9" * 40, "NaN", "²"])
def test_an_absurd_number_typed_as_text_in_excel_is_a_row_error(yuxian_clerk, enterprises, value):
    code = enterprises["yu_gxj"].credit_code
    content = xlsx_bytes(FIGURE_HEADERS[:5] + ["从业人员（人）"], [[code, "", 2024, 5, value, value]])

    report = spreadsheets.preview_figures(user=yuxian_clerk, dataset=spreadsheets.read_dataset(
        SimpleUploadedFile("f.xlsx", content)))

    texts = [t for row in report.rows for t in row.error_texts()]
    assert any(t.startswith("第2行 主营业务收入（万元）：") for t in texts), texts
    assert any(t.startswith("第2行 从业人员（人）：") for t in texts), texts


@pytest.mark.parametrize("stored", ["1e999999", "-1e999999", "1E+39", "123456789012345678901234567890123456789"])
def test_an_overflowing_number_stored_in_the_xlsx_is_a_row_error(yuxian_clerk, enterprises, stored):
    code = enterprises["yu_gxj"].credit_code
    content = xlsx_bytes(["统一社会信用代码", "年份", "月份", "从业人员（人）", "用电量（千瓦时）"],
                         [[code, 2024, 5, 777001, 777002]])
    content = rewrite_member(content, SHEET, lambda xml: xml.replace("<v>777001</v>", f"<v>{stored}</v>")
                             .replace("<v>777002</v>", f"<v>{stored}</v>"))

    report = spreadsheets.import_figures(user=yuxian_clerk, dataset=spreadsheets.read_dataset(
        SimpleUploadedFile("f.xlsx", content)))

    texts = [t for row in report.rows for t in row.error_texts()]
    assert any(t.startswith("第2行 从业人员（人）：") for t in texts), texts
    assert any(t.startswith("第2行 用电量（千瓦时）：") for t in texts), texts
    assert not report.imported and not MonthlyFigure.objects.exists()


def test_an_absurd_year_on_the_upload_pages_is_a_row_error_not_a_server_error(client, yuxian_clerk, enterprises):
    client.force_login(yuxian_clerk)
    code = enterprises["yu_gxj"].credit_code
    content = csv_bytes(FIGURE_HEADERS[:5], [[code, "", "1e999999", 5, 1], [code, "", 2024, "9" * 40, 1],
                                             [code, "", 2024, 6, "1e400"]])

    preview = preview_of(client, upload_page(client, "f.csv", content, kind="figures"))

    assert preview.status_code == 200
    html = preview.content.decode()
    for text in ("第2行 年份：", "第3行 月份：", "第4行 主营业务收入（万元）：数值过大"):
        assert text in html
    refused = client.post(reverse("enterprises:import_confirm"), {"token": preview.context["token"]})
    assert refused.status_code == 400 and not MonthlyFigure.objects.exists()


def test_full_width_digits_are_read_as_the_digits_they_show(yuxian_clerk, enterprises):
    code = enterprises["yu_gxj"].credit_code
    content = csv_bytes(FIGURE_HEADERS[:5] + ["从业人员（人）"], [[code, "", "２０２４", "５", "１２３．４５", "１２３"]])

    report = spreadsheets.import_figures(user=yuxian_clerk, dataset=spreadsheets.read_dataset(
        SimpleUploadedFile("f.csv", content)))

    assert report.imported, [t for row in report.rows for t in row.error_texts()]
    figure = MonthlyFigure.objects.get()
    assert (figure.year, figure.month, figure.revenue, figure.employees) == (2024, 5, Decimal("1234500.00"), 123)


# --- 4. text PostgreSQL cannot store is refused at preview -------------------------------------

@pytest.mark.parametrize("column", ["企业名称", "所属区域", "地址", "统一社会信用代码"])
@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x1b"], ids=["NUL", "SOH", "ESC"])
def test_a_control_character_is_a_row_error_at_preview_and_confirm_writes_nothing(client, yuxian_clerk,
                                                                                  departments, column, bad):
    client.force_login(yuxian_clerk)
    good, code = new_credit_code(), new_credit_code()
    row = {"统一社会信用代码": code, "企业名称": "盂县坏字符企业", "所属区域": "秀水镇", "地址": "秀水镇东街"}
    row[column] = row[column][:1] + bad + row[column][1:]
    headers = ["统一社会信用代码", "企业名称", "所属区域", "地址"]
    content = csv_bytes(headers, [[good, "盂县好企业", "秀水镇", ""], [row[h] for h in headers]])

    preview = preview_of(client, upload_page(client, "e.csv", content))

    assert preview.status_code == 200
    report = preview.context["report"]
    assert [r.action for r in report.rows] == ["create", "error"]
    texts = report.rows[1].error_texts()
    assert any(t.startswith(f"第3行 {column}：含有不可见的控制字符（U+{ord(bad):04X}）") for t in texts), texts
    refused = client.post(reverse("enterprises:import_confirm"), {"token": preview.context["token"]})
    assert refused.status_code == 400 and not Enterprise.objects.exists()
    done = client.post(reverse("enterprises:import_confirm"), {"token": preview.context["token"], "only_valid": "1"})
    assert done.status_code == 200
    assert list(Enterprise.objects.values_list("credit_code", flat=True)) == [good]


def test_a_control_character_in_a_figure_row_is_a_row_error(yuxian_clerk, enterprises):
    code = enterprises["yu_gxj"].credit_code
    content = csv_bytes(FIGURE_HEADERS[:5], [[code + "\x00", "", 2024, 5, 1], [code, "名\x00称", 2024, 6, 1]])

    report = spreadsheets.import_figures(user=yuxian_clerk, dataset=spreadsheets.read_dataset(
        SimpleUploadedFile("f.csv", content)))

    assert not report.imported
    texts = [t for row in report.rows for t in row.error_texts()]
    assert any(t.startswith("第2行 统一社会信用代码：含有不可见的控制字符") for t in texts), texts
    assert any(t.startswith("第3行 企业名称：含有不可见的控制字符") for t in texts), texts
    assert not MonthlyFigure.objects.exists()
