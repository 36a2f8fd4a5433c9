"""A B reply's promise from report to confirmation, and the paths that end otherwise."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from proposals.models import ProposalEvent
from responses.models import Commitment, CommitmentComment, Evidence, Obligation, ProgressReport, Reply
from tests.base import TrackerTestCase
from tests.responses.reminder_helpers import at
from tracker.workflow import InvalidTransition

SENT = date(2025, 5, 20)
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def pdf(name: str = "可研批复.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def docx(name: str = "进展情况.docx") -> SimpleUploadedFile:
    import docx as python_docx

    buffer = io.BytesIO()
    document = python_docx.Document()
    document.add_paragraph("坪西路改造工程已完成可研批复。")
    document.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@override_settings(MEDIA_ROOT="/tmp/tracker-test-media")
class CommitmentLifecycleTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with time_machine.travel(at(SENT, 9), tick=False):
            cls.reply = cls.make_sent(cls.make_assigned(with_co=False), grade="B")
        cls.commitment = cls.reply.commitments.get()

    def test_a_promise_lives_from_b_reply_to_a_regrade(self) -> None:
        commitment = self.commitment
        with time_machine.travel(at(date(2025, 6, 10)), tick=False):
            commitment.report_progress(
                by=self.clerk,
                reported_on=date(2025, 6, 10),
                summary="可研报告已报区发改局",
                percent=60,
                files=[docx()],
            )
        with time_machine.travel(at(date(2025, 6, 25)), tick=False):
            commitment.claim_fulfilled(
                by=self.clerk, fulfilled_on=date(2025, 6, 25), summary="可研报告已批复", files=[pdf()]
            )
            commitment.confirm(by=self.staff)
            self.reply.regrade("A", by=self.staff, reason="承诺事项已全部落实")
        commitment.refresh_from_db()
        self.assertEqual((commitment.status, commitment.kept_on_time), (Commitment.Status.FULFILLED, True))
        self.assertEqual((self.refreshed(self.reply).grade, self.reply.department_grade), ("A", "B"))
        self.assertEqual(
            list(ProposalEvent.objects.filter(kind__startswith="commitment").values_list("kind", flat=True)),
            ["commitment_claimed", "commitment_confirmed"],
        )

    def test_a_progress_report_keeps_its_evidence_and_moves_the_next_report_on(self) -> None:
        with time_machine.travel(at(date(2025, 8, 15)), tick=False):
            report = self.commitment.report_progress(
                by=self.clerk,
                reported_on=date(2025, 8, 15),
                summary="已完成用地预审",
                percent=40,
                files=[pdf()],
            )
        evidence = report.evidence.get()
        self.assertEqual((evidence.original_name, evidence.content_type), ("可研批复.pdf", "application/pdf"))
        self.assertEqual(self.refreshed(self.commitment).report_due_on, date(2025, 11, 17))
        self.assertTrue(ProposalEvent.objects.filter(kind=ProposalEvent.Kind.PROGRESS_REPORTED).exists())

    def test_it_refuses_a_disguised_file_and_writes_nothing(self) -> None:
        disguised = SimpleUploadedFile(
            "批复.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf"
        )
        with self.assertRaisesMessage(InvalidTransition, "“批复.pdf” is not a PDF, PNG, JPEG or Word"):
            self.commitment.report_progress(
                by=self.clerk, reported_on=SENT, summary="已完成", files=[pdf(), disguised]
            )
        self.assertFalse(ProgressReport.objects.exists())
        self.assertFalse(Evidence.objects.exists())

    def test_it_refuses_a_png_named_pdf(self) -> None:
        with self.assertRaisesMessage(InvalidTransition, "is a PNG file by its content but named .pdf"):
            self.commitment.report_progress(
                by=self.clerk,
                reported_on=SENT,
                summary="现场照片",
                files=[SimpleUploadedFile("现场.pdf", PNG)],
            )

    def test_it_refuses_a_zip_named_docx(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("payload.exe", "MZ")
        with self.assertRaisesMessage(InvalidTransition, "“材料.docx” is not a Word document"):
            self.commitment.report_progress(
                by=self.clerk,
                reported_on=SENT,
                summary="材料",
                files=[SimpleUploadedFile("材料.docx", buffer.getvalue())],
            )

    @override_settings(EVIDENCE_MAX_BYTES=10)
    def test_it_refuses_a_file_over_the_size_limit(self) -> None:
        with self.assertRaisesMessage(InvalidTransition, "the limit is 10\xa0bytes"):
            self.commitment.report_progress(by=self.clerk, reported_on=SENT, summary="材料", files=[pdf()])

    def test_fulfilment_needs_evidence(self) -> None:
        with self.assertRaisesMessage(InvalidTransition, "Attach the evidence"):
            self.commitment.claim_fulfilled(by=self.clerk, fulfilled_on=SENT, summary="已完成", files=[])
        self.assertEqual(self.refreshed(self.commitment).status, Commitment.Status.OPEN)

    def test_staff_reject_a_claim_with_a_reason_and_the_promise_is_open_again(self) -> None:
        self.commitment.claim_fulfilled(by=self.clerk, fulfilled_on=SENT, summary="已完成", files=[pdf()])
        self.commitment.reject(by=self.staff, reason="批复文件不是本项目的")
        commitment = self.refreshed(self.commitment)
        self.assertEqual((commitment.status, commitment.fulfilled_on), (Commitment.Status.OPEN, None))
        event = ProposalEvent.objects.get(kind=ProposalEvent.Kind.COMMITMENT_REJECTED)
        self.assertEqual(
            (event.reason, event.from_status, event.to_status), ("批复文件不是本项目的", "claimed", "open")
        )

    def test_a_promise_that_cannot_be_kept_is_closed_with_a_reason(self) -> None:
        self.commitment.close_not_fulfilled(by=self.staff, reason="规划调整，项目取消")
        commitment = self.refreshed(self.commitment)
        self.assertEqual(
            (commitment.status, commitment.closed_reason), ("not_fulfilled", "规划调整，项目取消")
        )
        self.assertFalse(Obligation.objects.filter(commitment=commitment, is_open=True).exists())

    def test_closing_needs_a_reason(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.commitment.close_not_fulfilled(by=self.staff, reason=" ")

    def test_a_b_reply_is_not_regraded_a_while_a_promise_is_open(self) -> None:
        with self.assertRaisesMessage(InvalidTransition, "only when staff have confirmed every commitment"):
            self.reply.regrade("A", by=self.staff, reason="已解决")
        self.assertEqual(self.refreshed(self.reply).grade, "B")

    def test_claiming_stops_the_department_reminders_and_rejecting_restarts_them(self) -> None:
        self.commitment.claim_fulfilled(by=self.clerk, fulfilled_on=SENT, summary="已完成", files=[pdf()])
        self.assertFalse(Obligation.objects.get(commitment=self.commitment, kind="commitment").is_open)
        self.commitment.reject(by=self.staff, reason="证据不足")
        self.assertTrue(Obligation.objects.get(commitment=self.commitment, kind="commitment").is_open)


@override_settings(MEDIA_ROOT="/tmp/tracker-test-media")
class CommitmentAccessTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.reply = cls.make_sent(cls.make_assigned(with_co=False), grade="B")
        cls.commitment = cls.reply.commitments.get()

    def test_another_department_cannot_report(self) -> None:
        for user in (self.outsider, self.co_clerk, self.staff, self.deputy_user):
            with self.assertRaises(InvalidTransition):
                self.commitment.report_progress(by=user, reported_on=SENT, summary="x")
        self.assertFalse(ProgressReport.objects.exists())

    def test_only_staff_confirm(self) -> None:
        self.commitment.claim_fulfilled(by=self.clerk, fulfilled_on=SENT, summary="已完成", files=[pdf()])
        for user in (self.clerk, self.leader, self.deputy_user):
            with self.assertRaises(InvalidTransition):
                self.commitment.confirm(by=user)
        self.assertEqual(self.refreshed(self.commitment).status, Commitment.Status.CLAIMED)

    def test_the_departments_leader_may_close_a_promise_but_not_its_clerk(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.commitment.close_not_fulfilled(by=self.clerk, reason="项目取消")
        self.commitment.close_not_fulfilled(by=self.leader, reason="项目取消")
        self.assertEqual(self.refreshed(self.commitment).status, Commitment.Status.NOT_FULFILLED)

    def test_the_deputy_comments_and_others_cannot(self) -> None:
        comment = self.commitment.add_comment(by=self.deputy_user, body="请尽快完成坪西路改造")
        self.assertIsInstance(comment, CommitmentComment)
        for user in (self.other_deputy_user, self.clerk, self.staff):
            with self.assertRaises(InvalidTransition):
                self.commitment.add_comment(by=user, body="…")

    def test_a_draft_promise_cannot_be_reported_on(self) -> None:
        draft = self.make_draft(self.make_assigned(with_co=False), grade="B")
        with self.assertRaises(InvalidTransition):
            draft.commitments.get().report_progress(by=self.clerk, reported_on=SENT, summary="x")
        self.assertEqual(draft.status, Reply.Status.DRAFT)
