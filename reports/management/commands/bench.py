"""Benchmark of the leaders' dashboard and the monthly dispatch report (reports/benchmark.py; scripts/bench)."""
import json
import logging
import time
from contextlib import contextmanager
from datetime import datetime, timezone as dt_timezone
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Enterprise, Jurisdiction, MonthlyFigure, Role, User
from monitoring.models import CheckRun
from monitoring.services import monthly_check_run, previous_period
from reports import benchmark, scale_bench

DASHBOARD_TARGET = 0.3  # seconds, issue 11 item 7
PDF_TARGET = 5.0
BENCH_USER = "bench_leader"


class Command(BaseCommand):
    help = ("性能基准：以所选区域领导身份请求工作看板、月度调度页面和调度报告PDF各若干次，报告最短/中位/最长耗时、"
            "查询数和进程峰值内存，与目标（看板≤300毫秒、PDF≤5秒）比较，并把结果写成JSON。"
            "会先运行该月的月度检查，并创建不能登录的领导账号 bench_leader；数据由 generate_enterprises 生成。")

    def add_arguments(self, parser):
        parser.add_argument("--jurisdiction", default="140322", help="区域编号（默认140322，盂县）")
        parser.add_argument("--repeat", type=int, default=7, help="每项重复次数（另有一次不计入统计的冷启动）")
        parser.add_argument("--year", type=int, help="报告年度（默认上一个已结束月份所在年度）")
        parser.add_argument("--month", type=int, help="报告月份（默认上一个已结束的月份）")
        parser.add_argument("--out", type=Path, default=Path(settings.BASE_DIR) / "var" / "bench",
                            help="JSON结果目录（默认 var/bench）")
        parser.add_argument("--no-check", action="store_true", help="不先运行该月的月度检查")
        parser.add_argument("--scale", action="store_true",
                            help="另测全省规模各项（月度检查及其与聚合下限、逐户ORM的倍数，免申即享批次，"
                                 "工作人员企业列表首页与末页，接口列表深页）")
        parser.add_argument("--skip-pages", action="store_true",
                            help="不测看板、调度页面和PDF（只测 --scale 各项，在已测过页面的数据上复测时用）")
        parser.add_argument("--scale-repeat", type=int, default=3, help="全省规模各项的重复次数（默认3）")
        parser.add_argument("--no-workers", action="store_true",
                            help="--scale 时不启动 Celery 工作进程（不测分部分检查在1个与2个工作进程上的用时）")

    def handle(self, *args, jurisdiction, repeat, year, month, out, no_check, scale, scale_repeat, skip_pages=False,
               no_workers=False, **options):
        root = Jurisdiction.objects.filter(key=jurisdiction).first()
        if root is None:
            raise CommandError(f"区域“{jurisdiction}”不存在")
        if repeat < 1:
            raise CommandError("--repeat 至少为1")
        default_year, default_month = previous_period(timezone.localdate())
        year, month = year or default_year, month or default_month
        setup = {}
        with _quiet("weasyprint", "axes", "celery.app.trace"):  # (the check's parts, run in-process)
            if not no_check:
                setup["monthly_check_s"] = self._check(root, year, month)
            client = Client()
            client.force_login(_leader(root))
            params = {"key": root.key, "year": year, "month": month}
            dashboard = f"{reverse('reports:dashboard')}?jurisdiction={root.key}&year={year}&month={month}"
            jobs = [
                benchmark.Job("dashboard", DASHBOARD_TARGET, lambda: _get(client, dashboard)),
                benchmark.Job("dispatch page", None, lambda: _get(client, reverse("report:dispatch", kwargs=params))),
                benchmark.Job("dispatch PDF", PDF_TARGET,
                              lambda: _get(client, reverse("report:dispatch_pdf", kwargs=params), pdf=True)),
                benchmark.Job("public eligibility check (form posted by a visitor)", None, _public_check(root, year)),
            ]
            with override_settings(ELIGIBILITY_PAGE_RATE="1000000/m"):  # one address asks many times here
                results = [] if skip_pages else [benchmark.measure(job, repeat) for job in jobs]
            ratios = None
            if scale:
                count = Enterprise.objects.filter(jurisdiction__path__startswith=root.path).count()
                scale_jobs, ratios_of = scale_bench.jobs(root, year, month, count, workers=not no_workers)
                scale_results = [benchmark.measure(job, scale_repeat) for job in scale_jobs]
                ratios = ratios_of(scale_results)
                results += scale_results
        scope = Enterprise.objects.filter(jurisdiction__path__startswith=root.path)
        data = {"jurisdiction": root.key, "name": root.name, "year": year, "month": month,
                "enterprises": scope.count(), "in_scale": scope.filter(is_in_scale=True).count(),
                "monthly_figures": MonthlyFigure.objects.filter(enterprise__in=scope.values("pk")).count()}
        report = {"measured_at": timezone.now().isoformat(), "machine": benchmark.machine(), "data": data,
                  "debug": settings.DEBUG, "repeat": repeat, "setup": setup,
                  "results": [r.as_dict() for r in results], "ratios": ratios}
        self.stdout.write(f"{root.name} {year}-{month:02d}: {data['enterprises']} enterprises "
                          f"({data['in_scale']} in scale), {data['monthly_figures']} monthly figures; "
                          f"{report['machine']['nproc']} CPUs (load {report['machine']['load_avg'][0]}), "
                          f"{report['machine']['database']}"
                          + ("; DEBUG on" if settings.DEBUG else ""))
        if "monthly_check_s" in setup:
            self.stdout.write(f"monthly check (setup, once): {setup['monthly_check_s']:.2f} s")
        self.stdout.write(benchmark.table(results))
        if ratios:
            self.stdout.write(
                f"monthly check = {ratios['check_over_floor']}× the aggregate floor (target ≤ 4×); a plain ORM loop "
                f"would take ≈{ratios['orm_loop_extrapolated_s']} s = {ratios['orm_loop_over_check']}× the check "
                f"(target ≥ 50×)")
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{datetime.now(dt_timezone.utc):%Y%m%dT%H%M%SZ}.json"
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        self.stdout.write(f"→ {path}")

    def _check(self, root, year, month) -> float:
        """Run the month's check first, so the report has its warnings (exit risks, ready to declare) for the
        data generated now; its time is printed as setup, not judged (issue 14 benchmarks it)."""
        run = CheckRun.objects.create(jurisdiction=root, year=year, month=month)
        started = time.perf_counter()
        run = monthly_check_run(run_id=run.pk)
        if run.status != CheckRun.Status.FINISHED:
            raise CommandError(f"月度检查未完成：{run.status} {run.error}")
        return time.perf_counter() - started


