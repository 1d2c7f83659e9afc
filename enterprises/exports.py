"""Downloads write what users typed as text, never as something Excel would run.

Every xlsx and csv the portal serves goes through here (the registry exports and
templates in `spreadsheets`, the finance list in `incentives.views`):

- `append_row` writes one worksheet row: text becomes a string cell (openpyxl would
  otherwise store “=…” as a formula and “#N/A” as an error), marked with Excel's
  hidden leading apostrophe when it starts like a formula, so that editing the cell
  in Excel does not turn it into one either; characters a worksheet cannot hold
  (control characters) are dropped instead of failing the whole download.
- `csv_cell` writes one csv cell: text starting with = + - @ TAB or CR gets a
  leading ' (OWASP CSV injection guidance); `spreadsheets` drops that quote again
  when the file is imported, so an export can be re-imported unchanged. Control
  characters are dropped as in xlsx.
- `attachment` serves the file; its name must be built from validated values only
  (a fixed title, a known status, a date), never from a request parameter.
"""
from datetime import date, datetime, time
from decimal import Decimal

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# A text cell starting with one of these is a formula (or the start of one) to a spreadsheet program.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def is_text(value) -> bool:
    """Whatever is not a number, a date or empty is written as text."""
    return not (value is None or isinstance(value, (bool, int, float, Decimal, date, datetime, time)))


def plain_text(value) -> str:
    """The text of `value` without the characters no worksheet can hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if not is_text(value):
        return str(value)
    text = plain_text(value)  # as in xlsx: the same file either way, and one an import accepts
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def append_row(sheet, values) -> list:
    """Append `values` to an openpyxl worksheet, text as text; returns the row's cells."""
    values = [plain_text(v) if is_text(v) else v for v in values]
    sheet.append(values)
    row = sheet.max_row
    cells = [sheet.cell(row=row, column=index) for index in range(1, len(values) + 1)]
    for cell, value in zip(cells, values):
        if isinstance(value, str):
            cell.data_type = "s"  # never "f" (formula) or "e" (error value), whatever the text says
            if value.startswith(FORMULA_TRIGGERS):
                cell.quotePrefix = True
    return cells


def content_disposition(filename: str) -> str:
    return content_disposition_header(True, filename)


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    """A download named `filename`, which callers build from validated values only."""
    return HttpResponse(content, content_type=content_type,
                        headers={"Content-Disposition": content_disposition(filename)})


def write_only_row(sheet, values) -> list:
    """`append_row` for a write-only worksheet (openpyxl streams it to disk, so a large export
    never holds its rows in memory): the same rule, text as text, formula-like text quoted."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        if is_text(value):
            text = plain_text(value)
            cell = WriteOnlyCell(sheet, value=text)
            cell.data_type = "s"
            if text.startswith(FORMULA_TRIGGERS):
                cell.quotePrefix = True
        else:
            cell = WriteOnlyCell(sheet, value=value)
        cells.append(cell)
    sheet.append(cells)
    return cells
