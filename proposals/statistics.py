"""The figures congress offices report (design.md §4, "Statistics offices report").

Every figure is computed in the database with one aggregate per table (Count with a
filter, Avg); nothing here loads rows into Python. The dashboard, the public page and
the REST API all call these functions.

**The counting unit.** A suggestion is answered by its *responsible assignments*: the
lead assignment, or each separate assignment (分办), never a withdrawn one. Co-handlers
(会办) send an opinion, not a reply, so they are not counted. Every figure about handling
counts responsible assignments; a department's figures count the responsible
assignments it holds, one per suggestion (a department holds at most one assignment in
force per suggestion), so a department's figures are also counts of suggestions. Only
``received`` counts suggestions as such.

**The current reply.** An assignment's current reply is the sent reply of its current
round (a re-handled assignment starts round 2, and its round-1 reply is history).

**Definitions** (``today`` is the local date the figures are computed on):

- ``received``: suggestions of the scope (its session, or the sessions of its year),
  except those their deputies withdrew before assignment (撤回), which were never
  handled. With a department, the same as ``assigned``.
- ``assigned``: responsible assignments in force.
- ``replied`` (办复): assignments whose current reply has been sent (status replied).
- ``on_time`` (按时办复): replied, and the current reply was sent on or before the
  assignment's due date (which includes granted extensions and, after re-handling, the
  re-handling deadline).
- ``late``: replied, and sent after the due date.
- ``open``: assigned and not replied (awaiting sign-for, drafting, awaiting approval,
  re-handling …). ``open_overdue``: open with the due date before today;
  ``open_not_due``: open, due today or later. ``open = open_overdue + open_not_due`` and
  ``assigned = replied + open``.
- ``reply_rate`` (办复率) = replied / assigned; ``on_time_rate`` (按时办复率) =
  on_time / assigned (the share answered in time of everything assigned, as offices
  report it; Shenzhen's bar is 80 %).
- ``avg_days``: the mean of (current reply's sent date − assigned date) in days, over
  replied assignments; ``None`` when nothing is replied.
- ``grades``: the A/B/C/D split of the current replies' grades (after any re-grading,
  so a B re-graded A once its promises are kept counts as A).
- ``satisfied`` / ``basically`` / ``unsatisfied`` (满意 / 基本满意 / 不满意): the rating
  of each current reply, which is the latest rating deputies gave it (when a lead deputy
  and a co-signer both rate, the later one counts; a re-handled assignment is counted
  by its new reply, so its first 不满意 no longer counts once the new reply is sent).
  ``rated`` is their sum; each rate is its count / rated. ``no_feedback`` counts
  current replies with no rating yet (the feedback window is open or lapsed).
- ``rehandled``: assignments sent back for re-handling at least once (round > 1).
- Commitments (承诺事项) of sent replies, counted per commitment, by the department
  responsible for the commitment: ``commitments_open`` (open, or reported fulfilled and
  awaiting confirmation), ``commitments_overdue`` (open with the due date before
  today), ``commitments_kept`` (confirmed fulfilled).
- Key suggestions (重点建议): ``key_assigned``, ``key_replied``, ``key_open_overdue``,
  the assignments above restricted to key suggestions.
- ``contacted`` (沟通): responsible assignments with at least one contact with the
  deputies logged (any method, any stage); ``met`` (面商): those with a face-to-face
  contact (a meeting, a site visit with the deputies, a forum they attended:
  Contact.FACE_TO_FACE_METHODS). ``contact_rate`` (沟通率) = contacted / assigned;
  ``meeting_rate`` (面商率) = met / assigned.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proposals.models import Assignment, Contact, Department, Proposal, Session
from responses.models import Commitment, Feedback, Reply

GRADES = ("A", "B", "C", "D")
RATINGS = ("satisfied", "basically", "unsatisfied")
RESPONSIBLE = (Assignment.Role.LEAD, Assignment.Role.SEPARATE)

# The suggestion list's filters behind the figures (proposals.filters), by figure.
HANDLING_CHOICES = [
    ("assigned", _("assigned")),
    ("replied", _("replied")),
    ("on_time", _("replied on time")),
    ("late", _("replied late")),
    ("open", _("not yet replied")),
    ("open_overdue", _("not yet replied, overdue")),
    ("open_not_due", _("not yet replied, not yet due")),
    ("rehandled", _("re-handled")),
]
RATING_CHOICES = [
    ("satisfied", _("satisfied (满意)")),
    ("basically", _("basically satisfied (基本满意)")),
    ("unsatisfied", _("unsatisfied (不满意)")),
]
COMMITMENT_CHOICES = [
    ("open", _("open commitments")),
    ("overdue", _("overdue commitments")),
    ("kept", _("kept commitments")),
]


@dataclass(frozen=True)
class Scope:
    """What the figures cover: a session, or every session of a year, and optionally one
    department. With neither session nor year, every session."""

    year: int | None = None
    session: Session | None = None
    department: Department | None = None

    def __post_init__(self) -> None:
        if self.year is not None and self.session is not None:
            raise ValueError("A scope is a year or a session, not both.")

    def with_department(self, department: Department | None) -> Scope:
        return Scope(year=self.year, session=self.session, department=department)

    def proposal_filter(self, prefix: str = "") -> Q:
        if self.session is not None:
            return Q(**{f"{prefix}session": self.session})
        if self.year is not None:
            return Q(**{f"{prefix}session__year": self.year})
        return Q()

    def query(self) -> dict[str, str]:
        """The suggestion list's filter parameters that select this scope."""
        params: dict[str, str] = {}
        if self.session is not None:
            params["session"] = str(self.session.pk)
        elif self.year is not None:
            params["year"] = str(self.year)
        if self.department is not None:
            params["department"] = str(self.department.pk)
        return params


