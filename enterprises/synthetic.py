"""Synthetic registries for benchmarks (`manage.py generate_enterprises`; issue 11 item 7, issue 14).

Two halves, as in enterprises/demo.py:

1. `plan_enterprise(spec, serial)` plans one enterprise as plain data — registry fields, monthly
   figures, pool stays, scale events — from its own random stream (seed and serial), with no
   database and no clock. Enterprise n is the same whatever the size, so a small run is a prefix
   of a large one and two runs with one seed are identical.
2. `generate()` writes the plans in chunks with PostgreSQL COPY: one query for the chunk's
   enterprise ids, one COPY per table. The number of statements grows with the number of chunks,
   never with the number of enterprises in a chunk, and no chunk is held longer than it is written.

Generated enterprises are recognisable by their credit code: the organisation-code part (characters
9–16) starts with `GENERATED_BLOCK` ("XB", a prefix no real GB 11714 code is issued under: post-2015
codes start "MA", older ones are digits), then one character for the seed and five for the serial in
the code's own alphabet. `purge()` deletes such enterprises under a jurisdiction with everything that
references them, set-based (what `--replace` does).

Simple-history rows are not written for generated data: the history tables would double the write for
rows nobody edited. A generated enterprise's history starts with its first real change.
"""
import io
import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, models, transaction

from .demo import (
    CATEGORY_WEIGHTS,
    CONVERTING,
    GIVEN_NAMES,
    INDUSTRIES,
    REGIONAL_INDUSTRIES,
    SEASON,
    STREETS,
    SURNAMES,
    TRADE_NAMES,
    department_key,
)
from .domain.credit_code import CHARSET
from .domain.credit_code import make as make_credit_code
from .domain.scale import ENTRY_KINDS, EXIT
from .models import (
    Enterprise,
    EnterpriseCategory,
    EnterpriseName,
    Jurisdiction,
    ListingMilestone,
    MonthlyFigure,
    Pool,
    PoolMembership,
    Recognition,
    ScaleEvent,
)

GENERATED_BLOCK = "XB"
SERIAL_DIGITS = 5
MAX_SIZE = len(CHARSET) ** SERIAL_DIGITS  # 28,629,151
CHUNK = 5000
THRESHOLD = 20_000_000.0  # 规模以上工业企业: 主营业务收入 2000万元 (float: the plan formats money itself)
MISSING_SHARE = 0.03       # months an enterprise did not report
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Plain text, not gettext: the plan must not depend on the locale (as in enterprises/demo.py).
POOL_NAMES = {Pool.BASIC: "基础信息库", Pool.RESERVE: "储备库", Pool.CULTIVATION: "培育库", Pool.STATISTICS: "入统库"}


@dataclass(frozen=True)
class Place:
    """Where generated enterprises are registered: a jurisdiction and the division code their credit codes carry."""
    id: int
    key: str
    name: str
    division: str  # 6 digits, GB/T 2260, of the place or its nearest coded ancestor


@dataclass(frozen=True)
class Spec:
    seed: int
    first: tuple[int, int]      # first month with figures (year, month)
    last: tuple[int, int]       # last month with figures: the last month that has ended
    places: tuple[Place, ...]
    departments: dict           # department key → id, of the jurisdiction generated into
    reported_until: datetime    # no figure is reported after this (the planner has no clock)

    @property
    def end_day(self) -> date:
        year, month = self.last
        return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


@dataclass
class Plan:
    serial: int
    credit_code: str
    name: str
    place: Place
    department_id: int | None
    industry_code: str
    category: str
    legal_representative: str
    address: str
    established_on: date
    registered_on: date
    figures: list = field(default_factory=list)  # (year, month, revenue, output, tax, kwh, employees, reported_at)
    stays: list = field(default_factory=list)    # [pool, entered_on, reason, exited_on, exit_reason]
    events: list = field(default_factory=list)   # (kind, occurred_on, treated_basis)
    former_names: list = field(default_factory=list)  # (name, valid_from, valid_to): names before `name`
    named_on: date | None = None                       # when `name` took effect, if it is not the first
    recognitions: list = field(default_factory=list)  # (kind, valid_from, valid_to, is_first)
    listings: list = field(default_factory=list)      # (board, stage, reached_on)
    integrity: list = field(default_factory=list)     # ("no_output" | "jump", year, month): planted cases

    @property
    def in_scale(self) -> bool:
        return bool(self.events) and self.events[-1][0] in ENTRY_KINDS

    def name_on(self, day: date) -> str:
        for name, _valid_from, valid_to in self.former_names:
            if day <= valid_to:
                return name
        return self.name

    def in_scale_on(self, day: date) -> bool:
        before = [e for e in self.events if e[1] <= day]
        return bool(before) and before[-1][0] in ENTRY_KINDS


