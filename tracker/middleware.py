"""Middleware of the project."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)


def is_query_timeout(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL cancelling a statement at ``statement_timeout``."""
    if not isinstance(exc, OperationalError):
        return False
    try:
        from psycopg import errors
    except ImportError:  # pragma: no cover - psycopg is installed wherever PostgreSQL is used
        return False
    return isinstance(exc.__cause__, errors.QueryCanceled)


class QueryTimeoutMiddleware:
    """A statement cut off by DB_STATEMENT_TIMEOUT_MS answers 503 with a page asking the
    user to narrow the filters or the search, instead of a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_query_timeout(exception):
            return None
        logger.warning("Statement timeout on %s %s", request.method, request.get_full_path())
        seconds = max(1, round(settings.DB_STATEMENT_TIMEOUT_MS / 1000))
        response = render(request, "tracker/query_timeout.html", {"seconds": seconds}, status=503)
        response["Retry-After"] = "10"
        return response
