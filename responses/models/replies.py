"""Reply letters (答复函) and co-handling opinions (会办意见)."""

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

from proposals.models import Assignment, Contact, Deputy, Proposal, ProposalEvent, Rule
from tracker.validators import refuse_future
from tracker.workflow import (
    STAFF,
    SYSTEM,
    Conflict,
    InvalidTransition,
    Transition,
    Who,
    Workflow,
    deadlines_changed,
    guarded_update,
    stale_message,
    unit,
    unit_leader,
)

if TYPE_CHECKING:
    from responses.models.consultations import Consultation
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
        assignment.workflow.check(assignment, "send_opinion", by)
        if not body.strip():
            raise InvalidTransition(gettext("The opinion is empty."))
        with transaction.atomic():
            assignment.send_opinion(by=by)
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
        """Replies the public may read: sent, and published by congress staff
        (responses.models.publications; the unit's choice of 公开方式 is only its proposal)."""
        return self.filter(status=Reply.Status.SENT, publication__status="published")

    def sent(self) -> ReplyQuerySet:
        return self.filter(status=Reply.Status.SENT)

    def with_phone_rule_for(self, user: User) -> ReplyQuerySet:
        """Fetch at once what ``reply.may_see_phones(user)`` reads for each reply: for a
        department user, its own assignments on the reply's suggestion (others need none)."""
        if not (user.is_authenticated and user.is_department_user) or user.department_id is None:
            return self
        own = Assignment.objects.filter(department_id=user.department_id).only(
            "proposal", "department", "status"
        )
        return self.prefetch_related(
            models.Prefetch("assignment__proposal__assignments", own, to_attr="viewer_assignments")
        )


UNIT = unit(
    "the replying department",
    lambda r: r.assignment.department_id,
    lambda r: gettext("Only %(department)s can do this.") % {"department": r.assignment.department.name},
)
UNIT_LEADER = unit_leader(
    "a leader of the replying department",
    lambda r: r.assignment.department_id,
    lambda r: (
        gettext("Only a leader of %(department)s can approve or return this reply.")
        % {"department": r.assignment.department}
    ),
)
DEPUTY = Who(
    "a deputy of the suggestion",
    lambda user, reply: reply.deputy_of(user) is not None,
    lambda r: gettext("Only the suggestion's deputies can rate its replies."),
)


def _not_editable(reply: Reply) -> str:
    return gettext("This reply is %(status)s and can no longer be edited.") % {
        "status": reply.get_status_display()
    }


def _complete(reply: Reply, user: User | None, today: date) -> str | None:
    """No problems: grade rules, text, contact."""
    return " ".join(reply.problems()) or None


def _current_round(reply: Reply, user: User | None, today: date) -> str | None:
    """The current round's reply."""
    if reply.round != reply.assignment.round:
        return gettext("This reply was replaced by a later one; rate the latest reply.")
    return None


def _not_rated_by_user(reply: Reply, user: User | None, today: date) -> str | None:
    """Not yet rated by this deputy."""
    deputy = reply.deputy_of(user) if user is not None else None
    if deputy is not None and reply.feedback.filter(deputy=deputy).exists():
        return gettext("You have already rated this reply.")
    return None


def _window_passed_in_silence(reply: Reply, user: User | None, today: date) -> str | None:
    """The feedback window passed without a rating."""
    if reply.feedback_lapsed_on or reply.feedback_due_on is None:
        return gettext("This reply has no open feedback window.")
    if today <= reply.feedback_due_on:
        return gettext("The feedback window is open until %(date)s.") % {"date": reply.feedback_due_on}
    if reply.feedback.exists():
        return gettext("This reply has been rated.")
    return None


def _deputy_reachable(reply: Reply, user: User | None, today: date) -> str | None:
    """The lead deputy signs in to the system"""
    lead = reply.assignment.proposal.lead_deputy
    if lead.user_id is None or not lead.is_active:
        return gettext(
            "The lead deputy has no account in the system; consult them in person and log the contact."
        )
    return None