def month_range(first: tuple[int, int], last: tuple[int, int]):
    year, month = first
    while (year, month) <= last:
        yield year, month
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)


def months_back(last: tuple[int, int], count: int) -> tuple[int, int]:
    """The first month of `count` months ending with `last`."""
    index = last[0] * 12 + last[1] - 1 - (count - 1)
    return index // 12, index % 12 + 1


def credit_code_for(division: str, seed: int, serial: int) -> str:
    digits, n = [], serial
    for _ in range(SERIAL_DIGITS):
        n, r = divmod(n, len(CHARSET))
        digits.append(CHARSET[r])
    return make_credit_code(f"91{division}{GENERATED_BLOCK}{CHARSET[seed % len(CHARSET)]}{''.join(reversed(digits))}")


def is_generated(code: str) -> bool:
    return code[8:10] == GENERATED_BLOCK


def _trade_name(seed: int, serial: int) -> str:
    # A bijection of consecutive serials onto pairs of trade words, so names repeat rarely.
    n = len(TRADE_NAMES)
    index = (serial * 7919 + seed) % (n * n)  # 7919 is prime and does not divide n*n
    first, second = divmod(index, n)
    return TRADE_NAMES[first] if first == second else TRADE_NAMES[first] + TRADE_NAMES[second]


def plan_enterprise(spec: Spec, serial: int) -> Plan:
    rng = random.Random(spec.seed * 1_000_000_007 + serial)
    place = spec.places[rng.randrange(len(spec.places))]
    category = rng.choices([c for c, _w in CATEGORY_WEIGHTS], [w for _c, w in CATEGORY_WEIGHTS])[0]
    new_project = category == EnterpriseCategory.NEW_PROJECT
    regional = REGIONAL_INDUSTRIES.get(place.division[:4], [])
    industry_code = rng.choice(regional) if regional and rng.random() < 0.35 else rng.choice(sorted(INDUSTRIES))
    suffix = "厂" if category == EnterpriseCategory.SOLE_PROPRIETOR else "有限公司"
    name = f"{place.name}{_trade_name(spec.seed, serial)}{INDUSTRIES[industry_code][0]}{suffix}"

    months = list(month_range(spec.first, spec.last))
    start_index = rng.randrange(len(months)) if new_project else 0
    registered = date(*months[start_index], 1)
    department = spec.departments.get(department_key(place.key, industry_code) or "")
    if department is None and spec.departments and rng.random() < 0.8:
        department = spec.departments[sorted(spec.departments)[rng.randrange(len(spec.departments))]]
    representative = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
    plan = Plan(
        serial=serial, credit_code=credit_code_for(place.division, spec.seed, serial), name=name, place=place,
        department_id=department, industry_code=industry_code, category=category,
        legal_representative=representative,
        address=f"{place.name}{rng.choice(STREETS)}{rng.randint(1, 199)}号",
        established_on=date(rng.randint(1998, max(1998, registered.year - 1)), rng.randint(1, 12), rng.randint(1, 28)),
        registered_on=registered)
    base, growth = _level(rng, new_project)
    _plan_figures(plan, spec, rng, months[start_index:], base, growth, new_project)
    _plan_history(plan, spec, rng, base, new_project)
    # The extras draw from their own stream, so the figures, pools and events above stay what they
    # were for a seed before the extras existed.
    _plan_extras(plan, spec, random.Random(f"{spec.seed}:{serial}:extras"), base)
    return plan


RENAME_SHARE = 0.02        # enterprises renamed once in the period (a former name with its dates)
RECOGNITION_SHARE = 0.08   # with a recognition (科技型中小企业, 专精特新, 高新技术企业 …)
LISTING_SHARE = 0.005      # on the listing path (辅导备案 → 受理 → 挂牌)
NO_OUTPUT_SHARE = 0.01     # a recent month with electricity but no output (有电量无产值)
JUMP_SHARE = 0.01          # a recent month far above the three before it (营收异常突增)
RECOGNITION_KINDS = ("tech_sme", "tech_sme", "tech_sme", "high_tech", "high_tech", "provincial_srdi",
                     "national_little_giant")
