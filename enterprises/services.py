"""Writes to the registry. Each service is atomic, takes the acting user and
checks access itself, so a view, an import, the API and a task behave alike.
simple-history records old and new values with `_history_user`.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access, selectors
from .domain import reporting, scale
from .domain.credit_code import normalize
from .models import (
    CorrectionStatus,
    Department,
    DepartmentName,
    Enterprise,
    EnterpriseName,
    FigureCorrectionRequest,
    FigureSource,
    MonthlyFigure,
    Pool,
    PoolMembership,
    Role,
    ScaleEvent,
    ScaleEventKind,
    figure_value_from_json,
    figure_value_to_json,
)

FIGURE_FIELDS = ("revenue", "output_value", "tax", "electricity_kwh", "employees")
REGISTRY_FIELDS = ("name", "jurisdiction", "department", "industry_code", "category", "size_class",
                   "legal_representative", "address", "established_on")


def _require(check: tuple[bool, str]):
    allowed, reason = check
    if not allowed:
        raise PermissionDenied(reason)


def _require_department(user, department):
    allowed, reason = access.can_assign_department(user, department)
    if not allowed:
        raise ValidationError({"department": reason})


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
    _require_department(user, fields.get("department"))
    on = on or timezone.localdate()
    enterprise = Enterprise(credit_code=normalize(credit_code), name=name.strip(), jurisdiction=jurisdiction, **fields)
    _save(enterprise, user)
    _save(EnterpriseName(enterprise=enterprise, name=enterprise.name, valid_from=on), user)
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
    if "department" in changes:
        _require_department(user, changes["department"])
    on = on or timezone.localdate()
    old_name = enterprise.name
    for field, value in changes.items():
        setattr(enterprise, field, value.strip() if field == "name" else value)
    _save(enterprise, user)
    if enterprise.name != old_name:
        name_change_record(enterprise, old_name, enterprise.name, on, user=user)
    return enterprise


def name_change_record(enterprise, old_name, new_name, on, *, user):
    """Close the current name record on `on` and open one for the new name."""
    current = enterprise.names.filter(valid_to__isnull=True).first()
    if current:
        current.valid_to = on
        current._history_user = user
        current.save(update_fields=["valid_to"])
    else:  # registered before name records were kept (bulk loads): keep the old name all the same
        _save(EnterpriseName(enterprise=enterprise, name=old_name, valid_to=on), user)
    _save(EnterpriseName(enterprise=enterprise, name=new_name, valid_from=on), user)


@dataclass(frozen=True)
class FigureChange:
    """What became of a figure write: `figure` is the stored row (None if there is
    none yet), `correction` the request made instead of writing a closed month."""
    figure: MonthlyFigure | None
    created: bool
    changed: bool
    correction: FigureCorrectionRequest | None = None


def _month_label(year, month) -> str:
    return _("%(y)s年%(m)s月") % {"y": year, "m": month}


def _writes_through_review(user) -> bool:
    """Enterprise accounts change a closed month only through a correction request;
    staff own the ledger and correct it directly (the history keeps the old values)."""
    return user.role == Role.ENTERPRISE and not user.is_superuser


def figure_period_problem(*, user, enterprise: Enterprise, year: int, month: int, today: date | None = None) -> str:
    """Why `user` cannot write `year`-`month` of `enterprise` directly ("" if they can):
    the month has not ended (nobody reports it), or its deadline has passed and
    `user` is an enterprise account (the change must go to review with a reason)."""
    today = today or selectors.today()
    if not reporting.has_ended(year, month, today):
        return _("%(month)s尚未结束，不能填报") % {"month": _month_label(year, month)}
    if _writes_through_review(user):
        deadline = selectors.report_deadline(enterprise.jurisdiction, year, month)
        if today > deadline:
            return _("%(month)s已过报送截止日（%(deadline)s），修改须在企业页面提交更正申请并说明原因，"
                     "由中小企业服务中心审核") % {"month": _month_label(year, month), "deadline": deadline.isoformat()}
    return ""


@transaction.atomic
def monthly_figure_upsert(*, user, enterprise: Enterprise, year: int, month: int, values: dict,
                          clear=(), source: str = FigureSource.STAFF, reason: str = "",
                          today: date | None = None, change_reason: str = "") -> FigureChange:
    """Record one enterprise-month: the one writer of monthly figures (form, import, API).

    `values` holds the fields being reported. A field left out, or given as None, is
    "not given" and keeps its stored value: a blank is unknown, never zero and never
    an erase. Erasing a stored value is an explicit act: name the field in `clear`.

    Rules, in order:
      - a month is reported only once it has ended (for everyone);
      - saving what is stored writes nothing, so a re-import is a no-op;
      - after the jurisdiction's deadline (selectors.report_deadline) an enterprise
        account's change is not written: it becomes a pending FigureCorrectionRequest,
        which needs `reason`; staff review it (figure_correction_approve / _reject);
      - otherwise the row is written, and a correction keeps the previous values in history.

    `today` (Asia/Shanghai) defaults to selectors.today().
    """
    _require(access.can_submit_figures(user, enterprise))
    clear = tuple(clear)
    unknown = (set(values) | set(clear)) - set(FIGURE_FIELDS)
    if unknown:
        raise ValueError(f"unknown figure fields: {sorted(unknown)}")
    both = {f for f in clear if values.get(f) is not None}
    if both:
        raise ValueError(f"figure fields both given and cleared: {sorted(both)}")
    if not (1 <= month <= 12):
        raise ValidationError({"month": _("月份应在1至12之间")})
    today = today or selectors.today()
    if not reporting.has_ended(year, month, today):
        raise ValidationError({"month": _("%(month)s尚未结束，不能填报") % {"month": _month_label(year, month)}})
    given = {f: v for f, v in values.items() if v is not None}
    given.update({f: None for f in clear})
    figure = (MonthlyFigure.objects.select_for_update()
              .filter(enterprise=enterprise, year=year, month=month).first())
    changes = {f: v for f, v in given.items()
               if figure is None and v is not None or figure is not None and value_differs(getattr(figure, f), v)}
    if figure is None and not changes:
        raise ValidationError(_("%(month)s未填写任何数据") % {"month": _month_label(year, month)})
    if not changes:
        return FigureChange(figure, created=False, changed=False)
    if _writes_through_review(user) and today > selectors.report_deadline(enterprise.jurisdiction, year, month):
        return FigureChange(figure, created=False, changed=False,
                            correction=_correction_request(user, enterprise, year, month, changes, figure, reason))
    created = figure is None
    if created:
        figure = MonthlyFigure(enterprise=enterprise, year=year, month=month)
    for field, value in changes.items():
        setattr(figure, field, value)
    figure.source = source
    figure.reported_at = timezone.now()
    figure.reported_by = user
    if change_reason:
        figure._change_reason = change_reason[:100]
    _save(figure, user)
    return FigureChange(figure, created=created, changed=True)


def _correction_request(user, enterprise, year, month, changes, figure, reason) -> FigureCorrectionRequest:
    reason = (reason or "").strip()
    deadline = selectors.report_deadline(enterprise.jurisdiction, year, month)
    if not reason:
        raise ValidationError({"reason": _(
            "%(month)s已过报送截止日（%(deadline)s），修改须填写更正原因，提交中小企业服务中心审核")
            % {"month": _month_label(year, month), "deadline": deadline.isoformat()}})
    if FigureCorrectionRequest.objects.filter(enterprise=enterprise, year=year, month=month,
                                              status=CorrectionStatus.PENDING).exists():
        raise ValidationError(_("%(month)s已有待审核的更正申请，请等待审核结果")
                              % {"month": _month_label(year, month)})
    request = FigureCorrectionRequest(
        enterprise=enterprise, year=year, month=month, reason=reason, requested_by=user,
        requested_at=timezone.now(),
        proposed={f: figure_value_to_json(v) for f, v in changes.items()},
        previous={f: figure_value_to_json(getattr(figure, f) if figure else None) for f in changes})
    return _save(request, user)


def _decidable(user, correction) -> FigureCorrectionRequest:
    correction = FigureCorrectionRequest.objects.select_for_update(of=("self",)).select_related(
        "enterprise__jurisdiction", "requested_by").get(pk=correction.pk)
    _require(access.can_change_enterprise(user, correction.enterprise))
    if correction.requested_by_id == user.pk:
        raise PermissionDenied(_("不能审核本人提交的更正申请"))
    if not correction.is_pending:
        raise ValidationError(_("该更正申请已%(status)s，不能再审核") % {"status": correction.get_status_display()})
    return correction


def _decide(user, correction, status, note):
    correction.status = status
    correction.decided_by = user
    correction.decided_at = timezone.now()
    correction.decision_note = note
    return _save(correction, user)


@transaction.atomic
def figure_correction_approve(*, user, correction: FigureCorrectionRequest, note: str = "",
                              today: date | None = None) -> FigureCorrectionRequest:
    """Apply a pending correction as `user` (staff in scope, not the requester):
    the figure's history records the change under their name."""
    correction = _decidable(user, correction)
    values = {f: figure_value_from_json(f, v) for f, v in correction.proposed.items() if v is not None}
    clear = [f for f, v in correction.proposed.items() if v is None]
    monthly_figure_upsert(user=user, enterprise=correction.enterprise, year=correction.year, month=correction.month,
                          values=values, clear=clear, source=FigureSource.ENTERPRISE, today=today,
                          change_reason=_("更正申请#%(id)s") % {"id": correction.pk})
    return _decide(user, correction, CorrectionStatus.APPROVED, (note or "").strip())


