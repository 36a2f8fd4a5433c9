"""The annual review (回头看) of B replies: every promise of a year or session, how it ended,
each department's on-time rate, and what is still open; as a page and as an Excel file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from proposals.models import Session
from responses.models import Commitment, Reply


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
        commitments.filter(status__in=[Commitment.Status.OPEN, Commitment.Status.CLAIMED])
        .select_related("department", "reply__assignment__proposal")
        .order_by("due_on", "pk")
    )
    title = session.name if session is not None else (str(year) if year else _("All years"))
    return Review(title=str(title), replies=rows, summary=summary, still_open=still_open)


def _cell(value: Any) -> Any:
    """Text a spreadsheet could run as a formula (= + - @ first) is written as plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def review_workbook(review: Review) -> bytes:
    """The review as .xlsx: promises, departments, still open; Chinese headers, real dates."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Promises")
    sheet.append(
        [
            _("Number"),
            _("Title"),
            _("Department"),
            _("Sent on"),
            _("Grade"),
            _("Promise"),
            _("Due on"),
            _("Status"),
            _("Kept on"),
        ]
    )
    for reply in review.replies:
        proposal = reply.assignment.proposal
        for commitment in reply.commitments.all():
            sheet.append(
                [
                    _cell(v)
                    for v in (
                        proposal.number,
                        proposal.title,
                        commitment.department.name,
                        reply.sent_on,
                        reply.grade,
                        commitment.description,
                        commitment.due_on,
                        str(commitment.get_status_display()),
                        commitment.fulfilled_on,
                    )
                ]
            )
    departments = book.create_sheet(_("By department"))
    departments.append(
        [
            _("Department"),
            _("Still to keep"),
            _("Past due"),
            _("Kept on time"),
            _("Kept late"),
            _("Not kept"),
            _("On-time rate (%)"),
        ]
    )
    for row in review.summary:
        departments.append(
            [
                _cell(row["department__name"]),
                row["open"],
                row["overdue"],
                row["on_time"],
                row["late"],
                row["not_kept"],
                row["rate"],
            ]
        )
    open_sheet = book.create_sheet(_("Still open"))
    open_sheet.append([_("Number"), _("Department"), _("Promise"), _("Due on"), _("Status")])
    for commitment in review.still_open:
        open_sheet.append(
            [
                _cell(v)
                for v in (
                    commitment.reply.assignment.proposal.number,
                    commitment.department.name,
                    commitment.description,
                    commitment.due_on,
                    str(commitment.get_status_display()),
                )
            ]
        )
    for worksheet in book.worksheets:
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        for row in worksheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
