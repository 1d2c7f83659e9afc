"""The public eligibility check: the visitor's facts + the rule catalog → the engine's decisions,
with the clause texts and, for what is missed, what it would take. Reads no registry row;
writes nothing but a contact request the visitor consents to.

Steps of `check`: take the catalog of the current version (catalog_cache: no query when warm);
evaluate the facts with the rules in force; for each draft of the visitor's jurisdiction chain,
evaluate again with the draft adopted from 1 January of the year asked (shown apart); turn each
decision into what a visitor reads (outcome, amount in 万元, payers, clause text, reason, and a
hint: the question to answer for an unknown, the gap for a numeric threshold missed).
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises import access
from enterprises.domain.formatting import wan_yuan, wan_yuan_apart
from enterprises.models import Role
from policies import engine

from .catalog_cache import PublicCatalog, public_catalog
from .forms import FactsForm, facts_from
from .models import ContactRequest

NON_MONEY_KINDS = {"non_cash_benefit", "treated_as_entry"}
OUTCOME_LABELS = {engine.PASS: gettext_lazy("可享受"), engine.FAIL: gettext_lazy("不符合"),
                  engine.UNKNOWN: gettext_lazy("信息不足")}
CONTACT_PURPOSE = gettext_lazy(
    "您留下的联系人、电话、企业名称和问题仅保存于本平台，只供所选区域的中小企业服务中心工作人员就政策咨询与您联系，"
    "不用于其他目的，不对外提供。您填写的自测信息不随之保存。")


@dataclass(frozen=True)
class CitedClause:
    citation: str
    text: str


@dataclass
class DecisionView:
    rule_key: str
    title: str
    kind: str
    outcome: str
    outcome_label: str
    amount: Decimal | None  # yuan
    payers: list[tuple[str, Decimal | None]]
    citation: CitedClause
    also_cited: list[CitedClause]
    reason: str
    hint: str = ""  # what it would take: the question to answer, or the gap to a threshold
    gap: Decimal | None = None  # yuan missing to a revenue threshold
    changed: bool = False  # in a draft's section: differs from the rules in force

    @property
    def is_money(self) -> bool:
        return self.kind not in NON_MONEY_KINDS


@dataclass
class DraftView:
    key: str
    number: str
    title: str
    assumed_from: date
    changes: list[CitedClause]
    decisions: list[DecisionView]

    @property
    def changed(self) -> list[DecisionView]:
        return [d for d in self.decisions if d.changed]

    @property
    def owed_total(self) -> Decimal:
        return _owed_total(self.decisions)


@dataclass
class CheckResult:
    year: int
    place_key: str
    place_label: str
    decisions: list[DecisionView]
    drafts: list[DraftView] = field(default_factory=list)

    @property
    def owed(self):
        return [d for d in self.decisions if d.outcome == engine.PASS and d.is_money]

    @property
    def unknown(self):
        return [d for d in self.decisions if d.outcome == engine.UNKNOWN]

    @property
    def missed(self):
        return [d for d in self.decisions if d.outcome == engine.FAIL and d.is_money]

    @property
    def other_policies(self):
        return [d for d in self.decisions if d.outcome == engine.PASS and not d.is_money]

    @property
    def owed_total(self) -> Decimal:
        return _owed_total(self.decisions)


def _owed_total(decisions) -> Decimal:
    return sum((d.amount for d in decisions if d.outcome == engine.PASS and d.is_money and d.amount is not None),
               Decimal(0))


def facts_form(data=None, catalog: PublicCatalog | None = None) -> FactsForm:
    return FactsForm(data, catalog=catalog or public_catalog())


def check(form: FactsForm) -> CheckResult:
    """Decisions for a valid FactsForm: the rules in force, and each draft of the chain if adopted."""
    catalog = form.catalog
    facts, place = facts_from(form)
    year = form.cleaned_data["year"]
    live = engine.evaluate(facts, catalog.live, year, catalog.inputs.splits)
    views = [_view(d, catalog.live, facts, catalog) for d in live]
    drafts = []
    for document in catalog.drafts_for(place.path):
        assumed = date(year, 1, 1)
        versions = catalog.inputs.versions(adopt={document.key: assumed})
        scenario = engine.evaluate(facts, versions, year, catalog.inputs.splits)
        before = {d.rule_key: (d.outcome, d.amount) for d in live}
        shown = []
        for decision in scenario:
            view = _view(decision, versions, facts, catalog)
            view.changed = before.get(decision.rule_key) != (decision.outcome, decision.amount)
            shown.append(view)
        shown += [_gone(d, catalog, facts) for d in live if d.rule_key not in {s.rule_key for s in scenario}]
        changes = [CitedClause(_("%(title)s：%(action)s（第%(clause)s项）") % {
            "title": c.rule_title, "action": _("删除") if c.action == "delete" else _("修改"), "clause": c.clause},
            catalog.clause_text(document.key, c.clause)) for c in catalog.draft_changes.get(document.key, ())]
        drafts.append(DraftView(document.key, document.number, document.title, assumed, changes, shown))
    return CheckResult(year, place.key, place.label, views, drafts)


def _gone(decision, catalog, facts) -> DecisionView:
    view = _view(decision, catalog.live, facts, catalog)
    view.outcome, view.outcome_label, view.amount, view.payers = engine.FAIL, str(OUTCOME_LABELS[engine.FAIL]), None, []
    view.reason, view.hint, view.changed = _("草案通过后本条不再执行"), "", True
    return view


def _cited(citation, catalog) -> CitedClause:
    return CitedClause(str(citation), catalog.clause_text(citation.document_key, citation.clause))


def _view(decision, versions, facts, catalog) -> DecisionView:
    version = next((r for r in versions.get(decision.rule_key, []) if r.version_label == decision.rule_version),
                   None) or (versions.get(decision.rule_key) or [None])[-1]
    view = DecisionView(
        rule_key=decision.rule_key, title=decision.rule_title, kind=decision.kind, outcome=decision.outcome,
        outcome_label=str(OUTCOME_LABELS[decision.outcome]), amount=decision.amount,
        payers=[(p.payer, p.amount) for p in decision.payers], citation=_cited(decision.citation, catalog),
        also_cited=[_cited(c, catalog) for c in decision.also_cited], reason=decision.reason)
    if decision.outcome == engine.UNKNOWN:
        view.hint = _unknown_hint(decision, version, facts)
    elif decision.outcome == engine.FAIL and version is not None:
        view.hint, view.gap = _gap(decision, version, facts)
    return view


# The question a visitor answers to turn an unknown into an answer: the first fact the rule's
# evaluator reads that was left blank (policies/engine/evaluate.py, in its order).
QUESTIONS = {
    "scale_events": gettext_lazy("请告诉我们：入规情况和首次入规日期"),
    "treated_bases": gettext_lazy("请告诉我们：主体类别（新开工/投产项目，或限上、资质、规上服务业企业转型）"),
    "annual_revenue": gettext_lazy("请告诉我们：查询年度主营业务收入"),
    "awards_received": gettext_lazy("请告诉我们：是否已享受过该奖励"),
    "size_class": gettext_lazy("请告诉我们：企业规模（大中小微）"),
    "development_sound": gettext_lazy("请告诉我们：查询年度是否评为“发展良性”"),
    "q1_full_capacity": gettext_lazy("请告诉我们：第一季度是否连续满负荷生产"),
    "q1_revenue_growth": gettext_lazy("请告诉我们：第一季度主营业务收入同比增长"),
    "recognitions": gettext_lazy("请告诉我们：查询年度获得的资质认定（没有则勾选“无以上认定”）"),
    "listing_milestones": gettext_lazy("请告诉我们：上市挂牌进展（未启动也请选择）"),
    "refinancings": gettext_lazy("请告诉我们：查询年度再融资额（没有则填0）"),
    "refinancing_local_share": gettext_lazy("请告诉我们：募集资金投资于本市的比例"),
    "platform_grades": gettext_lazy("请告诉我们：公共服务示范平台年度考核等次"),
}


def _unknown_hint(decision, version, facts) -> str:
    params = version.params if version is not None else {}
    year = decision.year
    treated_without_basis = bool(facts.scale_events) and not facts.treated_bases and any(
        e.kind == "treated_entry" for e in facts.scale_events)
    checks = {
        "entry_award": [("scale_events", facts.scale_events is None),
                        ("treated_bases", treated_without_basis),
                        ("annual_revenue", year not in facts.annual_revenue)],
        "continued_in_scale_award": [("scale_events", facts.scale_events is None),
                                     ("treated_bases", treated_without_basis),
                                     ("size_class", bool(params.get("size_classes")) and facts.size_class is None),
                                     ("development_sound", year not in facts.development_sound)],
        "growth_full_capacity_award": [("scale_events", facts.scale_events is None),
                                       ("q1_full_capacity", year not in facts.q1_full_capacity),
                                       ("q1_revenue_growth", year not in facts.q1_revenue_growth)],
        "recognition_award": [("recognitions", facts.recognitions is None)],
        "grade_award": [("platform_grades", facts.platform_grades is None)],
        "listing_award": [("listing_milestones", facts.listing_milestones is None)],
        "refinancing_award": [("refinancings", facts.refinancings is None), ("refinancing_local_share", True)],
        "treated_as_entry": [("scale_events", facts.scale_events is None), ("treated_bases", treated_without_basis)],
        "non_cash_benefit": [("scale_events", facts.scale_events is None), ("treated_bases", treated_without_basis),
                             ("recognitions", facts.recognitions is None)],
    }
    for fact, missing in checks.get(decision.kind, ()):
        if missing:
            return str(QUESTIONS[fact])
    return _("请补充与本条有关的信息")


def _gap(decision, version, facts) -> tuple[str, Decimal | None]:
    """For a numeric threshold missed, how far off; the engine's reason says the rest."""
    params, year = version.params, decision.year
    if decision.kind == "entry_award" and params.get("min_annual_revenue") is not None:
        revenue, minimum = facts.annual_revenue.get(year), Decimal(str(params["min_annual_revenue"]))
        if revenue is not None and revenue < minimum:
            gap = minimum - revenue
            return _("主营业务收入还差 %(gap)s（需达到%(minimum)s）") % {
                "gap": wan_yuan_apart(gap, 0), "minimum": wan_yuan(minimum)}, gap
    if decision.kind == "growth_full_capacity_award":
        growth = facts.q1_revenue_growth.get(year)
        minimum = Decimal(str(params.get("min_growth", "0.10")))
        if growth is not None and growth < minimum and facts.q1_full_capacity.get(year):
            points = ((minimum - growth) * 100).quantize(Decimal("0.1"))
            return _("第一季度主营业务收入同比增速还差 %(points)s 个百分点（需≥%(minimum)s%%）") % {
                "points": points, "minimum": (minimum * 100).normalize()}, None
    if decision.kind == "refinancing_award" and params.get("min_local_share") is not None:
        minimum = Decimal(str(params["min_local_share"]))
        if any(r.local_investment_share is not None and r.local_investment_share < minimum
               for r in facts.refinancings or ()):
            return _("募集资金投资于本市的比例需达到%(minimum)s%%") % {"minimum": (minimum * 100).normalize()}, None
    return "", None


