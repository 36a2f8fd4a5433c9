"""The outbox: tasks written in the caller's transaction, published once it commits, and
what the broker refused published later by the drain, each exactly once."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from unittest import mock

import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase, override_settings
from django.utils import timezone

from tests.tracker import outbox_tasks
from tests.tracker.outbox_helpers import publishing_to, refused_broker_url
from tests.tracker.outbox_tasks import RECORD
from tracker import outbox
from tracker.models import OutboxMessage


class OutboxTestCase(TestCase):
    def setUp(self) -> None:
        outbox_tasks.calls.clear()


class EnqueueTests(OutboxTestCase):
    def test_it_publishes_nothing_before_the_transaction_commits(self) -> None:
        with self.captureOnCommitCallbacks() as callbacks, transaction.atomic():
            message = outbox.enqueue(RECORD, 1)
        self.assertIsNone(OutboxMessage.objects.get(pk=message.pk).published_at)
        self.assertEqual(outbox_tasks.calls, [])
        for callback in callbacks:
            callback()
        self.assertIsNotNone(OutboxMessage.objects.get(pk=message.pk).published_at)
        self.assertEqual(outbox_tasks.calls, [(1,)])

    def test_it_forgets_a_message_rolled_back_with_its_savepoint(self) -> None:
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            outbox.enqueue(RECORD, "kept")
            try:
                with transaction.atomic():
                    outbox.enqueue(RECORD, "rolled back")
                    raise RuntimeError
            except RuntimeError:
                pass
        self.assertEqual(outbox_tasks.calls, [("kept",)])
        self.assertEqual(list(OutboxMessage.objects.values_list("args", flat=True)), [["kept"]])

    def test_it_publishes_every_message_of_a_transaction_through_one_connection(self) -> None:
        with (
            mock.patch("tracker.outbox.broker_connection", wraps=outbox.broker_connection) as connect,
            self.captureOnCommitCallbacks(execute=True),
            transaction.atomic(),
        ):
            for n in range(3):
                outbox.enqueue(RECORD, n)
        self.assertEqual(connect.call_count, 1)
        self.assertEqual(outbox_tasks.calls, [(0,), (1,), (2,)])

    def test_it_stops_at_the_first_refusal_and_keeps_every_message(self) -> None:
        with publishing_to(refused_broker_url()), self.captureOnCommitCallbacks(execute=True):
            outbox.enqueue_many(RECORD, [[1], [2], [3]])
        messages = list(OutboxMessage.objects.order_by("pk"))
        self.assertEqual([m.published_at for m in messages], [None, None, None])
        self.assertEqual([m.attempts for m in messages], [1, 0, 0])
        self.assertIn("Connection refused", messages[0].last_error)

    def test_it_records_a_message_for_an_unknown_task_and_sends_the_others(self) -> None:
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            outbox.enqueue("tests.tracker.outbox_tasks.no_such_task", 1)
            outbox.enqueue(RECORD, 2)
        unknown = OutboxMessage.objects.get(task__endswith="no_such_task")
        self.assertEqual((unknown.published_at, unknown.attempts), (None, 1))
        self.assertEqual(outbox_tasks.calls, [(2,)])


class DrainTests(OutboxTestCase):
    def refused(self, *calls: int) -> None:
        with publishing_to(refused_broker_url()), self.captureOnCommitCallbacks(execute=True):
            for value in calls:
                outbox.enqueue(RECORD, value)

    @override_settings(OUTBOX_DRAIN_AFTER=0)
    def test_it_publishes_what_the_broker_refused_oldest_first(self) -> None:
        self.refused(1, 2, 3)
        self.assertEqual(outbox.drain(), 3)
        self.assertEqual(outbox_tasks.calls, [(1,), (2,), (3,)])
        self.assertFalse(OutboxMessage.objects.unpublished().exists())

    def test_it_leaves_a_message_younger_than_OUTBOX_DRAIN_AFTER_to_its_request(self) -> None:
        self.refused(1)
        self.assertEqual(outbox.drain(), 0)
        with time_machine.travel(timezone.now() + timedelta(seconds=11)):
            self.assertEqual(outbox.drain(), 1)

    @override_settings(OUTBOX_DRAIN_AFTER=0)
    def test_it_never_publishes_a_message_twice(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            outbox.enqueue(RECORD, 1)
        self.assertEqual(outbox.drain(), 0)
        self.assertEqual(outbox_tasks.calls, [(1,)])

    @override_settings(OUTBOX_DRAIN_AFTER=0)
    def test_it_stops_at_the_first_refusal(self) -> None:
        self.refused(1, 2)
        with publishing_to(refused_broker_url()):
            self.assertEqual(outbox.drain(), 0)
        self.assertEqual(
            list(OutboxMessage.objects.order_by("pk").values_list("attempts", flat=True)), [2, 0]
        )


class PruneCommandTests(OutboxTestCase):
    def test_it_deletes_only_messages_published_before_the_days_given(self) -> None:
        old = outbox.enqueue(RECORD, "old")
        recent = outbox.enqueue(RECORD, "recent")
        waiting = OutboxMessage.objects.create(
            task=RECORD, args=["waiting"], created_at=timezone.now() - timedelta(days=400)
        )
        OutboxMessage.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=91))
        out = StringIO()
        call_command("prune_outbox", "--days", "90", stdout=out)
        self.assertEqual(set(OutboxMessage.objects.values_list("pk", flat=True)), {recent.pk, waiting.pk})
        self.assertIn("1 outbox messages", out.getvalue())
