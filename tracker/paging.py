"""Pagination for every list page, with the query string that includes/pagination.html needs.

An exact COUNT(*) over a large result set costs more than the page itself (a million
suggestions: 30–400 ms against 2–7 ms for the page's rows), so lists count at most
``LIST_COUNT_CAP`` rows and say "10,000+" beyond that; pages stop at the cap (a filter
narrows a list better than page 401 does).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from tracker.keyset import Cursor, Key, KeysetPage, ordering, rows_after
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


class KeysetPaginator(CappedPaginator):
    """A capped paginator whose pages link to their neighbours by cursor (tracker.keyset):
    ``?cursor=`` reads the page after (or before) a row from the index, whatever its depth.
    ``?page=N`` still works (the "Last" link, an address kept from before); its OFFSET reads
    only the pks of the rows it skips, and the page's annotations run for its own rows."""

    def __init__(
        self, object_list: QuerySet[Any], per_page: int, *, keys: Sequence[Key], **kwargs: Any
    ) -> None:
        self.queryset = object_list.order_by(*ordering(keys))
        super().__init__(self.queryset, per_page, **kwargs)
        self.keys = list(keys)
        self.cursor = Cursor(keys)

    def page_from(self, cursor: str | None, number: Any) -> KeysetPage:
        found = self.cursor.read(cursor)
        page = self._by_cursor(*found) if found is not None else None
        return page or self._by_number(number)

    def _by_number(self, number: Any) -> KeysetPage:
        try:
            number = self.validate_number(number)
        except PageNotAnInteger:
            number = 1
        except EmptyPage:
            number = self.num_pages
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if bottom == 0:
            rows = list(self.queryset[:top])
        else:
            pks = list(self.queryset.values_list("pk", flat=True)[bottom:top])
            rows = list(self.queryset.filter(pk__in=pks))
        page = self._linked(rows, number, more_after=number < self.num_pages, more_before=number > 1)
        return page or KeysetPage(rows, number, self)

    def _by_cursor(self, direction: str, number: int, values: list[Any]) -> KeysetPage | None:
        if direction == "after":
            rows = rows_after(self.queryset, self.keys, values, self.per_page + 1)
            more = len(rows) > self.per_page
            rows = rows[: self.per_page]
            number = max(number, 2)
            return self._linked(rows, number, more_after=more and number < self.num_pages, more_before=True)
        backwards = [key.reversed() for key in self.keys]
        rows = rows_after(self.queryset, backwards, values, self.per_page + 1)
        more = len(rows) > self.per_page
        rows = rows[: self.per_page][::-1]
        number = max(number, 2) if more else 1
        return self._linked(rows, number, more_after=True, more_before=more)

    def _linked(
        self, rows: list[Any], number: int, *, more_after: bool, more_before: bool
    ) -> KeysetPage | None:
        if not rows:
            return None if number > 1 else KeysetPage(rows, 1, self)
        page = KeysetPage(rows, number, self)
        if more_after:
            page.next_cursor = self.cursor.make("after", number + 1, rows[-1])
        if more_before:
            page.previous_cursor = self.cursor.make("before", number - 1, rows[0])
        return page


def paginate(
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    per_page: int,
    max_per_page: int | None = None,
    keys: Sequence[Key] | None = None,
) -> dict[str, Any]:
    """``page_obj`` for the requested page and ``query_string``: the current GET parameters
    without ``page`` (and ``cursor``). With ``max_per_page``, ``?per_page=N`` may ask for up
    to that many rows. With ``keys`` (the queryset's order, ending with a unique key), the
    pages link to each other by cursor (KeysetPaginator)."""
    if max_per_page is not None:
        # A malformed ?per_page keeps the default.
        with contextlib.suppress(ValueError):
            per_page = max(1, min(parse_ascii_int(request.GET.get("per_page", str(per_page))), max_per_page))
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("cursor", None)
    if keys is None:
        page_obj = CappedPaginator(queryset, per_page).get_page(request.GET.get("page"))
    else:
        page_obj = KeysetPaginator(queryset, per_page, keys=keys).page_from(
            request.GET.get("cursor"), request.GET.get("page")
        )
    return {"page_obj": page_obj, "query_string": params.urlencode()}
