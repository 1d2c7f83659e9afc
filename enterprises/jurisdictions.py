"""The jurisdiction tree and responsible departments from enterprises/data/jurisdictions.yaml.

`load_jurisdiction_file` validates the file into typed entries; every error is a
Chinese sentence naming the entry and the field, so whoever edits the file knows
where to look. `jurisdictions_sync` upserts the entries by key in one
transaction, so re-running it changes nothing:

1. jurisdictions, parents first (a node's `path` follows its parent's);
2. departments, with their former names as dated `DepartmentName` rows;
3. successors, in a second pass, because a department may point at one defined later.

Rows no longer in the file are kept: enterprises and users point at them.
"""
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from django.db import connection, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from .domain import parts
from .models import Department, DepartmentName, Enterprise, Jurisdiction, JurisdictionLevel

DATA_FILE = Path(__file__).resolve().parent / "data" / "jurisdictions.yaml"
CODE = re.compile(r"^\d{6}$")


class JurisdictionFileError(ValueError):
    pass


@dataclass(frozen=True)
class FormerName:
    name: str
    until: date
    source: str = ""

    def as_json(self) -> dict:
        return {"name": self.name, "until": self.until.isoformat(), "source": self.source}


@dataclass(frozen=True)
class DepartmentEntry:
    key: str
    name: str
    full_name: str = ""
    is_sme_center: bool = False
    former_names: tuple[FormerName, ...] = ()
    successor: str | None = None
    source: str = ""


@dataclass(frozen=True)
class JurisdictionEntry:
    key: str
    code: str | None
    name: str
    level: str
    parent: str | None
    former_names: tuple[FormerName, ...] = ()
    departments: tuple[DepartmentEntry, ...] = ()


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad date is reported with its entry
    (PyYAML would otherwise fail on 2024-13-01 before we know where it is)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _text(raw: dict, name: str, where: str, *, required: bool = True) -> str | None:
    value = raw.get(name)
    if value is None or str(value).strip() == "":
        if required:
            raise JurisdictionFileError(f"{where} 的 {name}：不能为空")
        return None
    if isinstance(value, (dict, list, bool)):
        raise JurisdictionFileError(f"{where} 的 {name}：应为文字，实际为“{value}”")
    return str(value).strip()


