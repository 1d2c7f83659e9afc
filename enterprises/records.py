"""Writes of an enterprise's records: the facts awards depend on (recognitions,
listing milestones, refinancing, annual attestations) and its contacts.

One create / update / delete for every kind, like the other services: atomic, the
acting user checked against `access.can_change_enterprise` (leaders, enterprise
accounts and API clients read only), values validated with messages that name the
field, and the acting user recorded in simple-history.

A change to a fact an award depends on stamps `Enterprise.facts_changed_at`: the
incentives ledger marks the enterprise's entitlements computed before it as
awaiting the next 免申即享 batch, which re-evaluates them. The registry knows no
entitlements; the stamp is all it leaves for the layer above.
"""
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access, selectors
from .models import (
    WAN,
    AnnualAttestation,
    Contact,
    Enterprise,
    ListingMilestone,
    Recognition,
    Refinancing,
)
from .services import facts_changed, value_differs

PHONE = re.compile(r"[0-9０-９+\-()（） 转#]{3,30}")


@dataclass(frozen=True)
class RecordKind:
    """One kind of record: its model, the fields staff write, whether awards depend
    on it, and its own checks (beyond the model's), as {field: message}."""
    key: str
    model: type[models.Model]
    fields: tuple[str, ...]
    is_fact: bool
    label: str
    check: object  # (record, today) -> dict[str, str]

    def __str__(self):
        return str(self.label)


def _day(value) -> str:
    return value.isoformat() if value else "—"


def _check_recognition(r: Recognition, today) -> dict:
    problems = {}
    if r.valid_from and r.valid_to and r.valid_to < r.valid_from:
        problems["valid_to"] = _("有效期止（%(to)s）不能早于有效期起（%(from)s）") % {
            "to": _day(r.valid_to), "from": _day(r.valid_from)}
    if r.kind and r.valid_from and _others(r).filter(kind=r.kind, valid_from=r.valid_from).exists():
        problems["valid_from"] = _("本企业已有自%(day)s起的“%(kind)s”认定记录，请修改该记录，不要重复登记") % {
            "day": _day(r.valid_from), "kind": r.get_kind_display()}
    return problems


def _check_listing(m: ListingMilestone, today) -> dict:
    problems = {}
    if m.reached_on and m.reached_on > today:
        problems["reached_on"] = _("日期（%(day)s）不能晚于今天（%(today)s）：只登记已达到的节点") % {
            "day": _day(m.reached_on), "today": _day(today)}
    if m.board and m.stage:
        same = _others(m).filter(board=m.board, stage=m.stage).first()
        if same is not None:
            problems["stage"] = _("本企业已登记%(board)s“%(stage)s”节点（%(day)s），请修改该记录，不要重复登记") % {
                "board": m.get_board_display(), "stage": m.get_stage_display(), "day": _day(same.reached_on)}
    return problems


def _check_refinancing(r: Refinancing, today) -> dict:
    problems = {}
    if r.amount is not None and r.amount <= 0:
        problems["amount"] = _("融资额须大于0，实际为%(amount)s万元") % {"amount": _wan_text(r.amount)}
    share = r.local_investment_share
    if share is not None and not Decimal(0) <= share <= Decimal(1):
        problems["local_investment_share"] = _("投资于本市比例应在0%%至100%%之间，实际为%(share)s%%") % {
            "share": _percent_text(share)}
    if r.raised_on and r.raised_on > today:
        problems["raised_on"] = _("融资日期（%(day)s）不能晚于今天（%(today)s）") % {
            "day": _day(r.raised_on), "today": _day(today)}
    if (r.raised_on and r.amount is not None and "amount" not in problems
            and _others(r).filter(raised_on=r.raised_on, amount=r.amount, venue=r.venue).exists()):
        problems["raised_on"] = _("本企业已登记%(day)s在%(venue)s融资%(amount)s万元的记录，请勿重复登记") % {
            "day": _day(r.raised_on), "venue": r.get_venue_display(), "amount": _wan_text(r.amount)}
    return problems


def _check_attestation(a: AnnualAttestation, today) -> dict:
    problems = {}
    if a.year is not None and not 2000 <= a.year <= 2100:
        problems["year"] = _("年度应在2000至2100之间，实际为%(year)s") % {"year": a.year}
    elif a.year is not None and _others(a).filter(year=a.year).exists():
        problems["year"] = _("本企业已有%(year)s年度的认定事项记录，请修改该记录，不要重复登记") % {"year": a.year}
    if a.platform_grade is not None and not 1 <= a.platform_grade <= 9:
        problems["platform_grade"] = _("示范平台年度考核等次应为1至9等，实际为%(grade)s") % {"grade": a.platform_grade}
    if a.q1_full_capacity is None and a.development_sound is None and a.platform_grade is None:
        problems[NON_FIELD_ERRORS] = _("一季度连续满负荷生产、发展良性、示范平台年度考核等次至少填写一项")
    return problems


