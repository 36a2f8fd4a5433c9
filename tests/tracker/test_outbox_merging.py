"""Identical outbox messages of a task that may be merged (OUTBOX_COALESCE_TASKS) go to
the broker once: one row per distinct call within a transaction, one message for
identical rows left waiting, the others marked merged into it; never one lost."""

from __future__ import annotations

import threading
import unittest
from collections import Counter

from django.conf import settings
from django.db import connection, connections, transaction
from django.test import SimpleTestCase, TestCase, TransactionTestCase, override_settings

from responses import notices
from tests.base import TrackerTestCase
from tests.tracker import outbox_tasks
from tests.tracker.outbox_helpers import publishing_to, refused_broker_url
from tests.tracker.outbox_tasks import RECORD
from tracker import outbox
from tracker.models import Notification, OutboxMessage

MERGED = override_settings(OUTBOX_COALESCE_TASKS=frozenset({RECORD}), OUTBOX_DRAIN_AFTER=0)


class MergeableTasksSettingTests(SimpleTestCase):
    def test_every_task_declared_mergeable_is_a_task_of_that_name(self) -> None:
        self.assertIn("responses.tasks.deliver_notices", settings.OUTBOX_COALESCE_TASKS)
        for name in settings.OUTBOX_COALESCE_TASKS:
            with self.subTest(task=name):
                self.assertEqual(outbox._task(name).name, name)


@MERGED
class MergingTests(TestCase):
    def setUp(self) -> None:
        outbox_tasks.calls.clear()

    def refused(self, *calls: int) -> None:
        """Each call queued in a transaction of its own while the broker refuses."""
        with publishing_to(refused_broker_url()):
            for value in calls:
                with self.captureOnCommitCallbacks(execute=True):
                    outbox.enqueue(RECORD, value, "inbox")

    def test_a_transaction_queues_one_row_per_distinct_call(self) -> None:
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            for _ in range(100):
                outbox.enqueue(RECORD, 7, "inbox")
            outbox.enqueue_many(RECORD, [[8, "inbox"], [7, "inbox"], [8, "inbox"]])
        self.assertEqual(OutboxMessage.objects.count(), 2)
        self.assertEqual(outbox_tasks.calls, [(7, "inbox"), (8, "inbox")])

    @override_settings(OUTBOX_COALESCE_TASKS=frozenset())
    def test_it_merges_no_call_of_a_task_not_declared_mergeable(self) -> None:
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            for _ in range(3):
                outbox.enqueue(RECORD, 7, "inbox")
        self.assertEqual(OutboxMessage.objects.count(), 3)
        self.assertEqual(outbox_tasks.calls, [(7, "inbox")] * 3)

    def test_a_call_rolled_back_with_its_savepoint_is_queued_again(self) -> None:
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            try:
                with transaction.atomic():
                    outbox.enqueue(RECORD, 7, "inbox")
                    raise RuntimeError
            except RuntimeError:
                pass
            outbox.enqueue(RECORD, 7, "inbox")
        self.assertEqual(OutboxMessage.objects.unpublished().count(), 0)
        self.assertEqual(outbox_tasks.calls, [(7, "inbox")])

    def test_a_call_already_published_in_this_transaction_is_queued_again(self) -> None:
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            first = outbox.enqueue(RECORD, 7, "inbox")
            outbox.publish([first.pk], budget=1.0)  # a drain run inside the transaction
            second = outbox.enqueue(RECORD, 7, "inbox")
        self.assertNotEqual(first.pk, second.pk)
        self.assertEqual(outbox_tasks.calls, [(7, "inbox"), (7, "inbox")])

    def test_the_drain_sends_identical_waiting_rows_once_and_marks_the_others_merged(self) -> None:
        self.refused(7, 8, 7, 7)
        self.assertEqual(outbox.drain(), 4)
        self.assertEqual(outbox_tasks.calls, [(7, "inbox"), (8, "inbox")])
        first, eight, *copies = OutboxMessage.objects.order_by("pk")
        self.assertEqual([m.merged_into_id for m in copies], [first.pk, first.pk])
        self.assertEqual({m.published_at for m in copies}, {first.published_at})
        self.assertIsNone(eight.merged_into_id)
        self.assertFalse(OutboxMessage.objects.unpublished().exists())

    def test_a_refused_message_leaves_every_copy_waiting_for_the_next_drain(self) -> None:
        self.refused(7, 7, 7)
        with publishing_to(refused_broker_url()):
            self.assertEqual(outbox.drain(), 0)
        self.assertEqual(OutboxMessage.objects.unpublished().filter(merged_into=None).count(), 3)
        self.assertEqual(outbox.drain(), 3)
        self.assertEqual(outbox_tasks.calls, [(7, "inbox")])


