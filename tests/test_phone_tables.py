"""On a phone a table with class "cards" hides its header row and shows each row as a card, so
every cell must say what it is: a data-label (the column header, shown before the value), the
card's title (class card-title, or the row's first cell), or a colspan message row. A column added
without one would show a bare value."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CARD_TABLE = re.compile(r"<table\b[^>]*\bclass=\"[^\"]*\bcards\b[^\"]*\"[^>]*>(.*?)</table>", re.S)
ROW = re.compile(r"<tr\b.*?(?=<tr\b|$)", re.S)
CELL = re.compile(r"<td\b([^>]*)>")
SAYS_WHAT_IT_IS = re.compile(r"\bdata-label=\"|\bclass=\"[^\"]*\bcard-title\b|\bcolspan=")


def templates():
    return [p for p in ROOT.rglob("*.html")
            if not {".venv", "staticfiles", "node_modules"} & set(p.relative_to(ROOT).parts)]


def test_the_main_lists_are_card_tables():
    card_tables = {p.name for p in templates() if CARD_TABLE.search(p.read_text(encoding="utf-8"))}
    assert {"enterprise_list.html", "_correction_table.html", "import_preview.html", "tokens.html",
            "ledger.html", "warning_list.html", "run_list.html", "warning_detail.html",
            "document_list.html"} <= card_tables


def test_every_cell_of_a_card_table_is_labelled_or_the_title():
    unlabelled = []
    for path in templates():
        text = re.sub(r"{#.*?#}", "", path.read_text(encoding="utf-8"), flags=re.S)
        for table in CARD_TABLE.finditer(text):
            for row in ROW.finditer(table.group(1)):
                for cell in list(CELL.finditer(row.group(0)))[1:]:  # the first cell may be the title
                    if not SAYS_WHAT_IT_IS.search(cell.group(1)):
                        line = text[:table.start(1) + row.start() + cell.start()].count("\n") + 1
                        unlabelled.append(f"{path.relative_to(ROOT)}:{line}: {cell.group(0)}")
    assert not unlabelled, "cells of card tables without data-label:\n" + "\n".join(unlabelled)
