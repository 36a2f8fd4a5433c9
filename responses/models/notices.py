"""The notice ledger: one row per handover notice to one person on one channel.

A handover (assigned, reply submitted, reply sent, …) is a ProposalEvent; a step of an
online submission before it has a number (co-signers invited, a co-signer's answer,
submitted, accepted, returned, withdrawn) is a SubmissionEvent. A notice is of exactly
one of the two (a check constraint); the tables in responses/notices.py say who hears of
each kind. Its rows are written in the event's transaction and delivered as reminders
are (responses.notices.deliver): the unique key (event or submission event, recipient,
channel) is the claim, delivery marks a row sent with a compare-and-set, and email and
SMS wait for working hours.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.models import Channel, Notification


class NoticeQuerySet(models.QuerySet["Notice"]):
    def pending(self) -> NoticeQuerySet:
        return self.filter(status=Notice.Status.PENDING)

    def deliverable(self, now: object) -> NoticeQuerySet:
        return self.filter(status=Notice.Status.PENDING, send_after__lte=now)


class Notice(models.Model):
    """One notice of one suggestion event to one person on one channel."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    class Audience(models.TextChoices):
        CLERK = "clerk", _("department clerk")
        LEADER = "leader", _("department leader")
        STAFF = "staff", _("congress staff")
        DEPUTY = "deputy", _("deputy")
        DRAFTER = "drafter", _("drafter of the reply")

    event = models.ForeignKey(
        "proposals.ProposalEvent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("event"),
    )
    submission_event = models.ForeignKey(
        "proposals.SubmissionEvent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("online submission event"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="notices",
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
    audience = models.CharField(_("told as"), max_length=12, choices=Audience.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # Where the notice leads (the reply itself for a deputy told of a sent reply).
    url = models.CharField(_("link"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    send_after = models.DateTimeField(_("not before"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    notification = models.OneToOneField(
        Notification, on_delete=models.PROTECT, null=True, blank=True, related_name="notice"
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient", "channel"], name="responses_notice_once"),
            models.UniqueConstraint(
                fields=["submission_event", "recipient", "channel"],
                condition=Q(submission_event__isnull=False),
                name="responses_notice_submission_once",
            ),
            models.CheckConstraint(
                condition=Q(event__isnull=False, submission_event__isnull=True)
                | Q(event__isnull=True, submission_event__isnull=False),
                name="responses_notice_one_event",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "failed"]), name="responses_notice_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["inbox", "email", "sms"]), name="responses_notice_channel_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="responses_notice_sent_has_time"
            ),
        ]
        indexes = [
            # Delivery and the scan's re-dispatch: pending notices per recipient and channel.
            models.Index(
                fields=["recipient", "channel", "send_after"],
                condition=Q(status="pending"),
                name="notice_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.recipient} ({self.get_channel_display()})"

    @property
    def source(self) -> models.Model | None:
        """The event the notice tells of: a suggestion's or an online submission's."""
        return self.event if self.event_id is not None else self.submission_event