def _changed_since_sent(reply: Reply, user: User | None, today: date) -> str | None:
    """Changed since it was last sent to the deputy"""
    waiting = reply.awaiting_consultation()
    if waiting is not None and (waiting.body, waiting.grade, waiting.publicity) == (
        reply.body,
        reply.grade,
        reply.publicity,
    ):
        return gettext("This draft is already with the lead deputy; change it before sending it again.")
    return None


def _deputy_contacted(reply: Reply, user: User | None, today: date) -> str | None:
    """Where the congress requires it, a contact with the deputies is logged (key: face-to-face)"""
    return reply.contact_problem()


def _consultation_settled(reply: Reply, user: User | None, today: date) -> str | None:
    """Where consultation is required or was asked, the lead deputy answered or the wait passed"""
    return reply.consultation_problem(today)


def _publication_consented(reply: Reply, user: User | None, today: date) -> str | None:
    """Published only with the lead deputy's consent"""
    return reply.consent_problem()


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
    # The assignment's unit (which never changes: a transfer makes a new assignment),
    # copied when the reply is created (save()), so that a unit's sent replies come
    # newest first from one index (reply_department_sent_idx) instead of a walk through
    # every unit's (a department queue's "recently sent" box at a million suggestions).
    replying_department = models.ForeignKey(
        "proposals.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,
        verbose_name=_("replying department"),
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
    # The signing body's name as it was when the reply was sent: the letter and the pages
    # keep it if the department is renamed later.
    signed_by_name = models.CharField(_("signed by (as sent)"), max_length=100, blank=True)
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
            # Replies newest sent first (-sent_on, -pk): the public list reads a page of
            # them without sorting them all, and the search's order within a rank
            # (proposals.search.REPLY_ORDER) reads a common word's matches along it until
            # a page is full. Not partial, so the search may use it whatever it filters.
            models.Index(fields=["-sent_on", "-id"], name="reply_sent_idx"),
            # A unit's sent replies newest first: the queue's recently sent replies.
            models.Index(
                fields=["replying_department", "-sent_on", "-id"],
                condition=Q(status="sent"),
                name="reply_department_sent_idx",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Reply of %(department)s to No. %(number)s") % {
            "department": self.assignment.department,
            "number": self.assignment.proposal.number,
        }

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.replying_department_id is None and self.assignment_id is not None:
            self.replying_department_id = self.assignment.department_id
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "replying_department"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("responses:reply_detail", args=[self.pk])

    @property
    def proposal(self) -> Proposal:
        return self.assignment.proposal

    def may_see_phones(self, user: User) -> bool:
        """Whether ``user`` reads this letter's contact phone and the phones in its text in
        full: the suggestion's rule (Proposal.may_see_phones), with the caller's assignments
        when ReplyQuerySet.with_phone_rule_for fetched them."""
        proposal = self.assignment.proposal
        return proposal.may_see_phones(user, assignments=getattr(proposal, "viewer_assignments", None))

    @property
    def signer(self) -> str:
        """The signing body: its name as sent, or today's name for a reply not sent yet."""
        return self.signed_by_name or self.assignment.department.name

    @property
    def copy_to_list(self) -> list[str]:
        return [line.strip() for line in self.copy_to.splitlines() if line.strip()]

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def grade_was_changed(self) -> bool:
        return bool(self.department_grade) and self.department_grade != self.grade

    @staticmethod
    def grade_problems(
        *,
        grade: str,
        has_dated_commitment: bool,
        grade_reason: str,
        publicity: str,
        publicity_reason: str,
    ) -> dict[str, str]:
        """The grade and publication rules (design.md §4), field by field: B carries a
        commitment with a due date, C says why the problem must wait, a reply not
        published says why. The one definition: the reply form shows these beside its
        fields, submitting and approving refuse them, re-grading applies them."""
        problems = {}
        if grade == Reply.Grade.B and not has_dated_commitment:
            problems["grade"] = gettext("A B reply must carry at least one commitment with a due date.")
        if grade == Reply.Grade.C and not grade_reason.strip():
            problems["grade_reason"] = gettext("A C reply must say why the problem has to wait.")
        if publicity and publicity != Reply.Publicity.PUBLIC and not publicity_reason.strip():
            problems["publicity_reason"] = gettext("Say why the reply is not published.")
        return problems

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
        problems += self.grade_problems(
            grade=self.grade,
            has_dated_commitment=any(c.due_on for c in self.commitments.all()),
            grade_reason=self.grade_reason,
            publicity=self.publicity,
            publicity_reason=self.publicity_reason,
        ).values()
        if not (self.contact_name.strip() and self.contact_phone.strip()):
            problems.append(gettext("A reply names a contact person and phone."))
        return problems

    def deputy_of(self, user: User) -> Deputy | None:
        return self.assignment.proposal.deputy_of(user)

    # -- taking part: contact gate, consultation, consent (issue 14) -----------------

    def consultation_rounds(self) -> list[Consultation]:
        """Every sending of this draft to the lead deputy, oldest first (cached per object)."""
        rounds = getattr(self, "_consultation_rounds", None)
        if rounds is None:
            rounds = list(
                self.consultations.select_related("deputy", "sent_by", "answered_by").order_by("sequence")
            )
            self._consultation_rounds = rounds
        return rounds

    def forget_consultations(self) -> None:
        self.__dict__.pop("_consultation_rounds", None)

    def awaiting_consultation(self) -> Consultation | None:
        return next((c for c in self.consultation_rounds() if c.status == c.Status.AWAITING), None)

    def latest_answer(self) -> Consultation | None:
        """The deputy's latest answer on this draft, if any."""
        answered = [c for c in self.consultation_rounds() if c.status == c.Status.ANSWERED]
        return answered[-1] if answered else None

    @property
    def consultation_required(self) -> bool:
        proposal = self.assignment.proposal
        return proposal.congress.requires_consultation(is_key=proposal.is_key)

    def contact_problem(self) -> str | None:
        """What the congress's contact gate still asks before submitting, or None."""
        proposal = self.assignment.proposal
        if not proposal.congress.contact_before_reply:
            return None
        contacts = self.assignment.contacts.all()
        if proposal.is_key:
            if not contacts.filter(method__in=Contact.FACE_TO_FACE_METHODS).exists():
                return gettext(
                    "This is a key suggestion: log a face-to-face meeting (面商) with the deputies "
                    "before submitting the reply."
                )
        elif not contacts.exists():
            return gettext("Log a contact with the deputies before submitting the reply.")
        return None

    def consultation_problem(self, today: date | None = None) -> str | None:
        """Why sending must wait for the lead deputy, or None."""
        today = today or timezone.localdate()
        rounds = self.consultation_rounds()
        if not rounds:
            lead = self.assignment.proposal.lead_deputy
            # A deputy without an account is consulted in person (a logged contact).
            if self.consultation_required and lead.user_id is not None and lead.is_active:
                return gettext(
                    "The congress asks for the lead deputy's comment first: the clerk sends the draft "
                    "to the lead deputy."
                )
            return None
        latest = rounds[-1]
        if latest.status != latest.Status.AWAITING or latest.is_overdue(today):
            return None
        if latest.answer_due_on is None:
            return gettext("The draft is with the lead deputy; sending waits for their answer.")
        return gettext(
            "The draft is with the lead deputy; sending waits for their answer until %(date)s."
        ) % {"date": latest.answer_due_on}

    def consent_problem(self) -> str | None:
        """A reply the lead deputy asked not to publish cannot be 主动公开."""
        answer = self.latest_answer()
        if (
            answer is not None
            and answer.consent == answer.Consent.NO
            and self.publicity == self.Publicity.PUBLIC
        ):
            return gettext(
                "The lead deputy did not consent to publication: choose 依申请公开 or 不予公开 and say why."
            )
        return None

    # -- the workflow ---------------------------------------------------------

    EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})

    workflow = Workflow(
        (
            Transition("edit", EDITABLE, None, (UNIT,), refused=_not_editable),
            Transition(
                "consult",
                EDITABLE,
                None,
                (UNIT,),
                guards=(_complete, _deputy_reachable, _changed_since_sent),
                refused=_not_editable,
            ),
            Transition(
                "submit",
                EDITABLE,
                Status.SUBMITTED,
                (UNIT,),
                guards=(_complete, _deputy_contacted, _publication_consented),
                refused=_not_editable,
            ),
            Transition(
                "approve",
                frozenset({Status.SUBMITTED}),
                Status.SENT,
                (UNIT_LEADER,),
                guards=(_complete, _consultation_settled, _publication_consented),
                refused=lambda r: gettext("Only a submitted reply can be approved."),
            ),
            Transition(
                "return",
                frozenset({Status.SUBMITTED}),
                Status.RETURNED,
                (UNIT_LEADER,),
                refused=lambda r: gettext("Only a submitted reply can be returned."),
            ),
            Transition(
                "regrade",
                frozenset({Status.SENT}),
                None,
                (STAFF,),
                refused=lambda r: gettext("Only a sent reply can be re-graded."),
            ),
            Transition(
                "rate",
                frozenset({Status.SENT}),
                None,
                (DEPUTY,),
                guards=(_current_round, _not_rated_by_user),
                refused=lambda r: gettext("Only a sent reply can be rated."),
            ),
            Transition(
                "lapse_feedback",
                frozenset({Status.SENT}),
                None,
                (SYSTEM,),
                guards=(_window_passed_in_silence,),
                refused=lambda r: gettext("This reply has no open feedback window."),
            ),
        ),
        not_now=lambda r: gettext("This reply is %(status)s.") % {"status": r.get_status_display()},
    )

    def actions(self, user: User, *, today: date | None = None) -> frozenset[str]:
        """What ``user`` may do on this reply now (edit, submit, approve, return, regrade, rate)."""
        return self.workflow.allowed(self, user, today=today)

    # -- transitions ----------------------------------------------------------

    @classmethod
    def start_draft(cls, assignment: Assignment, *, by: User, **fields: object) -> Reply:
        """Create the draft for the assignment's current round."""
        assignment.workflow.check(assignment, "write_reply", by)
        with transaction.atomic():
            assignment._lock_proposal()
            if cls.objects.filter(assignment=assignment, round=assignment.round).exists():
                # A second "save" of the first draft (double-click, two tabs).
                raise Conflict(stale_message(assignment))
            assignment.start_drafting(by=by)
            return cls.objects.create(assignment=assignment, round=assignment.round, created_by=by, **fields)

    def lock_for_edit(self, *, by: User) -> None:
        """Inside the transaction that saves the draft: lock the suggestion and refuse
        the save if the draft was submitted (or sent) since the page was shown."""
        self.workflow.check(self, "edit", by)
        self.assignment._lock_proposal()
        if not Reply.objects.filter(pk=self.pk, status__in=self.EDITABLE).exists():
            raise Conflict(stale_message(self))

    def consult(self, *, by: User, note: str = "") -> Consultation:
        """The clerk sends the draft to the lead deputy for comment and publication consent."""
        from responses.models.consultations import Consultation

        return Consultation.send(self, by=by, note=note)

    def submit(self, *, by: User) -> None:
        """A clerk submits the draft to the department's leader."""
        transition = self.workflow.check(self, "submit", by)
        with transaction.atomic():
            self.assignment._lock_proposal()
            guarded_update(self, transition, expected=self.status, fields={"submitted_at": timezone.now()})
            self.assignment.reply_submitted(by=by)

    def approve(self, *, by: User, sent_on: date | None = None) -> None:
        """The department's leader signs off the reply and it is sent (签发)."""
        from responses.models.commitments import Commitment
        from responses.models.publications import Publication

        transition = self.workflow.check(self, "approve", by)
        sent_on = sent_on or timezone.localdate()
        refuse_future(sent_on, Reply._meta.get_field("sent_on").verbose_name)
        congress = self.assignment.proposal.congress
        feedback_due = congress.deadline(Rule.FEEDBACK, sent_on)
        report_due = congress.deadline(Rule.PROGRESS_REPORT, sent_on).due_on
        with transaction.atomic():
            self.assignment._lock_proposal()
            guarded_update(
                self,
                transition,
                expected=self.Status.SUBMITTED,
                fields={
                    "approved_by": by,
                    "sent_on": sent_on,
                    "signed_by_name": self.assignment.department.name,
                    "feedback_due_on": feedback_due.due_on,
                    "department_grade": self.department_grade or self.grade,
                },
            )
            self.assignment.reply_sent(by=by, grade=self.grade, sent_on=sent_on)
            self.assignment.proposal.refresh_grade()
            self.commitments.filter(status=Commitment.Status.OPEN).update(report_due_on=report_due)
            Publication.open_for(self, by=by)
            deadlines_changed(self)
            for commitment in self.commitments.filter(status=Commitment.Status.OPEN):
                deadlines_changed(commitment)

    def return_to_clerk(self, *, by: User, comment: str) -> None:
        """The leader sends the draft back with a comment."""
        transition = self.workflow.check(self, "return", by)
        if not comment.strip():
            raise InvalidTransition(gettext("Say what should change."))
        with transaction.atomic():
            self.assignment._lock_proposal()
            guarded_update(self, transition, expected=self.status, fields={"return_comment": comment})
            self.assignment.reply_returned(by=by, comment=comment)

    def regrade(self, grade: str, *, by: User, reason: str) -> None:
        """Staff reviewing a sent reply change its grade; both grades stay on record."""
        self.workflow.check(self, "regrade", by)
        if grade not in self.assignment.proposal.congress.grades():
            raise InvalidTransition(
                gettext("Grade %(grade)s is not on this congress's scale.") % {"grade": grade}
            )
        if grade == self.grade:
            raise InvalidTransition(gettext("The reply already has grade %(grade)s.") % {"grade": grade})
        if not reason.strip():
            raise InvalidTransition(gettext("Give a reason for changing the grade."))
        problem = self.grade_problems(
            grade=grade,
            has_dated_commitment=self.commitments.exclude(due_on__isnull=True).exists(),
            grade_reason=self.grade_reason or reason,
            publicity=self.publicity,
            publicity_reason=self.publicity_reason,
        ).get("grade")
        if problem:
            raise InvalidTransition(problem)
        if self.grade == self.Grade.B and grade == self.Grade.A and not self.all_commitments_kept():
            raise InvalidTransition(
                gettext("A B reply becomes A only when staff have confirmed every commitment kept.")
            )
        old = self.grade
        with transaction.atomic():
            self.assignment._lock_proposal()
            # Conditional on the grade this request saw: of two re-gradings at once, one applies.
            changed = Reply.objects.filter(pk=self.pk, status=self.Status.SENT, grade=old).update(
                grade=grade, updated_at=timezone.now()
            )
            if changed != 1:
                raise Conflict(stale_message(self))
            self.grade = grade
            self.assignment.proposal.refresh_grade()
            ProposalEvent.record(
                ProposalEvent.Kind.REGRADED,
                assignment=self.assignment,
                by=by,
                from_status=old,
                to_status=grade,
                reason=reason,
                reply=self.pk,
            )

    def lapse_feedback_window(self, *, today: date | None = None, wait: bool = True) -> bool:
        """The feedback window passed in silence: record it and, if the congress says
        silence closes the round, close the suggestion once nothing else is awaited.

        ``wait=False`` (the reminder scan, which holds reminder rows locked) gives up
        rather than wait for a suggestion another request has locked; returns whether
        the window was recorded."""
        from responses.models.feedback import close_round_if_settled

        today = today or timezone.localdate()
        self.workflow.check(self, "lapse_feedback", None, today=today)
        with transaction.atomic():
            proposal = (
                Proposal.objects.select_for_update(of=("self",), skip_locked=not wait)
                .filter(pk=self.assignment.proposal_id)
                .select_related("congress")
                .first()
            )
            if proposal is None:
                return False
            changed = Reply.objects.filter(
                pk=self.pk, status=self.Status.SENT, feedback_lapsed_on=None
            ).update(feedback_lapsed_on=today, updated_at=timezone.now())
            if changed != 1:
                return False
            self.feedback_lapsed_on = today
            ProposalEvent.record(
                ProposalEvent.Kind.FEEDBACK_LAPSED,
                assignment=self.assignment,
                by=None,
                feedback_due_on=self.feedback_due_on,
            )
            deadlines_changed(self)
            if proposal.congress.silence_closes_round:
                close_round_if_settled(proposal, by=None, cause="feedback_lapsed")
        return True

    def all_commitments_kept(self) -> bool:
        from responses.models.commitments import Commitment

        commitments = list(self.commitments.values_list("status", flat=True))
        return bool(commitments) and all(status == Commitment.Status.FULFILLED for status in commitments)
