"""Deterministic demo registry: a few hundred enterprises across the five seed
jurisdictions with monthly figures from January 2024, pool histories, entries,
exits, a name-change re-entry, recognitions, contacts and one user per role.

`demo_plan` is pure (seeded random, fixed dates), so two runs plan the same data;
`demo_load` writes it through the registry services so history rows exist, except
monthly figures, which are bulk-created with their history in one go.
"""
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from . import services
from .domain.credit_code import make as make_credit_code
from .models import (
    AnnualAttestation,
    Contact,
    Department,
    Enterprise,
    FigureSource,
    Jurisdiction,
    MonthlyFigure,
    Recognition,
    Role,
    User,
)

SEED = 2026
FIRST_MONTH = (2024, 1)
LAST_MONTH = (2026, 10)  # figures up to October 2026; some late reporters stop at September
DEMO_PASSWORD = "demo12345"
SHANGHAI = ZoneInfo("Asia/Shanghai")
SEASON = [0.78, 0.62, 0.95, 1.0, 1.02, 1.05, 0.98, 0.97, 1.05, 1.08, 1.12, 1.38]

# Where the demo enterprises are, and how many of a given size share each place.
PLACES = [
    ("141181", 45), ("141181-kfq", 15),
    ("140322-xiushui", 14), ("140322-lujiacun", 6), ("140322-nanlou", 6), ("140322-niucun", 6),
    ("140322-beixiazhuang", 5), ("140322-shangshe", 5), ("140322-xipan", 5), ("140322-kfq", 13),
    ("140300-gxq", 15),
    ("410482", 14), ("410481", 9), ("410421", 12), ("410425", 12), ("410423", 11), ("410422", 11),
    ("410402", 7), ("410403", 5), ("410411", 6), ("410404", 5), ("410400-cxyth", 4), ("410400-gxq", 9),
    ("210411", 25), ("210411-kfq", 15),
]
TRADE_NAMES = ["宏达", "鑫源", "华盛", "恒泰", "金石", "永信", "瑞丰", "晋阳", "鹰城", "新兴", "盛世", "天元",
               "隆基", "通达", "汇丰", "兴业", "嘉禾", "中科", "博远", "德润", "昌盛", "立新", "远航", "泰山"]
INDUSTRIES = [("C3089", "耐火材料"), ("C3021", "水泥制品"), ("C3311", "金属结构"), ("C3130", "钢压延加工"),
              ("C2614", "化工原料"), ("C1391", "食品加工"), ("C3412", "机械制造"), ("C3824", "电气设备"),
              ("C2927", "塑料制品"), ("C1713", "纺织"), ("B0610", "煤炭开采"), ("B1019", "石料开采"),
              ("D4411", "热电"), ("C3039", "建材"), ("C3670", "汽车配件")]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "志强", "丽华", "海燕", "国庆", "文军", "晓东", "秀英", "伟", "芳", "军", "敏", "静", "磊"]


@dataclass
class EnterprisePlan:
    serial: int
    place: str
    credit_code: str
    name: str
    industry_code: str
    category: str
    legal_representative: str
    base_annual: Decimal  # 2024 revenue level, yuan
    growth: float  # yearly
    monthly: dict = field(default_factory=dict)  # (year, month) → (revenue, output, tax, kwh, employees)
    events: list = field(default_factory=list)  # (kind, date, treated_basis)
    pools: list = field(default_factory=list)  # (pool, date, reason)
    rename: tuple | None = None  # (new name, date)
    recognitions: list = field(default_factory=list)  # (kind, valid_from, valid_to, is_first)
    development_sound: dict = field(default_factory=dict)


def _months():
    year, month = FIRST_MONTH
    while (year, month) <= LAST_MONTH:
        yield year, month
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)


