"""Spreadsheet import and export (xlsx, csv) of enterprises and monthly figures.

Clerks of the SME centers keep their lists in Excel; this module turns a sheet
into checked rows and the registry back into the same sheet layout, so an
export can be edited and re-imported.

An import runs in two steps:
  1. `read_dataset` reads the file (openpyxl for xlsx, the csv module for csv,
     UTF-8 with or without BOM or GB18030) into a tablib.Dataset, keeping blank
     rows so that row numbers are the spreadsheet's own (header = row 1).
     It streams the upload row by row and refuses, before any row is kept, what
     no template-based sheet looks like: a row wider than the template allows,
     more rows than an import takes, an xlsx that unpacks to far more than it
     weighs or whose XML is damaged (see "reading files" below).
  2. `preview_*` checks the header, then every row against the model validators
     and the user's scope, with the existing rows fetched in a few queries, and
     says per row what would happen (新增 / 更新 / 无变化 / 错误). With errors, `error_report`
     gives the clerk the uploaded file back (same format, columns and rows) with a last column
     错误说明; fixed in Excel it is uploaded again as it is (imports ignore that column).
  3. `import_*` runs the same checks again (never trusting an earlier preview)
     and, when no row is invalid or the user asked for the valid rows only,
     writes through the registry services in one transaction: all or nothing.

Money is 万元 in sheets (staff expect it) and Decimal yuan in the database;
columns headed （元） are taken as yuan. An empty cell is unknown, never zero.
The column headers are the file format, so they stay Chinese whatever the UI
language; messages and the instructions sheet are translated.
"""
import copy
import csv
import io
import math
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

import openpyxl
import tablib
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.styles import Alignment, Font
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.xml.constants import SHEET_MAIN_NS
from pyexpat import ExpatError
from pyexpat import ParserCreate as expat_parser

from . import access, exports, selectors, services
from .domain import credit_code as credit_codes
from .models import (
    WAN,
    Department,
    Enterprise,
    EnterpriseCategory,
    FigureSource,
    Jurisdiction,
    MonthlyFigure,
    Role,
)

SOURCE_LANGUAGE = "zh-hans"
INSTRUCTIONS_TITLE = "填写说明"
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20000
STASH_DIR = "imports"
STASH_MAX_AGE = timedelta(days=1)
CENT = Decimal("0.01")
YUAN = Decimal("1")
XLSX_CONTENT_TYPE = exports.XLSX_CONTENT_TYPE
CSV_CONTENT_TYPE = exports.CSV_CONTENT_TYPE
FORMATS = ("xlsx", "csv")
# A csv cell starting with one of these is a formula to Excel; exports quote it with ' and imports drop the quote.
FORMULA_STARTS = exports.FORMULA_TRIGGERS
# What a sheet may hold before it is refused, checked while it is read (before rows are kept):
MAX_RAW_COLUMNS = 256            # cells in one row, empty ones included (a csv row's fields, an xlsx row's cells)
MAX_SCANNED_ROWS = 100_000       # rows read at all, blank ones included
MAX_XLSX_ENTRIES = 1000          # files inside the xlsx (zip)
MAX_XLSX_SHEET_BYTES = 64 * 1024 * 1024   # one worksheet's XML, unpacked (read as a stream)
MAX_XLSX_PART_BYTES = 16 * 1024 * 1024    # any other part (shared strings, styles…), unpacked (read whole)
MAX_XLSX_TOTAL_BYTES = 100 * 1024 * 1024  # everything, unpacked
# A number in a sheet (in the sheet's own unit) is below 10**15: more is no register's value.
MAX_MAGNITUDE = 15


class ImportKind(models.TextChoices):
    ENTERPRISES = "enterprises", gettext_lazy("企业基本信息")
    FIGURES = "figures", gettext_lazy("月度数据")


class RowAction(models.TextChoices):
    CREATE = "create", gettext_lazy("新增")
    UPDATE = "update", gettext_lazy("更新")
    UNCHANGED = "unchanged", gettext_lazy("无变化")
    ERROR = "error", gettext_lazy("错误")


class SpreadsheetError(ValueError):
    """The upload cannot be read as a sheet at all (wrong type, encoding, size)."""


@dataclass(frozen=True)
class Column:
    header: str                      # as written in files; part of the format, never translated
    field: str                       # model field (or "enterprise_name", informational)
    required: bool = False           # the column must be present
    unit: Decimal | None = None      # money: multiplier from the sheet's unit to yuan
    help: str = ""                   # lazily translated line of the instructions sheet
    written: bool = True             # part of templates and exports (the 元 variants are accepted only)


CREDIT_CODE = Column("统一社会信用代码", "credit_code", required=True,
                     help=gettext_lazy("必填。18位，字母大写；不使用I、O、S、V、Z。按此代码判断新增或更新。"))

ENTERPRISE_COLUMNS = (
    CREDIT_CODE,
    Column("企业名称", "name", required=True, help=gettext_lazy("必填。营业执照上的名称；改名会保留曾用名。")),
    Column("所属区域", "jurisdiction", required=True,
           help=gettext_lazy("必填。区域名称（如“秀水镇”）或编号；名称重复时请填编号。须在您的管辖范围内。")),
    Column("责任单位", "department",
           help=gettext_lazy("所属区域或其上级区域的责任单位名称（如“县工信局”）；留空表示未指定。")),
    Column("国民经济行业代码", "industry_code", help=gettext_lazy("GB/T 4754-2017，如“C3311”或“3311”。")),
    Column("企业类别", "category", help=gettext_lazy("填写以下之一：%(labels)s。留空时新企业为“工业企业”，已有企业不变。")),
    Column("法定代表人", "legal_representative"),
    Column("地址", "address"),
    Column("成立日期", "established_on", help=gettext_lazy("日期，如 2020-05-18。")),
)

_MONEY_HELP = gettext_lazy("当月数（不是年初至今的累计数），单位万元；列名改为（元）则按元填写。留空表示未知。")
FIGURE_COLUMNS = (
    CREDIT_CODE,
    Column("企业名称", "enterprise_name", help=gettext_lazy("仅供核对，导入时不使用，可留空。")),
    Column("年份", "year", required=True, help=gettext_lazy("必填。四位年份，如 2024。")),
    Column("月份", "month", required=True, help=gettext_lazy("必填。1至12。")),
    Column("主营业务收入（万元）", "revenue", unit=WAN, help=_MONEY_HELP),
    Column("工业总产值（万元）", "output_value", unit=WAN, help=_MONEY_HELP),
    Column("税收（万元）", "tax", unit=WAN, help=_MONEY_HELP),
    Column("用电量（千瓦时）", "electricity_kwh", help=gettext_lazy("当月用电量，单位千瓦时，最多1位小数。留空表示未知。")),
    Column("从业人员（人）", "employees", help=gettext_lazy("当月从业人员数，整数。留空表示未知。")),
    Column("主营业务收入（元）", "revenue", unit=YUAN, written=False),
    Column("工业总产值（元）", "output_value", unit=YUAN, written=False),
    Column("税收（元）", "tax", unit=YUAN, written=False),
)
NONNEGATIVE_FIGURES = ("revenue", "output_value", "electricity_kwh")
# Cells with content are refused beyond the widest template (12 accepted headers) and a small margin.
MAX_COLUMNS = max(len(ENTERPRISE_COLUMNS), len(FIGURE_COLUMNS)) + 8


