"""The annual handling report (办理工作报告): its figures, the links behind them and the
context the .docx template is rendered with.

Every handling figure is taken from ``proposals.statistics.summary`` (the statistics
page's own queries) and every link from ``stats_views.figure_links`` (the statistics
page's own links), so the report can never disagree with the dashboard. Two figures the
statistics page does not show are counted here on the same counting unit
(``statistics.responsible_assignments``): 沟通率 (a contact with the deputies recorded) and
面商率 (a face-to-face one). The publication rate (上网率) is
``responses.models.publications.publication_rates``, the statistics page's own; the
supervision themes are the year's themes (重点督办); the subjects raised three years or
more running are ``proposals.recurring.recurring_subjects`` (年年提), the staff page's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from proposals import statistics
from proposals.models import Congress, Contact, Session
from proposals.recurring import RecurringSubject, recurring_subjects
from proposals.statistics import Figures, Scope
from proposals.stats_views import figure_links
from reports.models import ReportCase
from responses.models import Publication, SupervisionTheme
from responses.models.publications import publication_rates


@dataclass
class Communication:
    """Responsible assignments with a contact recorded, and with a face-to-face one."""

    contacted: int = 0
    met: int = 0


def communication(scope: Scope) -> dict[int | None, Communication]:
    """Per department id (and under None, the scope's total): 沟通 and 面商 counts (one query)."""
    contacts = Contact.objects.filter(assignment=OuterRef("pk"))
    rows = (
        statistics.responsible_assignments(scope)
        .annotate(
            has_contact=Exists(contacts),
            has_meeting=Exists(contacts.filter(method__in=Contact.FACE_TO_FACE_METHODS)),
        )
        .values("department")
        .annotate(
            contacted=Count("pk", filter=Q(has_contact=True)),
            met=Count("pk", filter=Q(has_meeting=True)),
        )
        .order_by()
    )
    result: dict[int | None, Communication] = {None: Communication()}
    for row in rows:
        result[row["department"]] = Communication(row["contacted"], row["met"])
        result[None].contacted += row["contacted"]
        result[None].met += row["met"]
    return result


def scope_label(scope: Scope) -> str:
    if scope.session is not None:
        return scope.session.name
    if scope.year is not None:
        return _("%(year)s (all sessions of the year)") % {"year": scope.year}
    return _("All sessions")


def _period(scope: Scope) -> str:
    """The period as a report's title names it: 2024年, or the session's name."""
    if scope.session is not None:
        return scope.session.name
    if scope.year is not None:
        return _("the year %(year)s") % {"year": scope.year}
    return _("All sessions")


def congress_of(scope: Scope) -> Congress | None:
    """The congress whose template and scheme apply: the session's, or for a year the
    congress of that year's sessions (the first, should there be several)."""
    if scope.session is not None:
        return scope.session.congress
    sessions = Session.objects.select_related("congress").order_by("congress_id")
    if scope.year is not None:
        sessions = sessions.filter(year=scope.year)
    first = sessions.first()
    return first.congress if first else None


def percent(value: float | None) -> str:
    """A rate as offices write it: one decimal, or a dash when there is nothing to divide."""
    return "—" if value is None else f"{100 * value:.1f}%"


@dataclass
class Figure:
    """One figure of the report: its value, how it reads, and the list it counts."""

    key: str
    label: str
    value: int | float | None
    text: str
    url: str = ""
    basis: str = ""


@dataclass
class AnnualReport:
    scope: Scope
    congress: Congress | None
    today: date
    fig: Figures
    table: list[Figures]
    made_commitments: int
    talks: dict[int | None, Communication]
    cases: list[ReportCase]
    links: dict[str, str] = field(default_factory=dict)
    publication: dict[str, Any] = field(default_factory=dict)  # publication_rates()'s overall row
    themes: list[SupervisionTheme] = field(default_factory=list)
    recurring: list[RecurringSubject] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        return _year(self.scope)

    @property
    def label(self) -> str:
        return scope_label(self.scope)

    def figures(self) -> list[Figure]:
        """The report's headline figures, in the order the report gives them."""
        f, links, talk = self.fig, self.links, self.talks[None]
        n = {"n": f.assigned}
        rows = [
            Figure("received", _("Suggestions received"), f.received, str(f.received), links["received"]),
            Figure(
                "assigned",
                _("Assigned to units (responsible assignments)"),
                f.assigned,
                str(f.assigned),
                links["assigned"],
            ),
            Figure("replied", _("Replied"), f.replied, str(f.replied), links["replied"]),
            Figure(
                "reply_rate",
                _("Reply rate (办复率)"),
                f.reply_rate,
                percent(f.reply_rate),
                links["replied"],
                _("%(part)s replied of %(n)s assigned") % {"part": f.replied, **n},
            ),
            Figure("on_time", _("Replied on time"), f.on_time, str(f.on_time), links["on_time"]),
            Figure(
                "on_time_rate",
                _("On-time rate (按时办复率)"),
                f.on_time_rate,
                percent(f.on_time_rate),
                links["on_time"],
                _("%(part)s on time of %(n)s assigned") % {"part": f.on_time, **n},
            ),
            Figure("late", _("Replied late"), f.late, str(f.late), links["late"]),
            Figure(
                "open_overdue",
                _("Not yet replied, overdue"),
                f.open_overdue,
                str(f.open_overdue),
                links["open_overdue"],
            ),
        ]
        for grade in statistics.GRADES:
            count = f.grades[grade]
            share = count / f.replied if f.replied else None
            rows.append(
                Figure(
                    f"grade_{grade}",
                    _("Grade %(grade)s") % {"grade": grade},
                    count,
                    f"{count} ({percent(share)})",
                    links[f"grade_{grade}"],
                    _("share of %(n)s replies") % {"n": f.replied},
                )
            )
        labels = dict(statistics.RATING_CHOICES)
        for rating in statistics.RATINGS:
            rows.append(
                Figure(
                    f"rating_{rating}",
                    str(labels[rating]),
                    f.ratings[rating],
                    str(f.ratings[rating]),
                    links[f"rating_{rating}"],
                )
            )
        rows += [
            Figure(
                "satisfied_rate",
                _("Satisfaction rate (满意率)"),
                f.satisfied_rate,
                percent(f.satisfied_rate),
                links["rating_satisfied"],
                _("%(part)s satisfied of %(n)s rated") % {"part": f.ratings["satisfied"], "n": f.rated},
            ),
            Figure(
                "basically_rate",
                _("Basically satisfied rate (基本满意率)"),
                f.basically_rate,
                percent(f.basically_rate),
                links["rating_basically"],
                _("%(part)s basically satisfied of %(n)s rated")
                % {"part": f.ratings["basically"], "n": f.rated},
            ),
            Figure(
                "rehandled", _("Re-handled (重新办理)"), f.rehandled, str(f.rehandled), links["rehandled"]
            ),
            Figure(
                "commitments_made",
                _("Promises made (承诺事项)"),
                self.made_commitments,
                str(self.made_commitments),
            ),
            Figure(
                "commitments_kept",
                _("Promises kept"),
                f.commitments_kept,
                str(f.commitments_kept),
                links["commitments_kept"],
            ),
            Figure(
                "commitments_open",
                _("Promises still to keep"),
                f.commitments_open,
                str(f.commitments_open),
                links["commitments_open"],
            ),
            Figure(
                "commitments_overdue",
                _("Promises overdue"),
                f.commitments_overdue,
                str(f.commitments_overdue),
                links["commitments_overdue"],
            ),
            Figure(
                "contact_rate",
                _("Communication rate (沟通率)"),
                _rate(talk.contacted, f.assigned),
                percent(_rate(talk.contacted, f.assigned)),
                "",
                _("%(part)s with a contact recorded of %(n)s assigned") % {"part": talk.contacted, **n},
            ),
            Figure(
                "meeting_rate",
                _("Face-to-face rate (面商率)"),
                _rate(talk.met, f.assigned),
                percent(_rate(talk.met, f.assigned)),
                "",
                _("%(part)s met face to face of %(n)s assigned") % {"part": talk.met, **n},
            ),
            Figure(
                "publication_rate",
                _("Publication rate (上网率)"),
                self.publication.get("rate"),
                "—" if self.publication.get("rate") is None else f"{self.publication['rate']:.1f}%",
                reverse("responses:publications"),
                _("%(published)s published of %(expected)s sent and not withheld")
                % {
                    "published": self.publication.get("published", 0),
                    "expected": self.publication.get("sent", 0) - self.publication.get("withheld", 0),
                },
            ),
            Figure(
                "key_assigned",
                _("Key suggestions (重点建议)"),
                f.key_assigned,
                str(f.key_assigned),
                links["key_assigned"],
            ),
        ]
        return rows

    def rows(self) -> list[dict[str, Any]]:
        """The per-unit table: each row's figures and the links behind them."""
        result = []
        for row in self.table:
            if not row.assigned:
                continue
            talk = self.talks.get(row.department.pk, Communication())
            result.append(
                {
                    "rank": row.rank,
                    "department": row.department.name,
                    "assigned": row.assigned,
                    "replied": row.replied,
                    "on_time": row.on_time,
                    "reply_rate": percent(row.reply_rate),
                    "on_time_rate": percent(row.on_time_rate),
                    "grades": {g: row.grades[g] for g in statistics.GRADES},
                    "satisfied_rate": percent(row.satisfied_rate),
                    "rehandled": row.rehandled,
                    "commitments_kept": row.commitments_kept,
                    "commitments_open": row.commitments_open,
                    "contact_rate": percent(_rate(talk.contacted, row.assigned)),
                    "links": figure_links(self.scope.with_department(row.department)),
                }
            )
        return result

    def context(self) -> dict[str, Any]:
        """What the .docx template sees: plain strings and numbers (see the default template)."""
        figures = {figure.key: figure.text for figure in self.figures()}
        return {
            "congress": str(self.congress or ""),
            "scope": self.label,
            "period": _period(self.scope),
            "today": date_format(self.today, "DATE_FORMAT"),
            "f": figures,
            "grades": [
                {
                    "grade": g,
                    "count": self.fig.grades[g],
                    "share": percent(self.fig.grades[g] / self.fig.replied if self.fig.replied else None),
                }
                for g in statistics.GRADES
                if self.fig.grades[g] or g != "D"
            ],
            "units": [{k: v for k, v in row.items() if k != "links"} for row in self.rows()],
            "cases": [
                {"number": case.proposal.number, "title": case.proposal.title, "text": case.text}
                for case in self.cases
            ],
            "themes": [
                {
                    "title": theme.title,
                    "kind": theme.get_kind_display(),
                    "leader": theme.supervising_leader or str(theme.supervisor or ""),
                    "lead_unit": theme.lead_department.name,
                    "suggestions": theme.suggestion_count,
                }
                for theme in self.themes
            ],
            "recurring": [
                {
                    "number": subject.proposal.number,
                    "title": subject.proposal.title,
                    "years": len(subject.years),
                    "since": subject.years[0],
                }
                for subject in self.recurring
            ],
        }


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def build(scope: Scope, *, today: date | None = None, recurring: bool = False) -> AnnualReport:
    """The report of a scope: the statistics summary (six queries), promises made, the
    communication counts, the cases and the year's themes (one query each), the
    publication rate (two). With ``recurring``, the subjects raised three years or more
    running too (the .docx): three queries per suggestion of the year, so the preview
    links to the 年年提 page instead of counting them on every view."""
    today = today or timezone.localdate()
    scope = scope.with_department(None)
    fig, table = statistics.summary(scope, today=today)
    cases = list(
        ReportCase.objects.current().of_scope(scope).select_related("proposal").order_by("proposal__number")
    )
    return AnnualReport(
        scope=scope,
        congress=congress_of(scope),
        today=today,
        fig=fig,
        table=table,
        made_commitments=statistics.made_commitments(scope).count(),
        talks=communication(scope),
        cases=cases,
        links=figure_links(scope),
        publication=publication_rates(
            Publication.objects.filter(scope.proposal_filter("reply__assignment__proposal__")), today=today
        )["overall"],
        themes=_themes(scope),
        recurring=_recurring(scope) if recurring else [],
    )


def _year(scope: Scope) -> int | None:
    return scope.session.year if scope.session is not None else scope.year


def _themes(scope: Scope) -> list[SupervisionTheme]:
    """The supervision themes of the report's year (one query)."""
    year = _year(scope)
    if year is None:
        return []
    return list(
        SupervisionTheme.objects.filter(year=year)
        .select_related("lead_department", "supervisor")
        .annotate(suggestion_count=Count("memberships", filter=Q(memberships__removed_at=None)))
        .order_by("kind", "title")
    )


def _recurring(scope: Scope) -> list[RecurringSubject]:
    """The subjects raised three years or more running up to the report's year (年年提)."""
    year, congress = _year(scope), congress_of(scope)
    if year is None or congress is None:
        return []
    return recurring_subjects(congress, year)


def case_url(case: ReportCase) -> str:
    return reverse("proposals:detail", kwargs={"pk": case.proposal_id})


def sample_context() -> dict[str, Any]:
    """A report context with every name a template may use, for checking an upload: an
    empty report plus one unit and one case, so loops over them run once."""
    from proposals.models import Department, Proposal

    report = AnnualReport(
        scope=Scope(),
        congress=None,
        today=timezone.localdate(),
        fig=Figures(),
        table=[],
        made_commitments=0,
        talks={None: Communication()},
        cases=[],
        links=figure_links(Scope()),
    )
    context = report.context()
    unit = Figures(department=Department(pk=0, name="示例单位"), assigned=1, rank=1)
    report.table = [unit]
    context["units"] = [{k: v for k, v in row.items() if k != "links"} for row in report.rows()]
    context["cases"] = [{"number": "00000000", "title": Proposal._meta.verbose_name, "text": "……"}]
    context["themes"] = [
        {"title": "……", "kind": "重点督办", "leader": "……", "lead_unit": "示例单位", "suggestions": 1}
    ]
    context["recurring"] = [{"number": "00000000", "title": "……", "years": 3, "since": 2000}]
    return context
