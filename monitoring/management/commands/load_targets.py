"""Copy monitoring/data/targets.yaml into the database (idempotent: a second run changes nothing)."""
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from enterprises.models import Department, Jurisdiction
from monitoring.models import Target, TargetMeasure

DATA = Path(__file__).resolve().parents[2] / "data" / "targets.yaml"
FIELDS = ("value", "citation", "note")
CHANGE_REASON = "载入 monitoring/data/targets.yaml"


def _entries(path: Path) -> list[dict]:
    try:
        entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("targets")
    except (OSError, yaml.YAMLError) as error:
        raise CommandError(f"{path.name}：文件无法读取或解析（{error}）") from error
    if not isinstance(entries, list):
        raise CommandError(f"{path.name}：缺少 targets 列表")
    return entries


class Command(BaseCommand):
    help = "载入各区域、各责任单位的年度目标任务（净增、新增、规上企业数，附文件依据）"

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DATA)

    @transaction.atomic
    def handle(self, *args, file, **options):
        entries = _entries(file)
        jurisdictions = {j.key: j for j in Jurisdiction.objects.filter(
            key__in=[str(e.get("jurisdiction")) for e in entries if e.get("jurisdiction")])}
        departments = {d.key: d for d in Department.objects.filter(
            key__in=[str(e.get("department")) for e in entries if e.get("department")])}
        changed = 0
        for index, entry in enumerate(entries, start=1):
            where = f"第{index}项"
            unit = self._unit(entry, jurisdictions, departments, where)
            if entry.get("measure", TargetMeasure.NET_INCREASE) not in TargetMeasure.values:
                raise CommandError(f"{where}：指标“{entry.get('measure')}”应为 {', '.join(TargetMeasure.values)}")
            lookup = {"year": entry.get("year"), "measure": entry.get("measure", TargetMeasure.NET_INCREASE), **unit}
            values = {"value": entry.get("value"), "citation": entry.get("citation", ""), "note": entry.get("note", "")}
            target = Target.objects.filter(**lookup).first() or Target(**lookup)
            if target.pk is not None and all(getattr(target, f) == values[f] for f in FIELDS):
                continue
            for field, value in values.items():
                setattr(target, field, value)
            try:
                target.full_clean()
            except Exception as error:  # ValidationError: name the entry
                raise CommandError(f"{where}：{error}") from error
            target._change_reason = CHANGE_REASON
            target.save()
            changed += 1
        if options.get("verbosity", 1):
            self.stdout.write(f"目标任务 {len(entries)} 项，本次新增或更新 {changed} 项")

    @staticmethod
    def _unit(entry, jurisdictions, departments, where) -> dict:
        if bool(entry.get("jurisdiction")) == bool(entry.get("department")):
            raise CommandError(f"{where}：须且只能指定 jurisdiction 或 department 之一")
        if entry.get("jurisdiction"):
            found = jurisdictions.get(str(entry["jurisdiction"]))
            if found is None:
                raise CommandError(f"{where}：区域“{entry['jurisdiction']}”不存在，请先运行 load_jurisdictions")
            return {"jurisdiction": found, "department": None}
        found = departments.get(str(entry["department"]))
        if found is None:
            raise CommandError(f"{where}：责任单位“{entry['department']}”不存在，请先运行 load_jurisdictions")
        return {"jurisdiction": None, "department": found}
