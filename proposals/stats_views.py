"""The statistics dashboard (staff and departments) and the public per-department page.

The figures come from proposals.statistics (a fixed number of aggregate queries);
these views only choose the scope, turn counts into bar widths and links, and render.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_safe

from proposals import statistics, statistics_snapshots
from proposals.models import Department, Session
from proposals.statistics import Figures, MonthPoint, Scope
from responses.models import Publication, publication_rates
from tracker.params import cleaned_query
from tracker.xlsx import Column, Sheet, build_workbook, dated_filename, wants_xlsx, xlsx_response


class ScopeForm(forms.Form):
    """A year or a session (the session wins), and for staff a department."""

    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, required=False, empty_value=None)
    session = forms.ModelChoiceField(
        label=gettext_lazy("Session"),
        queryset=Session.objects.order_by("-year", "name"),
        required=False,
        empty_label=gettext_lazy("All sessions"),
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"),
        queryset=Department.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("All departments"),
    )

    def __init__(self, data: QueryDict, *, years: list[int], with_department: bool) -> None:
        data = cleaned_query(data)
        if "year" not in data and "session" not in data and years:
            data = data.copy()
            data["year"] = str(years[0])  # a first visit shows the latest year
        super().__init__(data)
        self.fields["year"].choices = [("", _("All years"))] + [(y, str(y)) for y in years]
        if not with_department:
            del self.fields["department"]

    def scope(self) -> Scope:
        if not self.is_valid():
            return Scope()
        data = self.cleaned_data
        session = data.get("session")
        return Scope(
            year=None if session else data.get("year"),
            session=session,
            department=data.get("department"),
        )


def _years() -> list[int]:
    return list(Session.objects.order_by("-year").values_list("year", flat=True).distinct())


# -- links and bars ------------------------------------------------------------------


def figure_links(scope: Scope) -> dict[str, str]:
    """The suggestion list filtered to the rows behind each figure of the scope."""
    base = reverse("proposals:list")

    def link(**params: str) -> str:
        return f"{base}?{urlencode({**scope.query(), **params})}"

    received = link(withdrawn="false") if scope.department is None else link(handling="assigned")
    links = {"received": received}
    links.update({name: link(handling=name) for name, label in statistics.HANDLING_CHOICES})
    links.update({f"grade_{g}": link(final_grade=g) for g in statistics.GRADES})
    links.update({f"rating_{r}": link(rating=r) for r in statistics.RATINGS})
    links.update({f"commitments_{c}": link(commitments=c) for c, label in statistics.COMMITMENT_CHOICES})
    links["key_assigned"] = link(is_key="true", handling="assigned")
    links["key_replied"] = link(is_key="true", handling="replied")
    links["key_open_overdue"] = link(is_key="true", handling="open_overdue")
    return links


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: float  # of the whole the chart shows, 0–100
    url: str
    css: str = ""


def _bars(items: list[tuple[str, int, str, str]], whole: int) -> list[Bar]:
    return [
        Bar(label, count, round(100 * count / whole, 1) if whole else 0.0, url, css)
        for label, count, url, css in items
    ]


def _charts(f: Figures, links: dict[str, str]) -> dict[str, list[Bar]]:
    handling = _bars(
        [
            (_("Replied on time"), f.on_time, links["on_time"], "good"),
            (_("Replied late"), f.late, links["late"], "warn"),
            (_("Open, not yet due"), f.open_not_due, links["open_not_due"], "neutral"),
            (_("Open, overdue"), f.open_overdue, links["open_overdue"], "bad"),
        ],
        f.assigned,
    )
    grades = _bars(
        [(g, f.grades[g], links[f"grade_{g}"], f"grade-{g}") for g in statistics.GRADES], f.replied
    )
    labels = dict(statistics.RATING_CHOICES)
    ratings = _bars(
        [(str(labels[r]), f.ratings[r], links[f"rating_{r}"], r) for r in statistics.RATINGS], f.rated
    )
    return {"handling": handling, "grades": grades, "ratings": ratings}


@dataclass(frozen=True)
class TrendChart:
    """An inline SVG of assignments and replies per month (coordinates in viewBox units)."""

    width: int
    height: int
    top: int
    bottom: int
    scale_max: int
    min_width: int  # CSS pixels, so a long period scrolls sideways on a phone instead of shrinking
    columns: list[dict[str, Any]]
    gridlines: list[dict[str, Any]]


TREND_HEIGHT = 220
TREND_TOP = 12
TREND_BOTTOM = 190  # the baseline; month labels sit below it
TREND_COLUMN = 36


def _trend_chart(points: list[MonthPoint]) -> TrendChart | None:
    if not points:
        return None
    peak = max(max(p.assigned, p.replied) for p in points) or 1
    step = _nice_step(peak)
    scale_max = step * -(-peak // step)
    plot = TREND_BOTTOM - TREND_TOP

    def y(value: int) -> float:
        return round(TREND_BOTTOM - plot * value / scale_max, 1)

    columns = []
    for i, p in enumerate(points):
        x = 40 + i * TREND_COLUMN
        columns.append(
            {
                "point": p,
                "label": p.month.strftime("%Y-%m")
                if p.month.month == 1 or i == 0
                else f"{p.month.month:02d}",
                "x": x,
                "label_x": x + 14,
                "assigned_y": y(p.assigned),
                "assigned_h": round(TREND_BOTTOM - y(p.assigned), 1),
                "replied_x": x + 14,
                "replied_y": y(p.replied),
                "replied_h": round(TREND_BOTTOM - y(p.replied), 1),
                "on_time_y": y(p.on_time),
            }
        )
    gridlines = [{"value": v, "y": y(v)} for v in range(0, scale_max + 1, step)]
    width = 40 + len(points) * TREND_COLUMN + 8
    return TrendChart(
        width, TREND_HEIGHT, TREND_TOP, TREND_BOTTOM, scale_max, round(width * 0.6), columns, gridlines
    )


def _nice_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        if peak / step <= 5:
            return step
    return 10 ** len(str(peak))


# -- the dashboard --------------------------------------------------------------------


def _dashboard_user(request: HttpRequest) -> str:
    """ "staff" or "department"; 403 for anyone else (deputies, users without a role)."""
    user = request.user
    if user.is_congress_staff:
        return "staff"
    if user.is_department_user and user.department_id is not None:
        return "department"
    raise PermissionDenied


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    """Staff see every department and the ranking; a department only its own figures and rank."""
    kind = _dashboard_user(request)
    form = ScopeForm(request.GET, years=_years(), with_department=kind == "staff")
    scope = form.scope()
    if kind == "department":
        scope = scope.with_department(request.user.department)
    today = timezone.localdate()
    size = statistics_snapshots.scope_size(scope)
    served = statistics_snapshots.serve(scope, today=today) if statistics_snapshots.is_large(size) else None
    if served is None:  # a small scope: live
        received = size if scope.department is None else None
        fig, table = statistics.summary(scope, today=today, received=received)
        trend = statistics.monthly_trend(scope)
    elif served.pending:
        return render(request, "stats/pending.html", {"form": form, "scope": scope}, status=200)
    else:
        assert served.figures is not None and served.table is not None and served.trend is not None
        fig, table, trend = served.figures, served.table, served.trend
    as_of = served.computed_at if served is not None else None
    ranked = [row for row in table if row.rank is not None]
    own = None
    if scope.department is not None:
        own = next((row for row in table if row.department.pk == scope.department.pk), None)
    if kind == "department":
        table = [own] if own else []  # other departments' figures stay hidden; only the rank is shown
    if wants_xlsx(request):
        return _dashboard_xlsx(scope, fig, table, trend, as_of=as_of)
    links = figure_links(scope)
    for row in table:
        row.links = figure_links(scope.with_department(row.department))  # type: ignore[attr-defined]
        row.on_time_percent = round(100 * (row.on_time_rate or 0), 1)  # type: ignore[attr-defined]
    context = {
        "form": form,
        "scope": scope,
        "fig": fig,
        "links": links,
        "charts": _charts(fig, links),
        "table": table,
        "own": own,
        "ranked_count": len(ranked),
        "is_department_view": kind == "department",
        "trend": trend,
        "trend_chart": _trend_chart(trend),
        "today": today,
        "as_of": as_of,
        "export_query": urlencode({**scope.query(), "format": "xlsx"}),
        "publication": _publication_rates(scope, today),
    }
    return render(request, "stats/dashboard.html", context)


def _publication_rates(scope: Scope, today: date) -> dict[str, Any]:
    """The publication rate (上网率) of the replies sent in the scope (two queries)."""
    publications = Publication.objects.filter(scope.proposal_filter("reply__assignment__proposal__"))
    if scope.department is not None:
        publications = publications.filter(reply__assignment__department=scope.department)
    return publication_rates(publications, today=today)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _dashboard_xlsx(
    scope: Scope,
    fig: Figures,
    table: list[Figures],
    trend: list[MonthPoint],
    *,
    as_of: datetime.datetime | None = None,
) -> HttpResponse:
    # From a snapshot, the workbook says when its figures were computed, as the page does.
    as_of_row = [[_("Figures as of"), timezone.localtime(as_of).strftime("%Y-%m-%d %H:%M")]] if as_of else []
    summary = Sheet(
        pgettext("statistics", "Summary"),
        [Column.text(_("Figure"), 36), Column.number(_("Value"), 14)],
        [
            *as_of_row,
            [_("Received"), fig.received],
            [_("Assigned"), fig.assigned],
            [_("Replied"), fig.replied],
            [_("Replied on time"), fig.on_time],
            [_("Replied late"), fig.late],
            [_("Open, overdue"), fig.open_overdue],
            [_("Open, not yet due"), fig.open_not_due],
            [_("Reply rate"), _percent(fig.reply_rate)],
            [_("On-time rate"), _percent(fig.on_time_rate)],
            [_("Average days to reply"), None if fig.avg_days is None else round(fig.avg_days, 1)],
            *[[_("Grade %(grade)s") % {"grade": g}, fig.grades[g]] for g in statistics.GRADES],
            *[[str(label), fig.ratings[r]] for r, label in statistics.RATING_CHOICES],
            [_("Satisfaction rate"), _percent(fig.satisfied_rate)],
            [_("Re-handled"), fig.rehandled],
            [_("Commitments open"), fig.commitments_open],
            [_("Commitments overdue"), fig.commitments_overdue],
            [_("Commitments kept"), fig.commitments_kept],
            [_("Key suggestions assigned"), fig.key_assigned],
            [_("Key suggestions replied"), fig.key_replied],
            [_("Key suggestions overdue"), fig.key_open_overdue],
            [_("Contacted the deputies"), fig.contacted],
            [_("Contact rate (沟通率)"), _percent(fig.contact_rate)],
            [_("Met the deputies face to face"), fig.met],
            [_("Face-to-face rate (面商率)"), _percent(fig.meeting_rate)],
        ],
    )
    departments = Sheet(
        _("By department"),
        [
            Column.number(_("Rank"), 6),
            Column.text(_("Department"), 28),
            Column.number(_("Assigned")),
            Column.number(_("Replied")),
            Column.number(_("On time")),
            Column.number(_("Late")),
            Column.number(_("Open, overdue")),
            Column.number(_("Open, not yet due")),
            Column.number(_("Reply rate"), 10, "0.0%"),
            Column.number(_("On-time rate"), 10, "0.0%"),
            Column.number(_("Average days"), 10, "0.0"),
            *[Column.number(g, 6) for g in statistics.GRADES],
            *[Column.number(str(label), 10) for r, label in statistics.RATING_CHOICES],
            Column.number(_("Satisfaction rate"), 10, "0.0%"),
            Column.number(_("Re-handled")),
            Column.number(_("Commitments open")),
            Column.number(_("Commitments overdue")),
            Column.number(_("Commitments kept")),
            Column.number(_("Contacted the deputies")),
            Column.number(_("Contact rate (沟通率)"), 10, "0.0%"),
            Column.number(_("Met the deputies face to face")),
            Column.number(_("Face-to-face rate (面商率)"), 10, "0.0%"),
        ],
        (
            [
                row.rank,
                row.department.name,
                row.assigned,
                row.replied,
                row.on_time,
                row.late,
                row.open_overdue,
                row.open_not_due,
                _percent(row.reply_rate),
                _percent(row.on_time_rate),
                row.avg_days,
                *[row.grades[g] for g in statistics.GRADES],
                *[row.ratings[r] for r in statistics.RATINGS],
                _percent(row.satisfied_rate),
                row.rehandled,
                row.commitments_open,
                row.commitments_overdue,
                row.commitments_kept,
                row.contacted,
                _percent(row.contact_rate),
                row.met,
                _percent(row.meeting_rate),
            ]
            for row in table
        ),
    )
    months = Sheet(
        _("By month"),
        [
            Column.text(_("Month"), 10),
            Column.number(_("Assigned")),
            Column.number(_("Replied")),
            Column.number(_("On time")),
        ],
        ([p.month.strftime("%Y-%m"), p.assigned, p.replied, p.on_time] for p in trend),
    )
    name = _("Statistics")
    if scope.department is not None:
        name = f"{name}-{scope.department.name}"
    return xlsx_response(build_workbook([summary, departments, months]), dated_filename(name))


# -- the public page --------------------------------------------------------------------


@require_safe
def public_statistics(request: HttpRequest) -> HttpResponse:
    """Per department, without login: received, replied, on-time rate and the grade split.
    Counts only: no reply text, no deputy, nothing about ratings."""
    form = ScopeForm(request.GET, years=_years(), with_department=False)
    scope = form.scope()
    as_of = None
    size = statistics_snapshots.scope_size(scope)
    if statistics_snapshots.is_large(size):  # the dashboard's snapshot of the same scope
        served = statistics_snapshots.serve(scope, today=timezone.localdate())
        if served.figures is None or served.table is None:
            return render(request, "stats/pending.html", {"form": form, "scope": scope})
        total, table, as_of = served.figures, served.table, served.computed_at
    else:
        total, table = statistics.summary(scope, received=size)
    table = [row for row in table if row.assigned]
    # D appears only where a congress grades on four classes (most use A–C).
    grades = statistics.GRADES if total.grades["D"] else statistics.GRADES[:3]
    total.grade_counts = [(g, total.grades[g]) for g in grades]  # type: ignore[attr-defined]
    for row in table:
        row.grade_counts = [row.grades[g] for g in grades]  # type: ignore[attr-defined]
        row.on_time_percent = round(100 * (row.on_time_rate or 0), 1)  # type: ignore[attr-defined]
        params = {"department": row.department.pk}
        if scope.year:
            params["year"] = scope.year
        elif scope.session is not None:
            params["year"] = scope.session.year
        row.public_url = f"{reverse('public:reply_list')}?{urlencode(params)}"  # type: ignore[attr-defined]
    context = {"form": form, "scope": scope, "table": table, "total": total, "grades": grades, "as_of": as_of}
    return render(request, "stats/public.html", context)