def _check_contact(c: Contact, today) -> dict:
    problems = {}
    if not c.name:
        problems["name"] = _("请填写联系人姓名")
    if c.phone and not PHONE.fullmatch(c.phone):
        problems["phone"] = _("电话只能包含数字、空格和 + - ( ) # 转，实际为“%(phone)s”") % {"phone": c.phone}
    if not c.phone and not c.email:
        problems["phone"] = _("电话和电子邮箱至少填写一项")
    return problems


KINDS = {kind.key: kind for kind in (
    RecordKind("recognition", Recognition, ("kind", "certificate_no", "valid_from", "valid_to", "is_first"),
               True, gettext_lazy("资质认定"), _check_recognition),
    RecordKind("listing", ListingMilestone, ("board", "stage", "reached_on"),
               True, gettext_lazy("上市挂牌节点"), _check_listing),
    RecordKind("refinancing", Refinancing, ("raised_on", "amount", "venue", "local_investment_share"),
               True, gettext_lazy("再融资"), _check_refinancing),
    RecordKind("attestation", AnnualAttestation,
               ("year", "q1_full_capacity", "development_sound", "platform_grade", "note"),
               True, gettext_lazy("年度认定事项"), _check_attestation),
    RecordKind("contact", Contact, ("name", "title", "phone", "email", "is_primary"),
               False, gettext_lazy("联系人"), _check_contact),
)}
KIND_OF_MODEL = {kind.model: kind for kind in KINDS.values()}


def kind_of(record) -> RecordKind:
    return KIND_OF_MODEL[type(record)]


# -- services ----------------------------------------------------------------------

@dataclass(frozen=True)
class RecordChange:
    record: models.Model
    changed: bool


def _require(check: tuple[bool, str]):
    allowed, reason = check
    if not allowed:
        raise PermissionDenied(reason)


@transaction.atomic
def record_create(*, user, enterprise: Enterprise, kind: str, values: dict) -> models.Model:
    """Record a recognition, listing milestone, refinancing, annual attestation or contact."""
    spec = KINDS[kind]
    _require(access.can_change_enterprise(user, enterprise))
    enterprise = _lock(enterprise)
    record = spec.model(enterprise=enterprise)
    _assign(spec, record, values)
    _validate_and_save(spec, record, user)
    _after_change(spec, record, user)
    return record


@transaction.atomic
def record_update(*, user, record: models.Model, values: dict) -> RecordChange:
    """Correct a record; saving what is stored writes nothing (no history row, no re-evaluation)."""
    spec = kind_of(record)
    _require(access.can_change_enterprise(user, record.enterprise))
    _lock(record.enterprise)
    record = spec.model.objects.select_for_update().select_related("enterprise").get(pk=record.pk)
    before = {f: getattr(record, f) for f in spec.fields}
    _assign(spec, record, values)
    if not any(value_differs(before[f], getattr(record, f)) for f in spec.fields):
        return RecordChange(record, changed=False)
    _validate_and_save(spec, record, user)
    _after_change(spec, record, user)
    return RecordChange(record, changed=True)


@transaction.atomic
def record_delete(*, user, record: models.Model) -> None:
    """Delete a record; its history (with who deleted it) stays."""
    spec = kind_of(record)
    _require(access.can_change_enterprise(user, record.enterprise))
    enterprise = _lock(record.enterprise)
    record = spec.model.objects.select_for_update().get(pk=record.pk)
    record._history_user = user
    record.delete()
    if spec.is_fact:
        facts_changed(enterprise)


def _lock(enterprise: Enterprise) -> Enterprise:
    """Serialise writes to one enterprise's records, so duplicate checks and the one
    primary contact hold when two clerks save at once."""
    return Enterprise.objects.select_for_update().get(pk=enterprise.pk)


def _assign(spec: RecordKind, record, values: dict):
    unknown = set(values) - set(spec.fields)
    if unknown:
        raise ValueError(f"unknown {spec.key} fields: {sorted(unknown)}")
    for name, value in values.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(record, name, value)


def _validate_and_save(spec: RecordKind, record, user):
    problems = spec.check(record, selectors.today())
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    record._history_user = user
    record.full_clean()
    record.save()


def _after_change(spec: RecordKind, record, user):
    if spec.is_fact:
        facts_changed(record.enterprise)
    if spec.model is Contact and record.is_primary:
        # One primary contact: the one just marked takes over (each change kept in history).
        for other in _others(record).filter(is_primary=True).select_for_update():
            other.is_primary = False
            other._history_user = user
            other.save(update_fields=["is_primary"])


def _others(record):
    """The enterprise's other records of the same kind."""
    return type(record).objects.filter(enterprise_id=record.enterprise_id).exclude(pk=record.pk)


def _wan_text(yuan: Decimal) -> str:
    return f"{(yuan / WAN).quantize(Decimal('0.01')):,}"


def _percent_text(share: Decimal) -> str:
    return format((share * 100).normalize(), "f")
