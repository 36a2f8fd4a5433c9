"""The periodic scan: claim every reminder stage that has come due, exactly once.

It loops, taking one batch of due obligations per short transaction with
``SELECT … FOR UPDATE SKIP LOCKED`` so that overlapping scans never block or
double-handle, records the stage's reminders (the insert is the claim: a unique key
makes a second one impossible) and queues their delivery once committed.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext

from proposals.models import Assignment, ProposalEvent
from responses import notices
from responses.models import Obligation, Reminder, ScanRun
from responses.models.reminders import Claim, Recorded
from responses.reminders import delivery
from responses.reminders.audience import Audience
from tracker import outbox
from tracker.models import User
from tracker.workflow import Conflict, InvalidTransition, stale_message

logger = logging.getLogger(__name__)


def run_scan(*, today: date | None = None, batch: int = 200, max_batches: int | None = None) -> ScanRun:
    """Claim every due reminder stage, one locked batch per short transaction, then
    re-queue deliveries that a lost worker or broker left pending, and drain the outbox."""
    today = today or timezone.localdate()
    scan = ScanRun.objects.create()
    audience = Audience()
    batches = 0
    handled: set[int] = set()
    # (recipient, channel) → earliest send_after recorded this run; the rows themselves
    # (tens of thousands on a busy day) are never loaded.
    recorded: dict[tuple[int, str], datetime] = {}
    while max_batches is None or batches < max_batches:
        batches += 1
        due: list[Obligation] = []
        try:
            with transaction.atomic():
                due = _lock_due(today, batch, audience)
                if not due or all(o.pk in handled for o in due):
                    # Every row left was already handled in this run without moving on:
                    # stop rather than spin; the next run starts afresh.
                    if due:
                        logger.error("reminder scan: obligations %s did not move on", [o.pk for o in due])
                    break
                batch_recorded, closed = _handle_due(due, today, audience)
        except Exception:
            if not due:
                raise  # the database itself failed; the task fails and beat tries again
            # One bad row must not stop every reminder behind it: redo the batch row by
            # row, skip (and log) the rows that fail, and let the next scan try them again.
            logger.exception("reminder scan: a batch failed; retrying its rows one by one")
            batch_recorded, closed = {}, 0
            for pk in [o.pk for o in due]:
                try:
                    with transaction.atomic():
                        one = _lock_due(today, 1, audience, pk=pk)
                        if one:
                            more, more_closed = _handle_due(one, today, audience)
                            _merge(batch_recorded, more)
                            closed += more_closed
                except Exception:
                    logger.exception("reminder scan: obligation %s failed", pk)
        handled.update(o.pk for o in due)
        for pair, (earliest, _count) in batch_recorded.items():
            recorded[pair] = min(earliest, recorded.get(pair, earliest))
        scan.obligations += len(due)
        scan.reminders += sum(count for _earliest, count in batch_recorded.values())
        scan.rounds_closed += closed
    # Queued once every batch is committed: one digest per person per scan.
    delivery.enqueue_on_commit(recorded)
    now = timezone.now()
    # Handover notices too: those a lost worker or broker left, and email and SMS held
    # for quiet hours whose time has come.
    scan.redispatched = redispatch_stale(now) + notices.redispatch_stale(now)
    # Whatever the broker refused since the last drain goes out now rather than in up to
    # 30 s, and the scan still drains when beat's outbox task is not scheduled.
    drained = outbox.drain()
    scan.finished_at = timezone.now()
    scan.save()
    logger.info(
        "reminder scan: %s deadlines, %s reminders recorded, %s deliveries re-queued, %s rounds closed, "
        "%s waiting tasks published",
        scan.obligations,
        scan.reminders,
        scan.redispatched,
        scan.rounds_closed,
        drained,
    )
    return scan


def _lock_due(today: date, limit: int, audience: Audience, *, pk: int | None = None) -> list[Obligation]:
    """Lock up to ``limit`` due obligations that no other scan holds (SKIP LOCKED).

    Joined in the locking query: only the suggestion and the assignment (the source of
    nearly every due row). Congresses and supervisors come from the scan's Audience
    (looked up once per scan), and what only some rows need (the deputy of a feedback
    window, a reply or commitment source) with one query per kind when the batch has
    such rows: the former eight-table join cost more to plan (18 ms a batch) than to run.
    """
    queryset = Obligation.objects.due(today)
    if pk is not None:
        queryset = queryset.filter(pk=pk)
    due = list(
        queryset.select_related("proposal", "assignment")
        .order_by("next_remind_on", "pk")
        .select_for_update(skip_locked=True, of=("self",))[:limit]
    )
    audience.attach([o.proposal for o in due])
    feedback = [o.proposal for o in due if o.kind == Obligation.Kind.FEEDBACK]
    prefetch_related_objects(feedback, "lead_deputy__user__delegate")
    prefetch_related_objects([o for o in due if o.reply_id], "reply__assignment__proposal")
    prefetch_related_objects([o for o in due if o.commitment_id], "commitment__reply")
    prefetch_related_objects([o for o in due if o.action_id], "action__theme__supervisor__delegate")
    return due


def _merge(into: Recorded, more: Recorded) -> None:
    for pair, (earliest, count) in more.items():
        before, counted = into.get(pair, (earliest, 0))
        into[pair] = (min(before, earliest), counted + count)


def _handle_due(due: list[Obligation], today: date, audience: Audience) -> tuple[Recorded, int]:
    """Record the reminders of locked due obligations; returns, per person and channel,
    the earliest send time and how many were recorded, and the rounds closed."""
    claimed: list[tuple[Obligation, Claim]] = []
    closed = 0
    now = timezone.now()
    audience.preload(o.department_id for o in due)
    for obligation in due:
        if not obligation.still_applies(obligation.version):
            Obligation.objects.sync(obligation.source, today=today)
            continue
        if (
            obligation.kind == Obligation.Kind.FEEDBACK
            and obligation.days_left(today) < 0
            and obligation.proposal.congress.silence_closes_round
        ):
            # Without waiting: this scan holds reminder rows that a request holding the
            # suggestion may be about to update. A suggestion busy now is taken next scan.
            assert obligation.reply is not None  # a feedback obligation follows a reply
            if obligation.reply.lapse_feedback_window(today=today, wait=False):
                closed += 1
            continue
        claimed.append((obligation, obligation.claim(today, audience=audience, now=now)))
    recorded = Reminder.objects.record(claimed, now=now)
    Obligation.objects.save_stages(obligation for obligation, _claim in claimed)
    return recorded, closed


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
    # A delivery still waiting in the outbox (the broker has been down) is not queued again.
    waiting = outbox.pending_args(delivery.DELIVER_TASK)
    fresh = [pair for pair in pairs if pair not in waiting]
    outbox.enqueue_many(delivery.DELIVER_TASK, fresh)
    return len(fresh)


def remind_now(assignment: Assignment, *, by: User, expected_stage: int | None = None) -> int:
    """Staff send the next reminder stage of an open assignment now (立即催办); it counts as
    that stage, so the scan will not send it again.

    ``expected_stage`` is the stage the page offered. Pressed twice, or by two people at
    once, the second press finds the stage already taken and is refused with Conflict
    instead of sending the stage after it too."""
    assignment.workflow.check(assignment, "remind", by)
    obligation = Obligation.objects.main_for(assignment)
    if obligation is None:
        raise InvalidTransition(gettext("This assignment has no open deadline to remind."))
    today = timezone.localdate()
    with transaction.atomic():
        locked = (
            Obligation.objects.select_for_update(of=("self",))
            .select_related("proposal__congress")
            .get(pk=obligation.pk)
        )
        if not locked.is_open or (expected_stage is not None and locked.next_stage != expected_stage):
            raise Conflict(stale_message(assignment))
        now = timezone.now()
        rows = locked.claim(today, audience=Audience(), force=True, now=now).reminders(locked, now=now, by=by)
        if not rows:
            raise InvalidTransition(gettext("Nobody can be reminded: the department has no active accounts."))
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
        locked.save(update_fields=["last_stage", "next_stage", "next_remind_on"])
        ProposalEvent.record(
            ProposalEvent.Kind.REMINDED,
            assignment=assignment,
            by=by,
            obligation=locked.kind,
            stage=rows[0].stage,
            recipients=sorted({str(u) for u in User.objects.filter(pk__in={r.recipient_id for r in rows})}),
        )
        delivery.enqueue_deliveries_on_commit(rows)
    return len(rows)
