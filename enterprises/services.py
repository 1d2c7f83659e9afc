"""Writes to the registry. Each service is atomic, takes the acting user and
checks access itself, so a view, an import, the API and a task behave alike.
simple-history records old and new values with `_history_user`.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access
from .domain import scale
from .domain.credit_code import normalize
from .models import (
    Department,
    DepartmentName,
    Enterprise,
    EnterpriseName,
    FigureSource,
    MonthlyFigure,
    Pool,
    PoolMembership,
    ScaleEvent,
    ScaleEventKind,
)

FIGURE_FIELDS = ("revenue", "output_value", "tax", "electricity_kwh", "employees")
REGISTRY_FIELDS = ("name", "jurisdiction", "department", "industry_code", "category",
                   "legal_representative", "address", "established_on")


def _require(check: tuple[bool, str]):
    allowed, reason = check
    if not allowed:
        raise PermissionDenied(reason)


def _save(instance, user):
    instance._history_user = user
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def enterprise_create(*, user, credit_code: str, name: str, jurisdiction, on: date | None = None,
                      **fields) -> Enterprise:
    """Register an enterprise: its first name record and its stay in the basic pool."""
    _require(access.can_place_in_jurisdiction(user, jurisdiction))
    on = on or timezone.localdate()
    enterprise = Enterprise(credit_code=normalize(credit_code), name=name.strip(), jurisdiction=jurisdiction, **fields)
    _save(enterprise, user)
    EnterpriseName.objects.create(enterprise=enterprise, name=enterprise.name, valid_from=on)
    membership = PoolMembership(enterprise=enterprise, pool=Pool.BASIC, entered_on=on,
                                entry_reason=_("登记入基础信息库"), entered_by=user)
    _save(membership, user)
    return enterprise


@transaction.atomic
def enterprise_update(*, user, enterprise: Enterprise, on: date | None = None, **changes) -> Enterprise:
    """Change registry fields; a new name closes the old name record on `on`."""
    _require(access.can_change_enterprise(user, enterprise))
    unknown = set(changes) - set(REGISTRY_FIELDS)
    if unknown:
        raise ValueError(f"unknown enterprise fields: {sorted(unknown)}")
    if "jurisdiction" in changes and changes["jurisdiction"] != enterprise.jurisdiction:
        _require(access.can_place_in_jurisdiction(user, changes["jurisdiction"]))
    on = on or timezone.localdate()
    old_name = enterprise.name
    for field, value in changes.items():
        setattr(enterprise, field, value.strip() if field == "name" else value)
    _save(enterprise, user)
    if enterprise.name != old_name:
        _record_name_change(enterprise, old_name, enterprise.name, on)
    return enterprise


def _record_name_change(enterprise, old_name, new_name, on):
    current = enterprise.names.filter(valid_to__isnull=True).first()
    if current:
        current.valid_to = on
        current.save(update_fields=["valid_to"])
    else:  # registered before name records were kept (bulk loads): keep the old name all the same
        EnterpriseName.objects.create(enterprise=enterprise, name=old_name, valid_to=on)
    EnterpriseName.objects.create(enterprise=enterprise, name=new_name, valid_from=on)


@dataclass(frozen=True)
class FigureChange:
    figure: MonthlyFigure
    created: bool
    changed: bool


@transaction.atomic
def monthly_figure_upsert(*, user, enterprise: Enterprise, year: int, month: int, values: dict,
                          source: str = FigureSource.STAFF) -> FigureChange:
    """Record one enterprise-month. Saving identical values writes nothing, so a
    re-import is a no-op; a correction keeps the previous values in history."""
    _require(access.can_submit_figures(user, enterprise))
    unknown = set(values) - set(FIGURE_FIELDS)
    if unknown:
        raise ValueError(f"unknown figure fields: {sorted(unknown)}")
    figure = (MonthlyFigure.objects.select_for_update()
              .filter(enterprise=enterprise, year=year, month=month).first())
    created = figure is None
    if created:
        figure = MonthlyFigure(enterprise=enterprise, year=year, month=month)
    changed = created or any(value_differs(getattr(figure, f), values[f]) for f in values)
    if not changed:
        return FigureChange(figure, created=False, changed=False)
    for field, value in values.items():
        setattr(figure, field, value)
    figure.source = source
    figure.reported_at = timezone.now()
    figure.reported_by = user
    _save(figure, user)
    return FigureChange(figure, created=created, changed=True)


def value_differs(old, new) -> bool:
    """Whether saving `new` over `old` changes anything (Decimal('1.0') equals Decimal('1'))."""
    if old is None or new is None:
        return old is not new
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return Decimal(old) != Decimal(new)
    return old != new


@transaction.atomic
def pool_move(*, user, enterprise: Enterprise, pool: str, reason: str, on: date | None = None) -> PoolMembership:
    """Close the enterprise's current pool stay and open one in `pool`."""
    _require(access.can_change_enterprise(user, enterprise))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("调整入库必须填写原因")})
    if pool not in Pool.values:
        raise ValidationError({"pool": _("未知的库：%(pool)s") % {"pool": pool}})
    on = on or timezone.localdate()
    current = PoolMembership.objects.select_for_update().filter(enterprise=enterprise, exited_on__isnull=True).first()
    if current and current.pool == pool:
        raise ValidationError({"pool": _("企业已在%(pool)s中") % {"pool": current.get_pool_display()}})
    if current:
        if on < current.entered_on:
            raise ValidationError({"on": _("调整日期不能早于当前入库日期%(day)s") % {"day": current.entered_on}})
        current.exited_on = on
        current.exit_reason = reason
        current.exited_by = user
        _save(current, user)
    membership = PoolMembership(enterprise=enterprise, pool=pool, entered_on=on, entry_reason=reason, entered_by=user)
    return _save(membership, user)


def _events_of(enterprise) -> list[scale.Event]:
    return [scale.Event(e.kind, e.occurred_on, e.name_at_event) for e in enterprise.scale_events.all()]


@transaction.atomic
def scale_event_record(*, user, enterprise: Enterprise, kind: str, on: date, treated_basis: str = "",
                       note: str = "") -> ScaleEvent:
    """Record entry into or exit from scale. A re-entry under a changed name is
    stored as a name-change-only re-entry whatever kind was asked for."""
    _require(access.can_change_enterprise(user, enterprise))
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    events = _events_of(enterprise)
    if kind in scale.ENTRY_KINDS:
        kind = scale.classify_entry(events, kind, enterprise.name)
    problem = scale.check_next(events, kind, on)
    if problem:
        raise ValidationError({"kind": problem})
    event = ScaleEvent(enterprise=enterprise, kind=kind, occurred_on=on, note=note, recorded_by=user,
                       treated_basis=treated_basis if kind == ScaleEventKind.TREATED_ENTRY else "",
                       name_at_event=enterprise.name)
    _save(event, user)
    enterprise.is_in_scale = kind != ScaleEventKind.EXIT
    enterprise._history_user = user
    enterprise.save(update_fields=["is_in_scale", "updated_at"])
    return event


@transaction.atomic
def department_rename(*, user, department: Department, new_name: str, on: date, source: str = "") -> Department:
    """Rename a responsible unit, keeping the old name dated."""
    if not (user.is_superuser or user.is_staff):
        raise PermissionDenied(_("只有管理员可以更名责任单位"))
    new_name = new_name.strip()
    if not new_name or new_name == department.name:
        raise ValidationError({"name": _("新名称不能为空，且须与原名称不同")})
    DepartmentName.objects.create(department=department, name=department.name, valid_to=on, source=source)
    department.name = new_name
    return _save(department, user)