class AssignedInBatchTests(TrackerTestCase):
    """The deliveries of handover notices, as a sheet's import assigns them."""

    def deliveries(self) -> list[OutboxMessage]:
        return list(OutboxMessage.objects.filter(task=notices.DELIVER_TASK, args=[self.clerk.pk, "inbox"]))

    def test_a_hundred_assignments_to_one_unit_in_one_transaction_queue_one_delivery(self) -> None:
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            for _ in range(100):
                self.make_assigned(with_co=False)
        (delivery,) = self.deliveries()
        self.assertIsNotNone(delivery.published_at)
        self.assertEqual(Notification.objects.filter(recipient=self.clerk).count(), 100)

    @override_settings(OUTBOX_DRAIN_AFTER=0)
    def test_deliveries_the_broker_refused_go_as_one_with_the_next_drain(self) -> None:
        with publishing_to(refused_broker_url()):
            for _ in range(3):
                with self.captureOnCommitCallbacks(execute=True):
                    self.make_assigned(with_co=False)
        self.assertEqual([d.published_at for d in self.deliveries()], [None, None, None])
        outbox.drain()
        self.assertEqual(sorted(d.merged_into_id is None for d in self.deliveries()), [False, False, True])
        # The one delivery sent all three notices.
        self.assertEqual(Notification.objects.filter(recipient=self.clerk).count(), 3)


@unittest.skipUnless(connection.vendor == "postgresql", "row and advisory locks")
@MERGED
class ConcurrentDrainTests(TransactionTestCase):
    def setUp(self) -> None:
        outbox_tasks.calls.clear()

    def at_once(self, *jobs: object) -> list[object]:
        """Run each job in its own thread and connection, all released together."""
        barrier = threading.Barrier(len(jobs))
        results: list[object] = [None] * len(jobs)
        crashes: list[BaseException] = []

        def run(i: int) -> None:
            try:
                barrier.wait(timeout=30)
                results[i] = jobs[i]()  # type: ignore[operator]
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread below
                crashes.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertFalse(any(thread.is_alive() for thread in threads), "a job did not finish in 60 s")
        if crashes:
            raise crashes[0]
        return results

    def test_two_drains_and_a_request_publish_each_distinct_message_exactly_once(self) -> None:
        # 250 distinct calls, each waiting twice (two transactions, the broker down): one
        # drain's batch.
        OutboxMessage.objects.bulk_create(
            OutboxMessage(task=RECORD, args=[n, "inbox"]) for _ in range(2) for n in range(250)
        )

        def request() -> None:
            with transaction.atomic():
                outbox.enqueue(RECORD, 999, "inbox")

        self.at_once(outbox.drain, outbox.drain, request)
        self.assertEqual(Counter(outbox_tasks.calls), Counter((n, "inbox") for n in [*range(250), 999]))
        self.assertFalse(OutboxMessage.objects.unpublished().exists())
        self.assertEqual(OutboxMessage.objects.exclude(merged_into=None).count(), 250)

    def test_a_drain_leaves_the_work_to_a_drain_already_at_work(self) -> None:
        OutboxMessage.objects.bulk_create(OutboxMessage(task=RECORD, args=[n, "inbox"]) for n in (1, 1, 2))
        holding, release = threading.Event(), threading.Event()

        def other_drain() -> None:
            with transaction.atomic():
                self.assertTrue(outbox._drain_lock())
                holding.set()
                release.wait(timeout=30)

        def drain_meanwhile() -> int:
            holding.wait(timeout=30)
            try:
                return outbox.drain()
            finally:
                release.set()

        self.assertEqual(self.at_once(other_drain, drain_meanwhile), [None, 0])
        self.assertEqual(OutboxMessage.objects.unpublished().count(), 3)
        self.assertEqual(outbox.drain(), 3)
        self.assertEqual(Counter(outbox_tasks.calls), Counter({(1, "inbox"): 1, (2, "inbox"): 1}))
