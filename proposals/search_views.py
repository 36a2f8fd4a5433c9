"""The search page: one box for suggestions and replies, within what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString

from proposals.models import Assignment, Proposal
from proposals.search import MAX_WORDS, highlight, search_proposals, search_replies, snippet
from responses.models import Reply
from tracker.paging import capped_count, count_label, paginate
from tracker.params import query_text
from tracker.privacy import mask_phones

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


@login_required
def search(request: HttpRequest) -> HttpResponse:
    q = " ".join(query_text(request, "q").split()[:MAX_WORDS])[:MAX_QUERY_LENGTH]
    tab = request.GET.get("in") if request.GET.get("in") in TABS else "proposals"
    proposals = search_proposals(Proposal.objects.visible_to(request.user), q)
    replies = search_replies(Reply.objects.visible_to(request.user), q)
    context: dict[str, Any] = {"q": q, "tab": tab}
    if tab == "proposals":
        # The handling units, so that a match on a department's name is visible in the hit.
        units = (
            Assignment.objects.exclude(status=Assignment.Status.WITHDRAWN)
            .select_related("department")
            .only("proposal_id", "role", "status", "department__name")
            .order_by("pk")
        )
        page = (
            proposals.select_related("session", "lead_deputy")
            .only(*_PROPOSAL_FIELDS)
            .prefetch_related(Prefetch("assignments", queryset=units, to_attr="units"))
        )
        context.update(paginate(request, page, per_page=PER_PAGE))
        context["hits"] = [
            Hit(
                p,
                highlight(p.title, q),
                snippet(
                    p.body if p.may_see_phones(request.user, assignments=p.units) else mask_phones(p.body), q
                ),
                [(highlight(a.department.name, q), a) for a in p.units],
            )
            for p in context["page_obj"]
        ]
    else:
        page = replies.with_phone_rule_for(request.user).select_related(
            "assignment__department", "assignment__proposal"
        )
        context.update(paginate(request, page, per_page=PER_PAGE))
        context["hits"] = [
            Hit(
                r,
                highlight(r.assignment.proposal.title, q),
                snippet(r.body if r.may_see_phones(request.user) else mask_phones(r.body), q),
            )
            for r in context["page_obj"]
        ]
    # The shown tab's count is the paginator's; the other one is counted here. Both stop
    # at LIST_COUNT_CAP ("10,000+"): a common word matches tens of thousands of rows.
    shown = context["page_obj"].paginator.count_label
    if q:
        cap = settings.LIST_COUNT_CAP
        other = proposals if tab == "replies" else replies
        other_label = count_label(capped_count(other, cap), cap)
        context["proposal_count"] = shown if tab == "proposals" else other_label
        context["reply_count"] = shown if tab == "replies" else other_label
    return render(request, "search/results.html", context)


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
