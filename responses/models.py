"""Reply letters, grades, commitments, co-handling opinions and deputy feedback."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from proposals.models import (
    Assignment,
    Department,
    Deputy,
    InvalidTransition,
    Proposal,
    ProposalEvent,
    Rule,
    _check_staff,
)
from responses.evidence import check_evidence
from tracker.deadlines import is_working_day
from tracker.models import Channel, Notification, Role
from tracker.notify import send_reminders
from tracker.stages import ReminderStages

if TYPE_CHECKING:
    from tracker.models import User

logger = logging.getLogger(__name__)


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
            Obligation.objects.sync(self)
            for commitment in self.commitments.filter(status=Commitment.Status.OPEN):
                Obligation.objects.sync(commitment)

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
            Obligation.objects.sync(self)
            if proposal.congress.silence_closes_round:
                close_round_if_settled(
                    proposal.pk, by=None, reason=gettext("the feedback window passed without a rating")
                )

    def all_commitments_kept(self) -> bool:
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


class CommitmentManager(models.Manager["Commitment"]):
    """Commitments in force: rows a clerk removed from an unsent draft stay on record but
    out of every letter, list and count (reply.commitments uses this manager too)."""

    def get_queryset(self) -> CommitmentQuerySet:
        return CommitmentQuerySet(self.model, using=self._db).exclude(status=Commitment.Status.REMOVED)


class CommitmentQuerySet(models.QuerySet["Commitment"]):
    def made(self) -> CommitmentQuerySet:
        """Promises of sent replies (a draft's commitments are not promises yet)."""
        return self.filter(reply__status=Reply.Status.SENT)

    def overdue_first(self, today: date) -> CommitmentQuerySet:
        """Open promises past their date first, then by due date."""
        late = Q(status__in=[Commitment.Status.OPEN, Commitment.Status.CLAIMED], due_on__lt=today)
        return self.annotate(
            late=models.Case(models.When(late, then=0), default=1, output_field=models.IntegerField())
        ).order_by("late", "due_on", "pk")

    def summary_by_department(self, today: date) -> list[dict[str, object]]:
        """Per department: open, overdue, kept on time, kept late, not kept (one query)."""
        S = Commitment.Status
        open_ = Q(status__in=[S.OPEN, S.CLAIMED])
        return list(
            self.order_by()
            .values("department__name")
            .annotate(
                open=models.Count("pk", filter=open_),
                overdue=models.Count("pk", filter=open_ & Q(due_on__lt=today)),
                on_time=models.Count(
                    "pk", filter=Q(status=S.FULFILLED, fulfilled_on__lte=models.F("due_on"))
                ),
                late=models.Count("pk", filter=Q(status=S.FULFILLED, fulfilled_on__gt=models.F("due_on"))),
                not_kept=models.Count("pk", filter=Q(status=S.NOT_FULFILLED)),
                due=models.Count("pk", filter=Q(due_on__lte=today)),
            )
            .order_by("-overdue", "-open", "department__name")
        )


class Commitment(models.Model):
    """A concrete promise in a reply (承诺事项), tracked until it is kept."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLAIMED = "claimed", _("reported fulfilled, awaiting confirmation")
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
    # The next periodic progress report (every 3 months by default, from the reply's
    # sending); set when the reply is sent, moved on by each report.
    report_due_on = models.DateField(_("next progress report due"), null=True, blank=True)
    fulfilled_on = models.DateField(_("fulfilled on"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    closed_reason = models.TextField(_("why it was not fulfilled"), blank=True)
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
                condition=Q(status__in=["open", "claimed", "fulfilled", "not_fulfilled", "removed"]),
                name="responses_commitment_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["claimed", "fulfilled"]) | Q(fulfilled_on__isnull=False),
                name="responses_commitment_fulfilled_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="not_fulfilled") | ~Q(closed_reason=""),
                name="responses_commitment_not_fulfilled_has_reason",
            ),
        ]
        indexes = [
            # Open commitments by due date, for the follow-up board and reminders.
            models.Index(fields=["due_on"], condition=Q(status="open"), name="commitment_open_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.description[:40]}（{self.due_on}）"

    def get_absolute_url(self) -> str:
        return reverse("responses:commitment", args=[self.pk])

    def days_left(self, today: date | None = None) -> int:
        return (self.due_on - (today or timezone.localdate())).days

    def remove_from_draft(self) -> None:
        """Take a promise out of a draft letter; the row stays on record, marked removed."""
        if not self.reply.is_editable:
            raise InvalidTransition(gettext("Commitments of a submitted or sent reply cannot be removed."))
        self.status = self.Status.REMOVED
        self.save(update_fields=["status"])

    @property
    def proposal(self) -> Proposal:
        return self.reply.assignment.proposal

    @property
    def kept_on_time(self) -> bool | None:
        if self.status != self.Status.FULFILLED or self.fulfilled_on is None:
            return None
        return self.fulfilled_on <= self.due_on

    # -- transitions ----------------------------------------------------------

    def report_progress(
        self,
        *,
        by: User,
        reported_on: date,
        summary: str,
        percent: int | None = None,
        milestone: str = "",
        files: Iterable[UploadedFile] = (),
    ) -> ProgressReport:
        """The department reports what was done (落实情况); the next report falls due later."""
        self._check_department(by)
        self._require_status(self.Status.OPEN)
        files = self._checked(files)
        self._check_date(reported_on)
        if not summary.strip():
            raise InvalidTransition(gettext("Say what was done."))
        if percent is not None and not 0 <= percent <= 100:
            raise InvalidTransition(gettext("The share done is a percentage from 0 to 100."))
        congress = self.reply.assignment.proposal.congress
        with transaction.atomic():
            report = ProgressReport.create_with_evidence(
                self,
                files,
                kind=ProgressReport.Kind.PROGRESS,
                reported_on=reported_on,
                summary=summary,
                percent=percent,
                milestone=milestone,
                created_by=by,
            )
            self.report_due_on = congress.deadline(Rule.PROGRESS_REPORT, reported_on).due_on
            self.save(update_fields=["report_due_on"])
            self._event(
                ProposalEvent.Kind.PROGRESS_REPORTED,
                by=by,
                reason=summary,
                extra=f"{percent}%" if percent is not None else milestone,
            )
            Obligation.objects.sync(self)
        return report

    def claim_fulfilled(
        self, *, by: User, fulfilled_on: date, summary: str, files: Iterable[UploadedFile]
    ) -> ProgressReport:
        """The department reports the promise kept, with evidence; staff then confirm or reject."""
        self._check_department(by)
        self._require_status(self.Status.OPEN)
        files = self._checked(files)
        self._check_date(fulfilled_on)
        if not files:
            raise InvalidTransition(gettext("Attach the evidence that the promise was kept."))
        if not summary.strip():
            raise InvalidTransition(gettext("Say how the promise was kept."))
        with transaction.atomic():
            report = ProgressReport.create_with_evidence(
                self,
                files,
                kind=ProgressReport.Kind.FULFILMENT,
                reported_on=fulfilled_on,
                summary=summary,
                percent=100,
                created_by=by,
            )
            self._move(
                self.Status.CLAIMED,
                by=by,
                kind=ProposalEvent.Kind.COMMITMENT_CLAIMED,
                reason=summary,
                fields={"fulfilled_on": fulfilled_on},
            )
        return report

    def confirm(self, *, by: User) -> None:
        """Staff accept the evidence: the promise counts as kept."""
        _check_staff(by)
        self._require_status(self.Status.CLAIMED)
        self._move(
            self.Status.FULFILLED,
            by=by,
            kind=ProposalEvent.Kind.COMMITMENT_CONFIRMED,
            fields={"confirmed_by": by, "confirmed_at": timezone.now()},
        )

    def reject(self, *, by: User, reason: str) -> None:
        """Staff send a fulfilment claim back: the promise is open again, the reason kept."""
        _check_staff(by)
        self._require_status(self.Status.CLAIMED)
        if not reason.strip():
            raise InvalidTransition(gettext("Say why the evidence is not enough."))
        self._move(
            self.Status.OPEN,
            by=by,
            kind=ProposalEvent.Kind.COMMITMENT_REJECTED,
            reason=reason,
            fields={"fulfilled_on": None},
        )

    def close_not_fulfilled(self, *, by: User, reason: str) -> None:
        """A promise that cannot be kept is closed as not fulfilled, with a reason the deputy sees."""
        if not (by.is_congress_staff or (by.is_department_leader and by.department_id == self.department_id)):
            raise InvalidTransition(
                gettext("Only congress staff or the department's leader can close a promise.")
            )
        self._require_status(self.Status.OPEN, self.Status.CLAIMED)
        if not reason.strip():
            raise InvalidTransition(gettext("Say why the promise cannot be kept; the deputy will read it."))
        self._move(
            self.Status.NOT_FULFILLED,
            by=by,
            kind=ProposalEvent.Kind.COMMITMENT_NOT_FULFILLED,
            reason=reason,
            fields={"closed_reason": reason, "fulfilled_on": None},
        )

    def add_comment(self, *, by: User, body: str) -> CommitmentComment:
        """A deputy of the suggestion comments on a promise made to them."""
        deputy = by.deputy_profile
        if deputy is None or not Proposal.objects.visible_to(by).filter(pk=self.proposal.pk).exists():
            raise InvalidTransition(gettext("Only the suggestion's deputies can comment on its promises."))
        if self.reply.status != Reply.Status.SENT:
            raise InvalidTransition(gettext("This promise has not been made yet."))
        if not body.strip():
            raise InvalidTransition(gettext("The comment is empty."))
        return CommitmentComment.objects.create(commitment=self, author=by, body=body)

    def _move(
        self, to: str, *, by: User, kind: str, reason: str = "", fields: dict[str, object] | None = None
    ) -> None:
        from_status = self.status
        with transaction.atomic():
            self.status = to
            for name, value in (fields or {}).items():
                setattr(self, name, value)
            self.save(update_fields=["status", *(fields or {})])
            self._event(kind, by=by, reason=reason, from_status=from_status, to_status=to)
            Obligation.objects.sync(self)

    def _event(
        self,
        kind: str,
        *,
        by: User,
        reason: str = "",
        from_status: str = "",
        to_status: str = "",
        extra: str = "",
    ) -> None:
        assignment = self.reply.assignment
        ProposalEvent.objects.create(
            proposal_id=assignment.proposal_id,
            assignment=assignment,
            department=self.department,
            kind=kind,
            actor=by,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            detail=" · ".join(part for part in (self.description[:80], extra) if part),
        )

    def _check_department(self, user: User) -> None:
        if not (user.is_department_user and user.department_id == self.department_id):
            raise InvalidTransition(
                gettext("Only %(department)s reports on this promise.") % {"department": self.department}
            )

    def _require_status(self, *allowed: str) -> None:
        if self.reply.status != Reply.Status.SENT or self.status not in allowed:
            raise InvalidTransition(
                gettext("This promise is %(status)s; that step is not possible now.")
                % {"status": self.get_status_display()}
            )

    @staticmethod
    def _check_date(day: date) -> None:
        if day > timezone.localdate():
            raise InvalidTransition(gettext("A report cannot be dated in the future."))

    @staticmethod
    def _checked(files: Iterable[UploadedFile]) -> list[UploadedFile]:
        """Check every file before anything is written; the first bad one refuses them all."""
        files = list(files)
        for upload in files:
            try:
                check_evidence(upload)
            except ValidationError as exc:
                raise InvalidTransition(" ".join(exc.messages)) from None
        return files


def evidence_path(instance: Evidence, filename: str) -> str:
    """Stored under a random name: the original name is kept in the row, never trusted as a path."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ProgressReport(models.Model):
    """A department's report on a commitment (落实情况): what was done, how far, with evidence."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("progress report")
        FULFILMENT = "fulfilment", _("fulfilment report")

    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="reports", verbose_name=_("commitment")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PROGRESS)
    reported_on = models.DateField(_("as of"))
    summary = models.TextField(_("what was done"))
    percent = models.PositiveSmallIntegerField(_("share done (%)"), null=True, blank=True)
    milestone = models.CharField(_("milestone reached"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["reported_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__lte=100),
                name="responses_progressreport_percent",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["progress", "fulfilment"]), name="responses_progressreport_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reported_on} {self.summary[:40]}"

    @classmethod
    def create_with_evidence(
        cls, commitment: Commitment, files: list[UploadedFile], **fields: object
    ) -> ProgressReport:
        report = cls.objects.create(commitment=commitment, **fields)
        for upload in files:
            checked = check_evidence(upload)
            Evidence.objects.create(
                report=report,
                file=upload,
                original_name=(upload.name or "")[:255],
                content_type=checked.content_type,
                size=checked.size,
            )
        return report


class Evidence(models.Model):
    """A file attached to a progress report, checked by its content when uploaded."""

    report = models.ForeignKey(
        ProgressReport, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("report")
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("responses:evidence", args=[self.pk])


class CommitmentComment(models.Model):
    """A deputy's comment on a promise made to them."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="comments", verbose_name=_("commitment")
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comment on a commitment")
        verbose_name_plural = _("comments on commitments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:40]


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
            Obligation.objects.sync(reply)
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


# ---------------------------------------------------------------------------
# Reminders (design.md §5)
# ---------------------------------------------------------------------------

Source = Assignment | Reply | Commitment


def obligation_dues(source: Source) -> dict[str, date | None]:
    """What each obligation of a row should be: its due date while open, None once settled.

    The one place that says when a dated duty exists. ``Obligation.objects.sync`` stores
    it and the deliverer re-reads it just before sending, so a reminder for a duty that
    was done a minute ago is skipped rather than sent.
    """
    K = Obligation.Kind
    if isinstance(source, Assignment):
        a, S = source, Assignment.Status
        open_ = a.status in Assignment.OPEN_STATUSES
        responsible = a.role in (Assignment.Role.LEAD, Assignment.Role.SEPARATE)
        return {
            K.CHANGE_WINDOW: a.respond_by if a.status == S.PENDING else None,
            K.CO_OPINION: a.due_on if a.role == Assignment.Role.CO and open_ else None,
            K.REPLY: a.due_on if responsible and open_ and a.round == 1 else None,
            K.REHANDLING: a.due_on if responsible and open_ and a.round > 1 else None,
        }
    if isinstance(source, Reply):
        r = source
        waiting = (
            r.status == Reply.Status.SENT
            and r.feedback_due_on is not None
            and r.feedback_lapsed_on is None
            and r.round == r.assignment.round
            and r.assignment.proposal.status == Proposal.Status.REPLIED
            and not r.feedback.exists()
        )
        return {K.FEEDBACK: r.feedback_due_on if waiting else None}
    c = source
    open_ = c.status == Commitment.Status.OPEN and c.reply.status == Reply.Status.SENT
    # Progress reports are asked for until the promise itself falls due; from then on the
    # commitment's own (escalating) reminders do the chasing.
    reporting = open_ and c.report_due_on and c.report_due_on < c.due_on and timezone.localdate() <= c.due_on
    report = c.report_due_on if reporting else None
    return {K.COMMITMENT: c.due_on if open_ else None, K.PROGRESS_REPORT: report}


class ObligationQuerySet(models.QuerySet["Obligation"]):
    def open(self) -> ObligationQuerySet:
        return self.filter(is_open=True)

    def due(self, today: date) -> ObligationQuerySet:
        """Open obligations whose next reminder stage has arrived (the scan's filter)."""
        return self.filter(is_open=True, next_remind_on__lte=today)

    def main_for(self, assignment: Assignment) -> Obligation | None:
        """The open obligation staff mean by "remind this assignment": the reply or opinion,
        else the sign-for window."""
        order = [Obligation.Kind.REPLY, Obligation.Kind.REHANDLING, Obligation.Kind.CO_OPINION]
        found = {
            o.kind: o for o in self.filter(assignment=assignment, is_open=True).select_related("proposal")
        }
        for kind in [*order, Obligation.Kind.CHANGE_WINDOW]:
            if kind in found:
                return found[kind]
        return None

    def save_stages(self, claimed: Iterable[Obligation]) -> None:
        """Store the stage pointers of claimed rows: one UPDATE per distinct new state.

        bulk_update's CASE per row and field was half the scan's Python time
        (bench/bench_reminder_scan.py: 10.9 s → 6.5 s for 10,000 due); most rows of a
        batch share their next state, so this is a handful of statements per batch.
        """
        groups: dict[tuple[int | None, int | None, date | None], list[int]] = {}
        for obligation in claimed:
            key = (obligation.last_stage, obligation.next_stage, obligation.next_remind_on)
            groups.setdefault(key, []).append(obligation.pk)
        for (last_stage, next_stage, next_remind_on), pks in groups.items():
            self.filter(pk__in=pks).update(
                last_stage=last_stage, next_stage=next_stage, next_remind_on=next_remind_on
            )

    def sync_closed(self, proposal: Proposal) -> None:
        """A closed suggestion awaits no more feedback; its commitments stay followed."""
        for obligation in self.filter(proposal=proposal, is_open=True, kind=Obligation.Kind.FEEDBACK):
            obligation._close()

    def sync(self, source: Source, *, today: date | None = None) -> None:
        """Bring the stored obligations of an assignment, reply or commitment in line with it.

        Called by every transition that opens, moves or settles a dated duty. A moved
        due date gets a new version, which re-arms its reminders (design.md §5).
        """
        today = today or timezone.localdate()
        field = _source_field(source)
        existing = {o.kind: o for o in self.filter(**{field: source})}
        for kind, due in obligation_dues(source).items():
            obligation = existing.get(kind)
            if due is None:
                if obligation is not None and obligation.is_open:
                    obligation._close()
                continue
            if obligation is None:
                proposal, department_id = _source_context(source)
                obligation = Obligation(kind=kind, due_on=due, proposal=proposal, department_id=department_id)
                setattr(obligation, field, source)
                obligation._arm(today, already_sent=None)
                obligation.save()
            elif not obligation.is_open or obligation.due_on != due:
                already_sent = obligation.last_stage if obligation.is_open else None
                obligation.due_on = due
                obligation.version += 1
                obligation.is_open = True
                obligation.closed_at = None
                obligation._arm(today, already_sent=already_sent)
                obligation.save()


def _source_field(source: Source) -> str:
    if isinstance(source, Assignment):
        return "assignment"
    if isinstance(source, Reply):
        return "reply"
    if isinstance(source, Commitment):
        return "commitment"
    raise TypeError(f"not an obligation source: {source!r}")


def _source_context(source: Source) -> tuple[Proposal, int | None]:
    """(suggestion, responsible department id) of a source row."""
    if isinstance(source, Assignment):
        return source.proposal, source.department_id
    if isinstance(source, Reply):
        return source.assignment.proposal, source.assignment.department_id
    return source.reply.assignment.proposal, source.department_id


class Obligation(models.Model):
    """One dated duty the reminder scan watches: a reply, an opinion, a window, a promise.

    The source rows (assignment, reply, commitment) stay the truth; this row is kept in
    step by ``sync`` and remembers which reminder stage comes next, so that the scan
    reads only what is due today through a small partial index.
    """

    class Kind(models.TextChoices):
        REPLY = "reply", _("reply deadline")
        REHANDLING = "rehandling", _("re-handling deadline")
        CO_OPINION = "co_opinion", _("co-handling opinion deadline")
        CHANGE_WINDOW = "change_window", _("sign for or dispute the assignment")
        FEEDBACK = "feedback", _("deputy feedback window")
        COMMITMENT = "commitment", _("commitment due")
        PROGRESS_REPORT = "progress_report", _("commitment progress report")

    kind = models.CharField(_("obligation"), max_length=20, choices=Kind.choices)
    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="obligations", verbose_name=_("suggestion")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="obligations",
        verbose_name=_("department"),
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, null=True, blank=True, related_name="obligations"
    )
    reply = models.ForeignKey(
        Reply, on_delete=models.PROTECT, null=True, blank=True, related_name="obligations"
    )
    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, null=True, blank=True, related_name="obligations"
    )
    due_on = models.DateField(_("due on"))
    version = models.PositiveIntegerField(_("deadline version"), default=1)
    is_open = models.BooleanField(_("open"), default=True)
    # Stages are day offsets from due_on (see tracker.stages); the scan reads next_remind_on.
    last_stage = models.SmallIntegerField(null=True, blank=True)
    next_stage = models.SmallIntegerField(null=True, blank=True)
    next_remind_on = models.DateField(_("next reminder on"), null=True, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ObligationQuerySet.as_manager()

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "assignment"],
                condition=Q(assignment__isnull=False),
                name="responses_obligation_one_per_assignment",
            ),
            models.UniqueConstraint(
                fields=["kind", "reply"],
                condition=Q(reply__isnull=False),
                name="responses_obligation_one_per_reply",
            ),
            models.UniqueConstraint(
                fields=["kind", "commitment"],
                condition=Q(commitment__isnull=False),
                name="responses_obligation_one_per_commitment",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "reply",
                        "rehandling",
                        "co_opinion",
                        "change_window",
                        "feedback",
                        "commitment",
                        "progress_report",
                    ]
                ),
                name="responses_obligation_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(assignment__isnull=False, reply=None, commitment=None)
                | Q(assignment=None, reply__isnull=False, commitment=None)
                | Q(assignment=None, reply=None, commitment__isnull=False),
                name="responses_obligation_one_source",
            ),
        ]
        indexes = [
            # The reminder scan: ObligationQuerySet.due(today), ordered by next_remind_on.
            # Only open rows are indexed, so the scan's cost follows what is due, not what
            # is stored (bench/bench_reminder_scan.py).
            models.Index(
                fields=["next_remind_on", "id"], condition=Q(is_open=True), name="obligation_scan_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"

    def get_absolute_url(self) -> str:
        if self.assignment_id:
            return self.assignment.get_absolute_url()
        if self.reply_id:
            return self.reply.get_absolute_url()
        return self.commitment.get_absolute_url()

    @property
    def source(self) -> Source:
        return self.assignment or self.reply or self.commitment  # type: ignore[return-value]

    def days_left(self, today: date | None = None) -> int:
        return (self.due_on - (today or timezone.localdate())).days

    def stages(self) -> ReminderStages:
        return self.proposal.congress.reminder_stages()

    def still_applies(self, version: int) -> bool:
        """Re-read the source: is this version of the duty still open and unchanged?"""
        if not self.is_open or version != self.version:
            return False
        return obligation_dues(self.source).get(self.kind) == self.due_on

    # -- transitions ----------------------------------------------------------

    def _arm(self, today: date, *, already_sent: int | None) -> None:
        """Point the scan at the first stage to send for this version of the due date.

        A duty that starts inside a stage (a 7-working-day window, an overdue import)
        gets that stage at once; a moved date does not repeat the stage just sent.
        """
        stages = self.stages()
        current = stages.at_or_before((today - self.due_on).days)
        if current is None:
            self._point_at(stages.after(None))
        elif current == already_sent:
            self._point_at(stages.after(current))
        else:
            self._point_at(current)

    def _point_at(self, stage: int | None) -> None:
        self.next_stage = stage
        self.next_remind_on = None if stage is None else self.due_on + timedelta(days=stage)

    def _close(self) -> None:
        self.is_open = False
        self.closed_at = timezone.now()
        self.next_remind_on = None
        self.save(update_fields=["is_open", "closed_at", "next_remind_on"])

    def claim(
        self, today: date, *, audience: Audience, by: User | None = None, force: bool = False
    ) -> list[Reminder]:
        """Record the reminders of the stage reached today and move on to the next stage.

        Call with the row locked. Returns the unsaved rows; the caller inserts them with
        ``ignore_conflicts`` so that the unique key makes a second send impossible.
        ``force`` (staff's "remind now") sends the next stage early; it then counts as
        that stage and the scan will not send it again.
        """
        stages = self.stages()
        offset = (today - self.due_on).days
        if force and self.next_stage is not None:
            offset = max(offset, self.next_stage)
        stage = stages.at_or_before(offset)
        if stage is None or (self.next_stage is not None and stage < self.next_stage and not force):
            # Armed under stages the congress has since changed: nothing is due after all,
            # so point at the first stage still ahead (the scan must always move on).
            self.last_stage = stage
            self._point_at(stages.after(stage))
            return []
        rows = []
        now = timezone.now()
        for recipient, on_behalf_of, role in audience.for_stage(self, stage, today):
            for channel in recipient.reminder_channels():
                rows.append(
                    Reminder(
                        obligation=self,
                        version=self.version,
                        stage=stage,
                        due_on=self.due_on,
                        recipient=recipient,
                        on_behalf_of=on_behalf_of,
                        audience=role,
                        channel=channel,
                        send_after=now if channel == Channel.INBOX else next_send_time(now),
                        requested_by=by,
                    )
                )
        self.last_stage = stage
        self._point_at(stages.after(stage))
        return rows

    def remind_now(self, *, by: User) -> int:
        """Staff send the next reminder stage now; it counts as that stage."""
        _check_staff(by)
        if not self.is_open:
            raise InvalidTransition(gettext("This deadline is settled; there is nothing to remind."))
        today = timezone.localdate()
        with transaction.atomic():
            locked = (
                Obligation.objects.select_for_update().select_related("proposal__congress").get(pk=self.pk)
            )
            rows = locked.claim(today, audience=Audience(), by=by, force=True)
            if not rows:
                raise InvalidTransition(
                    gettext("Nobody can be reminded: the department has no active accounts.")
                )
            Reminder.objects.bulk_create(rows, ignore_conflicts=True)
            locked.save(update_fields=["last_stage", "next_stage", "next_remind_on"])
            ProposalEvent.objects.create(
                proposal=locked.proposal,
                assignment=locked.assignment,
                department=locked.department,
                kind=ProposalEvent.Kind.REMINDED,
                actor=by,
                detail=", ".join(sorted({str(r.recipient) for r in rows})),
            )
            enqueue_deliveries_on_commit(rows)
        return len(rows)


class Audience:
    """Who hears about an obligation at a stage, with the people looked up once per scan.

    Escalation (design.md §5): a department's clerks first (its leaders if it has no
    clerk account), its leaders from the congress's ``remind_leader_from``-th overdue
    reminder, congress staff from the ``remind_staff_from``-th; a key suggestion's
    supervising leader along with the department leaders. The deputy hears about the
    feedback window. Someone away is replaced by their delegate.
    """

    def __init__(self) -> None:
        self._department: dict[int, tuple[list[User], list[User]]] = {}
        self._staff: list[User] | None = None

    def for_stage(
        self, obligation: Obligation, stage: int, today: date
    ) -> list[tuple[User, User | None, str]]:
        congress = obligation.proposal.congress
        overdue = congress.reminder_stages().overdue_number(stage)
        people: list[tuple[User, str]] = []
        if obligation.kind == Obligation.Kind.FEEDBACK:
            deputy_user = getattr(obligation.proposal.lead_deputy, "user", None)
            if stage <= 0 and deputy_user is not None:
                people.append((deputy_user, Reminder.Audience.DEPUTY))
            if stage > 0:
                people += [(u, Reminder.Audience.STAFF) for u in self.staff()]
        else:
            clerks, leaders = self.department(obligation.department_id)
            people += [(u, Reminder.Audience.CLERK) for u in clerks]
            if overdue >= congress.remind_leader_from or not clerks:
                people += [(u, Reminder.Audience.LEADER) for u in leaders]
            supervisor = obligation.proposal.supervisor
            if (
                obligation.proposal.is_key
                and supervisor is not None
                and overdue >= congress.remind_leader_from
            ):
                people.append((supervisor, Reminder.Audience.SUPERVISOR))
            if overdue >= congress.remind_staff_from:
                people += [(u, Reminder.Audience.STAFF) for u in self.staff()]
        result: list[tuple[User, User | None, str]] = []
        seen: set[int] = set()
        for person, role in people:
            if not person.is_active:
                continue
            recipient, on_behalf_of = person, None
            delegate = person.delegate
            if person.is_away(today) and delegate is not None and delegate.is_active:
                recipient, on_behalf_of = delegate, person
            if recipient.pk not in seen:
                seen.add(recipient.pk)
                result.append((recipient, on_behalf_of, role))
        return result

    def department(self, department_id: int | None) -> tuple[list[User], list[User]]:
        if department_id is None:
            return [], []
        if department_id not in self._department:
            users = list(
                get_user_model()
                .objects.filter(department_id=department_id, is_active=True)
                .select_related("delegate")
                .prefetch_related("groups")
                .order_by("pk")
            )
            clerks = [u for u in users if u.has_role(Role.DEPT_CLERK)]
            leaders = [u for u in users if u.has_role(Role.DEPT_LEADER)]
            self._department[department_id] = (clerks, leaders)
        return self._department[department_id]

    def staff(self) -> list[User]:
        if self._staff is None:
            self._staff = list(
                get_user_model()
                .objects.filter(Q(groups__name=Role.CONGRESS_STAFF) | Q(is_superuser=True), is_active=True)
                .select_related("delegate")
                .distinct()
                .order_by("pk")
            )
        return self._staff


def next_send_time(now: datetime) -> datetime:
    """Email and SMS wait for working hours on a working day (quiet hours, design.md §5);
    the in-app inbox is always current."""
    hours = settings.REMINDER_SEND_HOURS
    if hours is None:
        return now
    start, end = hours
    local = timezone.localtime(now)
    day = local.date()
    if is_working_day(day) and start <= local.hour < end:
        return now
    if not (is_working_day(day) and local.hour < start):
        day += timedelta(days=1)
        while not is_working_day(day):
            day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(start)))


