"""Pagination for every list page, with the query string that includes/pagination.html needs.

An exact COUNT(*) over a large result set costs more than the page itself (a million
suggestions: 30–400 ms against 2–7 ms for the page's rows), so lists count at most
``LIST_COUNT_CAP`` rows and say "10,000+" beyond that; pages stop at the cap (a filter
narrows a list better than page 401 does).
"""

from __future__ import annotations

import contextlib
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from tracker.params import parse_ascii_int


def count_label(count: int, cap: int) -> str:
    """``count`` for display: "10,000+" when it went past ``cap``."""
    return f"{cap:,}+" if count > cap else f"{count:,}"


def capped_count(queryset: QuerySet[Any], cap: int) -> int:
    """How many rows ``queryset`` holds, counting at most ``cap + 1``.

    Ordering, annotations and select_related are dropped first: a COUNT over the page's
    full SELECT would evaluate every annotation subquery and sort every row."""
    return queryset.order_by().values("pk")[: cap + 1].count()


class CappedPaginator(Paginator):
    """A paginator whose count stops at ``cap``: ``capped`` says the real count is larger."""

    def __init__(self, object_list: Any, per_page: int, *, cap: int | None = None, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = settings.LIST_COUNT_CAP if cap is None else cap

    @cached_property
    def exact_count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return capped_count(self.object_list, self.cap)
        return len(self.object_list)

    @cached_property
    def capped(self) -> bool:
        return self.exact_count > self.cap

    @cached_property
    def count(self) -> int:
        """The number of rows, or ``cap`` when there are more (see ``capped``)."""
        return min(self.exact_count, self.cap)

    @cached_property
    def count_label(self) -> str:
        """The count for display: "10,000+" when capped."""
        return count_label(self.exact_count, self.cap)


def paginate(
    request: HttpRequest, queryset: QuerySet[Any], *, per_page: int, max_per_page: int | None = None
) -> dict[str, Any]:
    """``page_obj`` for the requested page and ``query_string``: the current GET parameters
    without ``page``. With ``max_per_page``, ``?per_page=N`` may ask for up to that many rows."""
    if max_per_page is not None:
        # A malformed ?per_page keeps the default.
        with contextlib.suppress(ValueError):
            per_page = max(1, min(parse_ascii_int(request.GET.get("per_page", str(per_page))), max_per_page))
    params = request.GET.copy()
    params.pop("page", None)
    return {
        "page_obj": CappedPaginator(queryset, per_page).get_page(request.GET.get("page")),
        "query_string": params.urlencode(),
    }
