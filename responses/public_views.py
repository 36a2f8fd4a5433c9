"""The public site, readable without signing in: replies published as 主动公开, a
suggestion's progress by number, and open data downloads of the published replies.

Only what may be shown leaves these views: the published replies themselves, and of
a suggestion its number, title, session, stage, handling units and dates. Internal
events, drafts, unpublished replies, contacts, ratings and deadlines never do.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.db.models import Case, Max, Value, When
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from proposals.models import Assignment, Proposal, normalise_number
from responses.filters import PublicReplyFilter
from responses.models import Reply, ReplyQuerySet
from responses.views import letter_context
from tracker.paging import paginate
from tracker.params import query_text
from tracker.privacy import mask_phones
from tracker.xlsx import neutralise

PAGE_SIZE = 20

# How many rows an open data download reads from the database at a time (a server-side
# cursor on PostgreSQL). Memory follows the chunk, not the download: a reply letter is
# about 8 KB, so 500 rows hold about 4 MB however many rows the file has.
EXPORT_CHUNK = 500

# The open data fields, in this order, under these names (documented in README.md,
# "Open data"); renaming one breaks the programs that read the files.
EXPORT_FIELDS = (
    "number",
    "title",
    "session",
    "congress",
    "department",
    "role",
    "grade",
    "sent_on",
    "url",
    "body",
)

# The public stages of a suggestion, in order; each internal status shows as one of them.
# Re-handling is "being handled": that a deputy was unsatisfied is not public.
STAGES = (
    ("received", _("Received")),
    ("assigned", _("Assigned")),
    ("handling", _("Being handled")),
    ("replied", _("Replied")),
    ("closed", _("Closed")),
)
STAGE_OF_STATUS = {
    Proposal.Status.REGISTERED: "received",
    Proposal.Status.ASSIGNED: "assigned",
    Proposal.Status.HANDLING: "handling",
    Proposal.Status.REHANDLING: "handling",
    Proposal.Status.REPLIED: "replied",
    Proposal.Status.CLOSED: "closed",
}


def _published() -> ReplyQuerySet:
    return Reply.objects.published().select_related(
        "publication",
        "assignment__department",
        "assignment__proposal",
        "assignment__proposal__congress",
        "assignment__proposal__session",
        "assignment__proposal__lead_deputy",
    )


@require_safe
def reply_list(request: HttpRequest) -> HttpResponse:
    reply_filter = PublicReplyFilter(request.GET, queryset=_published())
    replies = reply_filter.qs.defer("body", "assignment__proposal__body")
    return render(
        request,
        "public/reply_list.html",
        {"filter": reply_filter, **paginate(request, replies, per_page=PAGE_SIZE)},
    )


@require_safe
def reply_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Drafts, replies not published and unknown ids are all the same 404.
    reply = get_object_or_404(_published(), pk=pk)
    return render(request, "public/reply_detail.html", public_letter_context(reply))


def public_letter_context(reply: Reply) -> dict[str, Any]:
    context = letter_context(reply.publication.public_copy(), show_phones=False)
    context.update(public_copy=True, publication=reply.publication)
    return context


# -- a suggestion's progress by number ------------------------------------------

# Longer than any suggestion number (Proposal.number holds 30 characters).
MAX_NUMBER_LENGTH = 50


@require_safe
def progress_lookup(request: HttpRequest) -> HttpResponse:
    """The "look up a number" form: on to that number's progress page (in normal form:
    ２０２４０４９３ goes to /public/20240493/)."""
    number = normalise_number(query_text(request, "number", max_length=MAX_NUMBER_LENGTH))
    if not number:
        return redirect("public:reply_list")
    # isdecimal, as the address's \d: "𐩀".isdigit() is true, yet no address holds it.
    if "/" in number or not any(c.isdecimal() for c in number):
        return _not_found(request, number)
    return redirect("public:progress", number=number)


@require_safe
def progress(request: HttpRequest, number: str) -> HttpResponse:
    if len(number) > MAX_NUMBER_LENGTH:
        return _not_found(request, number[:MAX_NUMBER_LENGTH])
    # A suggestion its deputy withdrew before assignment is not public: the same 404.
    proposals = list(
        Proposal.objects.filter(number=normalise_number(number))
        .exclude(status=Proposal.Status.WITHDRAWN)
        .select_related("congress", "session", "lead_deputy")
        .order_by("-session__year", "congress__name", "session__name")
    )
    chosen = query_text(request, "session")
    if len(proposals) > 1 and chosen:
        proposals = [p for p in proposals if str(p.session_id) == chosen] or proposals
    if not proposals:
        return _not_found(request, number)
    if len(proposals) > 1:
        return render(request, "public/progress_choose.html", {"number": number, "proposals": proposals})
    return render(request, "public/progress.html", _progress_context(proposals[0]))


def _not_found(request: HttpRequest, number: str) -> HttpResponse:
    return render(request, "public/progress_not_found.html", {"number": number}, status=404)


def _progress_context(proposal: Proposal) -> dict[str, Any]:
    """What the public may know of a suggestion's handling, and nothing more."""
    role = Assignment.Role
    # Withdrawn assignments (a unit that disputed the assignment) are internal.
    assignments = list(
        proposal.assignments.exclude(status=Assignment.Status.WITHDRAWN)
        .select_related("department")
        .order_by(
            Case(When(role=role.LEAD, then=Value(0)), When(role=role.SEPARATE, then=Value(1)), default=2),
            "pk",
        )
    )
    # The date each unit last sent a reply; that it replied is progress, the reply
    # itself is public only when published.
    replied_on = dict(
        Reply.objects.sent()
        .filter(assignment__in=assignments)
        .values("assignment")
        .annotate(last=Max("sent_on"))
        .values_list("assignment", "last")
    )
    published = list(
        Reply.objects.published()
        .filter(assignment__proposal=proposal)
        .select_related("assignment__department")
        .only("pk", "grade", "round", "sent_on", "assignment__department__name")
        .order_by("sent_on", "pk")
    )
    units = [
        {
            "assignment": assignment,
            "replied_on": replied_on.get(assignment.pk) if assignment.is_responsible else None,
            "replies": [r for r in published if r.assignment_id == assignment.pk],
        }
        for assignment in assignments
    ]
    stage = STAGE_OF_STATUS[proposal.status]
    reached = [key for key, _label in STAGES].index(stage)
    return {
        "proposal": proposal,
        "stage": stage,
        "stages": [
            {"key": key, "label": label, "done": i < reached, "current": i == reached}
            for i, (key, label) in enumerate(STAGES)
        ],
        "units": units,
        "published": published,
        # The deputies' names are printed in every reply letter's salutation, so they are
        # public once a reply is; before that the public site does not name them.
        "lead_deputy": proposal.lead_deputy if published else None,
        "has_co_signers": bool(published) and proposal.co_signers.exists(),
    }


