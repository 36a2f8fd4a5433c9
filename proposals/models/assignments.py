"""Assignments (交办) of a suggestion to departments, and contacts with the deputies."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from proposals.models.events import ProposalEvent
from proposals.models.reference import Department, Rule
from tracker.deadlines import Deadline
from tracker.workflow import InvalidTransition, check_staff, deadlines_changed

if TYPE_CHECKING:
    from proposals.models.proposals import Proposal
    from tracker.models import User


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def visible_to(self, user: User) -> AssignmentQuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_congress_staff:
            return self
        if user.is_department_user:
            return self.filter(department_id=user.department_id)
        from proposals.models.proposals import Proposal

        return self.filter(proposal__in=Proposal.objects.visible_to(user))

    def open(self) -> AssignmentQuerySet:
        return self.filter(status__in=Assignment.OPEN_STATUSES)

    def by_urgency(self) -> AssignmentQuerySet:
        return self.order_by("due_on", "proposal__number")


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
    due_explanation = models.CharField(_("how the deadline was computed"), max_length=500)
    # Bumped whenever due_on moves, so reminders already sent for an older date are re-armed.
    deadline_version = models.PositiveSmallIntegerField(default=1)
    respond_by = models.DateField(_("sign for or dispute by"))
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

    def can_request_change(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status in (self.Status.PENDING, self.Status.ACCEPTED) and today <= self.respond_by

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
    ) -> Assignment:
        """Create one assignment with its deadlines and record the event."""
        congress = proposal.congress
        obligation = Rule.CO_OPINION if role == cls.Role.CO else Rule.REPLY
        due = due or congress.deadline(obligation, assigned_on)
        window = congress.deadline(Rule.CHANGE_WINDOW, assigned_on)
        assignment = cls.objects.create(
            proposal=proposal,
            department=department,
            role=role,
            assigned_on=assigned_on,
            due_on=due.due_on,
            due_explanation=due.explanation[:500],
            respond_by=window.due_on,
            assigned_by=by,
        )
        ProposalEvent.objects.create(
            proposal=proposal,
            assignment=assignment,
            department=department,
            kind=ProposalEvent.Kind.ASSIGNED,
            actor=by,
            to_status=assignment.status,
            reason=reason,
            detail=gettext("%(role)s; due %(due)s (%(explanation)s)")
            % {
                "role": assignment.get_role_display(),
                "due": due.due_on.isoformat(),
                "explanation": due.explanation,
            },
        )
        deadlines_changed(assignment)
        return assignment

    def accept(self, *, by: User) -> None:
        """The department signs for the assignment (签收)."""
        self._check_department_user(by)
        self._move(
            self.Status.ACCEPTED, allowed=[self.Status.PENDING], by=by, kind=ProposalEvent.Kind.ACCEPTED
        )

    def request_change(self, *, by: User, reason: str, today: date | None = None) -> None:
        """The department disputes the assignment within the window (申请调整)."""
        self._check_department_user(by)
        if not reason.strip():
            raise InvalidTransition(gettext("Say why the assignment should change."))
        if self.status in (self.Status.PENDING, self.Status.ACCEPTED) and not self.can_request_change(today):
            raise InvalidTransition(
                gettext("The window to request a change closed on %(date)s.")
                % {"date": self.respond_by.isoformat()}
            )
        with transaction.atomic():
            self._move(
                self.Status.CHANGE_REQUESTED,
                allowed=[self.Status.PENDING, self.Status.ACCEPTED],
                by=by,
                kind=ProposalEvent.Kind.CHANGE_REQUESTED,
                reason=reason,
                extra_fields={"change_reason": reason},
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
        """Staff decide a change request: re-assign to another unit, or refuse."""
        check_staff(by)
        if self.status != self.Status.CHANGE_REQUESTED:
            raise InvalidTransition(gettext("There is no change request to decide."))
        if not reason.strip():
            raise InvalidTransition(gettext("Give a reason for the decision."))
        if not approve:
            with transaction.atomic():
                self._move(
                    self.Status.ACCEPTED,
                    allowed=[self.Status.CHANGE_REQUESTED],
                    by=by,
                    kind=ProposalEvent.Kind.CHANGE_REFUSED,
                    reason=reason,
                )
            return None
        if new_department is None:
            raise InvalidTransition(gettext("Choose the department that takes over."))
        if new_department.pk == self.department_id:
            raise InvalidTransition(gettext("Choose a different department."))
        if (
            self.proposal.assignments.exclude(status=self.Status.WITHDRAWN)
            .filter(department=new_department)
            .exists()
        ):
            raise InvalidTransition(
                gettext("%(department)s already has this suggestion.") % {"department": new_department.name}
            )
        with transaction.atomic():
            self._move(
                self.Status.WITHDRAWN,
                allowed=[self.Status.CHANGE_REQUESTED],
                by=by,
                kind=ProposalEvent.Kind.WITHDRAWN,
                reason=reason,
            )
            today = timezone.localdate()
            keep = None
            if not reset_deadline:
                keep = Deadline(
                    start=self.assigned_on,
                    due_on=self.due_on,
                    explanation=gettext("kept from the transferred assignment: %(explanation)s")
                    % {"explanation": self.due_explanation},
                )
            # A kept deadline keeps its 交办 date too: the period (and the extension
            # maximum) still runs from the original assignment, and due_on may already
            # be past. The new unit's sign-for window runs from the transfer.
            successor = Assignment.create_for(
                self.proposal,
                new_department,
                self.role,
                assigned_on=today if reset_deadline else self.assigned_on,
                by=by,
                reason=reason,
                due=keep,
            )
            window = self.proposal.congress.deadline(Rule.CHANGE_WINDOW, today)
            if successor.respond_by != window.due_on:
                successor.respond_by = window.due_on
                successor.save(update_fields=["respond_by"])
                deadlines_changed(successor)
            self.replaced_by = successor
            self.save(update_fields=["replaced_by"])
            self.proposal.refresh_next_due()
        return successor

    def extend(self, *, by: User, new_due_on: date, reason: str) -> None:
        """Staff approve a later reply deadline, within the congress's maximum."""
        check_staff(by)
        if not self.is_open:
            raise InvalidTransition(gettext("Only an open assignment's deadline can be extended."))
        if not reason.strip():
            raise InvalidTransition(gettext("An extension needs a reason; the deputy will see it."))
        if new_due_on <= self.due_on:
            raise InvalidTransition(
                gettext("The new deadline must be later than %(due)s.") % {"due": self.due_on.isoformat()}
            )
        latest = self.latest_deadline()
        if self.is_responsible and new_due_on > latest.due_on:
            raise InvalidTransition(
                gettext("The deadline cannot be extended beyond %(latest)s (%(explanation)s).")
                % {"latest": latest.due_on.isoformat(), "explanation": latest.explanation}
            )
        old = self.due_on
        with transaction.atomic():
            self.due_on = new_due_on
            self.due_explanation = (
                gettext("extended from %(old)s to %(new)s: %(reason)s")
                % {"old": old.isoformat(), "new": new_due_on.isoformat(), "reason": reason}
            )[:500]
            self.deadline_version += 1
            self.save(update_fields=["due_on", "due_explanation", "deadline_version"])
            ProposalEvent.objects.create(
                proposal=self.proposal,
                assignment=self,
                department=self.department,
                kind=ProposalEvent.Kind.EXTENDED,
                actor=by,
                reason=reason,
                detail=f"{old.isoformat()} → {new_due_on.isoformat()}",
            )
            deadlines_changed(self)
            self.proposal.refresh_next_due()

    def record_contact(
        self, *, by: User, contacted_on: date, method: str, stage: str, summary: str
    ) -> Contact:
        """Record a contact with the deputies (沟通联系)."""
        self._check_department_user(by)
        if self.status == self.Status.WITHDRAWN:
            raise InvalidTransition(gettext("This assignment was withdrawn."))
        if contacted_on > timezone.localdate():
            raise InvalidTransition(gettext("A contact cannot be dated in the future."))
        with transaction.atomic():
            contact = Contact.objects.create(
                assignment=self,
                contacted_on=contacted_on,
                method=method,
                stage=stage,
                summary=summary,
                recorded_by=by,
            )
            ProposalEvent.objects.create(
                proposal=self.proposal,
                assignment=self,
                department=self.department,
                kind=ProposalEvent.Kind.CONTACT,
                actor=by,
                detail=(
                    f"{contacted_on.isoformat()} {contact.get_method_display()}"
                    f"（{contact.get_stage_display()}）"
                ),
            )
        return contact

    def _check_department_user(self, user: User) -> None:
        if not (user.is_department_user and user.department_id == self.department_id):
            raise InvalidTransition(
                gettext("Only %(department)s can do this.") % {"department": self.department.name}
            )

    def _move(
        self,
        to: str,
        *,
        allowed: list[str],
        by: User | None,
        kind: str,
        reason: str = "",
        extra_fields: dict[str, object] | None = None,
        sync: bool = True,
    ) -> None:
        """Change status if the current one allows it, write the event, sync the suggestion."""
        if self.status not in allowed:
            raise InvalidTransition(
                gettext("This assignment is %(status)s; that step is not possible now.")
                % {"status": self.get_status_display()}
            )
        from_status = self.status
        with transaction.atomic():
            self.status = to
            fields = ["status"]
            for name, value in (extra_fields or {}).items():
                setattr(self, name, value)
                fields.append(name)
            self.save(update_fields=fields)
            ProposalEvent.objects.create(
                proposal=self.proposal,
                assignment=self,
                department=self.department,
                kind=kind,
                actor=by,
                from_status=from_status,
                to_status=to,
                reason=reason,
            )
            deadlines_changed(self)
            if sync:
                self.proposal.sync_status(by=by)
                self.proposal.refresh_next_due()


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
