"""Deterministic demo registry for the quick start (scripts/demo).

About 300 enterprises across the five seed jurisdictions, with monthly figures
from January 2024 to October 2026, pool histories, entries into and exits from
scale, a plain re-entry and a name-change re-entry, recognitions, contacts and
one user per role.

Steps:
1. `demo_plan` builds the whole demo as plain data: seeded random, fixed dates
   (`DEMO_TODAY`), no database and no clock, so two runs plan the same demo.
2. `demo_load` writes it. Registrations, pool moves, scale events and renames go
   through `enterprises.services`, so the history rows a clerk would leave exist;
   monthly figures, recognitions, contacts and attestations are bulk-created with
   their history (`bulk_create_with_history`), because ~10,000 service calls
   would take minutes. Enterprises already present (same credit code) and users
   already present are left alone, so loading twice changes nothing.
"""
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from . import services
from .domain.credit_code import CHARSET
from .domain.credit_code import make as make_credit_code
from .domain.formatting import wan_yuan
from .domain.size import industrial_size_class
from .models import (
    AnnualAttestation,
    Contact,
    Department,
    Enterprise,
    EnterpriseCategory,
    FigureSource,
    Jurisdiction,
    MonthlyFigure,
    Pool,
    Recognition,
    RecognitionKind,
    Role,
    ScaleEventKind,
    TreatedEntryBasis,
    User,
)

SEED = 2026
# The demo's "today": October 2026 figures are in and the October check can run.
DEMO_TODAY = date(2026, 11, 15)
FIRST_MONTH = (2024, 1)
LAST_MONTH = (DEMO_TODAY.year, DEMO_TODAY.month - 1) if DEMO_TODAY.month > 1 else (DEMO_TODAY.year - 1, 12)
REGISTERED_ON = date(2024, 1, 1)  # the basic pool was set up at the start of 2024
DEMO_PASSWORD = "demo12345"
SHANGHAI = ZoneInfo("Asia/Shanghai")
THRESHOLD = Decimal("20000000")  # 规模以上工业企业: 主营业务收入 2000万元
WAN = Decimal("10000")

# Monthly shape of a year (Spring Festival dip in February, year-end rush), mean 1.
_SHAPE = [0.80, 0.62, 0.96, 1.00, 1.02, 1.05, 0.98, 0.97, 1.05, 1.08, 1.12, 1.35]
SEASON = [s * 12 / sum(_SHAPE) for s in _SHAPE]

# Where the demo enterprises are: place key, count at size 1, name prefix, address prefix.
PLACES = [
    ("141181", 50, "孝义市", "孝义市"),
    ("141181-kfq", 15, "孝义市", "孝义经济开发区"),
    ("140322-xiushui", 15, "盂县", "盂县秀水镇"),
    ("140322-lujiacun", 6, "盂县", "盂县路家村镇"),
    ("140322-nanlou", 6, "盂县", "盂县南娄镇"),
    ("140322-niucun", 6, "盂县", "盂县牛村镇"),
    ("140322-beixiazhuang", 5, "盂县", "盂县北下庄乡"),
    ("140322-shangshe", 5, "盂县", "盂县上社镇"),
    ("140322-xipan", 5, "盂县", "盂县西潘乡"),
    ("140322-kfq", 14, "盂县", "盂县经济技术开发区"),
    ("140300-gxq", 15, "阳泉", "阳泉高新技术产业开发区"),
    ("410482", 15, "汝州市", "汝州市"),
    ("410481", 9, "舞钢市", "舞钢市"),
    ("410421", 12, "宝丰县", "宝丰县"),
    ("410425", 12, "郏县", "郏县"),
    ("410423", 11, "鲁山县", "鲁山县"),
    ("410422", 11, "叶县", "叶县"),
    ("410402", 8, "平顶山", "平顶山市新华区"),
    ("410403", 5, "平顶山", "平顶山市卫东区"),
    ("410411", 6, "平顶山", "平顶山市湛河区"),
    ("410404", 5, "平顶山", "平顶山市石龙区"),
    ("410400-cxyth", 4, "平顶山", "平顶山市城乡一体化示范区"),
    ("410400-gxq", 10, "平顶山", "平顶山高新技术产业开发区"),
    ("210411", 32, "抚顺", "抚顺市顺城区"),
    ("210411-kfq", 18, "抚顺", "抚顺市顺城区经济开发区"),
]

