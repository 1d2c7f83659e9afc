from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def wan(value, places=2):
    """Yuan (Decimal) shown as 万元 with thousands separators; blank for unknown."""
    if value is None or value == "":
        return "—"
    quant = Decimal(1).scaleb(-int(places))
    amount = (Decimal(value) / Decimal(10000)).quantize(quant, rounding=ROUND_HALF_UP)
    return f"{amount:,}"
