"""Statistics snapshots (issue 15): a scope above STATISTICS_SNAPSHOT_ABOVE suggestions
is served from a snapshot of the same functions' output, labelled "figures as of";
smaller scopes stay live. The data set is the hand-counted one of test_statistics.py."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from proposals import statistics, statistics_snapshots
from proposals.models import StatisticsSnapshot
from proposals.statistics import Scope
from proposals.statistics_snapshots import REFRESH_TASK, scope_key
from proposals.tasks import refresh_statistics_snapshots
from tests.proposals.test_statistics import NOON_TODAY, TODAY, StatisticsData
from tracker.models import OutboxMessage

URL = reverse("stats:dashboard")
PUBLIC_URL = reverse("public:statistics")
LARGE = override_settings(STATISTICS_SNAPSHOT_ABOVE=3)  # the 2024 data holds more than 3


def queued() -> list[list[object]]:
    return [row.args for row in OutboxMessage.objects.filter(task=REFRESH_TASK).order_by("pk")]


@time_machine.travel(NOON_TODAY, tick=False)
class SnapshotFiguresTests(StatisticsData):
    def test_a_snapshot_holds_the_live_figures(self) -> None:
        for scope in (
            Scope(year=2024),
            Scope(),
            Scope(session=self.session_2023),
            Scope(year=2024, department=self.lead_dept),
            Scope(year=2024, department=self.other_dept),
        ):
            with self.subTest(scope=scope):
                statistics_snapshots.refresh(scope_key(scope), today=TODAY)
                served = statistics_snapshots.serve(scope, today=TODAY)
                total, table = statistics.summary(scope, today=TODAY)
                self.assertEqual(served.figures, total)
                self.assertEqual(served.table, table)
                self.assertEqual(served.trend, statistics.monthly_trend(scope))

    def test_the_size_check_is_the_received_count_up_to_the_threshold(self) -> None:
        total, _table = statistics.summary(Scope(year=2024), today=TODAY)
        self.assertEqual(statistics_snapshots.scope_size(Scope(year=2024)), total.received)
        with LARGE:
            self.assertEqual(statistics_snapshots.scope_size(Scope(year=2024)), 4)
            self.assertTrue(statistics_snapshots.is_large(4))


@time_machine.travel(NOON_TODAY, tick=False)
class SnapshotPageTests(StatisticsData):
    def test_small_data_stays_live(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"year": 2024})
        self.assertIsNone(response.context["as_of"])
        self.assertNotContains(response, "stats-as-of")
        self.assertFalse(StatisticsSnapshot.objects.exists())
        self.assertEqual(queued(), [])

    @LARGE
    def test_a_large_scope_without_a_snapshot_queues_one_and_says_so(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"year": 2024})
        self.assertTemplateUsed(response, "stats/pending.html")
        self.assertContains(response, "stats-pending")
        self.assertEqual(queued(), [["year=2024;session=;department="]])
        self.client.get(URL, {"year": 2024})  # a second look queues no second refresh
        self.assertEqual(len(queued()), 1)

    @LARGE
    def test_a_snapshot_serves_the_page_with_its_time(self) -> None:
        snapshot = statistics_snapshots.refresh(scope_key(Scope(year=2024)), today=TODAY)
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"year": 2024})
        self.assertEqual(response.context["as_of"], snapshot.computed_at)
        self.assertContains(response, "stats-as-of")
        self.assertContains(response, timezone.localtime(snapshot.computed_at).strftime("%Y-%m-%d %H:%M"))
        live, table = statistics.summary(Scope(year=2024), today=TODAY)
        self.assertEqual(response.context["fig"], live)
        self.assertEqual([row.department for row in response.context["table"]], [r.department for r in table])
        self.assertEqual(queued(), [])  # fresh: nothing to refresh

    @LARGE
    def test_the_excel_comes_from_the_same_snapshot_and_says_when(self) -> None:
        snapshot = statistics_snapshots.refresh(scope_key(Scope(year=2024)), today=TODAY)
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"year": 2024, "format": "xlsx"})
        rows = list(load_workbook(BytesIO(response.content)).worksheets[0].values)
        moment = timezone.localtime(snapshot.computed_at).strftime("%Y-%m-%d %H:%M")
        self.assertEqual(rows[1][1], moment)
        self.assertIn(statistics.summary(Scope(year=2024), today=TODAY)[0].assigned, [row[1] for row in rows])

    @LARGE
    def test_a_stale_snapshot_is_shown_and_refreshed(self) -> None:
        statistics_snapshots.refresh(scope_key(Scope(year=2024)), today=TODAY)
        StatisticsSnapshot.objects.update(computed_at=timezone.now() - timedelta(hours=1))
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"year": 2024})
        self.assertIsNotNone(response.context["as_of"])
        self.assertEqual(queued(), [["year=2024;session=;department="]])

    @LARGE
    def test_a_clerk_still_sees_only_the_own_department(self) -> None:
        key = scope_key(Scope(year=2024, department=self.lead_dept))
        statistics_snapshots.refresh(key, today=TODAY)
        self.client.force_login(self.clerk)
        response = self.client.get(URL, {"year": 2024, "department": self.co_dept.pk})
        self.assertEqual([row.department for row in response.context["table"]], [self.lead_dept])
        self.assertEqual(response.context["fig"].assigned, 3)
        self.assertIsNotNone(response.context["as_of"])

    @LARGE
    def test_deputies_are_still_refused(self) -> None:
        self.client.force_login(self.deputy_user)
        self.assertEqual(self.client.get(URL, {"year": 2024}).status_code, 403)
        self.assertFalse(StatisticsSnapshot.objects.exists())


@time_machine.travel(NOON_TODAY, tick=False)
class PublicPageSnapshotTests(StatisticsData):
    def test_small_data_stays_live(self) -> None:
        response = self.client.get(PUBLIC_URL, {"year": 2024})
        self.assertIsNone(response.context["as_of"])
        self.assertFalse(StatisticsSnapshot.objects.exists())

    @LARGE
    def test_a_large_scope_shows_the_snapshot_with_its_time(self) -> None:
        response = self.client.get(PUBLIC_URL, {"year": 2024})
        self.assertTemplateUsed(response, "stats/pending.html")
        self.assertEqual(queued(), [["year=2024;session=;department="]])
        snapshot = statistics_snapshots.refresh(scope_key(Scope(year=2024)), today=TODAY)
        response = self.client.get(PUBLIC_URL, {"year": 2024})
        self.assertEqual(response.context["as_of"], snapshot.computed_at)
        self.assertContains(response, "stats-as-of")
        live, table = statistics.summary(Scope(year=2024), today=TODAY)
        self.assertEqual(response.context["total"].received, live.received)
        self.assertEqual(
            [(row.department, row.assigned, row.on_time) for row in response.context["table"]],
            [(row.department, row.assigned, row.on_time) for row in table if row.assigned],
        )


class PeriodicRefreshTests(StatisticsData):
    @LARGE
    def test_it_refreshes_the_scopes_opened_lately_only(self) -> None:
        now = timezone.now()
        StatisticsSnapshot.objects.create(key=scope_key(Scope(year=2024)), opened_at=now)
        StatisticsSnapshot.objects.create(key=scope_key(Scope()), opened_at=now - timedelta(days=30))
        self.assertEqual(refresh_statistics_snapshots(), 1)
        fresh = StatisticsSnapshot.objects.get(key=scope_key(Scope(year=2024)))
        self.assertIsNotNone(fresh.computed_at)
        live, _table = statistics.summary(Scope(year=2024))
        self.assertEqual(fresh.data["figures"]["received"], live.received)
        self.assertIsNone(StatisticsSnapshot.objects.get(key=scope_key(Scope())).computed_at)
