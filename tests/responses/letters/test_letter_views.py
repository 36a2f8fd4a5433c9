"""Downloading a sent reply as a Word or PDF letter: who may, and what they get."""

from __future__ import annotations

from unittest import mock
from urllib.parse import quote

from django.urls import reverse

from responses.models import Reply
from tests.base import TrackerTestCase
from tracker.models import User


class LetterDownloadTests(TrackerTestCase):
    sent: Reply
    draft: Reply

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.sent = cls.make_published(cls.make_assigned(number="20240493", co_signers=[cls.other_deputy]))
        cls.draft = cls.make_draft(cls.make_assigned())

    def docx_as(self, user: User | None, reply: Reply | None = None) -> int:
        if user is not None:
            self.client.force_login(user)
        response = self.client.get(reverse("responses:reply_docx", args=[(reply or self.sent).pk]))
        return response.status_code

    def test_it_serves_the_word_letter_as_a_download(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("responses:reply_docx", args=[self.sent.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Content-Type"],
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertTrue(response.content.startswith(b"PK\x03\x04"))

    def test_it_names_the_file_in_chinese_with_an_ascii_fallback(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(reverse("responses:reply_docx", args=[self.sent.pk]))
        self.assertEqual(
            response["Content-Disposition"],
            'attachment; filename="20240493-reply-letter.docx"; '
            "filename*=UTF-8''" + quote("20240493-龙岗区发展和改革局-答复函.docx"),
        )

    def test_it_lets_staff_and_the_replying_department_download(self) -> None:
        for user in (self.staff, self.clerk, self.leader):
            with self.subTest(user=user.username):
                self.assertEqual(self.docx_as(user), 200)

    def test_it_lets_the_deputies_of_the_suggestion_download(self) -> None:
        self.assertEqual(self.docx_as(self.deputy_user), 200)

    def test_it_hides_the_letter_from_another_department_and_another_deputy(self) -> None:
        unrelated = self.make_published(self.make_assigned(with_co=False))
        self.assertEqual(self.docx_as(self.outsider), 404)
        self.assertEqual(self.docx_as(self.other_deputy_user, unrelated), 404)

    def test_it_sends_anonymous_visitors_to_sign_in(self) -> None:
        for name in ("responses:reply_docx", "responses:reply_pdf"):
            with self.subTest(name=name):
                url = reverse(name, args=[self.sent.pk])
                self.assertRedirects(
                    self.client.get(url), f"{reverse('login')}?next={url}", fetch_redirect_response=False
                )

    def test_it_has_no_letter_for_a_draft_even_for_its_own_department(self) -> None:
        self.client.force_login(self.clerk)
        for name in ("responses:reply_docx", "responses:reply_pdf"):
            with self.subTest(name=name):
                self.assertEqual(self.client.get(reverse(name, args=[self.draft.pk])).status_code, 404)

    def test_it_serves_the_pdf_to_a_deputy(self) -> None:
        self.client.force_login(self.deputy_user)
        response = self.client.get(reverse("responses:reply_pdf", args=[self.sent.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertIn(
            "filename*=UTF-8''" + quote("20240493-龙岗区发展和改革局-答复函.pdf"),
            response["Content-Disposition"],
        )

    def test_it_explains_a_missing_chinese_font_with_a_503(self) -> None:
        self.client.force_login(self.staff)
        with mock.patch("responses.letters.pdf.chinese_fonts_installed", return_value=False):
            response = self.client.get(reverse("responses:reply_pdf", args=[self.sent.pk]))
        self.assertEqual(response.status_code, 503)
        self.assertContains(response, "fonts-noto-cjk", status_code=503)

    def test_it_links_both_downloads_from_a_sent_reply_only(self) -> None:
        self.client.force_login(self.clerk)
        sent_page = self.client.get(reverse("responses:reply_detail", args=[self.sent.pk]))
        draft_page = self.client.get(reverse("responses:reply_detail", args=[self.draft.pk]))
        self.assertContains(sent_page, reverse("responses:reply_docx", args=[self.sent.pk]))
        self.assertContains(sent_page, reverse("responses:reply_pdf", args=[self.sent.pk]))
        self.assertNotContains(draft_page, reverse("responses:reply_docx", args=[self.draft.pk]))


class PublicLetterTests(TrackerTestCase):
    def test_it_serves_the_pdf_of_a_published_reply_without_sign_in(self) -> None:
        reply = self.make_published(self.make_assigned(with_co=False))
        response = self.client.get(reverse("public:reply_pdf", args=[reply.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")

    def test_it_hides_replies_not_published(self) -> None:
        reply = self.make_sent(
            self.make_assigned(with_co=False),
            publicity=Reply.Publicity.ON_REQUEST,
            publicity_reason="规划尚未确定",
        )
        self.assertEqual(self.client.get(reverse("public:reply_pdf", args=[reply.pk])).status_code, 404)

    def test_it_links_the_pdf_from_the_public_page(self) -> None:
        reply = self.make_published(self.make_assigned(with_co=False))
        page = self.client.get(reverse("public:reply_detail", args=[reply.pk]))
        self.assertContains(page, reverse("public:reply_pdf", args=[reply.pk]))