@dataclass
class Figures:
    """The figures of one scope (or of one department in a table); see the module docstring."""

    received: int = 0
    assigned: int = 0
    replied: int = 0
    on_time: int = 0
    late: int = 0
    open: int = 0
    open_overdue: int = 0
    open_not_due: int = 0
    avg_days: float | None = None
    grades: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GRADES, 0))
    ratings: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RATINGS, 0))
    rehandled: int = 0
    commitments_open: int = 0
    commitments_overdue: int = 0
    commitments_kept: int = 0
    key_assigned: int = 0
    key_replied: int = 0
    key_open_overdue: int = 0
    contacted: int = 0
    met: int = 0
    department: Department | None = None
    rank: int | None = None

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def no_feedback(self) -> int:
        return self.replied - self.rated

    @property
    def reply_rate(self) -> float | None:
        return _rate(self.replied, self.assigned)

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.assigned)

    @property
    def satisfied_rate(self) -> float | None:
        return _rate(self.ratings["satisfied"], self.rated)

    @property
    def basically_rate(self) -> float | None:
        return _rate(self.ratings["basically"], self.rated)

    @property
    def unsatisfied_rate(self) -> float | None:
        return _rate(self.ratings["unsatisfied"], self.rated)

    @property
    def contact_rate(self) -> float | None:
        return _rate(self.contacted, self.assigned)

    @property
    def meeting_rate(self) -> float | None:
        return _rate(self.met, self.assigned)


@dataclass(frozen=True)
class MonthPoint:
    """One month of the trend: assignments made, replies sent, of them on time."""

    month: date
    assigned: int
    replied: int
    on_time: int


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# -- querysets --------------------------------------------------------------------


def responsible_assignments(scope: Scope) -> QuerySet[Assignment]:
    """The responsible assignments in force of a scope (the counting unit)."""
    queryset = Assignment.objects.filter(scope.proposal_filter("proposal__"), role__in=RESPONSIBLE).exclude(
        status=Assignment.Status.WITHDRAWN
    )
    if scope.department is not None:
        queryset = queryset.filter(department=scope.department)
    return queryset


def _is_current_reply(scope: Scope, prefix: str = "") -> Q:
    """On Reply (or a model reaching it through ``prefix``): a current reply of the scope.

    Conditions on the joined assignment rather than "assignment IN (…)", so the query
    joins each table once. A replied assignment is never withdrawn.
    """
    condition = scope.proposal_filter(f"{prefix}assignment__proposal__") & Q(
        **{
            f"{prefix}assignment__role__in": RESPONSIBLE,
            f"{prefix}assignment__status": Assignment.Status.REPLIED,
            f"{prefix}status": Reply.Status.SENT,
            f"{prefix}round": F(f"{prefix}assignment__round"),
        }
    )
    if scope.department is not None:
        condition &= Q(**{f"{prefix}assignment__department": scope.department})
    return condition


