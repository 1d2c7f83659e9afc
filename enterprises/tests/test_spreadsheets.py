"""Spreadsheet import and export: clerks' Excel files in, the same layout out.

People are the shared personas: 小王 (盂县 clerk) imports into 盂县, 小李 (孝义市
clerk) must not reach 盂县, 老赵 (leader) only reads, 钱总 reports his own figures.
"""
import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import new_credit_code
from enterprises import selectors, services, spreadsheets
from enterprises.domain.credit_code import check_character
from enterprises.models import (
    Enterprise,
    EnterpriseCategory,
    EnterpriseName,
    FigureSource,
    Jurisdiction,
    MonthlyFigure,
    PoolMembership,
)
from enterprises.spreadsheets import RowAction

ENTERPRISE_HEADERS = ["统一社会信用代码", "企业名称", "所属区域", "责任单位", "国民经济行业代码", "企业类别",
                      "法定代表人", "地址", "成立日期"]
FIGURE_HEADERS = ["统一社会信用代码", "企业名称", "年份", "月份", "主营业务收入（万元）", "工业总产值（万元）",
                  "税收（万元）", "用电量（千瓦时）", "从业人员（人）"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def xlsx_file(headers, rows, name="企业.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    stream = io.BytesIO()
    book.save(stream)
    return SimpleUploadedFile(name, stream.getvalue())


def csv_file(headers, rows, encoding="utf-8-sig", name="企业.csv"):
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, stream.getvalue().encode(encoding))


def dataset_of(upload):
    return spreadsheets.read_dataset(upload)


def with_bad_check_character(code):
    wrong = "0" if code[-1] != "0" else "1"
    return code[:-1] + wrong


def history_counts():
    return (Enterprise.history.count(), MonthlyFigure.history.count(), PoolMembership.history.count(),
            EnterpriseName.objects.count())


def errors_of(report):
    return [text for row in report.rows for text in row.error_texts()]


# --- enterprises ------------------------------------------------------------------------------

def test_a_good_enterprise_file_creates_the_enterprises(yuxian_clerk, departments):
    code_a, code_b = new_credit_code(), new_credit_code()
    upload = xlsx_file(ENTERPRISE_HEADERS, [
        [code_a, "盂县新材料有限公司", "秀水镇", "县工信局", "C3089", "规下工业", "张三", "秀水镇东街1号",
         date(2019, 3, 15)],
        [code_b.lower(), " 盂县食品加工厂 ", "140322-nanlou", "", "1431", "限上批零住餐", "", "", "2021/7/1"],
    ])

    report = spreadsheets.import_enterprises(user=yuxian_clerk, dataset=dataset_of(upload))

    assert report.imported and report.counts == {"created": 2, "updated": 0, "unchanged": 0, "invalid": 0}
    a = Enterprise.objects.get(credit_code=code_a)
    assert (a.name, a.jurisdiction.name, a.department, a.industry_code, a.category, a.legal_representative,
            a.address, a.established_on) == ("盂县新材料有限公司", "秀水镇", departments["yuxian_gxj"], "C3089",
                                             EnterpriseCategory.INDUSTRY, "张三", "秀水镇东街1号",
                                             date(2019, 3, 15))
    b = Enterprise.objects.get(credit_code=code_b)
    assert (b.name, b.jurisdiction.key, b.department, b.category, b.established_on) == (
        "盂县食品加工厂", "140322-nanlou", None, EnterpriseCategory.ABOVE_QUOTA_TRADE, date(2021, 7, 1))
    assert a.pool_memberships.get().pool == "basic"
    assert a.history.first().history_user == yuxian_clerk


def test_bad_rows_are_listed_by_row_and_column_and_nothing_is_written(yuxian_clerk, departments):
    good = new_credit_code()
    bad_code = with_bad_check_character(new_credit_code())
    duplicated = new_credit_code()
    before = history_counts()
    upload = xlsx_file(ENTERPRISE_HEADERS, [
        [good, "正常企业", "秀水镇", "", "", "", "", "", ""],
        [bad_code, "校验码错的企业", "秀水镇", "", "", "", "", "", ""],
        [new_credit_code(), "区域不存在的企业", "火星镇", "", "", "", "", "", ""],
        [new_credit_code(), "日期错的企业", "秀水镇", "", "", "", "", "", "去年春天"],
        [duplicated, "重复一", "秀水镇", "", "", "", "", "", ""],
        [duplicated, "重复二", "秀水镇", "", "", "", "", "", ""],
        [new_credit_code(), "类别错的企业", "秀水镇", "", "", "大型国企", "", "", ""],
    ])

    report = spreadsheets.import_enterprises(user=yuxian_clerk, dataset=dataset_of(upload))

    assert not report.imported
    assert [(r.row_number, r.action) for r in report.rows] == [
        (2, RowAction.CREATE), (3, RowAction.ERROR), (4, RowAction.ERROR), (5, RowAction.ERROR),
        (6, RowAction.CREATE), (7, RowAction.ERROR), (8, RowAction.ERROR)]
    errors = errors_of(report)
    assert errors[0] == f"第3行 统一社会信用代码：校验码错误：第18位应为“{check_character(bad_code[:17])}”，实际为“{bad_code[-1]}”"
    assert errors[1] == "第4行 所属区域：未找到所属区域“火星镇”，请填写区域名称或编号"
    assert errors[2] == "第5行 成立日期：日期格式应为“2020-05-18”，实际为“去年春天”"
    assert errors[3] == "第7行 统一社会信用代码：与第6行的统一社会信用代码重复"
    assert errors[4].startswith("第8行 企业类别：企业类别应为以下之一：工业企业、个体工商户")
    assert errors[4].endswith("实际为“大型国企”")
    assert history_counts() == before
    assert not Enterprise.objects.filter(credit_code=good).exists()


def test_only_valid_rows_writes_exactly_the_valid_rows(yuxian_clerk, departments):
    good_a, good_b = new_credit_code(), new_credit_code()
    upload = xlsx_file(ENTERPRISE_HEADERS, [
        [good_a, "有效企业甲", "秀水镇", "县工信局", "", "", "", "", ""],
        [with_bad_check_character(new_credit_code()), "无效企业", "秀水镇", "", "", "", "", "", ""],
        [good_b, "有效企业乙", "南娄镇", "", "", "", "", "", ""],
        [new_credit_code(), "区域不对", "孝义市", "", "", "", "", "", ""],
    ])

    report = spreadsheets.import_enterprises(user=yuxian_clerk, dataset=dataset_of(upload), only_valid=True)

    assert report.imported and report.counts == {"created": 2, "updated": 0, "unchanged": 0, "invalid": 2}
    assert set(Enterprise.objects.values_list("credit_code", flat=True)) == {good_a, good_b}
    assert errors_of(report)[1] == "第5行 所属区域：所属区域“孝义市”不在您的管辖范围内"


def test_unknown_and_missing_columns_are_a_file_error(yuxian_clerk):
    upload = csv_file(["统一社会信用代码", "企业名称", "注册资本"], [[new_credit_code(), "某企业", "100"]])

    report = spreadsheets.preview_enterprises(user=yuxian_clerk, dataset=dataset_of(upload))

    assert report.rows == []
    assert any("无法识别的列：注册资本" in e for e in report.file_errors)
    assert "缺少必填列：所属区域" in report.file_errors
    assert not spreadsheets.import_enterprises(user=yuxian_clerk, dataset=dataset_of(upload), only_valid=True).imported


def test_an_existing_enterprise_is_updated_only_where_the_sheet_differs(yuxian_clerk, enterprises, departments):
    target = enterprises["yu_gxj"]
    history_before = target.history.count()
    upload = xlsx_file(ENTERPRISE_HEADERS[:4], [
        [target.credit_code, "盂县耐火材料股份有限公司", "秀水镇", "县工信局"],
        [enterprises["yu_other"].credit_code, "盂县石料加工厂", "南娄镇", "县应急局"],
    ])

    report = spreadsheets.import_enterprises(user=yuxian_clerk, dataset=dataset_of(upload))

    assert report.counts == {"created": 0, "updated": 1, "unchanged": 1, "invalid": 0}
    assert report.rows[0].changes == ["企业名称"]
    target.refresh_from_db()
    assert target.name == "盂县耐火材料股份有限公司"
    assert target.history.count() == history_before + 1
    assert target.names.filter(name="盂县耐火材料有限公司", valid_to__isnull=False).exists()


def test_reimporting_the_same_enterprise_file_changes_nothing(yuxian_clerk, departments):
    rows = [[new_credit_code(), f"盂县企业{i}", "秀水镇", "县工信局", "C3089", "规下工业", "李四", "地址", "2020-01-02"]
            for i in range(3)]
    spreadsheets.import_enterprises(user=yuxian_clerk, dataset=dataset_of(xlsx_file(ENTERPRISE_HEADERS, rows)))
    before = history_counts()

    again = spreadsheets.import_enterprises(user=yuxian_clerk, dataset=dataset_of(xlsx_file(ENTERPRISE_HEADERS, rows)))

    assert again.imported and again.counts == {"created": 0, "updated": 0, "unchanged": 3, "invalid": 0}
    assert history_counts() == before


def test_a_shared_jurisdiction_name_must_be_given_by_key(yuxian_clerk, jurisdictions):
    Jurisdiction.objects.create(key="140322-xiushui-2", name="秀水镇", level="town", parent=jurisdictions["yuxian"])
    code = new_credit_code()

    report = spreadsheets.preview_enterprises(user=yuxian_clerk, dataset=dataset_of(xlsx_file(
        ENTERPRISE_HEADERS[:3], [[code, "甲", "秀水镇"], [new_credit_code(), "乙", "140322-xiushui"]])))

    assert report.rows[0].errors == [("所属区域", "名称“秀水镇”对应多个区域：盂县秀水镇（140322-xiushui）、"
                                                "盂县秀水镇（140322-xiushui-2），请改填编号")]
    assert report.rows[1].action == RowAction.CREATE


def test_department_staff_may_only_register_enterprises_of_their_own_unit(yuxian_department_user, departments):
    report = spreadsheets.preview_enterprises(user=yuxian_department_user, dataset=dataset_of(xlsx_file(
        ENTERPRISE_HEADERS[:4], [[new_credit_code(), "本单位企业", "秀水镇", "县工信局"],
                                 [new_credit_code(), "别的单位企业", "秀水镇", "县应急局"]])))

    assert report.rows[0].action == RowAction.CREATE
    assert report.rows[1].errors == [("责任单位", "责任单位须为“县工信局”，否则导入后该企业不在您的管辖范围内")]


# --- scope ------------------------------------------------------------------------------------

def test_a_county_clerk_cannot_import_or_update_another_countys_enterprise(xiaoyi_clerk, enterprises):
    yu = enterprises["yu_gxj"]
    before = history_counts()
    upload = xlsx_file(ENTERPRISE_HEADERS[:3], [
        [yu.credit_code, "被孝义改名", "孝义市"],
        [new_credit_code("141181"), "孝义新企业", "盂县"],
    ])

    report = spreadsheets.import_enterprises(user=xiaoyi_clerk, dataset=dataset_of(upload), only_valid=True)

    assert errors_of(report) == ["第2行 统一社会信用代码：该企业不在您的管辖范围内",
                                 "第3行 所属区域：所属区域“盂县”不在您的管辖范围内"]
    yu.refresh_from_db()
    assert yu.name == "盂县耐火材料有限公司" and history_counts() == before

    figures = spreadsheets.import_figures(user=xiaoyi_clerk, only_valid=True, dataset=dataset_of(xlsx_file(
        FIGURE_HEADERS[:5], [[yu.credit_code, "", 2024, 3, 100]])))
    assert errors_of(figures) == ["第2行 统一社会信用代码：该企业不在您的管辖范围内"]
    assert not MonthlyFigure.objects.exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_county_clerk_cannot_export_another_countys_enterprises(client, xiaoyi_clerk, enterprises, fmt):
    services.monthly_figure_upsert(user=xiaoyi_clerk, enterprise=enterprises["xiaoyi"], year=2024, month=1,
                                   values={"revenue": Decimal("100000")})
    MonthlyFigure.objects.create(enterprise=enterprises["yu_gxj"], year=2024, month=1, revenue=Decimal("5"),
                                 reported_at="2024-02-01T00:00:00Z")
    client.force_login(xiaoyi_clerk)

    for kind in ("enterprises", "figures"):
        response = client.get(reverse("enterprises:export"), {"kind": kind, "format": fmt})
        assert response.status_code == 200
        rows = read_back(response.content, fmt)
        assert [r[0] for r in rows[1:]] == [enterprises["xiaoyi"].credit_code], kind
        assert enterprises["yu_gxj"].name.encode() not in response.content


def read_back(content, fmt):
    upload = SimpleUploadedFile(f"export.{fmt}", content)
    dataset = spreadsheets.read_dataset(upload)
    return [dataset.headers] + [list(row) for row in dataset]


def test_the_export_follows_the_list_filters(client, yuxian_clerk, enterprises):
    client.force_login(yuxian_clerk)

    response = client.get(reverse("enterprises:export"), {"kind": "enterprises", "format": "csv", "jurisdiction": "140322-nanlou"})
    assert [r[1] for r in read_back(response.content, "csv")[1:]] == ["盂县石料加工厂"]

    response = client.get(reverse("enterprises:export"), {"kind": "enterprises", "format": "csv", "q": "耐火"})
    assert [r[1] for r in read_back(response.content, "csv")[1:]] == ["盂县耐火材料有限公司"]


@pytest.mark.parametrize("persona", ["yangquan_leader", "api_client"])
def test_leaders_and_api_clients_cannot_import(client, all_personas, enterprises, persona):
    user = all_personas[persona]
    client.force_login(user)
    upload = xlsx_file(FIGURE_HEADERS[:5], [[enterprises["yu_gxj"].credit_code, "", 2024, 3, 100]], name="f.xlsx")

    assert client.get(reverse("enterprises:import")).status_code == 403
    assert client.post(reverse("enterprises:import"), {"kind": "figures", "file": upload}).status_code == 403
    assert client.post(reverse("enterprises:import_confirm"), {"token": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        spreadsheets.preview_figures(user=user, dataset=dataset_of(upload))
    assert not MonthlyFigure.objects.exists()


def test_an_enterprise_user_imports_only_its_own_figures(client, enterprise_user, enterprises, monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: date(2024, 4, 5))  # March 2024 still open (deadline 10 April)
    own, other = enterprises["yu_gxj"], enterprises["yu_other"]
    upload = xlsx_file(FIGURE_HEADERS[:5], [[own.credit_code, "", 2024, 3, 12.5],
                                            [other.credit_code, "", 2024, 3, 99]], name="figures.xlsx")

    report = spreadsheets.import_figures(user=enterprise_user, dataset=dataset_of(upload), only_valid=True)

    assert report.counts == {"created": 1, "updated": 0, "unchanged": 0, "invalid": 1}
    assert errors_of(report) == ["第3行 统一社会信用代码：该企业不在您的管辖范围内"]
    figure = MonthlyFigure.objects.get()
    assert (figure.enterprise, figure.revenue, figure.source) == (own, Decimal("125000.00"), FigureSource.IMPORT)
    with pytest.raises(PermissionDenied):
        spreadsheets.preview_enterprises(user=enterprise_user, dataset=dataset_of(upload))
    client.force_login(enterprise_user)
    page = client.get(reverse("enterprises:import")).content.decode()
    assert 'value="figures"' in page and 'value="enterprises"' not in page
    assert client.post(reverse("enterprises:import"), {"kind": "enterprises", "file": upload}).status_code == 403


def test_department_staff_import_figures_for_their_departments_enterprises(yuxian_department_user, enterprises):
    upload = xlsx_file(FIGURE_HEADERS[:5], [[enterprises["yu_gxj"].credit_code, "", 2024, 4, 10],
                                            [enterprises["yu_other"].credit_code, "", 2024, 4, 10]])

    report = spreadsheets.import_figures(user=yuxian_department_user, dataset=dataset_of(upload), only_valid=True)

    assert [r.action for r in report.rows] == [RowAction.CREATE, RowAction.ERROR]
    assert MonthlyFigure.objects.get().enterprise == enterprises["yu_gxj"]


# --- monthly figures --------------------------------------------------------------------------

def test_money_in_wan_is_stored_as_exact_decimal_yuan_and_empty_is_unknown(yuxian_clerk, enterprises):
    code = enterprises["yu_gxj"].credit_code
    other = enterprises["yu_other"].credit_code
    upload = xlsx_file(FIGURE_HEADERS, [
        [code, "盂县耐火材料有限公司", 2024, 1, 180.5, 0.0001, 123.456789, 12345.6, 48],
        [code, "", 2024, 2, None, "1,234.5", "-0.3", None, None],
    ])

    report = spreadsheets.import_figures(user=yuxian_clerk, dataset=dataset_of(upload))
    yuan = spreadsheets.import_figures(user=yuxian_clerk, dataset=dataset_of(csv_file(
        ["统一社会信用代码", "年份", "月份", "主营业务收入（元）", "税收（元）"], [[other, "2024", "1", "1805000.5", ""]])))

    assert report.imported and report.created == 2 and yuan.imported
    jan = MonthlyFigure.objects.get(enterprise=enterprises["yu_gxj"], month=1)
    assert (jan.revenue, jan.output_value, jan.tax, jan.electricity_kwh, jan.employees) == (
        Decimal("1805000.00"), Decimal("1.00"), Decimal("1234567.89"), Decimal("12345.6"), 48)
    feb = MonthlyFigure.objects.get(enterprise=enterprises["yu_gxj"], month=2)
    assert (feb.revenue, feb.output_value, feb.tax, feb.electricity_kwh, feb.employees) == (
        None, Decimal("12345000.00"), Decimal("-3000.00"), None, None)
    by_yuan = MonthlyFigure.objects.get(enterprise=enterprises["yu_other"])
    assert (by_yuan.revenue, by_yuan.tax) == (Decimal("1805000.50"), None)


def test_bad_figure_rows_say_what_is_wrong(yuxian_clerk, enterprises):
    code = enterprises["yu_gxj"].credit_code
    upload = xlsx_file(FIGURE_HEADERS[:5] + ["从业人员（人）"], [
        [code, "", 2024, 13, 1, None],
        [code, "", 2024, 5, "一百", None],
        [code, "", 2024, 6, -5, 3.5],
        [code, "", 2024, 5, 2, None],
        [new_credit_code(), "", 2024, 5, 2, None],
    ])

    report = spreadsheets.import_figures(user=yuxian_clerk, dataset=dataset_of(upload))

    assert not report.imported and not MonthlyFigure.objects.exists()
    assert [r.row_number for r in report.rows if r.errors] == [2, 3, 4, 5, 6]
    errors = errors_of(report)
    assert errors[0] == "第2行 月份：确保该值小于或等于12。"
    assert errors[1] == "第3行 主营业务收入（万元）：应为数字，实际为“一百”"
    assert errors[2:4] == ["第4行 主营业务收入（万元）：不能为负数", "第4行 从业人员（人）：应为整数，实际为“3.5”"]
    assert errors[4] == "第5行 统一社会信用代码：与第3行是同一企业同一月份，重复"
    assert errors[5].startswith("第6行 统一社会信用代码：未找到统一社会信用代码为")


def test_reimporting_the_same_figure_file_changes_nothing(yuxian_clerk, enterprises):
    rows = [[enterprises["yu_gxj"].credit_code, "", 2024, m, 100 + m, None, 1.25, 1000, 30] for m in range(1, 7)]
    first = spreadsheets.import_figures(user=yuxian_clerk, dataset=dataset_of(xlsx_file(FIGURE_HEADERS, rows)))
    before = history_counts()

    again = spreadsheets.import_figures(user=yuxian_clerk, dataset=dataset_of(xlsx_file(FIGURE_HEADERS, rows)))

    assert first.created == 6
    assert again.imported and again.counts == {"created": 0, "updated": 0, "unchanged": 6, "invalid": 0}
    assert history_counts() == before


def test_a_corrected_figure_keeps_the_previous_value_in_history(yuxian_clerk, enterprises):
    code = enterprises["yu_gxj"].credit_code
    spreadsheets.import_figures(user=yuxian_clerk, dataset=dataset_of(xlsx_file(
        FIGURE_HEADERS[:5], [[code, "", 2024, 3, 180]])))

    report = spreadsheets.import_figures(user=yuxian_clerk, dataset=dataset_of(xlsx_file(
        FIGURE_HEADERS[:5], [[code, "", 2024, 3, 181.5]])))

    assert report.updated == 1 and report.rows[0].changes == ["主营业务收入（万元）"]
    figure = MonthlyFigure.objects.get()
    assert figure.revenue == Decimal("1815000.00")
    assert [h.revenue for h in figure.history.order_by("history_date")] == [Decimal("1800000.00"),
                                                                           Decimal("1815000.00")]


def test_an_empty_cell_does_not_erase_a_reported_value(yuxian_clerk, enterprises):
    code = enterprises["yu_gxj"].credit_code
    spreadsheets.import_figures(user=yuxian_clerk, dataset=dataset_of(xlsx_file(
        FIGURE_HEADERS[:6], [[code, "", 2024, 3, 180, 200]])))

    report = spreadsheets.import_figures(user=yuxian_clerk, dataset=dataset_of(xlsx_file(
        FIGURE_HEADERS[:6], [[code, "", 2024, 3, None, 200]])))

    assert report.unchanged == 1
    assert MonthlyFigure.objects.get().revenue == Decimal("1800000.00")


# --- files ------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_in_gb18030_is_read(yuxian_clerk, departments, encoding):
    code = new_credit_code()
    upload = csv_file(ENTERPRISE_HEADERS, [[code, "盂县玻璃制品厂", "秀水镇", "县工信局", "", "个体工商户", "王五",
                                            "秀水镇西街", "2018-08-08"]], encoding=encoding)

    report = spreadsheets.import_enterprises(user=yuxian_clerk, dataset=dataset_of(upload))

    assert report.imported and report.created == 1
    saved = Enterprise.objects.get(credit_code=code)
    assert (saved.name, saved.department.name, saved.category, saved.address) == (
        "盂县玻璃制品厂", "县工信局", EnterpriseCategory.SOLE_PROPRIETOR, "秀水镇西街")


def test_row_numbers_are_the_spreadsheets_own_even_after_blank_rows(yuxian_clerk):
    upload = csv_file(ENTERPRISE_HEADERS[:3], [[], ["", "", ""], [with_bad_check_character(new_credit_code()),
                                                                  "某企业", "秀水镇"]])

    report = spreadsheets.preview_enterprises(user=yuxian_clerk, dataset=dataset_of(upload))

    assert [r.row_number for r in report.rows] == [4]


def test_other_file_types_are_refused_with_a_reason():
    with pytest.raises(spreadsheets.SpreadsheetError, match="xlsx"):
        spreadsheets.read_dataset(SimpleUploadedFile("old.xls", b"\xd0\xcf\x11\xe0"))
    with pytest.raises(spreadsheets.SpreadsheetError):
        spreadsheets.read_dataset(SimpleUploadedFile("broken.xlsx", b"not a zip"))


@pytest.mark.parametrize("kind, headers", [("enterprises", ENTERPRISE_HEADERS), ("figures", FIGURE_HEADERS)])
def test_templates_open_with_openpyxl_and_have_the_headers(client, yuxian_clerk, kind, headers):
    client.force_login(yuxian_clerk)

    response = client.get(reverse("enterprises:template"), {"kind": kind})

    assert response.status_code == 200 and response["Content-Type"] == spreadsheets.XLSX_CONTENT_TYPE
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    data, instructions = book.worksheets
    assert [c.value for c in data[1]] == headers and data.max_row == 1
    assert instructions.title == "填写说明"
    text = "\n".join(str(c.value) for row in instructions.iter_rows() for c in row if c.value)
    assert all(header in text for header in headers)
    if kind == "figures":
        assert "当月数" in text and "不是年初至今的累计数" in text and "万元" in text
    else:
        assert "工业企业、个体工商户" in text


# --- round trip -------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_reimported_changes_nothing(client, yuxian_clerk, enterprises, fmt):
    yu = enterprises["yu_gxj"]
    services.enterprise_update(user=yuxian_clerk, enterprise=yu, industry_code="c3089", legal_representative="=钱总",
                               address="秀水镇, 东街“1”号", established_on=date(2010, 5, 6),
                               category=EnterpriseCategory.QUALIFIED_CONSTRUCTION)
    for month, revenue in ((1, "1805000.00"), (2, "1234567.89"), (3, None)):
        services.monthly_figure_upsert(user=yuxian_clerk, enterprise=yu, year=2024, month=month, values={
            "revenue": revenue and Decimal(revenue), "tax": Decimal("-3000"), "electricity_kwh": Decimal("12.3"),
            "employees": 40})
    client.force_login(yuxian_clerk)
    before = history_counts()

    for kind in ("enterprises", "figures"):
        exported = client.get(reverse("enterprises:export"), {"kind": kind, "format": fmt, "year": 2024})
        upload = SimpleUploadedFile(f"export.{fmt}", exported.content)
        report = spreadsheets.import_figures if kind == "figures" else spreadsheets.import_enterprises
        result = report(user=yuxian_clerk, dataset=spreadsheets.read_dataset(upload))
        assert result.imported and result.created == result.updated == result.invalid == 0, errors_of(result)
        assert result.unchanged == (2 if kind == "enterprises" else 3)

    assert history_counts() == before
    if fmt == "csv":
        assert exported.content.startswith(b"\xef\xbb\xbf")


# --- the pages --------------------------------------------------------------------------------

def test_upload_preview_and_confirm_through_the_pages(client, yuxian_clerk, departments, media_root):
    client.force_login(yuxian_clerk)
    code = new_credit_code()
    upload = xlsx_file(ENTERPRISE_HEADERS[:4], [[code, "页面导入企业", "秀水镇", "县工信局"]])

    uploaded = client.post(reverse("enterprises:import"), {"kind": "enterprises", "file": upload})
    assert uploaded.status_code == 302
    preview = client.get(uploaded["Location"])
    html = preview.content.decode()
    assert 'data-testid="import-preview-table"' in html and 'data-testid="confirm-import"' in html
    assert "新增" in html and not Enterprise.objects.filter(credit_code=code).exists()
    token = preview.context["token"]
    assert len(list((media_root / "imports").iterdir())) == 1

    done = client.post(reverse("enterprises:import_confirm"), {"token": token})

    assert done.status_code == 200 and 'data-testid="import-summary"' in done.content.decode()
    assert done.context["report"].created == 1
    assert Enterprise.objects.get(credit_code=code).department == departments["yuxian_gxj"]
    assert list((media_root / "imports").iterdir()) == []
    again = client.post(reverse("enterprises:import_confirm"), {"token": token})
    assert again.status_code == 302 and again["Location"] == reverse("enterprises:import")


def test_a_file_with_errors_is_only_written_when_asked_for_the_valid_rows(client, yuxian_clerk):
    client.force_login(yuxian_clerk)
    good = new_credit_code()
    bad = with_bad_check_character(new_credit_code())
    upload = xlsx_file(ENTERPRISE_HEADERS[:3], [[good, "有效企业", "秀水镇"], [bad, "无效企业", "秀水镇"]])
    preview = client.get(client.post(reverse("enterprises:import"), {"kind": "enterprises", "file": upload})["Location"])
    html = preview.content.decode()
    assert 'data-testid="row-error"' in html and "第3行 统一社会信用代码：校验码错误" in html
    assert 'data-testid="confirm-valid-only"' in html and 'data-testid="confirm-import"' not in html
    token = preview.context["token"]

    refused = client.post(reverse("enterprises:import_confirm"), {"token": token})
    assert refused.status_code == 400 and not Enterprise.objects.exists()

    done = client.post(reverse("enterprises:import_confirm"), {"token": token, "only_valid": "1"})
    assert done.status_code == 200 and done.context["report"].counts == {
        "created": 1, "updated": 0, "unchanged": 0, "invalid": 1}
    assert list(Enterprise.objects.values_list("credit_code", flat=True)) == [good]


def test_confirm_checks_the_file_again_rather_than_trusting_the_preview(client, yuxian_clerk, enterprises,
                                                                         jurisdictions):
    client.force_login(yuxian_clerk)
    target = enterprises["yu_gxj"]
    upload = xlsx_file(FIGURE_HEADERS[:5], [[target.credit_code, "", 2024, 3, 100]], name="f.xlsx")
    preview = client.get(client.post(reverse("enterprises:import"), {"kind": "figures", "file": upload})["Location"])
    assert preview.context["report"].rows[0].action == RowAction.CREATE
    # Meanwhile the enterprise moves to 孝义市, out of 小王's reach.
    Enterprise.objects.filter(pk=target.pk).update(jurisdiction=jurisdictions["xiaoyi"])

    refused = client.post(reverse("enterprises:import_confirm"), {"token": preview.context["token"]})

    assert refused.status_code == 400 and not MonthlyFigure.objects.exists()
    assert "不在您的管辖范围内" in refused.content.decode()


def test_an_unreadable_upload_is_refused_on_the_form(client, yuxian_clerk, media_root):
    client.force_login(yuxian_clerk)

    response = client.post(reverse("enterprises:import"), {
        "kind": "enterprises", "file": SimpleUploadedFile("list.docx", b"hello")})

    assert response.status_code == 200 and "请上传 .xlsx 或 .csv 文件" in response.content.decode()
    assert not (media_root / "imports").exists()


def test_a_preview_fetches_in_a_few_queries_whatever_the_rows(yuxian_clerk, departments, enterprises,
                                                               django_assert_max_num_queries):
    rows = [[new_credit_code(), f"企业{i}", "秀水镇" if i % 2 else "南娄镇", "县工信局" if i % 3 else "县应急局"]
            for i in range(60)] + [[enterprises["yu_other"].credit_code, "盂县石料加工厂", "南娄镇", "县应急局"]]
    dataset = dataset_of(xlsx_file(ENTERPRISE_HEADERS[:4], rows))

    with django_assert_max_num_queries(8):
        report = spreadsheets.preview_enterprises(user=yuxian_clerk, dataset=dataset)

    assert report.created == 60 and report.unchanged == 1



def test_a_row_the_services_refuse_rolls_back_every_row(yuxian_clerk, enterprises, monkeypatch):
    def refuse(**kwargs):
        raise PermissionDenied("该企业不在您的管辖范围内")
    monkeypatch.setattr(services, "enterprise_update", refuse)
    code = new_credit_code()
    upload = xlsx_file(ENTERPRISE_HEADERS[:3], [[code, "先新增的企业", "秀水镇"],
                                                [enterprises["yu_gxj"].credit_code, "改名", "秀水镇"]])

    report = spreadsheets.import_enterprises(user=yuxian_clerk, dataset=dataset_of(upload))

    assert not report.imported
    assert errors_of(report) == ["第3行 该企业不在您的管辖范围内"]
    assert not Enterprise.objects.filter(credit_code=code).exists()


def test_a_figure_preview_fetches_in_a_few_queries_whatever_the_rows(yuxian_clerk, enterprises,
                                                                      django_assert_max_num_queries):
    codes = [enterprises["yu_gxj"].credit_code, enterprises["yu_other"].credit_code]
    dataset = dataset_of(xlsx_file(FIGURE_HEADERS[:5], [[code, "", 2024, m, m] for code in codes for m in range(1, 13)]))

    with django_assert_max_num_queries(5):
        report = spreadsheets.preview_figures(user=yuxian_clerk, dataset=dataset)

    assert report.created == 24