LISTING_BOARDS = ("neeq", "neeq", "zyeq_trading", "bse")


def _plan_extras(plan: Plan, spec: Spec, rng: random.Random, base: float):
    """Name changes, recognitions, listing milestones and planted integrity cases."""
    end_day = spec.end_day
    if rng.random() < RENAME_SHARE:
        changed = plan.registered_on + timedelta(days=rng.randint(60, max(61, (end_day - plan.registered_on).days)))
        if changed <= end_day:
            old = plan.name.replace("有限公司", "有限责任公司") if "有限公司" in plan.name else "原" + plan.name
            plan.former_names.append((old, plan.registered_on, changed - timedelta(days=1)))
            plan.named_on = changed
    if rng.random() < RECOGNITION_SHARE * (2 if base >= 10e6 else 1):
        kind = rng.choice(RECOGNITION_KINDS)
        start = date(rng.randint(spec.first[0] - 2, spec.last[0]), rng.randint(1, 12), rng.randint(1, 28))
        if start <= end_day:
            plan.recognitions.append((kind, start, date(start.year + 3, start.month, start.day), rng.random() < 0.8))
    if base >= 20e6 and rng.random() < LISTING_SHARE * 10:
        board, day = rng.choice(LISTING_BOARDS), date(spec.first[0], rng.randint(1, 12), rng.randint(1, 28))
        for stage in ("tutoring_filed", "application_accepted", "listed"):
            if day > end_day or rng.random() < 0.3:
                break
            plan.listings.append((board, stage, day))
            day += timedelta(days=rng.randint(120, 300))
    recent = [i for i, f in enumerate(plan.figures) if (f[0], f[1]) >= months_back(spec.last, 6)]
    if recent and rng.random() < NO_OUTPUT_SHARE:
        i = rng.choice(recent)
        year, month, revenue, _output, tax, kwh, staff, reported = plan.figures[i]
        plan.figures[i] = (year, month, revenue, 0.0, tax, max(kwh, 60_000.0), staff, reported)
        plan.integrity.append(("no_output", year, month))
    if len(recent) > 3 and rng.random() < JUMP_SHARE:
        i = rng.choice(recent[3:])
        year, month, revenue, output, tax, kwh, staff, reported = plan.figures[i]
        plan.figures[i] = (year, month, round(revenue * 4.5, 2), round(output * 4.5, 2), tax, kwh, staff, reported)
        plan.integrity.append(("jump", year, month))


def _level(rng: random.Random, new_project: bool) -> tuple[float, float]:
    """Annual revenue when the figures start (yuan) and the yearly trend. A county's basic pool is
    mostly small enterprises: about one in eight is in scale, one in ten just below the line."""
    tier = rng.random()
    if new_project:
        return rng.uniform(12e6, 50e6), rng.uniform(0.0, 0.15)
    if tier < 0.55:
        return rng.uniform(1e6, 10e6), rng.uniform(-0.15, 0.20)
    if tier < 0.78:
        return rng.uniform(10e6, 17e6), rng.uniform(-0.15, 0.20)
    if tier < 0.88:
        return rng.uniform(17e6, 20.5e6), rng.uniform(-0.10, 0.15)  # just under the line
    if rng.random() < 0.35:
        return rng.uniform(21e6, 28e6), rng.uniform(-0.25, -0.06)  # in scale, falling towards the line
    return rng.uniform(21e6, 80e6), rng.uniform(-0.05, 0.20)


