"""Who changed what on an enterprise's book, read from simple-history.

One query per tracked model, consecutive versions of each object diffed in
Python, then one query per related model for the names the kept entries refer
to (a jurisdiction, a department, a user): the trail costs a fixed number of
queries however long it is.

Values read the way the pages show them: a related object by its name, never
its id; a choice by its label; money in 万元 with 2 decimals; kWh rounded; people
by their names.
"""
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.utils.translation import gettext as _

from .domain import formatting
from .models import (
    MONEY,
    AnnualAttestation,
    Contact,
    Enterprise,
    ListingMilestone,
    MonthlyFigure,
    PoolMembership,
    Recognition,
    Refinancing,
    ScaleEvent,
    platform_grade_label,
)

SKIPPED = {"id", "updated_at", "created_at", "reported_at", "reported_by", "recorded_by", "entered_by",
           "exited_by", "enterprise"}
ACTIONS = {"+": _("新增"), "~": _("修改"), "-": _("删除")}


@dataclass
class AuditEntry:
    when: datetime
    who: object
    subject: str
    action: str
    changes: list = field(default_factory=list)  # (field label, old, new)

    @property
    def who_name(self) -> str:
        return formatting.person(self.who)


def _tracked(model):
    kept = {f.name for f in model.history.model._meta.fields}  # fields left out of history are not tracked
    return [f for f in model._meta.concrete_fields if f.name not in SKIPPED and f.name in kept]


RATIO_FIELDS = {"local_investment_share"}  # shares kept as 0..1, shown as %
_UNIT = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


def _is_money(f) -> bool:
    """Yuan amounts (the registry's MONEY decimals): shown in 万元 like everywhere else."""
    return (isinstance(f, models.DecimalField) and f.max_digits == MONEY["max_digits"]
            and f.decimal_places == MONEY["decimal_places"])


def _label(f) -> str:
    label = str(f.verbose_name)
    return _UNIT.sub("", label) if _is_money(f) else label


def _display(f, value, names=None):
    """`value` of field `f` as staff read it; `names` maps related models to {pk: name}."""
    if value is None or value == "":
        return "—"
    if f.is_relation:
        found = (names or {}).get(f.related_model, {}).get(value)
        return found if found is not None else _("已删除（编号%(id)s）") % {"id": value}
    if f.choices:
        return dict(f.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if f.name == "platform_grade":
        return platform_grade_label(value)
    if _is_money(f):
        return formatting.wan_yuan(value)
    if f.name in RATIO_FIELDS:
        return formatting.percent(value, signed=False)
    if f.name.endswith("_kwh"):
        return formatting.kwh(value)
    return value


def _related_names(entries) -> dict:
    """{related model: {pk: name}} for every related id the entries refer to, one query per model."""
    wanted: dict = {}
    for entry in entries:
        for f, old, new in entry.changes:
            if f.is_relation:
                wanted.setdefault(f.related_model, set()).update(v for v in (old, new) if v not in (None, ""))
    names = {}
    for model, ids in wanted.items():
        rows = model._default_manager.select_related().filter(pk__in=ids)
        names[model] = {row.pk: formatting.person(row) if hasattr(row, "username") else str(row) for row in rows}
    return names


def _subject(model, row):
    if model is MonthlyFigure:
        return _("%(y)s年%(m)s月数据") % {"y": row.year, "m": row.month}
    if model is PoolMembership:
        return _("入库记录：%(pool)s") % {"pool": row.get_pool_display()}
    if model is ScaleEvent:
        return _("规模状态：%(kind)s") % {"kind": row.get_kind_display()}
    if model in RECORD_MODELS:
        return _("%(kind)s：%(record)s") % {"kind": model._meta.verbose_name, "record": describe(row)}
    return str(model._meta.verbose_name)


def enterprise_trail(enterprise: Enterprise, limit: int | None = 100, only=None) -> list[AuditEntry]:
    """The enterprise's trail, newest first; `only` (one of its records) narrows it to that record."""
    entries = []
    sources = [(Enterprise, {"id": enterprise.pk})] + [
        (model, {"enterprise_id": enterprise.pk})
        for model in (MonthlyFigure, PoolMembership, ScaleEvent, *RECORD_MODELS)]
    if only is not None:
        sources = [(type(only), {"id": only.pk, "enterprise_id": enterprise.pk})]
    for model, lookup in sources:
        fields = _tracked(model)
        previous = {}
        rows = model.history.filter(**lookup).select_related("history_user").order_by("history_date", "history_id")
        for row in rows:
            before = previous.get(row.id)
            # Raw values first (field, old, new); shown once the entries to keep are known.
            if row.history_type == "+" or before is None:
                changes = [(f, None, getattr(row, f.attname))
                           for f in fields if getattr(row, f.attname) not in (None, "")]
            else:
                changes = [(f, getattr(before, f.attname), getattr(row, f.attname))
                           for f in fields if getattr(before, f.attname) != getattr(row, f.attname)]
            previous[row.id] = row
            if row.history_type == "~" and not changes:
                continue
            entries.append(AuditEntry(row.history_date, row.history_user, _subject(model, row),
                                      ACTIONS[row.history_type], changes))
    entries.sort(key=lambda e: e.when, reverse=True)
    entries = entries[:limit]
    names = _related_names(entries)
    for entry in entries:
        entry.changes = [(_label(f), _display(f, old, names), _display(f, new, names)) for f, old, new in entry.changes]
    return entries


# -- an enterprise's records (recognitions, listing milestones, refinancing, attestations, contacts) --

RECORD_MODELS = (Recognition, ListingMilestone, Refinancing, AnnualAttestation, Contact)


def record_trail(record) -> list[AuditEntry]:
    """Every change of one record, newest first, with who made it."""
    return enterprise_trail(record.enterprise, limit=None, only=record)


def describe(record) -> str:
    """One line naming a record (or a historical version of one) the way staff refer to it."""
    model = getattr(record, "instance_type", type(record))
    if model is Recognition:
        return _("%(kind)s（%(start)s—%(end)s）") % {
            "kind": record.get_kind_display(), "start": record.valid_from, "end": record.valid_to or _("长期")}
    if model is ListingMilestone:
        return f"{record.get_board_display()}{record.get_stage_display()}（{record.reached_on}）"
    if model is Refinancing:
        return f"{record.raised_on} {record.get_venue_display()} {formatting.wan_yuan(record.amount)}"
    if model is AnnualAttestation:
        return _("%(year)s年度") % {"year": record.year}
    return str(record.name)
