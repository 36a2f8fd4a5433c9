"""Recompute open deadlines when a congress's rules or the official calendar change.

design.md §5: a DeadlineRule edited in the admin, or a newly published (or corrected)
State Council calendar arriving with an upgraded ``chinese_calendar``, changes what the
stored bases of open deadlines give. ``plan()`` lists every open deadline whose basis now
gives another date, and those it leaves alone; ``Plan.apply()`` moves them with a recorded
reason. ``manage.py recompute_deadlines`` and the admin action "Recompute open deadlines"
(on congresses and deadline rules) both call these two, nothing else.

The deadlines covered, each recomputed from the rule and start it was computed from:

- an open assignment's reply, co-handling opinion or re-handling deadline (``due_basis``
  of kind "rule", or "kept" from a transfer around a rule); an extension is a staff
  decision with an explicit date and is never moved, only listed;
- the sign-for / dispute window of an assignment that may still sign or dispute
  (``respond_basis``);
- a sent reply's open feedback window (the congress's feedback rule from ``sent_on``);
- an open commitment's next progress report (the progress-report rule from the last
  progress report, or from the reply's sending);
- the assignment deadline of a suggestion raised between sessions that is not assigned yet.

Like statistics and the timeline, this module joins both apps (replies and commitments
are in responses). Each suggestion's moves are written in one transaction with the
suggestion locked, each by a conditional UPDATE on the date that was listed: a deadline
that moved meanwhile (an extension a minute ago) is left alone and reported, never
overwritten. The reminder ledger re-arms through ``deadlines_changed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext

from proposals.models import Assignment, Congress, Department, Proposal, ProposalEvent, Rule
from responses.models import Commitment, Obligation, ProgressReport, Reply, obligation_dues
from tracker.deadlines import explain_basis
from tracker.workflow import InvalidTransition, check_staff, deadlines_changed

if TYPE_CHECKING:
    from tracker.models import User

Source = Assignment | Reply | Commitment | Proposal

# Why a deadline is listed but not recomputed (Move.left_alone).
EXTENDED = "extended"
NO_RULE = "no_rule"


@dataclass(frozen=True)
class Where:
    """Where one kind of deadline is stored, and the state its row must still be in."""

    date_field: str
    basis_field: str | None
    state: dict[str, Any]


# Assignments that may still sign for or dispute (the window gates request_change).
WINDOW_STATES = sorted(Assignment.workflow["request_change"].sources)

DUE = Where("due_on", "due_basis", {"status__in": list(Assignment.OPEN_STATUSES)})
WINDOW = Where("respond_by", "respond_basis", {"status__in": WINDOW_STATES})
FEEDBACK = Where("feedback_due_on", None, {"status": Reply.Status.SENT, "feedback_lapsed_on": None})
REPORT = Where("report_due_on", None, {"status": Commitment.Status.OPEN})
ASSIGN_BY = Where("next_due_on", None, {"status": Proposal.Status.REGISTERED})


@dataclass
class Move:
    """One open deadline: where it is, its date, and what its basis gives now (``new``),
    or why it is left alone."""

    proposal: Proposal
    source: Source
    where: Where
    rule: str
    old: date
    new: date | None = None
    basis: dict[str, Any] | None = None
    left_alone: str = ""

    @property
    def moves(self) -> bool:
        return self.new is not None and self.new != self.old

    @property
    def department(self) -> Department | None:
        if isinstance(self.source, Assignment):
            return self.source.department
        if isinstance(self.source, Reply):
            return self.source.assignment.department
        if isinstance(self.source, Commitment):
            return self.source.department
        return None

    @property
    def role(self) -> str:
        """The unit's role (lead, co-handling, separate), or "" for a suggestion."""
        if isinstance(self.source, Assignment):
            return str(self.source.get_role_display())
        if isinstance(self.source, Reply):
            return str(self.source.assignment.get_role_display())
        if isinstance(self.source, Commitment):
            return str(self.source.reply.assignment.get_role_display())
        return ""

    @property
    def deadline_label(self) -> str:
        return str(Rule(self.rule).label)

    @property
    def explanation(self) -> str:
        """How the new date is computed, or why the deadline is left alone."""
        if self.left_alone == EXTENDED:
            return gettext("not recomputed (extended)")
        if self.left_alone == NO_RULE:
            return gettext("not recomputed (no rule stored)")
        return explain_basis(self.basis) if self.basis else ""

    def apply(self, *, by: User | None, reason: str) -> bool:
        """Write the new date if the row still has the old one and is still open; record
        the event. Inside the transaction that locked the suggestion. Returns whether it
        moved."""
        assert self.new is not None and self.basis is not None
        source = self.source
        values: dict[str, Any] = {self.where.date_field: self.new}
        if self.where.basis_field:
            values[self.where.basis_field] = self.basis
        if isinstance(source, Reply):
            values["updated_at"] = timezone.now()
        changed = (
            type(source)
            ._base_manager.filter(pk=source.pk, **{self.where.date_field: self.old}, **self.where.state)
            .update(**values)
        )
        if changed != 1:
            return False
        for name, value in values.items():
            setattr(source, name, value)
        ProposalEvent.record(
            ProposalEvent.Kind.DEADLINE_RECOMPUTED,
            by=by,
            reason=reason,
            old_due_on=self.old,
            due_on=self.new,
            deadline=self.basis,
            **_event_target(source),
        )
        deadlines_changed(source)
        return True


