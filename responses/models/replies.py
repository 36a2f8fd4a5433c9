"""Reply letters (答复函) and co-handling opinions (会办意见)."""

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

from proposals.models import Assignment, Proposal, ProposalEvent, Rule
from tracker.workflow import InvalidTransition, check_staff, deadlines_changed

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
    # Set when the feedback window passed without a rating ("no feedback", counted apart
    # from 满意; design.md §4).
    feedback_lapsed_on = models.DateField(_("feedback window passed on"), null=True, blank=True)

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
        from responses.models.commitments import Commitment

        sent_on = sent_on or timezone.localdate()
        congress = self.assignment.proposal.congress
        feedback_due = congress.deadline(Rule.FEEDBACK, sent_on)
        report_due = congress.deadline(Rule.PROGRESS_REPORT, sent_on).due_on
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
            self.commitments.filter(status=Commitment.Status.OPEN).update(report_due_on=report_due)
            deadlines_changed(self)
            for commitment in self.commitments.filter(status=Commitment.Status.OPEN):
                deadlines_changed(commitment)

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
        check_staff(by)
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
        if self.grade == self.Grade.B and grade == self.Grade.A and not self.all_commitments_kept():
            raise InvalidTransition(
                gettext("A B reply becomes A only when staff have confirmed every commitment kept.")
            )
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

    def lapse_feedback_window(self, *, today: date | None = None) -> None:
        """The feedback window passed in silence: record it and, if the congress says
        silence closes the round, close the suggestion once nothing else is awaited."""
        today = today or timezone.localdate()
        if self.status != self.Status.SENT or self.feedback_lapsed_on or self.feedback_due_on is None:
            raise InvalidTransition(gettext("This reply has no open feedback window."))
        if today <= self.feedback_due_on:
            raise InvalidTransition(
                gettext("The feedback window is open until %(date)s.") % {"date": self.feedback_due_on}
            )
        if self.feedback.exists():
            raise InvalidTransition(gettext("This reply has been rated."))
        with transaction.atomic():
            self.feedback_lapsed_on = today
            self.save(update_fields=["feedback_lapsed_on", "updated_at"])
            proposal = self.assignment.proposal
            ProposalEvent.objects.create(
                proposal=proposal,
                assignment=self.assignment,
                department=self.assignment.department,
                kind=ProposalEvent.Kind.FEEDBACK_LAPSED,
                reason=gettext("no rating by %(date)s") % {"date": self.feedback_due_on.isoformat()},
            )
            deadlines_changed(self)
            if proposal.congress.silence_closes_round:
                from responses.models.feedback import close_round_if_settled

                close_round_if_settled(
                    proposal.pk, by=None, reason=gettext("the feedback window passed without a rating")
                )

    def all_commitments_kept(self) -> bool:
        from responses.models.commitments import Commitment

        commitments = list(self.commitments.values_list("status", flat=True))
        return bool(commitments) and all(status == Commitment.Status.FULFILLED for status in commitments)

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
