"""Registry rows → engine facts, for many enterprises at once.

One query per kind of fact (events, yearly revenue, Q1 revenue, recognitions,
attestations, listings, refinancings, awards already received), whatever the
number of enterprises; the engine then runs in memory.
"""
from collections import defaultdict
from typing import Iterable

from django.db.models import Count, QuerySet, Sum

from enterprises.domain.scale import Event
from enterprises.models import (
    AnnualAttestation,
    Enterprise,
    ListingMilestone,
    MonthlyFigure,
    Recognition,
    Refinancing,
    ScaleEvent,
)
from policies import engine

from .models import Entitlement, EntitlementStatus


def enterprise_facts(enterprises: QuerySet, years: Iterable[int]) -> dict[int, engine.EnterpriseFacts]:
    """Facts keyed by enterprise id for the enterprises of `enterprises` (a queryset)."""
    years = sorted(set(years))
    wanted = sorted(set(years) | {y - 1 for y in years})
    rows = list(enterprises.select_related("jurisdiction").order_by("pk"))
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

    annual = defaultdict(dict)
    for row in (MonthlyFigure.objects.filter(enterprise__in=ids, year__in=wanted, revenue__isnull=False)
                .values("enterprise_id", "year").annotate(total=Sum("revenue"), months=Count("revenue"))):
        if row["months"] == 12:  # a partial year is not an annual revenue
            annual[row["enterprise_id"]][row["year"]] = row["total"]

    q1 = defaultdict(dict)
    for row in (MonthlyFigure.objects.filter(enterprise__in=ids, year__in=wanted, month__lte=3,
                                             revenue__isnull=False)
                .values("enterprise_id", "year").annotate(total=Sum("revenue"), months=Count("revenue"))):
        if row["months"] == 3:
            q1[row["enterprise_id"]][row["year"]] = row["total"]

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
    for enterprise in rows:
        eid = enterprise.pk
        growth = {}
        for year in years:
            now, before = q1[eid].get(year), q1[eid].get(year - 1)
            if now is not None and before:
                growth[year] = (now - before) / before
        atts = attestations[eid]
        facts[eid] = engine.EnterpriseFacts(
            key=enterprise.credit_code, name=enterprise.name,
            jurisdiction_path=tuple(k for k in enterprise.jurisdiction.path.split("/") if k),
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
        )
    return facts


def single_enterprise_facts(enterprise: Enterprise, years: Iterable[int]) -> engine.EnterpriseFacts:
    return enterprise_facts(Enterprise.objects.filter(pk=enterprise.pk), years)[enterprise.pk]


def decisions_for(enterprise: Enterprise, year: int, inputs) -> list[engine.Decision]:
    facts = single_enterprise_facts(enterprise, [year])
    return engine.evaluate(facts, inputs.versions(), year, inputs.splits)

