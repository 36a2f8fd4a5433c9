"""Suggestions deputies submit online (代表网上提交建议), before they have a number.

A deputy drafts a suggestion, invites co-signers of the same congress (联名), who confirm
or decline within the congress's window (Congress.cosign_window_days; an invitation
left unanswered lapses and counts as declined), and submits it. Congress staff accept it
(it is logged as a ``Proposal`` with its number, through the number rules every
suggestion follows, and starts where a suggestion logged from paper starts) or return it
(不予立案) with a reason from the congress's list of exclusions (``Exclusion``) and their
own words, which the deputy reads. The deputy may withdraw it until staff decide (and,
once accepted, the suggestion itself until it is assigned: Proposal.withdraw). The
people each step concerns are told through the handover notices (responses/notices.py).

Every step is a guarded write of the submission's transition table (tracker.workflow)
and one ``SubmissionEvent`` in the same transaction; every step locks the submission's
row first, so that a co-signer answering and the lead deputy withdrawing, or two staff
accepting, run one after the other and the second is told the state moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from proposals.models.events import _json
from proposals.models.proposals import Proposal
from proposals.models.reference import Category, Congress, Deputy, Session
from tracker.appendonly import AppendOnlyModel, AppendOnlyQuerySet
from tracker.notices import event_recorded
from tracker.workflow import (
    STAFF,
    SYSTEM,
    Conflict,
    InvalidTransition,
    Transition,
    Who,
    Workflow,
    guarded_update,
    stale_message,
)

if TYPE_CHECKING:
    from tracker.models import User


# Shenzhen's rule (深圳市人民代表大会代表建议、批评和意见办理规定, art. 9): what a suggestion
# should not contain. Stored text the office edits, in the office's language.
SHENZHEN_EXCLUSIONS = (
    "涉及解决代表本人或者其亲属个人问题的",
    "涉及事项尚处于司法、仲裁程序阶段的",
    "属检举、申诉、控告的",
    "属代转群众来信、来访意见的",
    "属学术探讨、产品推介的",
    "没有具体内容的",
    "不属本行政区域事务或者本行政区域职权范围的",
    "违反法律、法规规定的",
)


class ExclusionQuerySet(models.QuerySet["Exclusion"]):
    def seed(self, congress: Congress) -> int:
        """Give ``congress`` Shenzhen's list unless it has a list already; how many were added."""
        if self.filter(congress=congress).exists():
            return 0
        self.bulk_create(
            Exclusion(congress=congress, text=text, position=n)
            for n, text in enumerate(SHENZHEN_EXCLUSIONS, start=1)
        )
        return len(SHENZHEN_EXCLUSIONS)


class Exclusion(models.Model):
    """A matter a congress does not take as a suggestion (不予立案的情形), a reason staff
    choose when they return an online submission."""

    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="exclusions", verbose_name=_("congress")
    )
    text = models.CharField(_("matter excluded"), max_length=200)
    position = models.PositiveSmallIntegerField(pgettext_lazy("online submission", "position"), default=0)
    # A matter the office stops using stays on the submissions it was given for.
    is_active = models.BooleanField(pgettext_lazy("online submission", "in use"), default=True)

    objects = ExclusionQuerySet.as_manager()

    class Meta:
        verbose_name = _("exclusion (不予立案)")
        verbose_name_plural = _("exclusions (不予立案)")
        ordering = ["congress", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "text"], name="proposals_exclusion_unique_text"),
        ]

    def __str__(self) -> str:
        return self.text


