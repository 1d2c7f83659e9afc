from django import template

from ..models import Pool

register = template.Library()


@register.filter
def pool_label(value):
    return Pool(value).label if value in Pool.values else "—"
