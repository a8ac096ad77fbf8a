from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Stable pages over millions of rows: no COUNT(*), no OFFSET."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