class ReminderQuerySet(models.QuerySet["Reminder"]):
    def pending(self) -> ReminderQuerySet:
        return self.filter(status=Reminder.Status.PENDING)

    def deliverable(self, now: datetime) -> ReminderQuerySet:
        return self.filter(status=Reminder.Status.PENDING, send_after__lte=now)


class Reminder(models.Model):
    """One reminder to one person on one channel for one stage of one deadline version.

    The unique key is the claim: a second scan, a second beat or a second worker cannot
    insert the same reminder twice, and delivery marks it sent with a compare-and-set.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        SKIPPED = "skipped", _("skipped, no longer due")
        FAILED = "failed", _("failed")

    class Audience(models.TextChoices):
        CLERK = "clerk", _("department clerk")
        LEADER = "leader", _("department leader")
        SUPERVISOR = "supervisor", _("supervising leader")
        STAFF = "staff", _("congress staff")
        DEPUTY = "deputy", _("deputy")

    obligation = models.ForeignKey(
        Obligation, on_delete=models.PROTECT, related_name="reminders", verbose_name=_("obligation")
    )
    version = models.PositiveIntegerField(_("deadline version"))
    stage = models.SmallIntegerField(_("stage (days from the due date)"))
    due_on = models.DateField(_("due on"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reminders",
        verbose_name=_("recipient"),
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("as delegate of"),
    )
    audience = models.CharField(_("reminded as"), max_length=12, choices=Audience.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    send_after = models.DateTimeField(_("not before"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent now by"),
    )
    notification = models.OneToOneField(
        Notification, on_delete=models.PROTECT, null=True, blank=True, related_name="reminder"
    )

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["obligation", "version", "stage", "recipient", "channel"],
                name="responses_reminder_once",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "skipped", "failed"]),
                name="responses_reminder_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["inbox", "email", "sms"]), name="responses_reminder_channel_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="responses_reminder_sent_has_time",
            ),
        ]
        indexes = [
            # Delivery and the scan's re-dispatch: pending reminders per recipient and channel.
            models.Index(
                fields=["recipient", "channel", "send_after"],
                condition=Q(status="pending"),
                name="reminder_pending_idx",
            ),
            # The staff reminders page (newest first) and the health view's last-day counts.
            models.Index(fields=["-created_at"], name="reminder_recent_idx"),
            models.Index(fields=["status", "sent_at"], name="reminder_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.obligation} → {self.recipient} ({self.get_channel_display()})"

    @property
    def days_left(self) -> int:
        return (self.due_on - timezone.localdate()).days

    @property
    def stage_label(self) -> str:
        if self.stage < 0:
            return ngettext("%(n)d day before", "%(n)d days before", -self.stage) % {"n": -self.stage}
        if self.stage == 0:
            return gettext("due day")
        return ngettext("%(n)d day overdue", "%(n)d days overdue", self.stage) % {"n": self.stage}

    @classmethod
    def deliver(cls, recipient_id: int, channel: str, *, limit: int = 200) -> int:
        """Send what is pending for one person on one channel: one digest per call.

        Rows are locked with SKIP LOCKED, re-checked against their source, and marked
        sent with a compare-and-set inside the same transaction as the send, so a crash
        before commit leaves them pending for the next scan. The inbox is written in
        that transaction too; email and SMS carry the reminders' ids as an idempotency
        key for providers that de-duplicate. Returns how many were sent.
        """
        now = timezone.now()
        with transaction.atomic():
            rows = list(
                cls.objects.deliverable(now)
                .filter(recipient_id=recipient_id, channel=channel)
                .select_related(
                    "recipient",
                    "obligation__proposal__congress",
                    "obligation__department",
                    "obligation__assignment",
                    "obligation__reply__assignment__proposal",
                    "obligation__commitment__reply__assignment__proposal",
                )
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("due_on", "pk")[:limit]
            )
            if not rows:
                return 0
            live = [r for r in rows if r.obligation.still_applies(r.version)]
            stale = [r.pk for r in rows if r not in live]
            if stale:
                cls.objects.filter(pk__in=stale, status=cls.Status.PENDING).update(
                    status=cls.Status.SKIPPED, sent_at=None, last_error=""
                )
            if not live:
                return 0
            ids = [r.pk for r in live]
            savepoint = transaction.savepoint()
            claimed = cls.objects.filter(pk__in=ids, status=cls.Status.PENDING).update(
                status=cls.Status.SENT, sent_at=now, attempts=models.F("attempts") + 1
            )
            if claimed != len(ids):
                # Another deliverer got here first (possible only without row locks, on SQLite).
                transaction.savepoint_rollback(savepoint)
                return 0
            try:
                send_reminders(live[0].recipient, channel, live)
            except Exception as exc:  # noqa: BLE001 - any channel failure is recorded, then retried
                transaction.savepoint_rollback(savepoint)
                cls._record_failure(ids, exc, now)
                return 0
            transaction.savepoint_commit(savepoint)
        if len(rows) == limit:
            enqueue_delivery(recipient_id, channel)
        return len(live)

    @classmethod
    def _record_failure(cls, ids: list[int], exc: Exception, now: datetime) -> None:
        attempts = cls.objects.filter(pk__in=ids).values_list("attempts", flat=True).first() or 0
        give_up = attempts + 1 >= settings.REMINDER_MAX_ATTEMPTS
        retry_at = now + timedelta(minutes=5 * 2**attempts)
        logger.warning("reminder delivery failed for %s: %s", ids, exc)
        cls.objects.filter(pk__in=ids, status=cls.Status.PENDING).update(
            status=cls.Status.FAILED if give_up else cls.Status.PENDING,
            attempts=models.F("attempts") + 1,
            last_error=f"{type(exc).__name__}: {exc}"[:1000],
            send_after=retry_at,
        )


class ScanRun(models.Model):
    """One run of the reminder scan, kept for the health view and the reminders page."""

    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    obligations = models.PositiveIntegerField(_("deadlines handled"), default=0)
    reminders = models.PositiveIntegerField(_("reminders recorded"), default=0)
    redispatched = models.PositiveIntegerField(_("deliveries re-queued"), default=0)
    rounds_closed = models.PositiveIntegerField(_("feedback windows closed"), default=0)

    class Meta:
        verbose_name = _("reminder scan")
        verbose_name_plural = _("reminder scans")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["-finished_at"], name="scanrun_finished_idx")]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def run(cls, *, today: date | None = None, batch: int = 200, max_batches: int | None = None) -> ScanRun:
        """Claim every due reminder stage, one locked batch per short transaction, then
        re-queue deliveries that a lost worker or broker left pending."""
        today = today or timezone.localdate()
        scan = cls.objects.create()
        audience = Audience()
        batches = 0
        handled: set[int] = set()
        # (recipient, channel) → earliest send_after recorded this run; the rows themselves
        # (tens of thousands on a busy day) need not be kept until the end.
        recorded: dict[tuple[int, str], datetime] = {}
        while max_batches is None or batches < max_batches:
            batches += 1
            due: list[Obligation] = []
            try:
                with transaction.atomic():
                    due = _lock_due(today, batch)
                    if not due or all(o.pk in handled for o in due):
                        # Every row left was already handled in this run without moving on:
                        # stop rather than spin; the next run starts afresh.
                        if due:
                            logger.error("reminder scan: obligations %s did not move on", [o.pk for o in due])
                        break
                    rows, closed = _handle_due(due, today, audience)
            except Exception:
                if not due:
                    raise  # the database itself failed; the task fails and beat tries again
                # One bad row must not stop every reminder behind it: redo the batch row by
                # row, skip (and log) the rows that fail, and let the next scan try them again.
                logger.exception("reminder scan: a batch failed; retrying its rows one by one")
                rows, closed = [], 0
                for pk in [o.pk for o in due]:
                    try:
                        with transaction.atomic():
                            one = _lock_due(today, 1, pk=pk)
                            if one:
                                more, more_closed = _handle_due(one, today, audience)
                                rows += more
                                closed += more_closed
                    except Exception:
                        logger.exception("reminder scan: obligation %s failed", pk)
            handled.update(o.pk for o in due)
            _note_earliest(recorded, rows)
            scan.obligations += len(due)
            scan.reminders += len(rows)
            scan.rounds_closed += closed
        # Queued once every batch is committed: one digest per person per scan.
        _enqueue_on_commit(recorded)
        scan.redispatched = redispatch_stale(timezone.now())
        scan.finished_at = timezone.now()
        scan.save()
        logger.info(
            "reminder scan: %s deadlines, %s reminders recorded, %s deliveries re-queued, %s rounds closed",
            scan.obligations,
            scan.reminders,
            scan.redispatched,
            scan.rounds_closed,
        )
        return scan


def _lock_due(today: date, limit: int, *, pk: int | None = None) -> list[Obligation]:
    """Lock up to ``limit`` due obligations that no other scan holds (SKIP LOCKED)."""
    queryset = Obligation.objects.due(today)
    if pk is not None:
        queryset = queryset.filter(pk=pk)
    return list(
        queryset.select_related(
            "proposal__congress",
            "proposal__supervisor__delegate",
            "proposal__lead_deputy__user__delegate",
            "assignment",
            "reply__assignment__proposal",
            "commitment__reply",
        )
        .order_by("next_remind_on", "pk")
        .select_for_update(skip_locked=True, of=("self",))[:limit]
    )


def _handle_due(due: list[Obligation], today: date, audience: Audience) -> tuple[list[Reminder], int]:
    """Record the reminders of locked due obligations; returns them and the rounds closed."""
    rows: list[Reminder] = []
    claimed: list[Obligation] = []
    closed = 0
    for obligation in due:
        if not obligation.still_applies(obligation.version):
            Obligation.objects.sync(obligation.source, today=today)
            continue
        if (
            obligation.kind == Obligation.Kind.FEEDBACK
            and obligation.days_left(today) < 0
            and obligation.proposal.congress.silence_closes_round
        ):
            obligation.reply.lapse_feedback_window(today=today)
            closed += 1
            continue
        rows += obligation.claim(today, audience=audience)
        claimed.append(obligation)
    Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    Obligation.objects.save_stages(claimed)
    return rows, closed


def redispatch_stale(now: datetime) -> int:
    """Queue a delivery for every person with reminders still pending a while after they
    became sendable: their worker died, the broker lost the message, or it was down."""
    grace = now - timedelta(seconds=settings.REMINDER_REDISPATCH_AFTER)
    pairs = list(
        Reminder.objects.pending()
        .filter(send_after__lte=now, created_at__lte=grace)
        # Without this, Meta.ordering's columns join the SELECT DISTINCT and every pending
        # reminder comes back as its own "pair" (found by scripts/fault_reminders.py).
        .order_by()
        .values_list("recipient_id", "channel")
        .distinct()[:5000]
    )
    for recipient_id, channel in pairs:
        enqueue_delivery(recipient_id, channel)
    return len(pairs)


def enqueue_deliveries_on_commit(rows: Iterable[Reminder]) -> None:
    """Queue delivery of what may go out now; email and SMS held for quiet hours are
    queued by a later scan once their time comes (redispatch_stale)."""
    earliest: dict[tuple[int, str], datetime] = {}
    _note_earliest(earliest, rows)
    _enqueue_on_commit(earliest)


def _note_earliest(earliest: dict[tuple[int, str], datetime], rows: Iterable[Reminder]) -> None:
    """Per (recipient, channel), the earliest time any of the rows may be sent."""
    for r in rows:
        key = (r.recipient_id, r.channel)
        earliest[key] = min(r.send_after, earliest.get(key, r.send_after))


def _enqueue_on_commit(earliest: dict[tuple[int, str], datetime]) -> None:
    now = timezone.now()
    pairs = sorted(pair for pair, send_after in earliest.items() if send_after <= now)
    if pairs:
        transaction.on_commit(lambda: [enqueue_delivery(u, c) for u, c in pairs])


def enqueue_delivery(recipient_id: int, channel: str) -> None:
    """Queue a delivery; a broker that is down is logged, not raised: the next scan
    finds the reminders still pending and queues them again."""
    from responses.tasks import deliver_reminders

    try:
        deliver_reminders.delay(recipient_id, channel)
    except Exception as exc:  # noqa: BLE001 - kombu raises several types for a broker outage
        logger.warning("could not queue reminder delivery for user %s (%s): %s", recipient_id, channel, exc)


def health(now: datetime | None = None) -> dict[str, object]:
    """What an operator checks: the last finished scan, the last day's sends and failures,
    reminders stuck in the queue, and whether the broker answers."""
    now = now or timezone.now()
    last = ScanRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()
    day_ago = now - timedelta(days=1)
    age = (now - last.finished_at).total_seconds() if last else None
    stuck_before = now - timedelta(seconds=settings.REMINDER_REDISPATCH_AFTER * 5)
    queue_ok, queue_error = broker_reachable()
    scan_ok = age is not None and age <= settings.REMINDER_SCAN_STALE_AFTER
    return {
        "ok": scan_ok and queue_ok,
        "last_scan_at": last.finished_at.isoformat() if last else None,
        "last_scan_age_seconds": round(age) if age is not None else None,
        "scan_ok": scan_ok,
        "sent_last_day": Reminder.objects.filter(status=Reminder.Status.SENT, sent_at__gte=day_ago).count(),
        "failed_last_day": Reminder.objects.filter(
            Q(status=Reminder.Status.FAILED) | Q(status=Reminder.Status.PENDING, attempts__gt=0),
            created_at__gte=day_ago,
        ).count(),
        "pending_overdue": Reminder.objects.deliverable(stuck_before).count(),
        "queue_reachable": queue_ok,
        "queue_error": queue_error,
    }


def broker_reachable() -> tuple[bool, str]:
    from tracker.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001 - any broker error means "not reachable"
        return False, f"{type(exc).__name__}: {exc}"[:300]
    return True, ""


# ---------------------------------------------------------------------------
# Reply letters imported from files (答复函档案)
# ---------------------------------------------------------------------------


def letter_path(instance: LetterImportFile, filename: str) -> str:
    """Stored under a random name: the original name is kept in the row, never trusted as a path."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"letters/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class LetterImport(models.Model):
    """One upload of reply letters. Its files are kept while staff read the preview; nothing
    reaches the archive until they confirm, and a discarded upload is kept, marked so."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("awaiting confirmation")
        APPLIED = "applied", _("imported")
        DISCARDED = "discarded", _("discarded")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed or discarded by"),
    )
    decided_at = models.DateTimeField(_("confirmed or discarded at"), null=True, blank=True)
    imported_count = models.PositiveIntegerField(_("letters imported"), default=0)

    class Meta:
        verbose_name = _("letter import")
        verbose_name_plural = _("letter imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["previewed", "applied", "discarded"]),
                name="responses_letterimport_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("responses:letter_import", args=[self.pk])


class LetterImportFile(models.Model):
    """One uploaded file of an import, as received."""

    batch = models.ForeignKey(LetterImport, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(_("file"), upload_to=letter_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        verbose_name = _("uploaded letter file")
        verbose_name_plural = _("uploaded letter files")
        ordering = ["original_name", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ArchivedLetterQuerySet(models.QuerySet["ArchivedLetter"]):
    def visible_to(self, user: User) -> ArchivedLetterQuerySet:
        """Staff see the archive; a department sees the letters of suggestions assigned to it."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_congress_staff:
            return self
        if user.is_department_user:
            return self.filter(
                Q(department_id=user.department_id)
                | Q(proposal__assignments__department_id=user.department_id)
            ).distinct()
        return self.none()


