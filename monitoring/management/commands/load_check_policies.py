from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from enterprises.models import Jurisdiction
from monitoring.models import CheckPolicy
from enterprises.list_exports import purge_schedule_sync
from monitoring.services import escalation_schedule_sync, reaper_schedule_sync

DATA = Path(__file__).resolve().parents[2] / "data" / "check_policies.yaml"
FIELDS = ("pool_rule", "pool_rule_citation", "annual_target", "expected_count", "plan_goal", "plan_goal_citation",
          "run_day")
# The reporting deadline is part of the reporting calendar, kept on the jurisdiction
# (enterprises.Jurisdiction.report_deadline_day, inherited down the tree); an entry may still set it.
JURISDICTION_FIELDS = ("report_deadline_day",)


class Command(BaseCommand):
    help = "载入各区域监测设置（入库规则与依据），并同步定时任务"

    @transaction.atomic
    def handle(self, *args, **options):
        entries = yaml.safe_load(DATA.read_text(encoding="utf-8"))["policies"]
        jurisdictions = {j.key: j for j in Jurisdiction.objects.filter(key__in=[e["jurisdiction"] for e in entries])}
        changed = 0
        for index, entry in enumerate(entries):
            jurisdiction = jurisdictions.get(entry["jurisdiction"])
            if jurisdiction is None:
                raise CommandError(f"第{index + 1}项：区域“{entry['jurisdiction']}”不存在，请先运行 load_jurisdictions")
            own = {f: entry[f] for f in JURISDICTION_FIELDS if f in entry}
            if any(getattr(jurisdiction, f) != v for f, v in own.items()):
                for field, value in own.items():
                    setattr(jurisdiction, field, value)
                jurisdiction.full_clean()
                jurisdiction.save()
                changed += 1
            policy = CheckPolicy.objects.filter(jurisdiction=jurisdiction).first() or CheckPolicy(jurisdiction=jurisdiction)
            values = {f: entry[f] for f in FIELDS if f in entry}
            if policy.pk is None or any(getattr(policy, f) != v for f, v in values.items()):
                for field, value in values.items():
                    setattr(policy, field, value)
                policy.full_clean()
                policy.save()  # also (re)schedules its monthly run
                changed += 1
        escalation_schedule_sync()
        reaper_schedule_sync()
        purge_schedule_sync()  # expired API list exports (enterprises.list_exports)
        self.stdout.write(f"监测设置 {len(entries)} 项，本次新增或更新 {changed} 项")
