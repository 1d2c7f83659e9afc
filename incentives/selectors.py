"""Registry rows → engine facts, for many enterprises at once.

One query per kind of fact (events, yearly revenue, Q1 revenue, recognitions,
attestations, listings, refinancings, awards already received), whatever the
number of enterprises; the engine then runs in memory.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.lookups import StartsWith

from enterprises.domain.scale import Event
from enterprises.models import (
    AnnualAttestation,
    Enterprise,
    Jurisdiction,
    ListingMilestone,
    MonthlyFigure,
    Recognition,
    Refinancing,
    ScaleEvent,
)
from policies import engine

from .domain import signoff
from .models import Entitlement, EntitlementBatch, EntitlementStatus


def enterprise_facts(enterprises: QuerySet, years: Iterable[int]) -> dict[int, engine.EnterpriseFacts]:
    """Facts keyed by enterprise id for the enterprises of `enterprises` (a queryset)."""
    years = sorted(set(years))
    wanted = sorted(set(years) | {y - 1 for y in years})
    # Plain tuples, not model instances: at a province's 200,000 enterprises the instances alone
    # took seconds and hundreds of MiB (issue 14).
    rows = list(enterprises.order_by("pk").values_list("pk", "credit_code", "name", "jurisdiction__path",
                                                       "size_class"))
    ids = enterprises.values("pk")

    events = defaultdict(list)
    bases = defaultdict(dict)
    for eid, kind, day, name, basis in (ScaleEvent.objects.filter(enterprise__in=ids)
                                        .order_by("occurred_on", "id")
                                        .values_list("enterprise_id", "kind", "occurred_on", "name_at_event",
                                                     "treated_basis")):
        events[eid].append(Event(kind, day, name))
        if basis:
            bases[eid][day] = basis

    # The year's revenue and its first quarter's, in one pass over the monthly figures.
    annual, q1 = defaultdict(dict), defaultdict(dict)
    first_quarter = Q(month__lte=3)
    for eid, year, total, months, q1_total, q1_months in (
            MonthlyFigure.objects.filter(enterprise__in=ids, year__in=wanted, revenue__isnull=False)
            .values("enterprise_id", "year")
            .annotate(total=Sum("revenue"), months=Count("revenue"),
                      q1_total=Sum("revenue", filter=first_quarter), q1_months=Count("revenue", filter=first_quarter))
            .values_list("enterprise_id", "year", "total", "months", "q1_total", "q1_months")):
        if months == 12:  # a partial year is not an annual revenue
            annual[eid][year] = total
        if q1_months == 3:
            q1[eid][year] = q1_total

    recognitions = defaultdict(list)
    for eid, kind, start, end, first in Recognition.objects.filter(enterprise__in=ids).values_list(
            "enterprise_id", "kind", "valid_from", "valid_to", "is_first"):
        recognitions[eid].append(engine.RecognitionFact(kind, start, end, first))

    attestations = defaultdict(list)
    for att in AnnualAttestation.objects.filter(enterprise__in=ids):
        attestations[att.enterprise_id].append(att)

    listings = defaultdict(list)
    for eid, board, stage, day in ListingMilestone.objects.filter(enterprise__in=ids).values_list(
            "enterprise_id", "board", "stage", "reached_on"):
        listings[eid].append(engine.ListingMilestone(board, stage, day))

    refinancings = defaultdict(list)
    for eid, day, amount, venue, share in Refinancing.objects.filter(enterprise__in=ids).values_list(
            "enterprise_id", "raised_on", "amount", "venue", "local_investment_share"):
        refinancings[eid].append(engine.Refinancing(day, amount, venue, share))

    received = defaultdict(dict)
    for eid, year, params in (Entitlement.objects.filter(
            enterprise__in=ids, status__in=(EntitlementStatus.APPROVED, EntitlementStatus.PAID))
            .values_list("enterprise_id", "year", "rule__params")):
        group = (params or {}).get("once_group")
        if group and (group not in received[eid] or year < received[eid][group]):
            received[eid][group] = year

    facts = {}
    for eid, credit_code, name, path, size_class in rows:
        growth = {}
        for year in years:
            now, before = q1[eid].get(year), q1[eid].get(year - 1)
            if now is not None and before:
                growth[year] = (now - before) / before
        atts = attestations[eid]
        facts[eid] = engine.EnterpriseFacts(
            key=credit_code, name=name,
            jurisdiction_path=tuple(k for k in path.split("/") if k),
            # The registry keeps scale status as events: an enterprise without any is known to be 规下.
            scale_events=tuple(events[eid]),
            treated_bases=dict(bases[eid]),
            annual_revenue=dict(annual[eid]),
            q1_full_capacity={a.year: a.q1_full_capacity for a in atts if a.q1_full_capacity is not None},
            q1_revenue_growth=growth,
            development_sound={a.year: a.development_sound for a in atts if a.development_sound is not None},
            recognitions=tuple(recognitions[eid]),
            listing_milestones=tuple(listings[eid]),
            refinancings=tuple(refinancings[eid]),
            platform_grades=tuple(engine.PlatformGrade(a.year, a.platform_grade) for a in atts
                                  if a.platform_grade is not None),
            awards_received=dict(received[eid]),
            size_class=size_class or None,  # blank = not recorded → unknown, never "not 小微"
        )
    return facts


def single_enterprise_facts(enterprise: Enterprise, years: Iterable[int]) -> engine.EnterpriseFacts:
    return enterprise_facts(Enterprise.objects.filter(pk=enterprise.pk), years)[enterprise.pk]


def with_facts_pending(entitlements: QuerySet) -> QuerySet:
    """Annotate `facts_pending`: a record the award depends on (recognition, listing, refinancing,
    attestation, scale event; the registry stamps `Enterprise.facts_changed_at`) changed after the
    entitlement was computed, and no finished 免申即享 batch of its year covering its enterprise
    (the batch's jurisdiction is the enterprise's or above it) has started since: it awaits the
    next batch. Computed in the same query (one EXISTS), whatever the number of rows."""
    changed_at = OuterRef("enterprise__facts_changed_at")
    place = ExpressionWrapper(OuterRef("enterprise__jurisdiction__path"), output_field=CharField())
    batch_since = (EntitlementBatch.objects
                   .filter(status=EntitlementBatch.Status.FINISHED, year=OuterRef("year"), started_at__gte=changed_at,
                           parent__isnull=True)  # (a part covers only its own counties)
                   .filter(StartsWith(place, F("jurisdiction__path"))))
    return entitlements.annotate(facts_pending=Case(
        When(Q(enterprise__facts_changed_at__gt=F("computed_at")) & ~Exists(batch_since), then=Value(True)),
        default=Value(False), output_field=BooleanField()))


def decisions_for(enterprise: Enterprise, year: int, inputs) -> list[engine.Decision]:
    facts = single_enterprise_facts(enterprise, [year])
    return engine.evaluate(facts, inputs.versions(), year, inputs.splits)



# -- ledger totals -------------------------------------------------------------------

# Rows no longer owed: left out of the payer totals unless the user filters for them.
NOT_OWED_STATUSES = (EntitlementStatus.REJECTED, EntitlementStatus.WITHDRAWN)


@dataclass
class LedgerTotal:
    """Rows of one kind: how many, the sum of the amounts known (yuan), and how many
    are due with the amount left to the payer (counted apart, never as zero)."""
    key: str
    label: str
    count: int = 0
    amount: Decimal = Decimal("0.00")
    undetermined: int = 0


@dataclass
class LedgerTotals:
    overall: LedgerTotal
    by_status: list[LedgerTotal] = field(default_factory=list)
    by_payer: list[LedgerTotal] = field(default_factory=list)
    payers_owed_only: bool = False  # payer totals leave out rejected and withdrawn rows


def ledger_totals(entitlements: QuerySet, *, payers_owed_only: bool = True) -> LedgerTotals:
    """Totals of `entitlements` (already filtered) in two queries, whatever the number of rows.

    By status: aggregated in the database. By payer: each row's payer shares (a JSON
    list) read in one query and added up here; a share without an amount is counted
    as undetermined. With `payers_owed_only`, rejected and withdrawn rows are left out
    of the payer totals (they are owed by no one)."""
    labels = dict(EntitlementStatus.choices)
    order = {value: index for index, value in enumerate(EntitlementStatus.values)}
    rows = (entitlements.order_by().values("status")
            .annotate(n=Count("pk"), total=Sum("amount"), open=Count("pk", filter=Q(amount__isnull=True))))
    by_status = sorted((LedgerTotal(row["status"], str(labels.get(row["status"], row["status"])), row["n"],
                                    row["total"] or Decimal("0.00"), row["open"]) for row in rows),
                       key=lambda total: order.get(total.key, len(order)))
    overall = LedgerTotal("", "", sum(t.count for t in by_status), sum((t.amount for t in by_status), Decimal("0.00")),
                          sum(t.undetermined for t in by_status))

    payer_rows = entitlements.order_by()
    if payers_owed_only:
        payer_rows = payer_rows.exclude(status__in=NOT_OWED_STATUSES)
    payers: dict[str, LedgerTotal] = {}
    for amount, shares in payer_rows.values_list("amount", "payers"):
        for share in shares or [{"payer": "", "amount": amount}]:  # no payer named: listed under “”
            name = (share.get("payer") or "").strip()
            total = payers.setdefault(name, LedgerTotal(name, name))
            total.count += 1
            if share.get("amount") in (None, ""):
                total.undetermined += 1
            else:
                total.amount += Decimal(str(share["amount"]))
    by_payer = sorted(payers.values(), key=lambda t: (-t.amount, -t.count, t.key))
    return LedgerTotals(overall, by_status, by_payer, payers_owed_only)


# -- sign-off rules -----------------------------------------------------------------

def signoff_rules(jurisdiction_ids) -> dict[int, signoff.Rules]:
    """The sign-off rules in force in each jurisdiction: its own setting, else the nearest
    ancestor's, else the defaults (separation on, payment by finance). Two queries."""
    places = dict(Jurisdiction.objects.filter(pk__in=set(jurisdiction_ids)).values_list("pk", "path"))
    keys = {key for path in places.values() for key in path.split("/") if key}
    settings = {key: (separation, staff) for key, separation, staff in Jurisdiction.objects.filter(key__in=keys)
                .values_list("key", "duty_separation", "staff_may_record_payment")}
    rules = {}
    for pk, path in places.items():
        chain = [settings[key] for key in reversed([k for k in path.split("/") if k]) if key in settings]
        rules[pk] = signoff.Rules(
            separation=signoff.inherited((c[0] for c in chain), signoff.DEFAULT_RULES.separation),
            staff_may_pay=signoff.inherited((c[1] for c in chain), signoff.DEFAULT_RULES.staff_may_pay))
    return rules
