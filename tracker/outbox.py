"""The outbox: work for the Celery worker is written to the database first, in the
transaction that needs it, and handed to the broker after that transaction commits.

A web request never waits on the broker for long and never loses the work when the
broker is down or stalled:

- ``enqueue(task_name, *args)`` writes one ``OutboxMessage`` in the caller's transaction
  (so the message exists exactly when the rows it is about do). Once the transaction
  commits, ONE attempt hands every message it wrote to the broker: one connection with
  short socket and connect timeouts and no retry policy, within
  ``OUTBOX_PUBLISH_BUDGET`` seconds in all, stopping at the first failure.
- ``drain()`` publishes whatever is still unpublished, oldest first: the beat task
  ``tracker.tasks.drain_outbox`` every ``OUTBOX_DRAIN_SECONDS`` and the end of every
  reminder scan. Before that it runs the sweeps registered with ``on_drain`` (the
  suggestion-list import re-queues an import no worker finished: the outbox cannot see
  a message that reached the broker and was lost there, such as a Redis killed with its
  queue, but the import's own state shows the work was never done).

Identical calls of a task listed in OUTBOX_COALESCE_TASKS (the deliveries: one run sends
everything pending for its person and channel) are merged, never dropped:

- within one transaction, ``enqueue`` keeps one row per distinct call (a sheet importing
  100 suggestions for one unit queues one delivery per clerk and channel, not 100). Only
  rows whose savepoint still stands are reused: a rolled-back row is not counted on.
- a publish (after commit, or by the drain) sends one message for identical rows it has
  locked, and marks the others published, ``merged_into`` the one sent, in the same
  transaction; if the broker refuses that message, all of them stay pending. Rows are
  never merged across transactions at enqueue time: a message already on its way could
  run before the later transaction commits and miss its rows.

Drains take a PostgreSQL advisory lock for each batch, so two drains never split a set of
identical rows between them and publish it twice: the second finds the lock taken and
leaves the work to the first. A request publishing its own rows after commit takes no
such lock (it must not wait); SKIP LOCKED keeps it and a drain on disjoint rows.

A message can reach the broker more than once (a process that dies between the publish
and marking the row, a lost queue refilled by a sweep), so every task queued here must
be idempotent. Those of today are: a reminder delivery marks its rows sent with a
compare-and-set under SKIP LOCKED and sends nothing the second time; a suggestion-list
import locks its row and returns at once unless it is still "importing".

Tasks are named by string ("responses.tasks.deliver_reminders"): this module imports
neither proposals nor responses.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from tracker.models import OutboxMessage

if TYPE_CHECKING:
    from kombu import Connection

logger = logging.getLogger(__name__)

__all__ = ["broker_connection", "drain", "enqueue", "enqueue_many", "on_drain", "pending_args", "publish"]


def enqueue(task_name: str, *args: Any) -> OutboxMessage:
    """Queue ``task_name(*args)``: written now, in the caller's transaction, and handed to
    the broker once it commits (or by the drain, if the broker does not answer then)."""
    return enqueue_many(task_name, [args])[0]


def enqueue_many(task_name: str, calls: Iterable[Sequence[Any]]) -> list[OutboxMessage]:
    """Queue one ``task_name`` call per item of ``calls`` (argument lists) in one write;
    outside a transaction they are published together as soon as they are written. For a
    task of OUTBOX_COALESCE_TASKS, a call identical to one already queued in this
    transaction adds no row: its row is returned again."""
    calls = [list(args) for args in calls]
    if not calls:
        return []
    coalesce = task_name in settings.OUTBOX_COALESCE_TASKS
    with transaction.atomic(savepoint=False):
        queued = _queued_in_transaction({_key(task_name, args) for args in calls}) if coalesce else {}
        rows: list[OutboxMessage] = []
        new: list[OutboxMessage] = []
        keyed: dict[str, OutboxMessage] = {}
        for args in calls:
            key = _key(task_name, args)
            row = (queued.get(key) or keyed.get(key)) if coalesce else None
            if row is None:
                row = OutboxMessage(task=task_name, args=args)
                new.append(row)
                if coalesce:
                    keyed[key] = row
            rows.append(row)
        if not new:
            return rows
        # bulk_create sets the keys on these very objects (PostgreSQL, SQLite).
        OutboxMessage.objects.bulk_create(new)
        batch = _open_batch()
        batch.ids.extend(row.pk for row in new)
    transaction.on_commit(_Flush(batch, keyed))
    return rows


def _key(task_name: str, args: Sequence[Any]) -> str:
    """Identical calls have the same key (the arguments as stored: JSON)."""
    return json.dumps([task_name, list(args)], sort_keys=True)


def _queued_in_transaction(keys: set[str]) -> dict[str, OutboxMessage]:
    """Among ``keys``, the rows of merged tasks this transaction queued and still holds,
    not yet published: those of every registration not rolled back with its savepoint
    (Django drops the on_commit callbacks of a savepoint rolled back, and their rows are
    gone with it). A row this transaction already published (a drain run inside it, as a
    reminder scan in a test's transaction does) is not reused: its message may run before
    the rows queued now commit."""
    conn = transaction.get_connection()
    queued: dict[str, OutboxMessage] = {}
    if conn.in_atomic_block:
        for _sids, func, _robust in conn.run_on_commit:
            if isinstance(func, _Flush) and not func.batch.flushed:
                queued.update((key, row) for key, row in func.keyed.items() if key in keys)
    if not queued:
        return queued
    waiting = set(
        OutboxMessage.objects.unpublished()
        .filter(pk__in=[row.pk for row in queued.values()])
        .values_list("pk", flat=True)
    )
    return {key: row for key, row in queued.items() if row.pk in waiting}


@dataclass
class _Batch:
    """The messages one transaction wrote, published together after it commits."""

    ids: list[int] = field(default_factory=list)
    flushed: bool = False


class _Flush:
    """The on_commit callback of a transaction's messages. Every enqueue registers one (so
    a callback rolled back with a savepoint takes only its own registration with it), all
    sharing the transaction's batch: the first to run publishes the whole batch, the
    others find it done. A row rolled back with its savepoint is simply not found.
    ``keyed`` holds this registration's rows of merged tasks, by call."""

    def __init__(self, batch: _Batch, keyed: dict[str, OutboxMessage] | None = None) -> None:
        self.batch = batch
        self.keyed = keyed or {}

    def __call__(self) -> None:
        if self.batch.flushed:
            return
        self.batch.flushed = True
        try:
            publish(self.batch.ids, budget=settings.OUTBOX_PUBLISH_BUDGET)
        except Exception:  # noqa: BLE001 - the rows are committed; the drain publishes them
            logger.exception("outbox: publishing after commit failed; the drain will retry")


