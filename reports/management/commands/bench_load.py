"""The API under concurrent clients (issue 14 item 2): gunicorn on the loopback, locust in front of it."""
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone as dt_timezone
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from enterprises import tokens
from enterprises.models import ApiToken, Enterprise, Jurisdiction, Role, TokenScope
from reports import benchmark
from reports.scale_bench import clerk

P95_TARGET_MS = 300
BENCH_CLIENT = "bench_api_client"
LOCUSTFILE = Path(__file__).resolve().parents[2] / "load" / "locustfile.py"


class Command(BaseCommand):
    help = ("接口并发基准：在本机回环地址启动 gunicorn（默认2个进程），用 locust 以20个并发客户端随机读取一户一册和企业列表页，"
            "限时运行后报告请求数、每秒请求数、中位数与P95耗时和失败数，并写成JSON。")

    def add_arguments(self, parser):
        parser.add_argument("--jurisdiction", default="140322", help="区域编号（默认140322，盂县）")
        parser.add_argument("--users", type=int, default=20, help="并发客户端数（默认20）")
        parser.add_argument("--seconds", type=int, default=30, help="运行秒数（默认30）")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn 进程数（默认2）")
        parser.add_argument("--out", type=Path, default=Path(settings.BASE_DIR) / "var" / "bench",
                            help="JSON结果目录（默认 var/bench）")

    def handle(self, *args, jurisdiction, users, seconds, workers, out, **options):
        locust = shutil.which("locust", path=str(Path(sys.executable).parent)) or shutil.which("locust")
        if locust is None:
            raise CommandError("未安装 locust：.venv/bin/pip install -e '.[bench]'")
        root = Jurisdiction.objects.filter(key=jurisdiction).first()
        if root is None:
            raise CommandError(f"区域“{jurisdiction}”不存在")
        scope = Enterprise.objects.filter(jurisdiction__path__startswith=root.path).order_by("pk")
        low, high = scope.values_list("pk", flat=True).first(), scope.values_list("pk", flat=True).last()
        if low is None:
            raise CommandError("该区域没有企业，请先运行 generate_enterprises")
        client = benchmark.bench_user(BENCH_CLIENT, Role.API_CLIENT, root)
        ApiToken.objects.filter(user=client).delete()
        _token, key = tokens.token_create(user=clerk(root), client=client, name="bench", scope=TokenScope.READ, days=1)
        port = _free_port()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"),
               "DJANGO_DEBUG": "false", "API_USER_RATE": "1000000/minute",
               "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost"}
        server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "-w", str(workers),
                                   "-b", f"127.0.0.1:{port}", "--log-level", "warning"], cwd=settings.BASE_DIR, env=env)
        out.mkdir(parents=True, exist_ok=True)
        stamp = f"{datetime.now(dt_timezone.utc):%Y%m%dT%H%M%SZ}"
        prefix = out / f"{stamp}-locust"
        try:
            _wait_until_up(f"http://127.0.0.1:{port}/api/v1/", key)
            subprocess.run([locust, "-f", str(LOCUSTFILE), "--headless", "-u", str(users), "-r", str(users),
                            "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix),
                            "--only-summary", "--loglevel", "WARNING"],
                           env={**env, "BENCH_TOKEN": key, "BENCH_MIN_ID": str(low), "BENCH_MAX_ID": str(high)},
                           check=False, timeout=seconds + 120)  # failed requests make locust exit 1: still read
        finally:
            server.terminate()
            server.wait(timeout=30)
            ApiToken.objects.filter(user=client).delete()
        stats = Path(f"{prefix}_stats.csv")
        if not stats.exists():
            raise CommandError("locust 未写出统计结果（见上方输出）")
        with stats.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        summary = [_row(r) for r in rows]
        total = next((r for r in summary if r["name"] == "Aggregated"), None)
        if total is None or not total["requests"]:
            raise CommandError("locust 没有完成任何请求")
        report = {"measured_at": timezone.now().isoformat(), "machine": benchmark.machine(),
                  "jurisdiction": root.key, "enterprises": scope.count(), "users": users, "seconds": seconds,
                  "gunicorn_workers": workers, "p95_target_ms": P95_TARGET_MS, "results": summary,
                  "result": "PASS" if total["p95_ms"] <= P95_TARGET_MS and not total["failures"] else "MISS"}
        for r in summary:
            self.stdout.write(f"{r['name']:<34} {r['requests']:>7} req  {r['rps']:>7.1f}/s  p50 {r['p50_ms']:>6.0f} ms  "
                              f"p95 {r['p95_ms']:>6.0f} ms  failures {r['failures']}")
        self.stdout.write(f"p95 target {P95_TARGET_MS} ms: {report['result']}")
        path = out / f"{stamp}-load.json"
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        self.stdout.write(f"→ {path}")


def _row(r) -> dict:
    return {"name": r["Name"] or r["Type"], "requests": int(r["Request Count"]), "failures": int(r["Failure Count"]),
            "rps": float(r["Requests/s"]), "p50_ms": float(r["50%"] or 0), "p95_ms": float(r["95%"] or 0),
            "max_ms": float(r["Max Response Time"] or 0)}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url, key, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, headers={"Authorization": f"Token {key}"})
            with urllib.request.urlopen(request, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.5)
    raise CommandError("gunicorn 未能启动")
