from django import template

from ..domain import formatting

register = template.Library()


@register.filter
def wan(value, places=2):
    """Yuan (Decimal) shown as 万元 with thousands separators; blank for unknown."""
    return formatting.wan(value, int(places))