class SubmissionQuerySet(models.QuerySet["Submission"]):
    def visible_to(self, user: User) -> SubmissionQuerySet:
        """The lead deputy sees their own, drafts included; an invited co-signer sees what
        they were invited to; congress staff see what was submitted to them (not drafts)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        conditions = Q(pk__in=[])
        if user.is_congress_staff:
            conditions |= Q(submitted_at__isnull=False)
        deputy = user.deputy_profile
        if deputy is not None:
            conditions |= Q(lead_deputy=deputy) | Q(
                Exists(CoSignInvitation.objects.filter(submission=OuterRef("pk"), deputy=deputy))
            )
        return self.filter(conditions)

    def awaiting_staff(self) -> SubmissionQuerySet:
        return self.filter(status=Submission.Status.SUBMITTED)


def _lead(name: str = "the lead deputy") -> Who:
    return Who(
        name,
        lambda user, s: user.deputy_profile is not None and user.deputy_profile.pk == s.lead_deputy_id,
        lambda s: gettext("Only the lead deputy of this suggestion can do this."),
    )


LEAD = _lead()


def _has_co_signers(submission: Submission, user: User | None, today: date) -> str | None:
    """Co-signers are chosen"""
    if not submission.co_signers.exists():
        return gettext("Choose the deputies to invite as co-signers first.")
    return None


def _invitations_settled(submission: Submission, user: User | None, today: date) -> str | None:
    """Every co-signer answered, or the window passed; a draft has no co-signers waiting to be invited"""
    if submission.status == Submission.Status.DRAFT:
        if submission.co_signers.exists():
            return gettext("Invite the co-signers first, or remove them.")
        return None
    if submission.cosign_due_on is not None and today > submission.cosign_due_on:
        return None
    waiting = submission.invitations.filter(status=CoSignInvitation.Status.PENDING).count()
    if waiting:
        return gettext(
            "%(count)s co-signer(s) have not answered yet; you can submit once they have, or after %(date)s."
        ) % {"count": waiting, "date": submission.cosign_due_on}
    return None


def _not_with_staff(submission: Submission) -> str:
    return gettext("This suggestion is %(status)s and can no longer be changed.") % {
        "status": submission.get_status_display()
    }


class Submission(models.Model):
    """A suggestion a deputy drafts and submits online, until staff accept or return it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        INVITING = "inviting", _("awaiting co-signers")
        SUBMITTED = "submitted", _("submitted, awaiting acceptance")
        ACCEPTED = "accepted", pgettext_lazy("online submission", "accepted")
        RETURNED = "returned", _("returned (不予立案)")
        WITHDRAWN = "withdrawn", pgettext_lazy("online submission", "withdrawn")

    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("congress")
    )
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("session")
    )
    lead_deputy = models.ForeignKey(
        Deputy, on_delete=models.PROTECT, related_name="led_submissions", verbose_name=_("lead deputy")
    )
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("full text"))
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submissions",
        verbose_name=_("category"),
    )
    # Whom the lead deputy means to invite (edited in the draft); the invitations sent
    # are CoSignInvitation rows.
    co_signers = models.ManyToManyField(
        Deputy, blank=True, related_name="+", verbose_name=_("co-signers to invite")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    cosign_due_on = models.DateField(_("co-signers answer by"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(pgettext_lazy("online submission", "decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("online submission", "decided by"),
    )
    proposal = models.OneToOneField(
        Proposal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submission",
        verbose_name=_("suggestion logged"),
    )
    exclusion = models.ForeignKey(
        Exclusion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("not taken because"),
    )
    return_reason = models.TextField(pgettext_lazy("online submission", "explanation"), blank=True)
    created_at = models.DateTimeField(_("drafted at"), default=timezone.now)
    updated_at = models.DateTimeField(pgettext_lazy("online submission", "updated at"), default=timezone.now)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("online submission")
        verbose_name_plural = _("online submissions")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["draft", "inviting", "submitted", "accepted", "returned", "withdrawn"]
                ),
                name="proposals_submission_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(proposal__isnull=False),
                name="proposals_submission_accepted_has_proposal",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | Q(exclusion__isnull=False),
                name="proposals_submission_returned_has_reason",
            ),
        ]
        indexes = [
            # Staff's list of submissions waiting for them (status=submitted), oldest first.
            models.Index(fields=["status", "submitted_at"], name="submission_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("proposals:submission", args=[self.pk])

    # -- the workflow ---------------------------------------------------------

    BEFORE_STAFF = frozenset({Status.DRAFT, Status.INVITING})

    workflow = Workflow(
        (
            Transition("edit", frozenset({Status.DRAFT}), None, (LEAD,), refused=_not_with_staff),
            Transition(
                "invite",
                frozenset({Status.DRAFT}),
                Status.INVITING,
                (LEAD,),
                guards=(_has_co_signers,),
                refused=_not_with_staff,
            ),
            Transition(
                "submit",
                BEFORE_STAFF,
                Status.SUBMITTED,
                (LEAD,),
                guards=(_invitations_settled,),
                refused=_not_with_staff,
            ),
            Transition(
                "withdraw",
                frozenset({Status.DRAFT, Status.INVITING, Status.SUBMITTED}),
                Status.WITHDRAWN,
                (LEAD,),
                refused=lambda s: (
                    gettext("This suggestion is %(status)s and can no longer be withdrawn here.")
                    % {"status": s.get_status_display()}
                ),
            ),
            Transition(
                "accept",
                frozenset({Status.SUBMITTED}),
                Status.ACCEPTED,
                (STAFF,),
                refused=lambda s: gettext("Only a submitted suggestion can be accepted."),
            ),
            Transition(
                "return",
                frozenset({Status.SUBMITTED}),
                Status.RETURNED,
                (STAFF,),
                refused=lambda s: gettext("Only a submitted suggestion can be returned."),
            ),
        ),
        not_now=lambda s: (
            gettext("This suggestion is %(status)s; that step is not possible now.")
            % {"status": s.get_status_display()}
        ),
    )

    def actions(self, user: User, *, today: date | None = None) -> frozenset[str]:
        """What ``user`` may do on this submission now."""
        return self.workflow.allowed(self, user, today=today)

    # -- reading --------------------------------------------------------------

    def cosign_window_open(self, today: date | None = None) -> bool:
        return self.cosign_due_on is not None and (today or timezone.localdate()) <= self.cosign_due_on

    def invitation_for(self, user: User) -> CoSignInvitation | None:
        deputy = user.deputy_profile if user.is_authenticated else None
        if deputy is None:
            return None
        return self.invitations.filter(deputy=deputy).first()

    # -- transitions ----------------------------------------------------------

    @classmethod
    def draft(
        cls,
        *,
        by: User,
        session: Session,
        title: str,
        body: str,
        category: Category | None = None,
        co_signers: Iterable[Deputy] = (),
    ) -> Submission:
        """A deputy starts a suggestion (a draft only they see)."""
        deputy = by.deputy_profile
        if deputy is None:
            raise InvalidTransition(gettext("Only a deputy can submit a suggestion."))
        submission = cls(congress_id=session.congress_id, session=session, lead_deputy=deputy)
        co_signers = submission._checked(
            title=title, session=session, category=category, co_signers=co_signers
        )
        with transaction.atomic():
            submission.title, submission.body, submission.category = title.strip(), body.strip(), category
            submission.save()
            submission.co_signers.set(co_signers)
            SubmissionEvent.record(
                SubmissionEvent.Kind.DRAFTED,
                submission,
                by=by,
                to_status=submission.status,
                co_signers=[d.pk for d in co_signers],
            )
        return submission

    def _checked(
        self, *, title: str, session: Session, category: Category | None, co_signers: Iterable[Deputy]
    ) -> list[Deputy]:
        if not title.strip():
            raise InvalidTransition(gettext("A suggestion needs a title."))
        if session.congress_id != self.congress_id:
            raise InvalidTransition(gettext("The session belongs to another congress."))
        if category is not None and category.congress_id != self.congress_id:
            raise InvalidTransition(gettext("This category belongs to another congress."))
        co_signers = list(co_signers)
        for deputy in co_signers:
            if deputy.pk == self.lead_deputy_id:
                raise InvalidTransition(
                    gettext("%(name)s is the lead deputy and cannot also be a co-signer.")
                    % {"name": deputy.name}
                )
            if deputy.congress_id != self.congress_id or not deputy.is_active:
                raise InvalidTransition(
                    gettext("%(name)s is a deputy of another congress.") % {"name": deputy.name}
                )
        return co_signers

    def edit(
        self,
        *,
        by: User,
        session: Session,
        title: str,
        body: str,
        category: Category | None,
        co_signers: Iterable[Deputy],
    ) -> None:
        """The lead deputy changes their draft (text, category, session, whom to invite)."""
        self.workflow.check(self, "edit", by)
        co_signers = self._checked(title=title, session=session, category=category, co_signers=co_signers)
        with transaction.atomic():
            locked = self.lock()
            transition = self.workflow.check(locked, "edit", by)
            guarded_update(
                locked,
                transition,
                expected=locked.status,
                fields={
                    "session": session,
                    "title": title.strip(),
                    "body": body.replace("\r\n", "\n").strip(),
                    "category": category,
                },
            )
            locked.co_signers.set(co_signers)
            SubmissionEvent.record(
                SubmissionEvent.Kind.EDITED, locked, by=by, co_signers=[d.pk for d in co_signers]
            )
        self.refresh_from_db()

    def lock(self) -> Submission:
        """This submission's row, locked until the transaction ends and read again: every
        step on a submission or its invitations takes this lock first."""
        return Submission.objects.select_for_update(of=("self",)).select_related("congress").get(pk=self.pk)

    def invite(self, *, by: User, today: date | None = None) -> list[CoSignInvitation]:
        """Send the invitations; the co-signers answer within the congress's window."""
        today = today or timezone.localdate()
        self.workflow.check(self, "invite", by, today=today)
        with transaction.atomic():
            locked = self.lock()
            transition = self.workflow.check(locked, "invite", by, today=today)
            due_on = today + timedelta(days=locked.congress.cosign_window_days)
            guarded_update(
                locked, transition, expected=Submission.Status.DRAFT, fields={"cosign_due_on": due_on}
            )
            invitations = CoSignInvitation.objects.bulk_create(
                CoSignInvitation(submission=locked, deputy=deputy) for deputy in locked.co_signers.all()
            )
            SubmissionEvent.record(
                SubmissionEvent.Kind.INVITED,
                locked,
                by=by,
                from_status=Submission.Status.DRAFT,
                to_status=locked.status,
                co_signers=[i.deputy_id for i in invitations],
                due_on=due_on,
                window_days=locked.congress.cosign_window_days,
            )
        self._mirror(locked)
        return invitations

    def submit(self, *, by: User, today: date | None = None) -> None:
        """The lead deputy sends the suggestion to the congress office; invitations left
        unanswered lapse (counted as declined)."""
        today = today or timezone.localdate()
        self.workflow.check(self, "submit", by, today=today)
        with transaction.atomic():
            locked = self.lock()
            transition = self.workflow.check(locked, "submit", by, today=today)
            from_status = locked.status
            guarded_update(locked, transition, expected=from_status, fields={"submitted_at": timezone.now()})
            for invitation in locked.invitations.filter(status=CoSignInvitation.Status.PENDING):
                invitation._answer("lapse", by=None)
            SubmissionEvent.record(
                SubmissionEvent.Kind.SUBMITTED,
                locked,
                by=by,
                from_status=from_status,
                to_status=locked.status,
                confirmed=list(locked.confirmed_co_signers().values_list("pk", flat=True)),
            )
        self._mirror(locked)

    def withdraw(self, *, by: User, reason: str = "") -> None:
        """The lead deputy withdraws the suggestion before staff decide; invitations still
        open are cancelled."""
        self.workflow.check(self, "withdraw", by)
        with transaction.atomic():
            locked = self.lock()
            transition = self.workflow.check(locked, "withdraw", by)
            from_status = locked.status
            guarded_update(locked, transition, expected=from_status)
            for invitation in locked.invitations.filter(status=CoSignInvitation.Status.PENDING):
                invitation._answer("cancel", by=None)
            SubmissionEvent.record(
                SubmissionEvent.Kind.WITHDRAWN,
                locked,
                by=by,
                from_status=from_status,
                to_status=locked.status,
                reason=reason.strip(),
            )
        self._mirror(locked)

    def accept(
        self, *, by: User, number: str, is_key: bool = False, supervising_leader: str = ""
    ) -> Proposal:
        """Staff take the suggestion: it is logged with ``number`` (the congress's number
        rules) and the co-signers who confirmed, received on the day it was submitted."""
        self.workflow.check(self, "accept", by)
        with transaction.atomic():
            locked = self.lock()
            transition = self.workflow.check(locked, "accept", by)
            assert locked.submitted_at is not None
            proposal = Proposal(
                congress=locked.congress,
                session=locked.session,
                number=number,
                title=locked.title,
                body=locked.body,
                category=locked.category,
                lead_deputy=locked.lead_deputy,
                received_on=timezone.localdate(locked.submitted_at),
                is_key=is_key,
                supervising_leader=supervising_leader,
            )
            if is_key and not supervising_leader.strip():
                raise InvalidTransition(gettext("A key suggestion needs a supervising leader."))
            # ValidationError (a bad or taken number) rolls everything back.
            proposal.log(by=by, co_signers=locked.confirmed_co_signers())
            guarded_update(
                locked,
                transition,
                expected=Submission.Status.SUBMITTED,
                fields={"proposal": proposal, "decided_at": timezone.now(), "decided_by": by},
            )
            SubmissionEvent.record(
                SubmissionEvent.Kind.ACCEPTED,
                locked,
                by=by,
                from_status=Submission.Status.SUBMITTED,
                to_status=locked.status,
                proposal=proposal.pk,
                number=proposal.number,
            )
        self._mirror(locked)
        return proposal

    def return_(self, *, by: User, exclusion: Exclusion, reason: str) -> None:
        """Staff do not take the suggestion (不予立案), naming the excluded matter it is."""
        self.workflow.check(self, "return", by)
        if exclusion.congress_id != self.congress_id or not exclusion.is_active:
            raise InvalidTransition(gettext("Choose a reason from this congress's list."))
        if not reason.strip():
            raise InvalidTransition(gettext("Explain to the deputy why the suggestion is returned."))
        with transaction.atomic():
            locked = self.lock()
            transition = self.workflow.check(locked, "return", by)
            guarded_update(
                locked,
                transition,
                expected=Submission.Status.SUBMITTED,
                fields={
                    "exclusion": exclusion,
                    "return_reason": reason.strip(),
                    "decided_at": timezone.now(),
                    "decided_by": by,
                },
            )
            SubmissionEvent.record(
                SubmissionEvent.Kind.RETURNED,
                locked,
                by=by,
                from_status=Submission.Status.SUBMITTED,
                to_status=locked.status,
                reason=reason.strip(),
                exclusion=exclusion.pk,
                exclusion_text=exclusion.text,
            )
        self._mirror(locked)

    def confirmed_co_signers(self) -> models.QuerySet[Deputy]:
        return Deputy.objects.filter(
            cosign_invitations__submission=self, cosign_invitations__status=CoSignInvitation.Status.CONFIRMED
        ).order_by("cosign_invitations__answered_at", "pk")

    def _mirror(self, locked: Submission) -> None:
        for field in (
            "status",
            "cosign_due_on",
            "submitted_at",
            "decided_at",
            "decided_by_id",
            "proposal_id",
            "exclusion_id",
            "return_reason",
            "updated_at",
        ):
            setattr(self, field, getattr(locked, field))


INVITEE = Who(
    "the invited deputy",
    lambda user, i: user.deputy_profile is not None and user.deputy_profile.pk == i.deputy_id,
    lambda i: gettext("Only the invited deputy can answer this invitation."),
)


def _window_open(invitation: CoSignInvitation, user: User | None, today: date) -> str | None:
    """The suggestion awaits its co-signers and the window is open"""
    submission = invitation.submission
    if submission.status != Submission.Status.INVITING:
        return gettext("This suggestion is %(status)s; the invitation can no longer be answered.") % {
            "status": submission.get_status_display()
        }
    if not submission.cosign_window_open(today):
        return gettext("The time to answer ended on %(date)s.") % {"date": submission.cosign_due_on}
    return None


class CoSignInvitation(models.Model):
    """A deputy invited to co-sign an online submission (联名), and their answer."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("online submission", "awaiting answer")
        CONFIRMED = "confirmed", pgettext_lazy("online submission", "confirmed")
        DECLINED = "declined", pgettext_lazy("online submission", "declined")
        LAPSED = "lapsed", _("not answered in time")
        CANCELLED = "cancelled", pgettext_lazy("online submission", "cancelled")

    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("online submission")
    )
    deputy = models.ForeignKey(
        Deputy, on_delete=models.PROTECT, related_name="cosign_invitations", verbose_name=_("deputy")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("invited at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("co-sign invitation")
        verbose_name_plural = _("co-sign invitations")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "deputy"], name="proposals_cosigninvitation_once"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "confirmed", "declined", "lapsed", "cancelled"]),
                name="proposals_cosigninvitation_status_valid",
            ),
        ]
        indexes = [
            # A deputy's invitations awaiting their answer (the 待我处理 page).
            models.Index(fields=["deputy", "status"], name="cosign_deputy_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.deputy} · {self.submission}"

    def get_absolute_url(self) -> str:
        return self.submission.get_absolute_url()

    ANSWERS = {
        "confirm": "cosign_confirmed",
        "decline": "cosign_declined",
        "lapse": "cosign_lapsed",
        "cancel": "cosign_cancelled",
    }

    workflow = Workflow(
        (
            Transition(
                "confirm",
                frozenset({Status.PENDING}),
                Status.CONFIRMED,
                (INVITEE,),
                guards=(_window_open,),
                refused=lambda i: gettext("You already answered this invitation."),
            ),
            Transition(
                "decline",
                frozenset({Status.PENDING}),
                Status.DECLINED,
                (INVITEE,),
                guards=(_window_open,),
                refused=lambda i: gettext("You already answered this invitation."),
            ),
            # At submission, for the invitations still open (counted as declined).
            Transition("lapse", frozenset({Status.PENDING}), Status.LAPSED, (SYSTEM,)),
            # When the lead deputy withdraws the suggestion.
            Transition("cancel", frozenset({Status.PENDING}), Status.CANCELLED, (SYSTEM,)),
        ),
        not_now=lambda i: gettext("This invitation is %(status)s.") % {"status": i.get_status_display()},
    )

    def actions(self, user: User, *, today: date | None = None) -> frozenset[str]:
        return self.workflow.allowed(self, user, today=today)

    def answer(self, *, by: User, confirm: bool, today: date | None = None) -> None:
        """The invited deputy confirms (joins the suggestion) or declines."""
        name = "confirm" if confirm else "decline"
        today = today or timezone.localdate()
        self.workflow.check(self, name, by, today=today)
        with transaction.atomic():
            # The submission first, as every step on it: the lead deputy submitting or
            # withdrawing waits, or has already moved it (then this is refused).
            self.submission = self.submission.lock()
            self.status = CoSignInvitation.objects.values_list("status", flat=True).get(pk=self.pk)
            self.workflow.check(self, name, by, today=today)
            self._answer(name, by=by, today=today)

    def _answer(self, name: str, *, by: User | None, today: date | None = None) -> None:
        """Take ``name`` and record its event (inside the transaction that locked the submission)."""
        transition = self.workflow.check(self, name, None, today=today)
        from_status = self.status
        try:
            guarded_update(self, transition, expected=from_status, fields={"answered_at": timezone.now()})
        except Conflict:
            raise Conflict(stale_message(self)) from None
        SubmissionEvent.record(
            self.ANSWERS[name],
            self.submission,
            invitation=self,
            by=by,
            from_status=from_status,
            to_status=self.status,
            deputy=self.deputy_id,
        )


class SubmissionEvent(AppendOnlyModel):
    """Append-only trail of an online submission: who did what, when, from, to and why."""

    class Kind(models.TextChoices):
        DRAFTED = "drafted", pgettext_lazy("online submission", "drafted")
        EDITED = "edited", _("draft edited")
        INVITED = "invited", _("co-signers invited")
        COSIGN_CONFIRMED = "cosign_confirmed", _("co-signer confirmed")
        COSIGN_DECLINED = "cosign_declined", _("co-signer declined")
        COSIGN_LAPSED = "cosign_lapsed", _("co-signer did not answer in time")
        COSIGN_CANCELLED = "cosign_cancelled", _("invitation cancelled")
        SUBMITTED = "submitted", pgettext_lazy("online submission", "submitted")
        ACCEPTED = "accepted", _("accepted and numbered")
        RETURNED = "returned", _("returned (不予立案)")
        WITHDRAWN = "withdrawn", pgettext_lazy("online submission", "withdrawn")

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="events")
    invitation = models.ForeignKey(
        CoSignInvitation, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("online submission event")
        verbose_name_plural = _("online submission events")
        ordering = ["created_at", "pk"]
        indexes = [
            # The submission page's timeline.
            models.Index(fields=["submission", "created_at"], name="submission_event_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    @classmethod
    def record(
        cls,
        kind: str,
        submission: Submission,
        *,
        by: User | None,
        invitation: CoSignInvitation | None = None,
        from_status: str = "",
        to_status: str = "",
        reason: str = "",
        **data: Any,
    ) -> SubmissionEvent:
        """Append one event; ``data`` holds codes and ids, not sentences. The notices its
        kind calls for are recorded with it, in the step's transaction (tracker.notices)."""
        event = cls.objects.create(
            submission=submission,
            invitation=invitation,
            kind=kind,
            actor=by,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            data=_json(data),
        )
        event_recorded(event)
        return event
