from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from responses.models import Reply
from tests.base import TrackerTestCase
from tracker.models import User

URL = reverse("proposals:queue")


class QueueTestCase(TrackerTestCase):
    def get(self, user: User, **params: Any) -> Any:
        self.client.force_login(user)
        return self.client.get(URL, params)

    def rows(self, user: User) -> list[Any]:
        return self.get(user).context["rows"]


class QueuePermissionTests(QueueTestCase):
    def test_it_redirects_anonymous_users_to_login(self) -> None:
        response = self.client.get(URL)
        self.assertRedirects(response, f"{reverse('login')}?next={URL}", fetch_redirect_response=False)

    def test_it_shows_the_queue_to_a_clerk(self) -> None:
        self.assertEqual(self.get(self.clerk).status_code, 200)

    def test_it_shows_the_queue_to_a_leader(self) -> None:
        self.assertEqual(self.get(self.leader).status_code, 200)

    def test_it_refuses_staff(self) -> None:
        self.assertEqual(self.get(self.staff).status_code, 403)

    def test_it_refuses_a_deputy(self) -> None:
        self.assertEqual(self.get(self.deputy_user).status_code, 403)

    def test_it_refuses_a_user_without_role(self) -> None:
        self.assertEqual(self.get(self.nobody).status_code, 403)


class QueueContentTests(QueueTestCase):
    def test_it_lists_only_the_departments_open_assignments(self) -> None:
        mine = self.make_assigned(with_co=False)
        other = self.make_proposal()
        other.assign(by=self.staff, lead=self.other_dept, assigned_on=date(2024, 7, 15))
        self.assertEqual([row.assignment.proposal for row in self.rows(self.clerk)], [mine])

    def test_it_leaves_out_replied_assignments(self) -> None:
        self.make_sent(self.make_assigned(with_co=False))
        self.assertEqual(self.rows(self.clerk), [])

    def test_it_lists_the_most_urgent_first(self) -> None:
        later = self.make_assigned(with_co=False, assigned_on=date(2024, 8, 1))
        sooner = self.make_assigned(with_co=False, assigned_on=date(2024, 7, 1))
        self.assertEqual([row.assignment.proposal for row in self.rows(self.clerk)], [sooner, later])

    def test_it_marks_overdue_assignments(self) -> None:
        self.make_assigned(with_co=False, assigned_on=date(2024, 7, 15))
        with time_machine.travel(date(2024, 10, 20), tick=False):
            response = self.get(self.clerk)
        self.assertContains(response, "days-left overdue")
        self.assertEqual(response.context["overdue_count"], 1)

    def test_it_asks_to_sign_for_a_pending_assignment_by_the_window(self) -> None:
        self.make_assigned(with_co=False, assigned_on=date(2024, 7, 15))
        self.assertEqual(self.rows(self.clerk)[0].next_step, "Sign for by 2024-07-24")

    def test_it_asks_the_co_handler_for_its_opinion(self) -> None:
        proposal = self.make_assigned()
        co = proposal.assignments.get(role="co")
        co.accept(by=self.co_clerk)
        row = self.rows(self.co_clerk)[0]
        self.assertEqual(
            (row.next_step, row.url), ("Send opinion", reverse("responses:opinion", args=[co.pk]))
        )

    def test_it_asks_the_lead_clerk_to_draft_the_reply(self) -> None:
        proposal = self.make_assigned(with_co=False)
        lead = self.lead_assignment(proposal)
        lead.accept(by=self.clerk)
        row = self.rows(self.clerk)[0]
        self.assertEqual(
            (row.next_step, row.url), ("Draft reply", reverse("responses:reply_edit", args=[lead.pk]))
        )

    def test_it_tells_the_clerk_the_reply_awaits_approval(self) -> None:
        reply = self.make_draft(self.make_assigned(with_co=False))
        reply.submit(by=self.clerk)
        row = self.rows(self.clerk)[0]
        self.assertEqual((row.next_step, row.highlight), ("Awaiting leader approval", False))

    def test_it_highlights_the_reply_awaiting_the_leaders_approval(self) -> None:
        reply = self.make_draft(self.make_assigned(with_co=False))
        reply.submit(by=self.clerk)
        row = self.rows(self.leader)[0]
        self.assertEqual((row.url, row.highlight), (reverse("responses:reply_detail", args=[reply.pk]), True))

    def test_it_asks_to_revise_a_returned_reply(self) -> None:
        reply = self.make_draft(self.make_assigned(with_co=False))
        reply.submit(by=self.clerk)
        reply.return_to_clerk(by=self.leader, comment="请补充资金安排")
        self.assertEqual(self.rows(self.clerk)[0].next_step, "Revise the returned reply")

    def test_it_lists_recently_sent_replies(self) -> None:
        reply = self.make_sent(self.make_assigned(with_co=False))
        self.assertContains(self.get(self.clerk), reverse("responses:reply_detail", args=[reply.pk]))

    def test_recently_sent_replies_are_the_units_own_newest_first(self) -> None:
        newer = self.make_sent(self.make_assigned(with_co=False))
        older = self.make_sent(self.make_assigned(with_co=False))
        Reply.objects.filter(pk=older.pk).update(sent_on=newer.sent_on - timedelta(days=1))
        self.make_draft(self.make_assigned(with_co=False))
        self.assertEqual(list(self.get(self.clerk).context["recent"]), [newer, older])
        self.assertEqual(list(self.get(self.outsider).context["recent"]), [])
        # Each reply records its assignment's unit when created (Reply.replying_department).
        self.assertEqual(
            (older.replying_department, newer.replying_department), (self.lead_dept, self.lead_dept)
        )

    def test_it_paginates(self) -> None:
        for _ in range(3):
            self.make_assigned(with_co=False)
        response = self.get(self.clerk, per_page=2)
        self.assertEqual(
            (len(response.context["rows"]), response.context["page_obj"].paginator.num_pages), (2, 2)
        )

    def test_it_runs_the_same_number_of_queries_for_few_and_many_assignments(self) -> None:
        self.make_draft(self.make_assigned(with_co=False, co_signers=[self.other_deputy]))
        self.make_assigned(with_co=False)
        self.client.force_login(self.leader)
        with CaptureQueriesContext(connection) as few:
            self.client.get(URL)
        for _ in range(6):
            self.make_draft(self.make_assigned(with_co=False, co_signers=[self.other_deputy])).submit(
                by=self.clerk
            )
        self.make_sent(self.make_assigned(with_co=False))
        with self.assertNumQueries(len(few.captured_queries)):
            self.client.get(URL)
