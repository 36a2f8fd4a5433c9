"""Deputies' ratings of sent replies (代表意见反馈), re-handling and closing the round."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from proposals.models import Assignment, Deputy, Proposal, ProposalEvent, Rule
from responses.models.replies import Reply
from tracker.workflow import InvalidTransition, check_staff, deadlines_changed

if TYPE_CHECKING:
    from tracker.models import User


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
            deadlines_changed(reply)
            feedback._close_if_settled(by=by)
        return feedback

    def accept_rehandling(self, *, by: User, reason: str) -> None:
        """Staff agree with a 不满意: the department handles it again, with a new deadline."""
        check_staff(by)
        if self.decision != self.Decision.PENDING:
            raise InvalidTransition(gettext("This feedback does not await a decision."))
        if not reason.strip():
            raise InvalidTransition(gettext("Give a reason for the decision."))
        assignment = self.reply.assignment
        proposal = assignment.proposal
        if proposal.status not in (Proposal.Status.REPLIED, Proposal.Status.REHANDLING):
            raise InvalidTransition(gettext("Only a replied suggestion can be re-handled."))
        today = timezone.localdate()
        due = proposal.congress.deadline(Rule.REHANDLING, today)
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
        check_staff(by)
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
        close_round_if_settled(
            self.reply.assignment.proposal_id,
            by=by,
            reason=gettext("every reply has been rated by the deputies"),
        )


def close_round_if_settled(proposal_id: int, *, by: User | None, reason: str) -> None:
    """Close a replied suggestion when every current reply is rated or its feedback
    window lapsed, and no 不满意 awaits a staff decision (call inside a transaction)."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal_id)
    if proposal.status != Proposal.Status.REPLIED:
        return
    current = Reply.objects.filter(
        assignment__in=proposal.responsible_assignments(),
        status=Reply.Status.SENT,
        round=models.F("assignment__round"),
    )
    settled = current.filter(Q(feedback__isnull=False) | Q(feedback_lapsed_on__isnull=False)).distinct()
    pending = Feedback.objects.filter(reply__in=current, decision=Feedback.Decision.PENDING).exists()
    if settled.count() == current.count() and not pending:
        proposal._set_status(Proposal.Status.CLOSED, by=by, reason=reason)
        proposal.refresh_next_due()
