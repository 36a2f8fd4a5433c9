"""Assignments (交办) of a suggestion to departments, and contacts with the deputies."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from proposals.models.events import ProposalEvent
from proposals.models.reference import Department, Rule
from tracker.deadlines import Deadline, explain_basis
from tracker.validators import refuse_future
from tracker.workflow import (
    STAFF,
    InvalidTransition,
    Transition,
    Workflow,
    deadlines_changed,
    guarded_update,
    unit,
    unit_leader,
)

if TYPE_CHECKING:
    from proposals.models.proposals import Proposal
    from tracker.models import User


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def visible_to(self, user: User) -> AssignmentQuerySet:
        """Staff see every assignment; a department its own; a deputy those of their
        suggestions except withdrawn ones; a deputy who is also a clerk, both."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_congress_staff:
            return self
        from proposals.models.proposals import Proposal

        of_my_suggestions = Q(proposal__in=Proposal.objects.of_deputy(user)) & ~Q(
            status=Assignment.Status.WITHDRAWN
        )
        if user.is_department_user and user.department_id is not None:
            return self.filter(Q(department_id=user.department_id) | of_my_suggestions)
        return self.filter(of_my_suggestions)

    def open(self) -> AssignmentQuerySet:
        return self.filter(status__in=Assignment.OPEN_STATUSES)

    def by_urgency(self) -> AssignmentQuerySet:
        return self.order_by("due_on", "proposal__number")


UNIT = unit(
    "the assigned department",
    lambda a: a.department_id,
    lambda a: gettext("Only %(department)s can do this.") % {"department": a.department.name},
)
UNIT_LEADER = unit_leader(
    "a leader of the assigned department",
    lambda a: a.department_id,
    lambda a: (
        gettext("Only a leader of %(department)s can approve or return this reply.")
        % {"department": a.department.name}
    ),
)


def _within_change_window(assignment: Assignment, user: User | None, today: date) -> str | None:
    """Within the sign-for/dispute window."""
    if today > assignment.respond_by:
        return gettext("The window to request a change closed on %(date)s.") % {
            "date": assignment.respond_by.isoformat()
        }
    return None


def _co_handler_only(assignment: Assignment, user: User | None, today: date) -> str | None:
    """Co-handling units only."""
    if assignment.role != Assignment.Role.CO:
        return gettext("Only a co-handling unit sends an opinion; the lead unit writes the reply.")
    return None


def _responsible_only(assignment: Assignment, user: User | None, today: date) -> str | None:
    """Lead and separate units only."""
    if not assignment.is_responsible:
        return gettext("Co-handling units send an opinion, not a reply.")
    return None


