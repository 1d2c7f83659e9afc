import hashlib

import pytest
from django.core.management import call_command

from enterprises.demo import DEMO_USERS, demo_plan
from enterprises.domain.credit_code import check
from enterprises.models import Enterprise, MonthlyFigure, PoolMembership, Role, ScaleEvent, User


def digest(plans):
    text = "|".join(f"{p.credit_code}:{p.name}:{sum(v[0] for v in p.monthly.values())}:{p.events}:{p.pools}"
                    for p in plans)
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_plan_is_deterministic_and_valid():
    first, second = demo_plan(), demo_plan()
    assert digest(first) == digest(second)
    assert 280 <= len(first) <= 320
    assert all(check(p.credit_code).is_valid for p in first)
    assert len({p.credit_code for p in first}) == len(first) and len({p.name for p in first}) == len(first)
    months = {m for p in first for m in p.monthly}
    assert min(months) == (2024, 1) and max(months) == (2026, 10)


@pytest.mark.django_db
def test_the_demo_loads_every_place_role_and_history_once(capsys):
    call_command("load_jurisdictions", verbosity=0)
    call_command("load_policies", verbosity=0)
    call_command("load_demo_data", size=0.2)
    enterprises = Enterprise.objects.count()
    assert enterprises >= 25
    for county in ("141181", "140322", "140300", "410400", "210411"):
        assert Enterprise.objects.filter(jurisdiction__path__contains=f"/{county}/").exists(), county
    assert {u.username for u in User.objects.all()} == {u[0] for u in DEMO_USERS}
    assert {u.role for u in User.objects.exclude(username="admin")} == set(Role.values)
    assert MonthlyFigure.objects.count() > enterprises * 30
    assert MonthlyFigure.history.count() == MonthlyFigure.objects.count()
    assert PoolMembership.objects.filter(exited_on__isnull=False).exists()
    assert ScaleEvent.objects.filter(kind="name_change_reentry").exists()
    assert ScaleEvent.objects.filter(kind="exit").exists()
    figures = MonthlyFigure.objects.count()
    call_command("load_demo_data", size=0.2)  # again: nothing new
    assert (Enterprise.objects.count(), MonthlyFigure.objects.count()) == (enterprises, figures)
    call_command("demo_logins")
    out = capsys.readouterr().out
    assert "clerk_yuxian" in out and "demo12345" in out and "token=" in out