def columns_of(kind: str) -> tuple[Column, ...]:
    return {ImportKind.ENTERPRISES: ENTERPRISE_COLUMNS, ImportKind.FIGURES: FIGURE_COLUMNS}[kind]


def written_columns(kind: str) -> list[Column]:
    return [c for c in columns_of(kind) if c.written]


# --- the report -------------------------------------------------------------------------------

@dataclass
class RowResult:
    """What one spreadsheet row does, or why it cannot."""

    row_number: int
    action: str = RowAction.UNCHANGED
    errors: list[tuple[str, str]] = field(default_factory=list)   # (column header or "", message)
    label: str = ""
    changes: list[str] = field(default_factory=list)              # headers of the columns that change
    payload: dict | None = field(default=None, repr=False, compare=False)

    def add_error(self, column: str, message: str):
        self.errors.append((column, str(message)))
        self.action = RowAction.ERROR

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def action_label(self) -> str:
        return RowAction(self.action).label

    def error_texts(self) -> list[str]:
        """“第3行 统一社会信用代码：校验码错误：…”, one per error."""
        texts = []
        for column, message in self.errors:
            if column:
                texts.append(_("第%(row)s行 %(column)s：%(message)s")
                             % {"row": self.row_number, "column": column, "message": message})
            else:
                texts.append(_("第%(row)s行 %(message)s") % {"row": self.row_number, "message": message})
        return texts


@dataclass
class ImportReport:
    kind: str
    rows: list[RowResult] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    imported: bool = False

    def _count(self, action) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def created(self) -> int:
        return self._count(RowAction.CREATE)

    @property
    def updated(self) -> int:
        return self._count(RowAction.UPDATE)

    @property
    def unchanged(self) -> int:
        return self._count(RowAction.UNCHANGED)

    @property
    def invalid(self) -> int:
        return self._count(RowAction.ERROR)

    @property
    def counts(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "invalid": self.invalid}

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or self.invalid > 0

    @property
    def has_writes(self) -> bool:
        return self.created + self.updated > 0

    @property
    def kind_label(self) -> str:
        return ImportKind(self.kind).label


@dataclass(frozen=True)
class SpreadsheetFile:
    content: bytes
    filename: str
    content_type: str


# --- who may import ---------------------------------------------------------------------------

def importable_kinds(user) -> list[str]:
    """Registry writers import both kinds; an enterprise user only its own monthly figures."""
    if access.can_write_registry(user)[0]:
        return [ImportKind.ENTERPRISES, ImportKind.FIGURES]
    if user.is_authenticated and user.role == Role.ENTERPRISE and user.enterprise_id:
        return [ImportKind.FIGURES]
    return []


def _require_importer(user, kind):
    if kind not in importable_kinds(user):
        raise PermissionDenied(access.can_write_registry(user)[1] or _("当前角色不能导入该类数据"))


# --- reading files ----------------------------------------------------------------------------

def read_dataset(uploaded_file) -> tablib.Dataset:
    """Read an uploaded .xlsx or .csv into a Dataset: first row the headers, every
    further row kept (blank ones too) so that dataset row i is spreadsheet row i + 2.

    The upload is read once, as a stream: row by row, each row checked against the
    limits before it is kept, so that memory follows what is kept (at most MAX_ROWS
    rows of MAX_COLUMNS cells), never what the file claims or pads to."""
    name = (getattr(uploaded_file, "name", "") or "").lower()
    suffix = PurePath(name).suffix
    if suffix == ".xls":
        raise SpreadsheetError(_("不支持旧版 .xls 文件，请在Excel中另存为 .xlsx 后上传"))
    if suffix not in (".xlsx", ".csv"):
        raise SpreadsheetError(_("请上传 .xlsx 或 .csv 文件"))
    if _size_of(uploaded_file) > MAX_FILE_BYTES:
        raise SpreadsheetError(_("文件超过10MB，请拆分后分批导入"))
    stream = getattr(uploaded_file, "file", None)  # the file under Django's File wrapper, read as a stream
    if stream is None:
        stream = uploaded_file
    stream.seek(0)
    rows = _xlsx_rows(stream) if suffix == ".xlsx" else _csv_rows(stream)
    return rows.dataset()


def _size_of(uploaded_file) -> int:
    size = getattr(uploaded_file, "size", None)
    if size is None:
        uploaded_file.seek(0, io.SEEK_END)
        size = uploaded_file.tell()
        uploaded_file.seek(0)
    return size


class _Rows:
    """The rows of a sheet, added one at a time and checked before they are kept.

    Trailing empty cells are dropped (Excel keeps formatted empty cells, a csv
    trailing commas), blank rows are kept only as row numbers, and the dataset is
    padded to the widest kept row at the end: never to what the widest raw row was."""

    def __init__(self):
        self.kept: list[list] = []  # header first; [] for a blank row followed by a filled one
        self.width = 0

    def add(self, number: int, values):
        """`values` of spreadsheet row `number` (1 = the header row)."""
        if number > MAX_SCANNED_ROWS:
            raise SpreadsheetError(_("表格超过%(max)s行（含空行），请删除多余的空行，或拆分后分批导入")
                                   % {"max": MAX_SCANNED_ROWS})
        if len(values) > MAX_RAW_COLUMNS:
            raise _too_wide(number, len(values))
        width = _filled_width(values)
        if width > MAX_COLUMNS:
            raise SpreadsheetError(
                _("第%(row)s行第%(column)s列（%(letter)s列）有内容，超过导入模板允许的最多%(max)s列。"
                  "请删除多余的列后重新上传")
                % {"row": number, "column": width, "letter": get_column_letter(width), "max": MAX_COLUMNS})
        if width == 0:
            return
        if number - 1 > MAX_ROWS:
            raise SpreadsheetError(_("数据超过%(max)s行，请拆分后分批导入") % {"max": MAX_ROWS})
        while len(self.kept) < number - 1:
            self.kept.append([])
        self.kept.append(list(values[:width]))
        self.width = max(self.width, width)

    def dataset(self) -> tablib.Dataset:
        if not self.kept:
            return tablib.Dataset(headers=[])
        header_row = self.kept[0]
        headers = []
        for index in range(self.width):
            text = _text(header_row[index]) if index < len(header_row) else ""
            # A column with data but no header is reported as an unknown column by its position.
            headers.append(text or _("第%(n)s列（无列名）") % {"n": index + 1})
        body = [row + [None] * (self.width - len(row)) for row in self.kept[1:]]
        return tablib.Dataset(*body, headers=headers)


def _too_wide(number: int, count: int) -> SpreadsheetError:
    return SpreadsheetError(
        _("第%(row)s行有%(count)s列（含空列），超过允许的最多%(max)s列，不是按导入模板填写的表格。"
          "请只保留模板中的列，删除多余的列后重新上传")
        % {"row": number, "count": count, "max": MAX_RAW_COLUMNS})


def _filled_width(values) -> int:
    for index in range(len(values) - 1, -1, -1):
        if not _is_blank(values[index]):
            return index + 1
    return 0


