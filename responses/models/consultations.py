"""Consultation on the draft reply (征询意见): the lead unit sends its draft to the lead
deputy, who comments and says whether the reply may be published, before it is sent."""

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

from proposals.models import Deputy, ProposalEvent
from responses.models.replies import Reply
from tracker.deadlines import Unit, compute_deadline
from tracker.workflow import SYSTEM, InvalidTransition, Transition, Who, Workflow, guarded_update

if TYPE_CHECKING:
    from tracker.models import User


def _is_lead_deputy(user: User, consultation: Consultation) -> bool:
    deputy = consultation.reply.deputy_of(user)
    return deputy is not None and deputy.pk == consultation.reply.assignment.proposal.lead_deputy_id


LEAD_DEPUTY = Who(
    "the suggestion's lead deputy",
    _is_lead_deputy,
    lambda c: gettext("Only the suggestion's lead deputy answers on the draft reply."),
)


class ConsultationQuerySet(models.QuerySet["Consultation"]):
    def awaiting_for(self, deputy: Deputy) -> ConsultationQuerySet:
        """Drafts waiting for this deputy's answer (the deputy's "waiting for me" list)."""
        return self.filter(status=Consultation.Status.AWAITING, deputy=deputy)

    def visible_to(self, user: User) -> ConsultationQuerySet:
        """Staff; the replying unit; the lead deputy it was sent to. Co-signers and other
        units never read a draft."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_congress_staff:
            return self
        visible = Q(deputy__user=user)
        if user.is_department_user and user.department_id is not None:
            visible |= Q(reply__assignment__department_id=user.department_id)
        return self.filter(visible)


class Consultation(models.Model):
    """One sending of a draft reply to the lead deputy, with the deputy's comment and
    publication consent. Every sending is kept; a new one replaces an unanswered one."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("awaiting the deputy's answer")
        ANSWERED = "answered", _("answered")
        REPLACED = "replaced", _("replaced by a later draft")

    class Consent(models.TextChoices):
        YES = "yes", _("the reply may be published")
        NO = "no", _("the reply may not be published")

    reply = models.ForeignKey(
        Reply, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("reply")
    )
    sequence = models.PositiveSmallIntegerField(_("sending no."))
    deputy = models.ForeignKey(
        Deputy, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("deputy")
    )
    # The draft as the deputy read it: the clerk may change the reply afterwards.
    body = models.TextField(_("draft text as sent"))
    grade = models.CharField(_("grade"), max_length=1, choices=Reply.Grade.choices)
    publicity = models.CharField(_("publication"), max_length=12, choices=Reply.Publicity.choices)
    note = models.TextField(_("note to the deputy"), blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    # The day after which sending no longer waits (Congress.consultation_wait_days);
    # empty: sending waits until the deputy answers.
    answer_due_on = models.DateField(_("answer awaited until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.AWAITING)
    comment = models.TextField(_("deputy's comment"), blank=True)
    consent = models.CharField(_("publication consent"), max_length=3, choices=Consent.choices, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation on a draft reply")
        verbose_name_plural = _("consultations on draft replies")
        ordering = ["reply", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["reply", "sequence"], name="responses_consultation_one_per_sequence"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["awaiting", "answered", "replaced"]),
                name="responses_consultation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(consent__in=["", "yes", "no"]), name="responses_consultation_consent_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="answered") | ~Q(consent=""),
                name="responses_consultation_answer_has_consent",
            ),
        ]
        indexes = [
            # The deputy's list of drafts waiting for their answer.
            models.Index(fields=["deputy"], condition=Q(status="awaiting"), name="consultation_awaiting_idx"),
        ]

    def __str__(self) -> str:
        return gettext("Draft reply to No. %(number)s, sending %(sequence)s") % {
            "number": self.reply.assignment.proposal.number,
            "sequence": self.sequence,
        }

    def get_absolute_url(self) -> str:
        return reverse("responses:consultation", args=[self.pk])

    @property
    def paragraphs(self) -> list[str]:
        return [line.strip() for line in self.body.splitlines() if line.strip()]

    def is_overdue(self, today: date | None = None) -> bool:
        """Unanswered past the congress's waiting time: sending no longer waits."""
        today = today or timezone.localdate()
        return (
            self.status == self.Status.AWAITING
            and self.answer_due_on is not None
            and today > self.answer_due_on
        )

    # -- the workflow ---------------------------------------------------------

    workflow = Workflow(
        (
            Transition(
                "answer",
                frozenset({Status.AWAITING}),
                Status.ANSWERED,
                (LEAD_DEPUTY,),
                refused=lambda c: (
                    gettext("You have already answered on this draft.")
                    if c.status == Consultation.Status.ANSWERED
                    else gettext("The unit has sent a newer draft; answer on that one.")
                ),
            ),
            Transition("replace", frozenset({Status.AWAITING}), Status.REPLACED, (SYSTEM,)),
        ),
        not_now=lambda c: gettext("This draft is %(status)s.") % {"status": c.get_status_display()},
    )

    def actions(self, user: User, *, today: date | None = None) -> frozenset[str]:
        """What ``user`` may do on this consultation now (answer)."""
        return self.workflow.allowed(self, user, today=today)

    # -- transitions ----------------------------------------------------------

    @classmethod
    def send(cls, reply: Reply, *, by: User, note: str = "") -> Consultation:
        """The replying unit sends its draft to the lead deputy; an unanswered earlier
        sending is replaced (kept, marked replaced)."""
        reply.workflow.check(reply, "consult", by)
        proposal = reply.assignment.proposal
        congress = proposal.congress
        now = timezone.now()
        wait = congress.consultation_wait_days
        due = (
            compute_deadline(
                timezone.localdate(now),
                wait,
                Unit.WORKING_DAYS,
                roll_to_working_day=congress.roll_to_working_day,
            ).due_on
            if wait
            else None
        )
        with transaction.atomic():
            reply.lock_for_edit(by=by)
            # Checked again under the lock: of two sendings at once, the second finds the
            # draft already with the deputy.
            reply.forget_consultations()
            reply.workflow.check(reply, "consult", by)
            previous = list(reply.consultations.filter(status=cls.Status.AWAITING))
            for earlier in previous:
                guarded_update(earlier, earlier.workflow["replace"], expected=cls.Status.AWAITING)
            sequence = (reply.consultations.aggregate(last=models.Max("sequence"))["last"] or 0) + 1
            consultation = cls.objects.create(
                reply=reply,
                sequence=sequence,
                deputy=proposal.lead_deputy,
                body=reply.body,
                grade=reply.grade,
                publicity=reply.publicity,
                note=note,
                sent_by=by,
                sent_at=now,
                answer_due_on=due,
            )
            ProposalEvent.record(
                ProposalEvent.Kind.CONSULTATION_SENT,
                assignment=reply.assignment,
                by=by,
                reason=note,
                reply=reply.pk,
                consultation=consultation.pk,
                sequence=sequence,
                deputy=proposal.lead_deputy.name,
                answer_due_on=due,
                replaces=[c.sequence for c in previous] or None,
            )
        reply.forget_consultations()
        return consultation

    def answer(self, *, by: User, comment: str, consent: str) -> None:
        """The lead deputy comments on the draft and says whether it may be published."""
        transition = self.workflow.check(self, "answer", by)
        if consent not in self.Consent.values:
            raise InvalidTransition(gettext("Say whether the reply may be published."))
        if consent == self.Consent.NO and not comment.strip():
            raise InvalidTransition(gettext("Please say why the reply should not be published."))
        with transaction.atomic():
            self.reply.assignment._lock_proposal()
            guarded_update(
                self,
                transition,
                expected=self.Status.AWAITING,
                fields={
                    "comment": comment,
                    "consent": consent,
                    "answered_by": by,
                    "answered_at": timezone.now(),
                },
            )
            ProposalEvent.record(
                ProposalEvent.Kind.CONSULTATION_ANSWERED,
                assignment=self.reply.assignment,
                by=by,
                to_status=consent,
                reason=comment,
                reply=self.reply_id,
                consultation=self.pk,
                sequence=self.sequence,
                deputy=self.deputy.name,
                consent=consent,
            )
        self.reply.forget_consultations()
