"""Filters for an enterprise's records: ``{% load records %}``."""
from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from ..models import platform_grade_label

register = template.Library()


@register.filter
def share(value):
    """A share kept as a ratio (0.8500) shown as a percentage ("85%"); unknown is "—"."""
    if value is None or value == "":
        return "—"
    return f"{format((Decimal(value) * 100).normalize(), 'f')}%"


@register.filter
def grade(value):
    """An annual assessment grade (2) as staff say it ("二等")."""
    if value is None or value == "":
        return "—"
    return platform_grade_label(value)


@register.filter
def tri_state(value):
    """Yes / no / not assessed."""
    if value is None:
        return _("未认定")
    return _("是") if value else _("否")
