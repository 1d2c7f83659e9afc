"""Value types of the incentive engine. Plain frozen dataclasses: no Django."""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal, Mapping

from enterprises.domain.scale import Event

Outcome = Literal["pass", "fail", "unknown"]
PASS: Outcome = "pass"
FAIL: Outcome = "fail"
UNKNOWN: Outcome = "unknown"

LOCAL = "@local"  # payer placeholder resolved through a funding split table


@dataclass(frozen=True)
class Citation:
    document_key: str
    document_number: str
    clause: str
    document_title: str = ""

    def __str__(self) -> str:
        return f"{self.document_number} {self.clause}".strip()


@dataclass(frozen=True)
class PayerShare:
    payer: str  # e.g. "山西省财政"; LOCAL for the enterprise's local finance per the split table
    share: Decimal


@dataclass(frozen=True)
class LocalCondition:
    """A lower-level document's clause on a higher-level rule, e.g. 孝义 三(四) on the 山西
    provincial award: it restates the rule (cited beside it) and may exclude kinds of entry.
    It binds only where its issuer governs (the enterprise's jurisdiction path contains
    `jurisdiction`) and while the issuing document is in force; elsewhere the rule's own
    wording decides."""

    rule_key: str
    jurisdiction: str  # the issuing document's jurisdiction
    citation: Citation  # the issuing document and its clause
    valid_from: date
    valid_to: date | None = None
    excluded: Mapping[str, str] = field(default_factory=dict)  # entry kind → the clause's words
    document_status: str = "in_force"

    def binds(self, jurisdiction_path: tuple[str, ...], day: date) -> bool:
        return (self.jurisdiction in jurisdiction_path and self.valid_from <= day
                and (self.valid_to is None or day <= self.valid_to))


@dataclass(frozen=True)
class Rule:
    """One version of an incentive rule, valid on [valid_from, valid_to]."""

    key: str
    kind: str
    title: str
    jurisdiction: str  # key of the jurisdiction whose rule it is; applies in its whole subtree
    citation: Citation
    valid_from: date
    valid_to: date | None = None
    amount: Decimal | None = None
    payers: tuple[PayerShare, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    split: str | None = None  # funding split table used to resolve LOCAL
    document_status: str = "in_force"
    deleted_by: Citation | None = None  # set on the last version when an amendment deletes the rule
    changed_by: Citation | None = None  # set on a version an amendment introduced
    local_conditions: tuple[LocalCondition, ...] = ()  # other documents' clauses on this rule
    note: str = ""  # how the rule reads its clause (shown to staff; the engine does not use it)
    # Non-empty when valid_from is an estimate (the issuing document's effective date is not known,
    # e.g. "按文号年份推定"): every decision on this version says so in its reason.
    valid_from_estimate: str = ""

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def overlaps_year(self, year: int) -> bool:
        return self.valid_from <= date(year, 12, 31) and (self.valid_to is None or self.valid_to >= date(year, 1, 1))

    @property
    def version_label(self) -> str:
        end = self.valid_to.isoformat() if self.valid_to else ""
        return f"{self.citation} [{self.valid_from.isoformat()}—{end}]"


@dataclass(frozen=True)
class RuleChange:
    """What an amendment does to one rule from its effective date."""

    rule_key: str
    action: Literal["delete", "change"]
    changes: Mapping[str, Any] = field(default_factory=dict)  # for "change": amount, params, payers, title
    clause: str = ""  # the amendment's own item that makes the change


@dataclass(frozen=True)
class Amendment:
    document_key: str
    citation: Citation
    status: str  # draft | in_force | repealed
    effective_from: date | None
    changes: tuple[RuleChange, ...]


@dataclass(frozen=True)
class FundingSplit:
    key: str
    citation: Citation
    by_jurisdiction: Mapping[str, tuple[PayerShare, ...]]  # county-level key → local payers


@dataclass(frozen=True)
class RecognitionFact:
    kind: str
    valid_from: date
    valid_to: date | None = None
    is_first: bool = True


@dataclass(frozen=True)
class ListingMilestone:
    board: str  # main_board | star | chinext | bse | neeq | zyeq_trading
    stage: str  # tutoring_filed | application_accepted | listed
    on: date


@dataclass(frozen=True)
class Refinancing:
    on: date
    amount: Decimal
    venue: str  # where the enterprise is listed, e.g. zyeq (中原股权交易中心)
    local_investment_share: Decimal | None  # None = not known


@dataclass(frozen=True)
class PlatformGrade:
    year: int
    grade: int  # 1, 2, 3 (一、二、三等)


@dataclass(frozen=True)
class EnterpriseFacts:
    """What the registry knows about one enterprise. None means "not recorded",
    which the engine reports as unknown, never as not eligible."""

    key: str
    name: str
    jurisdiction_path: tuple[str, ...]  # root → leaf jurisdiction keys
    scale_events: tuple[Event, ...] | None = None
    treated_bases: Mapping[date, str] = field(default_factory=dict)  # treated-entry date → basis (视同依据)
    annual_revenue: Mapping[int, Decimal] = field(default_factory=dict)  # year missing = unknown
    q1_full_capacity: Mapping[int, bool] = field(default_factory=dict)
    q1_revenue_growth: Mapping[int, Decimal] = field(default_factory=dict)  # 0.10 = +10 %
    development_sound: Mapping[int, bool] = field(default_factory=dict)  # 发展良性
    recognitions: tuple[RecognitionFact, ...] | None = None
    listing_milestones: tuple[ListingMilestone, ...] | None = None
    refinancings: tuple[Refinancing, ...] | None = None
    platform_grades: tuple[PlatformGrade, ...] | None = None
    awards_received: Mapping[str, int] = field(default_factory=dict)  # once-group → year already paid
    size_class: str | None = None  # large | medium | small | micro (统计上大中小微型企业划分办法); None = not recorded


@dataclass(frozen=True)
class PayerAmount:
    payer: str
    amount: Decimal | None


@dataclass(frozen=True)
class Decision:
    rule_key: str
    rule_title: str
    kind: str
    year: int
    outcome: Outcome
    amount: Decimal | None  # owed when outcome is pass; None when the amount is not fixed by the rule
    payers: tuple[PayerAmount, ...]
    citation: Citation
    reason: str
    rule_version: str
    reference_date: date | None = None
    also_cited: tuple[Citation, ...] = ()
