"""Sending reminders: one digest per person and channel, exactly once.

A delivery locks the person's pending reminders (SKIP LOCKED), re-checks that each still
applies, marks them sent with a compare-and-set and sends in the same transaction, so a
crash before commit leaves them pending for the next scan. That makes a delivery task
safe to run twice for the same person and channel (the second finds nothing pending),
which the outbox relies on: it may publish a message more than once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from responses.models import Reminder
from tracker import outbox
from tracker.notify import send_reminders

logger = logging.getLogger(__name__)

# Named by string: the outbox (tracker) cannot import responses.tasks.
DELIVER_TASK = "responses.tasks.deliver_reminders"


def deliver(recipient_id: int, channel: str, *, limit: int = 200) -> int:
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
            Reminder.objects.deliverable(now)
            .filter(recipient_id=recipient_id, channel=channel)
            .select_related(
                "recipient",
                "obligation__proposal__congress",
                "obligation__department",
                "obligation__assignment",
                "obligation__reply__assignment__proposal",
                "obligation__commitment__reply__assignment__proposal",
                "obligation__action",
            )
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("due_on", "pk")[:limit]
        )
        if not rows:
            return 0
        live = [r for r in rows if r.obligation.still_applies(r.version)]
        stale = [r.pk for r in rows if r not in live]
        if stale:
            Reminder.objects.filter(pk__in=stale, status=Reminder.Status.PENDING).update(
                status=Reminder.Status.SKIPPED, sent_at=None, last_error=""
            )
        if not live:
            return 0
        ids = [r.pk for r in live]
        savepoint = transaction.savepoint()
        claimed = Reminder.objects.filter(pk__in=ids, status=Reminder.Status.PENDING).update(
            status=Reminder.Status.SENT, sent_at=now, attempts=models.F("attempts") + 1
        )
        if claimed != len(ids):
            # Another deliverer got here first (possible only without row locks, on SQLite).
            transaction.savepoint_rollback(savepoint)
            return 0
        try:
            send_reminders(live[0].recipient, channel, live)
        except Exception as exc:  # noqa: BLE001 - any channel failure is recorded, then retried
            transaction.savepoint_rollback(savepoint)
            _record_failure(ids, exc, now)
            return 0
        transaction.savepoint_commit(savepoint)
    if len(rows) == limit:
        enqueue_delivery(recipient_id, channel)
    return len(live)


def _record_failure(ids: list[int], exc: Exception, now: datetime) -> None:
    attempts = Reminder.objects.filter(pk__in=ids).values_list("attempts", flat=True).first() or 0
    give_up = attempts + 1 >= settings.REMINDER_MAX_ATTEMPTS
    retry_at = now + timedelta(minutes=5 * 2**attempts)
    logger.warning("reminder delivery failed for %s: %s", ids, exc)
    Reminder.objects.filter(pk__in=ids, status=Reminder.Status.PENDING).update(
        status=Reminder.Status.FAILED if give_up else Reminder.Status.PENDING,
        attempts=models.F("attempts") + 1,
        last_error=f"{type(exc).__name__}: {exc}"[:1000],
        send_after=retry_at,
    )


def enqueue_deliveries_on_commit(rows: Iterable[Reminder]) -> None:
    """Queue delivery of what may go out now; email and SMS held for quiet hours are
    queued by a later scan once their time comes (redispatch_stale)."""
    earliest: dict[tuple[int, str], datetime] = {}
    note_earliest(earliest, rows)
    enqueue_on_commit(earliest)


def note_earliest(earliest: dict[tuple[int, str], datetime], rows: Iterable[Reminder]) -> None:
    """Per (recipient, channel), the earliest time any of the rows may be sent."""
    for r in rows:
        key = (r.recipient_id, r.channel)
        earliest[key] = min(r.send_after, earliest.get(key, r.send_after))


def enqueue_on_commit(earliest: dict[tuple[int, str], datetime]) -> None:
    """Queue one delivery per (recipient, channel) that may go out now, in the caller's
    transaction; they reach the broker together once it commits (tracker/outbox.py)."""
    now = timezone.now()
    pairs = sorted(pair for pair, send_after in earliest.items() if send_after <= now)
    outbox.enqueue_many(DELIVER_TASK, pairs)


def enqueue_delivery(recipient_id: int, channel: str) -> None:
    """Queue one delivery through the outbox. Queueing it twice is harmless: the second
    delivery finds the reminders already marked sent (compare-and-set) and sends nothing."""
    outbox.enqueue(DELIVER_TASK, recipient_id, channel)