# xlsx: the zip is looked at before openpyxl opens it, the data sheet's XML is walked once
# without building it (a row of a million cells or a row a million rows down is refused
# there), and only then read by openpyxl, with its stored <dimension> ignored: it may lie,
# and openpyxl would pad every row and append empty rows up to it.

def _unreadable_xlsx() -> SpreadsheetError:
    return SpreadsheetError(_("无法读取该Excel文件，请确认是 .xlsx 格式；如文件已损坏，请在Excel中打开并另存为 .xlsx 后重新上传"))


def _xlsx_rows(stream) -> _Rows:
    _check_xlsx_archive(stream)
    stream.seek(0)
    try:
        book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zip, xml, key and value errors for damaged files
        raise _unreadable_xlsx() from error
    try:
        sheet = next((s for s in book.worksheets if s.title != INSTRUCTIONS_TITLE), None)
        if sheet is None:
            raise SpreadsheetError(_("文件中没有数据工作表"))
        try:
            source = sheet._get_source()  # the sheet's XML inside the zip, as openpyxl itself opens it
        except Exception as error:
            raise _unreadable_xlsx() from error
        with source:
            _scan_sheet_xml(source)
        sheet.reset_dimensions()
        rows = _Rows()
        number = 0
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                rows.add(number, values)
        except SpreadsheetError:
            raise
        except Exception as error:  # a value openpyxl cannot read (damaged or hand-made file)
            raise SpreadsheetError(
                _("无法读取该Excel文件第%(row)s行：文件已损坏或不是由Excel保存的。请在Excel中打开并另存为 .xlsx 后重新上传")
                % {"row": number + 1}) from error
        return rows
    finally:
        book.close()


