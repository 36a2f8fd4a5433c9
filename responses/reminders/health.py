"""What an operator checks: the last scan, the last day's sends and failures, reminders
stuck in the queue, and whether the broker answers."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from responses.models import Reminder, ScanRun
from tracker import outbox


def health(now: datetime | None = None) -> dict[str, object]:
    """What an operator checks: the last finished scan, the last day's sends and failures,
    reminders stuck in the queue, and whether the broker answers."""
    now = now or timezone.now()
    last = ScanRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()
    day_ago = now - timedelta(days=1)
    finished_at = last.finished_at if last else None
    age = (now - finished_at).total_seconds() if finished_at else None
    stuck_before = now - timedelta(seconds=settings.REMINDER_REDISPATCH_AFTER * 5)
    queue_ok, queue_error = broker_reachable()
    scan_ok = age is not None and age <= settings.REMINDER_SCAN_STALE_AFTER
    return {
        "ok": scan_ok and queue_ok,
        "last_scan_at": finished_at.isoformat() if finished_at else None,
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


def broker_reachable(timeout: float = 0.5) -> tuple[bool, str]:
    """Whether the broker answers: one connection attempt, no retry, each step giving up
    after ``timeout`` seconds, so a stalled Redis costs the staff page and /health/ about
    a second at most (connect and one command) instead of holding them."""
    try:
        with outbox.broker_connection(timeout) as connection:
            connection.ensure_connection(max_retries=0)
    except Exception as exc:  # noqa: BLE001 - any broker error means "not reachable"
        return False, f"{type(exc).__name__}: {exc}"[:300]
    return True, ""
