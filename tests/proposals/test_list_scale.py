"""The list at scale: a capped count, filter selects that render only their choice, and
the JSON endpoint that finds the other choices."""

from __future__ import annotations

from django.test import override_settings
from django.urls import reverse

from proposals.models import Deputy
from tests.base import TrackerTestCase

URL = reverse("proposals:list")


def choices_url(kind: str) -> str:
    return reverse("proposals:choices", args=[kind])


class CappedCountTests(TrackerTestCase):
    @override_settings(LIST_COUNT_CAP=3)
    def test_it_says_more_than_the_cap_instead_of_counting_every_row(self) -> None:
        for _ in range(5):
            self.make_proposal()
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"per_page": 2})
        paginator = response.context["page_obj"].paginator
        self.assertEqual((paginator.capped, paginator.count_label, paginator.num_pages), (True, "3+", 2))
        self.assertContains(response, "3")

    @override_settings(LIST_COUNT_CAP=3)
    def test_it_counts_exactly_up_to_the_cap(self) -> None:
        for _ in range(3):
            self.make_proposal()
        self.client.force_login(self.staff)
        paginator = self.client.get(URL).context["page_obj"].paginator
        self.assertEqual((paginator.capped, paginator.count, paginator.count_label), (False, 3, "3"))

    @override_settings(LIST_COUNT_CAP=3)
    def test_a_page_past_the_cap_shows_the_last_counted_page(self) -> None:
        numbers = [self.make_proposal(number=f"2024010{i}").number for i in range(5)]
        self.client.force_login(self.staff)
        page = self.client.get(URL, {"per_page": 1, "page": 5, "sort": "number"}).context["page_obj"]
        self.assertEqual([p.number for p in page], [numbers[2]])


class SearchableSelectTests(TrackerTestCase):
    def test_it_renders_only_the_empty_option_when_nothing_is_chosen(self) -> None:
        self.client.force_login(self.staff)
        html = self.client.get(URL).content.decode()
        self.assertIn(f'data-choices-url="{choices_url("deputies")}"', html)
        self.assertNotIn(f'<option value="{self.other_deputy.pk}"', html)

    def test_it_renders_the_chosen_deputy_selected(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"deputy": self.other_deputy.pk})
        self.assertContains(
            response, f'<option value="{self.other_deputy.pk}" selected>{self.other_deputy}</option>'
        )

    def test_it_ignores_a_malformed_choice(self) -> None:
        proposal = self.make_proposal()
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"deputy": "abc", "department": "9999999"})
        self.assertEqual([p.number for p in response.context["page_obj"]], [proposal.number])


class ChoicesEndpointTests(TrackerTestCase):
    def results(self, kind: str, q: str, user: object) -> list[str]:
        self.client.force_login(user)
        response = self.client.get(choices_url(kind), {"q": q})
        self.assertEqual(response.status_code, 200)
        return [item["text"] for item in response.json()["results"]]

    def test_it_finds_deputies_by_part_of_the_name_for_staff(self) -> None:
        self.assertEqual(
            self.results("deputies", self.other_deputy.name[1:], self.staff), [str(self.other_deputy)]
        )

    def test_it_finds_departments_for_a_department_clerk(self) -> None:
        self.assertEqual(self.results("departments", "教育", self.clerk), ["坪山区教育局"])

    def test_it_answers_nothing_to_an_empty_term(self) -> None:
        self.assertEqual(self.results("departments", " ", self.staff), [])

    def test_it_offers_at_most_20_and_says_there_are_more(self) -> None:
        Deputy.objects.bulk_create(
            [Deputy(congress=self.congress, name=f"测试代表{i:02d}") for i in range(25)]
        )
        self.client.force_login(self.staff)
        data = self.client.get(choices_url("deputies"), {"q": "测试代表"}).json()
        self.assertEqual((len(data["results"]), data["more"]), (20, True))

    def test_it_is_forbidden_to_a_deputy(self) -> None:
        self.client.force_login(self.deputy_user)
        self.assertEqual(self.client.get(choices_url("deputies"), {"q": "张"}).status_code, 403)

    def test_it_is_forbidden_to_a_user_without_a_role(self) -> None:
        self.client.force_login(self.nobody)
        self.assertEqual(self.client.get(choices_url("departments"), {"q": "局"}).status_code, 403)

    def test_it_sends_anonymous_users_to_sign_in(self) -> None:
        response = self.client.get(choices_url("deputies"), {"q": "张"})
        self.assertEqual(response.status_code, 302)

    def test_it_answers_404_for_an_unknown_kind(self) -> None:
        self.client.force_login(self.staff)
        self.assertEqual(self.client.get(choices_url("users"), {"q": "a"}).status_code, 404)


class LatestGradeTests(TrackerTestCase):
    def test_sending_a_reply_records_its_grade_on_the_suggestion(self) -> None:
        proposal = self.make_assigned(with_co=False)
        self.make_sent(proposal, grade="B")
        self.assertEqual(self.refreshed(proposal).grade, "B")

    def test_a_draft_leaves_the_grade_empty(self) -> None:
        proposal = self.make_assigned(with_co=False)
        self.make_draft(proposal, grade="A")
        self.assertEqual(self.refreshed(proposal).grade, "")

    def test_regrading_the_reply_moves_the_suggestion_to_the_new_grade(self) -> None:
        proposal = self.make_assigned(with_co=False)
        reply = self.make_sent(proposal, grade="B")
        self.keep_promises(reply)
        reply.regrade("A", by=self.staff, reason="承诺事项均已落实")
        self.client.force_login(self.staff)
        listed = self.client.get(URL, {"grade": "A"}).context["page_obj"]
        self.assertEqual(
            ([p.number for p in listed], self.refreshed(proposal).grade), ([proposal.number], "A")
        )


class ShortTitleSearchTests(TrackerTestCase):
    def numbers(self, q: str) -> list[str]:
        self.client.force_login(self.staff)
        return [p.number for p in self.client.get(URL, {"q": q}).context["page_obj"]]

    def test_it_finds_a_two_character_word_of_the_title(self) -> None:
        wanted = self.make_proposal(title="关于清林径环库碧道建设的建议")
        self.make_proposal(title="关于推动坪西路改造的建议")
        self.assertEqual(self.numbers("碧道"), [wanted.number])

    def test_it_finds_a_single_character_at_the_end_of_a_word(self) -> None:
        wanted = self.make_proposal(title="关于加快龙筋顶公园建设的建议")
        self.make_proposal(title="关于推动坪西路改造的建议")
        self.assertEqual(self.numbers("顶"), [wanted.number])
