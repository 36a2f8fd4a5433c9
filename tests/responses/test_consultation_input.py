"""Property: no form value posted to the consultation and rating forms answers 500
(the strategies of tests/tracker/test_no_500_on_any_input.py)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from responses.models import Consultation, Reply
from tests.base import Personas
from tests.tracker.test_no_500_on_any_input import values


class NoServerErrorOnTakingPartTests(Personas, TestCase):
    consultation: Consultation
    sent: Reply

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.congress.two_part_rating = True
        cls.congress.save()
        draft = cls.make_draft(cls.make_assigned(is_key=True, supervising_leader="副主任"))
        cls.consultation = draft.consult(by=cls.clerk)
        cls.sent = cls.make_sent(cls.make_assigned())

    def post(self, user_name: str, url: str, data: dict[str, str]) -> int:
        client = Client()
        client.force_login(getattr(self, user_name))
        return client.post(url, data).status_code

    @given(data=st.dictionaries(st.sampled_from(["comment", "consent", "state"]), values, max_size=3))
    def test_it_never_answers_500_on_the_deputys_answer(self, data: dict[str, str]) -> None:
        url = reverse("responses:consultation", args=[self.consultation.pk])
        self.assertLess(self.post("deputy_user", url, data), 500)

    @given(data=st.dictionaries(st.sampled_from(["note", "state"]), values, max_size=2))
    def test_it_never_answers_500_on_sending_the_draft(self, data: dict[str, str]) -> None:
        url = reverse("responses:reply_consult", args=[self.consultation.reply_id])
        self.assertLess(self.post("clerk", url, data), 500)

    @given(data=st.dictionaries(st.sampled_from(["rating", "communication", "comment"]), values, max_size=3))
    def test_it_never_answers_500_on_the_rating_form(self, data: dict[str, str]) -> None:
        url = reverse("responses:feedback", args=[self.sent.pk])
        self.assertLess(self.post("deputy_user", url, data), 500)