def _check_xlsx_archive(stream):
    """Refuse a zip that is not one, or that unpacks to far more than an import needs (a zip bomb)."""
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
        raise _unreadable_xlsx() from error
    too_big = _("Excel文件解压后过大（%(part)s超过%(max)sMB），请确认是由Excel保存的 .xlsx 文件，或拆分后分批导入")
    if len(entries) > MAX_XLSX_ENTRIES:
        raise _unreadable_xlsx()
    total = 0
    for entry in entries:
        limit = MAX_XLSX_SHEET_BYTES if entry.filename.startswith("xl/worksheets/") else MAX_XLSX_PART_BYTES
        if entry.file_size > limit:
            raise SpreadsheetError(too_big % {"part": entry.filename, "max": limit // (1024 * 1024)})
        total += entry.file_size
    if total > MAX_XLSX_TOTAL_BYTES:
        raise SpreadsheetError(too_big % {"part": _("全部内容"), "max": MAX_XLSX_TOTAL_BYTES // (1024 * 1024)})


_CELL_REFERENCE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)")
# Element names as expat reports them with namespace_separator="}": “namespace}local”.
_SHEET_TAGS = {f"{SHEET_MAIN_NS}}}{tag}": tag for tag in ("row", "c", "v")}


class _SheetScan:
    """Walk a worksheet's XML with expat, keeping nothing but counters: the rows and
    cells openpyxl would build, and the numbers it would fail to read. openpyxl numbers
    rows and columns by their r attribute, or by counting on from the previous one."""

    def __init__(self):
        self.row = 0
        self.column = 0
        self.cells = 0
        self.cell = ""
        self.number_text: list[str] | None = None
        self.number_type = ""

    def start(self, name, attrs):
        tag = _SHEET_TAGS.get(name)  # openpyxl reads these in the main namespace only, and so does this
        if tag == "row":
            self.row = self._row_number(attrs.get("r"))
            self.column = self.cells = 0
        elif tag == "c":
            self.cells += 1
            reference = attrs.get("r")
            match = _CELL_REFERENCE.fullmatch(reference or "")
            if reference and not match:
                raise _unreadable_xlsx()
            self.column = column_index_from_string(match.group(1).upper()) if match else self.column + 1
            if self.cells > MAX_RAW_COLUMNS:  # counting stops here: the row may hold millions
                raise SpreadsheetError(
                    _("第%(row)s行的单元格超过%(max)s个（含空单元格），不是按导入模板填写的表格。"
                      "请只保留模板中的列，删除多余的列后重新上传") % {"row": self.row, "max": MAX_RAW_COLUMNS})
            if self.column > MAX_RAW_COLUMNS:
                raise SpreadsheetError(
                    _("第%(row)s行第%(column)s列（%(letter)s列）有单元格，超过允许的最多%(max)s列。"
                      "请删除多余的列（包括只设置了格式的空白单元格）后重新上传")
                    % {"row": self.row, "column": self.column, "letter": get_column_letter(self.column),
                       "max": MAX_RAW_COLUMNS})
            self.cell = f"{get_column_letter(self.column)}{self.row}"
            self.number_type = attrs.get("t", "n")
        elif tag == "v" and self.number_type in ("n", "b"):
            self.number_text = []

    def end(self, name):
        if self.number_text is not None and _SHEET_TAGS.get(name) == "v":
            text, self.number_text = "".join(self.number_text), None
            if text and not _readable_number(text, self.number_type):
                raise SpreadsheetError(
                    _("单元格%(cell)s中的数值“%(value)s”无法读取，文件已损坏或不是由Excel保存的。"
                      "请在Excel中打开并另存为 .xlsx 后重新上传") % {"cell": self.cell, "value": _shown(text)})

    def text(self, data):
        if self.number_text is not None:
            self.number_text.append(data)
            if sum(map(len, self.number_text)) > 400:
                raise _unreadable_xlsx()

    def _row_number(self, attribute) -> int:
        if attribute is None:
            number = self.row + 1
        else:
            try:
                number = int(attribute)
            except ValueError:
                try:
                    value = float(attribute)
                except ValueError:
                    raise _unreadable_xlsx() from None
                if not value.is_integer():
                    raise _unreadable_xlsx() from None
                number = int(value) if value < MAX_SCANNED_ROWS + 1 else MAX_SCANNED_ROWS + 1
        if number > MAX_SCANNED_ROWS:
            raise SpreadsheetError(_("表格超过%(max)s行（含空行），请删除多余的空行，或拆分后分批导入")
                                   % {"max": MAX_SCANNED_ROWS})
        return number


def _readable_number(text: str, kind: str) -> bool:
    """Whether openpyxl can read this <v> of a number ("n") or boolean ("b") cell."""
    try:
        if kind == "b" or not any(c in text for c in ".eE"):
            int(text)
        else:
            float(text)
    except (ValueError, OverflowError):
        return False
    return True


def _scan_sheet_xml(source):
    scan = _SheetScan()
    parser = expat_parser(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    try:
        while chunk := source.read(64 * 1024):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except SpreadsheetError:
        raise
    except (ExpatError, zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise SpreadsheetError(
            _("无法读取该Excel文件：数据工作表内容已损坏（第%(row)s行附近）。请在Excel中打开并另存为 .xlsx 后重新上传")
            % {"row": max(scan.row, 1)}) from error


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _csv_rows(stream) -> _Rows:
    if stream.read(2) in UTF16_BOMS:
        raise SpreadsheetError(_("不支持UTF-16编码的文本文件，请另存为“CSV UTF-8（逗号分隔）”"))
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in Chinese saves csv as GBK, a subset of GB18030
        stream.seek(0)
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        reader = csv.reader(text)
        try:
            rows = _Rows()
            for number, values in enumerate(reader, start=1):
                rows.add(number, values)
            return rows
        except UnicodeDecodeError:
            continue  # not this encoding: read again with the next one
        except csv.Error as error:
            raise SpreadsheetError(_("无法读取CSV文件第%(row)s行：单元格内容过长或引号不成对")
                                   % {"row": reader.line_num}) from error
        finally:
            text.detach()  # leave the upload open for whoever passed it
    raise SpreadsheetError(_("无法识别CSV文件的编码，请另存为UTF-8或GB18030编码"))


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- cell values ------------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return _plain(value)
    text = str(value).replace("\u3000", " ").replace("\xa0", " ").strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        text = text[1:]  # the quote our csv export puts before formula-like text
    return text


def _plain(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 1805000.00 / 10000 → “180.5”."""
    return format(value.normalize(), "f")


class _CellError(ValueError):
    pass


def _shown(text: str, limit: int = 30) -> str:
    """Cell text quoted back in a message, shortened: a pasted page is not repeated whole."""
    return text if len(text) <= limit else text[:limit] + "…"


# Full-width forms (U+FF01–FF5E) typed with a Chinese input method stand for the ASCII characters:
# “１２３．４５” is 123.45. Other digits (², ١٢٣, १२) are not numbers in a register's sheet.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _ascii(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def _decimal(value) -> Decimal | None:
    """Exact Decimal from a cell. An xlsx number arrives as a float; its shortest
    repr is what Excel shows, so Decimal(repr(x)) recovers the typed value.
    Not a number, not finite, or 10**15 and more (1e999999, 40 digits) is a cell error."""
    if value is None:
        return None
    not_a_number = _CellError(_("应为数字，实际为“%(value)s”") % {"value": _shown(_text(value))})
    if isinstance(value, bool):
        raise not_a_number
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if math.isnan(value):
            raise not_a_number
        number = Decimal(repr(value)) if math.isfinite(value) else Decimal("Infinity")
    elif isinstance(value, Decimal):
        number = value
        if number.is_nan():
            raise not_a_number
    else:
        text = _ascii(_text(value)).replace(",", "").replace(" ", "")
        if not text:
            return None
        if len(text) > 400 or not _NUMBER.fullmatch(text):
            raise not_a_number
        try:
            number = Decimal(text)
        except InvalidOperation:  # an exponent beyond what Decimal holds
            raise not_a_number from None
    if number.is_zero():
        return Decimal(0)
    if number.is_infinite() or number.adjusted() >= MAX_MAGNITUDE:
        raise _CellError(_("数值过大：“%(value)s”") % {"value": _shown(_text(value))})
    return number


def _integer(value) -> int | None:
    number = _decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise _CellError(_("应为整数，实际为“%(value)s”") % {"value": _shown(_text(value))})
    return int(number)


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 100000:
        return from_excel(value).date()  # a date cell without date formatting: Excel's day serial
    text = _ascii(_text(value))
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _CellError(_("日期格式应为“2020-05-18”，实际为“%(value)s”") % {"value": _shown(text)})


def _canonical_header(header: str) -> str:
    text = unicodedata.normalize("NFKC", str(header or "")).replace(" ", "").lstrip("*")
    return text[2:] if text.startswith("当月") else text


# --- header checks ----------------------------------------------------------------------------

def _match_headers(kind: str, headers: list[str]) -> tuple[dict[str, tuple[Column, int]], list[str]]:
    """Map each field to (column, index) in the file; file-level errors name the bad columns."""
    known = {_canonical_header(c.header): c for c in columns_of(kind)}
    matched: dict[str, tuple[Column, int]] = {}
    seen: dict[str, str] = {}
    unknown, duplicated, errors = [], [], []
    for index, header in enumerate(headers):
        canon = _canonical_header(header)
        if canon == ERROR_COLUMN:
            continue  # the error report's own column, uploaded again with the fixed rows
        column = known.get(canon)
        if column is None:
            unknown.append(header)
            continue
        if canon in seen:
            duplicated.append(column.header)
            continue
        seen[canon] = header
        if column.field in matched:
            errors.append(_("“%(a)s”和“%(b)s”是同一项数据，只能保留一列")
                          % {"a": matched[column.field][0].header, "b": column.header})
            continue
        matched[column.field] = (column, index)
    if unknown:
        errors.append(_("无法识别的列：%(columns)s（可用的列：%(allowed)s）") % {
            "columns": "、".join(unknown), "allowed": "、".join(c.header for c in columns_of(kind))})
    if duplicated:
        errors.append(_("列重复：%(columns)s") % {"columns": "、".join(duplicated)})
    missing = [c.header for c in columns_of(kind) if c.required and c.field not in matched]
    if missing:
        errors.append(_("缺少必填列：%(columns)s") % {"columns": "、".join(missing)})
    return matched, errors


def _data_rows(dataset: tablib.Dataset, matched) -> list[tuple[int, dict]]:
    """(spreadsheet row number, {field: raw cell}) for each non-blank row."""
    rows = []
    for index, row in enumerate(dataset):
        if all(_is_blank(v) for v in row):
            continue
        rows.append((index + 2, {f: row[i] for f, (_c, i) in matched.items()}))
    return rows


# Characters no text column can hold: PostgreSQL refuses NUL, and no worksheet holds the other
# control characters (tab, line feed and carriage return are text).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _take_control_characters(cells: dict, matched) -> list[tuple[str, str]]:
    """(column header, message) for each cell holding control characters; those cells are
    emptied, so that no query made for the whole file ever carries them."""
    problems = []
    for name, value in cells.items():
        if not isinstance(value, str):
            continue
        found = sorted(set(CONTROL_CHARACTERS.findall(value)))
        if found:
            codes = "、".join(f"U+{ord(c):04X}" for c in found)
            problems.append((matched[name][0].header,
                             _("含有不可见的控制字符（%(codes)s），无法保存，请删除后重新导入") % {"codes": codes}))
            cells[name] = ""
    return problems


def _start_report(kind, dataset) -> tuple[ImportReport, dict, list]:
    """The report, the matched columns, and the rows to check: (row number, cells, problems),
    problems being the cells that no check need look at (see _take_control_characters)."""
    report = ImportReport(kind=kind)
    matched, report.file_errors = _match_headers(kind, list(dataset.headers or []))
    rows = [] if report.file_errors else _data_rows(dataset, matched)
    if not report.file_errors and not rows:
        report.file_errors.append(_("文件中没有数据行"))
    return report, matched, [(number, cells, _take_control_characters(cells, matched)) for number, cells in rows]


def _refused_row(row_number, cells, problems) -> RowResult:
    result = RowResult(row_number=row_number)
    result.label = " ".join(filter(None, [credit_codes.normalize(_text(cells.get("credit_code"))),
                                          _text(cells.get("name") or cells.get("enterprise_name"))]))
    for column, message in problems:
        result.add_error(column, message)
    return result


def _credit_code_problem(code: str) -> str:
    """The model's own validator message (“校验码错误：第18位应为…”), or "" for a valid code."""
    if not code:
        return _("统一社会信用代码不能为空")
    try:
        Enterprise._meta.get_field("credit_code").run_validators(code)
    except ValidationError as error:
        return "；".join(error.messages)
    return ""


def _model_errors(result: RowResult, error: ValidationError, headers: dict[str, str]):
    """Attach model validation messages (already Chinese) to the columns they concern."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            result.add_error("", message)
        return
    for name, messages in error.message_dict.items():
        column = "" if name == NON_FIELD_ERRORS else headers.get(name, "")
        for message in messages:
            result.add_error(column, message)


# Sheets filled in before the category stopped naming a scale status still import.
LEGACY_CATEGORY_LABELS = {"规下工业": EnterpriseCategory.INDUSTRY.value,
                          "below_scale_industry": EnterpriseCategory.INDUSTRY.value}


def _source_language_labels() -> dict[str, str]:
    """Category label → value, in the file language (Chinese) and in the current UI language."""
    labels = {str(label): value for value, label in EnterpriseCategory.choices}
    with translation.override(SOURCE_LANGUAGE):
        labels.update({str(label): value for value, label in EnterpriseCategory.choices})
    labels.update({value: value for value in EnterpriseCategory.values})
    labels.update(LEGACY_CATEGORY_LABELS)
    return labels


def _category_labels_by_value() -> dict[str, str]:
    with translation.override(SOURCE_LANGUAGE):
        return {value: str(label) for value, label in EnterpriseCategory.choices}


def _all_category_labels() -> str:
    with translation.override(SOURCE_LANGUAGE):
        return "、".join(str(label) for label in EnterpriseCategory.labels)


# --- places: jurisdictions and departments named in a file ------------------------------------

class _Places:
    """Jurisdictions and departments named in a file, fetched once (one query each)."""

    def __init__(self, user, names: set[str]):
        candidates = list(Jurisdiction.objects.filter(Q(key__in=names) | Q(code__in=names) | Q(name__in=names))
                          .select_related("parent"))
        self.visible = set(access.jurisdictions_visible_to(user)
                           .filter(pk__in=[j.pk for j in candidates]).values_list("pk", flat=True))
        self.by_key = {j.key: j for j in candidates}
        self.by_key.update({j.code: j for j in candidates if j.code})
        self.by_name: dict[str, list[Jurisdiction]] = {}
        for j in candidates:
            self.by_name.setdefault(j.name, []).append(j)
        usable = [j for j in candidates if j.pk in self.visible]
        ancestor_keys = {k for j in usable for k in j.path.split("/") if k}
        departments = Q(jurisdiction__key__in=ancestor_keys)
        for j in usable:
            departments |= Q(jurisdiction__path__startswith=j.path)
        self.departments = list(Department.objects.filter(departments).select_related("jurisdiction")) if usable else []

    def jurisdiction(self, value: str) -> tuple[Jurisdiction | None, str]:
        by_key = self.by_key.get(value)
        if by_key is not None:
            if by_key.pk in self.visible:
                return by_key, ""
            return None, _("所属区域“%(name)s”不在您的管辖范围内") % {"name": value}
        named = self.by_name.get(value, [])
        visible = [j for j in named if j.pk in self.visible]
        if len(visible) == 1:
            return visible[0], ""
        if len(visible) > 1:
            choices = "、".join(f"{j.parent.name if j.parent_id else ''}{j.name}（{j.key}）" for j in sorted(visible, key=lambda j: j.key))
            return None, _("名称“%(name)s”对应多个区域：%(choices)s，请改填编号") % {"name": value, "choices": choices}
        if named:
            return None, _("所属区域“%(name)s”不在您的管辖范围内") % {"name": value}
        return None, _("未找到所属区域“%(name)s”，请填写区域名称或编号") % {"name": value}

    def department(self, jurisdiction: Jurisdiction, value: str) -> tuple[Department | None, str]:
        named = [d for d in self.departments if value in (d.name, d.full_name, str(d))]  # 县工信局 or 盂县工信局
        above = [d for d in named if jurisdiction.path.startswith(d.jurisdiction.path)]
        if above:  # the nearest unit wins: a town's own office before the county's
            return max(above, key=lambda d: len(d.jurisdiction.path)), ""
        below = [d for d in named if d.jurisdiction.path.startswith(jurisdiction.path)]
        if len(below) == 1:
            return below[0], ""
        if len(below) > 1:
            return None, _("“%(place)s”下有多个名为“%(name)s”的责任单位：%(choices)s") % {
                "place": jurisdiction.name, "name": value,
                "choices": "、".join(str(d) for d in below)}
        return None, _("在“%(place)s”及其上级区域中未找到责任单位“%(name)s”") % {
            "place": jurisdiction.name, "name": value}


def _keeps_in_scope(user, department) -> tuple[bool, str]:
    """Department staff only see their own unit's enterprises: an imported row must stay theirs."""
    if user.is_superuser or user.role != Role.DEPARTMENT_STAFF:
        return True, ""
    if department is not None and department.pk == user.department_id:
        return True, ""
    return False, _("责任单位须为“%(name)s”，否则导入后该企业不在您的管辖范围内") % {"name": user.department.name}


# --- enterprises ------------------------------------------------------------------------------

ENTERPRISE_HEADERS = {c.field: c.header for c in ENTERPRISE_COLUMNS}
TEXT_FIELDS = ("legal_representative", "address")


def preview_enterprises(*, user, dataset: tablib.Dataset) -> ImportReport:
    """Check every row of an enterprise sheet; write nothing."""
    _require_importer(user, ImportKind.ENTERPRISES)
    report, matched, rows = _start_report(ImportKind.ENTERPRISES, dataset)
    if report.file_errors:
        return report
    codes = {credit_codes.normalize(_text(cells["credit_code"])) for _n, cells, _p in rows}
    existing = {e.credit_code: e for e in
                Enterprise.objects.filter(credit_code__in=codes).select_related("jurisdiction", "department")}
    visible = set(access.enterprises_visible_to(user).filter(credit_code__in=codes).values_list("pk", flat=True))
    places = _Places(user, {_text(cells["jurisdiction"]) for _n, cells, _p in rows} - {""})
    categories = _source_language_labels()
    first_row_of: dict[str, int] = {}
    for row_number, cells, problems in rows:
        if problems:
            report.rows.append(_refused_row(row_number, cells, problems))
            continue
        result = RowResult(row_number=row_number)
        _check_enterprise_row(result, user, cells, existing, visible, places, categories, first_row_of)
        report.rows.append(result)
    return report


def _check_enterprise_row(result, user, cells, existing, visible, places, categories, first_row_of):
    code = credit_codes.normalize(_text(cells["credit_code"]))
    name = _text(cells["name"])
    result.label = f"{code} {name}".strip()
    code_problem = _credit_code_problem(code)
    if code_problem:
        result.add_error(CREDIT_CODE.header, code_problem)
    elif code in first_row_of:
        result.add_error(CREDIT_CODE.header, _("与第%(row)s行的统一社会信用代码重复") % {"row": first_row_of[code]})
    else:
        first_row_of[code] = result.row_number
    current = None if code_problem else existing.get(code)
    if current is not None and current.pk not in visible:
        result.add_error(CREDIT_CODE.header, _("该企业不在您的管辖范围内"))
        return  # say nothing more about an enterprise the user may not see

    values, skip = {"name": name}, {"credit_code", "jurisdiction", "department"}
    jurisdiction_text = _text(cells["jurisdiction"])
    jurisdiction = None
    if not jurisdiction_text:
        result.add_error(ENTERPRISE_HEADERS["jurisdiction"], _("所属区域不能为空"))
    else:
        jurisdiction, problem = places.jurisdiction(jurisdiction_text)
        if problem:
            result.add_error(ENTERPRISE_HEADERS["jurisdiction"], problem)
        else:
            values["jurisdiction"] = jurisdiction
    department_failed = False
    if "department" in cells:
        department_text = _text(cells["department"])
        if not department_text:
            values["department"] = None
        elif jurisdiction is not None:
            department, problem = places.department(jurisdiction, department_text)
            if problem:
                result.add_error(ENTERPRISE_HEADERS["department"], problem)
                department_failed = True
            else:
                values["department"] = department
    if jurisdiction is not None and not department_failed and ("department" in values or current is None):
        allowed, reason = _keeps_in_scope(user, values.get("department"))
        if not allowed:
            result.add_error(ENTERPRISE_HEADERS["department"], reason)
    if "industry_code" in cells:
        values["industry_code"] = _text(cells["industry_code"]).upper()
    if "category" in cells:
        category_text = _text(cells["category"])
        if category_text in categories:
            values["category"] = categories[category_text]
        elif category_text:
            result.add_error(ENTERPRISE_HEADERS["category"], _("企业类别应为以下之一：%(labels)s，实际为“%(value)s”")
                             % {"labels": _all_category_labels(), "value": category_text})
            skip.add("category")
    for name_ in TEXT_FIELDS:
        if name_ in cells:
            values[name_] = _text(cells[name_])
    if "established_on" in cells:
        try:
            values["established_on"] = _date(cells["established_on"])
        except _CellError as error:
            result.add_error(ENTERPRISE_HEADERS["established_on"], str(error))
            skip.add("established_on")

    candidate = copy.copy(current) if current is not None else Enterprise(credit_code=code)
    for name_, value in values.items():
        setattr(candidate, name_, value)
    try:
        # Foreign keys were resolved from the prefetched rows; uniqueness is checked above in one query.
        candidate.full_clean(exclude=sorted(skip), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        _model_errors(result, error, ENTERPRISE_HEADERS)
    if not result.is_valid:
        return
    values = {k: getattr(candidate, k) for k in values}  # as cleaned (e.g. upper-case industry code)
    values["name"] = values["name"].strip()
    if current is None:
        result.action = RowAction.CREATE
        result.payload = {"credit_code": code, **values}
        return
    changes = {k: v for k, v in values.items() if _enterprise_value_differs(current, k, v)}
    result.changes = [ENTERPRISE_HEADERS[k] for k in changes]
    result.action = RowAction.UPDATE if changes else RowAction.UNCHANGED
    result.payload = {"enterprise": current, "changes": changes}


def _enterprise_value_differs(enterprise, name, value) -> bool:
    if name in ("jurisdiction", "department"):
        return getattr(enterprise, f"{name}_id") != (value.pk if value is not None else None)
    return services.value_differs(getattr(enterprise, name), value)


def import_enterprises(*, user, dataset: tablib.Dataset, only_valid: bool = False) -> ImportReport:
    """Check the sheet again and, if it may be written, create and update
    enterprises through the registry services in one transaction."""
    report = preview_enterprises(user=user, dataset=dataset)

    def write(result):
        payload = result.payload
        if result.action == RowAction.CREATE:
            fields = dict(payload)
            services.enterprise_create(user=user, credit_code=fields.pop("credit_code"), name=fields.pop("name"),
                                       jurisdiction=fields.pop("jurisdiction"), **fields)
        elif result.action == RowAction.UPDATE:
            services.enterprise_update(user=user, enterprise=payload["enterprise"], **payload["changes"])
        return result.action

    return _apply(report, only_valid, write, ENTERPRISE_HEADERS)


def _apply(report: ImportReport, only_valid: bool, write, headers) -> ImportReport:
    """Write every valid row, or none: any row the services refuse rolls all back."""
    if report.file_errors or (report.invalid and not only_valid):
        return report
    failed = False
    with transaction.atomic():
        for result in report.rows:
            if not result.is_valid:
                continue
            try:
                result.action = write(result)
            except ValidationError as error:
                _model_errors(result, error, headers)
                failed = True
            except PermissionDenied as error:
                result.add_error("", str(error) or _("不在您的管辖范围内"))
                failed = True
            except IntegrityError:
                result.add_error("", _("保存时与其他修改冲突，请重新导入"))
                failed = True
        if failed:
            transaction.set_rollback(True)
    report.imported = not failed
    return report


# --- monthly figures --------------------------------------------------------------------------

FIGURE_FIELDS = ("revenue", "output_value", "tax", "electricity_kwh", "employees")


def preview_figures(*, user, dataset: tablib.Dataset) -> ImportReport:
    """Check every row of a monthly-figure sheet; write nothing."""
    _require_importer(user, ImportKind.FIGURES)
    report, matched, rows = _start_report(ImportKind.FIGURES, dataset)
    if report.file_errors:
        return report
    headers = {f: column.header for f, (column, _i) in matched.items()}
    units = {f: column.unit for f, (column, _i) in matched.items() if column.unit is not None}
    codes = {credit_codes.normalize(_text(cells["credit_code"])) for _n, cells, _p in rows}
    enterprises = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes)}
    visible = set(access.enterprises_visible_to(user).filter(credit_code__in=codes).values_list("pk", flat=True))
    stored = {(f.enterprise_id, f.year, f.month): f for f in
              MonthlyFigure.objects.filter(enterprise_id__in=visible)
              .filter(year__in=_years_in(rows))}
    first_row_of: dict[tuple, int] = {}
    for row_number, cells, problems in rows:
        if problems:
            report.rows.append(_refused_row(row_number, cells, problems))
            continue
        result = RowResult(row_number=row_number)
        _check_figure_row(result, cells, headers, units, enterprises, visible, stored, first_row_of)
        if result.action in (RowAction.CREATE, RowAction.UPDATE):  # the reporting calendar of the figure service
            problem = services.figure_period_problem(user=user, enterprise=result.payload["enterprise"],
                                                     year=result.payload["year"], month=result.payload["month"])
            if problem:
                result.add_error(headers["month"], problem)
        report.rows.append(result)
    return report


def _years_in(rows) -> set[int]:
    """The plausible years of the file (others are row errors), to fetch the stored figures."""
    years = set()
    for _n, cells, _p in rows:
        try:
            year = _integer(cells["year"])
        except _CellError:
            continue
        if year is not None and 1 <= year <= 9999:
            years.add(year)
    return years


def _check_figure_row(result, cells, headers, units, enterprises, visible, stored, first_row_of):
    code = credit_codes.normalize(_text(cells["credit_code"]))
    code_problem = _credit_code_problem(code)
    enterprise = None
    if code_problem:
        result.add_error(headers["credit_code"], code_problem)
    else:
        enterprise = enterprises.get(code)
        if enterprise is None:
            result.add_error(headers["credit_code"],
                             _("未找到统一社会信用代码为“%(code)s”的企业，请先导入企业基本信息") % {"code": code})
        elif enterprise.pk not in visible:
            result.label = code
            result.add_error(headers["credit_code"], _("该企业不在您的管辖范围内"))
            return  # say nothing more about an enterprise the user may not see
    period = {}
    for name in ("year", "month"):
        try:
            period[name] = _integer(cells[name])
        except _CellError as error:
            result.add_error(headers[name], str(error))
            period[name] = None
            continue
        if period[name] is None:
            result.add_error(headers[name], _("不能为空"))
    year, month = period["year"], period["month"]
    shown_name = enterprise.name if enterprise else _text(cells.get("enterprise_name"))
    result.label = " ".join(filter(None, [code, shown_name, _("%(y)s年%(m)s月") % {"y": year, "m": month}
                                          if year and month else ""]))
    if not code_problem and year and month:
        key = (code, year, month)
        if key in first_row_of:
            result.add_error(headers["credit_code"], _("与第%(row)s行是同一企业同一月份，重复")
                             % {"row": first_row_of[key]})
        else:
            first_row_of[key] = result.row_number
    values = {}
    for name in FIGURE_FIELDS:
        if name not in cells:
            continue
        try:
            value = _integer(cells[name]) if name == "employees" else _decimal(cells[name])
        except _CellError as error:
            result.add_error(headers[name], str(error))
            continue
        if value is None:
            continue  # unknown: never zero, and never erases a value already reported
        if name in units:
            try:
                value = (value * units[name]).quantize(CENT)
            except InvalidOperation:
                value = None
            # The column holds at most 14 digits before the decimal point (DecimalField 16,2).
            if value is None or abs(value) >= Decimal("1e14"):
                result.add_error(headers[name], _("数值过大：“%(value)s”") % {"value": _text(cells[name])})
                continue
        if name in NONNEGATIVE_FIGURES and value < 0:
            result.add_error(headers[name], _("不能为负数"))
            continue
        values[name] = value
    candidate = MonthlyFigure(enterprise=enterprise, year=year, month=month, **values)
    try:
        # The enterprise came from the prefetched rows; clean the values and the period only.
        candidate.full_clean(exclude=["enterprise", "source", "reported_at", "reported_by"]
                             + [n for n in ("year", "month") if period[n] is None],
                             validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        _model_errors(result, error, headers)
    if not result.is_valid:
        return
    current = stored.get((enterprise.pk, year, month))
    result.payload = {"enterprise": enterprise, "year": year, "month": month, "values": values}
    if current is None:
        if not values:
            result.add_error("", _("未填写任何数据"))
            return
        result.action = RowAction.CREATE
        return
    result.changes = [headers[k] for k, v in values.items() if services.value_differs(getattr(current, k), v)]
    result.action = RowAction.UPDATE if result.changes else RowAction.UNCHANGED


def import_figures(*, user, dataset: tablib.Dataset, only_valid: bool = False) -> ImportReport:
    """Check the sheet again and upsert each enterprise-month through the service
    (identical values write nothing; corrections keep the old values in history)."""
    report = preview_figures(user=user, dataset=dataset)
    headers = {c.field: c.header for c in FIGURE_COLUMNS if c.written}

    def write(result):
        if result.action == RowAction.UNCHANGED:
            return result.action
        change = services.monthly_figure_upsert(user=user, source=FigureSource.IMPORT, **result.payload)
        if change.created:
            return RowAction.CREATE
        return RowAction.UPDATE if change.changed else RowAction.UNCHANGED

    return _apply(report, only_valid, write, headers)


PREVIEWS = {ImportKind.ENTERPRISES: preview_enterprises, ImportKind.FIGURES: preview_figures}
IMPORTS = {ImportKind.ENTERPRISES: import_enterprises, ImportKind.FIGURES: import_figures}


def preview(*, user, kind: str, dataset: tablib.Dataset) -> ImportReport:
    return PREVIEWS[kind](user=user, dataset=dataset)


def run_import(*, user, kind: str, dataset: tablib.Dataset, only_valid: bool = False) -> ImportReport:
    return IMPORTS[kind](user=user, dataset=dataset, only_valid=only_valid)


# --- keeping the upload between preview and confirm -------------------------------------------

def stash_upload(uploaded_file) -> str:
    """Keep the upload under MEDIA_ROOT/imports with a random name; returns the storage name."""
    purge_stale_uploads()
    suffix = PurePath((uploaded_file.name or "").lower()).suffix
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    return default_storage.save(f"{STASH_DIR}/{secrets.token_hex(16)}{suffix}", uploaded_file)


def read_stashed(name: str) -> tablib.Dataset:
    with default_storage.open(name, "rb") as stored:
        return read_dataset(stored)


def discard_stashed(name: str):
    if default_storage.exists(name):
        default_storage.delete(name)


def purge_stale_uploads():
    """Uploads previewed but never confirmed are removed after a day."""
    try:
        _dirs, files = default_storage.listdir(STASH_DIR)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - STASH_MAX_AGE
    for filename in files:
        name = f"{STASH_DIR}/{filename}"
        try:
            if default_storage.get_modified_time(name) < cutoff:
                default_storage.delete(name)
        except FileNotFoundError:
            continue


# --- the error report -------------------------------------------------------------------------

# The last column of an error report. An import ignores it, so that the report, once fixed in
# Excel, is uploaded again as it is (a report of a report reuses the column instead of adding one).
ERROR_COLUMN = "错误说明"


def row_error_summary(result: RowResult) -> str:
    """“统一社会信用代码：校验码错误：…；成立日期：日期格式应为…”: the row's errors, for its own cell."""
    return "；".join(f"{column}：{message}" if column else message for column, message in result.errors)


def error_report(*, name: str, dataset: tablib.Dataset, report: ImportReport) -> SpreadsheetFile:
    """The stashed upload `name` as it was uploaded, in its own format (xlsx or csv, a csv in its
    own encoding), with the same columns and rows and a last column 错误说明 that names, for each
    row with errors, the columns and reasons (empty for good rows). `dataset` is that upload read
    by `read_stashed`, `report` its preview; call it in the file language so the reasons are
    Chinese. Every cell is written as text or a plain value, never as a formula."""
    errors = {result.row_number: row_error_summary(result) for result in report.rows if result.errors}
    headers = list(dataset.headers or [])
    rows = [list(row) for row in dataset]
    position = next((i for i, header in enumerate(headers) if _canonical_header(header) == ERROR_COLUMN), None)
    if position is None:
        position = len(headers)
        headers.append(ERROR_COLUMN)
        rows = [row + [None] for row in rows]
    headers[position] = ERROR_COLUMN
    for index, row in enumerate(rows):
        row[position] = errors.get(index + 2) or None  # dataset row i is spreadsheet row i + 2
    suffix = PurePath(name).suffix
    stamp = timezone.localdate().strftime("%Y%m%d")
    filename = f"{_('导入错误报告')}-{ImportKind(report.kind).label}-{stamp}{suffix}"
    if suffix == ".csv":
        encoding = _stashed_csv_encoding(name)
        stream = io.StringIO()
        writer = csv.writer(stream)
        for row in [headers, *rows]:
            writer.writerow([exports.csv_cell(value) for value in row])
        return SpreadsheetFile(stream.getvalue().encode(encoding), filename,
                               f"text/csv; charset={'gb18030' if encoding == 'gb18030' else 'utf-8'}")
    return SpreadsheetFile(_error_report_xlsx(headers, rows, position, str(ImportKind(report.kind).label)),
                           filename, XLSX_CONTENT_TYPE)


def _stashed_csv_encoding(name: str) -> str:
    """The encoding `_csv_rows` read the stashed csv in: UTF-8 (written back with the BOM Excel
    needs to read it as UTF-8) or else GB18030, which holds every character a report writes."""
    with default_storage.open(name, "rb") as stored:
        content = stored.read(MAX_FILE_BYTES + 1)
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def _error_report_xlsx(headers, rows, position, title) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for cell in exports.append_row(sheet, headers):
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:  # blank rows too, so that every row keeps its number
        cells = exports.append_row(sheet, row)
        for cell in cells:
            if isinstance(cell.value, datetime) and cell.value.time() == datetime.min.time():
                cell.number_format = "yyyy-mm-dd"
        if cells[position].value:
            cells[position].font = Font(color="C00000")
            cells[position].alignment = Alignment(wrap_text=True, vertical="top")
    for index, header in enumerate(headers, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(str(header)) * 2 + 2)
        if _canonical_header(header) == CREDIT_CODE.header:
            sheet.column_dimensions[letter].width = 22
            sheet.column_dimensions[letter].number_format = "@"
    sheet.column_dimensions[get_column_letter(position + 1)].width = 60
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


# --- writing files ----------------------------------------------------------------------------

def _wan(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(_plain(value / WAN))


def _ambiguous_names(user) -> set[str]:
    """Names shared by several jurisdictions the user sees: exported as the key instead."""
    return set(access.jurisdictions_visible_to(user).values("name").annotate(n=Count("pk"))
               .filter(n__gt=1).values_list("name", flat=True))


def enterprise_rows(*, user, queryset) -> list[list]:
    ambiguous = _ambiguous_names(user)
    categories = _category_labels_by_value()
    rows = []
    for e in queryset:
        place = e.jurisdiction.key if e.jurisdiction.name in ambiguous else e.jurisdiction.name
        rows.append([e.credit_code, e.name, place, e.department.name if e.department_id else "",
                     e.industry_code, categories.get(e.category, e.category), e.legal_representative, e.address,
                     e.established_on])
    return rows


def figure_rows(queryset) -> list[list]:
    return [[f.enterprise.credit_code, f.enterprise.name, f.year, f.month, _wan(f.revenue), _wan(f.output_value),
             _wan(f.tax), f.electricity_kwh, f.employees] for f in queryset]


def export_enterprises(*, user, queryset, fmt: str) -> SpreadsheetFile:
    """The enterprises of `queryset` the user may see, in the import layout."""
    queryset = (queryset.filter(pk__in=access.enterprises_visible_to(user).values("pk"))
                .select_related("jurisdiction", "department").order_by("name", "credit_code"))
    rows = enterprise_rows(user=user, queryset=queryset)
    return _spreadsheet(ImportKind.ENTERPRISES, rows, fmt, _("企业基本信息"))


def export_figures(*, user, queryset, fmt: str) -> SpreadsheetFile:
    """The monthly figures of `queryset` the user may see, in the import layout (万元)."""
    queryset = (queryset.filter(pk__in=selectors.figures_visible_to(user=user).values("pk"))
                .select_related("enterprise").order_by("enterprise__name", "enterprise__credit_code", "year", "month"))
    return _spreadsheet(ImportKind.FIGURES, figure_rows(queryset), fmt, _("月度数据"))


def template(kind: str) -> SpreadsheetFile:
    """An empty xlsx with the header row and a 填写说明 sheet."""
    content = _xlsx(kind, [])
    return SpreadsheetFile(content, f"{_('导入模板')}-{ImportKind(kind).label}.xlsx", XLSX_CONTENT_TYPE)


def _spreadsheet(kind, rows, fmt, title) -> SpreadsheetFile:
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "csv":
        return SpreadsheetFile(_csv(kind, rows), f"{title}-{stamp}.csv", CSV_CONTENT_TYPE)
    if fmt == "xlsx":
        return SpreadsheetFile(_xlsx(kind, rows), f"{title}-{stamp}.xlsx", XLSX_CONTENT_TYPE)
    raise ValueError(f"unknown format {fmt!r}")


def _csv(kind, rows) -> bytes:
    dataset = tablib.Dataset(headers=[c.header for c in written_columns(kind)])
    for row in rows:
        # Formula-like text gets a leading quote (exports.csv_cell); `_text` drops it on import.
        dataset.append([exports.csv_cell(v) for v in row])
    # The BOM makes Excel read the file as UTF-8 instead of the system code page.
    return dataset.export("csv").encode("utf-8-sig")


def _xlsx(kind, rows) -> bytes:
    columns = written_columns(kind)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = str(ImportKind(kind).label)
    for cell in exports.append_row(sheet, [c.header for c in columns]):
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        for cell in exports.append_row(sheet, row):  # text as text, never a formula
            if isinstance(cell.value, (date, datetime)):
                cell.number_format = "yyyy-mm-dd"
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 2)
        if column.field == "credit_code":
            sheet.column_dimensions[letter].width = 22
            sheet.column_dimensions[letter].number_format = "@"  # typed codes stay text
    _instructions_sheet(book.create_sheet(INSTRUCTIONS_TITLE), kind)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _instructions_sheet(sheet, kind):
    general = [
        _("第一个工作表是数据表：第1行为列名，请勿修改列名；从第2行起每行一条记录。"),
        _("导入前会逐行预览：新增、更新、无变化或错误（写明行号、列名和原因）。有错误时不会写入任何数据，除非选择“仅导入有效行”。"),
        _("同一文件重复导入不会产生任何变化。"),
    ]
    if kind == ImportKind.ENTERPRISES:
        general.append(_("按统一社会信用代码新增或更新企业；留空的可选列会清空对应信息，删除整列则保持不变。"))
    else:
        general += [
            _("所有数据均为当月数（该月一个月的数值），不是年初至今的累计数。"),
            _("金额单位为万元；如需按元填写，请把列名中的（万元）改为（元）。"),
            _("空单元格表示未知，不按0处理，也不会清除已填报的数值。"),
            _("按统一社会信用代码＋年份＋月份新增或更正；更正时原数值保留在修改记录中。"),
        ]
    exports.append_row(sheet, [_("填写说明")])
    sheet["A1"].font = Font(bold=True)
    for line in general:
        exports.append_row(sheet, [line])
    exports.append_row(sheet, [])
    for cell in exports.append_row(sheet, [_("列名"), _("是否必填"), _("说明")]):
        cell.font = Font(bold=True)
    for column in written_columns(kind):
        help_text = str(column.help) % {"labels": _all_category_labels()} if column.help else ""
        exports.append_row(sheet, [column.header, _("必填") if column.required else _("选填"), help_text])
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 80
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