class Assignment(models.Model):
    """A suggestion handed to one department with a role and a deadline (交办)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("lead (主办)")
        CO = "co", _("co-handling (会办)")
        SEPARATE = "separate", _("separate (分办)")

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting sign-for")
        ACCEPTED = "accepted", _("accepted")
        CHANGE_REQUESTED = "change_requested", _("change requested")
        OPINION_SENT = "opinion_sent", _("opinion sent")
        DRAFTING = "drafting", _("drafting reply")
        AWAITING_APPROVAL = "awaiting_approval", _("awaiting approval")
        REPLIED = "replied", _("replied")
        WITHDRAWN = "withdrawn", _("withdrawn")

    OPEN_STATUSES = (
        Status.PENDING,
        Status.ACCEPTED,
        Status.CHANGE_REQUESTED,
        Status.DRAFTING,
        Status.AWAITING_APPROVAL,
    )

    proposal = models.ForeignKey(
        "proposals.Proposal",
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("suggestion"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("department")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    assigned_on = models.DateField(_("assigned on"))
    due_on = models.DateField(_("due on"))
    # How due_on was reached (tracker.deadlines.explain_basis renders it in the reader's
    # language): a congress's rule and start date, an extension, or a kept deadline.
    due_basis = models.JSONField(_("how the deadline was computed"), default=dict)
    respond_by = models.DateField(_("sign for or dispute by"))
    # How respond_by was reached, like due_basis: the window does not always run from
    # assigned_on (a transfer that keeps the deadline opens it on the day of transfer),
    # and recomputing it when the rule or the calendar changes needs its start.
    respond_basis = models.JSONField(_("how the sign-for window was computed"), default=dict)
    round = models.PositiveSmallIntegerField(_("handling round"), default=1)
    change_reason = models.TextField(_("reason for change request"), blank=True)
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("replaced by"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "department"],
                condition=~Q(status="withdrawn"),
                name="proposals_assignment_one_open_per_department",
            ),
            models.UniqueConstraint(
                fields=["proposal"],
                condition=Q(role="lead") & ~Q(status="withdrawn"),
                name="proposals_assignment_one_lead",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["lead", "co", "separate"]), name="proposals_assignment_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "pending",
                        "accepted",
                        "change_requested",
                        "opinion_sent",
                        "drafting",
                        "awaiting_approval",
                        "replied",
                        "withdrawn",
                    ]
                ),
                name="proposals_assignment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("assigned_on")),
                name="proposals_assignment_due_after_assigned",
            ),
        ]
        indexes = [
            # A department's queue: its open assignments by due date.
            models.Index(fields=["department", "status", "due_on"], name="assignment_queue_idx"),
            # The queue page in its order (by_urgency, keyset paging): the unit's open
            # assignments already in due-date order, so a page reads its rows and no more
            # (with the index above, every open assignment of the unit was sorted).
            models.Index(
                fields=["department", "due_on"],
                condition=Q(
                    status__in=["pending", "accepted", "change_requested", "drafting", "awaiting_approval"]
                ),
                name="assignment_open_queue_idx",
            ),
            # Reminder scan and refresh_next_due: open assignments by due date.
            models.Index(
                fields=["due_on"],
                condition=Q(
                    status__in=["pending", "accepted", "change_requested", "drafting", "awaiting_approval"]
                ),
                name="assignment_open_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal.number} → {self.department} ({self.get_role_display()})"

    def get_absolute_url(self) -> str:
        return reverse("proposals:detail", args=[self.proposal_id]) + f"#assignment-{self.pk}"

    # -- the workflow ---------------------------------------------------------

    workflow = Workflow(
        (
            Transition("accept", frozenset({Status.PENDING}), Status.ACCEPTED, (UNIT,)),
            Transition(
                "request_change",
                frozenset({Status.PENDING, Status.ACCEPTED}),
                Status.CHANGE_REQUESTED,
                (UNIT,),
                guards=(_within_change_window,),
            ),
            Transition("refuse_change", frozenset({Status.CHANGE_REQUESTED}), Status.ACCEPTED, (STAFF,)),
            Transition("transfer", frozenset({Status.CHANGE_REQUESTED}), Status.WITHDRAWN, (STAFF,)),
            Transition(
                "send_opinion",
                frozenset({Status.PENDING, Status.ACCEPTED}),
                Status.OPINION_SENT,
                (UNIT,),
                guards=(_co_handler_only,),
            ),
            Transition(
                "write_reply",
                frozenset({Status.ACCEPTED, Status.DRAFTING}),
                Status.DRAFTING,
                (UNIT,),
                guards=(_responsible_only,),
                refused=lambda a: (
                    gettext("This assignment is %(status)s; sign for it before drafting a reply.")
                    % {"status": a.get_status_display()}
                ),
            ),
            Transition("submit_reply", frozenset({Status.DRAFTING}), Status.AWAITING_APPROVAL, (UNIT,)),
            Transition(
                "return_reply", frozenset({Status.AWAITING_APPROVAL}), Status.DRAFTING, (UNIT_LEADER,)
            ),
            Transition("reply_sent", frozenset({Status.AWAITING_APPROVAL}), Status.REPLIED, (UNIT_LEADER,)),
            Transition("reopen", frozenset({Status.REPLIED}), Status.DRAFTING, (STAFF,)),
            Transition(
                "extend",
                frozenset(OPEN_STATUSES),
                None,
                (STAFF,),
                refused=lambda a: gettext("Only an open assignment's deadline can be extended."),
            ),
            Transition("remind", frozenset(OPEN_STATUSES), None, (STAFF,)),
            Transition(
                "record_contact",
                frozenset(Status) - {Status.WITHDRAWN},
                None,
                (UNIT,),
                refused=lambda a: gettext("This assignment was withdrawn."),
            ),
        ),
        not_now=lambda a: (
            gettext("This assignment is %(status)s; that step is not possible now.")
            % {"status": a.get_status_display()}
        ),
    )

    def actions(self, user: User, *, today: date | None = None) -> frozenset[str]:
        """What ``user`` may do on this assignment now (the panel's buttons and forms)."""
        return self.workflow.allowed(self, user, today=today)

    # -- reading --------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_responsible(self) -> bool:
        return self.role in (self.Role.LEAD, self.Role.SEPARATE)

    def days_left(self, today: date | None = None) -> int:
        return (self.due_on - (today or timezone.localdate())).days

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.days_left() < 0

    @property
    def due_explanation(self) -> str:
        """How the deadline was computed, in the reader's language."""
        return explain_basis(self.due_basis) if self.due_basis else ""

    @property
    def deadline_moved(self) -> bool:
        """Whether the deadline is no longer the rule's first answer (extended, kept from a
        transfer or re-handled): the deputy is shown why."""
        return self.due_basis.get("kind") != "rule" or self.round > 1

    def latest_deadline(self) -> Deadline:
        """The furthest an extension may move the reply deadline (e.g. 6 months)."""
        return self.proposal.congress.deadline(Rule.EXTENSION_MAX, self.assigned_on)

    # -- transitions ----------------------------------------------------------

    @classmethod
    def create_for(
        cls,
        proposal: Proposal,
        department: Department,
        role: str,
        *,
        assigned_on: date,
        by: User,
        reason: str = "",
        due: Deadline | None = None,
        due_basis: dict[str, object] | None = None,
    ) -> Assignment:
        """Create one assignment with its deadlines and record the event (inside the
        caller's transaction, with the suggestion locked)."""
        congress = proposal.congress
        obligation = Rule.CO_OPINION if role == cls.Role.CO else Rule.REPLY
        if due is None:
            due = congress.deadline(obligation, assigned_on)
            due_basis = due.basis(obligation)
        window = congress.deadline(Rule.CHANGE_WINDOW, assigned_on)
        assignment = cls.objects.create(
            proposal=proposal,
            department=department,
            role=role,
            assigned_on=assigned_on,
            due_on=due.due_on,
            due_basis=due_basis or due.basis(obligation),
            respond_by=window.due_on,
            respond_basis=window.basis(Rule.CHANGE_WINDOW),
            assigned_by=by,
        )
        ProposalEvent.record(
            ProposalEvent.Kind.ASSIGNED,
            assignment=assignment,
            by=by,
            to_status=assignment.status,
            reason=reason,
            role=role,
            due_on=assignment.due_on,
            deadline=assignment.due_basis,
        )
        deadlines_changed(assignment)
        return assignment

    def accept(self, *, by: User) -> None:
        """The department signs for the assignment (签收)."""
        self._transit("accept", by=by, kind=ProposalEvent.Kind.ACCEPTED)

    def request_change(self, *, by: User, reason: str, today: date | None = None) -> None:
        """The department disputes the assignment within the window (申请调整)."""
        self.workflow.check(self, "request_change", by, today=today)
        if not reason.strip():
            raise InvalidTransition(gettext("Say why the assignment should change."))
        self._transit(
            "request_change",
            by=by,
            kind=ProposalEvent.Kind.CHANGE_REQUESTED,
            reason=reason,
            fields={"change_reason": reason},
            today=today,
        )

    def decide_change(
        self,
        *,
        by: User,
        approve: bool,
        reason: str,
        new_department: Department | None = None,
        reset_deadline: bool = False,
    ) -> Assignment | None:
        """Staff decide a change request: move it to another unit, or refuse."""
        self.workflow.check(self, "transfer" if approve else "refuse_change", by)
        if not reason.strip():
            raise InvalidTransition(gettext("Give a reason for the decision."))
        if not approve:
            self._transit("refuse_change", by=by, kind=ProposalEvent.Kind.CHANGE_REFUSED, reason=reason)
            return None
        if new_department is None:
            raise InvalidTransition(gettext("Choose the department that takes over."))
        if new_department.pk == self.department_id:
            raise InvalidTransition(gettext("Choose a different department."))
        with transaction.atomic():
            proposal = self._lock_proposal()
            proposal.check_departments_free([new_department])
            today = timezone.localdate()
            self._transit(
                "transfer",
                by=by,
                kind=ProposalEvent.Kind.WITHDRAWN,
                reason=reason,
                sync=False,
                to_department=new_department.name,
            )
            keep, keep_basis = None, None
            if not reset_deadline:
                keep = Deadline(start=self.assigned_on, due_on=self.due_on, explanation="")
                keep_basis = {"kind": "kept", "basis": self.due_basis}
            # A kept deadline keeps its 交办 date too: the period (and the extension
            # maximum) still runs from the original assignment, and due_on may already
            # be past. The new unit's sign-for window runs from the transfer.
            successor = Assignment.create_for(
                proposal,
                new_department,
                self.role,
                assigned_on=today if reset_deadline else self.assigned_on,
                by=by,
                reason=reason,
                due=keep,
                due_basis=keep_basis,
            )
            window = proposal.congress.deadline(Rule.CHANGE_WINDOW, today)
            if successor.respond_basis != window.basis(Rule.CHANGE_WINDOW):
                successor.respond_by = window.due_on
                successor.respond_basis = window.basis(Rule.CHANGE_WINDOW)
                successor.save(update_fields=["respond_by", "respond_basis"])
                deadlines_changed(successor)
            self.replaced_by = successor
            self.save(update_fields=["replaced_by"])
            proposal.refresh_next_due()
        return successor

    def extend(self, *, by: User, new_due_on: date, reason: str) -> None:
        """Staff approve a later reply deadline, within the congress's maximum."""
        self.workflow.check(self, "extend", by)
        if not reason.strip():
            raise InvalidTransition(gettext("An extension needs a reason; the deputy will see it."))
        with transaction.atomic():
            proposal = self._lock_proposal()
            old = self.due_on
            if new_due_on <= old:
                raise InvalidTransition(
                    gettext("The new deadline must be later than %(due)s.") % {"due": old.isoformat()}
                )
            latest = self.latest_deadline()
            if self.is_responsible and new_due_on > latest.due_on:
                raise InvalidTransition(
                    gettext("The deadline cannot be extended beyond %(latest)s (%(explanation)s).")
                    % {"latest": latest.due_on.isoformat(), "explanation": latest.explanation}
                )
            basis = {
                "kind": "extended",
                "from": old.isoformat(),
                "to": new_due_on.isoformat(),
                "reason": reason,
            }
            # Conditional on the date this request saw: of two extensions at once, one applies.
            changed = Assignment.objects.filter(pk=self.pk, status=self.status, due_on=old).update(
                due_on=new_due_on, due_basis=basis
            )
            if changed != 1:
                raise _conflict(self)
            self.due_on, self.due_basis = new_due_on, basis
            ProposalEvent.record(
                ProposalEvent.Kind.EXTENDED,
                assignment=self,
                by=by,
                reason=reason,
                old_due_on=old,
                due_on=new_due_on,
            )
            deadlines_changed(self)
            proposal.refresh_next_due()

    def record_contact(
        self, *, by: User, contacted_on: date, method: str, stage: str, summary: str
    ) -> Contact:
        """Record a contact with the deputies (沟通联系)."""
        self.workflow.check(self, "record_contact", by)
        refuse_future(contacted_on, Contact._meta.get_field("contacted_on").verbose_name)
        with transaction.atomic():
            self._lock_proposal()
            contact = Contact.objects.create(
                assignment=self,
                contacted_on=contacted_on,
                method=method,
                stage=stage,
                summary=summary,
                recorded_by=by,
            )
            ProposalEvent.record(
                ProposalEvent.Kind.CONTACT,
                assignment=self,
                by=by,
                contact=contact.pk,
                contacted_on=contacted_on,
                method=method,
                stage=stage,
            )
        return contact

    # Steps of the reply and opinion workflows (responses), named so that the reply's
    # transitions call them rather than moving the assignment themselves.

    def send_opinion(self, *, by: User) -> None:
        """The co-handler's opinion went to the lead unit (CoOpinion.submit)."""
        self._transit("send_opinion", by=by, kind=ProposalEvent.Kind.OPINION)

    def start_drafting(self, *, by: User) -> None:
        """A reply draft was started for the current round (Reply.start_draft)."""
        self._transit("write_reply", by=by, kind=ProposalEvent.Kind.DRAFTED)

    def reply_submitted(self, *, by: User) -> None:
        """The clerk submitted the draft to the leader (Reply.submit)."""
        self._transit("submit_reply", by=by, kind=ProposalEvent.Kind.SUBMITTED)

    def reply_returned(self, *, by: User, comment: str) -> None:
        """The leader sent the draft back (Reply.return_to_clerk)."""
        self._transit("return_reply", by=by, kind=ProposalEvent.Kind.RETURNED, reason=comment)

    def reply_sent(self, *, by: User, grade: str, sent_on: date) -> None:
        """The leader signed off the reply and it went out (Reply.approve)."""
        self._transit("reply_sent", by=by, kind=ProposalEvent.Kind.SENT, grade=grade, sent_on=sent_on)

    def reopen(self, *, by: User, due: Deadline, reason: str) -> None:
        """Staff send a replied assignment back for a new round (Feedback.accept_rehandling);
        the new deadline runs from the decision."""
        basis = due.basis(Rule.REHANDLING)
        self._transit(
            "reopen",
            by=by,
            kind=ProposalEvent.Kind.REHANDLING,
            reason=reason,
            fields={
                "round": self.round + 1,
                "due_on": max(due.due_on, self.assigned_on),
                "due_basis": basis,
            },
            sync=False,
            old_due_on=self.due_on,
            due_on=max(due.due_on, self.assigned_on),
            deadline=basis,
        )

    def _transit(
        self,
        name: str,
        *,
        by: User | None,
        kind: str,
        reason: str = "",
        fields: dict[str, object] | None = None,
        sync: bool = True,
        today: date | None = None,
        **data: Any,
    ) -> None:
        """Take transition ``name``: check its row of the table against the state this
        request loaded, lock the suggestion, write the new state only if it is still the
        one checked (else Conflict), record the event and bring the suggestion along."""
        transition = self.workflow.check(self, name, by, today=today)
        expected = self.status
        with transaction.atomic():
            proposal = self._lock_proposal()
            guarded_update(self, transition, expected=expected, fields=fields)
            ProposalEvent.record(
                kind,
                assignment=self,
                by=by,
                from_status=expected,
                to_status=self.status,
                reason=reason,
                **data,
            )
            deadlines_changed(self)
            if sync:
                proposal.sync_status(by=by)
                proposal.refresh_next_due()

    def _lock_proposal(self) -> Proposal:
        """Lock this assignment's suggestion: every transition on a suggestion and its
        assignments, replies and promises runs one at a time, so a step that reads the
        sibling rows (all units replied? anyone left to assign?) sees them settled."""
        return self.proposal.lock()


def _conflict(obj: models.Model) -> InvalidTransition:
    from tracker.workflow import Conflict, stale_message

    return Conflict(stale_message(obj))


class Contact(models.Model):
    """A recorded contact between a department and the deputies (办前/办中/办后)."""

    class Method(models.TextChoices):
        FACE_TO_FACE = "face", _("face-to-face meeting")
        SITE_VISIT = "visit", _("site visit")
        PHONE = "phone", _("phone")
        FORUM = "forum", _("forum / meeting")
        MESSAGE = "message", _("letter, email or message")

    class Stage(models.TextChoices):
        BEFORE = "before", _("before handling")
        DURING = "during", _("during handling")
        AFTER = "after", _("after handling")

    FACE_TO_FACE_METHODS = (Method.FACE_TO_FACE, Method.SITE_VISIT, Method.FORUM)

    assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("assignment")
    )
    contacted_on = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    summary = models.TextField(_("summary"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("contact with deputies")
        verbose_name_plural = _("contacts with deputies")
        ordering = ["contacted_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=["face", "visit", "phone", "forum", "message"]),
                name="proposals_contact_method_valid",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=["before", "during", "after"]), name="proposals_contact_stage_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contacted_on} {self.get_method_display()}"

    @property
    def is_face_to_face(self) -> bool:
        return self.method in self.FACE_TO_FACE_METHODS