class ArchivedLetter(models.Model):
    """A reply letter read from a file (答复函档案): its text, the fields found in it, and the
    suggestion, department and reply it was matched to. One row per letter: the same file,
    or the same letter saved again, is recognised and not imported twice."""

    source = models.OneToOneField(
        LetterImportFile, on_delete=models.PROTECT, related_name="letter", verbose_name=_("file")
    )
    fingerprint = models.CharField(
        _("fingerprint"),
        max_length=64,
        unique=True,
        help_text=_("SHA-256 of the fields read from the letter."),
    )
    number = models.CharField(_("suggestion number"), max_length=30, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    letter_date = models.DateField(_("letter date"), null=True, blank=True)
    signed_by = models.CharField(_("signed by"), max_length=200, blank=True)
    grade = models.CharField(_("grade"), max_length=1, blank=True)
    fields = models.JSONField(_("fields read from the letter"))
    text = models.TextField(_("text"))
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="archived_letters",
        verbose_name=_("suggestion"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="archived_letters",
        verbose_name=_("replying department"),
    )
    reply = models.ForeignKey(
        "Reply",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="archived_letters",
        verbose_name=_("reply in the tracker"),
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("imported by")
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    objects = ArchivedLetterQuerySet.as_manager()

    class Meta:
        verbose_name = _("archived reply letter")
        verbose_name_plural = _("archived reply letters")
        ordering = ["-letter_date", "number", "pk"]

    def __str__(self) -> str:
        return f"{self.number or '—'} {self.signed_by}"

    def get_absolute_url(self) -> str:
        return reverse("responses:archived_letter", args=[self.pk])
