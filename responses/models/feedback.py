"""Deputies' ratings of sent replies (代表意见反馈), re-handling and closing the round."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from proposals.models import Deputy, Proposal, ProposalEvent, Rule
from responses.models.replies import Reply
from tracker.workflow import (
    STAFF,
    Conflict,
    InvalidTransition,
    Transition,
    Workflow,
    deadlines_changed,
    guarded_update,
    stale_message,
)

if TYPE_CHECKING:
    from tracker.models import User


def _suggestion_replied(feedback: Feedback, user: User | None, today: date) -> str | None:
    """The suggestion is replied or re-handling."""
    if feedback.reply.assignment.proposal.status not in (Proposal.Status.REPLIED, Proposal.Status.REHANDLING):
        return gettext("Only a replied suggestion can be re-handled.")
    return None


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
    # With the congress's two-part rating (双测评), ``rating`` is the rating of what the
    # unit achieved (it counts in 满意率 and decides re-handling) and ``communication``
    # the rating of how the unit communicated; otherwise ``communication`` is empty.
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices)
    communication = models.CharField(
        _("rating of the communication"), max_length=12, choices=Rating.choices, blank=True
    )
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
                condition=Q(communication__in=["", "satisfied", "basically", "unsatisfied"]),
                name="responses_feedback_communication_valid",
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

    # -- the workflow: staff decide a 不满意 ---------------------------------------

    workflow = Workflow(
        (
            Transition(
                "accept_rehandling",
                frozenset({Decision.PENDING}),
                Decision.REHANDLING,
                (STAFF,),
                guards=(_suggestion_replied,),
            ),
            Transition("decline_rehandling", frozenset({Decision.PENDING}), Decision.DECLINED, (STAFF,)),
        ),
        state_field="decision",
        not_now=lambda f: gettext("This feedback does not await a decision."),
    )

    def actions(self, user: User, *, today: date | None = None) -> frozenset[str]:
        return self.workflow.allowed(self, user, today=today)

    # -- transitions ----------------------------------------------------------

    @classmethod
    def give(
        cls, reply: Reply, *, by: User, rating: str, comment: str = "", communication: str = ""
    ) -> Feedback:
        """A deputy of the suggestion rates a sent reply (in two parts where the congress
        says so: ``communication`` and ``rating``, what was achieved); a satisfied round closes."""
        reply.workflow.check(reply, "rate", by)
        deputy = reply.deputy_of(by)
        assert deputy is not None  # the "rate" row allows only the suggestion's deputies
        if rating not in cls.Rating.values:
            raise InvalidTransition(gettext("Choose a rating."))
        if reply.assignment.proposal.congress.two_part_rating:
            if communication not in cls.Rating.values:
                raise InvalidTransition(gettext("Rate how the unit communicated with you."))
        else:
            communication = ""
        if cls.Rating.UNSATISFIED in (rating, communication) and not comment.strip():
            raise InvalidTransition(gettext("Please say what is unsatisfactory."))
        try:
            with transaction.atomic():
                proposal = reply.assignment._lock_proposal()
                feedback = cls.objects.create(
                    reply=reply,
                    deputy=deputy,
                    rating=rating,
                    communication=communication,
                    comment=comment,
                    decision=cls.Decision.PENDING if rating == cls.Rating.UNSATISFIED else cls.Decision.NONE,
                )
                ProposalEvent.record(
                    ProposalEvent.Kind.FEEDBACK,
                    assignment=reply.assignment,
                    by=by,
                    to_status=rating,
                    reason=comment,
                    rating=rating,
                    communication=communication or None,
                    deputy=deputy.name,
                )
                deadlines_changed(reply)
                close_round_if_settled(proposal, by=by, cause="rated")
        except IntegrityError:
            # The same deputy's second submission (two tabs, a double click).
            raise Conflict(stale_message(reply)) from None
        return feedback

    def accept_rehandling(self, *, by: User, reason: str) -> None:
        """Staff agree with a 不满意: the department handles it again, with a new deadline."""
        transition = self.workflow.check(self, "accept_rehandling", by)
        if not reason.strip():
            raise InvalidTransition(gettext("Give a reason for the decision."))
        assignment = self.reply.assignment
        today = timezone.localdate()
        due = assignment.proposal.congress.deadline(Rule.REHANDLING, today)
        with transaction.atomic():
            proposal = assignment._lock_proposal()
            self._decide(transition, by=by, reason=reason)
            old_due = assignment.due_on
            assignment.reopen(by=by, due=due, reason=reason)
            if proposal.status != Proposal.Status.REHANDLING:
                proposal._move("rehandle", by=by, reason=reason, due_on=assignment.due_on, old_due_on=old_due)
            proposal.refresh_next_due()

    def decline_rehandling(self, *, by: User, reason: str) -> None:
        """Staff decide a 不满意 needs no new round; the reason is kept and shown."""
        transition = self.workflow.check(self, "decline_rehandling", by)
        if not reason.strip():
            raise InvalidTransition(gettext("Give a reason for the decision."))
        with transaction.atomic():
            proposal = self.reply.assignment._lock_proposal()
            self._decide(transition, by=by, reason=reason)
            ProposalEvent.record(
                ProposalEvent.Kind.REHANDLING_DECLINED,
                assignment=self.reply.assignment,
                by=by,
                reason=reason,
            )
            close_round_if_settled(proposal, by=by, cause="rated")

    def _decide(self, transition: Transition, *, by: User, reason: str) -> None:
        guarded_update(
            self,
            transition,
            expected=self.Decision.PENDING,
            state_field="decision",
            fields={"decision_reason": reason, "decided_by": by, "decided_at": timezone.now()},
        )


def close_round_if_settled(proposal: Proposal, *, by: User | None, cause: str) -> None:
    """Close a replied suggestion when every current reply is rated or its feedback
    window lapsed, and no 不满意 awaits a staff decision (inside a transaction, with
    the suggestion locked). ``cause`` ("rated", "feedback_lapsed") is recorded."""
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
        proposal._move("settle", by=by, cause=cause)
        proposal.refresh_next_due()
