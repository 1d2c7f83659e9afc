"""The jurisdiction tree and responsible departments from enterprises/data/jurisdictions.yaml.

`load_jurisdiction_file` validates the file into plain entries (errors name the
entry and the field, in Chinese); `jurisdictions_sync` upserts them by key in one
transaction, so re-running it changes nothing.
"""
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from django.db import transaction

from .models import Department, DepartmentName, Jurisdiction, JurisdictionLevel

DATA_FILE = Path(__file__).resolve().parent / "data" / "jurisdictions.yaml"


class JurisdictionFileError(ValueError):
    pass


@dataclass(frozen=True)
class FormerName:
    name: str
    until: date
    source: str = ""


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
    departments: tuple[DepartmentEntry, ...] = field(default_factory=tuple)


def _date(value, where) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise JurisdictionFileError(f"{where}：日期应为YYYY-MM-DD，实际为“{value}”") from error


def _required(raw, name, where) -> str:
    value = raw.get(name)
    if value in (None, ""):
        raise JurisdictionFileError(f"{where}：缺少 {name}")
    return str(value)


def _former(raw_list, where) -> tuple[FormerName, ...]:
    return tuple(FormerName(_required(f, "name", where), _date(f.get("until"), where), str(f.get("source", "")))
                 for f in raw_list or ())


def load_jurisdiction_file(path: Path = DATA_FILE) -> list[JurisdictionEntry]:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, ValueError) as error:  # PyYAML raises ValueError on impossible dates
        raise JurisdictionFileError(f"{Path(path).name}：文件无法解析：{error}") from error
    entries, seen, department_keys = [], set(), set()
    for index, item in enumerate(raw.get("jurisdictions") or [], start=1):
        where = f"第{index}个区域（{item.get('name', item.get('key', '?'))}）"
        key = _required(item, "key", where)
        if key in seen:
            raise JurisdictionFileError(f"{where}：key “{key}” 重复")
        level = _required(item, "level", where)
        if level not in JurisdictionLevel.values:
            raise JurisdictionFileError(f"{where}：level 应为 {'/'.join(JurisdictionLevel.values)}，实际为“{level}”")
        parent = item.get("parent")
        if parent is not None and str(parent) not in seen:
            raise JurisdictionFileError(f"{where}：上级 “{parent}” 未在此前定义")
        departments = []
        for d_index, dep in enumerate(item.get("departments") or [], start=1):
            d_where = f"{where} 第{d_index}个责任单位（{dep.get('name', '?')}）"
            d_key = _required(dep, "key", d_where)
            if d_key in department_keys:
                raise JurisdictionFileError(f"{d_where}：key “{d_key}” 重复")
            department_keys.add(d_key)
            departments.append(DepartmentEntry(
                key=d_key, name=_required(dep, "name", d_where), full_name=str(dep.get("full_name") or ""),
                is_sme_center=bool(dep.get("is_sme_center", False)),
                former_names=_former(dep.get("former_names"), d_where),
                successor=dep.get("successor"), source=str(dep.get("source") or "")))
        seen.add(key)
        entries.append(JurisdictionEntry(
            key=key, code=str(item["code"]) if item.get("code") else None, name=_required(item, "name", where),
            level=level, parent=str(parent) if parent is not None else None,
            former_names=_former(item.get("former_names"), where), departments=tuple(departments)))
    for entry in entries:
        for dep in entry.departments:
            if dep.successor and dep.successor not in department_keys:
                raise JurisdictionFileError(f"{entry.name} {dep.name}：successor “{dep.successor}” 不存在")
    return entries


@transaction.atomic
def jurisdictions_sync(entries: list[JurisdictionEntry]) -> dict[str, int]:
    counts = {"jurisdictions": 0, "departments": 0, "changed": 0}
    by_key = {j.key: j for j in Jurisdiction.objects.all()}
    for entry in entries:
        values = {"code": entry.code, "name": entry.name, "level": entry.level,
                  "parent": by_key[entry.parent] if entry.parent else None,
                  "former_names": [{"name": f.name, "until": f.until.isoformat(), "source": f.source}
                                   for f in entry.former_names]}
        counts["changed"] += _upsert(by_key, Jurisdiction, entry.key, values)
        counts["jurisdictions"] += 1
    departments = {d.key: d for d in Department.objects.all()}
    for entry in entries:
        for dep in entry.departments:
            values = {"jurisdiction": by_key[entry.key], "name": dep.name, "full_name": dep.full_name,
                      "is_sme_center": dep.is_sme_center, "source": dep.source}
            counts["changed"] += _upsert(departments, Department, dep.key, values)
            counts["departments"] += 1
            for former in dep.former_names:
                _, created = DepartmentName.objects.get_or_create(
                    department=departments[dep.key], name=former.name, valid_to=former.until,
                    defaults={"source": former.source})
                counts["changed"] += int(created)
    for entry in entries:
        for dep in entry.departments:
            successor = departments[dep.successor] if dep.successor else None
            department = departments[dep.key]
            if department.successor_id != (successor.pk if successor else None):
                department.successor = successor
                department.save(update_fields=["successor"])
                counts["changed"] += 1
    return counts


def _upsert(cache, model, key, values) -> int:
    obj = cache.get(key)
    if obj is None:
        obj = model(key=key, **values)
        obj.save()
        cache[key] = obj
        return 1
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    if changed:
        obj.save()
    return int(changed)
