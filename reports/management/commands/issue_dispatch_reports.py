from django.core.management.base import BaseCommand, CommandError

from enterprises.models import Jurisdiction
from reports import services


class Command(BaseCommand):
    help = "印发月度调度报告：指定区域和年月，或（不带参数）印发今天到期的报告；--schedule 登记每日定时任务"

    def add_arguments(self, parser):
        parser.add_argument("jurisdiction", nargs="?", help="区域编号（Jurisdiction.key）")
        parser.add_argument("year", nargs="?", type=int)
        parser.add_argument("month", nargs="?", type=int)
        parser.add_argument("--schedule", action="store_true", help="登记 django-celery-beat 每日任务")

    def handle(self, *args, jurisdiction=None, year=None, month=None, schedule=False, **options):
        if schedule:
            services.dispatch_schedule_sync()
            self.stdout.write("已登记每日定时任务 dispatch-reports")
            return
        if jurisdiction is None:
            ids = services.reports_issue_due()
            self.stdout.write(f"印发 {len(ids)} 份")
            return
        if year is None or month is None or not 1 <= month <= 12:
            raise CommandError("需要区域编号、年、月")
        found = Jurisdiction.objects.filter(key=jurisdiction).first()
        if found is None:
            raise CommandError(f"区域“{jurisdiction}”不存在")
        try:
            report, created = services.report_issue(user=None, jurisdiction=found, year=year, month=month)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{report}：{'已印发' if created else '此前已印发，未改变'}")
