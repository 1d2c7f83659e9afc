"""Template filters showing figures and people the way staff read them.

``{% load formatting %}`` then ``{{ user|person }}``, ``{{ amount|wan_yuan }}``,
``{{ ratio|percent }}``, ``{{ kwh_value|kwh }}``. The rules live in
enterprises/domain/formatting.py (plain Python), so e-mails, exports and the
policy engine format the same way.
"""
from django import template

from ..domain import formatting

register = template.Library()


@register.filter
def person(user):
    """A user's display name (full name, else user name)."""
    return formatting.person(user)


@register.filter
def wan_yuan(value, places=2):
    """Yuan as "5,638.78万元"."""
    return formatting.wan_yuan(value, int(places))


@register.filter
def percent(value, places=1):
    """A ratio as a signed percentage: 0.1712 → "+17.1%"."""
    return formatting.percent(value, int(places))


@register.filter
def share(value):
    """A part of a whole as a percentage: 0.5 → "50%"."""
    return formatting.share(value)


@register.filter
def kwh(value):
    """kWh rounded to whole units with thousands separators."""
    return formatting.kwh(value)