def _open_batch() -> _Batch:
    """The batch of the current transaction: the one its earlier enqueues registered, found
    among the transaction's on_commit callbacks (so it is forgotten with them on rollback)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _sids, func, _robust in reversed(connection.run_on_commit):
            if isinstance(func, _Flush) and not func.batch.flushed:
                return func.batch
    return _Batch()


def broker_connection(timeout: float) -> Connection:
    """A broker connection whose every step (connect, each command) gives up after
    ``timeout`` seconds, with no retry: a stalled Redis costs one timeout, not one per
    message and retry. OUTBOX_BROKER_URL overrides the broker (tests point it at a
    stalled server); by default it is the app's."""
    from tracker.celery import app

    return app.connection_for_write(
        url=settings.OUTBOX_BROKER_URL or None,
        transport_options={"socket_timeout": timeout, "socket_connect_timeout": timeout, "max_retries": 0},
    )


def publish(ids: Sequence[int], *, budget: float, timeout: float | None = None) -> int:
    """Hand the still-unpublished messages among ``ids`` to the broker, in the order they
    were written, within ``budget`` seconds; stop at the first broker failure and leave
    the rest for the drain. Identical messages of a merged task (OUTBOX_COALESCE_TASKS)
    go as one: the first is sent, the others are marked published and merged into it.
    Returns how many rows were marked published, merged ones included.

    The rows are locked (SKIP LOCKED) while they are sent, so a drain running at the same
    moment never publishes the same message too. ``timeout`` is each broker step's limit
    (default: half the budget); a message after the first is not started unless that
    much time is left, so a stalled broker costs at most the budget.
    """
    if not ids:
        return 0
    step = timeout if timeout is not None else budget / 2
    with transaction.atomic():
        return _publish_locked(ids, budget=budget, timeout=step)


def _publish_locked(ids: Sequence[int], *, budget: float, timeout: float) -> int:
    """publish(), inside the caller's transaction."""
    rows = list(
        OutboxMessage.objects.unpublished()
        .filter(pk__in=ids)
        .order_by("pk")
        .select_for_update(skip_locked=True)
    )
    if not rows:
        return 0
    return _send(*_merge(rows), budget=budget, timeout=timeout)


def _merge(rows: list[OutboxMessage]) -> tuple[list[OutboxMessage], dict[int, list[int]]]:
    """The rows to send, in order, and for each the ids of the identical rows of a merged
    task that it stands for (the later ones; the first of a set is the one sent)."""
    send: list[OutboxMessage] = []
    first: dict[str, OutboxMessage] = {}
    duplicates: dict[int, list[int]] = {}
    for row in rows:
        if row.task in settings.OUTBOX_COALESCE_TASKS:
            key = _key(row.task, row.args)
            if key in first:
                duplicates[first[key].pk].append(row.pk)
                continue
            first[key] = row
            duplicates[row.pk] = []
        send.append(row)
    return send, duplicates