def _yuan(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def demo_plan(size_factor: float = 1.0, seed: int = SEED, division_codes: dict | None = None) -> list[EnterprisePlan]:
    """The whole demo as plain data. `division_codes` maps a place key to its 6-digit
    GB/T 2260 division (the nearest coded ancestor); tests may pass their own."""
    rng = random.Random(seed)
    division_codes = division_codes or {}
    plans, serial = [], 0
    for place, count in PLACES:
        for _ in range(max(1, round(count * size_factor))):
            serial += 1
            division = division_codes.get(place, place.split("-")[0])
            code = make_credit_code(f"91{division}{serial:08d}")
            industry_code, industry = rng.choice(INDUSTRIES)
            place_name = "" if "-" not in place else ""
            name = f"{rng.choice(TRADE_NAMES)}{rng.choice(TRADE_NAMES)}{industry}有限公司"
            tier = rng.random()
            if tier < 0.55:
                base = rng.uniform(3e6, 12e6)
            elif tier < 0.8:
                base = rng.uniform(12e6, 21e6)  # near the line
            else:
                base = rng.uniform(21e6, 60e6)  # in scale
            category = "below_scale_industry"
            if rng.random() < 0.05:
                category = "new_project"
            elif rng.random() < 0.04:
                category = "sole_proprietor"
            plan = EnterprisePlan(
                serial=serial, place=place, credit_code=code, name=f"{place_name}{name}",
                industry_code=industry_code, category=category,
                legal_representative=rng.choice(SURNAMES) + rng.choice(GIVEN),
                base_annual=_yuan(base), growth=rng.uniform(-0.25, 0.35))
            _plan_figures(plan, rng)
            _plan_history(plan, rng)
            plans.append(plan)
    _ensure_names_unique(plans)
    _plan_special_cases(plans)
    return plans


def _ensure_names_unique(plans):
    seen = {}
    for plan in plans:
        if plan.name in seen:
            seen[plan.name] += 1
            plan.name = plan.name.replace("有限公司", f"{seen[plan.name] + 1}号厂有限公司")
        seen.setdefault(plan.name, 0)


def _plan_figures(plan: EnterprisePlan, rng: random.Random):
    integrity_case = rng.random() < 0.02  # 有电量无产值
    late = rng.random() < 0.06  # has not reported the last month
    employees = rng.randint(20, 300)
    for index, (year, month) in enumerate(_months()):
        if late and (year, month) == LAST_MONTH:
            continue
        trend = (1 + plan.growth) ** (index / 12)
        revenue = float(plan.base_annual) / 12 * SEASON[month - 1] * trend * rng.uniform(0.9, 1.1)
        output = revenue * rng.uniform(0.92, 1.08)
        if integrity_case and (year, month) >= (2026, 8):
            output = 0
        kwh = revenue / rng.uniform(8, 15)
        plan.monthly[(year, month)] = (_yuan(revenue), _yuan(output), _yuan(revenue * 0.03),
                                       Decimal(round(kwh, 1)).quantize(Decimal("0.1")), employees)


def _annual(plan, year):
    values = [v[0] for (y, _m), v in plan.monthly.items() if y == year]
    return sum(values) if len(values) == 12 else None


def _plan_history(plan: EnterprisePlan, rng: random.Random):
    plan.pools.append(("basic", date(2024, 1, 1), "登记入基础信息库"))
    if plan.base_annual >= Decimal("21000000"):
        entered = date(rng.choice([2019, 2020, 2021, 2022, 2023]), 12, 1)
        plan.events.append(("first_entry", entered, ""))
        plan.pools.append(("statistics", date(2024, 1, 2), "已纳入统计部门联网直报"))
        if _annual(plan, 2025) and _annual(plan, 2025) < Decimal("20000000") and rng.random() < 0.6:
            plan.events.append(("exit", date(2026, 3, 1), ""))
            plan.pools.append(("cultivation", date(2026, 3, 1), "退规，列入培育库争取二次入规"))
        return
    revenue_2024 = _annual(plan, 2024)
    if revenue_2024 and revenue_2024 > Decimal("5000000"):
        plan.pools.append(("reserve", date(2025, 2, 15), f"2024年营收{(revenue_2024 / 10000).quantize(Decimal('1'))}万元，超过500万元"))
    if revenue_2024 and revenue_2024 >= Decimal("10000000"):
        plan.pools.append(("cultivation", date(2025, 3, 20), "2024年营收超过1000万元，列入重点培育"))
    revenue_2025 = _annual(plan, 2025)
    if revenue_2025 and revenue_2025 >= Decimal("20000000"):
        plan.pools.append(("statistics", date(2025, 10, 15), "2025年营收达到2000万元，拟申报入统"))
        kind, basis = ("treated_entry", "new_project") if plan.category == "new_project" else ("first_entry", "")
        plan.events.append((kind, date(2025, 12, 1), basis))
        plan.development_sound[2025] = True
    if rng.random() < 0.25:
        plan.recognitions.append(("tech_sme", date(2025, 5, 1), date(2027, 4, 30), True))
    if revenue_2025 and revenue_2025 >= Decimal("15000000") and rng.random() < 0.3:
        plan.recognitions.append(("provincial_srdi", date(2025, 9, 1), date(2028, 8, 31), True))


def _plan_special_cases(plans):
    """One plain re-entry and one re-entry under a new name, for the 孝义 exclusion."""
    exited = [p for p in plans if any(kind == "exit" for kind, _d, _b in p.events)]
    in_scale = [p for p in plans if p.events and p.events[-1][0] == "first_entry" and p.events[0][1].year < 2025]
    for plan in in_scale[:max(0, 2 - len(exited))]:  # whatever the demo size, show both re-entry cases
        plan.events.append(("exit", date(2026, 3, 1), ""))
        plan.pools.append(("cultivation", date(2026, 3, 1), "退规，列入培育库争取二次入规"))
        exited.append(plan)
    if len(exited) >= 1:
        plan = exited[0]
        plan.events.append(("reentry", date(2026, 9, 1), ""))
    if len(exited) >= 2:
        plan = exited[1]
        plan.rename = (plan.name.replace("有限公司", "新材料有限公司"), date(2026, 5, 1))
        plan.events.append(("reentry", date(2026, 9, 1), ""))  # the service records it as name_change_reentry
    giants = [p for p in plans if p.place.startswith("4104") and any(r[0] == "provincial_srdi" for r in p.recognitions)]
    if giants:
        giants[0].recognitions.append(("national_little_giant", date(2026, 7, 1), date(2029, 6, 30), True))


# -- writing ----------------------------------------------------------------------

DEMO_USERS = [
    # username, role, scope key (jurisdiction / department / enterprise serial), name
    ("admin", None, None, "系统管理员"),
    ("clerk_xiaoyi", Role.CENTER_STAFF, "141181", "孝义市中小企业服务中心 李敏"),
    ("clerk_yuxian", Role.CENTER_STAFF, "140322", "盂县中小企业发展中心 王芳"),
    ("clerk_pds", Role.CENTER_STAFF, "410400", "平顶山市工信局 张磊"),
    ("clerk_shuncheng", Role.CENTER_STAFF, "210411", "顺城区工信局 刘静"),
    ("dept_yuxian", Role.DEPARTMENT_STAFF, "140322-gxj", "盂县工信局 孙伟"),
    ("leader_yangquan", Role.LEADER, "140300", "阳泉市分管领导 赵国庆"),
    ("leader_pds", Role.LEADER, "410400", "平顶山市分管领导 周建国"),
    ("enterprise_demo", Role.ENTERPRISE, "first-yuxian", "企业填报员"),
    ("api_demo", Role.API_CLIENT, "140300", "阳泉市数据平台（接口）"),
]


def division_codes() -> dict:
    """Place key → the 6-digit code of its nearest coded ancestor, from the loaded tree."""
    out = {}
    tree = {j.key: j for j in Jurisdiction.objects.all()}
    for key, jurisdiction in tree.items():
        node = jurisdiction
        while node is not None and not node.code:
            node = tree.get(node.parent.key) if node.parent_id else None
        out[key] = node.code if node else "000000"
    return out


@transaction.atomic
def demo_load(plans: list[EnterprisePlan]) -> dict:
    """Write the plan; an enterprise already present (same credit code) is left alone."""
    admin = _ensure_admin()
    places = {j.key: j for j in Jurisdiction.objects.all()}
    departments = {}
    for department in Department.objects.select_related("jurisdiction"):
        departments.setdefault(department.jurisdiction.key, []).append(department)
    existing = set(Enterprise.objects.values_list("credit_code", flat=True))
    created, figures, contacts, attestations = [], [], [], []
    reported_at = datetime(2026, 11, 5, 9, 0, tzinfo=SHANGHAI)
    for plan in plans:
        if plan.credit_code in existing:
            continue
        place = places[plan.place]
        county_departments = departments.get(plan.place.split("-")[0], [])
        department = county_departments[plan.serial % len(county_departments)] if county_departments else None
        enterprise = services.enterprise_create(
            user=admin, credit_code=plan.credit_code, name=plan.name, jurisdiction=place, department=department,
            industry_code=plan.industry_code, category=plan.category, legal_representative=plan.legal_representative,
            established_on=date(2010 + plan.serial % 12, 1 + plan.serial % 12, 1), on=date(2024, 1, 1))
        created.append(enterprise)
        for pool, on, reason in plan.pools[1:]:
            services.pool_move(user=admin, enterprise=enterprise, pool=pool, reason=reason, on=on)
        for kind, on, basis in plan.events:
            if plan.rename and kind == "reentry" and on > plan.rename[1]:
                services.enterprise_update(user=admin, enterprise=enterprise, name=plan.rename[0], on=plan.rename[1])
            services.scale_event_record(user=admin, enterprise=enterprise, kind=kind, on=on, treated_basis=basis)
        for kind, start, end, first in plan.recognitions:
            Recognition.objects.create(enterprise=enterprise, kind=kind, valid_from=start, valid_to=end, is_first=first)
        for year, sound in plan.development_sound.items():
            attestations.append(AnnualAttestation(enterprise=enterprise, year=year, development_sound=sound))
        contacts.append(Contact(enterprise=enterprise, name=plan.legal_representative, title="总经理",
                                phone=f"1380000{plan.serial:04d}", is_primary=True))
        for (year, month), (revenue, output, tax, kwh, employees) in plan.monthly.items():
            figures.append(MonthlyFigure(enterprise=enterprise, year=year, month=month, revenue=revenue,
                                         output_value=output, tax=tax, electricity_kwh=kwh, employees=employees,
                                         source=FigureSource.IMPORT, reported_at=reported_at, reported_by=admin))
    bulk_create_with_history(figures, MonthlyFigure, batch_size=2000, default_user=admin)
    bulk_create_with_history(contacts, Contact, batch_size=1000, default_user=admin)
    bulk_create_with_history(attestations, AnnualAttestation, batch_size=1000, default_user=admin)
    _ensure_users(plans)
    return {"enterprises": len(created), "figures": len(figures)}


def _ensure_admin() -> User:
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.create_superuser("admin", "admin@example.cn", DEMO_PASSWORD,
                                              first_name=DEMO_USERS[0][3])
    return admin


def _ensure_users(plans):
    from rest_framework.authtoken.models import Token

    first_yuxian = next((p for p in plans if p.place.startswith("140322")), None)
    for username, role, scope, full_name in DEMO_USERS[1:]:
        if User.objects.filter(username=username).exists():
            continue
        user = User(username=username, role=role, first_name=full_name, email=f"{username}@demo.example.cn")
        if role in (Role.CENTER_STAFF, Role.LEADER, Role.API_CLIENT):
            user.jurisdiction = Jurisdiction.objects.get(key=scope)
        elif role == Role.DEPARTMENT_STAFF:
            user.department = Department.objects.get(key=scope)
        elif role == Role.ENTERPRISE and first_yuxian:
            user.enterprise = Enterprise.objects.get(credit_code=first_yuxian.credit_code)
        user.set_password(DEMO_PASSWORD)
        user.full_clean()
        user.save()
        if role == Role.API_CLIENT:
            Token.objects.get_or_create(user=user)


def demo_logins() -> list[tuple[str, str, str, str]]:
    from rest_framework.authtoken.models import Token

    rows = []
    for username, role, _scope, _name in DEMO_USERS:
        user = User.objects.filter(username=username).select_related("jurisdiction", "department", "enterprise").first()
        if user is None:
            continue
        scope = (user.jurisdiction or user.department or user.enterprise or "全部")
        label = "超级管理员（后台）" if user.is_superuser else user.get_role_display()
        extra = ""
        if user.role == Role.API_CLIENT:
            token = Token.objects.filter(user=user).first()
            extra = f" token={token.key}" if token else ""
        rows.append((username, str(label), str(scope), DEMO_PASSWORD + extra))
    return rows
