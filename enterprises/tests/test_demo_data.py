import hashlib
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum
from rest_framework.test import APIClient

from enterprises import access
from enterprises.demo import (
    DEMO_PASSWORD,
    DEMO_USERS,
    LAST_MONTH,
    PLACES,
    demo_load,
    demo_plan,
    division_codes,
    months,
)
from enterprises.domain.credit_code import check
from enterprises.models import (
    ApiToken,
    Contact,
    Enterprise,
    EnterpriseName,
    MonthlyFigure,
    PoolMembership,
    Recognition,
    Role,
    ScaleEvent,
    User,
)

SEED_COUNTIES = {"141181": "孝义市", "140322": "盂县", "140300-gxq": "阳泉高新技术产业开发区",
                 "410400": "平顶山市", "210411": "顺城区"}


def plan_digest(plans) -> str:
    text = "|".join(
        f"{p.credit_code}:{p.name}:{p.place}:{sum(f.revenue for f in p.monthly.values())}:"
        f"{[(s.on, s.kind, str(s.value), s.detail) for s in p.steps]}:{p.recognitions}"
        for p in plans)
    return hashlib.sha256(text.encode()).hexdigest()


def database_digest() -> str:
    """What a user of the demo sees, without ids: codes, names, places, revenue, histories."""
    revenue = dict(Enterprise.objects.annotate(total=Sum("monthly_figures__revenue"))
                   .values_list("credit_code", "total"))
    rows = []
    for e in Enterprise.objects.select_related("jurisdiction", "department").order_by("credit_code"):
        rows.append((e.credit_code, e.name, e.jurisdiction.key, e.department.key if e.department else None,
                     str(revenue[e.credit_code]), e.is_in_scale,
                     list(e.scale_events.values_list("kind", "occurred_on", "name_at_event")),
                     list(e.pool_memberships.values_list("pool", "entered_on", "exited_on", "entry_reason"))))
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def county_of(place: str) -> str:
    prefixes = {"141181": "141181", "140322": "140322", "140300": "140300-gxq", "4104": "410400", "210411": "210411"}
    return next(county for prefix, county in prefixes.items() if place.startswith(prefix))


# -- the plan: pure, no database ----------------------------------------------------

def test_the_default_plan_is_the_same_every_time_and_differs_with_the_seed():
    first = demo_plan()
    assert plan_digest(first) == plan_digest(demo_plan())
    assert plan_digest(first) != plan_digest(demo_plan(seed=7))
    assert 290 <= len(first) <= 310


def test_the_plan_does_not_depend_on_the_process_it_runs_in():
    script = ("import django, hashlib; django.setup(); from enterprises.demo import demo_plan; "
              "print(hashlib.sha256(repr([(p.credit_code, p.name, sum(f.revenue for f in p.monthly.values()), "
              "p.steps) for p in demo_plan()]).encode()).hexdigest())")
    digests = {
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                       cwd=Path(__file__).resolve().parents[2],
                       env={**os.environ, "PYTHONHASHSEED": seed,
                            "DJANGO_SETTINGS_MODULE": "config.settings.test"}).stdout
        for seed in ("1", "2")}
    assert len(digests) == 1


def test_every_planned_credit_code_is_valid_unique_and_carries_its_division():
    plans = demo_plan()
    assert all(check(p.credit_code).is_valid for p in plans)
    assert len({p.credit_code for p in plans}) == len(plans)
    assert len({p.name for p in plans}) == len(plans)
    assert all(p.credit_code[2:8] == p.place.split("-")[0] for p in plans)
    assert all(p.name.startswith(("孝义市", "盂县", "阳泉", "平顶山", "汝州市", "舞钢市", "宝丰县", "郏县", "鲁山县",
                                  "叶县", "抚顺")) for p in plans)


def test_each_seed_jurisdiction_gets_enough_enterprises_and_every_place_some():
    plans = demo_plan()
    per_county = Counter(county_of(p.place) for p in plans)
    assert per_county["141181"] >= 50 and per_county["140322"] >= 50 and per_county["140300-gxq"] >= 10
    assert per_county["410400"] >= 80 and per_county["210411"] >= 40
    assert {p.place for p in plans} == {place for place, *_ in PLACES}
    assert {p.place for p in demo_plan(0.05)} == {place for place, *_ in PLACES}


def test_the_figures_run_monthly_from_2024_with_money_in_yuan_and_a_seasonal_shape():
    plans = demo_plan()
    assert {m for p in plans for m in p.monthly} == set(months())
    assert min(months()) == (2024, 1) and LAST_MONTH == (2026, 10)
    figures = [f for p in plans for f in p.monthly.values()]
    assert all(f.revenue.as_tuple().exponent == -2 and f.revenue >= 0 for f in figures)
    assert all(Decimal("0.88") * f.revenue <= f.output_value <= Decimal("1.12") * f.revenue for f in figures)
    assert all(f.reported_at.date() < date(2026, 11, 15) for f in figures)
    february = sum(p.monthly[(2025, 2)].revenue for p in plans if (2025, 2) in p.monthly)
    december = sum(p.monthly[(2025, 12)].revenue for p in plans if (2025, 12) in p.monthly)
    assert december > february * Decimal("1.5")
    annual_2025 = [p.annual(2025) for p in plans if p.annual(2025)]
    assert sum(1 for a in annual_2025 if Decimal("18000000") <= a < Decimal("20000000")) >= 5  # near the line
    assert sum(1 for a in annual_2025 if a >= Decimal("20000000")) >= 60


