"""Who changed what on an enterprise's book, read from simple-history.

One query per tracked model, consecutive versions of each object diffed in
Python, so the trail costs a fixed number of queries however long it is.
"""
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from .models import Contact, Enterprise, MonthlyFigure, PoolMembership, Recognition, ScaleEvent

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


def _tracked(model):
    return [f for f in model._meta.concrete_fields if f.name not in SKIPPED]


def _display(f, value):
    if value is None or value == "":
        return "—"
    if f.choices:
        return dict(f.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return value


def _subject(model, row):
    if model is MonthlyFigure:
        return _("%(y)s年%(m)s月数据") % {"y": row.year, "m": row.month}
    if model is PoolMembership:
        return _("入库记录：%(pool)s") % {"pool": row.get_pool_display()}
    if model is ScaleEvent:
        return _("规模状态：%(kind)s") % {"kind": row.get_kind_display()}
    return str(model._meta.verbose_name)


def enterprise_trail(enterprise: Enterprise, limit: int = 100) -> list[AuditEntry]:
    entries = []
    sources = [(Enterprise, {"id": enterprise.pk})] + [
        (model, {"enterprise_id": enterprise.pk})
        for model in (MonthlyFigure, PoolMembership, ScaleEvent, Recognition, Contact)]
    for model, lookup in sources:
        fields = _tracked(model)
        previous = {}
        rows = model.history.filter(**lookup).select_related("history_user").order_by("history_date", "history_id")
        for row in rows:
            before = previous.get(row.id)
            if row.history_type == "+" or before is None:
                changes = [(f.verbose_name, "—", _display(f, getattr(row, f.attname)))
                           for f in fields if getattr(row, f.attname) not in (None, "")]
            else:
                changes = [(f.verbose_name, _display(f, getattr(before, f.attname)),
                            _display(f, getattr(row, f.attname)))
                           for f in fields if getattr(before, f.attname) != getattr(row, f.attname)]
            previous[row.id] = row
            if row.history_type == "~" and not changes:
                continue
            entries.append(AuditEntry(row.history_date, row.history_user, _subject(model, row),
                                      ACTIONS[row.history_type], changes))
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]
