"""Commitments (承诺事项) of sent replies, their progress reports, evidence and comments."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from proposals.models import Department, Proposal, ProposalEvent, Rule
from responses.evidence import check_evidence
from responses.models.replies import Reply
from tracker.appendonly import AppendOnlyModel, AppendOnlyQuerySet
from tracker.validators import refuse_future
from tracker.workflow import (
    STAFF,
    SYSTEM,
    InvalidTransition,
    Transition,
    Who,
    Workflow,
    deadlines_changed,
    guarded_update,
    unit,
    unit_leader,
)

if TYPE_CHECKING:
    from tracker.models import User


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
        late = Q(status__in=Commitment.TO_KEEP, due_on__lt=today)
        return self.annotate(
            late=models.Case(models.When(late, then=0), default=1, output_field=models.IntegerField())
        ).order_by("late", "due_on", "pk")

    def summary_by_department(self, today: date) -> list[dict[str, object]]:
        """Per department: open, overdue, kept on time, kept late, not kept (one query)."""
        S = Commitment.Status
        open_ = Q(status__in=Commitment.TO_KEEP)
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


UNIT = unit(
    "the responsible department",
    lambda c: c.department_id,
    lambda c: gettext("Only %(department)s reports on this promise.") % {"department": c.department},
)
UNIT_LEADER = unit_leader(
    "a leader of the responsible department",
    lambda c: c.department_id,
    lambda c: gettext("Only congress staff or the department's leader can close a promise."),
)
DEPUTY = Who(
    "a deputy of the suggestion",
    lambda user, commitment: commitment.proposal.deputy_of(user) is not None,
    lambda c: gettext("Only the suggestion's deputies can comment on its promises."),
)


def _made(commitment: Commitment, user: User | None, today: date) -> str | None:
    """The reply is sent (the promise is made)."""
    if commitment.reply.status != Reply.Status.SENT:
        return gettext("This promise has not been made yet.")
    return None


def _draft_only(commitment: Commitment, user: User | None, today: date) -> str | None:
    """The reply is still a draft."""
    if not commitment.reply.is_editable:
        return gettext("Commitments of a submitted or sent reply cannot be removed.")
    return None


class Commitment(models.Model):
    """A concrete promise in a reply (承诺事项), tracked until it is kept."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLAIMED = "claimed", _("reported fulfilled, awaiting confirmation")
        FULFILLED = "fulfilled", _("fulfilled")
        NOT_FULFILLED = "not_fulfilled", _("closed, not fulfilled")
        REMOVED = "removed", _("removed from the draft")

    # Promises still to keep: open, or reported kept and awaiting staff's confirmation.
    TO_KEEP = (Status.OPEN, Status.CLAIMED)

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

    @property
    def proposal(self) -> Proposal:
        return self.reply.assignment.proposal

    @property
    def is_made(self) -> bool:
        """The reply carrying this promise has been sent: the promise runs from then."""
        return self.reply.status == Reply.Status.SENT

    @property
    def is_running(self) -> bool:
        """Open and made: the countdown to its due date is shown and reminders go out."""
        return self.status == self.Status.OPEN and self.is_made

    @property
    def shown_status(self) -> str:
        """The status as readers see it: an open promise of an unsent reply is "to be sent"."""
        if self.status == self.Status.OPEN and not self.is_made:
            return "pending"
        return self.status

    def get_shown_status_display(self) -> str:
        if self.shown_status == "pending":
            return gettext("to be sent with the reply")
        return str(self.get_status_display())

    @property
    def kept_on_time(self) -> bool | None:
        if self.status != self.Status.FULFILLED or self.fulfilled_on is None:
            return None
        return self.fulfilled_on <= self.due_on

    # -- the workflow ---------------------------------------------------------

    workflow = Workflow(
        (
            Transition("report", frozenset({Status.OPEN}), None, (UNIT,), guards=(_made,)),
            Transition("claim", frozenset({Status.OPEN}), Status.CLAIMED, (UNIT,), guards=(_made,)),
            Transition("confirm", frozenset({Status.CLAIMED}), Status.FULFILLED, (STAFF,), guards=(_made,)),
            Transition("reject", frozenset({Status.CLAIMED}), Status.OPEN, (STAFF,), guards=(_made,)),
            Transition(
                "close",
                frozenset({Status.OPEN, Status.CLAIMED}),
                Status.NOT_FULFILLED,
                (STAFF, UNIT_LEADER),
                guards=(_made,),
            ),
            Transition(
                "comment",
                frozenset({Status.OPEN, Status.CLAIMED, Status.FULFILLED, Status.NOT_FULFILLED}),
                None,
                (DEPUTY,),
                guards=(_made,),
            ),
            Transition(
                "remove",
                frozenset({Status.OPEN}),
                Status.REMOVED,
                (SYSTEM,),
                guards=(_draft_only,),
            ),
        ),
        not_now=lambda c: (
            gettext("This promise is %(status)s; that step is not possible now.")
            % {"status": c.get_status_display()}
        ),
    )

    def actions(self, user: User, *, today: date | None = None) -> frozenset[str]:
        """What ``user`` may do on this promise now (report, claim, confirm, reject, close, comment)."""
        return self.workflow.allowed(self, user, today=today)

    # -- transitions ----------------------------------------------------------

    def remove_from_draft(self) -> None:
        """Take a promise out of a draft letter; the row stays on record, marked removed
        (the draft's own save is the user's action, checked by Reply.lock_for_edit)."""
        transition = self.workflow.check(self, "remove", None)
        guarded_update(self, transition, expected=self.status)

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
        transition = self.workflow.check(self, "report", by)
        files = self._checked(files)
        refuse_future(reported_on, ProgressReport._meta.get_field("reported_on").verbose_name)
        if not summary.strip():
            raise InvalidTransition(gettext("Say what was done."))
        if percent is not None and not 0 <= percent <= 100:
            raise InvalidTransition(gettext("The share done is a percentage from 0 to 100."))
        congress = self.reply.assignment.proposal.congress
        with transaction.atomic():
            self.reply.assignment._lock_proposal()
            guarded_update(
                self,
                transition,
                expected=self.status,
                fields={"report_due_on": congress.deadline(Rule.PROGRESS_REPORT, reported_on).due_on},
            )
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
            self._event(
                ProposalEvent.Kind.PROGRESS_REPORTED,
                by=by,
                reason=summary,
                percent=percent,
                milestone=milestone or None,
                reported_on=reported_on,
            )
            deadlines_changed(self)
        return report

    def claim_fulfilled(
        self, *, by: User, fulfilled_on: date, summary: str, files: Iterable[UploadedFile]
    ) -> ProgressReport:
        """The department reports the promise kept, with evidence; staff then confirm or reject."""
        self.workflow.check(self, "claim", by)
        files = self._checked(files)
        refuse_future(fulfilled_on, Commitment._meta.get_field("fulfilled_on").verbose_name)
        if not files:
            raise InvalidTransition(gettext("Attach the evidence that the promise was kept."))
        if not summary.strip():
            raise InvalidTransition(gettext("Say how the promise was kept."))
        with transaction.atomic():
            self._transit(
                "claim",
                by=by,
                kind=ProposalEvent.Kind.COMMITMENT_CLAIMED,
                reason=summary,
                fields={"fulfilled_on": fulfilled_on},
                fulfilled_on=fulfilled_on,
            )
            return ProgressReport.create_with_evidence(
                self,
                files,
                kind=ProgressReport.Kind.FULFILMENT,
                reported_on=fulfilled_on,
                summary=summary,
                percent=100,
                created_by=by,
            )

    def confirm(self, *, by: User) -> None:
        """Staff accept the evidence: the promise counts as kept."""
        self._transit(
            "confirm",
            by=by,
            kind=ProposalEvent.Kind.COMMITMENT_CONFIRMED,
            fields={"confirmed_by": by, "confirmed_at": timezone.now()},
        )

    def reject(self, *, by: User, reason: str) -> None:
        """Staff send a fulfilment claim back: the promise is open again, the reason kept."""
        self.workflow.check(self, "reject", by)
        if not reason.strip():
            raise InvalidTransition(gettext("Say why the evidence is not enough."))
        self._transit(
            "reject",
            by=by,
            kind=ProposalEvent.Kind.COMMITMENT_REJECTED,
            reason=reason,
            fields={"fulfilled_on": None},
        )

    def close_not_fulfilled(self, *, by: User, reason: str) -> None:
        """A promise that cannot be kept is closed as not fulfilled, with a reason the deputy sees."""
        self.workflow.check(self, "close", by)
        if not reason.strip():
            raise InvalidTransition(gettext("Say why the promise cannot be kept; the deputy will read it."))
        self._transit(
            "close",
            by=by,
            kind=ProposalEvent.Kind.COMMITMENT_NOT_FULFILLED,
            reason=reason,
            fields={"closed_reason": reason, "fulfilled_on": None},
        )

    def add_comment(self, *, by: User, body: str) -> CommitmentComment:
        """A deputy of the suggestion comments on a promise made to them."""
        self.workflow.check(self, "comment", by)
        if not body.strip():
            raise InvalidTransition(gettext("The comment is empty."))
        return CommitmentComment.objects.create(commitment=self, author=by, body=body)

    def _transit(
        self,
        name: str,
        *,
        by: User,
        kind: str,
        reason: str = "",
        fields: dict[str, object] | None = None,
        **data: object,
    ) -> None:
        transition = self.workflow.check(self, name, by)
        expected = self.status
        with transaction.atomic():
            self.reply.assignment._lock_proposal()
            guarded_update(self, transition, expected=expected, fields=fields)
            self._event(kind, by=by, reason=reason, from_status=expected, to_status=self.status, **data)
            deadlines_changed(self)

    def _event(
        self,
        kind: str,
        *,
        by: User,
        reason: str = "",
        from_status: str = "",
        to_status: str = "",
        **data: Any,
    ) -> None:
        ProposalEvent.record(
            kind,
            assignment=self.reply.assignment,
            department_id=self.department_id,
            by=by,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            commitment=self.pk,
            description=self.description[:200],
            **data,
        )

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


class ProgressReport(AppendOnlyModel):
    """A department's report on a commitment (落实情况): what was done, how far, with evidence.
    Append-only (tracker.appendonly): a report is never changed or removed once made."""

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

    objects = AppendOnlyQuerySet.as_manager()

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


class CommitmentComment(AppendOnlyModel):
    """A deputy's comment on a promise made to them. Append-only (tracker.appendonly)."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="comments", verbose_name=_("commitment")
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment on a commitment")
        verbose_name_plural = _("comments on commitments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:40]
