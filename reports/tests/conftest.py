"""A seeded month for the dashboard: 盂县, June 2024, every figure counted by hand.

Enterprises (盂县 towns 秀水镇 and 南娄镇; departments 县工信局 and 县应急局):
  A  秀水镇, 工信局: in scale since 2023-12, exits 2024-03-10       → exit
  B  秀水镇, 应急局: first entry 2024-02-05                          → entry
  C  南娄镇, 工信局: first entry 2024-06-20                          → entry (in the month)
  D  南娄镇, —:      first entry 2024-07-01 (after the period)       → nothing
  E  秀水镇, —:      in 2022, out 2023-01, re-entry 2024-06-02       → entry (in the month)
  X  孝义市:         first entry 2024-03-01 (outside 盂县)

At 2024-06-30: in scale B, C, E = 3; entries 3 (June: 2); exits 1; net +2.
  秀水镇 in 2, entries 2, exits 1, net 1 · 南娄镇 in 1, entries 1, net 1
  工信局 in 1, entries 1, exits 1, net 0 · 应急局 in 1, entries 1, net 1
Targets 2024 (net increase): 盂县 8 (set by the city); 秀水镇 4, 南娄镇 1; 工信局 3, 应急局 2.
  By June (6/12): 秀水镇 expects 2.0, has 1 → lagging; 南娄镇 0.5, has 1; 工信局 1.5, has 0 → lagging;
  应急局 1.0, has 1; 盂县 4.0, has 2 → lagging.
Pools at 2024-06-30: A cultivation (moved from basic 06-10), B reserve, C statistics, E basic
  (entered 06-15) → one each; June: basic in 1 (E) out 1 (A), cultivation in 1 (A).
Warnings (today 2024-07-10), active: A exit_risk high 3 days; B ready_to_declare medium 10 days;
  C late_report low 40 days (assigned); E exit_risk high 100 days; plus a resolved one and X's.
Entitlements of 2023: A pending 30万 (省级), B approved 10万 (市级), C paid 5万 (县级), E rejected.
"""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from enterprises.models import PoolMembership, Role, ScaleEvent, User
from incentives.models import Entitlement
from monitoring.models import EarlyWarning, Target
from monitoring.selectors import day_start
from policies.models import IncentiveRule

TODAY = date(2024, 7, 10)
YEAR, MONTH = 2024, 6


@pytest.fixture
def yangquan_clerk(jurisdictions):
    return User.objects.create_user(username="laoli", password="pw-laoli", role=Role.CENTER_STAFF,
                                    jurisdiction=jurisdictions["yangquan"], last_name="李", first_name="建国")


def _event(enterprise, kind, day):
    return ScaleEvent.objects.create(enterprise=enterprise, kind=kind, occurred_on=day, name_at_event=enterprise.name)


def _stay(enterprise, pool, start, end=None):
    return PoolMembership.objects.create(enterprise=enterprise, pool=pool, entered_on=start, exited_on=end,
                                         entry_reason="seed", exit_reason="moved" if end else "")


def _warning(enterprise, kind, severity, days, status="open"):
    return EarlyWarning.objects.create(enterprise=enterprise, kind=kind, year=2024, month=6, severity=severity,
                                       rule="seed", evidence={}, status=status,
                                       opened_at=day_start(TODAY, days) + timedelta(hours=9))


@pytest.fixture
def seeded(make_enterprise, departments, jurisdictions, policies_loaded):
    gxj, yjj = departments["yuxian_gxj"], departments["yuxian_yjj"]
    e = {
        "A": make_enterprise("甲耐火材料公司", "xiushui", gxj),
        "B": make_enterprise("乙石料公司", "xiushui", yjj),
        "C": make_enterprise("丙机械公司", "nanlou", gxj),
        "D": make_enterprise("丁建材公司", "nanlou"),
        "E": make_enterprise("戊铸造公司", "xiushui"),
        "X": make_enterprise("孝义己公司", "xiaoyi"),
    }
    _event(e["A"], "first_entry", date(2023, 12, 1))
    _event(e["A"], "exit", date(2024, 3, 10))
    _event(e["B"], "first_entry", date(2024, 2, 5))
    _event(e["C"], "first_entry", date(2024, 6, 20))
    _event(e["D"], "first_entry", date(2024, 7, 1))
    _event(e["E"], "first_entry", date(2022, 5, 1))
    _event(e["E"], "exit", date(2023, 1, 1))
    _event(e["E"], "reentry", date(2024, 6, 2))
    _event(e["X"], "first_entry", date(2024, 3, 1))

    _stay(e["A"], "basic", date(2024, 1, 1), date(2024, 6, 10))
    _stay(e["A"], "cultivation", date(2024, 6, 10))
    _stay(e["B"], "reserve", date(2024, 1, 1))
    _stay(e["C"], "statistics", date(2024, 5, 1))
    _stay(e["E"], "basic", date(2024, 6, 15))
    _stay(e["X"], "basic", date(2024, 6, 15))

    _warning(e["A"], "exit_risk", "high", 3)
    _warning(e["B"], "ready_to_declare", "medium", 10)
    _warning(e["C"], "late_report", "low", 40, status="assigned")
    _warning(e["E"], "exit_risk", "high", 100)
    resolved = _warning(e["B"], "late_report", "low", 5, status="resolved")
    EarlyWarning.objects.filter(pk=resolved.pk).update(outcome="done", resolved_at=timezone.now())
    _warning(e["X"], "exit_risk", "high", 3)

    rule = IncentiveRule.objects.order_by("pk").first()
    now = timezone.now()

    def owed(enterprise, status, amount, payer, year=2023, **extra):
        return Entitlement.objects.create(enterprise=enterprise, rule=rule, year=year, amount=Decimal(amount),
                                          payers=[{"payer": payer, "amount": amount}], citation="seed",
                                          reason="seed", rule_version="seed", computed_at=now, status=status,
                                          **extra)
    owed(e["A"], "pending_review", "300000.00", "省级财政")
    owed(e["B"], "approved", "100000.00", "市级财政")
    owed(e["C"], "paid", "50000.00", "县级财政", paid_on=date(2024, 5, 1))
    owed(e["E"], "rejected", "70000.00", "县级财政", rejection_reason="不符合")
    owed(e["A"], "pending_review", "999000.00", "省级财政", year=2022)  # another award year
    owed(e["X"], "pending_review", "888000.00", "省级财政")               # outside 盂县

    def target(value, jurisdiction=None, department=None, **extra):
        return Target.objects.create(year=2024, measure="net_increase", value=value, jurisdiction=jurisdiction,
                                     department=department, citation="盂促企组办发[2024]1号 二", **extra)
    targets = {
        "yuxian": target(8, jurisdictions["yuxian"], note="市下达"),
        "xiushui": target(4, jurisdictions["xiushui"]),
        "nanlou": target(1, jurisdictions["nanlou"]),
        "gxj": target(3, department=gxj),
        "yjj": target(2, department=yjj),
    }
    return {"enterprises": e, "targets": targets}
