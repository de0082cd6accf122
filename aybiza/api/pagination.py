"""Pagination: limit/offset for small resources, cursors for time-ordered and large ones.

A cursor page never counts the table (no COUNT(*) over millions of calls or
metrics) and stays stable while rows are being inserted.
"""

from rest_framework import pagination


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    default_limit = 50
    max_limit = 500


class CursorPagination(pagination.CursorPagination):
    """Newest first by the view's `ordering` (its time column); `ordering=<time column>` gives oldest first."""

    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 500