def current_replies(scope: Scope) -> QuerySet[Reply]:
    """The current (sent, current-round) replies of the scope's responsible assignments."""
    return Reply.objects.filter(_is_current_reply(scope))


def final_ratings(scope: Scope) -> QuerySet[Feedback]:
    """The rating that counts for each rated current reply: its latest (one row per reply).

    An anti-join ("no later rating of the same reply") rather than a "latest rating"
    subquery per reply: PostgreSQL runs it as one hash join instead of one index probe
    per reply.
    """
    later = Feedback.objects.filter(reply=OuterRef("reply")).filter(
        Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
    )
    return Feedback.objects.filter(_is_current_reply(scope, "reply__"), ~Exists(later))


def made_commitments(scope: Scope) -> QuerySet[Commitment]:
    """Promises of sent replies of the scope's suggestions; by the responsible department."""
    queryset = (
        Commitment.objects.get_queryset()
        .made()
        .filter(scope.proposal_filter("reply__assignment__proposal__"))
    )
    if scope.department is not None:
        queryset = queryset.filter(department=scope.department)
    return queryset


# -- conditions shared by the aggregates and the suggestion list's filters -------------


def _current_reply(**conditions: Any) -> Exists:
    """The outer assignment's current reply exists (and meets the conditions)."""
    return Exists(
        Reply.objects.filter(
            assignment=OuterRef("pk"), round=OuterRef("round"), status=Reply.Status.SENT, **conditions
        )
    )


def handling_condition(name: str, today: date) -> Q:
    """A condition on Assignment selecting the assignments counted by a figure."""
    replied = Q(status=Assignment.Status.REPLIED)
    open_ = Q(status__in=Assignment.OPEN_STATUSES)
    conditions = {
        "assigned": Q(),
        "replied": replied,
        "on_time": replied & _current_reply(sent_on__lte=OuterRef("due_on")),
        "late": replied & _current_reply(sent_on__gt=OuterRef("due_on")),
        "open": open_,
        "open_overdue": open_ & Q(due_on__lt=today),
        "open_not_due": open_ & Q(due_on__gte=today),
        "rehandled": Q(round__gt=1),
    }
    return conditions[name]


def grade_condition(grade: str) -> Q:
    return Q(status=Assignment.Status.REPLIED) & _current_reply(grade=grade)


def commitment_condition(name: str, today: date) -> Q:
    S = Commitment.Status
    open_ = Q(status__in=Commitment.TO_KEEP)
    conditions = {
        "open": open_,
        "overdue": open_ & Q(due_on__lt=today),
        "kept": Q(status=S.FULFILLED),
    }
    return conditions[name]


def has_assignment(condition: Q, *, department: Department | None = None) -> Exists:
    """On Proposal: it has a responsible assignment (of the department) meeting the condition."""
    return Exists(
        responsible_assignments(Scope(department=department)).filter(condition, proposal=OuterRef("pk"))
    )


def has_rated_reply(rating: str, *, department: Department | None = None) -> Exists:
    """On Proposal: a current reply (of the department) whose rating is ``rating``."""
    ratings = final_ratings(Scope(department=department)).filter(
        rating=rating, reply__assignment__proposal=OuterRef("pk")
    )
    return Exists(ratings)


def has_commitment(name: str, today: date, *, department: Department | None = None) -> Exists:
    """On Proposal: a promise of a sent reply (the department's) in the given state."""
    commitments = made_commitments(Scope(department=department)).filter(
        commitment_condition(name, today), reply__assignment__proposal=OuterRef("pk")
    )
    return Exists(commitments)


# -- aggregates (one query each; grouped by department when asked) -------------------


def _assignment_aggregates(today: date) -> dict[str, Any]:
    open_ = Q(status__in=Assignment.OPEN_STATUSES)
    key = Q(proposal__is_key=True)
    contacts = Contact.objects.filter(assignment=OuterRef("pk"))
    return {
        "assigned": Count("pk"),
        "open": Count("pk", filter=open_),
        "open_overdue": Count("pk", filter=open_ & Q(due_on__lt=today)),
        "open_not_due": Count("pk", filter=open_ & Q(due_on__gte=today)),
        "rehandled": Count("pk", filter=Q(round__gt=1)),
        "key_assigned": Count("pk", filter=key),
        "key_replied": Count("pk", filter=key & Q(status=Assignment.Status.REPLIED)),
        "key_open_overdue": Count("pk", filter=key & open_ & Q(due_on__lt=today)),
        "contacted": Count("pk", filter=Q(Exists(contacts))),
        "met": Count("pk", filter=Q(Exists(contacts.filter(method__in=Contact.FACE_TO_FACE_METHODS)))),
    }


