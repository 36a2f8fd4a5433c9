"""The search page: one box for suggestions and replies, within what the user may see."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import OperationalError, connection, transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString

from proposals.models import Assignment, Proposal
from proposals.search import (
    MAX_WORDS,
    RankedResults,
    highlight,
    ranked_proposals,
    ranked_replies,
    replies_visible_to,
    snippet,
)
from responses.models import Reply
from tracker.middleware import is_query_timeout
from tracker.params import query_text
from tracker.privacy import mask_phones

logger = logging.getLogger(__name__)

PER_PAGE = 20
MAX_QUERY_LENGTH = 100
TABS = ("proposals", "replies")


@dataclass
class Hit:
    """One result as shown: the record, its highlighted title and a highlighted snippet."""

    obj: Any
    title: SafeString
    snippet: SafeString
    # A suggestion's handling units: (highlighted name, assignment).
    units: list[tuple[SafeString, Assignment]] = field(default_factory=list)


class SearchPaginator(Paginator):
    """Pages over RankedResults: its count stops at the cap ("1,000+", ``capped``)."""

    def __init__(self, results: RankedResults, per_page: int) -> None:
        super().__init__(results, per_page)
        self.results = results

    @property
    def capped(self) -> bool:
        return self.results.capped

    @property
    def count_label(self) -> str:
        return self.results.count_label


@login_required
def search(request: HttpRequest) -> HttpResponse:
    q = " ".join(query_text(request, "q").split()[:MAX_WORDS])[:MAX_QUERY_LENGTH]
    tab = request.GET.get("in") if request.GET.get("in") in TABS else "proposals"
    context: dict[str, Any] = {"q": q, "tab": tab}
    try:
        with _time_limit():
            context.update(_results(request, q, tab))
    except OperationalError as exc:
        if not is_query_timeout(exc):
            raise
        logger.warning("Search timed out: %r", q)
        context.update(too_broad=True, hits=[], page_obj=None)
    return render(request, "search/results.html", context)


@contextmanager
def _time_limit() -> Iterator[None]:
    """The search's statements, each cut off at SEARCH_STATEMENT_TIMEOUT_MS (PostgreSQL):
    whatever is typed, a search cannot hold a worker for long; the page says to narrow it."""
    with transaction.atomic():
        if connection.vendor == "postgresql" and settings.SEARCH_STATEMENT_TIMEOUT_MS > 0:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [settings.SEARCH_STATEMENT_TIMEOUT_MS])
        yield


def _results(request: HttpRequest, q: str, tab: str) -> dict[str, Any]:
    """The shown tab's page and hits, and both tabs' counts (capped at SEARCH_COUNT_CAP)."""
    user = request.user
    cap = settings.SEARCH_COUNT_CAP
    context: dict[str, Any] = {}
    if tab == "proposals":
        # The handling units, so that a match on a department's name is visible in the hit.
        units = (
            Assignment.objects.exclude(status=Assignment.Status.WITHDRAWN)
            .select_related("department")
            .only("proposal_id", "role", "status", "department__name")
            .order_by("pk")
        )
        rows = (
            Proposal.objects.select_related("session", "lead_deputy")
            .only(*_PROPOSAL_FIELDS)
            .prefetch_related(Prefetch("assignments", queryset=units, to_attr="units"))
        )
        shown = ranked_proposals(Proposal.objects.visible_to(user), q, cap=cap, rows=rows)
        other = ranked_replies(replies_visible_to(user), q, cap=cap)
        context.update(_page(request, shown))
        context["hits"] = [
            Hit(
                p,
                highlight(p.title, q),
                snippet(p.body if p.may_see_phones(user, assignments=p.units) else mask_phones(p.body), q),
                [(highlight(a.department.name, q), a) for a in p.units],
            )
            for p in context["page_obj"]
        ]
    else:
        rows = (
            Reply.objects.all()
            .with_phone_rule_for(user)
            .select_related("assignment__department", "assignment__proposal")
        )
        shown = ranked_replies(replies_visible_to(user), q, cap=cap, rows=rows)
        other = ranked_proposals(Proposal.objects.visible_to(user), q, cap=cap)
        context.update(_page(request, shown))
        context["hits"] = [
            Hit(
                r,
                highlight(r.assignment.proposal.title, q),
                snippet(r.body if r.may_see_phones(user) else mask_phones(r.body), q),
            )
            for r in context["page_obj"]
        ]
    if q:
        # Both stop at SEARCH_COUNT_CAP ("1,000+"): a common word matches tens of thousands.
        context["proposal_count"] = shown.count_label if tab == "proposals" else other.count_label
        context["reply_count"] = shown.count_label if tab == "replies" else other.count_label
        context["capped"] = shown.capped
    return context


def _page(request: HttpRequest, results: RankedResults) -> dict[str, Any]:
    params = request.GET.copy()
    params.pop("page", None)
    page = SearchPaginator(results, PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read here, within the time limit
    return {"page_obj": page, "query_string": params.urlencode()}


def _by_role(assignment: Assignment) -> int:
    """Lead first, then separate units, then co-handlers."""
    return ROLE_ORDER.get(assignment.role, len(ROLE_ORDER))


ROLE_ORDER = {Assignment.Role.LEAD: 0, Assignment.Role.SEPARATE: 1, Assignment.Role.CO: 2}

# What a result shows: the body for the snippets of the page's rows only.
_PROPOSAL_FIELDS = (
    "number",
    "title",
    "body",
    "status",
    "received_on",
    "session",
    "session__name",
    "lead_deputy",
    "lead_deputy__name",
)