def _date(value, where: str, name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise JurisdictionFileError(f"{where} 的 {name}：日期应为YYYY-MM-DD，实际为“{value}”") from None


def _former_names(raw: dict, where: str) -> tuple[FormerName, ...]:
    items = raw.get("former_names") or []
    if not isinstance(items, list):
        raise JurisdictionFileError(f"{where} 的 former_names：应为列表")
    names = []
    for index, item in enumerate(items, start=1):
        item_where = f"{where} 的第{index}个曾用名"
        if not isinstance(item, dict):
            raise JurisdictionFileError(f"{item_where}：应写作 {{name, until, source}}")
        if item.get("until") in (None, ""):
            raise JurisdictionFileError(f"{item_where} 的 until：不能为空")
        names.append(FormerName(name=_text(item, "name", item_where), until=_date(item["until"], item_where, "until"),
                                source=_text(item, "source", item_where, required=False) or ""))
    return tuple(names)


def _department(raw, where: str) -> DepartmentEntry:
    if not isinstance(raw, dict):
        raise JurisdictionFileError(f"{where}：应为一组字段（key、name……）")
    is_sme_center = raw.get("is_sme_center", False)
    if not isinstance(is_sme_center, bool):
        raise JurisdictionFileError(f"{where} 的 is_sme_center：应为 true 或 false，实际为“{is_sme_center}”")
    return DepartmentEntry(
        key=_text(raw, "key", where), name=_text(raw, "name", where),
        full_name=_text(raw, "full_name", where, required=False) or "", is_sme_center=is_sme_center,
        former_names=_former_names(raw, where), successor=_text(raw, "successor", where, required=False),
        source=_text(raw, "source", where, required=False) or "")


def load_jurisdiction_file(path: Path | str = DATA_FILE) -> list[JurisdictionEntry]:
    """Read and validate the file; parents must come before their children."""
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    except (OSError, yaml.YAMLError) as error:
        raise JurisdictionFileError(f"{path.name}：文件无法读取或解析：{error}") from error
    items = raw.get("jurisdictions") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise JurisdictionFileError(f"{path.name}：缺少 jurisdictions 列表")
    entries: list[JurisdictionEntry] = []
    keys: set[str] = set()
    codes: dict[str, str] = {}
    department_keys: dict[str, str] = {}
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise JurisdictionFileError(f"第{index}个区域：应为一组字段（key、name、level……）")
        where = f"第{index}个区域（{item.get('name') or item.get('key') or '?'}）"
        key = _text(item, "key", where)
        if key in keys:
            raise JurisdictionFileError(f"{where} 的 key：“{key}” 重复")
        name = _text(item, "name", where)
        level = _text(item, "level", where)
        if level not in JurisdictionLevel.values:
            raise JurisdictionFileError(
                f"{where} 的 level：应为 {'、'.join(JurisdictionLevel.values)} 之一，实际为“{level}”")
        code = _text(item, "code", where, required=False)
        if code is not None:
            if not CODE.match(code):
                raise JurisdictionFileError(f"{where} 的 code：应为6位行政区划代码或 null，实际为“{code}”")
            if code in codes:
                raise JurisdictionFileError(f"{where} 的 code：“{code}” 已用于 {codes[code]}")
            codes[code] = name
        parent = _text(item, "parent", where, required=False)
        if parent is not None and parent not in keys:
            raise JurisdictionFileError(f"{where} 的 parent：上级 “{parent}” 未在此前定义（上级须写在下级之前）")
        if parent is None and level != JurisdictionLevel.PROVINCE:
            raise JurisdictionFileError(f"{where} 的 parent：只有省级区域可以没有上级")
        departments = []
        for d_index, raw_department in enumerate(item.get("departments") or [], start=1):
            d_where = f"{where} 的第{d_index}个责任单位（{(raw_department or {}).get('name') or '?'}）" \
                if isinstance(raw_department, dict) else f"{where} 的第{d_index}个责任单位"
            department = _department(raw_department, d_where)
            if department.key in department_keys:
                raise JurisdictionFileError(f"{d_where} 的 key：“{department.key}” 重复")
            department_keys[department.key] = d_where
            departments.append(department)
        keys.add(key)
        entries.append(JurisdictionEntry(key=key, code=code, name=name, level=level, parent=parent,
                                         former_names=_former_names(item, where), departments=tuple(departments)))
    for entry in entries:
        for department in entry.departments:
            if department.successor is not None and department.successor not in department_keys:
                raise JurisdictionFileError(
                    f"{department_keys[department.key]} 的 successor：责任单位 “{department.successor}” 不存在")
    return entries


@transaction.atomic
def jurisdictions_sync(entries: list[JurisdictionEntry]) -> dict[str, int]:
    """Upsert the entries by key; returns totals and how many rows were created or updated."""
    counts = {"jurisdictions": 0, "departments": 0, "department_names": 0, "created": 0, "updated": 0}

    def tally(outcome: str | None):
        if outcome:
            counts[outcome] += 1

    jurisdictions = {j.key: j for j in Jurisdiction.objects.all()}
    for entry in entries:
        parent = jurisdictions[entry.parent] if entry.parent else None
        tally(_upsert(jurisdictions, Jurisdiction, entry.key, {
            "code": entry.code, "name": entry.name, "level": entry.level, "parent": parent,
            "former_names": [f.as_json() for f in entry.former_names],
        }, path=f"{parent.path if parent else '/'}{entry.key}/"))
        counts["jurisdictions"] += 1

    departments = {d.key: d for d in Department.objects.all()}
    names = {(n.department_id, n.name, n.valid_to): n for n in DepartmentName.objects.all()}
    created_departments: set[str] = set()
    for entry in entries:
        for item in entry.departments:
            outcome = _upsert(departments, Department, item.key, {
                "jurisdiction": jurisdictions[entry.key], "name": item.name, "full_name": item.full_name,
                "is_sme_center": item.is_sme_center, "source": item.source,
            })
            tally(outcome)
            if outcome == "created":
                created_departments.add(item.key)
            counts["departments"] += 1
            department = departments[item.key]
            for former in item.former_names:
                counts["department_names"] += 1
                row = names.get((department.pk, former.name, former.until))
                if row is None:
                    DepartmentName.objects.create(department=department, name=former.name, valid_to=former.until,
                                                  source=former.source)
                    tally("created")
                elif row.source != former.source:
                    row.source = former.source
                    row.save(update_fields=["source"])
                    tally("updated")

    for entry in entries:
        for item in entry.departments:
            department = departments[item.key]
            successor_id = departments[item.successor].pk if item.successor else None
            if department.successor_id != successor_id:
                department.successor_id = successor_id
                department.save()
                if item.key not in created_departments:  # a new one's successor is part of creating it
                    tally("updated")
    if counts["created"] or counts["updated"]:
        refresh_statistics()
    return counts


def refresh_statistics():
    """ANALYZE the jurisdiction and department tables (PostgreSQL). They hold a few dozen rows,
    below autovacuum's threshold of 50 changes, so PostgreSQL would never gather statistics on
    them by itself; without them it estimates that a subtree (path LIKE '/410000/%') holds one
    jurisdiction and plans province-wide lists and checks as if they held one county's
    enterprises (issue 14: a province's pool list went from 0.36 s to 0.16 s once analysed)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Jurisdiction, Department):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _upsert(cache: dict, model, key: str, values: dict, path: str | None = None) -> str | None:
    """Create or update the row with `key`; 'created', 'updated' or None when nothing changed.

    `path` is compared for jurisdictions: a node whose parent moved must be saved
    again to follow it, even when none of its own fields changed.
    """
    obj = cache.get(key)
    if obj is None:
        obj = model(key=key, **values)
        obj.save()
        cache[key] = obj
        return "created"
    changed = any(_differs(obj, name, value) for name, value in values.items())
    if not changed and (path is None or obj.path == path):
        return None
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save()
    return "updated"


def _differs(obj, name: str, value) -> bool:
    field = obj._meta.get_field(name)
    if field.is_relation:  # by id, so checking an unchanged row costs no query
        return getattr(obj, field.attname) != (value.pk if value is not None else None)
    return getattr(obj, name) != value


def subtree_parts(root: Jurisdiction, max_enterprises: int) -> list[parts.Part]:
    """`root`'s enterprises cut into parts of neighbouring jurisdictions (enterprises.domain.parts),
    from one grouped count."""
    counts = (Enterprise.objects.filter(jurisdiction__path__startswith=root.path)
              .values("jurisdiction_id", "jurisdiction__path").annotate(n=Count("pk"))
              .order_by("jurisdiction__path").values_list("jurisdiction_id", "n"))
    return parts.pack(list(counts), max_enterprises)


def failed_parts_text(failed: list[tuple[str, list[int]]], default_error: str) -> str:
    """One line per failed part: its jurisdictions by name, then its error ("高新区：…")."""
    names = dict(Jurisdiction.objects.filter(pk__in={j for _error, scope in failed for j in scope})
                 .values_list("pk", "name"))
    return "\n".join(_("%(jurisdictions)s：%(error)s") % {
        "jurisdictions": "、".join(names.get(j, str(j)) for j in scope), "error": error or default_error}
        for error, scope in failed)