# -- contact requests ------------------------------------------------------------------------

@transaction.atomic
def contact_request_create(form, *, place) -> ContactRequest:
    """Save a visitor's request to be contacted (the form checked the consent box), with the
    purpose they agreed to."""
    request = form.save(commit=False)
    request.jurisdiction_path = "/" + "/".join(place.path) + "/"
    request.jurisdiction_name = place.label
    request.consent_text = str(CONTACT_PURPOSE)
    request.consented_at = timezone.now()
    request.save()
    return request


FOLLOW_UP_ROLES = (Role.CENTER_STAFF,)
READ_ROLES = (Role.CENTER_STAFF, Role.LEADER)


def may_read_contact_requests(user) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or user.role in READ_ROLES)


def may_follow_up(user) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or user.role in FOLLOW_UP_ROLES)


def contact_requests_visible_to(user):
    """Requests for the jurisdictions of the user's subtree (SME-center staff and leaders only)."""
    if not may_read_contact_requests(user):
        return ContactRequest.objects.none()
    if user.is_superuser:
        return ContactRequest.objects.all()
    paths = access.jurisdictions_visible_to(user).values_list("path", flat=True)
    return ContactRequest.objects.filter(jurisdiction_path__in=paths)


@transaction.atomic
def contact_request_follow_up(*, user, request: ContactRequest, status: str, note: str) -> ContactRequest:
    if not may_follow_up(user) or not contact_requests_visible_to(user).filter(pk=request.pk).exists():
        raise PermissionDenied(_("无权跟进该咨询登记"))
    request.status = status
    request.follow_up_note = note
    request.handled_by = user
    request.handled_at = timezone.now()
    request.save(update_fields=["status", "follow_up_note", "handled_by", "handled_at"])
    return request