@pytest.mark.parametrize("size", [0.05, 0.2, 1.0])
def test_every_size_shows_the_cases_the_demo_is_for(size):
    plans = demo_plan(size)
    events = Counter(str(s.value) for p in plans for s in p.events)
    assert events["exit"] >= 2 and events["reentry"] >= 2 and events["first_entry"] >= 5
    renamed = [p for p in plans if any(s.kind == "rename" for s in p.steps)]
    assert len(renamed) == 1 and renamed[0].place.startswith("141181")
    assert any(p.late and LAST_MONTH not in p.monthly for p in plans)
    assert any(p.integrity_case and p.monthly[LAST_MONTH].output_value == 0
               and p.monthly[LAST_MONTH].electricity_kwh >= 10000 for p in plans)
    assert any(r[0] == "national_little_giant" for p in plans for r in p.recognitions)


def test_the_default_plan_has_entries_in_2024_and_2025_falling_in_scale_ones_and_every_category():
    plans = demo_plan()
    entries = Counter(s.on.year for p in plans for s in p.events if s.value in ("first_entry", "treated_entry"))
    assert entries[2024] >= 5 and entries[2025] >= 5
    assert sum(1 for p in plans if p.base_annual >= 20_000_000 and p.growth < -0.05) >= 10
    categories = Counter(p.category for p in plans)
    assert categories["industry"] > 0.75 * len(plans) and len(categories) == 6
    kinds = Counter(r[0] for p in plans for r in p.recognitions)
    assert {"tech_sme", "provincial_srdi", "national_little_giant", "high_tech"} <= set(kinds)


# -- loading: the database --------------------------------------------------------

class _Rollback(Exception):
    pass


def load_on_a_fresh_database(size: float) -> str:
    """Load tree and demo inside a savepoint, take the digest, roll everything back."""
    digest = None
    try:
        with transaction.atomic():
            call_command("load_jurisdictions", verbosity=0)
            demo_load(demo_plan(size, division_codes=division_codes()))
            digest = database_digest()
            raise _Rollback
    except _Rollback:
        pass
    assert not Enterprise.objects.exists()
    return digest


@pytest.mark.django_db
def test_two_loads_on_fresh_databases_give_identical_data():
    assert load_on_a_fresh_database(0.1) == load_on_a_fresh_database(0.1)


@pytest.mark.django_db
def test_a_small_demo_goes_through_the_services_and_loads_once(settings):
    call_command("load_jurisdictions", verbosity=0)
    result = demo_load(demo_plan(0.1, division_codes=division_codes()))
    assert result["enterprises"] == Enterprise.objects.count() >= 25
    # enterprise_create left a name record and a basic-pool stay for each; the services wrote history.
    assert EnterpriseName.objects.filter(valid_from__isnull=False).count() >= Enterprise.objects.count()
    assert PoolMembership.objects.filter(pool="basic").count() >= Enterprise.objects.count()
    assert Enterprise.history.filter(history_user__username="admin").count() >= Enterprise.objects.count()
    assert PoolMembership.history.count() > PoolMembership.objects.count()
    before = database_digest(), MonthlyFigure.history.count(), Contact.objects.count(), User.objects.count()
    assert demo_load(demo_plan(0.1, division_codes=division_codes()))["enterprises"] == 0
    assert (database_digest(), MonthlyFigure.history.count(), Contact.objects.count(),
            User.objects.count()) == before