@transaction.atomic
def figure_correction_reject(*, user, correction: FigureCorrectionRequest, note: str) -> FigureCorrectionRequest:
    """Refuse a pending correction with a note for the enterprise; nothing is written to the month."""
    correction = _decidable(user, correction)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"decision_note": _("驳回更正申请须填写审核意见")})
    return _decide(user, correction, CorrectionStatus.REJECTED, note)


# -- many enterprise-months at once (the API's bulk submission) ------------------------------

FIGURE_BULK_MAX_ROWS = 1000


@dataclass(frozen=True)
class RowError:
    """Why one row of a bulk submission was refused (`row` counts from 0; None: the whole submission)."""
    row: int | None
    field: str | None  # None: the row (or submission) as a whole, as in the API's one error format
    code: str
    message: str


@dataclass(frozen=True)
class RowOutcome:
    row: int
    enterprise: Enterprise
    year: int
    month: int
    status: str  # created | updated | unchanged | correction_requested | correction_pending
    figure: MonthlyFigure | None = None
    correction: FigureCorrectionRequest | None = None


class FigureBulkInvalid(Exception):
    """One row or more was refused: nothing of the submission was written."""

    def __init__(self, errors: list[RowError]):
        super().__init__(errors)
        self.errors = errors


def _period_filter(keys) -> Q:
    """Rows of the given (enterprise id, year, month) keys: one OR term per month, not per row."""
    by_period = {}
    for enterprise_id, year, month in keys:
        by_period.setdefault((year, month), set()).add(enterprise_id)
    condition = Q(pk__in=[])
    for (year, month), ids in by_period.items():
        condition |= Q(year=year, month=month, enterprise_id__in=ids)
    return condition


