from __future__ import annotations

from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings


class PageNumber(PageNumberPagination):
    """``?page=N``; ``?page_size=N`` asks for up to 100 rows (default: settings PAGE_SIZE)."""

    page_size_query_param = "page_size"
    max_page_size = 100

    @property
    def page_size(self) -> int | None:  # type: ignore[override]
        # Read on each request (DRF copies it at import), so that the setting can change.
        return api_settings.PAGE_SIZE
