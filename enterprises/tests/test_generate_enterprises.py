"""The benchmark data generator (enterprises/synthetic.py, `manage.py generate_enterprises`) and the
benchmark command that times the leaders' pages on it (`manage.py bench`). Timings are not asserted:
they belong to scripts/bench. What is asserted: the same seed gives the same data, credit codes are
valid, the figures are about size × months, and writing costs a fixed number of statements."""
import json
from datetime import date, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from enterprises import synthetic
from enterprises.domain import scale
from enterprises.domain.credit_code import check
from enterprises.models import Enterprise, MonthlyFigure, PoolMembership, ScaleEvent

END = "2026-10"
MONTHS = 24


def generate(size, seed=7, **options):
    call_command("generate_enterprises", jurisdiction="140322", size=size, seed=seed, months=MONTHS, end=END,
                 verbosity=0, **options)


def generated():
    return Enterprise.objects.filter(jurisdiction__path__startswith="/140000/140300/140322/")


def snapshot():
    """The generated data without database ids."""
    return (
        list(generated().order_by("credit_code").values_list("credit_code", "name", "jurisdiction__key",
                                                             "department__key", "is_in_scale")),
        list(MonthlyFigure.objects.order_by("enterprise__credit_code", "year", "month")
             .values_list("enterprise__credit_code", "year", "month", "revenue", "employees")),
        list(ScaleEvent.objects.order_by("enterprise__credit_code", "occurred_on")
             .values_list("enterprise__credit_code", "kind", "occurred_on")),
        list(PoolMembership.objects.order_by("enterprise__credit_code", "entered_on", "id")
             .values_list("enterprise__credit_code", "pool", "entered_on", "exited_on")),
    )


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_enterprises_and_replace_starts_over(jurisdictions, departments):
    generate(50)
    first = snapshot()
    assert len(first[0]) == 50
    generate(50, replace=True)
    assert snapshot() == first
    generate(50, seed=8, replace=True)
    assert snapshot()[0] != first[0]
    assert generated().count() == 50


@pytest.mark.django_db
def test_a_second_generation_needs_replace(jurisdictions):
    generate(5)
    with pytest.raises(CommandError, match="--replace"):
        generate(5)


@pytest.mark.django_db
def test_codes_are_valid_and_marked_and_enterprises_spread_over_the_towns(jurisdictions, departments, make_enterprise):
    kept = make_enterprise("真实企业", "xiushui")  # not generated: --replace leaves it alone
    generate(50)
    codes = list(generated().exclude(pk=kept.pk).values_list("credit_code", flat=True))
    assert len(codes) == 50
    assert all(check(code).is_valid for code in codes), [check(c).errors for c in codes if not check(c).is_valid]
    assert all(synthetic.is_generated(code) and code.startswith("91140322") for code in codes)
    towns = set(generated().exclude(pk=kept.pk).values_list("jurisdiction__key", flat=True))
    assert towns <= {"140322-xiushui", "140322-nanlou", "140322-kfq"} and len(towns) == 3
    generate(50, replace=True)
    assert Enterprise.objects.filter(pk=kept.pk).exists()


@pytest.mark.django_db
def test_figures_events_and_pools_are_consistent(jurisdictions, departments):
    size = 50
    generate(size)
    figures = MonthlyFigure.objects.filter(enterprise__in=generated())
    count = figures.count()
    # ~3 % months missing, new projects start later: roughly size × months, never more.
    assert 0.8 * size * MONTHS <= count <= size * MONTHS
    periods = {(y, m) for y, m in figures.values_list("year", "month").distinct()}
    assert min(periods) == (2024, 11) and max(periods) == (2026, 10)
    assert not figures.filter(revenue__lt=0).exists()
    for enterprise in generated().prefetch_related("scale_events", "pool_memberships"):
        events = [scale.Event(e.kind, e.occurred_on, e.name_at_event)
                  for e in sorted(enterprise.scale_events.all(), key=lambda e: e.occurred_on)]
        for index, event in enumerate(events):  # every event is one the registry would accept next
            assert scale.check_next(events[:index], event.kind, event.occurred_on) is None, (enterprise, events)
        assert enterprise.is_in_scale == scale.in_scale_after(events)
        assert all(e.occurred_on <= date(2026, 10, 31) for e in events)
        stays = sorted(enterprise.pool_memberships.all(), key=lambda s: (s.entered_on, s.pk))
        assert [s.exited_on is None for s in stays].count(True) == 1 and stays[-1].exited_on is None
        assert stays[0].pool == "basic"
    assert generated().filter(is_in_scale=True).exists()


