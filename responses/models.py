"""Reply letters, grades, commitments, co-handling opinions and deputy feedback."""

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

from proposals.models import (
    Assignment,
    Department,
    Deputy,
    InvalidTransition,
    Obligation,
    Proposal,
    ProposalEvent,
    _check_staff,
)

if TYPE_CHECKING:
    from tracker.models import User


class CoOpinion(models.Model):
    """A co-handling unit's written opinion to the lead unit (会办意见)."""

    assignment = models.OneToOneField(
        Assignment, on_delete=models.PROTECT, related_name="opinion", verbose_name=_("assignment")
    )
    body = models.TextField(_("opinion"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("co-handling opinion")
        verbose_name_plural = _("co-handling opinions")

    def __str__(self) -> str:
        return gettext("Opinion of %(department)s") % {"department": self.assignment.department}

    @classmethod
    def submit(cls, assignment: Assignment, *, by: User, body: str) -> CoOpinion:
        """A co-handler sends its opinion; the lead unit sees it while drafting."""
        if assignment.role != Assignment.Role.CO:
            raise InvalidTransition(gettext("Only a co-handling unit sends an opinion to the lead unit."))
        if not body.strip():
            raise InvalidTransition(gettext("The opinion is empty."))
        with transaction.atomic():
            assignment._check_department_user(by)
            assignment._move(
                Assignment.Status.OPINION_SENT,
                allowed=[Assignment.Status.PENDING, Assignment.Status.ACCEPTED],
                by=by,
                kind=ProposalEvent.Kind.OPINION,
            )
            return cls.objects.create(assignment=assignment, body=body, submitted_by=by)


class ReplyQuerySet(models.QuerySet["Reply"]):
    def visible_to(self, user: User) -> ReplyQuerySet:
        """Drafts stay inside their department; sent replies reach everyone who sees the suggestion."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_congress_staff:
            return self
        sent_and_visible = Q(
            status=Reply.Status.SENT, assignment__proposal__in=Proposal.objects.visible_to(user)
        )
        if user.is_department_user:
            return self.filter(sent_and_visible | Q(assignment__department_id=user.department_id))
        return self.filter(sent_and_visible)

    def published(self) -> ReplyQuerySet:
        """Replies the public may read: sent and marked 主动公开."""
        return self.filter(status=Reply.Status.SENT, publicity=Reply.Publicity.PUBLIC)

    def sent(self) -> ReplyQuerySet:
        return self.filter(status=Reply.Status.SENT)


class Reply(models.Model):
    """A department's formal reply letter (答复函) for one handling round."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("awaiting leader approval")
        RETURNED = "returned", _("returned for revision")
        SENT = "sent", _("sent")

    class Grade(models.TextChoices):
        A = "A", _("A — solved or basically solved")
        B = "B", _("B — being solved or planned")
        C = "C", _("C — must wait for conditions")
        D = "D", _("D — kept for reference")

    class Publicity(models.TextChoices):
        PUBLIC = "public", _("published (主动公开)")
        ON_REQUEST = "on_request", _("on request (依申请公开)")
        NOT_PUBLIC = "not_public", _("not published (不予公开)")

    assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, related_name="replies", verbose_name=_("assignment")
    )
    round = models.PositiveSmallIntegerField(_("handling round"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    document_number = models.CharField(_("document number (文号)"), max_length=60, blank=True)
    body = models.TextField(_("reply text"))
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    # The grade the department gave; staff may change `grade` later with a reason.
    department_grade = models.CharField(_("grade given by the department"), max_length=1, blank=True)
    grade_reason = models.TextField(
        _("reason the problem must wait"), blank=True, help_text=_("Required for grade C.")
    )
    publicity = models.CharField(_("publication"), max_length=12, choices=Publicity.choices)
    publicity_reason = models.CharField(
        _("reason not published"), max_length=300, blank=True, help_text=_("Required unless published.")
    )
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=100)
    copy_to = models.TextField(_("copy to (抄送)"), blank=True, help_text=_("One recipient per line."))
    return_comment = models.TextField(_("leader's comment"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed off by"),
    )
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    feedback_due_on = models.DateField(_("feedback due on"), null=True, blank=True)

    objects = ReplyQuerySet.as_manager()

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["-sent_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "round"], name="responses_reply_one_per_round"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "returned", "sent"]),
                name="responses_reply_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(grade__in=["A", "B", "C", "D"]), name="responses_reply_grade_valid"
            ),
            models.CheckConstraint(
                condition=Q(publicity__in=["public", "on_request", "not_public"]),
                name="responses_reply_publicity_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_on__isnull=False), name="responses_reply_sent_has_date"
            ),
        ]
        indexes = [
            # The public list: published replies, newest first.
            models.Index(
                fields=["-sent_on"],
                condition=Q(status="sent", publicity="public"),
                name="reply_published_idx",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Reply of %(department)s to No. %(number)s") % {
            "department": self.assignment.department,
            "number": self.assignment.proposal.number,
        }

    def get_absolute_url(self) -> str:
        return reverse("responses:reply_detail", args=[self.pk])

    @property
    def proposal(self) -> Proposal:
        return self.assignment.proposal

    @property
    def copy_to_list(self) -> list[str]:
        return [line.strip() for line in self.copy_to.splitlines() if line.strip()]

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def grade_was_changed(self) -> bool:
        return bool(self.department_grade) and self.department_grade != self.grade

    def problems(self) -> list[str]:
        """What stops this draft from being submitted, in words a clerk understands."""
        problems = []
        congress = self.assignment.proposal.congress
        if self.grade not in congress.grades():
            problems.append(
                gettext("Grade %(grade)s is not used by %(congress)s.")
                % {"grade": self.grade, "congress": congress}
            )
        if not self.body.strip():
            problems.append(gettext("The reply text is empty."))
        if self.grade == self.Grade.B and not any(c.due_on for c in self.commitments.all()):
            problems.append(gettext("A B reply must carry at least one commitment with a due date."))
        if self.grade == self.Grade.C and not self.grade_reason.strip():
            problems.append(gettext("A C reply must say why the problem has to wait."))
        if self.publicity != self.Publicity.PUBLIC and not self.publicity_reason.strip():
            problems.append(gettext("Say why the reply is not published."))
        if not (self.contact_name.strip() and self.contact_phone.strip()):
            problems.append(gettext("A reply names a contact person and phone."))
        return problems

    # -- transitions ----------------------------------------------------------

    @classmethod
    def start_draft(cls, assignment: Assignment, *, by: User, **fields: object) -> Reply:
        """Create the draft for the assignment's current round."""
        assignment._check_department_user(by)
        if not assignment.is_responsible:
            raise InvalidTransition(gettext("Co-handling units send an opinion, not a reply."))
        with transaction.atomic():
            assignment._move(
                Assignment.Status.DRAFTING,
                allowed=[Assignment.Status.ACCEPTED, Assignment.Status.DRAFTING],
                by=by,
                kind=ProposalEvent.Kind.DRAFTED,
            )
            return cls.objects.create(assignment=assignment, round=assignment.round, created_by=by, **fields)

    def submit(self, *, by: User) -> None:
        """A clerk submits the draft to the department's leader."""
        self.assignment._check_department_user(by)
        if not self.is_editable:
            raise InvalidTransition(
                gettext("This reply is %(status)s.") % {"status": self.get_status_display()}
            )
        problems = self.problems()
        if problems:
            raise InvalidTransition(" ".join(problems))
        with transaction.atomic():
            self._set_status(self.Status.SUBMITTED, extra={"submitted_at": timezone.now()})
            self.assignment._move(
                Assignment.Status.AWAITING_APPROVAL,
                allowed=[Assignment.Status.DRAFTING],
                by=by,
                kind=ProposalEvent.Kind.SUBMITTED,
            )

    def approve(self, *, by: User, sent_on: date | None = None) -> None:
        """The department's leader signs off the reply and it is sent (签发)."""
        self._check_leader(by)
        if self.status != self.Status.SUBMITTED:
            raise InvalidTransition(gettext("Only a submitted reply can be approved."))
        problems = self.problems()
        if problems:
            raise InvalidTransition(" ".join(problems))
        sent_on = sent_on or timezone.localdate()
        feedback_due = self.assignment.proposal.congress.deadline(Obligation.FEEDBACK, sent_on)
        with transaction.atomic():
            self._set_status(
                self.Status.SENT,
                extra={
                    "approved_by": by,
                    "sent_on": sent_on,
                    "feedback_due_on": feedback_due.due_on,
                    "department_grade": self.department_grade or self.grade,
                },
            )
            self.assignment._move(
                Assignment.Status.REPLIED,
                allowed=[Assignment.Status.AWAITING_APPROVAL],
                by=by,
                kind=ProposalEvent.Kind.SENT,
                reason=gettext("grade %(grade)s") % {"grade": self.grade},
            )

    def return_to_clerk(self, *, by: User, comment: str) -> None:
        """The leader sends the draft back with a comment."""
        self._check_leader(by)
        if self.status != self.Status.SUBMITTED:
            raise InvalidTransition(gettext("Only a submitted reply can be returned."))
        if not comment.strip():
            raise InvalidTransition(gettext("Say what should change."))
        with transaction.atomic():
            self._set_status(self.Status.RETURNED, extra={"return_comment": comment})
            self.assignment._move(
                Assignment.Status.DRAFTING,
                allowed=[Assignment.Status.AWAITING_APPROVAL],
                by=by,
                kind=ProposalEvent.Kind.RETURNED,
                reason=comment,
            )

    def regrade(self, grade: str, *, by: User, reason: str) -> None:
        """Staff reviewing a sent reply change its grade; both grades stay on record."""
        _check_staff(by)
        if self.status != self.Status.SENT:
            raise InvalidTransition(gettext("Only a sent reply can be re-graded."))
        if grade not in self.assignment.proposal.congress.grades():
            raise InvalidTransition(
                gettext("Grade %(grade)s is not on this congress's scale.") % {"grade": grade}
            )
        if grade == self.grade:
            raise InvalidTransition(gettext("The reply already has grade %(grade)s.") % {"grade": grade})
        if not reason.strip():
            raise InvalidTransition(gettext("Give a reason for changing the grade."))
        if grade == self.Grade.B and not self.commitments.exclude(due_on=None).exists():
            raise InvalidTransition(gettext("A B reply must carry at least one commitment with a due date."))
        old = self.grade
        with transaction.atomic():
            self.grade = grade
            self.save(update_fields=["grade", "updated_at"])
            ProposalEvent.objects.create(
                proposal=self.assignment.proposal,
                assignment=self.assignment,
                department=self.assignment.department,
                kind=ProposalEvent.Kind.REGRADED,
                actor=by,
                from_status=old,
                to_status=grade,
                reason=reason,
            )

    def _check_leader(self, user: User) -> None:
        if not (user.is_department_leader and user.department_id == self.assignment.department_id):
            raise InvalidTransition(
                gettext("Only a leader of %(department)s can approve or return this reply.")
                % {"department": self.assignment.department}
            )

    def _set_status(self, to: str, *, extra: dict[str, object]) -> None:
        self.status = to
        for name, value in extra.items():
            setattr(self, name, value)
        self.save(update_fields=["status", "updated_at", *extra])


class CommitmentManager(models.Manager["Commitment"]):
    """Commitments in force: rows a clerk removed from an unsent draft stay on record but
    out of every letter, list and count (reply.commitments uses this manager too)."""

    def get_queryset(self) -> models.QuerySet[Commitment]:
        return super().get_queryset().exclude(status=Commitment.Status.REMOVED)


class Commitment(models.Model):
    """A concrete promise in a reply (承诺事项), tracked until it is kept."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        FULFILLED = "fulfilled", _("fulfilled")
        NOT_FULFILLED = "not_fulfilled", _("closed, not fulfilled")
        REMOVED = "removed", _("removed from the draft")

    reply = models.ForeignKey(
        Reply, on_delete=models.PROTECT, related_name="commitments", verbose_name=_("reply")
    )
    description = models.TextField(_("what is promised"))
    due_on = models.DateField(_("due on"))
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name=_("responsible department"),
    )
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    # Every row, removed ones included; declared first but not the default manager.
    all_objects = models.Manager()
    objects = CommitmentManager()

    class Meta:
        default_manager_name = "objects"
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "fulfilled", "not_fulfilled", "removed"]),
                name="responses_commitment_status_valid",
            ),
        ]
        indexes = [
            # Open commitments by due date, for the follow-up board and reminders.
            models.Index(fields=["due_on"], condition=Q(status="open"), name="commitment_open_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.description[:40]}（{self.due_on}）"

    def days_left(self, today: date | None = None) -> int:
        return (self.due_on - (today or timezone.localdate())).days

    def remove_from_draft(self) -> None:
        """Take a promise out of a draft letter; the row stays on record, marked removed."""
        if not self.reply.is_editable:
            raise InvalidTransition(gettext("Commitments of a submitted or sent reply cannot be removed."))
        self.status = self.Status.REMOVED
        self.save(update_fields=["status"])


class Feedback(models.Model):
    """A deputy's rating of a sent reply (征询意见表): 满意 / 基本满意 / 不满意."""

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("satisfied (满意)")
        BASICALLY = "basically", _("basically satisfied (基本满意)")
        UNSATISFIED = "unsatisfied", _("unsatisfied (不满意)")

    class Decision(models.TextChoices):
        NONE = "", _("no decision needed")
        PENDING = "pending", _("awaiting staff decision")
        REHANDLING = "rehandling", _("sent back for re-handling")
        DECLINED = "declined", _("re-handling declined")

    reply = models.ForeignKey(
        Reply, on_delete=models.PROTECT, related_name="feedback", verbose_name=_("reply")
    )
    deputy = models.ForeignKey(
        Deputy, on_delete=models.PROTECT, related_name="feedback", verbose_name=_("deputy")
    )
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("given at"), default=timezone.now)
    decision = models.CharField(_("staff decision"), max_length=12, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("deputy feedback")
        verbose_name_plural = _("deputy feedback")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["reply", "deputy"], name="responses_feedback_one_per_deputy"),
            models.CheckConstraint(
                condition=Q(rating__in=["satisfied", "basically", "unsatisfied"]),
                name="responses_feedback_rating_valid",
            ),
            models.CheckConstraint(
                condition=Q(decision__in=["", "pending", "rehandling", "declined"]),
                name="responses_feedback_decision_valid",
            ),
            models.CheckConstraint(
                condition=Q(rating="unsatisfied") | Q(decision=""),
                name="responses_feedback_decision_only_if_unsatisfied",
            ),
        ]
        indexes = [
            # Staff's list of 不满意 awaiting a decision.
            models.Index(fields=["created_at"], condition=Q(decision="pending"), name="feedback_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.deputy.name}: {self.get_rating_display()}"

    @classmethod
    def give(cls, reply: Reply, *, by: User, rating: str, comment: str = "") -> Feedback:
        """A deputy of the suggestion rates a sent reply; a satisfied round closes."""
        deputy = by.deputy_profile
        proposal = reply.assignment.proposal
        if deputy is None or not Proposal.objects.visible_to(by).filter(pk=proposal.pk).exists():
            raise InvalidTransition(gettext("Only the suggestion's deputies can rate its replies."))
        if reply.status != Reply.Status.SENT:
            raise InvalidTransition(gettext("Only a sent reply can be rated."))
        if reply.round != reply.assignment.round:
            raise InvalidTransition(gettext("This reply was replaced by a later one; rate the latest reply."))
        if cls.objects.filter(reply=reply, deputy=deputy).exists():
            raise InvalidTransition(gettext("You have already rated this reply."))
        if rating == cls.Rating.UNSATISFIED and not comment.strip():
            raise InvalidTransition(gettext("Please say what is unsatisfactory."))
        with transaction.atomic():
            feedback = cls.objects.create(
                reply=reply,
                deputy=deputy,
                rating=rating,
                comment=comment,
                decision=cls.Decision.PENDING if rating == cls.Rating.UNSATISFIED else cls.Decision.NONE,
            )
            ProposalEvent.objects.create(
                proposal=proposal,
                assignment=reply.assignment,
                department=reply.assignment.department,
                kind=ProposalEvent.Kind.FEEDBACK,
                actor=by,
                to_status=rating,
                reason=comment,
            )
            feedback._close_if_settled(by=by)
        return feedback

    def accept_rehandling(self, *, by: User, reason: str) -> None:
        """Staff agree with a 不满意: the department handles it again, with a new deadline."""
        _check_staff(by)
        if self.decision != self.Decision.PENDING:
            raise InvalidTransition(gettext("This feedback does not await a decision."))
        if not reason.strip():
            raise InvalidTransition(gettext("Give a reason for the decision."))
        assignment = self.reply.assignment
        proposal = assignment.proposal
        if proposal.status not in (Proposal.Status.REPLIED, Proposal.Status.REHANDLING):
            raise InvalidTransition(gettext("Only a replied suggestion can be re-handled."))
        today = timezone.localdate()
        due = proposal.congress.deadline(Obligation.REHANDLING, today)
        with transaction.atomic():
            self._decide(self.Decision.REHANDLING, by=by, reason=reason)
            old_due = assignment.due_on
            assignment.round += 1
            assignment.due_on = max(due.due_on, assignment.assigned_on)
            assignment.due_explanation = due.explanation[:500]
            assignment.deadline_version += 1
            assignment.save(update_fields=["round", "due_on", "due_explanation", "deadline_version"])
            assignment._move(
                Assignment.Status.DRAFTING,
                allowed=[Assignment.Status.REPLIED],
                by=by,
                kind=ProposalEvent.Kind.REHANDLING,
                reason=reason,
                sync=False,
            )
            if proposal.status != Proposal.Status.REHANDLING:
                proposal._set_status(
                    Proposal.Status.REHANDLING,
                    by=by,
                    reason=reason,
                    detail=gettext("new deadline %(due)s (was %(old)s)")
                    % {"due": due.due_on.isoformat(), "old": old_due.isoformat()},
                )
            proposal.refresh_next_due()

    def decline_rehandling(self, *, by: User, reason: str) -> None:
        """Staff decide a 不满意 needs no new round; the reason is kept and shown."""
        _check_staff(by)
        if self.decision != self.Decision.PENDING:
            raise InvalidTransition(gettext("This feedback does not await a decision."))
        if not reason.strip():
            raise InvalidTransition(gettext("Give a reason for the decision."))
        with transaction.atomic():
            self._decide(self.Decision.DECLINED, by=by, reason=reason)
            ProposalEvent.objects.create(
                proposal=self.reply.assignment.proposal,
                assignment=self.reply.assignment,
                kind=ProposalEvent.Kind.REHANDLING_DECLINED,
                actor=by,
                reason=reason,
            )
            self._close_if_settled(by=by)

    def _decide(self, decision: str, *, by: User, reason: str) -> None:
        self.decision = decision
        self.decision_reason = reason
        self.decided_by = by
        self.decided_at = timezone.now()
        self.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at"])

    def _close_if_settled(self, *, by: User) -> None:
        """Close the suggestion when every current reply is rated and nothing awaits a decision."""
        proposal = Proposal.objects.select_for_update().get(pk=self.reply.assignment.proposal_id)
        if proposal.status != Proposal.Status.REPLIED:
            return
        current = Reply.objects.filter(
            assignment__in=proposal.responsible_assignments(),
            status=Reply.Status.SENT,
            round=models.F("assignment__round"),
        )
        rated = current.filter(feedback__isnull=False).distinct().count()
        pending = Feedback.objects.filter(reply__in=current, decision=self.Decision.PENDING).exists()
        if rated == current.count() and not pending:
            proposal._set_status(
                Proposal.Status.CLOSED, by=by, reason=gettext("every reply has been rated by the deputies")
            )
            proposal.refresh_next_due()
