"""Pagination of the API's lists: limit and offset, with a largest page, so that ?limit=10**30 is a long page and
not a number that the database refuses (a 500). (An offset past the end is answered before any query.)"""

from rest_framework import pagination


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    max_limit = 1000
