"""Spreadsheet import and export, driven by a clerk in a real browser.

The clerk downloads the template, fills it in (openpyxl stands in for Excel),
uploads it, reads the preview and confirms; the database is checked after
each step so that a page that looks right but writes wrong is caught.
"""
import io
from decimal import Decimal

import openpyxl
import pytest

from enterprises.domain.credit_code import make as make_credit_code
from enterprises.models import Enterprise, MonthlyFigure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploads kept between preview and confirm go to this test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def download_workbook(page, selector):
    """Click a download link and open what the browser saved."""
    with page.expect_download() as info:
        page.click(selector)
    download = info.value
    assert download.failure() is None
    with open(download.path(), "rb") as saved:  # the saved file has no suffix: open it as a stream
        return download.suggested_filename, openpyxl.load_workbook(io.BytesIO(saved.read()))


def header_row(sheet):
    return [cell.value for cell in next(sheet.iter_rows(min_row=1, max_row=1))]


def write_workbook(path, header, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return str(path)


def open_import_page(page):
    page.goto("/enterprises/")
    with page.expect_navigation():
        page.click("[data-testid=import-link]")
    page.wait_for_selector("[data-testid=import-form]")


def upload(page, path, kind):
    page.select_option("[data-testid=import-kind]", kind)
    page.set_input_files("[data-testid=import-file]", path)
    with page.expect_navigation():
        page.click("[data-testid=import-upload]")


def test_the_enterprise_template_has_the_import_header_and_instructions(login, yuxian_clerk, jurisdictions):
    page = login(yuxian_clerk)
    open_import_page(page)
    filename, book = download_workbook(page, "[data-testid=template-enterprises]")
    assert filename.endswith(".xlsx")
    assert header_row(book.worksheets[0]) == ["统一社会信用代码", "企业名称", "所属区域", "责任单位", "国民经济行业代码",
                                              "企业类别", "法定代表人", "地址", "成立日期"]
    assert book.worksheets[0].max_row == 1  # an empty template: header only
    assert "填写说明" in book.sheetnames


def test_a_clerk_imports_the_valid_rows_of_a_sheet_with_a_bad_check_character(
        login, yuxian_clerk, enterprises, tmp_path, private_media):
    page = login(yuxian_clerk)
    open_import_page(page)
    _name, template = download_workbook(page, "[data-testid=template-enterprises]")
    header = header_row(template.worksheets[0])

    good = make_credit_code("9114032277000001")
    valid_but_mistyped = make_credit_code("9114032277000002")
    wrong_check = "1" if valid_but_mistyped[-1] != "1" else "2"
    mistyped = valid_but_mistyped[:-1] + wrong_check
    path = write_workbook(tmp_path / "企业名单.xlsx", header, [
        [good, "盂县新材料科技有限公司", "秀水镇", "县工信局", "C3311", "规下工业", "张三", "秀水镇工业园1号", "2021-03-15"],
        [mistyped, "盂县错码企业", "南娄镇", "", "", "", "", "", ""],
    ])
    before = Enterprise.objects.count()

    upload(page, path, "enterprises")
    page.wait_for_selector("[data-testid=import-preview-table]")
    assert "新增 1 行" in page.locator("[data-testid=import-counts]").inner_text()
    assert "错误 1 行" in page.locator("[data-testid=import-counts]").inner_text()
    assert page.locator("tr[data-row='2']").get_attribute("data-action") == "create"
    bad_row = page.locator("tr[data-row='3']")
    assert bad_row.get_attribute("data-action") == "error"
    assert (f"第3行 统一社会信用代码：校验码错误：第18位应为“{valid_but_mistyped[-1]}”，实际为“{wrong_check}”"
            in bad_row.locator("[data-testid=row-error]").inner_text())
    # While a row is wrong there is no plain confirm, only “仅导入有效行”.
    assert page.locator("[data-testid=confirm-import]").count() == 0
    assert page.locator("[data-testid=confirm-valid-only]").inner_text() == "仅导入有效行"
    assert Enterprise.objects.count() == before  # the preview writes nothing

    # A forged plain confirm (the button stripped of only_valid) is refused and writes nothing.
    page.locator("[data-testid=confirm-valid-only]").evaluate("b => b.removeAttribute('name')")
    with page.expect_navigation() as refused:
        page.click("[data-testid=confirm-valid-only]")
    assert refused.value.status == 400
    assert "文件中有错误，未导入任何数据" in page.locator(".messages").inner_text()
    assert Enterprise.objects.count() == before

    assert len(list((private_media / "imports").iterdir())) == 1  # the upload is kept for the confirm

    with page.expect_navigation():
        page.click("[data-testid=confirm-valid-only]")
    summary = page.locator("[data-testid=import-summary]")
    summary.wait_for()
    assert page.locator("[data-testid=count-created]").inner_text() == "1"
    assert page.locator("[data-testid=count-invalid]").inner_text() == "1"
    assert "第3行 统一社会信用代码：校验码错误" in page.locator("[data-testid=row-error]").inner_text()

    created = Enterprise.objects.get(credit_code=good)
    assert created.name == "盂县新材料科技有限公司"
    assert created.jurisdiction == enterprises["yu_gxj"].jurisdiction  # 秀水镇
    assert created.department == enterprises["yu_gxj"].department      # 县工信局
    assert created.industry_code == "C3311"
    assert str(created.established_on) == "2021-03-15"
    assert not Enterprise.objects.filter(name="盂县错码企业").exists()
    assert Enterprise.objects.count() == before + 1
    assert not list((private_media / "imports").iterdir())  # the kept upload is removed once imported

    with page.expect_navigation():
        page.click("text=返回企业库")
    table = page.locator("[data-testid=enterprise-table]")
    assert "盂县新材料科技有限公司" in table.inner_text()
    assert good in table.inner_text()


def test_a_clerk_downloads_the_error_report_fixes_it_and_uploads_it_again(
        login, yuxian_clerk, enterprises, tmp_path):
    page = login(yuxian_clerk)
    open_import_page(page)
    header = ["统一社会信用代码", "企业名称", "所属区域", "成立日期"]
    good = make_credit_code("9114032277000011")
    valid_but_mistyped = make_credit_code("9114032277000012")
    mistyped = valid_but_mistyped[:-1] + ("1" if valid_but_mistyped[-1] != "1" else "2")
    path = write_workbook(tmp_path / "企业名单.xlsx", header, [
        [good, "盂县报告企业", "秀水镇", "2021-03-15"],
        [mistyped, "盂县错码企业", "南娄镇", "去年春天"],
    ])

    upload(page, path, "enterprises")
    page.wait_for_selector("[data-testid=import-preview-table]")
    link = page.locator("[data-testid=download-error-report]")
    assert link.inner_text() == "下载错误报告"
    filename, book = download_workbook(page, "[data-testid=download-error-report]")
    assert filename.endswith(".xlsx")
    sheet = book.worksheets[0]
    assert header_row(sheet) == header + ["错误说明"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][:4] == (good, "盂县报告企业", "秀水镇", "2021-03-15") and rows[0][4] is None
    assert rows[1][4].startswith("统一社会信用代码：校验码错误：第18位应为")
    assert "成立日期：日期格式应为“2020-05-18”，实际为“去年春天”" in rows[1][4]

    # Fixed in "Excel" and uploaded again as it is, error column included: the preview is clean.
    sheet["A3"] = valid_but_mistyped
    sheet["D3"] = "2020-01-01"
    fixed = tmp_path / "企业名单-改.xlsx"
    book.save(fixed)
    open_import_page(page)
    upload(page, str(fixed), "enterprises")
    page.wait_for_selector("[data-testid=import-preview-table]")
    assert "错误 0 行" in page.locator("[data-testid=import-counts]").inner_text()
    assert page.locator("[data-testid=download-error-report]").count() == 0
    with page.expect_navigation():
        page.click("[data-testid=confirm-import]")
    assert page.locator("[data-testid=count-created]").inner_text() == "2"
    assert Enterprise.objects.get(credit_code=valid_but_mistyped).name == "盂县错码企业"


def test_monthly_figures_imported_in_wan_are_stored_in_yuan(login, yuxian_clerk, enterprises, tmp_path):
    page = login(yuxian_clerk)
    open_import_page(page)
    _name, template = download_workbook(page, "[data-testid=template-figures]")
    header = header_row(template.worksheets[0])
    assert header == ["统一社会信用代码", "企业名称", "年份", "月份", "主营业务收入（万元）", "工业总产值（万元）", "税收（万元）",
                      "用电量（千瓦时）", "从业人员（人）"]
    enterprise = enterprises["yu_gxj"]
    path = write_workbook(tmp_path / "月度数据.xlsx", header, [
        [enterprise.credit_code, enterprise.name, 2024, 5, 123.45, 130, 6.5, 42000, 38],
    ])

    upload(page, path, "figures")
    page.wait_for_selector("[data-testid=import-preview-table]")
    assert page.locator("tr[data-row='2']").get_attribute("data-action") == "create"
    assert not MonthlyFigure.objects.filter(enterprise=enterprise).exists()
    with page.expect_navigation():
        page.click("[data-testid=confirm-import]")
    page.wait_for_selector("[data-testid=import-summary]")
    assert page.locator("[data-testid=count-created]").inner_text() == "1"

    figure = MonthlyFigure.objects.get(enterprise=enterprise, year=2024, month=5)
    assert figure.revenue == Decimal("1234500.00")
    assert figure.output_value == Decimal("1300000.00")
    assert figure.tax == Decimal("65000.00")
    assert figure.electricity_kwh == Decimal("42000")
    assert figure.employees == 38
    assert figure.source == "import"

    page.goto(f"/enterprises/{enterprise.pk}/?year=2024")
    figures = page.locator("[data-testid=figures-table]")
    assert "当月营收（万元）" in figures.inner_text()
    row = figures.locator("tbody tr", has_text="2024-05")
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == "123.45"   # 当月营收（万元）
    assert cells[3] == "130.00"   # 当月产值（万元）
    assert cells[4] == "6.50"     # 当月税收（万元）

    # The same file again changes nothing.
    open_import_page(page)
    upload(page, path, "figures")
    page.wait_for_selector("[data-testid=import-preview-table]")
    assert page.locator("tr[data-row='2']").get_attribute("data-action") == "unchanged"
    with page.expect_navigation():
        page.click("[data-testid=confirm-import]")
    assert page.locator("[data-testid=count-unchanged]").inner_text() == "1"
    assert page.locator("[data-testid=count-created]").inner_text() == "0"
    assert MonthlyFigure.objects.filter(enterprise=enterprise).count() == 1
    figure.refresh_from_db()
    assert figure.revenue == Decimal("1234500.00")


def test_the_xlsx_export_holds_only_the_clerks_county(login, yuxian_clerk, enterprises):
    page = login(yuxian_clerk)
    page.wait_for_selector("[data-testid=enterprise-table]")
    filename, book = download_workbook(page, "[data-testid=export-xlsx]")
    assert filename.endswith(".xlsx")
    sheet = book.worksheets[0]
    assert header_row(sheet)[:3] == ["统一社会信用代码", "企业名称", "所属区域"]
    rows = [row for row in sheet.iter_rows(min_row=2, values_only=True) if any(row)]
    assert {row[0] for row in rows} == {enterprises["yu_gxj"].credit_code, enterprises["yu_other"].credit_code}
    assert {row[2] for row in rows} == {"秀水镇", "南娄镇"}
    assert enterprises["xiaoyi"].credit_code not in {row[0] for row in rows}


def test_the_export_follows_the_list_filter(login, yuxian_clerk, enterprises):
    page = login(yuxian_clerk)
    filters = page.locator("[data-testid=enterprise-filters]")
    filters.locator("[name=jurisdiction]").select_option(label="南娄镇")
    with page.expect_navigation():
        filters.locator("button[type=submit]").click()
    assert "盂县耐火材料有限公司" not in page.locator("[data-testid=enterprise-table]").inner_text()
    _filename, book = download_workbook(page, "[data-testid=export-xlsx]")
    rows = [row for row in book.worksheets[0].iter_rows(min_row=2, values_only=True) if any(row)]
    assert [(row[0], row[1], row[2]) for row in rows] == [
        (enterprises["yu_other"].credit_code, "盂县石料加工厂", "南娄镇")]


def test_a_leader_sees_no_import_link_and_is_refused_the_import_page(login, yangquan_leader, enterprises):
    page = login(yangquan_leader)
    page.goto("/enterprises/")
    page.wait_for_selector("[data-testid=enterprise-table]")
    assert page.locator("[data-testid=import-link]").count() == 0
    response = page.goto("/enterprises/io/import/")
    assert response.status == 403



def test_an_absurdly_large_amount_is_a_row_error_not_a_server_error(login, yuxian_clerk, enterprises, tmp_path):
    page = login(yuxian_clerk)
    enterprise = enterprises["yu_gxj"]
    header = ["统一社会信用代码", "企业名称", "年份", "月份", "主营业务收入（万元）"]
    path = write_workbook(tmp_path / "月度数据.xlsx", header, [
        [enterprise.credit_code, enterprise.name, 2024, 5, 1e25],  # e.g. a pasted account number
    ])
    open_import_page(page)
    page.select_option("[data-testid=import-kind]", "figures")
    page.set_input_files("[data-testid=import-file]", path)
    with page.expect_navigation() as preview:
        page.click("[data-testid=import-upload]")
    assert preview.value.status == 200
    error = page.locator("tr[data-row='2'] [data-testid=row-error]")
    assert "第2行 主营业务收入（万元）" in error.inner_text()
    assert not MonthlyFigure.objects.exists()
