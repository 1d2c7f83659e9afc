"""Ordering and pagination of the API's lists (issue 13 item 3).

Ordering: `?ordering=name,-id` over the fields the view whitelists in `ordering_fields`; a field
outside the whitelist is a 400 naming "ordering" (never silently ignored, so an integrator learns
at once that the order is not the one asked for). The view's `ordering` is the default.

Pagination: the large lists (enterprises, monthly figures, warnings) are cursor-paginated
(LargeListCursorPagination): `next`/`previous` are opaque links, every page costs the same
(no OFFSET, no COUNT), and a row is never seen twice or skipped while rows are added. The small
lists keep page numbers (`?page=`, `count`). Cursor positions need a directly stored, non-null
field: the whitelists of the cursor lists hold only such fields, and `id` always breaks ties.
"""
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination


class WhitelistOrderingFilter(OrderingFilter):
    """OrderingFilter over the view's explicit `ordering_fields` only (default: id); unknown → 400."""

    def get_valid_fields(self, queryset, view, context=None):
        fields = getattr(view, "ordering_fields", None) or ["id"]
        return [(field, field) for field in fields]

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if not params:
            return self.get_default_ordering(view)
        allowed = {name for name, _label in self.get_valid_fields(queryset, view)}
        terms = [term.strip() for term in params.split(",") if term.strip()]
        unknown = [term for term in terms if term.lstrip("-") not in allowed]
        if unknown or not terms:
            raise ValidationError({self.ordering_param: [_("不能按“%(fields)s”排序，可用字段：%(allowed)s") % {
                "fields": "、".join(unknown) or params, "allowed": "、".join(sorted(allowed))}]}, code="invalid")
        if not any(term.lstrip("-") == "id" for term in terms):
            terms.append("id")  # a total order: cursor positions and page boundaries stay stable
        return terms

    def get_schema_operation_parameters(self, view):
        fields = ", ".join(name for name, _label in self.get_valid_fields(None, view))
        return [{"name": self.ordering_param, "required": False, "in": "query",
                 "description": f"Comma-separated fields to order by, '-' for descending; allowed: {fields}. "
                                "Any other field is a 400 naming `ordering`. Ties are broken by id.",
                 "schema": {"type": "string"}}]

    def get_default_ordering(self, view):
        ordering = getattr(view, "ordering", None)
        if isinstance(ordering, str):
            return (ordering,)
        return ordering


class LargeListCursorPagination(CursorPagination):
    """Cursor pagination for the large lists; `?page_size=` up to 500, ordered by id unless asked."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "id"
    cursor_query_description = "The opaque cursor from a previous page's `next` or `previous` link."
    page_size_query_description = "Rows per page (at most 500)."