# GB/T 4754-2017 class, the word it gives a company name, whether it is energy-heavy.
INDUSTRIES = {
    "C1329": ("饲料", False), "C1391": ("淀粉", False), "C1711": ("棉纺", False),
    "C2521": ("焦化", True), "C2614": ("化工", True), "C2927": ("塑料制品", False),
    "C3021": ("水泥制品", True), "C3039": ("新型建材", True), "C3089": ("耐火材料", True),
    "C3130": ("钢材", True), "C3216": ("铝业", True), "C3311": ("钢结构", False),
    "C3391": ("铸造", True), "C3511": ("矿山机械", False), "C3670": ("汽车配件", False),
    "C3824": ("电力电子", False), "C4210": ("再生资源", False),
    "B0610": ("煤业", True), "B0810": ("矿业", True), "B1011": ("石料", True), "B1200": ("采矿", True),
    "D4411": ("热电", True), "D4430": ("热力", True),
}
# What each area is known for gets picked more often (孝义: coking and aluminium, 盂县: refractories …).
REGIONAL_INDUSTRIES = {
    "1411": ["C2521", "C3216", "B0610"], "1403": ["C3089", "B0610", "C3021"],
    "4104": ["B0610", "C3130", "C2614"], "2104": ["C2614", "C3511", "C3311"],
}
TRADE_NAMES = ("宏达 鑫源 华盛 恒泰 金石 永信 瑞丰 晋阳 鹰城 新兴 盛世 天元 隆基 通达 汇丰 兴业 嘉禾 中科 博远 德润 "
               "昌盛 立新 远航 泰山 恒源 金鼎 福瑞 顺通 宏远 鼎盛 海丰 华龙 三维 东方 长青 利达 润泽 正大 荣昌 万通 "
               "兴旺 卓越 聚源 安泰 裕丰 宝隆 明珠 创新 金茂 汇通 天成 宏基 晟泰 众诚 信达 凯瑞 盈通 鸿运 佳和 永固").split()
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN_NAMES = ("建国 志强 丽华 海燕 国庆 文军 晓东 秀英 伟 芳 军 敏 静 磊 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 桂英 "
               "建华 红梅 玉兰 志刚 永红 春生 宏伟 俊峰 建军 淑珍 雪梅 卫东 晓明 立新").split()
STREETS = ["工业园区", "产业园", "建设路", "北环路", "迎宾大道", "新华街", "东环路", "工业路", "兴业街", "园区大道"]
CATEGORY_WEIGHTS = [
    (EnterpriseCategory.INDUSTRY, 84), (EnterpriseCategory.NEW_PROJECT, 5),
    (EnterpriseCategory.SOLE_PROPRIETOR, 5), (EnterpriseCategory.ABOVE_QUOTA_TRADE, 2),
    (EnterpriseCategory.QUALIFIED_CONSTRUCTION, 2), (EnterpriseCategory.ABOVE_SCALE_SERVICE, 2),
]
POOL_NAMES = {Pool.RESERVE: "储备库", Pool.CULTIVATION: "培育库"}  # plain text: the plan must not depend on the locale
CONVERTING = {EnterpriseCategory.ABOVE_QUOTA_TRADE, EnterpriseCategory.QUALIFIED_CONSTRUCTION,
              EnterpriseCategory.ABOVE_SCALE_SERVICE}


@dataclass(frozen=True)
class Figure:
    revenue: Decimal
    output_value: Decimal
    tax: Decimal
    electricity_kwh: Decimal
    employees: int
    reported_at: datetime


@dataclass(frozen=True)
class Step:
    """One dated thing a clerk did: a pool move, a scale event or a rename."""

    on: date
    kind: str  # pool | event | rename
    value: str  # the pool, the event kind or the new name
    detail: str = ""  # the reason of a pool move, the treated-entry basis of an event


@dataclass
class EnterprisePlan:
    serial: int
    place: str
    credit_code: str
    name: str
    industry_code: str
    category: str
    legal_representative: str
    address: str
    established_on: date
    registered_on: date
    base_annual: Decimal  # revenue level of 2023 (of the first full year for new projects), yuan
    growth: float  # per year
    department: str | None = None  # department key
    monthly: dict = field(default_factory=dict)  # (year, month) → Figure
    steps: list = field(default_factory=list)  # Step, in date order
    recognitions: list = field(default_factory=list)  # (kind, valid_from, valid_to, is_first, certificate_no)
    development_sound: dict = field(default_factory=dict)  # year → bool
    contacts: list = field(default_factory=list)  # (name, title, phone, is_primary)
    late: bool = False
    integrity_case: bool = False

    @property
    def events(self) -> list[Step]:
        return [s for s in self.steps if s.kind == "event"]

    @property
    def pools(self) -> list[Step]:
        return [s for s in self.steps if s.kind == "pool"]

    def annual(self, year: int) -> Decimal | None:
        """Full-year revenue, or None when a month is missing."""
        values = [f.revenue for (y, _m), f in self.monthly.items() if y == year]
        return sum(values) if len(values) == 12 else None

    def in_scale_after(self, day: date) -> bool:
        kinds = [s.value for s in self.events if s.on <= day]
        return bool(kinds) and kinds[-1] != ScaleEventKind.EXIT