def _errors_of(index: int, error: ValidationError) -> list[RowError]:
    if hasattr(error, "error_dict"):
        return [RowError(index, None if field in ("__all__", "non_field_errors") else field, e.code or "invalid", m)
                for field, errors in error.error_dict.items() for e in errors for m in e.messages]
    return [RowError(index, None, e.code or "invalid", m) for e in error.error_list for m in e.messages]


def monthly_figures_bulk(*, user, rows: list[dict], source: str = FigureSource.API,
                         today: date | None = None, extra_errors: list | None = None) -> list[RowOutcome]:
    """Record many enterprise-months at once, all or nothing, through monthly_figure_upsert.

    Each row names its enterprise by `enterprise` (id) or `credit_code`, gives `year`, `month`,
    the figure fields (None or absent = not given: the stored value is kept, never erased) and,
    for an enterprise account writing a month past its deadline, a `reason`. Rows are checked
    together and written in one transaction: if any row is refused, FigureBulkInvalid lists
    every refusal and nothing is written. Re-sending what is stored writes nothing (the rows
    come back "unchanged"); an enterprise re-sending a change already waiting for review gets
    "correction_pending", not a second request.

    `extra_errors` are refusals the caller found (the API: unconfirmed revenue jumps); they are
    reported with the others and, like them, leave nothing written.

    Queries: the enterprises, the stored months and the pending corrections are read once for
    the whole submission; only a row that changes something goes through the one-row service.
    """
    _require(access.may_submit_figures(user))
    if len(rows) > FIGURE_BULK_MAX_ROWS:
        raise FigureBulkInvalid([RowError(None, None, "too_many_rows", _(
            "每次最多提交%(max)s行，本次%(n)s行，请分批提交") % {"max": FIGURE_BULK_MAX_ROWS, "n": len(rows)})])
    today = today or selectors.today()
    ids = {row["enterprise"] for row in rows if row.get("enterprise")}
    codes = {normalize(row["credit_code"]) for row in rows if row.get("credit_code")}
    found = list(access.enterprises_visible_to(user).filter(Q(pk__in=ids) | Q(credit_code__in=codes))
                 .select_related("jurisdiction"))
    by_id, by_code = {e.pk: e for e in found}, {e.credit_code: e for e in found}

    errors: list[RowError] = list(extra_errors or [])
    wanted = []  # (index, enterprise, row)
    seen = {}
    for index, row in enumerate(rows):
        code = normalize(row.get("credit_code") or "")
        enterprise = by_id.get(row.get("enterprise")) if row.get("enterprise") else by_code.get(code)
        field = "enterprise" if row.get("enterprise") else "credit_code"
        if not row.get("enterprise") and not code:
            errors.append(RowError(index, "credit_code", "required", _("请填写统一社会信用代码或企业编号")))
            continue
        if enterprise is None:
            errors.append(RowError(index, field, "not_found", _("未找到该企业，或该企业不在您的管辖范围内")))
            continue
        if row.get("enterprise") and code and enterprise.credit_code != code:
            errors.append(RowError(index, "credit_code", "mismatch", _("统一社会信用代码与企业编号不是同一企业")))
            continue
        year, month = row["year"], row["month"]
        if not reporting.has_ended(year, month, today):
            errors.append(RowError(index, "month", "month_not_ended", _("%(month)s尚未结束，不能填报")
                                   % {"month": _month_label(year, month)}))
            continue
        key = (enterprise.pk, year, month)
        if key in seen:
            errors.append(RowError(index, "month", "duplicate", _("与第%(row)s行是同一企业的同一月份")
                                   % {"row": seen[key] + 1}))
            continue
        seen[key] = index
        wanted.append((index, enterprise, row))

    stored = {(f.enterprise_id, f.year, f.month): f
              for f in MonthlyFigure.objects.filter(_period_filter(seen))} if seen else {}
    pending = {}
    if seen and _writes_through_review(user):
        pending = {(c.enterprise_id, c.year, c.month): c for c in FigureCorrectionRequest.objects.filter(
            _period_filter(seen), status=CorrectionStatus.PENDING)}
    deadlines = {}  # jurisdiction id → deadline day: one query per jurisdiction, only for enterprise accounts

    outcomes: list[RowOutcome] = []
    with transaction.atomic():
        for index, enterprise, row in wanted:
            year, month = row["year"], row["month"]
            key = (enterprise.pk, year, month)
            values = {f: row.get(f) for f in FIGURE_FIELDS if row.get(f) is not None}
            figure = stored.get(key)
            changes = {f: v for f, v in values.items()
                       if figure is None or value_differs(getattr(figure, f), v)}
            if figure is None and not changes:
                errors.append(RowError(index, None, "empty", _("%(month)s未填写任何数据")
                                       % {"month": _month_label(year, month)}))
                continue
            if not changes:
                outcomes.append(RowOutcome(index, enterprise, year, month, "unchanged", figure))
                continue
            if key in pending:
                if deadlines.get(enterprise.jurisdiction_id) is None:
                    deadlines[enterprise.jurisdiction_id] = selectors.report_deadline_day(enterprise.jurisdiction)
                closed = today > reporting.deadline(year, month, deadlines[enterprise.jurisdiction_id])
                proposed = {f: figure_value_to_json(v) for f, v in changes.items()}
                if closed and pending[key].proposed == proposed:
                    outcomes.append(RowOutcome(index, enterprise, year, month, "correction_pending", figure,
                                               pending[key]))
                    continue
            try:
                change = monthly_figure_upsert(user=user, enterprise=enterprise, year=year, month=month,
                                               values=values, source=source, reason=row.get("reason") or "",
                                               today=today)
            except ValidationError as error:
                errors.extend(_errors_of(index, error))
                continue
            except PermissionDenied as error:
                errors.append(RowError(index, "enterprise", "permission_denied", str(error)))
                continue
            if change.correction is not None:
                status = "correction_requested"
            else:
                status = "created" if change.created else "updated"
            outcomes.append(RowOutcome(index, enterprise, year, month, status, change.figure, change.correction))
        if errors:
            raise FigureBulkInvalid(sorted(errors, key=lambda e: e.row or 0))  # leaving the block rolls back every row
    return outcomes


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
    facts_changed(enterprise)
    return event


def facts_changed(enterprise: Enterprise) -> None:
    """Stamp the enterprise: a fact its awards depend on changed now, so its entitlements
    await the next 免申即享 batch (the incentives ledger reads the stamp; no history row,
    it is bookkeeping, not a fact)."""
    now = timezone.now()
    Enterprise.objects.filter(pk=enterprise.pk).update(facts_changed_at=now)
    enterprise.facts_changed_at = now


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