def _event_target(source: Source) -> dict[str, Any]:
    """Whose timeline entry a moved deadline is: the unit's assignment (and which reply
    or promise), or the suggestion itself."""
    if isinstance(source, Assignment):
        return {"assignment": source}
    if isinstance(source, Reply):
        return {"assignment": source.assignment, "reply": source.pk}
    if isinstance(source, Commitment):
        return {
            "assignment": source.reply.assignment,
            "department_id": source.department_id,
            "commitment": source.pk,
        }
    return {"proposal": source}


@dataclass
class Outcome:
    """What Plan.apply() did: the deadlines moved and those that changed meanwhile."""

    moved: list[Move] = field(default_factory=list)
    stale: list[Move] = field(default_factory=list)

    @property
    def suggestions(self) -> int:
        return len({move.proposal.pk for move in self.moved})


@dataclass
class Plan:
    """Every open deadline of the congresses looked at, in suggestion order."""

    deadlines: list[Move]

    @property
    def moves(self) -> list[Move]:
        """The deadlines whose basis now gives another date."""
        return [move for move in self.deadlines if move.moves]

    @property
    def left_alone(self) -> list[Move]:
        """The open deadlines that are not recomputed (extended, or stored without a rule)."""
        return [move for move in self.deadlines if move.left_alone]

    def apply(self, *, by: User | None, reason: str) -> Outcome:
        """Move every listed deadline, one transaction per suggestion with the suggestion
        locked; record a DEADLINE_RECOMPUTED event with ``reason`` for each and re-arm its
        reminders. ``by`` None: the system (a command run without --user)."""
        if by is not None:
            check_staff(by)
        if not reason.strip():
            raise InvalidTransition(gettext("Say why the deadlines are recomputed."))
        outcome = Outcome()
        moves = sorted(self.moves, key=lambda move: move.proposal.pk)
        for proposal_pk, group in groupby(moves, key=lambda move: move.proposal.pk):
            with transaction.atomic():
                locked = Proposal.objects.lock(proposal_pk)
                for move in group:
                    if isinstance(move.source, Proposal):
                        move.source = locked
                    elif isinstance(move.source, Assignment):
                        move.source.proposal = locked
                    (outcome.moved if move.apply(by=by, reason=reason) else outcome.stale).append(move)
                locked.refresh_next_due()
        return outcome


def plan(congresses: Iterable[Congress] | None = None) -> Plan:
    """The open deadlines of ``congresses`` (all by default), each with the date its
    stored basis gives under the congress's current rules and the installed calendar."""
    chosen = Congress.objects.prefetch_related("deadline_rules")
    if congresses is not None:
        chosen = chosen.filter(pk__in=[c.pk for c in congresses])
    by_pk = {congress.pk: congress for congress in chosen}
    found = [
        *_assignment_deadlines(by_pk),
        *_feedback_windows(by_pk),
        *_progress_reports(by_pk),
        *_assignments_due(by_pk),
    ]
    found.sort(key=lambda move: (move.proposal.number, move.proposal.pk, move.old))
    return Plan([move for move in found if move.moves or move.left_alone])


def recomputed(basis: dict[str, Any], congress: Congress) -> tuple[date | None, dict[str, Any] | None, str]:
    """(new date, new basis, "") of a stored deadline basis under the congress's current
    rules, or (None, None, why it is not recomputed)."""
    kind = basis.get("kind")
    if kind == "rule":
        rule = str(basis["rule"])
        due = congress.deadline(rule, date.fromisoformat(str(basis["start"])))
        return due.due_on, due.basis(rule), ""
    if kind == "kept" and isinstance(basis.get("basis"), dict):
        due_on, inner, why = recomputed(basis["basis"], congress)
        return due_on, ({"kind": "kept", "basis": inner} if inner else None), why
    if kind == "extended":
        return None, None, EXTENDED
    return None, None, NO_RULE