def months(first=FIRST_MONTH, last=LAST_MONTH):
    year, month = first
    while (year, month) <= last:
        yield year, month
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)


def _yuan(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _wan(value: Decimal) -> str:
    return wan_yuan(value)  # 万元 with 2 decimals, as every page shows money


def department_key(place: str, industry_code: str) -> str | None:
    """The responsible unit the demo puts an enterprise under, where its area names one.

    盂县 splits its targets by department (盂促企组办发[2024]1号 二): the zone, coal
    (县能源局), non-coal mines (县应急局), concrete (县住建局) and the rest (县工信局).
    孝义: the zone's 管委会, 市能源局 for coal and power, 市工信局 for the rest (孝政办发[2022]44号
    二(二)、四(十八)). 平顶山: each county government, or the zone's 管委会, which answer for their
    enterprises (平政办〔2022〕15号 附件2 三(一)、五(二)). 顺城: 经济开发区经发局 in the zone,
    区工信局 elsewhere (顺城区方案 三(一)1).
    """
    zone = place.endswith("-kfq")
    if place.startswith("140322"):
        if zone:
            return "140322-kfqgwh"
        if industry_code.startswith("B06"):
            return "140322-nyj"
        if industry_code.startswith("B"):
            return "140322-yjj"
        if industry_code == "C3021":
            return "140322-zjj"
        return "140322-gxj"
    if place.startswith("141181"):
        if zone:
            return "141181-kfqgwh"
        return "141181-nyj" if industry_code.startswith(("B06", "D44")) else "141181-gxj"
    if place == "140300-gxq":
        return "140300-gxqgwh"
    if place.startswith("210411"):
        return "210411-kfqjfj" if zone else "210411-gxj"
    if place.startswith("4104"):
        return f"{place}-gwh" if place.startswith("410400-") else f"{place}-rmzf"
    return None


def demo_plan(size_factor: float = 1.0, seed: int = SEED, division_codes: dict | None = None) -> list[EnterprisePlan]:
    """The whole demo as plain data.

    `size_factor` scales the count per place (1.0 ≈ 300 enterprises, at least one
    per place). `division_codes` maps a place key to the 6-digit GB/T 2260 code of
    its nearest coded ancestor (see `division_codes()`); without it the key's
    leading code is used, which is the same for the seed tree.
    """
    rng = random.Random(seed)
    division_codes = division_codes or {}
    plans: list[EnterprisePlan] = []
    codes: set[str] = set()
    names: set[str] = set()
    for place, count, prefix, address in PLACES:
        for _ in range(max(1, round(count * size_factor))):
            plan = _plan_enterprise(rng, len(plans) + 1, place, prefix, address,
                                    division_codes.get(place, place.split("-")[0]), codes, names)
            _plan_figures(plan, rng)
            _plan_history(plan, rng)
            _plan_recognitions(plan, rng)
            plans.append(plan)
    _plan_special_cases(plans)
    _plan_recent_builds(plans, seed, division_codes, codes, names)
    for plan in plans:
        plan.steps.sort(key=lambda s: s.on)  # stable: same-day steps keep the order they were planned in
    return plans


def _plan_enterprise(rng, serial, place, prefix, address, division, codes, names, category=None,
                     started: date | None = None) -> EnterprisePlan:
    while True:  # the organisation-code part: "MA…" for post-2015 registrations, digits before
        body = "MA" + "".join(rng.choice(CHARSET) for _ in range(6)) if rng.random() < 0.6 else \
            "".join(rng.choice("0123456789") for _ in range(8))
        code = make_credit_code(f"91{division}{body}")
        if code not in codes:
            codes.add(code)
            break
    category = category or rng.choices([c for c, _w in CATEGORY_WEIGHTS], [w for _c, w in CATEGORY_WEIGHTS])[0]
    regional = REGIONAL_INDUSTRIES.get(place[:4], [])
    industry_code = rng.choice(regional) if regional and rng.random() < 0.35 else rng.choice(sorted(INDUSTRIES))
    word = INDUSTRIES[industry_code][0]
    suffix = "厂" if category == EnterpriseCategory.SOLE_PROPRIETOR else "有限公司"
    while True:
        name = f"{prefix}{rng.choice(TRADE_NAMES)}{word}{suffix}"
        if name not in names:
            names.add(name)
            break
    tier = rng.random()
    if category == EnterpriseCategory.NEW_PROJECT:
        base, growth = rng.uniform(24e6, 60e6), rng.uniform(0.0, 0.15)
    elif tier < 0.42:
        base, growth = rng.uniform(3e6, 10e6), rng.uniform(-0.15, 0.30)
    elif tier < 0.70:
        base, growth = rng.uniform(10e6, 17e6), rng.uniform(-0.15, 0.35)
    elif tier < 0.82:
        base, growth = rng.uniform(17e6, 20.5e6), rng.uniform(-0.10, 0.25)  # just under the line
    elif rng.random() < 0.35:  # in scale since before 2024 and falling towards (or through) the line
        base, growth = rng.uniform(21e6, 28e6), rng.uniform(-0.25, -0.06)
    else:  # in scale since before 2024
        base, growth = rng.uniform(21e6, 80e6), rng.uniform(-0.05, 0.25)
    if category == EnterpriseCategory.NEW_PROJECT:
        start = started or date(2024, 4, 1) + timedelta(days=31 * rng.randrange(18))
        registered, established = date(start.year, start.month, 1), date(start.year - 1, rng.randint(1, 12), 1)
    else:
        registered, established = REGISTERED_ON, date(rng.randint(2003, 2021), rng.randint(1, 12), rng.randint(1, 28))
    representative = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
    plan = EnterprisePlan(
        serial=serial, place=place, credit_code=code, name=name, industry_code=industry_code, category=category,
        legal_representative=representative, address=f"{address}{rng.choice(STREETS)}{rng.randint(1, 199)}号",
        established_on=established, registered_on=registered, base_annual=_yuan(base), growth=growth,
        department=department_key(place, industry_code))
    plan.contacts = [
        (representative, "总经理", f"1380000{serial:04d}", True),
        (rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES), rng.choice(["统计员", "财务负责人", "办公室主任"]),
         f"1390000{serial:04d}", False),
    ]
    return plan


