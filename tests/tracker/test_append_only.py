"""Events, progress reports, comments on promises, the security log and every other model
built on AppendOnlyModel only grow: Python refuses to change them on every database,
PostgreSQL's triggers refuse it in SQL, and purge_audit removes only security-log rows
older than the retention. Every such model is found through the app registry, so a table
added later cannot be left out of the triggers."""

from __future__ import annotations

import os
import subprocess
import sys
import unittest
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, models, transaction
from django.test import override_settings
from django.utils import timezone

from proposals.models import ProposalEvent, Submission
from reports.models import AssessmentAdjustment, AssessmentScheme
from responses.models import CommitmentComment, ProgressReport, SupervisionEvent, SupervisionTheme
from tests.base import TrackerTestCase
from tracker.appendonly import APPEND_ONLY_TABLES, AppendOnlyError, AppendOnlyModel, AppendOnlyQuerySet
from tracker.models import SecurityEvent

on_postgresql = unittest.skipUnless(connection.vendor == "postgresql", "PostgreSQL triggers")


def append_only_models() -> list[type[models.Model]]:
    """Every concrete model built on AppendOnlyModel, in every installed app."""
    return [model for model in apps.get_models() if issubclass(model, AppendOnlyModel)]


class AppendOnlyTestCase(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        reply = cls.make_sent(cls.make_assigned(), grade="B")
        commitment = reply.commitments.get()
        cls.event = ProposalEvent.objects.filter(proposal=reply.assignment.proposal).first()
        cls.report = ProgressReport.objects.create(
            commitment=commitment, reported_on=date(2024, 12, 1), summary="可研已报批", created_by=cls.clerk
        )
        cls.comment = CommitmentComment.objects.create(
            commitment=commitment, author=cls.deputy_user, body="请加快进度"
        )
        cls.young = SecurityEvent.objects.create(kind="login", actor_name="staff")
        cls.old = SecurityEvent.objects.create(
            kind="login", actor_name="staff", created_at=timezone.now() - timedelta(days=400)
        )
        # One row of every other append-only model (the test walking them all needs one).
        Submission.draft(by=cls.deputy_user, session=cls.session, title="关于增设便民驿站的建议", body="正文")
        theme = SupervisionTheme.objects.create(
            congress=cls.congress,
            title="加快东部交通基础设施建设",
            year=2024,
            supervising_leader="市人大常委会副主任",
            lead_department=cls.lead_dept,
            plan_due_on=date(2024, 5, 31),
            report_due_on=date(2025, 1, 31),
            created_by=cls.staff,
        )
        theme.record(SupervisionEvent.Kind.CREATED, by=cls.staff)
        AssessmentScheme.for_congress(cls.congress).change({"min_volume": 3}, by=cls.staff)
        AssessmentAdjustment.objects.create(
            year=2024,
            department=cls.lead_dept,
            points=Decimal("5"),
            reason="专项工作加分",
            created_by=cls.staff,
        )


class PythonRefusesTests(AppendOnlyTestCase):
    def test_querysets_refuse_update_and_delete(self) -> None:
        for model in (ProposalEvent, ProgressReport, CommitmentComment, SecurityEvent):
            with self.subTest(model=model.__name__):
                with self.assertRaisesMessage(AppendOnlyError, "append-only"):
                    model.objects.all().update(created_at=timezone.now())
                with self.assertRaisesMessage(AppendOnlyError, "append-only"):
                    model.objects.all().delete()
        self.assertTrue(ProposalEvent.objects.filter(pk=self.event.pk).exists())

    def test_rows_refuse_save_and_delete(self) -> None:
        for row in (self.event, self.report, self.comment, self.young):
            with self.subTest(model=type(row).__name__):
                with self.assertRaises(AppendOnlyError):
                    row.save()
                with self.assertRaises(AppendOnlyError):
                    row.delete()

    def test_the_protected_tables_are_every_append_only_models_table(self) -> None:
        tables = {model._meta.db_table for model in append_only_models()}
        self.assertLessEqual(
            {"proposals_proposalevent", "proposals_submissionevent", "responses_supervisionevent"}, tables
        )
        self.assertEqual({table for table, _purgeable in APPEND_ONLY_TABLES}, tables)

    def test_every_append_only_models_manager_refuses_update_and_delete(self) -> None:
        for model in append_only_models():
            with self.subTest(model=model.__name__):
                queryset = model._default_manager.all()
                self.assertIsInstance(queryset, AppendOnlyQuerySet)
                with self.assertRaisesMessage(AppendOnlyError, "append-only"):
                    queryset.delete()


@on_postgresql
class PostgresTriggerTests(AppendOnlyTestCase):
    """Raw SQL, as a person with a database client would send it."""

    def sql(self, statement: str, *params: object) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)

    def delete_as_purge(self, days: str, table: str, pk: int) -> None:
        """A DELETE in a transaction that set the purge setting, as purge_audit does."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('tracker.audit_purge_days', %s, true)", [days])
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])

    def test_update_and_delete_are_refused_on_every_append_only_table(self) -> None:
        rows = {
            "proposals_proposalevent": self.event.pk,
            "responses_progressreport": self.report.pk,
            "responses_commitmentcomment": self.comment.pk,
            "tracker_securityevent": self.young.pk,
        }
        for table, pk in rows.items():
            with self.subTest(table=table):
                with self.assertRaisesMessage(
                    IntegrityError, f"UPDATE on {table} refused: this table is append-only"
                ):
                    self.sql(f"UPDATE {table} SET created_at = now() WHERE id = %s", pk)
                with self.assertRaisesMessage(
                    IntegrityError, f"DELETE on {table} refused: this table is append-only"
                ):
                    self.sql(f"DELETE FROM {table} WHERE id = %s", pk)
        self.event.refresh_from_db()

    def test_every_append_only_model_refuses_update_and_delete_in_sql(self) -> None:
        for model in append_only_models():
            table, pk = model._meta.db_table, model._meta.pk.column
            with self.subTest(table=table):
                row = model._default_manager.order_by("pk").first()
                self.assertIsNotNone(row, f"AppendOnlyTestCase needs a row of {model.__name__}")
                assert row is not None
                # A no-op UPDATE still fires the row trigger: no column is assumed but the key.
                with self.assertRaisesMessage(IntegrityError, f"UPDATE on {table} refused"):
                    self.sql(f"UPDATE {table} SET {pk} = {pk} WHERE {pk} = %s", row.pk)
                with self.assertRaisesMessage(IntegrityError, f"DELETE on {table} refused"):
                    self.sql(f"DELETE FROM {table} WHERE {pk} = %s", row.pk)
                self.assertTrue(model._default_manager.filter(pk=row.pk).exists())

    def test_an_old_security_row_cannot_be_deleted_without_the_purge_setting(self) -> None:
        with self.assertRaisesMessage(IntegrityError, "refused"):
            self.sql("DELETE FROM tracker_securityevent WHERE id = %s", self.old.pk)

    def test_the_purge_setting_lets_through_old_rows_only(self) -> None:
        self.delete_as_purge("365", "tracker_securityevent", self.old.pk)
        with self.assertRaisesMessage(IntegrityError, "refused"):
            self.delete_as_purge("365", "tracker_securityevent", self.young.pk)
        self.assertEqual(set(SecurityEvent.objects.filter(pk__in=[self.old.pk, self.young.pk])), {self.young})

    def test_a_purge_setting_below_180_days_lets_nothing_through(self) -> None:
        middle = SecurityEvent.objects.create(
            kind="login", actor_name="staff", created_at=timezone.now() - timedelta(days=100)
        )
        with self.assertRaisesMessage(IntegrityError, "refused"):
            self.delete_as_purge("30", "tracker_securityevent", middle.pk)

    def test_events_cannot_be_purged_even_with_the_setting(self) -> None:
        with self.assertRaisesMessage(IntegrityError, "refused"):
            self.delete_as_purge("180", "proposals_proposalevent", self.event.pk)


class PurgeAuditTests(AppendOnlyTestCase):
    def purge(self, *args: str) -> str:
        out = StringIO()
        call_command("purge_audit", *args, stdout=out)
        return out.getvalue()

    @override_settings(AUDIT_RETENTION_DAYS=365)
    def test_it_removes_rows_older_than_the_retention_only_and_logs_the_purge(self) -> None:
        borderline = SecurityEvent.objects.create(
            kind="login", actor_name="staff", created_at=timezone.now() - timedelta(days=360)
        )
        self.assertIn("1 security-log rows older than 365 days removed", self.purge())
        self.assertFalse(SecurityEvent.objects.filter(pk=self.old.pk).exists())
        self.assertTrue(SecurityEvent.objects.filter(pk__in=[self.young.pk, borderline.pk]).count() == 2)
        purge = SecurityEvent.objects.get(kind=SecurityEvent.Kind.PURGED)
        self.assertEqual((purge.data["count"], purge.data["days"]), (1, 365))

    @override_settings(AUDIT_RETENTION_DAYS=365)
    def test_it_refuses_fewer_days_than_the_retention(self) -> None:
        with self.assertRaisesMessage(CommandError, "below the retention of 365 days"):
            self.purge("--days", "200")
        self.assertTrue(SecurityEvent.objects.filter(pk=self.old.pk).exists())

    @override_settings(AUDIT_RETENTION_DAYS=365)
    def test_a_dry_run_removes_nothing(self) -> None:
        self.assertIn("1 security-log rows are older than 365 days; nothing removed", self.purge("--dry-run"))
        self.assertTrue(SecurityEvent.objects.filter(pk=self.old.pk).exists())


class RetentionSettingTests(unittest.TestCase):
    def test_a_retention_below_180_days_is_refused_at_start(self) -> None:
        env = {**os.environ, "AUDIT_RETENTION_DAYS": "90", "DJANGO_SETTINGS_MODULE": "tracker.settings"}
        result = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()"],
            env=env,
            capture_output=True,
            text=True,
            cwd=settings.BASE_DIR,
            check=False,
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("AUDIT_RETENTION_DAYS must be at least 180", result.stderr)