def _send(
    rows: list[OutboxMessage], duplicates: dict[int, list[int]], *, budget: float, timeout: float
) -> int:
    from tracker.celery import app

    # Tests run tasks in-process (task_always_eager); a task then takes as long as it takes
    # and the budget, which is about the broker, does not apply.
    eager = bool(app.conf.task_always_eager)
    deadline = time.monotonic() + budget
    sent: list[int] = []
    with broker_connection(timeout) as connection:
        for row in rows:
            # The first message is always tried (the process's first connection may spend
            # part of the budget importing the transport); later ones only with time left.
            if sent and not eager and deadline - time.monotonic() < timeout:
                break
            try:
                task = _task(row.task)
            except (ImportError, AttributeError) as exc:
                _record_failure(row, exc)  # a message for no known task: the others still go
                continue
            try:
                task.apply_async(args=row.args, connection=connection, retry=False)
            except Exception as exc:  # noqa: BLE001 - kombu raises several types for a broker outage
                _record_failure(row, exc)
                break
            sent.append(row.pk)
    if not sent:
        return 0
    now = timezone.now()
    OutboxMessage.objects.filter(pk__in=sent).update(published_at=now, attempts=models.F("attempts") + 1)
    merged = 0
    for pk in sent:
        if duplicates.get(pk):
            # The same published_at as the message sent: prune_outbox removes them together.
            merged += OutboxMessage.objects.filter(pk__in=duplicates[pk]).update(
                published_at=now, merged_into=pk
            )
    if merged:
        logger.info("outbox: %s identical messages merged into %s sent", merged, len(sent))
    return len(sent) + merged


def _task(name: str) -> Any:
    """The task registered under ``name``. A task's default name is the dotted path of its
    function, so one that this process has not imported yet is found by importing it."""
    from tracker.celery import app

    task = app.tasks.get(name)
    return task if task is not None else import_string(name)


def _record_failure(row: OutboxMessage, exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"[:1000]
    logger.warning("outbox: could not publish %s (message %s): %s", row.task, row.pk, error)
    OutboxMessage.objects.filter(pk=row.pk).update(attempts=models.F("attempts") + 1, last_error=error)


# -- the drain -----------------------------------------------------------------------

_sweeps: list[Callable[[], object]] = []


def on_drain(sweep: Callable[[], object]) -> None:
    """Run ``sweep`` at the start of every drain (an app's re-queueing of its own stuck
    work, registered at start-up); what it enqueues is published by that drain or the next."""
    if sweep not in _sweeps:
        _sweeps.append(sweep)


def drain(*, batch: int = 500) -> int:
    """Publish every message still unpublished a little while after it was written (the
    request that wrote it tried once; OUTBOX_DRAIN_AFTER keeps the two from overlapping on
    SQLite, where rows cannot be locked), oldest first, within OUTBOX_DRAIN_BUDGET seconds;
    stop at the first broker failure. Returns how many were published."""
    for sweep in list(_sweeps):
        try:
            sweep()
        except Exception:  # noqa: BLE001 - one app's sweep must not stop the drain
            logger.exception("outbox: sweep %r failed", sweep)
    written_before = timezone.now() - timedelta(seconds=settings.OUTBOX_DRAIN_AFTER)
    deadline = time.monotonic() + settings.OUTBOX_DRAIN_BUDGET
    published = 0
    step = settings.OUTBOX_DRAIN_TIMEOUT
    while (remaining := deadline - time.monotonic()) > step:
        with transaction.atomic():
            if not _drain_lock():
                break  # another drain is at work and publishes what is waiting
            ids = list(
                OutboxMessage.objects.unpublished()
                .filter(created_at__lte=written_before)
                .order_by("created_at", "pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            sent = _publish_locked(ids, budget=remaining, timeout=step)
        published += sent
        if sent < len(ids):
            break  # the broker failed, the time ran out, or a request holds the rest
    if published:
        logger.info("outbox: %s messages published by the drain", published)
    return published


# Any fixed number, the same in every process: the drains' advisory lock.
DRAIN_LOCK = 0x6F7574626F78  # "outbox"


def _drain_lock() -> bool:
    """Take the drains' lock until the transaction ends; False if another drain holds it.
    Without it, two drains could each lock part of a set of identical rows and publish it
    twice. SQLite has neither this lock nor row locks (a single process's database)."""
    conn = transaction.get_connection()
    if conn.vendor != "postgresql":
        return True
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [DRAIN_LOCK])
        (taken,) = cursor.fetchone() or (False,)
        return bool(taken)


def pending_args(task_name: str) -> set[tuple[Any, ...]]:
    """The arguments of every ``task_name`` message not yet published, so that a caller
    re-queueing work (the reminder scan) does not add a second copy while the broker is
    down."""
    return {
        tuple(args)
        for args in OutboxMessage.objects.unpublished().filter(task=task_name).values_list("args", flat=True)
    }