def _plan_figures(plan: EnterprisePlan, rng: random.Random):
    """Monthly figures: the 2023 level, a yearly trend, the seasonal shape and noise."""
    heavy = INDUSTRIES[plan.industry_code][1]
    yuan_per_kwh = rng.uniform(2, 5) if heavy else rng.uniform(8, 20)
    tax_rate = rng.uniform(0.015, 0.05)
    employees = max(12, min(900, int(float(plan.base_annual) / rng.uniform(250_000, 600_000))))
    plan.late = rng.random() < 0.06  # has not reported October (a few, September too)
    late_from = (2026, 9) if plan.late and rng.random() < 0.3 else LAST_MONTH
    plan.integrity_case = rng.random() < 0.025  # 有电量无产值 from September 2026
    start = (plan.registered_on.year, plan.registered_on.month)
    for index, (year, month) in enumerate(months(start)):
        if plan.late and (year, month) >= late_from:
            continue
        years = (year - 2023) + (month - 6.5) / 12
        ramp = min(1.0, (index + 1) / 6) if plan.category == EnterpriseCategory.NEW_PROJECT else 1.0
        revenue = float(plan.base_annual) / 12 * SEASON[month - 1] * (1 + plan.growth) ** years * ramp
        revenue *= rng.uniform(0.93, 1.07)
        kwh = max(revenue / yuan_per_kwh * rng.uniform(0.95, 1.05), 12_000)
        if plan.integrity_case and (year, month) >= (2026, 9):
            revenue = 0.0  # the meter keeps running; the report says nothing was produced
        output = revenue * rng.uniform(0.9, 1.1)
        staff = max(5, round(employees * (1 + plan.growth) ** (years / 2)) + rng.randint(-2, 2))
        reported = (date(year + month // 12, month % 12 + 1, rng.randint(3, 12)),
                    time(rng.randint(8, 17), rng.randint(0, 59)))
        plan.monthly[(year, month)] = Figure(
            revenue=_yuan(revenue), output_value=_yuan(output), tax=_yuan(revenue * tax_rate * rng.uniform(0.8, 1.2)),
            electricity_kwh=Decimal(str(round(kwh, 1))), employees=staff,
            reported_at=datetime.combine(*reported, tzinfo=SHANGHAI))


def _plan_history(plan: EnterprisePlan, rng: random.Random):
    """Pool moves and scale events that follow from the figures, in date order.

    Pools follow 盂促企组办发[2024]1号 三: the reserve for 规下 enterprises above
    5,000,000 a year, the cultivation pool from 10,000,000, the statistics pool
    for those declared for entry; the annual entry batches are in November and
    December, the annual review in March exits those that fell below the line.
    """
    steps = plan.steps
    pool = Pool.BASIC

    def move(to, on, reason):
        nonlocal pool
        steps.append(Step(on, "pool", to, reason))
        pool = to

    def event(kind, on, basis=""):
        steps.append(Step(on, "event", kind, basis))

    def entry_kind():
        if any(s.value != ScaleEventKind.EXIT for s in plan.events):
            return ScaleEventKind.REENTRY, ""
        if plan.category == EnterpriseCategory.NEW_PROJECT:
            return ScaleEventKind.TREATED_ENTRY, TreatedEntryBasis.NEW_PROJECT
        if plan.category in CONVERTING:
            return ScaleEventKind.TREATED_ENTRY, TreatedEntryBasis.ABOVE_QUOTA_CONVERSION
        return ScaleEventKind.FIRST_ENTRY, ""

    if plan.category == EnterpriseCategory.NEW_PROJECT:
        _plan_new_project(plan, move, event)
        return
    if plan.base_annual >= THRESHOLD:  # in scale before the demo starts
        event(ScaleEventKind.FIRST_ENTRY, date(rng.randint(2018, 2023), 12, 1))
        move(Pool.STATISTICS, REGISTERED_ON, "规上工业企业，纳入入统库台账（防退规）")
    else:
        if plan.base_annual > Decimal("5000000"):
            move(Pool.RESERVE, date(2024, 6, 1), f"2023年主营业务收入{_wan(plan.base_annual)}，超过500万元，列入储备库")
        if plan.base_annual >= Decimal("10000000"):
            move(Pool.CULTIVATION, date(2024, 6, 15),
                 f"2023年主营业务收入{_wan(plan.base_annual)}，达到1000万元以上，列入培育库")
    previous = plan.base_annual
    for year in (2024, 2025):
        revenue = plan.annual(year)
        in_scale = plan.in_scale_after(date(year, 12, 31))
        if in_scale and revenue < THRESHOLD and rng.random() < 0.7:
            event(ScaleEventKind.EXIT, date(year + 1, 3, 1))
            move(Pool.CULTIVATION, date(year + 1, 3, 1),
                 f"{year}年主营业务收入{_wan(revenue)}，低于2000万元退规，列入培育库争取二次入规")
        elif in_scale:
            plan.development_sound[year] = revenue >= previous * Decimal("0.95")
        elif revenue >= THRESHOLD:
            move(Pool.STATISTICS, date(year, 10, 15),
                 f"{year}年1-9月主营业务收入{_wan(sum(plan.monthly[(year, m)].revenue for m in range(1, 10)))}，"
                 f"预计全年达到2000万元，申报年度入库")
            kind, basis = entry_kind()
            event(kind, date(year, rng.choice([11, 12]), 1), basis)
        elif pool == Pool.RESERVE and revenue >= Decimal("10000000"):
            move(Pool.CULTIVATION, date(year + 1, 3, 1),
                 f"{year}年主营业务收入{_wan(revenue)}，达到1000万元以上，调入培育库")
        elif pool in (Pool.RESERVE, Pool.CULTIVATION) and revenue < previous * Decimal("0.75"):
            move(Pool.BASIC, date(year + 1, 2, 20), f"{year}年主营业务收入下降至{_wan(revenue)}，调出{POOL_NAMES[pool]}")
        previous = revenue


def _plan_new_project(plan: EnterprisePlan, move, event):
    """A new build enters by the month (月度入库) once three months' revenue runs at scale."""
    move(Pool.CULTIVATION, plan.registered_on, "新开工（投产）项目，预计可达规模以上，列入培育库")
    keys = sorted(plan.monthly)
    for index in range(5, len(keys) - 1):
        recent = sum(plan.monthly[k].revenue for k in keys[index - 2:index + 1])
        if recent * 4 >= THRESHOLD:
            year, month = keys[index + 1]
            move(Pool.STATISTICS, date(year, month, 1) - timedelta(days=16),
                 f"投产后近三个月主营业务收入{_wan(recent)}，按年化达到2000万元，申报月度入库")
            event(ScaleEventKind.TREATED_ENTRY, date(year, month, 1), TreatedEntryBasis.NEW_PROJECT)
            return


def _plan_recognitions(plan: EnterprisePlan, rng: random.Random):
    manufacturing = plan.industry_code.startswith("C")
    code = plan.credit_code[2:6]
    if manufacturing and rng.random() < 0.2:  # 科技型中小企业: evaluated every year, valid to the year's end
        first = rng.choice([2024, 2025])
        for year in range(first, 2027):
            plan.recognitions.append((RecognitionKind.TECH_SME, date(year, 6, 1), date(year, 12, 31), year == first,
                                      f"{year}{code}{plan.serial:04d}"))
    if manufacturing and plan.base_annual >= Decimal("8000000") and rng.random() < 0.08:
        year = rng.choice([2024, 2025])
        plan.recognitions.append((RecognitionKind.HIGH_TECH, date(year, 12, 1), date(year + 3, 11, 30), True,
                                  f"GR{year}{code}{plan.serial:05d}"))
    if plan.base_annual >= Decimal("10000000") and rng.random() < 0.1:
        year = rng.choice([2024, 2025])
        plan.recognitions.append((RecognitionKind.PROVINCIAL_SRDI, date(year, 9, 1), date(year + 3, 8, 31), True,
                                  f"ZJTX{year}{code}{plan.serial:04d}"))


def _plan_special_cases(plans: list[EnterprisePlan]):
    """The cases the demo must show whatever its size: a plain re-entry and a
    re-entry under a new name (no award: 孝政办发[2022]44号 三(四)), a 小巨人,
    a late reporter and an 有电量无产值 case."""
    def exited(plan):
        return bool(plan.events) and plan.events[-1].value == ScaleEventKind.EXIT

    def pick_exited(where: str, other=None) -> EnterprisePlan:
        """An enterprise out of scale now, in `where` if possible; if none, the weakest
        one in scale there leaves in the 2026 annual review."""
        for prefix in (where, ""):
            found = [p for p in plans if p.place.startswith(prefix) and exited(p) and p is not other]
            if found:
                return found[0]
            in_scale = sorted((p for p in plans if p.place.startswith(prefix) and p is not other
                               and p.in_scale_after(date(2025, 12, 31))
                               and p.category != EnterpriseCategory.NEW_PROJECT),
                              key=lambda p: (p.annual(2025), p.serial))
            if in_scale:
                plan = in_scale[0]
                plan.steps.append(Step(date(2026, 3, 1), "event", ScaleEventKind.EXIT))
                plan.steps.append(Step(date(2026, 3, 1), "pool", Pool.CULTIVATION,
                                       "主营业务收入低于2000万元退规，列入培育库争取二次入规"))
                return plan
        raise ValueError("演示数据中没有规上企业")

    # The name change in 孝义, whose rule is the one that excludes it; the plain re-entry in 盂县.
    renamed = pick_exited("141181")
    same_name = pick_exited("140322", other=renamed)
    new_name = renamed.name[:-1] + "有限公司" if renamed.name.endswith("厂") else \
        renamed.name.replace("有限公司", "科技有限公司")  # a sole proprietor's 厂 becomes a company
    renamed.steps.append(Step(date(2026, 5, 1), "rename", new_name))
    for plan in (renamed, same_name):
        recovered_from = max(plan.events[-1].on, date(2025, 12, 31))
        for key, figure in list(plan.monthly.items()):
            if date(*key, 1) > recovered_from:  # recovered after leaving: the reason to re-enter
                plan.monthly[key] = Figure(_yuan(figure.revenue * Decimal("1.4")),
                                           _yuan(figure.output_value * Decimal("1.4")),
                                           figure.tax, figure.electricity_kwh, figure.employees, figure.reported_at)
        plan.steps.append(Step(date(2026, 8, 15), "pool", Pool.STATISTICS, "退规后恢复达规，申报二次入规"))
        # Asked for as a plain re-entry; the service records the renamed one as a name-change re-entry.
        plan.steps.append(Step(date(2026, 9, 1), "event", ScaleEventKind.REENTRY))
    giants = [p for p in plans if p.place.startswith("4104")
              and any(r[0] == RecognitionKind.PROVINCIAL_SRDI for r in p.recognitions)]
    giant = giants[0] if giants else next(p for p in plans if p.place.startswith("4104"))
    giant.recognitions.append((RecognitionKind.NATIONAL_LITTLE_GIANT, date(2025, 7, 1), date(2028, 6, 30), True,
                               f"XJR2025{giant.serial:04d}"))
    if not any(p.late for p in plans):
        plan = plans[-1]
        plan.late = True
        plan.monthly.pop(LAST_MONTH, None)
    if not any(p.integrity_case for p in plans):
        plan = next(p for p in plans if not p.late and p not in (renamed, same_name))
        plan.integrity_case = True
        for key in [k for k in plan.monthly if k >= (2026, 9)]:
            f = plan.monthly[key]
            plan.monthly[key] = Figure(Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), f.electricity_kwh,
                                       f.employees, f.reported_at)


