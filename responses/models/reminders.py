"""The reminder ledger: one row per reminder sent or to send, and the scans' record."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.models import Channel, Notification
from tracker.notices import next_send_time  # noqa: F401 - re-exported (responses.models)
from tracker.stages import stage_label

if TYPE_CHECKING:
    from responses.models.obligations import Obligation
    from tracker.models import User


class ReminderRow(NamedTuple):
    """One reminder of a stage before it is stored: who, as what, on which channel, from when."""

    recipient_id: int
    on_behalf_of_id: int | None
    audience: str
    channel: str
    send_after: datetime


class Claim(NamedTuple):
    """What ``Obligation.claim`` took: the stage reached and who hears about it.

    ``rows`` is shared between the obligations of a scan batch with the same audience (the
    same unit and stage), so that a batch's reminders are built once per audience and
    inserted with one statement (``ReminderQuerySet.record``).
    """

    stage: int | None
    rows: tuple[ReminderRow, ...]

    def reminders(self, obligation: Obligation, *, now: datetime, by: User | None = None) -> list[Reminder]:
        """The rows as unsaved Reminder instances (staff's "remind now", and SQLite)."""
        if self.stage is None:
            return []
        return [
            Reminder(
                obligation=obligation,
                version=obligation.version,
                stage=self.stage,
                due_on=obligation.due_on,
                recipient_id=row.recipient_id,
                on_behalf_of_id=row.on_behalf_of_id,
                audience=row.audience,
                channel=row.channel,
                send_after=row.send_after,
                created_at=now,
                requested_by=by,
            )
            for row in self.rows
        ]


# (recipient id, channel) → (earliest send_after, reminders recorded) of one insert.
Recorded = dict[tuple[int, str], tuple[datetime, int]]

_RECORD_SQL = """
WITH claimed AS (
    SELECT * FROM json_to_recordset(%s::json) AS c (
        obligation_id bigint, version integer, stage smallint, due_on date, audience_key integer, n integer
    )
), people AS (
    SELECT * FROM json_to_recordset(%s::json) AS p (
        audience_key integer, recipient_id bigint, on_behalf_of_id bigint, audience varchar,
        channel varchar, send_after timestamptz, n integer
    )
), inserted AS (
    INSERT INTO responses_reminder (
        obligation_id, version, stage, due_on, recipient_id, on_behalf_of_id, audience, channel,
        status, send_after, created_at, attempts, last_error
    )
    SELECT c.obligation_id, c.version, c.stage, c.due_on, p.recipient_id, p.on_behalf_of_id,
           p.audience, p.channel, %s, p.send_after, %s, 0, ''
    FROM claimed c JOIN people p USING (audience_key)
    ORDER BY c.n, p.n
    ON CONFLICT (obligation_id, version, stage, recipient_id, channel) DO NOTHING
    RETURNING recipient_id, channel, send_after
)
SELECT recipient_id, channel, min(send_after), count(*) FROM inserted GROUP BY recipient_id, channel
"""


class ReminderQuerySet(models.QuerySet["Reminder"]):
    def pending(self) -> ReminderQuerySet:
        return self.filter(status=Reminder.Status.PENDING)

    def deliverable(self, now: datetime) -> ReminderQuerySet:
        return self.filter(status=Reminder.Status.PENDING, send_after__lte=now)

    def record(self, claims: Sequence[tuple[Obligation, Claim]], *, now: datetime) -> Recorded:
        """Store the reminders of claimed stages; a reminder already stored (the unique
        key ``responses_reminder_once``) is left as it is, so the key stays the claim.

        On PostgreSQL one ``INSERT … SELECT`` for the whole batch: the obligations and
        the distinct audiences go in as arrays and are joined in the database, so a scan
        of 10,000 due deadlines builds no Reminder objects (bench/bench_reminder_scan.py).
        Returns, per person and channel, the earliest time something recorded may be
        sent and how many reminders were recorded.
        """
        if not claims:
            return {}
        if connection.vendor != "postgresql":
            return self._record_objects(claims, now=now)
        # Each distinct audience once, numbered; each obligation names its audience's
        # number. JSON rather than arrays: one string to pass instead of an element each.
        keys: dict[tuple[ReminderRow, ...], int] = {}
        claimed: list[dict[str, object]] = []
        for obligation, claim in claims:
            if claim.rows:
                key = keys.setdefault(claim.rows, len(keys))
                claimed.append(
                    {
                        "obligation_id": obligation.pk,
                        "version": obligation.version,
                        "stage": claim.stage,
                        "due_on": obligation.due_on.isoformat(),
                        "audience_key": key,
                        "n": len(claimed),
                    }
                )
        if not claimed:
            return {}
        people = [
            {
                "audience_key": key,
                "recipient_id": row.recipient_id,
                "on_behalf_of_id": row.on_behalf_of_id,
                "audience": row.audience,
                "channel": row.channel,
                "send_after": row.send_after.isoformat(),
                "n": n,
            }
            for rows, key in keys.items()
            for n, row in enumerate(rows)
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                _RECORD_SQL, [json.dumps(claimed), json.dumps(people), Reminder.Status.PENDING, now]
            )
            return {(recipient, channel): (earliest, count) for recipient, channel, earliest, count in cursor}

    def _record_objects(self, claims: Sequence[tuple[Obligation, Claim]], *, now: datetime) -> Recorded:
        """Elsewhere than PostgreSQL: Reminder objects, leaving out those already stored
        (read first, so that the count is of what this call recorded)."""
        reminders = [r for obligation, claim in claims for r in claim.reminders(obligation, now=now)]
        stored = set(
            self.filter(obligation__in=[o for o, _claim in claims]).values_list(
                "obligation_id", "version", "stage", "recipient_id", "channel"
            )
        )
        reminders = [
            r
            for r in reminders
            if (r.obligation_id, r.version, r.stage, r.recipient_id, r.channel) not in stored
        ]
        self.bulk_create(reminders, ignore_conflicts=True, batch_size=1000)
        recorded: Recorded = {}
        for r in reminders:
            key = (r.recipient_id, r.channel)
            earliest, count = recorded.get(key, (r.send_after, 0))
            recorded[key] = (min(earliest, r.send_after), count + 1)
        return recorded


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
        # responses_reminder_once starts with it: a second index only slowed the scan's insert.
        db_index=False,
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
        db_index=False,  # nothing looks reminders up by it; users are never deleted
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