# -- open data downloads --------------------------------------------------------


def _export_rows(request: HttpRequest) -> Iterator[dict[str, str]]:
    """The filtered published replies as open data rows, read a chunk at a time."""
    published = Reply.objects.published().select_related(
        "publication",
        "assignment__department",
        "assignment__proposal__congress",
        "assignment__proposal__session",
    )
    replies = PublicReplyFilter(request.GET, queryset=published).qs.only(
        "pk",
        "grade",
        "sent_on",
        "publication__text",
        "assignment__role",
        "assignment__department__name",
        "assignment__proposal__number",
        "assignment__proposal__title",
        "assignment__proposal__session__name",
        "assignment__proposal__congress__name",
    )
    # Every reply page has the same address but for its id: build it once.
    placeholder = 999999999
    template = request.build_absolute_uri(reverse("public:reply_detail", args=[placeholder]))
    prefix, suffix = template.split(str(placeholder))
    for reply in replies.iterator(chunk_size=EXPORT_CHUNK):
        assignment = reply.assignment
        proposal = assignment.proposal
        yield {
            "number": proposal.number,
            "title": proposal.title,
            "session": proposal.session.name,
            "congress": proposal.congress.name,
            "department": assignment.department.name,
            "role": assignment.role,
            "grade": reply.grade,
            "sent_on": reply.sent_on.isoformat(),
            "url": f"{prefix}{reply.pk}{suffix}",
            # The text staff published: personal data removed (or the summary).
            "body": mask_phones(reply.publication.text),
        }


def _download_name(extension: str) -> str:
    return f"published-replies-{timezone.localdate().isoformat()}.{extension}"


class _Echo:
    """A file-like object for csv.writer that hands each written line back."""

    def write(self, value: str) -> str:
        return value


@require_safe
def reply_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered published replies as CSV: UTF-8 with a BOM, so that Excel reads the Chinese."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(EXPORT_FIELDS)
        for row in _export_rows(request):
            # Text a spreadsheet would run as a formula gets a leading apostrophe.
            yield writer.writerow([neutralise(row[field]) for field in EXPORT_FIELDS])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_download_name("csv")}"'
    return response


@require_safe
def reply_json(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered published replies as a JSON array of objects, written as it is read."""

    def chunks() -> Iterator[str]:
        yield "["
        separator = "\n"
        for row in _export_rows(request):
            yield separator + json.dumps(row, ensure_ascii=False)
            separator = ",\n"
        yield "\n]\n"

    response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_download_name("json")}"'
    return response