# New builds that started production in the late summer of 2026, after the pools were last
# reviewed: registered in the basic pool, they wait for the pool move the October check suggests
# (“年度新建并有望升规的工业企业” 盂促企组办发[2024]1号 三(二); “新建并有望达产升级” 顺城区方案
# 三(一)1; “本年度建成投产项目纳入培育库” 孝政办发[2022]44号 四(十七)). Place, month production started.
RECENT_BUILDS = [("141181-kfq", 9), ("140322-kfq", 8), ("140322-xiushui", 9), ("410421", 8),
                 ("210411-kfq", 9), ("210411", 8)]


def _plan_recent_builds(plans: list[EnterprisePlan], seed: int, division_codes: dict, codes: set, names: set):
    """Append the RECENT_BUILDS, whatever the size, from a random stream of their own (the
    enterprises planned before them stay exactly as they were)."""
    rng = random.Random(seed * 31 + 7)
    where = {place: (prefix, address) for place, _count, prefix, address in PLACES}
    for place, month in RECENT_BUILDS:
        prefix, address = where[place]
        plan = _plan_enterprise(rng, len(plans) + 1, place, prefix, address,
                                division_codes.get(place, place.split("-")[0]), codes, names,
                                category=EnterpriseCategory.NEW_PROJECT, started=date(2026, month, 1))
        _plan_figures(plan, rng)
        plans.append(plan)


