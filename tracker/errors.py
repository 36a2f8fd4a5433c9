"""The site's own error pages (400, 403, 404, 500 and the CSRF failure), in the site's
language, each with a way back. Wired in tracker/urls.py (handler400 …) and settings
(CSRF_FAILURE_VIEW)."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.html import escape
from django.views.decorators.csrf import requires_csrf_token

from tracker.params import InvalidParameter

logger = logging.getLogger(__name__)


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int) -> HttpResponse:
    """The error page in the site's frame; if even that fails (a missing static manifest,
    a database that is down for the menu's context), a plain page with the same status:
    an error page must never turn into a 500."""
    try:
        return render(request, template, context, status=status)
    except Exception:
        logger.exception("The %s page could not be rendered", status)
        return HttpResponse(f"{status} {escape(context.get('message', ''))}", status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    # Only this site's own messages are shown: a SuspiciousOperation's text is for the log.
    message = str(exception) if isinstance(exception, InvalidParameter) else ""
    return _page(request, "400.html", {"message": message}, 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page(request, "403.html", {"message": str(exception)}, 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page(request, "404.html", {"request_path": request.path}, 404)


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    logger.warning("CSRF failure on %s: %s", request.path, reason)
    return _page(request, "403_csrf.html", {}, 403)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request's context: no query, no context processor, nothing that
    may have failed already. The stylesheet is left out if its address cannot be worked out."""
    try:
        stylesheet = static("css/app.css")
    except Exception:  # a missing static manifest must not hide the error page
        stylesheet = ""
    return HttpResponseServerError(loader.get_template("500.html").render({"stylesheet": stylesheet}))