def _public_check(root, year):
    """The public eligibility check as a visitor posts it, for the first place of the subtree the public
    catalog knows. Its cost does not depend on the registry's size; it is in the table because
    visitors share the servers with everyone else."""
    from eligibility import services as eligibility_services
    from eligibility.catalog_cache import public_catalog

    catalog = public_catalog()
    keys = Jurisdiction.objects.filter(path__startswith=root.path).order_by("path").values_list("key", flat=True)
    for key in keys[:200]:
        data = {"year": str(year - 1), "jurisdiction": key, "entry_status": "first_entry",
                "first_entry_on": f"{year - 1}-06-01"}
        if eligibility_services.facts_form(data, catalog).is_valid():
            break
    else:
        raise CommandError(f"公开自测不认识“{root.key}”下的任何区域")
    client, url = Client(), reverse("eligibility:check")

    def check():
        response = client.post(url, data)
        if response.status_code != 200 or b'data-testid="check-result"' not in response.content:
            raise CommandError(f"{url}: HTTP {response.status_code}")
    return check


@contextmanager
def _quiet(*names):
    """WeasyPrint logs every layout step (and each duplicate SVG id of the charts), axes every login,
    Celery every task run in-process: noise around a timing table. Levels are restored afterwards (the
    command also runs inside tests)."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _leader(root: Jurisdiction) -> User:
    return benchmark.bench_user(BENCH_USER, Role.LEADER, root)


def _get(client: Client, url: str, pdf: bool = False):
    response = client.get(url)
    if response.status_code != 200 or (pdf and not response.content.startswith(b"%PDF")):
        raise CommandError(f"{url}: HTTP {response.status_code}")
