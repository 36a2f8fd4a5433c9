"""The search page (/search/): who finds what, highlighting and paging."""

from __future__ import annotations

from unittest import mock, skipUnless

from django.db import connection
from django.test import override_settings
from django.urls import reverse

from proposals.search_views import PER_PAGE
from tests.base import TrackerTestCase

URL = reverse("search:search")


class SearchViewTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Assigned to the lead unit (clerk) and the co-handling unit (co_clerk); 陈寿's.
        cls.mine = cls.make_assigned(number="20240618", title="关于增加公办学位供给的建议")
        # Assigned to the other unit only (outsider); 王芳's.
        cls.theirs = cls.make_proposal(
            number="20240530", title="关于坪山区学位建设的建议", lead_deputy=cls.other_deputy
        )
        cls.theirs.assign(by=cls.staff, lead=cls.other_dept)
        # The lead unit's draft reply, not sent.
        cls.draft = cls.make_draft(cls.mine, body="新增学位5000个。")

    def found(self, user: object, q: str = "学位", tab: str = "") -> list[str]:
        self.client.force_login(user)  # type: ignore[arg-type]
        response = self.client.get(URL, {"q": q, **({"in": tab} if tab else {})})
        self.assertEqual(response.status_code, 200)
        return [hit.obj.pk for hit in response.context["hits"]]

    def test_it_sends_an_anonymous_visitor_to_log_in(self) -> None:
        response = self.client.get(URL, {"q": "学位"})
        self.assertRedirects(response, f"{reverse('login')}?next={URL}%3Fq%3D%25E5%25AD%25A6%25E4%25BD%258D")

    def test_it_shows_staff_every_match_title_matches_first(self) -> None:
        self.assertEqual(self.found(self.staff), [self.theirs.pk, self.mine.pk])

    def test_it_shows_a_clerk_only_their_units_suggestions(self) -> None:
        self.assertEqual(self.found(self.clerk), [self.mine.pk])
        self.assertEqual(self.found(self.outsider), [self.theirs.pk])

    def test_it_shows_a_deputy_only_their_own(self) -> None:
        self.assertEqual(self.found(self.deputy_user), [self.mine.pk])
        self.assertEqual(self.found(self.other_deputy_user), [self.theirs.pk])

    def test_it_shows_a_user_without_a_role_nothing(self) -> None:
        self.assertEqual(self.found(self.nobody), [])

    def test_it_shows_a_draft_reply_to_its_own_unit_only(self) -> None:
        self.assertEqual(self.found(self.clerk, tab="replies"), [self.draft.pk])
        self.assertEqual(self.found(self.staff, tab="replies"), [self.draft.pk])
        self.assertEqual(self.found(self.co_clerk, tab="replies"), [])
        self.assertEqual(self.found(self.outsider, tab="replies"), [])
        self.assertEqual(self.found(self.deputy_user, tab="replies"), [])

    def test_it_counts_the_matches_of_both_tabs(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.get(URL, {"q": "学位"})
        self.assertEqual((response.context["proposal_count"], response.context["reply_count"]), ("1", "1"))

    def test_it_highlights_the_match_and_escapes_the_title(self) -> None:
        self.mine.title = "关于<b>学位</b>的建议"
        self.mine.save(update_fields=["title"])
        self.client.force_login(self.clerk)
        response = self.client.get(URL, {"q": "学位"})
        self.assertContains(response, "关于&lt;b&gt;<mark>学位</mark>&lt;/b&gt;的建议", html=False)
        self.assertNotContains(response, "<b>学位</b>", html=False)

    def test_it_pages_the_results(self) -> None:
        for i in range(PER_PAGE):
            self.make_proposal(number=f"2025{i:04d}", title=f"关于学位建设的建议（{i}）")
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"q": "学位", "page": 2})
        self.assertEqual(len(response.context["hits"]), 2)
        self.assertEqual(response.context["page_obj"].paginator.count, PER_PAGE + 2)

    def test_it_runs_a_bounded_number_of_queries(self) -> None:
        for i in range(5):
            self.make_proposal(number=f"2025{i:04d}", title=f"关于学位建设的建议（{i}）")
        self.client.force_login(self.staff)
        self.client.get(URL, {"q": "学位"})  # warm the session
        # Session, user, its second-factor device and groups; the search's transaction
        # (savepoint, its statement timeout, release); the deputies and departments named
        # like the query; the page's matches read through the indexes, up to the cap, for
        # any match and for the title (each between SET LOCAL and RESET of the planner's
        # settings on PostgreSQL), the rows and their handling units; the other tab's
        # matches; the header's unread count.
        with self.assertNumQueries(21 if connection.vendor == "postgresql" else 14):
            response = self.client.get(URL, {"q": "学位"})
        self.assertEqual(len(response.context["hits"]), 7)

    def test_a_hit_names_its_handling_units_with_the_match_marked(self) -> None:
        proposal = self.make_assigned(number="20250001", title="关于完善公交线路的建议", with_co=True)
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"q": "住房"})
        (hit,) = [hit for hit in response.context["hits"] if hit.obj == proposal]
        self.assertEqual(
            [(str(name), assignment.role) for name, assignment in hit.units],
            [(self.lead_dept.name, "lead"), ("龙岗区<mark>住房</mark>和建设局", "co")],
        )
        self.assertContains(response, "龙岗区<mark>住房</mark>和建设局")

    def test_the_header_has_the_search_box_for_signed_in_users(self) -> None:
        self.client.force_login(self.deputy_user)
        response = self.client.get(reverse("proposals:mine"))
        self.assertContains(response, 'class="header-search"')


class CappedSearchTests(TrackerTestCase):
    """A common word: counted up to SEARCH_COUNT_CAP, said so, paged only that far."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for i in range(5):
            cls.make_proposal(number=f"2025{i:04d}", title=f"关于学位建设的建议（{i}）")

    @override_settings(SEARCH_COUNT_CAP=3)
    def test_it_labels_a_count_past_the_cap_and_pages_only_that_far(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"q": "学位"})
        page = response.context["page_obj"]
        self.assertEqual(response.context["proposal_count"], "3+")
        self.assertEqual(
            (page.paginator.count, page.paginator.capped, len(response.context["hits"])), (3, True, 3)
        )
        self.assertContains(response, "3")
        self.assertTrue(response.context["capped"])

    @override_settings(SEARCH_COUNT_CAP=5)
    def test_it_counts_exactly_up_to_the_cap(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"q": "学位"})
        self.assertEqual(response.context["proposal_count"], "5")
        self.assertFalse(response.context["capped"])


@skipUnless(connection.vendor == "postgresql", "statement_timeout is PostgreSQL's")
class SearchTimeoutTests(TrackerTestCase):
    @override_settings(SEARCH_STATEMENT_TIMEOUT_MS=50)
    def test_a_runaway_search_says_to_narrow_it_instead_of_failing(self) -> None:
        def slow(*args: object, **kwargs: object) -> None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(5)")

        self.client.force_login(self.staff)
        with mock.patch("proposals.search_views.ranked_proposals", side_effect=slow):
            response = self.client.get(URL, {"q": "学位"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["too_broad"])
        self.assertContains(response, 'role="alert"')
        # The request's connection is usable afterwards: the search's transaction was rolled back.
        self.assertEqual(self.client.get(URL, {"q": "学位"}).status_code, 200)
