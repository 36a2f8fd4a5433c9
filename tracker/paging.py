"""Pagination for every list page, with the query string that includes/pagination.html needs."""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from tracker.params import parse_ascii_int


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
        "page_obj": Paginator(queryset, per_page).get_page(request.GET.get("page")),
        "query_string": params.urlencode(),
    }
