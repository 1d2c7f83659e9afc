"""Fill empty msgstr entries of a .po file from a JSON dict {msgid: msgstr}.

Usage: python scripts/dev/po_fill.py locale/en/LC_MESSAGES/django.po translations.json
Only single-line msgids are handled; multi-line entries are left for manual editing.
"""
import json
import re
import sys

po_path, json_path = sys.argv[1], sys.argv[2]
table = json.load(open(json_path, encoding="utf-8"))
text = open(po_path, encoding="utf-8").read()


def esc(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def fill(match):
    msgid = match.group(1).encode().decode("unicode_escape").encode("latin-1").decode("utf-8") \
        if "\\" in match.group(1) else match.group(1)
    if msgid in table:
        return f'msgid "{match.group(1)}"\nmsgstr "{esc(table[msgid])}"'
    return match.group(0)


text = re.sub(r'^msgid "(.+)"\nmsgstr ""$', fill, text, flags=re.M)
open(po_path, "w", encoding="utf-8").write(text)