def _reply_aggregates() -> dict[str, Any]:
    days = ExpressionWrapper(F("sent_on") - F("assignment__assigned_on"), output_field=DurationField())
    figures: dict[str, Any] = {
        "replied": Count("pk"),
        "on_time": Count("pk", filter=Q(sent_on__lte=F("assignment__due_on"))),
        "late": Count("pk", filter=Q(sent_on__gt=F("assignment__due_on"))),
        "avg_duration": Avg(days),
    }
    for grade in GRADES:
        figures[f"grade_{grade}"] = Count("pk", filter=Q(grade=grade))
    return figures


def _rating_aggregates() -> dict[str, Any]:
    return {f"rating_{rating}": Count("pk", filter=Q(rating=rating)) for rating in RATINGS}


def _commitment_aggregates(today: date) -> dict[str, Any]:
    return {
        f"commitments_{name}": Count("pk", filter=commitment_condition(name, today))
        for name, label in COMMITMENT_CHOICES
    }


def _fill(figures: Figures, row: dict[str, Any]) -> None:
    for name, value in row.items():
        if name.startswith("grade_"):
            figures.grades[name.removeprefix("grade_")] = value
        elif name.startswith("rating_"):
            figures.ratings[name.removeprefix("rating_")] = value
        elif name == "avg_duration":
            figures.avg_days = _days(value)
        elif name != "department":
            setattr(figures, name, value)


