"""Celery tasks: thin wrappers that take ids and call model methods."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from responses import notices
from responses.letter_import import expire_uploads
from responses.reminders.delivery import deliver
from responses.reminders.scan import run_scan


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_due_reminders() -> int:
    """The periodic scan (beat): claim every reminder stage that is due and queue delivery."""
    return run_scan(batch=settings.REMINDER_SCAN_BATCH).reminders


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_reminders(recipient_id: int, channel: str) -> int:
    """Send one person's pending reminders on one channel, as one digest. Idempotent (the
    outbox may publish it twice): a second run finds nothing pending and sends nothing."""
    return deliver(recipient_id, channel)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_notices(recipient_id: int, channel: str) -> int:
    """Send one person's pending handover notices on one channel, as one digest.
    Idempotent, as deliver_reminders is."""
    return notices.deliver(recipient_id, channel)


@shared_task
def expire_staged_uploads() -> int:
    """Delete the staged files of imports never confirmed (beat, hourly); the rows stay."""
    return expire_uploads()
