"""responses:reply_regrade — staff change a sent reply's grade with a reason."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.urls import reverse

from proposals.models import ProposalEvent
from responses.models import Reply
from tests.base import TrackerTestCase


class RegradeViewTests(TrackerTestCase):
    reply: Reply

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.reply = cls.make_sent(cls.make_assigned(), grade="B")
        cls.keep_promises(cls.reply)

    def url(self) -> str:
        return reverse("responses:reply_regrade", args=[self.reply.pk])

    def test_it_changes_the_grade_and_keeps_both_on_record(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.post(self.url(), {"grade": "A", "reason": "坪西路改造可研报告已批复"})
        self.assertRedirects(response, self.reply.get_absolute_url())
        reply = self.refreshed(self.reply)
        self.assertEqual((reply.grade, reply.department_grade), ("A", "B"))

    def test_it_records_the_event_from_and_to(self) -> None:
        self.client.force_login(self.staff)
        self.client.post(self.url(), {"grade": "A", "reason": "坪西路改造可研报告已批复"})
        event = ProposalEvent.objects.get(kind=ProposalEvent.Kind.REGRADED)
        self.assertEqual(
            (event.from_status, event.to_status, event.reason), ("B", "A", "坪西路改造可研报告已批复")
        )

    def test_it_refuses_without_reason(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.post(self.url(), {"grade": "A", "reason": ""})
        self.assertEqual([m.level_tag for m in get_messages(response.wsgi_request)], ["error"])
        self.assertEqual(self.refreshed(self.reply).grade, "B")

    def test_it_refuses_a_grade_the_congress_does_not_use(self) -> None:
        self.client.force_login(self.staff)
        self.client.post(self.url(), {"grade": "D", "reason": "留作参考"})
        self.assertEqual(self.refreshed(self.reply).grade, "B")

    def test_it_reports_the_same_grade(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.post(self.url(), {"grade": "B", "reason": "维持"})
        self.assertEqual([m.level_tag for m in get_messages(response.wsgi_request)], ["error"])
        self.assertFalse(ProposalEvent.objects.filter(kind=ProposalEvent.Kind.REGRADED).exists())

    def test_it_forbids_the_departments_leader(self) -> None:
        self.client.force_login(self.leader)
        self.assertEqual(self.client.post(self.url(), {"grade": "A", "reason": "x"}).status_code, 403)
        self.assertEqual(self.refreshed(self.reply).grade, "B")

    def test_it_forbids_the_deputy(self) -> None:
        self.client.force_login(self.deputy_user)
        self.assertEqual(self.client.post(self.url(), {"grade": "A", "reason": "x"}).status_code, 403)

    def test_it_hides_the_reply_from_an_outsider(self) -> None:
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.post(self.url(), {"grade": "A", "reason": "x"}).status_code, 404)
        self.assertEqual(self.refreshed(self.reply).grade, "B")

    def test_it_refuses_get(self) -> None:
        self.client.force_login(self.staff)
        self.assertEqual(self.client.get(self.url()).status_code, 405)