# -- writing ----------------------------------------------------------------------

DEMO_USERS = [
    # username, role, scope key (jurisdiction or department; the enterprise is chosen), display name
    ("admin", None, None, "系统管理员"),
    ("clerk_xiaoyi", Role.CENTER_STAFF, "141181", "孝义市中小企业服务中心 李敏"),
    ("clerk_yuxian", Role.CENTER_STAFF, "140322", "盂县中小企业发展中心 王芳"),
    # 盂县 signs off its entitlements with separate duties: 王芳 reviews, 陈刚 approves, 周丽 records payment.
    ("chief_yuxian", Role.CENTER_STAFF, "140322", "盂县中小企业发展中心主任 陈刚"),
    ("finance_yuxian", Role.FINANCE, "140322", "盂县财政局 周丽"),
    ("clerk_pds", Role.CENTER_STAFF, "410400", "平顶山市工业和信息化局 张磊"),
    ("clerk_shuncheng", Role.CENTER_STAFF, "210411", "顺城区工信局 刘静"),
    ("dept_yuxian", Role.DEPARTMENT_STAFF, "140322-gxj", "盂县工信局 孙伟"),
    ("leader_yangquan", Role.LEADER, "140300", "阳泉市分管领导 赵国庆"),
    ("leader_pds", Role.LEADER, "410400", "平顶山市分管领导 周建国"),
    ("enterprise_demo", Role.ENTERPRISE, None, "企业填报员"),
    ("api_demo", Role.API_CLIENT, "140300", "阳泉市数据平台（接口）"),
]