def _days(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds() / 86400
    return float(value)  # some backends hand back a plain number of days


# -- the public functions ------------------------------------------------------------


def figures(scope: Scope, *, today: date | None = None) -> Figures:
    """Every figure of a scope (five queries)."""
    today = today or timezone.localdate()
    result = Figures(department=scope.department)
    _fill(result, responsible_assignments(scope).aggregate(**_assignment_aggregates(today)))
    _fill(result, current_replies(scope).aggregate(**_reply_aggregates()))
    _fill(result, final_ratings(scope).aggregate(**_rating_aggregates()))
    _fill(result, made_commitments(scope).aggregate(**_commitment_aggregates(today)))
    if scope.department is not None:
        result.received = result.assigned
    else:
        result.received = Proposal.objects.counted().filter(scope.proposal_filter()).count()
    return result


def department_table(scope: Scope, *, today: date | None = None) -> list[Figures]:
    """One row per department holding a responsible assignment or a commitment in the
    scope (the scope's own department is ignored: a table compares departments), ranked
    (four queries plus one for the departments' names).

    Rank: by 按时办复率 (on_time_rate), then 办复率 (reply_rate), highest first, then by
    fewer overdue open assignments; departments equal on all three share a rank
    (1, 1, 3 …). A department with nothing assigned (only commitments) is not ranked.
    """
    today = today or timezone.localdate()
    scope = scope.with_department(None)
    rows: dict[int, Figures] = {}

    def row(department_id: int) -> Figures:
        return rows.setdefault(department_id, Figures())

    grouped = [
        responsible_assignments(scope).values("department").annotate(**_assignment_aggregates(today)),
        current_replies(scope)
        .annotate(department=F("assignment__department"))
        .values("department")
        .annotate(**_reply_aggregates()),
        final_ratings(scope)
        .annotate(department=F("reply__assignment__department"))
        .values("department")
        .annotate(**_rating_aggregates()),
        made_commitments(scope).values("department").annotate(**_commitment_aggregates(today)),
    ]
    for queryset in grouped:
        for values in queryset.order_by():
            department_id = values.pop("department")
            _fill(row(department_id), values)
    departments = Department.objects.in_bulk(list(rows))
    for department_id, figures_ in rows.items():
        figures_.department = departments[department_id]
        figures_.received = figures_.assigned
    return _ranked(list(rows.values()))


def summary(
    scope: Scope, *, today: date | None = None, received: int | None = None
) -> tuple[Figures, list[Figures]]:
    """``figures(scope)`` and ``department_table(scope)`` together, for a page that shows
    both: the scope's figures are added up from the table's rows (every figure is a
    count, and the average is weighted by the replies), so the aggregates run once
    (six queries in all). ``received``: the scope's count of received suggestions when
    the caller has already made it (the dashboard's size check), saving a query."""
    today = today or timezone.localdate()
    table = department_table(scope, today=today)
    if scope.department is not None:
        own = next((row for row in table if row.department.pk == scope.department.pk), None)
        result = replace(own, rank=None) if own else Figures(department=scope.department)
        return result, table
    result = Figures()
    for row in table:
        for name in _COUNTS:
            setattr(result, name, getattr(result, name) + getattr(row, name))
        for grade in GRADES:
            result.grades[grade] += row.grades[grade]
        for rating in RATINGS:
            result.ratings[rating] += row.ratings[rating]
    days = sum(row.avg_days * row.replied for row in table if row.avg_days is not None)
    result.avg_days = days / result.replied if result.replied else None
    if received is None:
        received = Proposal.objects.counted().filter(scope.proposal_filter()).count()
    result.received = received
    return result, table


_COUNTS = (
    "assigned",
    "replied",
    "on_time",
    "late",
    "open",
    "open_overdue",
    "open_not_due",
    "rehandled",
    "commitments_open",
    "commitments_overdue",
    "commitments_kept",
    "key_assigned",
    "key_replied",
    "key_open_overdue",
    "contacted",
    "met",
)


def _rank_key(f: Figures) -> tuple[float, float, int]:
    return (-(f.on_time_rate or 0.0), -(f.reply_rate or 0.0), f.open_overdue)


def _ranked(rows: list[Figures]) -> list[Figures]:
    ranked = sorted((f for f in rows if f.assigned), key=lambda f: (_rank_key(f), f.department.name))
    previous: tuple[float, float, int] | None = None
    for position, f in enumerate(ranked, start=1):
        key = _rank_key(f)
        f.rank = ranked[position - 2].rank if key == previous else position
        previous = key
    unranked = sorted((f for f in rows if not f.assigned), key=lambda f: f.department.name)
    return ranked + unranked


def department_rank(
    scope: Scope, department: Department, *, today: date | None = None
) -> tuple[int | None, int]:
    """The department's rank among the ranked departments of the scope, and how many
    are ranked; (None, n) when the department has nothing assigned."""
    table = department_table(scope, today=today)
    ranked = [f for f in table if f.rank is not None]
    for f in ranked:
        if f.department.pk == department.pk:
            return f.rank, len(ranked)
    return None, len(ranked)


def monthly_trend(scope: Scope) -> list[MonthPoint]:
    """Per calendar month: responsible assignments made (by assigned date), current
    replies sent (by sent date) and of those on time, from the first month with either to
    the last, empty months included so the chart's axis is even (two queries)."""
    assigned = {
        row["month"]: row["n"]
        for row in responsible_assignments(scope)
        .annotate(month=TruncMonth("assigned_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    }
    replied: dict[date, tuple[int, int]] = {
        row["month"]: (row["n"], row["on_time"])
        for row in current_replies(scope)
        .annotate(month=TruncMonth("sent_on"))
        .values("month")
        .annotate(n=Count("pk"), on_time=Count("pk", filter=Q(sent_on__lte=F("assignment__due_on"))))
        .order_by()
    }
    found = sorted(_as_date(month) for month in set(assigned) | set(replied))
    assigned = {_as_date(month): n for month, n in assigned.items()}
    replied = {_as_date(month): counts for month, counts in replied.items()}
    months = _month_range(found[0], found[-1]) if found else []
    return [
        MonthPoint(
            month=month,
            assigned=assigned.get(month, 0),
            replied=replied.get(month, (0, 0))[0],
            on_time=replied.get(month, (0, 0))[1],
        )
        for month in months
    ]


def _month_range(first: date, last: date) -> list[date]:
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def _as_date(value: date | datetime.datetime) -> date:
    return value.date() if isinstance(value, datetime.datetime) else value


def key_open(scope: Scope) -> QuerySet[Proposal]:
    """Key suggestions of the scope with a responsible assignment still open (for a list)."""
    return Proposal.objects.filter(scope.proposal_filter(), is_key=True).filter(
        Exists(
            responsible_assignments(scope).filter(
                proposal=OuterRef("pk"), status__in=Assignment.OPEN_STATUSES
            )
        )
    )
