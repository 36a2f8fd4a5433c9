"""Excel downloads of the suggestion list and a department's queue (?format=xlsx).

Each export takes the queryset its page shows (filters, visibility and order already
applied) and adds what the extra columns need, so a download has exactly the page's
rows, every page of them, in a fixed number of queries per chunk of rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import islice
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals.models import Assignment, Proposal, ProposalEvent
from responses.models import Reply
from tracker.xlsx import Column, Sheet, build_workbook, dated_filename, xlsx_response

# Rows fetched (and prefetched) per round trip: bounds memory on a 10,000-row export.
CHUNK_SIZE = 2000
LIST_SEPARATOR = "、"
ROLE_ORDER = {Assignment.Role.LEAD: 0, Assignment.Role.SEPARATE: 1, Assignment.Role.CO: 2}


def _days_left(due_on: date | None, today: date) -> int | None:
    return None if due_on is None else (due_on - today).days


# -- suggestions -----------------------------------------------------------------


def proposal_columns() -> list[Column]:
    return [
        Column.text(_("Number"), 12),
        Column.text(_("Title"), 40),
        Column.text(_("Session"), 28),
        Column.text(_("Category"), 14),
        Column.text(_("Lead deputy"), 10),
        Column.text(_("Co-signers"), 24),
        Column.text(_("Lead / separate departments"), 28),
        Column.text(_("Co-handling departments"), 28),
        Column.text(_("Status"), 10),
        Column.text(_("Key suggestion"), 8),
        Column.date(_("Received on")),
        Column.date(_("Next deadline")),
        Column.number(_("Days left"), 8),
        Column.text(_("Overdue"), 8),
        Column.text(_("Grade"), 8),
    ]


def _labels(choices: Any) -> dict[str, str]:
    """Choice labels translated once per export rather than once per row."""
    return {value: str(label) for value, label in choices}


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _by_proposal(pairs: Iterable[tuple[int, Any]]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for proposal_id, value in pairs:
        grouped[proposal_id].append(value)
    return grouped


def proposal_rows(proposals: QuerySet[Proposal], today: date) -> Iterator[list[Any]]:
    """Plain values, not model instances: building ~9 objects per suggestion cost more
    than writing the cells. Per chunk of rows: one query for the rows and one each for
    co-signers, departments and sent replies' grades."""
    statuses = _labels(Proposal.Status.choices)
    yes, no = _("Yes"), _("No")
    rows = proposals.prefetch_related(None).values_list(
        "pk",
        "number",
        "title",
        "session__name",
        "category__parent__name",
        "category__name",
        "lead_deputy__name",
        "status",
        "is_key",
        "received_on",
        "next_due_on",
    )
    for chunk in _chunks(rows.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        ids = [row[0] for row in chunk]
        co_signers = _by_proposal(
            Proposal.co_signers.through.objects.filter(proposal_id__in=ids)
            .order_by("deputy__name", "deputy_id")
            .values_list("proposal_id", "deputy__name")
        )
        assignments = _by_proposal(
            (proposal_id, (ROLE_ORDER[role], pk, role, department))
            for proposal_id, pk, role, department in Assignment.objects.filter(proposal_id__in=ids)
            .exclude(status=Assignment.Status.WITHDRAWN)
            .values_list("proposal_id", "pk", "role", "department__name")
        )
        # Latest sent reply per responsible assignment: the newest comes first.
        grades: dict[int, str] = {}
        for assignment_id, grade in (
            Reply.objects.sent()
            .filter(assignment__proposal_id__in=ids)
            .order_by("-sent_on", "-pk")
            .values_list("assignment_id", "grade")
        ):
            grades.setdefault(assignment_id, grade)
        for pk, number, title, session, parent, category, lead, status, key, received, due in chunk:
            current = sorted(assignments.get(pk, []))
            responsible = [a for a in current if a[2] != Assignment.Role.CO]
            days_left = _days_left(due, today)
            yield [
                number,
                title,
                session,
                f"{parent} › {category}" if parent else (category or ""),
                lead,
                LIST_SEPARATOR.join(co_signers.get(pk, [])),
                LIST_SEPARATOR.join(a[3] for a in responsible),
                LIST_SEPARATOR.join(a[3] for a in current if a[2] == Assignment.Role.CO),
                statuses.get(status, status),
                yes if key else no,
                received,
                due,
                days_left,
                yes if days_left is not None and days_left < 0 else no,
                LIST_SEPARATOR.join(grades[a[1]] for a in responsible if a[1] in grades),
            ]


def proposal_list_response(proposals: QuerySet[Proposal]) -> HttpResponse:
    today = timezone.localdate()
    sheet = Sheet(_("Suggestions"), proposal_columns(), proposal_rows(proposals, today))
    return xlsx_response(build_workbook([sheet]), dated_filename(_("Suggestion list"), today))


# -- a department's assignments (the queue) --------------------------------------------


def assignment_columns() -> list[Column]:
    return [
        Column.text(_("Number"), 12),
        Column.text(_("Title"), 40),
        Column.text(_("Department"), 24),
        Column.text(_("Role"), 10),
        Column.text(_("Status"), 12),
        Column.text(_("Lead deputy"), 10),
        Column.date(_("Assigned on")),
        Column.date(_("Due on")),
        Column.number(_("Days left"), 8),
        Column.text(_("Overdue"), 8),
        Column.number(_("Extensions"), 8),
    ]


def _extension_count() -> Coalesce:
    per_assignment = (
        ProposalEvent.objects.filter(assignment_id=OuterRef("pk"), kind=ProposalEvent.Kind.EXTENDED)
        .order_by()
        .values("assignment_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(per_assignment, output_field=IntegerField()), Value(0))


def assignment_rows(assignments: QuerySet[Assignment], today: date) -> Iterator[list[Any]]:
    roles, statuses = _labels(Assignment.Role.choices), _labels(Assignment.Status.choices)
    yes, no = _("Yes"), _("No")
    rows = (
        assignments.prefetch_related(None)
        .annotate(extensions=_extension_count())
        .values_list(
            "proposal__number",
            "proposal__title",
            "department__name",
            "role",
            "status",
            "proposal__lead_deputy__name",
            "assigned_on",
            "due_on",
            "extensions",
        )
    )
    for number, title, department, role, status, lead, assigned_on, due_on, extensions in rows.iterator(
        chunk_size=CHUNK_SIZE
    ):
        days_left = _days_left(due_on, today)
        overdue = status in Assignment.OPEN_STATUSES and days_left is not None and days_left < 0
        yield [
            number,
            title,
            department,
            roles.get(role, role),
            statuses.get(status, status),
            lead,
            assigned_on,
            due_on,
            days_left,
            yes if overdue else no,
            extensions,
        ]


def assignment_list_response(assignments: QuerySet[Assignment]) -> HttpResponse:
    today = timezone.localdate()
    sheet = Sheet(_("Assignments"), assignment_columns(), assignment_rows(assignments, today))
    return xlsx_response(build_workbook([sheet]), dated_filename(_("Assignment list"), today))
