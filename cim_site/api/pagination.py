from typing import Any

from rest_framework import filters, pagination


class CursorPagination(pagination.CursorPagination):
    """Stable pages over millions of rows: no COUNT(*), no OFFSET."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class OldestFirstCursorPagination(CursorPagination):
    """For lists whose order is part of their meaning: a conversation reads oldest first."""

    ordering = ("created_at", "id")


class StableOrderingFilter(filters.OrderingFilter):
    """OrderingFilter that always ends with the primary key. The cursor paginator positions on
    the first field; when many rows share it (all "high" priority tickets), the id keeps the order
    total so a row is never shown twice or skipped between pages."""

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> list[str]:
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not any(field.lstrip("-") in ("id", "pk") for field in ordering):
            descending = bool(ordering) and ordering[0].startswith("-")
            ordering.append("-id" if descending else "id")
        return ordering
