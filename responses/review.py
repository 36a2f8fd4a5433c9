"""The annual review (回头看) of B replies: every promise of a year or session, how it ended,
each department's on-time rate, and what is still open; as a page and as an Excel file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from proposals.models import Session
from responses.models import Commitment, Reply
from tracker.xlsx import Column, Sheet, build_workbook


@dataclass
class Review:
    title: str
    replies: list[Reply]
    summary: list[dict[str, Any]]
    still_open: list[Commitment]


def b_replies(*, year: int | None = None, session: Session | None = None) -> QuerySet[Reply]:
    """Sent replies graded B by the department or by staff, in a year or a session."""
    replies = Reply.objects.sent().filter(Q(grade=Reply.Grade.B) | Q(department_grade=Reply.Grade.B))
    if session is not None:
        replies = replies.filter(assignment__proposal__session=session)
    elif year is not None:
        replies = replies.filter(assignment__proposal__session__year=year)
    return replies


def build_review(today: date, *, year: int | None = None, session: Session | None = None) -> Review:
    """Four queries, however many replies: replies, their commitments, the summary, the open ones."""
    replies = b_replies(year=year, session=session)
    commitments = Commitment.objects.filter(reply__in=replies)
    rows = list(
        replies.select_related("assignment__proposal__session", "assignment__department")
        .prefetch_related(Prefetch("commitments", queryset=Commitment.objects.select_related("department")))
        .order_by("assignment__proposal__number", "assignment__pk")
    )
    summary = commitments.summary_by_department(today)
    for row in summary:
        row["rate"] = round(100 * row["on_time"] / row["due"]) if row["due"] else None
    still_open = list(
        commitments.filter(status__in=Commitment.TO_KEEP)
        .select_related("department", "reply__assignment__proposal")
        .order_by("due_on", "pk")
    )
    title = session.name if session is not None else (str(year) if year else _("All years"))
    return Review(title=str(title), replies=rows, summary=summary, still_open=still_open)


def review_workbook(review: Review) -> bytes:
    """The review as .xlsx: promises, departments, still open; Chinese headers, real dates."""
    promises = Sheet(
        _("Promises"),
        [
            Column.text(_("Number"), 12),
            Column.text(_("Title"), 36),
            Column.text(_("Department"), 24),
            Column.date(_("Sent on")),
            Column.text(_("Grade"), 6),
            Column.text(_("Promise"), 48),
            Column.date(_("Due on")),
            Column.text(_("Status"), 14),
            Column.date(_("Kept on")),
        ],
        (
            [
                reply.assignment.proposal.number,
                reply.assignment.proposal.title,
                commitment.department.name,
                reply.sent_on,
                reply.grade,
                commitment.description,
                commitment.due_on,
                str(commitment.get_status_display()),
                commitment.fulfilled_on,
            ]
            for reply in review.replies
            for commitment in reply.commitments.all()
        ),
    )
    departments = Sheet(
        _("By department"),
        [
            Column.text(_("Department"), 28),
            Column.number(_("Still to keep")),
            Column.number(_("Past due")),
            Column.number(_("Kept on time")),
            Column.number(_("Kept late")),
            Column.number(_("Not kept")),
            Column.number(_("On-time rate (%)"), 12),
        ],
        (
            [
                row["department__name"],
                row["open"],
                row["overdue"],
                row["on_time"],
                row["late"],
                row["not_kept"],
                row["rate"],
            ]
            for row in review.summary
        ),
    )
    still_open = Sheet(
        _("Still open"),
        [
            Column.text(_("Number"), 12),
            Column.text(_("Department"), 24),
            Column.text(_("Promise"), 48),
            Column.date(_("Due on")),
            Column.text(_("Status"), 14),
        ],
        (
            [
                commitment.reply.assignment.proposal.number,
                commitment.department.name,
                commitment.description,
                commitment.due_on,
                str(commitment.get_status_display()),
            ]
            for commitment in review.still_open
        ),
    )
    return build_workbook([promises, departments, still_open])