@pytest.mark.django_db
def test_writing_costs_the_same_statements_whatever_the_size(jurisdictions, departments):
    counts = []
    for size, key in ((10, "140322"), (60, "141181")):
        with CaptureQueriesContext(connection) as captured:
            call_command("generate_enterprises", jurisdiction=key, size=size, seed=3, months=MONTHS, end=END,
                         verbosity=0)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] and counts[0] < 30, counts


def test_a_plan_does_not_depend_on_the_size():
    spec = synthetic.Spec(seed=5, first=(2024, 1), last=(2026, 10),
                          places=(synthetic.Place(1, "140322-xiushui", "秀水镇", "140322"),), departments={},
                          reported_until=datetime(2026, 11, 15, tzinfo=synthetic.SHANGHAI))
    assert synthetic.plan_enterprise(spec, 17) == synthetic.plan_enterprise(spec, 17)
    assert synthetic.plan_enterprise(spec, 17).credit_code != synthetic.plan_enterprise(spec, 18).credit_code
    assert synthetic.months_back((2026, 10), 36) == (2023, 11)


@pytest.mark.django_db
def test_the_bench_command_runs_once_and_writes_its_json(jurisdictions, departments, tmp_path):
    generate(12)
    call_command("bench", jurisdiction="140322", repeat=1, year=2026, month=10, out=tmp_path, verbosity=0)
    (written,) = tmp_path.glob("*.json")
    report = json.loads(written.read_text(encoding="utf-8"))
    assert report["data"]["enterprises"] == 12
    assert [r["job"] for r in report["results"]] == ["dashboard", "dispatch page", "dispatch PDF",
                                                     "public eligibility check (form posted by a visitor)"]
    for result in report["results"]:
        assert result["runs"] == 1 and result["result"] in ("PASS", "MISS", "—")
        # the pages read the database; the public check reads the policy catalog cached in memory
        assert (result["queries"][0] > 0) == (not result["job"].startswith("public eligibility check"))
    assert report["machine"]["nproc"] >= 1 and report["setup"]["monthly_check_s"] > 0


@pytest.mark.django_db
def test_the_bench_command_with_scale_times_the_province_jobs_and_gives_the_ratios(jurisdictions, departments,
                                                                                    policies_loaded, tmp_path):
    generate(30)
    call_command("bench", jurisdiction="140322", repeat=1, year=2026, month=10, out=tmp_path, verbosity=0,
                 scale=True, scale_repeat=1, no_workers=True)  # a worker would not see the test's database
    (written,) = tmp_path.glob("*.json")
    report = json.loads(written.read_text(encoding="utf-8"))
    jobs = [r["job"] for r in report["results"]]
    assert jobs[:4] == ["dashboard", "dispatch page", "dispatch PDF",
                        "public eligibility check (form posted by a visitor)"]
    assert {"monthly check, warnings and history written", "aggregate floor (one GROUP BY, fetched)",
            "check e-mails (own task)", "免申即享 batch, 2025", "staff enterprise list, page 1",
            "API enterprises, last page (cursor)", "API monthly figures, last page (cursor)"} <= set(jobs)
    assert any(job.startswith("monthly check in 1 parts of ≤20,000 enterprises") for job in jobs)
    assert not any("Celery worker" in job for job in jobs)
    for result in report["results"]:
        assert result["runs"] == 1 and result["result"] in ("PASS", "MISS", "—"), result
    ratios = report["ratios"]
    assert ratios["check_over_floor"] > 0 and ratios["orm_loop_over_check"] > 0
    # the ORM loop is rolled back: only the timed check's warnings remain
    from monitoring.models import CheckRun, EarlyWarning
    finished = CheckRun.objects.filter(status="finished", year=2026, month=10).order_by("-pk").first()
    assert EarlyWarning.objects.filter(year=2026, month=10).count() == finished.counts["created"]


