"""Excel downloads of commitments (?format=xlsx): the staff board with its per-department
statistics, and a department's own list."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from responses.models import Commitment, ProgressReport
from tracker.xlsx import Column, Sheet, build_workbook, dated_filename, xlsx_response

CHUNK_SIZE = 2000


def commitment_columns() -> list[Column]:
    return [
        Column.text(_("Number"), 12),
        Column.text(_("Suggestion title"), 36),
        Column.text(_("Promise"), 48),
        Column.text(_("Responsible department"), 24),
        Column.date(_("Due on")),
        Column.text(_("Status"), 14),
        Column.date(_("Latest progress report"), 14),
        Column.date(_("Kept on")),
    ]


def commitment_rows(commitments: QuerySet[Commitment]) -> Iterator[list[Any]]:
    """Plain values in the page's order, one query per chunk of rows."""
    statuses = {value: str(label) for value, label in Commitment.Status.choices}
    latest_report = (
        ProgressReport.objects.filter(commitment=OuterRef("pk"))
        .order_by("-reported_on", "-pk")
        .values("reported_on")[:1]
    )
    rows = (
        commitments.prefetch_related(None)
        .annotate(latest_report_on=Subquery(latest_report))
        .values_list(
            "reply__assignment__proposal__number",
            "reply__assignment__proposal__title",
            "description",
            "department__name",
            "due_on",
            "status",
            "latest_report_on",
            "fulfilled_on",
        )
    )
    for number, title, description, department, due_on, status, reported_on, fulfilled_on in rows.iterator(
        chunk_size=CHUNK_SIZE
    ):
        yield [
            number,
            title,
            description,
            department,
            due_on,
            statuses.get(status, status),
            reported_on,
            fulfilled_on,
        ]


def summary_columns() -> list[Column]:
    return [
        Column.text(_("Department"), 28),
        Column.number(_("Still to keep")),
        Column.number(_("Past due")),
        Column.number(_("Kept on time")),
        Column.number(_("Kept late")),
        Column.number(_("Not kept")),
        Column.number(_("On-time rate (%)"), 12),
    ]


def summary_rows(summary: Iterable[dict[str, Any]]) -> Iterator[list[Any]]:
    """CommitmentQuerySet.summary_by_department rows; the rate is kept on time over due so far."""
    for row in summary:
        rate = round(100 * row["on_time"] / row["due"]) if row["due"] else None
        yield [
            row["department__name"],
            row["open"],
            row["overdue"],
            row["on_time"],
            row["late"],
            row["not_kept"],
            rate,
        ]


def commitment_list_response(
    commitments: QuerySet[Commitment], *, summary: list[dict[str, Any]] | None = None
) -> HttpResponse:
    """The promises; with ``summary``, a second sheet of statistics by department."""
    today: date = timezone.localdate()
    sheets = [Sheet(_("Commitments"), commitment_columns(), commitment_rows(commitments))]
    if summary is not None:
        sheets.append(Sheet(_("Statistics by department"), summary_columns(), summary_rows(summary)))
    return xlsx_response(build_workbook(sheets), dated_filename(_("Commitment list"), today))