def division_codes() -> dict:
    """Place key → the 6-digit code of its nearest coded ancestor, from the loaded tree."""
    tree = {j.pk: j for j in Jurisdiction.objects.all()}
    out = {}
    for jurisdiction in tree.values():
        node = jurisdiction
        while node is not None and not node.code:
            node = tree.get(node.parent_id)
        out[jurisdiction.key] = node.code if node else "000000"
    return out


def demo_account_plan(plans: list[EnterprisePlan]) -> EnterprisePlan:
    """The 盂县 enterprise behind `enterprise_demo`: one under 县工信局, so dept_yuxian sees it too."""
    yuxian = [p for p in plans if p.place.startswith("140322")]
    return next((p for p in yuxian if p.department == "140322-gxj" and not p.late), yuxian[0])


def _size_class(plan: EnterprisePlan) -> str | None:
    """The class the demo enterprise's 2025 figures imply (a clerk records it in the registry)."""
    year = [f for (y, _m), f in plan.monthly.items() if y == 2025]
    if len(year) < 12:
        return None
    employees = max((f.employees for f in year if f.employees is not None), default=None)
    return industrial_size_class(employees, sum((f.revenue or 0 for f in year), Decimal(0)))


@transaction.atomic
def demo_load(plans: list[EnterprisePlan]) -> dict:
    """Write the plan; an enterprise already present (same credit code) is left alone."""
    admin = _ensure_admin()
    places = {j.key: j for j in Jurisdiction.objects.all()}
    departments = {d.key: d for d in Department.objects.all()}
    existing = set(Enterprise.objects.values_list("credit_code", flat=True))
    created = 0
    figures, recognitions, contacts, attestations = [], [], [], []
    for plan in plans:
        if plan.credit_code in existing:
            continue
        enterprise = services.enterprise_create(
            user=admin, credit_code=plan.credit_code, name=plan.name, jurisdiction=places[plan.place],
            department=departments.get(plan.department), industry_code=plan.industry_code, category=plan.category,
            legal_representative=plan.legal_representative, address=plan.address,
            established_on=plan.established_on, on=plan.registered_on, size_class=_size_class(plan) or "")
        created += 1
        for step in plan.steps:
            if step.kind == "pool":
                services.pool_move(user=admin, enterprise=enterprise, pool=step.value, reason=step.detail, on=step.on)
            elif step.kind == "event":
                services.scale_event_record(user=admin, enterprise=enterprise, kind=step.value, on=step.on,
                                            treated_basis=step.detail)
            else:
                services.enterprise_update(user=admin, enterprise=enterprise, name=step.value, on=step.on)
        figures += [MonthlyFigure(enterprise=enterprise, year=year, month=month, revenue=f.revenue,
                                  output_value=f.output_value, tax=f.tax, electricity_kwh=f.electricity_kwh,
                                  employees=f.employees, source=FigureSource.IMPORT, reported_at=f.reported_at,
                                  reported_by=admin)
                    for (year, month), f in plan.monthly.items()]
        recognitions += [Recognition(enterprise=enterprise, kind=kind, valid_from=start, valid_to=end, is_first=first,
                                     certificate_no=number)
                         for kind, start, end, first, number in plan.recognitions]
        contacts += [Contact(enterprise=enterprise, name=name, title=title, phone=phone, is_primary=primary)
                     for name, title, phone, primary in plan.contacts]
        attestations += [AnnualAttestation(enterprise=enterprise, year=year, development_sound=sound)
                          for year, sound in plan.development_sound.items()]
    for objects, model in ((figures, MonthlyFigure), (recognitions, Recognition), (contacts, Contact),
                           (attestations, AnnualAttestation)):
        if objects:
            bulk_create_with_history(objects, model, batch_size=1000, default_user=admin)
    users = _ensure_users(demo_account_plan(plans))
    return {"enterprises": created, "figures": len(figures), "recognitions": len(recognitions),
            "contacts": len(contacts), "users": users}


