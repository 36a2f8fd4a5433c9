"""The commitment pages: who sees a promise, who reports, confirms, closes and comments."""

from __future__ import annotations

from datetime import date

from django.test import override_settings
from django.urls import reverse

from responses.models import Commitment, CommitmentComment, ProgressReport
from tests.base import TrackerTestCase
from tests.responses.test_commitment_lifecycle import PDF, pdf

SENT = date(2025, 5, 20)


@override_settings(MEDIA_ROOT="/tmp/tracker-test-media")
class CommitmentViewTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.reply = cls.make_sent(cls.make_assigned(), grade="B")
        cls.commitment = cls.reply.commitments.get()

    def url(self, name: str = "commitment") -> str:
        return reverse(f"responses:{name}", args=[self.commitment.pk])

    def report(self, user: object) -> object:
        self.client.force_login(user)
        return self.client.post(
            self.url("commitment_report"),
            {"reported_on": "2025-06-01", "summary": "可研报告已报批", "percent": "50", "files": [pdf()]},
        )

    # -- detail ------------------------------------------------------------------

    def test_the_department_staff_and_deputy_see_the_promise(self) -> None:
        for user in (self.clerk, self.leader, self.staff, self.deputy_user, self.co_clerk):
            self.client.force_login(user)
            self.assertContains(
                self.client.get(self.url()), "完成坪西路改造可研报告审批", msg_prefix=str(user)
            )

    def test_an_outsider_and_another_deputy_get_404(self) -> None:
        for user in (self.outsider, self.other_deputy_user, self.nobody):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url()).status_code, 404, user)

    def test_anonymous_users_are_sent_to_login(self) -> None:
        self.assertEqual(self.client.get(self.url()).status_code, 302)

    def test_only_the_department_gets_the_report_form(self) -> None:
        self.client.force_login(self.clerk)
        self.assertContains(self.client.get(self.url()), self.url("commitment_report"))
        self.client.force_login(self.staff)
        self.assertNotContains(self.client.get(self.url()), self.url("commitment_report"))

    # -- report ------------------------------------------------------------------

    def test_the_clerk_reports_progress_with_evidence(self) -> None:
        response = self.report(self.clerk)
        self.assertRedirects(response, self.url(), fetch_redirect_response=False)
        report = ProgressReport.objects.get()
        self.assertEqual((report.percent, report.evidence.count()), (50, 1))

    def test_staff_and_the_co_handler_may_not_report(self) -> None:
        self.assertEqual(self.report(self.staff).status_code, 403)
        self.assertEqual(self.report(self.co_clerk).status_code, 403)
        self.assertEqual(self.report(self.outsider).status_code, 404)
        self.assertFalse(ProgressReport.objects.exists())

    def test_a_disguised_file_is_refused_with_its_name(self) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.client.force_login(self.clerk)
        fake = SimpleUploadedFile("照片.jpg", PDF)
        response = self.client.post(
            self.url("commitment_report"),
            {"reported_on": "2025-06-01", "summary": "现场照片", "files": [fake]},
            follow=True,
        )
        self.assertContains(response, "“照片.jpg” is a PDF file by its content but named .jpg.")
        self.assertFalse(ProgressReport.objects.exists())

    def test_the_evidence_downloads_for_those_who_see_the_promise(self) -> None:
        self.report(self.clerk)
        evidence = ProgressReport.objects.get().evidence.get()
        self.client.force_login(self.deputy_user)
        response = self.client.get(evidence.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), PDF)
        self.assertIn("attachment", response["Content-Disposition"])
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(evidence.get_absolute_url()).status_code, 404)

    # -- confirm, reject, close -----------------------------------------------------

    def claim(self) -> None:
        self.commitment.claim_fulfilled(by=self.clerk, fulfilled_on=SENT, summary="已批复", files=[pdf()])

    def test_staff_confirm_a_claim(self) -> None:
        self.claim()
        self.client.force_login(self.staff)
        self.client.post(self.url("commitment_confirm"))
        self.assertEqual(self.refreshed(self.commitment).status, Commitment.Status.FULFILLED)

    def test_the_department_may_not_confirm_its_own_claim(self) -> None:
        self.claim()
        for user in (self.clerk, self.leader):
            self.client.force_login(user)
            self.assertEqual(self.client.post(self.url("commitment_confirm")).status_code, 403)
        self.assertEqual(self.refreshed(self.commitment).status, Commitment.Status.CLAIMED)

    def test_a_rejection_without_reason_changes_nothing(self) -> None:
        self.claim()
        self.client.force_login(self.staff)
        self.client.post(self.url("commitment_reject"), {"reason": ""})
        self.assertEqual(self.refreshed(self.commitment).status, Commitment.Status.CLAIMED)

    def test_the_leader_closes_a_promise_the_deputy_then_reads_why(self) -> None:
        self.client.force_login(self.leader)
        self.client.post(self.url("commitment_close"), {"reason": "线路规划调整，项目取消"})
        self.client.force_login(self.deputy_user)
        self.assertContains(self.client.get(self.url()), "线路规划调整，项目取消")

    def test_the_clerk_and_the_deputy_may_not_close(self) -> None:
        for user in (self.clerk, self.deputy_user):
            self.client.force_login(user)
            self.assertEqual(self.client.post(self.url("commitment_close"), {"reason": "x"}).status_code, 403)

    # -- comments and lists ----------------------------------------------------------

    def test_the_deputy_comments(self) -> None:
        self.client.force_login(self.deputy_user)
        self.client.post(self.url("commitment_comment"), {"body": "请告知坪西路改造开工时间"})
        self.assertEqual(CommitmentComment.objects.get().author, self.deputy_user)

    def test_staff_and_the_department_may_not_comment_as_deputies(self) -> None:
        for user in (self.staff, self.clerk):
            self.client.force_login(user)
            self.assertEqual(self.client.post(self.url("commitment_comment"), {"body": "x"}).status_code, 403)

    def test_the_departments_list_shows_only_its_own_promises(self) -> None:
        other = self.make_sent(self.make_assigned(with_co=False), grade="B").commitments.get()
        Commitment.objects.filter(pk=other.pk).update(
            description="坪山区教育局的承诺", department=self.other_dept
        )
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("responses:commitments"))
        self.assertContains(response, "完成坪西路改造可研报告审批")
        self.assertNotContains(response, "坪山区教育局的承诺")
        self.client.force_login(self.outsider)
        self.assertContains(self.client.get(reverse("responses:commitments")), "坪山区教育局的承诺")

    def test_the_list_runs_a_fixed_number_of_queries(self) -> None:
        for _ in range(3):
            self.make_sent(self.make_assigned(with_co=False), grade="B")
        self.client.force_login(self.clerk)
        with self.assertNumQueries(6):
            self.client.get(reverse("responses:commitments"))

    def test_a_user_without_role_may_not_list(self) -> None:
        self.client.force_login(self.nobody)
        self.assertEqual(self.client.get(reverse("responses:commitments")).status_code, 403)