def _plan_figures(plan, spec, rng, months, base, growth, new_project):
    """Seasonal shape × yearly trend × noise; a new project ramps up over six months; ~3 % months missing."""
    heavy = INDUSTRIES[plan.industry_code][1]
    yuan_per_kwh = rng.uniform(2, 5) if heavy else rng.uniform(8, 20)
    tax_rate = rng.uniform(0.015, 0.05)
    employees = max(12, min(900, int(base / rng.uniform(250_000, 600_000))))
    first_index = spec.first[0] * 12 + spec.first[1]
    for k, (year, month) in enumerate(months):
        noise, output_ratio, tax_noise, kwh_noise = (rng.uniform(0.93, 1.07), rng.uniform(0.9, 1.1),
                                                     rng.uniform(0.8, 1.2), rng.uniform(0.95, 1.05))
        staff_noise, day, hour, minute = rng.randint(-2, 2), rng.randint(2, 11), rng.randint(8, 17), rng.randint(0, 59)
        if rng.random() < MISSING_SHARE:
            continue
        years = (year * 12 + month - first_index) / 12
        ramp = min(1.0, (k + 1) / 6) if new_project else 1.0
        revenue = base / 12 * SEASON[month - 1] * (1 + growth) ** years * ramp * noise
        reported = datetime.combine(date(year + month // 12, month % 12 + 1, day), time(hour, minute), tzinfo=SHANGHAI)
        plan.figures.append((
            year, month, round(revenue, 2), round(revenue * output_ratio, 2),
            round(revenue * tax_rate * tax_noise, 2), round(max(revenue / yuan_per_kwh * kwh_noise, 12_000), 1),
            max(5, round(employees * (1 + growth) ** (years / 2)) + staff_noise),
            min(reported, spec.reported_until)))


def _plan_history(plan: Plan, spec: Spec, rng: random.Random, base: float, new_project: bool):
    """Pool stays and scale events that follow from the figures, in date order (rules as in the demo:
    盂促企组办发[2024]1号 三 — reserve above 5,000,000 a year, cultivation from 10,000,000, the statistics
    pool for those declared; annual entries in November/December, the review in March exits those below
    the line; a new project enters by the month once three months run at scale)."""
    end_day = spec.end_day
    plan.stays.append([Pool.BASIC, plan.registered_on, "登记入基础信息库", None, ""])
    revenue = {(f[0], f[1]): f[2] for f in plan.figures}

    def move(pool, on, reason):
        current = plan.stays[-1]
        if current[0] == pool or on > end_day:
            return
        on = max(on, current[1])
        current[3], current[4] = on, reason
        plan.stays.append([pool, on, reason, None, ""])

    def event(kind, on, basis=""):
        if on <= end_day and (not plan.events or on > plan.events[-1][1]):
            plan.events.append((kind, on, basis))

    def entry_kind():
        if plan.events:
            return "reentry", ""
        if plan.category == EnterpriseCategory.NEW_PROJECT:
            return "treated_entry", "new_project"
        if plan.category in CONVERTING:
            return "treated_entry", "above_quota_conversion"
        return "first_entry", ""

    def wan(value):
        return f"{value / 10000:,.2f}万元"

    if new_project:
        move(Pool.CULTIVATION, plan.registered_on, "新开工（投产）项目，预计可达规模以上，列入培育库")
        keys = [(f[0], f[1]) for f in plan.figures]
        for i in range(2, len(keys)):
            recent = sum(revenue[k] for k in keys[i - 2:i + 1])
            if recent * 4 >= THRESHOLD:
                year, month = keys[i]
                day = date(year + month // 12, month % 12 + 1, 1)
                if day <= end_day:
                    move(Pool.STATISTICS, day - timedelta(days=16),
                         f"投产后近三个月主营业务收入{wan(recent)}，按年化达到2000万元，申报月度入库")
                    event("treated_entry", day, "new_project")
                break
    elif base >= THRESHOLD:  # in scale before the figures start
        event("first_entry", date(spec.first[0] - rng.randint(1, 5), 12, 1))
        move(Pool.STATISTICS, plan.registered_on, "规上工业企业，纳入入统库台账（防退规）")
    elif base > 5e6:
        on = plan.registered_on + timedelta(days=rng.randint(30, 150))
        pool = Pool.CULTIVATION if base >= 10e6 else Pool.RESERVE
        move(pool, on, f"上年主营业务收入{wan(base)}，列入{POOL_NAMES[pool]}")

    previous = base
    for year in range(spec.first[0], spec.last[0] + 1):
        nine = [revenue[(year, m)] for m in range(1, 10) if (year, m) in revenue]
        declare_on = date(year, 10, 15)
        if not new_project and not plan.in_scale and len(nine) >= 6 and declare_on <= end_day \
                and sum(nine) / len(nine) * 12 >= THRESHOLD:
            move(Pool.STATISTICS, declare_on, f"{year}年1-9月主营业务收入{wan(sum(nine))}，预计全年达到2000万元，申报年度入库")
            kind, basis = entry_kind()
            event(kind, date(year, rng.choice([11, 12]), 1), basis)
        twelve = [revenue[(year, m)] for m in range(1, 13) if (year, m) in revenue]
        review_on = date(year + 1, 3, 1)
        if len(twelve) < 9 or review_on > end_day:
            continue
        annual = sum(twelve) / len(twelve) * 12
        exit_roll = rng.random()
        if plan.in_scale_on(date(year, 12, 31)):
            if annual < THRESHOLD and exit_roll < 0.7:
                event(EXIT, review_on)
                move(Pool.CULTIVATION, review_on, f"{year}年主营业务收入{wan(annual)}，低于2000万元退规，列入培育库争取二次入规")
        elif not new_project:
            pool = plan.stays[-1][0]
            if pool in (Pool.BASIC, Pool.RESERVE) and annual >= 10e6:
                move(Pool.CULTIVATION, review_on, f"{year}年主营业务收入{wan(annual)}，达到1000万元以上，调入培育库")
            elif pool == Pool.BASIC and annual > 5e6:
                move(Pool.RESERVE, review_on, f"{year}年主营业务收入{wan(annual)}，超过500万元，列入储备库")
            elif pool in (Pool.RESERVE, Pool.CULTIVATION) and annual < previous * 0.75:
                move(Pool.BASIC, date(year + 1, 2, 20), f"{year}年主营业务收入下降至{wan(annual)}，调出{POOL_NAMES[pool]}")
        previous = annual


# -- writing --------------------------------------------------------------------------------

def _encode(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


class _Table:
    """COPY into one model's table: the given columns per row, every other concrete column its default."""

    def __init__(self, model, columns: tuple[str, ...], *, with_pk=False):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.table = model._meta.db_table
        self.columns = [fields[name].column for name in columns]
        tail = []
        for f in model._meta.concrete_fields:
            if f.attname in columns or (f.primary_key and not with_pk):
                continue
            self.columns.append(f.column)
            tail.append(None if f.null else f.get_default())
        self.tail = "".join("\t" + _encode(v) for v in tail)
        self.buffer = io.StringIO()
        self.rows = 0

    def add(self, *values):
        self.buffer.write("\t".join(_encode(v) for v in values) + self.tail + "\n")
        self.rows += 1

    def flush(self, cursor) -> int:
        """COPY what was added since the last flush; returns the number of COPY statements (0 or 1)."""
        if self.buffer.tell() == 0:
            return 0
        self.buffer.seek(0)
        quoted = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        cursor.copy_expert(f"COPY {connection.ops.quote_name(self.table)} ({quoted}) FROM STDIN", self.buffer)
        self.buffer = io.StringIO()
        return 1


def generate(spec: Spec, size: int, *, chunk: int = CHUNK, progress=None) -> dict:
    """Write `size` planned enterprises (serials 0 … size−1) and their rows; returns counts.

    One transaction; per chunk one query for the ids and one COPY per table; ANALYZE at the end so
    the planner knows the new rows before anything is measured on them."""
    if connection.vendor != "postgresql":
        raise ValueError("generate_enterprises writes with PostgreSQL COPY; set DATABASE_URL to a PostgreSQL database")
    if not 0 < size <= MAX_SIZE:
        raise ValueError(f"size must be between 1 and {MAX_SIZE}")
    now = datetime.now(tz=SHANGHAI)
    enterprises = _Table(Enterprise, (
        "id", "credit_code", "name", "jurisdiction_id", "department_id", "industry_code", "category",
        "legal_representative", "address", "established_on", "is_in_scale", "created_at", "updated_at"), with_pk=True)
    names = _Table(EnterpriseName, ("enterprise_id", "name", "valid_from", "valid_to"))
    stays = _Table(PoolMembership, ("enterprise_id", "pool", "entered_on", "entry_reason", "exited_on", "exit_reason"))
    events = _Table(ScaleEvent, ("enterprise_id", "kind", "occurred_on", "treated_basis", "name_at_event"))
    figures = _Table(MonthlyFigure, ("enterprise_id", "year", "month", "revenue", "output_value", "tax",
                                     "electricity_kwh", "employees", "source", "reported_at"))
    recognitions = _Table(Recognition, ("enterprise_id", "kind", "valid_from", "valid_to", "is_first"))
    listings = _Table(ListingMilestone, ("enterprise_id", "board", "stage", "reached_on"))
    tables = (enterprises, names, stays, events, figures, recognitions, listings)
    counts = {"enterprises": 0, "in_scale": 0, "figures": 0, "pool_memberships": 0, "scale_events": 0,
              "statements": 0, "renamed": 0, "integrity_cases": 0}
    sequence = f"pg_get_serial_sequence('{Enterprise._meta.db_table}', 'id')"
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, size, chunk):
            serials = range(start, min(size, start + chunk))
            cursor.execute(f"SELECT nextval({sequence}) FROM generate_series(1, %s)", [len(serials)])
            ids = [row[0] for row in cursor.fetchall()]
            counts["statements"] += 1
            for pk, serial in zip(ids, serials):
                plan = plan_enterprise(spec, serial)
                enterprises.add(pk, plan.credit_code, plan.name, plan.place.id, plan.department_id,
                                plan.industry_code, plan.category, plan.legal_representative, plan.address,
                                plan.established_on, plan.in_scale, now, now)
                for former, valid_from, valid_to in plan.former_names:
                    names.add(pk, former, valid_from, valid_to)
                names.add(pk, plan.name, plan.named_on or plan.registered_on, None)
                for kind, valid_from, valid_to, first in plan.recognitions:
                    recognitions.add(pk, kind, valid_from, valid_to, first)
                for board, stage, reached_on in plan.listings:
                    listings.add(pk, board, stage, reached_on)
                counts["renamed"] += bool(plan.former_names)
                counts["integrity_cases"] += len(plan.integrity)
                for pool, entered_on, reason, exited_on, exit_reason in plan.stays:
                    stays.add(pk, pool, entered_on, reason, exited_on, exit_reason)
                for kind, occurred_on, basis in plan.events:
                    events.add(pk, kind, occurred_on, basis, plan.name_on(occurred_on))
                for year, month, revenue, output, tax, kwh, staff, reported_at in plan.figures:
                    figures.add(pk, year, month, revenue, output, tax, kwh, staff, "import", reported_at)
                counts["in_scale"] += plan.in_scale
            for table in tables:
                counts["statements"] += table.flush(cursor)
            if progress:
                progress(serials.stop, size)
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table.table)}")
            counts["statements"] += 1
    counts.update(enterprises=enterprises.rows, figures=figures.rows, pool_memberships=stays.rows,
                  scale_events=events.rows, recognitions=recognitions.rows, listing_milestones=listings.rows)
    return counts


# -- deleting a generation ------------------------------------------------------------------

GENERATED_SQL = (f"SELECT e.id FROM {Enterprise._meta.db_table} e "
                 f"JOIN {Jurisdiction._meta.db_table} j ON j.id = e.jurisdiction_id "
                 f"WHERE j.path LIKE %s AND substring(e.credit_code from 9 for 2) = '{GENERATED_BLOCK}'")


def purge(jurisdiction) -> int:
    """Delete the generated enterprises under `jurisdiction` and every row that references them
    (figures, pools, events, warnings, entitlements …), set-based: one statement per relation,
    whatever the number of enterprises. Returns the number of enterprises deleted.

    Rows of other models that point at a deleted row through a nullable foreign key declared
    SET_NULL are kept with the key cleared, as Django would; everything else referencing the
    synthetic rows goes with them (synthetic data has nothing worth protecting)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE synthetic_purge ON COMMIT DROP AS " + GENERATED_SQL,
                       [jurisdiction.path.replace("_", "\\_").replace("%", "\\%") + "%"])
        cursor.execute("SELECT count(*) FROM synthetic_purge")
        count = cursor.fetchone()[0]
        if count:
            _purge_rows(cursor, Enterprise, "SELECT id FROM synthetic_purge", [], depth=0)
        cursor.execute("DROP TABLE synthetic_purge")
    return count


def _purge_rows(cursor, model, ids_sql: str, params: list, depth: int):
    if depth > 4:
        raise RuntimeError(f"references to {model._meta.label} nest too deep to purge")
    quote = connection.ops.quote_name
    for relation in model._meta.related_objects:
        if relation.many_to_many or not getattr(relation.field, "db_constraint", True):
            continue  # history tables keep their rows (no constraint); many-to-many has its own table
        child = relation.related_model
        column = quote(relation.field.column)
        where = f"{column} IN ({ids_sql})"
        on_delete = relation.on_delete
        if on_delete is models.DO_NOTHING:
            continue
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(child._meta.db_table)} WHERE {where})", params)
        if not cursor.fetchone()[0]:
            continue
        if on_delete is models.SET_NULL:
            cursor.execute(f"UPDATE {quote(child._meta.db_table)} SET {column} = NULL WHERE {where}", params)
        else:  # CASCADE, and PROTECT/RESTRICT on synthetic rows
            child_ids = f"SELECT {quote(child._meta.pk.column)} FROM {quote(child._meta.db_table)} WHERE {where}"
            _purge_rows(cursor, child, child_ids, params, depth + 1)
    cursor.execute(f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} IN ({ids_sql})",
                   params)