def _ensure_admin() -> User:
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.create_superuser("admin", "admin@demo.example.cn", DEMO_PASSWORD,
                                              first_name=DEMO_USERS[0][3])
    return admin


def _ensure_users(account_plan: EnterprisePlan) -> int:
    """One user per role; staff roles get no back-office access (is_staff stays False).

    The API client's token is issued by `demo_logins` (only a digest is stored, so a key
    can be printed only when it is made)."""
    created = 0
    for username, role, scope, display_name in DEMO_USERS[1:]:
        if User.objects.filter(username=username).exists():
            continue
        user = User(username=username, role=role, first_name=display_name, email=f"{username}@demo.example.cn",
                    is_staff=False)
        if role in (Role.CENTER_STAFF, Role.LEADER, Role.API_CLIENT, Role.FINANCE):
            user.jurisdiction = Jurisdiction.objects.get(key=scope)
        elif role == Role.DEPARTMENT_STAFF:
            user.department = Department.objects.get(key=scope)
        elif role == Role.ENTERPRISE:
            user.enterprise = Enterprise.objects.get(credit_code=account_plan.credit_code)
        user.set_password(DEMO_PASSWORD)
        user.full_clean()
        user.save()
        created += 1
    return created


def demo_logins() -> list[tuple[str, str, str, str]]:
    """(username, role, scope, password) of the demo users present; for the API client, its token instead.

    Keys are stored hashed, so each call issues the API client a fresh demo token (read scope)
    and revokes the one printed before."""
    from .tokens import demo_token_reissue

    admin = User.objects.filter(username="admin", is_superuser=True).first()
    rows = []
    for username, _role, _scope, _name in DEMO_USERS:
        user = User.objects.filter(username=username).select_related("jurisdiction", "department__jurisdiction",
                                                                     "enterprise").first()
        if user is None:
            continue
        if user.is_superuser:
            label, scope = "超级管理员（后台管理）", "全部"
        else:
            label, scope = str(user.get_role_display()), str(user.jurisdiction or user.department or user.enterprise)
        password = DEMO_PASSWORD
        if user.role == Role.API_CLIENT:
            password = f"token={demo_token_reissue(user, by=admin)}"  # token only: no web login
        rows.append((username, label, scope, password))
    return rows