def _rule_of(basis: dict[str, Any], default: str) -> str:
    inner = basis.get("basis") if basis.get("kind") == "kept" else basis
    rule = inner.get("rule") if isinstance(inner, dict) else None
    return str(rule) if rule in Rule.values else default


def _assignment_deadlines(congresses: dict[int, Congress]) -> list[Move]:
    found = []
    assignments = Assignment.objects.filter(
        status__in=Assignment.OPEN_STATUSES, proposal__congress__in=list(congresses)
    ).select_related("proposal", "department")
    for assignment in assignments:
        proposal = assignment.proposal
        congress = congresses[proposal.congress_id]
        default = Rule.CO_OPINION if assignment.role == Assignment.Role.CO else Rule.REPLY
        due_on, basis, why = recomputed(assignment.due_basis, congress)
        found.append(
            Move(
                proposal,
                assignment,
                DUE,
                _rule_of(assignment.due_basis, default),
                assignment.due_on,
                # An assignment is never due before it was made (a constraint; reopen too).
                max(due_on, assignment.assigned_on) if due_on else None,
                basis,
                why,
            )
        )
        if assignment.status in WINDOW_STATES and assignment.respond_basis:
            respond_by, window, why = recomputed(assignment.respond_basis, congress)
            if respond_by is not None:
                found.append(
                    Move(
                        proposal,
                        assignment,
                        WINDOW,
                        Rule.CHANGE_WINDOW,
                        assignment.respond_by,
                        respond_by,
                        window,
                    )
                )
    return found


def _feedback_windows(congresses: dict[int, Congress]) -> list[Move]:
    found = []
    replies = (
        Reply.objects.filter(
            status=Reply.Status.SENT,
            feedback_lapsed_on=None,
            assignment__proposal__congress__in=list(congresses),
        )
        .exclude(feedback_due_on=None)
        .select_related("assignment__proposal", "assignment__department")
        .prefetch_related("feedback")
    )
    for reply in replies:
        # The reminder ledger's definition of an open window (one place).
        if obligation_dues(reply)[Obligation.Kind.FEEDBACK] is None:
            continue
        proposal = reply.assignment.proposal
        due = congresses[proposal.congress_id].deadline(Rule.FEEDBACK, reply.sent_on)
        found.append(
            Move(
                proposal,
                reply,
                FEEDBACK,
                Rule.FEEDBACK,
                reply.feedback_due_on,
                due.due_on,
                due.basis(Rule.FEEDBACK),
            )
        )
    return found


def _progress_reports(congresses: dict[int, Congress]) -> list[Move]:
    found = []
    # Each progress report sets the next one from its own date (Commitment.report_progress).
    last_report = (
        ProgressReport.objects.filter(commitment=OuterRef("pk"), kind=ProgressReport.Kind.PROGRESS)
        .order_by("-pk")
        .values("reported_on")[:1]
    )
    commitments = (
        Commitment.objects.filter(
            status=Commitment.Status.OPEN,
            reply__status=Reply.Status.SENT,
            reply__assignment__proposal__congress__in=list(congresses),
        )
        .exclude(report_due_on=None)
        .annotate(last_reported_on=Subquery(last_report, output_field=models.DateField()))
        .select_related("reply__assignment__proposal", "department")
    )
    for commitment in commitments:
        if obligation_dues(commitment)[Obligation.Kind.PROGRESS_REPORT] is None:
            continue
        proposal = commitment.reply.assignment.proposal
        start = commitment.last_reported_on or commitment.reply.sent_on
        due = congresses[proposal.congress_id].deadline(Rule.PROGRESS_REPORT, start)
        found.append(
            Move(
                proposal,
                commitment,
                REPORT,
                Rule.PROGRESS_REPORT,
                commitment.report_due_on,
                due.due_on,
                due.basis(Rule.PROGRESS_REPORT),
            )
        )
    return found


def _assignments_due(congresses: dict[int, Congress]) -> list[Move]:
    """Suggestions raised between sessions, waiting to be assigned (Proposal.assign_deadline)."""
    found = []
    waiting = Proposal.objects.filter(
        status=Proposal.Status.REGISTERED, session__meeting=None, congress__in=list(congresses)
    ).exclude(next_due_on=None)
    for proposal in waiting:
        due = congresses[proposal.congress_id].deadline(Rule.RECESS_ASSIGN, proposal.received_on)
        found.append(
            Move(
                proposal,
                proposal,
                ASSIGN_BY,
                Rule.RECESS_ASSIGN,
                proposal.next_due_on,
                due.due_on,
                due.basis(Rule.RECESS_ASSIGN),
            )
        )
    return found