def _spec(seed=5):
    return synthetic.Spec(seed=seed, first=(2023, 11), last=(2026, 10),
                          places=(synthetic.Place(1, "140322-xiushui", "秀水镇", "140322"),), departments={},
                          reported_until=datetime(2026, 11, 15, tzinfo=synthetic.SHANGHAI))


def test_plans_carry_renames_recognitions_listings_and_integrity_cases():
    plans = [synthetic.plan_enterprise(_spec(), serial) for serial in range(3000)]
    renamed = [p for p in plans if p.former_names]
    assert 0.01 * 3000 <= len(renamed) <= 0.04 * 3000
    for plan in renamed:
        [(former, valid_from, valid_to)] = plan.former_names
        assert former != plan.name and valid_from <= valid_to < plan.named_on <= date(2026, 10, 31)
        assert plan.name_on(valid_to) == former and plan.name_on(plan.named_on) == plan.name
    assert 0.05 * 3000 <= sum(bool(p.recognitions) for p in plans) <= 0.2 * 3000
    assert any(p.listings for p in plans)
    cases = {kind: [(p, y, m) for p in plans for kind_, y, m in p.integrity if kind_ == kind]
             for kind in ("no_output", "jump")}
    assert cases["no_output"] and cases["jump"]
    for plan, year, month in cases["no_output"]:
        [row] = [f for f in plan.figures if (f[0], f[1]) == (year, month)]
        assert row[3] == 0.0 and row[5] >= 60_000  # electricity used, no output
    for plan, year, month in cases["jump"]:
        index = next(i for i, f in enumerate(plan.figures) if (f[0], f[1]) == (year, month))
        before = [f[2] for f in plan.figures[index - 3:index]]
        assert plan.figures[index][2] > 3 * sum(before) / 3



def test_the_extras_leave_the_rest_of_a_plan_as_it_was(monkeypatch):
    """They draw from their own random stream: without them, every plan's figures (but the planted
    integrity months), pools and events are the same."""
    with_extras = [synthetic.plan_enterprise(_spec(), serial) for serial in range(300)]
    monkeypatch.setattr(synthetic, "_plan_extras", lambda *args: None)
    for plan in with_extras:
        bare = synthetic.plan_enterprise(_spec(), plan.serial)
        planted = {(y, m) for _kind, y, m in plan.integrity}
        assert [f for f in plan.figures if (f[0], f[1]) not in planted] == [
            f for f in bare.figures if (f[0], f[1]) not in planted]
        assert (plan.stays, plan.events, plan.name, plan.registered_on) == (
            bare.stays, bare.events, bare.name, bare.registered_on)


@pytest.mark.django_db
def test_the_extras_are_written_with_the_enterprises(jurisdictions, departments):
    from enterprises.models import EnterpriseName, ListingMilestone, Recognition

    generate(400)
    enterprises = generated()
    assert Recognition.objects.filter(enterprise__in=enterprises).count() > 10
    former = EnterpriseName.objects.filter(enterprise__in=enterprises, valid_to__isnull=False)
    assert former.exists()
    for name in former.select_related("enterprise"):
        current = name.enterprise.names.get(valid_to__isnull=True)
        assert current.name == name.enterprise.name and current.valid_from > name.valid_to
    listed = [p for p in (synthetic.plan_enterprise(_spec(7), serial) for serial in range(400)) if p.listings]
    assert ListingMilestone.objects.filter(enterprise__in=enterprises).count() == sum(len(p.listings) for p in listed)


@pytest.mark.django_db
def test_a_province_is_spread_over_the_leaves_of_its_subtree(jurisdictions, departments):
    call_command("generate_enterprises", jurisdiction="410000", size=60, seed=2, months=MONTHS, end=END, verbosity=0)
    places = dict(Enterprise.objects.filter(jurisdiction__path__startswith="/410000/").values_list("jurisdiction__key")
                  .annotate(n=models.Count("id")).values_list("jurisdiction__key", "n"))
    assert set(places) == {"410402", "410482"}  # 新华区 and 汝州市: no enterprise at province or city level
    for enterprise in Enterprise.objects.filter(jurisdiction__path__startswith="/410000/"):
        assert enterprise.credit_code[2:8] == enterprise.jurisdiction.code and check(enterprise.credit_code)
