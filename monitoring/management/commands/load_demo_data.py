"""The quick-start demo: registry, then the things staff would see on a Monday morning."""
from datetime import date

from django.core.management import call_command
from django.core.management.base import BaseCommand

from enterprises.demo import demo_load, demo_plan, division_codes
from enterprises.models import Jurisdiction, User
from incentives.models import EntitlementBatch
from incentives.services import entitlement_batch_run
from monitoring.models import CheckRun
from monitoring.services import monthly_check_run

# The demo's fixed "now": figures run to October 2026, checked after the November deadline.
DEMO_TODAY = date(2026, 11, 15)
COUNTIES = ["141181", "140322", "140300", "410400", "210411"]


class Command(BaseCommand):
    help = "载入演示数据（确定性，可重复运行）：企业、月度数据、入库记录、各角色用户，并运行月度检查与免申即享计算"

    def add_arguments(self, parser):
        parser.add_argument("--size", type=float, default=1.0, help="企业数量倍数（默认约300户）")

    def handle(self, *args, size, **options):
        call_command("load_check_policies", verbosity=0)
        call_command("load_targets", verbosity=0)
        # The daily beat entry that issues each jurisdiction's dispatch report on its day.
        call_command("issue_dispatch_reports", schedule=True, verbosity=0)
        result = demo_load(demo_plan(size_factor=size, division_codes=division_codes()))
        self.stdout.write(f"演示企业新增 {result['enterprises']} 户，月度数据 {result['figures']} 条")
        admin = User.objects.get(username="admin")
        for key in COUNTIES:
            jurisdiction = Jurisdiction.objects.get(key=key)
            if not CheckRun.objects.filter(jurisdiction=jurisdiction, year=2026, month=10).exists():
                run = CheckRun.objects.create(jurisdiction=jurisdiction, year=2026, month=10)
                monthly_check_run(run_id=run.pk, today=DEMO_TODAY)
            if not EntitlementBatch.objects.filter(jurisdiction=jurisdiction, year=2025).exists():
                batch = EntitlementBatch.objects.create(jurisdiction=jurisdiction, year=2025, requested_by=admin)
                entitlement_batch_run(batch_id=batch.pk)
        self.stdout.write("已运行2026年10月月度检查和2025年度免申即享计算")
        _demo_targets()


def _demo_targets():
    """The demo's figures run to 2026, the documents' targets to 2024/2025: 盂县's 2024 breakdown is
    carried over to 2026, marked as demo data, so the dashboard has targets to compare with."""
    from django.db.models import Q

    from monitoring.models import Target

    for target in Target.objects.filter(year=2024).filter(Q(jurisdiction__key__startswith="140322")
                                                          | Q(department__key__startswith="140322")):
        Target.objects.get_or_create(
            year=2026, measure=target.measure, jurisdiction=target.jurisdiction, department=target.department,
            defaults={"value": target.value, "citation": f"演示数据：沿用{target.citation}"})
