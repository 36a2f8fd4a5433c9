"""A sent reply keeps the signing body's name as it was when it was sent: renaming the
department later changes neither the letter (.docx, the page) nor the public list."""

from __future__ import annotations

import io

import docx
from django.urls import reverse

from responses.letters.docx import letter_content, letter_docx, letter_filename
from tests.base import TrackerTestCase

OLD_NAME = "龙岗区发展和改革局"
NEW_NAME = "龙岗区发展和改革委员会"


class SignerSnapshotTests(TrackerTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.sent = self.make_sent(self.make_assigned())
        self.draft = self.make_draft(self.make_assigned())
        self.lead_dept.name = NEW_NAME
        self.lead_dept.save()
        self.sent.refresh_from_db()
        self.draft.refresh_from_db()

    def test_the_sent_letter_is_signed_with_the_old_name(self) -> None:
        self.assertEqual(self.sent.signed_by_name, OLD_NAME)
        letter = letter_content(self.sent, show_phones=True)
        self.assertEqual(letter.signed_by, OLD_NAME)
        self.assertTrue(letter.title.startswith(OLD_NAME))
        text = "\n".join(
            p.text for p in docx.Document(io.BytesIO(letter_docx(self.sent, show_phones=True))).paragraphs
        )
        self.assertIn(OLD_NAME, text)
        self.assertNotIn(NEW_NAME, text)
        self.assertIn(OLD_NAME, letter_filename(self.sent, "docx"))

    def test_a_reply_not_sent_yet_is_signed_with_todays_name(self) -> None:
        self.assertEqual(self.draft.signed_by_name, "")
        self.assertEqual(letter_content(self.draft, show_phones=True).signed_by, NEW_NAME)

    def test_the_reply_page_and_the_public_list_show_the_old_name(self) -> None:
        self.client.force_login(self.staff)
        page = self.client.get(reverse("responses:reply_detail", args=[self.sent.pk]))
        self.assertContains(page, f'<p class="signature">{OLD_NAME}</p>', html=True)
        self.publish(self.sent)  # public once staff publish it (国办发〔2014〕46号)
        public = self.client.get(reverse("public:reply_list"))
        self.assertContains(public, OLD_NAME)