@pytest.mark.django_db
def test_the_full_demo_as_scripts_demo_loads_it(capsys):
    """The full default size once, through the command scripts/demo runs."""
    call_command("load_jurisdictions", verbosity=0)
    call_command("load_policies", verbosity=0)
    call_command("load_demo_data")
    enterprises = Enterprise.objects.select_related("jurisdiction")
    assert 290 <= enterprises.count() <= 310

    # beat: the daily job that issues each jurisdiction's dispatch report on its day
    from django_celery_beat.models import PeriodicTask
    assert PeriodicTask.objects.get(name="dispatch-reports").task == "reports.tasks.issue_due_reports_task"

    # places and codes
    for key in SEED_COUNTIES:
        assert enterprises.filter(jurisdiction__path__contains=f"/{key}/").count() >= 10, key
    codes = division_codes()
    assert all(check(e.credit_code).is_valid and e.credit_code[2:8] == codes[e.jurisdiction.key] for e in enterprises)

    # figures: every month from January 2024 to October 2026, with history rows
    periods = set(MonthlyFigure.objects.values_list("year", "month").distinct())
    assert periods == set(months())
    full = (MonthlyFigure.objects.values("enterprise").annotate(n=Count("id")).filter(n=34).count())
    assert full > 0.8 * enterprises.count()
    assert MonthlyFigure.history.count() == MonthlyFigure.objects.count() > 30 * enterprises.count()
    assert not MonthlyFigure.objects.filter(reported_at__isnull=True).exists()

    # pools: one open stay each, some closed, with reasons
    assert PoolMembership.objects.filter(exited_on__isnull=True).count() == enterprises.count()
    closed = PoolMembership.objects.filter(exited_on__isnull=False)
    assert closed.count() > 100 and not closed.filter(exit_reason="").exists()
    assert set(PoolMembership.objects.values_list("pool", flat=True)) == {"basic", "reserve", "cultivation",
                                                                          "statistics"}

    # scale events: entries in 2024 and 2025, exits, a re-entry and a name-change re-entry
    assert ScaleEvent.objects.filter(kind="first_entry", occurred_on__year=2024).exists()
    assert ScaleEvent.objects.filter(kind="first_entry", occurred_on__year=2025).exists()
    assert ScaleEvent.objects.filter(kind="exit").count() >= 2
    assert ScaleEvent.objects.filter(kind="reentry").count() == 1
    changed = ScaleEvent.objects.get(kind="name_change_reentry")
    exit_ = changed.enterprise.scale_events.filter(kind="exit").latest("occurred_on")
    assert changed.name_at_event != exit_.name_at_event and changed.enterprise.jurisdiction.key == "141181"
    assert changed.enterprise.names.get(valid_to__isnull=False).valid_to == date(2026, 5, 1)
    assert Enterprise.objects.filter(is_in_scale=True).count() == sum(
        1 for e in enterprises if e.scale_events.last() and e.scale_events.last().kind != "exit")

    # recognitions, contacts, departments
    assert {"tech_sme", "provincial_srdi", "national_little_giant", "high_tech"} <= set(
        Recognition.objects.values_list("kind", flat=True))
    assert Contact.objects.filter(is_primary=True).count() == enterprises.count()
    assert enterprises.filter(department__key="140322-gxj").count() >= 5
    assert not enterprises.filter(jurisdiction__key__startswith="140322", department__isnull=True).exists()
    assert not enterprises.filter(department__isnull=True).exists()  # 平顶山's too: its county governments

    # size classes (统计上大中小微型企业划分办法) from the 2025 figures, so 阳泉's 小微-only awards are decided
    sizes = set(enterprises.values_list("size_class", flat=True))
    assert {"small", "micro"} <= sizes
    assert enterprises.exclude(size_class="").count() > 0.9 * enterprises.count()
    from incentives.models import Entitlement
    assert Entitlement.objects.filter(rule__key__startswith="yangquan-continued", year=2025).exists()

    # one user per role, known passwords, no back office except admin
    users = {u.username: u for u in User.objects.all()}
    assert set(users) == {u[0] for u in DEMO_USERS}
    assert {u.role for u in users.values() if not u.is_superuser} == set(Role.values)
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert not any(u.is_staff for name, u in users.items() if name != "admin")
    assert all(u.check_password(DEMO_PASSWORD) for u in users.values())
    assert users["enterprise_demo"].enterprise.jurisdiction.path.startswith("/140000/140300/140322/")
    assert access.enterprises_visible_to(users["dept_yuxian"]).filter(pk=users["enterprise_demo"].enterprise_id)
    assert access.enterprises_visible_to(users["leader_pds"]).count() >= 80

    # again: nothing new
    before = (database_digest(), MonthlyFigure.objects.count(), Recognition.objects.count(),
              Contact.objects.count(), User.objects.count(), ApiToken.objects.count())
    call_command("load_demo_data")
    assert (database_digest(), MonthlyFigure.objects.count(), Recognition.objects.count(),
            Contact.objects.count(), User.objects.count(), ApiToken.objects.count()) == before

    # demo_logins prints a working key for the API client (keys are hashed: a fresh one each run)
    capsys.readouterr()
    call_command("demo_logins")
    out = capsys.readouterr().out
    assert all(username in out for username, *_ in DEMO_USERS)
    assert DEMO_PASSWORD in out and "中小企业服务中心工作人员" in out
    key = re.search(r"token=(\S+)", out).group(1)
    assert not ApiToken.objects.filter(digest=key).exists() and key not in str(list(ApiToken.objects.values()))
    in_scope = access.enterprises_visible_to(users["api_demo"]).count()
    assert api_count(key) == in_scope > 0
    call_command("demo_logins")
    again = re.search(r"token=(\S+)", capsys.readouterr().out).group(1)
    assert again != key and api_count(again) == in_scope and api_count(key) == 401
    assert ApiToken.objects.filter(user=users["api_demo"]).count() == 1


def api_count(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/enterprises/")
    if response.status_code != 200:
        return response.status_code
    page, count = response.json(), 0  # cursor pages: walk the `next` links
    count += len(page["results"])
    while page["next"]:
        page = client.get(page["next"]).json()
        count += len(page["results"])
    return count


@pytest.mark.django_db
def test_demo_logins_says_what_to_do_before_the_demo_is_loaded(capsys):
    call_command("demo_logins")
    assert "请先运行 manage.py load_demo_data" in capsys.readouterr().out
