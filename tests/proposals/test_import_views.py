"""The import pages: upload a 交办清单, read the preview, confirm or discard."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from proposals.models import Assignment, Proposal, SpreadsheetImport
from proposals.models.imports import APPLY_TASK
from tests.base import TrackerTestCase
from tests.proposals.test_spreadsheet_import import MEDIA, counts, row, stage, workbook
from tracker import outbox
from tracker.models import OutboxMessage

UPLOAD = reverse("proposals:import")
CONFIRMED = datetime(2024, 7, 16, 2, 0, tzinfo=UTC)


def detail(upload: SpreadsheetImport) -> str:
    return reverse("proposals:import_detail", args=[upload.pk])


def confirm(upload: SpreadsheetImport) -> str:
    return reverse("proposals:import_confirm", args=[upload.pk])


def discard(upload: SpreadsheetImport) -> str:
    return reverse("proposals:import_discard", args=[upload.pk])


@override_settings(MEDIA_ROOT=MEDIA)
class ImportViewTestCase(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.rows = [row("20240493"), row("20240494", title="关于加快龙筋顶公园建设的建议", co_signers="李新")]

    def staged(self, rows: list[dict[str, Any]] | None = None) -> SpreadsheetImport:
        return stage(workbook(self.rows if rows is None else rows), session=self.session, by=self.staff)

    def upload_data(self, data: bytes, **overrides: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "file": SimpleUploadedFile("交办清单.xlsx", data),
            "session": self.session.pk,
            "received_on": "2024-06-01",
            "assigned_on": "2024-07-15",
        }
        fields.update(overrides)
        return fields


class PermissionTests(ImportViewTestCase):
    def test_it_redirects_anonymous_users_to_login(self) -> None:
        upload = self.staged()
        for url in (UPLOAD, detail(upload)):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertRedirects(
                    response, f"{reverse('login')}?next={url}", fetch_redirect_response=False
                )
        self.client.post(confirm(upload))
        self.assertFalse(Proposal.objects.exists())

    def test_it_shows_the_upload_form_and_preview_to_staff(self) -> None:
        upload = self.staged()
        self.client.force_login(self.staff)
        self.assertEqual(self.client.get(UPLOAD).status_code, 200)
        self.assertEqual(self.client.get(detail(upload)).status_code, 200)

    def test_it_refuses_department_users_deputies_and_users_without_a_role(self) -> None:
        upload = self.staged()
        for user in (self.clerk, self.leader, self.outsider, self.deputy_user, self.nobody):
            self.client.force_login(user)
            for method, url in (("get", UPLOAD), ("get", detail(upload)), ("post", confirm(upload))):
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(getattr(self.client, method)(url).status_code, 403)
        self.assertFalse(Proposal.objects.exists())

    def test_it_refuses_a_discard_by_a_department_clerk(self) -> None:
        upload = self.staged()
        self.client.force_login(self.clerk)
        self.assertEqual(self.client.post(discard(upload)).status_code, 403)
        self.assertEqual(self.refreshed(upload).status, SpreadsheetImport.Status.PREVIEWED)


class UploadTests(ImportViewTestCase):
    def test_it_keeps_the_upload_and_shows_its_preview(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.post(UPLOAD, self.upload_data(workbook(self.rows)))
        upload = SpreadsheetImport.objects.get()
        self.assertRedirects(response, detail(upload), fetch_redirect_response=False)
        self.assertEqual(
            (upload.original_name, upload.uploaded_by, upload.session),
            ("交办清单.xlsx", self.staff, self.session),
        )
        self.assertFalse(Proposal.objects.exists())

    def test_it_refuses_an_assignment_date_before_the_date_received(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.post(UPLOAD, self.upload_data(workbook(self.rows), assigned_on="2024-05-01"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("assigned_on", response.context["form"].errors)
        self.assertFalse(SpreadsheetImport.objects.exists())

    @time_machine.travel(date(2024, 7, 20), tick=False)
    def test_it_refuses_an_assignment_date_after_today(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.post(UPLOAD, self.upload_data(workbook(self.rows), assigned_on="2024-07-21"))
        self.assertEqual(
            response.context["form"].errors["assigned_on"],
            ["Assigned on cannot be later than today (2024-07-20)."],
        )
        self.assertFalse(SpreadsheetImport.objects.exists())


class PreviewTests(ImportViewTestCase):
    def test_it_counts_rows_ready_and_new_deputies_and_offers_to_confirm(self) -> None:
        upload = self.staged()
        self.client.force_login(self.staff)
        response = self.client.get(detail(upload))
        preview = response.context["preview"]
        self.assertEqual((len(preview.rows), response.context["ready_count"]), (2, 2))
        self.assertEqual(preview.new_deputies, ["李新"])
        self.assertContains(response, "new deputy")
        self.assertContains(response, confirm(upload))

    def test_it_shows_each_error_next_to_its_row_and_no_confirm_button(self) -> None:
        upload = self.staged([row("20240493"), row("20240494", co="龙岗区不存在局")])
        self.client.force_login(self.staff)
        response = self.client.get(detail(upload))
        self.assertContains(response, 'id="row-4"')
        self.assertContains(response, "<strong>会办单位</strong>")
        self.assertContains(response, "龙岗区不存在局")
        self.assertNotContains(response, confirm(upload))
        self.assertContains(response, "Upload a corrected file")

    def test_it_refuses_a_file_that_is_not_a_workbook_on_the_form_and_keeps_nothing(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.post(UPLOAD, self.upload_data("建议编号,标题\n".encode()))
        self.assertEqual(response.status_code, 200)
        self.assertIn("not an Excel .xlsx file", " ".join(response.context["form"].errors["file"]))
        self.assertFalse(SpreadsheetImport.objects.exists())

    def test_it_lists_rows_with_errors_first_and_caps_the_ready_rows(self) -> None:
        rows = [row(f"2024{n:04d}") for n in range(1, 206)] + [row("20249999", category="无此类别")]
        self.client.force_login(self.staff)
        response = self.client.get(detail(self.staged(rows)))
        self.assertEqual(response.context["error_rows"][0].number, "20249999")
        self.assertEqual(len(response.context["ready_rows"]), 200)
        self.assertContains(response, "… and 5 more ready rows.")
        self.assertEqual(response.context["ready_count"], 205)

    def test_it_reads_the_preview_in_the_same_number_of_queries_for_any_length(self) -> None:
        self.client.force_login(self.staff)
        short, long = self.staged(self.rows[:1]), self.staged([row(f"2024{n:04d}") for n in range(1, 61)])
        self.client.get(detail(short))  # Warm the session and permission caches.
        # (The staff member's second-factor device is one of them.)
        with self.assertNumQueries(11) as short_queries:
            self.client.get(detail(short))
        with self.assertNumQueries(len(short_queries.captured_queries)):
            self.client.get(detail(long))


class ConfirmTests(ImportViewTestCase):
    def confirm(self, upload: SpreadsheetImport, *, run_worker: bool = True) -> Any:
        """Post the confirmation; with run_worker the queued import runs (eager Celery)."""
        with self.captureOnCommitCallbacks(execute=run_worker):
            self.client.post(confirm(upload))
        return self.client.get(detail(upload))

    def test_it_logs_and_assigns_the_list_and_says_how_many(self) -> None:
        upload = self.staged()
        self.client.force_login(self.staff)
        response = self.confirm(upload)
        self.assertContains(response, "2 suggestions were logged and assigned.")
        self.assertEqual(Proposal.objects.filter(status=Proposal.Status.ASSIGNED).count(), 2)
        self.assertEqual(Assignment.objects.count(), 4)

    def test_until_the_worker_is_done_the_page_says_so_and_reloads_itself(self) -> None:
        upload = self.staged()
        self.client.force_login(self.staff)
        response = self.confirm(upload, run_worker=False)
        self.assertEqual(self.refreshed(upload).status, SpreadsheetImport.Status.APPLYING)
        self.assertContains(response, "waiting for the background worker to log and assign the suggestions")
        self.assertContains(response, '<meta http-equiv="refresh"')
        self.assertEqual(Proposal.objects.count(), 0)

    def test_it_writes_nothing_and_explains_on_the_preview_when_a_row_has_errors(self) -> None:
        upload = self.staged([row("20240493"), row("20240494", category="无此类别")])
        self.client.force_login(self.staff)
        before = counts()
        response = self.confirm(upload)
        self.assertEqual(counts(), before)
        self.assertEqual(self.refreshed(upload).status, SpreadsheetImport.Status.PREVIEWED)
        self.assertContains(response, "Nothing was imported")
        self.assertContains(response, "Row 4, 类别")

    def test_rows_that_became_wrong_after_the_preview_send_it_back_to_the_preview(self) -> None:
        upload = self.staged()
        self.client.force_login(self.staff)
        self.client.get(detail(upload))
        # Between the preview and the worker, someone logs one of the numbers by hand.
        self.make_assigned(number="20240494")
        before = counts()
        response = self.confirm(upload)
        self.assertEqual(counts(), before)
        upload = self.refreshed(upload)
        self.assertEqual((upload.status, upload.applied_by), (SpreadsheetImport.Status.PREVIEWED, None))
        self.assertContains(response, "No. 20240494 already exists in this session.")

    def test_an_unexpected_failure_writes_nothing_and_lets_staff_try_again(self) -> None:
        upload = self.staged()
        self.client.force_login(self.staff)
        before = counts()
        with mock.patch("proposals.spreadsheet.apply_sheet", side_effect=RuntimeError("disk full")):
            response = self.confirm(upload)
        self.assertEqual(counts(), before)
        self.assertEqual(self.refreshed(upload).status, SpreadsheetImport.Status.PREVIEWED)
        self.assertContains(response, "unexpected error and nothing was imported")
        self.assertContains(self.confirm(upload), "2 suggestions were logged and assigned.")

    def test_a_redelivered_task_does_not_import_twice(self) -> None:
        upload = self.staged()
        self.client.force_login(self.staff)
        self.confirm(upload)
        before = counts()
        self.assertIsNone(SpreadsheetImport.run_confirmed(upload.pk))
        self.assertEqual(counts(), before)

    def test_it_does_nothing_the_second_time(self) -> None:
        upload = self.staged()
        self.client.force_login(self.staff)
        self.confirm(upload)
        before = counts()
        response = self.client.post(confirm(upload), follow=True)
        self.assertEqual(counts(), before)
        self.assertContains(response, "This list was already imported.")

    def test_it_refuses_a_get(self) -> None:
        self.client.force_login(self.staff)
        self.assertEqual(self.client.get(confirm(self.staged())).status_code, 405)


class DiscardTests(ImportViewTestCase):
    def test_it_marks_the_upload_discarded_and_keeps_it(self) -> None:
        upload = self.staged()
        self.client.force_login(self.staff)
        response = self.client.post(discard(upload))
        self.assertRedirects(response, UPLOAD, fetch_redirect_response=False)
        upload.refresh_from_db()
        self.assertEqual(
            (upload.status, upload.discarded_by), (SpreadsheetImport.Status.DISCARDED, self.staff)
        )

    def test_it_will_not_discard_an_applied_list(self) -> None:
        upload = self.staged()
        upload.apply(by=self.staff)
        self.client.force_login(self.staff)
        self.client.post(discard(upload))
        self.assertEqual(self.refreshed(upload).status, SpreadsheetImport.Status.APPLIED)


def retry(upload: SpreadsheetImport) -> str:
    return reverse("proposals:import_retry", args=[upload.pk])


@override_settings(IMPORT_STUCK_AFTER=300)
class StuckImportTests(ImportViewTestCase):
    """A confirmed list that no worker has finished (the worker is stopped, or the broker
    lost its task): its page says it waits, then offers staff to queue it again or discard it."""

    def confirmed(self) -> SpreadsheetImport:
        """Confirmed by staff at CONFIRMED; its task never reached a worker."""
        upload = self.staged()
        with time_machine.travel(CONFIRMED, tick=False), self.captureOnCommitCallbacks(execute=False):
            upload.confirm(by=self.staff)
        return upload

    def page(self, upload: SpreadsheetImport, *, minutes: float) -> Any:
        with time_machine.travel(CONFIRMED + timedelta(minutes=minutes), tick=False):
            return self.client.get(detail(upload))

    def test_it_records_when_the_import_was_confirmed(self) -> None:
        upload = self.refreshed(self.confirmed())
        self.assertEqual((upload.confirmed_at, upload.applied_by), (CONFIRMED, self.staff))

    def test_the_page_says_it_waits_for_the_worker_and_offers_nothing_before_IMPORT_STUCK_AFTER(self) -> None:
        upload = self.confirmed()
        self.client.force_login(self.staff)
        response = self.page(upload, minutes=4.9)
        self.assertContains(response, "waiting for the background worker")
        self.assertEqual(response.context["actions"], frozenset())
        self.assertNotContains(response, retry(upload))
        self.assertNotContains(response, discard(upload))

    def test_the_page_offers_retry_and_discard_once_no_worker_finished_it_in_IMPORT_STUCK_AFTER(self) -> None:
        upload = self.confirmed()
        self.client.force_login(self.staff)
        response = self.page(upload, minutes=5)
        self.assertContains(response, "no worker has finished importing it for more than 5 minutes")
        self.assertContains(response, retry(upload))
        self.assertContains(response, discard(upload))

    def test_the_stuck_page_speaks_chinese(self) -> None:
        upload = self.confirmed()
        self.client.force_login(self.staff)
        with self.settings(LANGUAGE_CODE="zh-hans"):
            response = self.page(upload, minutes=6)
        self.assertContains(response, "超过5分钟仍无后台任务完成导入")
        self.assertContains(response, "重新提交导入")
        self.assertNotContains(response, "no worker has finished")

    def test_retry_queues_the_import_again_and_the_worker_applies_it(self) -> None:
        upload = self.confirmed()
        self.client.force_login(self.staff)
        with time_machine.travel(CONFIRMED + timedelta(minutes=6), tick=False):
            with self.captureOnCommitCallbacks(execute=True):
                response = self.client.post(retry(upload))
            self.assertRedirects(response, detail(upload), fetch_redirect_response=False)
        self.assertEqual(self.refreshed(upload).status, SpreadsheetImport.Status.APPLIED)
        self.assertEqual(Proposal.objects.count(), 2)

    def test_retry_is_refused_before_IMPORT_STUCK_AFTER(self) -> None:
        upload = self.confirmed()
        self.client.force_login(self.staff)
        with time_machine.travel(CONFIRMED + timedelta(minutes=2), tick=False):
            response = self.client.post(retry(upload), follow=True)
        self.assertContains(response, "A worker may still be importing this list")
        self.assertEqual(OutboxMessage.objects.filter(task=APPLY_TASK).count(), 1)

    def test_discard_of_a_stuck_import_records_who_and_when_and_a_late_task_imports_nothing(self) -> None:
        upload = self.confirmed()
        self.client.force_login(self.staff)
        discarded_at = CONFIRMED + timedelta(minutes=6)
        with time_machine.travel(discarded_at, tick=False):
            self.client.post(discard(upload))
        upload = self.refreshed(upload)
        self.assertEqual(
            (upload.status, upload.discarded_by, upload.discarded_at),
            (SpreadsheetImport.Status.DISCARDED, self.staff, discarded_at),
        )
        self.assertIsNone(SpreadsheetImport.run_confirmed(upload.pk))
        self.assertFalse(Proposal.objects.exists())

    def test_discard_of_an_import_in_progress_is_refused_before_IMPORT_STUCK_AFTER(self) -> None:
        upload = self.confirmed()
        self.client.force_login(self.staff)
        with time_machine.travel(CONFIRMED + timedelta(minutes=2), tick=False):
            self.client.post(discard(upload))
        self.assertEqual(self.refreshed(upload).status, SpreadsheetImport.Status.APPLYING)

    def test_the_outbox_drain_queues_a_stuck_import_again_once_per_IMPORT_STUCK_AFTER(self) -> None:
        upload = self.confirmed()
        # The broker took the task and lost it (a Redis killed with its queue).
        OutboxMessage.objects.update(published_at=CONFIRMED)
        with time_machine.travel(CONFIRMED + timedelta(minutes=4), tick=False):
            outbox.drain()
        self.assertEqual(self.refreshed(upload).status, SpreadsheetImport.Status.APPLYING)
        with (
            time_machine.travel(CONFIRMED + timedelta(minutes=5), tick=False),
            self.captureOnCommitCallbacks(execute=True),
        ):
            outbox.drain()
        self.assertEqual(self.refreshed(upload).status, SpreadsheetImport.Status.APPLIED)
        self.assertEqual(OutboxMessage.objects.filter(task=APPLY_TASK).count(), 2)

    def test_the_drain_leaves_an_import_queued_again_less_than_IMPORT_STUCK_AFTER_ago(self) -> None:
        upload = self.confirmed()
        OutboxMessage.objects.update(published_at=CONFIRMED)
        with mock.patch("proposals.models.imports.outbox.enqueue_many") as enqueue:
            with time_machine.travel(CONFIRMED + timedelta(minutes=5), tick=False):
                outbox.drain()
            with time_machine.travel(CONFIRMED + timedelta(minutes=9), tick=False):
                outbox.drain()
        self.assertEqual(enqueue.call_count, 1)
        self.assertEqual(self.refreshed(upload).queued_at, CONFIRMED + timedelta(minutes=5))
