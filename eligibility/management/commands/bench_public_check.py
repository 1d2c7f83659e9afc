"""Benchmark of the public eligibility check (issue 12 item 5: ≤ 50 ms p95 on the server for one
visitor's facts). Runs the seed situations through the API view (parsing, the form's validation,
the engine with and without each draft, serialization; no throttle) on the catalog in the database
(`load_jurisdictions`, `load_policies` first), once cold (the catalog loaded) and --repeat times warm,
and prints the timings and the queries of a warm check (none: the catalog is held in the process)."""
import json
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from eligibility import catalog_cache
from eligibility.api import EligibilityCheckView

SITUATIONS = [
    {"year": 2024, "place": "孝义市", "entry_status": "first_entry", "first_entry_on": "2024-06-01"},
    {"year": 2024, "jurisdiction": "141181", "entry_status": "first_entry", "first_entry_on": "2020-03-01",
     "exited_on": "2022-01-01", "reentered_on": "2024-03-01", "reentry_name_changed": True},
    {"year": 2024, "place": "新华区", "entry_status": "first_entry", "first_entry_on": "2024-03-01", "revenue": 6200},
    {"year": 2024, "place": "盂县", "entry_status": "first_entry", "first_entry_on": "2024-06-01"},
    {"year": 2024, "place": "顺城区", "entry_status": "first_entry", "first_entry_on": "2023-03-01",
     "exited_on": "2023-12-31", "reentered_on": "2024-06-01", "paid_award": "fushun-city-entry",
     "paid_award_year": 2023},
]
TARGET_MS = 50


class Command(BaseCommand):
    help = "公开资格自测的服务器端耗时（目标 p95 ≤ 50 ms）"

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=200, help="每种情形的重复次数")

    def handle(self, *args, repeat, **options):
        view = EligibilityCheckView.as_view(throttle_classes=[])
        factory = RequestFactory()

        def run(facts):
            request = factory.post("/api/eligibility-check/", json.dumps(facts), content_type="application/json")
            started = time.perf_counter()
            response = view(request)
            response.render()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise CommandError(f"{facts}: {response.status_code} {response.content[:300]!r}")
            return elapsed

        catalog_cache.forget()
        with CaptureQueriesContext(connection) as cold_queries:
            cold = run(SITUATIONS[0])
        timings = []
        with CaptureQueriesContext(connection) as warm_queries:
            for _ in range(repeat):
                for facts in SITUATIONS:
                    timings.append(run(facts))
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        result = "PASS" if p95 <= TARGET_MS else "FAIL"
        self.stdout.write(f"cold (catalog loaded): {cold:.1f} ms, {len(cold_queries)} queries")
        self.stdout.write(f"warm: {len(timings)} checks, median {statistics.median(timings):.1f} ms, "
                          f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms, {len(warm_queries)} queries; "
                          f"target p95 ≤ {TARGET_MS} ms: {result}")
