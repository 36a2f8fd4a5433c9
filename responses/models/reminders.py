"""The reminder ledger: one row per reminder sent or to send, and the scans' record."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.models import Channel, Notification
from tracker.notices import next_send_time  # noqa: F401 - re-exported (responses.models)
from tracker.stages import stage_label


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
        "responses.Obligation",
        on_delete=models.PROTECT,
        related_name="reminders",
        verbose_name=_("obligation"),
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
        return stage_label(self.stage)


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
