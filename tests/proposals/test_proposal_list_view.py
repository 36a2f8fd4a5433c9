from __future__ import annotations

from datetime import date

import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.models import Category, Session
from tests.base import TrackerTestCase

URL = reverse("proposals:list")


class ProposalListTestCase(TrackerTestCase):
    def numbers(self, params: dict[str, object] | None = None, user: object = None) -> list[str]:
        self.client.force_login(user or self.staff)
        response = self.client.get(URL, params or {})
        self.assertEqual(response.status_code, 200)
        return [p.number for p in response.context["page_obj"]]


class ProposalListPermissionTests(ProposalListTestCase):
    def test_it_redirects_anonymous_users_to_login(self) -> None:
        response = self.client.get(URL)
        self.assertRedirects(response, f"{reverse('login')}?next={URL}", fetch_redirect_response=False)

    def test_it_lists_every_suggestion_for_staff(self) -> None:
        registered = self.make_proposal()
        assigned = self.make_assigned()
        self.assertCountEqual(self.numbers(), [registered.number, assigned.number])

    def test_it_lists_only_the_departments_suggestions_for_a_clerk(self) -> None:
        mine = self.make_assigned()
        self.make_assigned(with_co=False, lead_deputy=self.other_deputy).assignments.update(
            department=self.other_dept
        )
        self.assertEqual(self.numbers(user=self.clerk), [mine.number])

    def test_it_lists_nothing_for_the_outsider(self) -> None:
        self.make_assigned()
        self.assertEqual(self.numbers(user=self.outsider), [])

    def test_it_lists_only_a_deputys_own_suggestions(self) -> None:
        own = self.make_proposal()
        cosigned = self.make_proposal(lead_deputy=self.other_deputy, co_signers=[self.deputy])
        self.make_proposal(lead_deputy=self.other_deputy)
        self.assertCountEqual(self.numbers(user=self.deputy_user), [own.number, cosigned.number])

    def test_it_shows_the_new_suggestion_button_to_staff_only(self) -> None:
        create_url = reverse("proposals:create")
        self.client.force_login(self.staff)
        self.assertContains(self.client.get(URL), f'href="{create_url}"')
        self.client.force_login(self.clerk)
        self.assertNotContains(self.client.get(URL), f'href="{create_url}"')


class ProposalListDisplayTests(ProposalListTestCase):
    def test_it_orders_by_urgency_with_unassigned_last(self) -> None:
        unassigned = self.make_proposal()
        later = self.make_assigned(with_co=False, assigned_on=date(2024, 8, 1))
        sooner = self.make_assigned(with_co=False, assigned_on=date(2024, 7, 1))
        self.assertEqual(self.numbers(), [sooner.number, later.number, unassigned.number])

    def test_it_shows_the_lead_deputy_with_and_others_when_there_are_co_signers(self) -> None:
        self.make_proposal(co_signers=[self.other_deputy])
        self.client.force_login(self.staff)
        self.assertContains(self.client.get(URL), "陈寿 and others")

    def test_it_shows_lead_and_separate_departments_but_not_co_handlers(self) -> None:
        self.make_assigned()
        self.client.force_login(self.staff)
        row = self.client.get(URL).context["page_obj"][0]
        self.assertEqual([a.department for a in row.responsible], [self.lead_dept])

    def test_it_shows_every_separate_department(self) -> None:
        proposal = self.make_proposal()
        proposal.assign(
            by=self.staff, separate=[self.lead_dept, self.other_dept], assigned_on=date(2024, 7, 15)
        )
        self.client.force_login(self.staff)
        row = self.client.get(URL).context["page_obj"][0]
        self.assertEqual([a.department for a in row.responsible], [self.lead_dept, self.other_dept])

    def test_it_renders_one_row_alone_from_the_template_partial(self) -> None:
        proposal = self.make_assigned(is_key=True, supervising_leader="张副主任")
        self.client.force_login(self.staff)
        row = self.client.get(URL).context["page_obj"][0]
        html = render_to_string("proposals/proposal_list.html#row", {"proposal": row})
        self.assertTrue(html.strip().startswith(f'<tr id="proposal-{proposal.pk}">'))
        self.assertIn(self.lead_dept.name, html)

    def test_it_paginates_25_per_page_by_default(self) -> None:
        for _ in range(27):
            self.make_proposal()
        self.assertEqual(len(self.numbers()), 25)

    def test_it_caps_per_page_at_100(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"per_page": "1000"})
        self.assertEqual(response.context["page_obj"].paginator.per_page, 100)

    def test_it_sorts_by_number_on_request(self) -> None:
        second = self.make_assigned(number="20240200")
        first = self.make_proposal(number="20240100")
        self.assertEqual(self.numbers({"sort": "number"}), [first.number, second.number])

    def test_it_runs_the_same_number_of_queries_for_5_and_30_suggestions(self) -> None:
        for _ in range(5):
            self.make_assigned(co_signers=[self.other_deputy])
        self.client.force_login(self.staff)
        with CaptureQueriesContext(connection) as five:
            self.client.get(URL, {"per_page": 100})
        for _ in range(25):
            self.make_assigned(co_signers=[self.other_deputy])
        with self.assertNumQueries(len(five.captured_queries)):
            response = self.client.get(URL, {"per_page": 100})
        self.assertEqual(len(response.context["page_obj"]), 30)


class ProposalListFilterTests(ProposalListTestCase):
    def test_it_filters_by_session(self) -> None:
        other_session = Session.objects.create(
            congress=self.congress, name="第七届第四次会议", term=7, meeting=4, year=2023
        )
        wanted = self.make_proposal(session=other_session)
        self.make_proposal()
        self.assertEqual(self.numbers({"session": other_session.pk}), [wanted.number])

    def test_it_filters_by_status(self) -> None:
        assigned = self.make_assigned()
        self.make_proposal()
        self.assertEqual(self.numbers({"status": "assigned"}), [assigned.number])

    def test_it_filters_by_department(self) -> None:
        wanted = self.make_assigned()
        self.make_proposal()
        other = self.make_proposal()
        other.assign(by=self.staff, lead=self.other_dept, assigned_on=date(2024, 7, 15))
        self.assertEqual(self.numbers({"department": self.co_dept.pk}), [wanted.number])

    def test_it_ignores_withdrawn_assignments_when_filtering_by_department(self) -> None:
        proposal = self.make_assigned(with_co=False)
        assignment = self.lead_assignment(proposal)
        with time_machine.travel(date(2024, 7, 18), tick=False):
            assignment.request_change(by=self.clerk, reason="不属于本局职责")
            assignment.decide_change(
                by=self.staff, approve=True, reason="同意", new_department=self.other_dept
            )
        self.assertEqual(self.numbers({"department": self.lead_dept.pk}), [])

    def test_it_combines_department_and_role_on_the_same_assignment(self) -> None:
        co_handled = self.make_assigned()  # co_dept is co-handler here
        led = self.make_proposal()
        led.assign(by=self.staff, lead=self.co_dept, assigned_on=date(2024, 7, 15))
        self.assertEqual(self.numbers({"department": self.co_dept.pk, "role": "co"}), [co_handled.number])
        self.assertEqual(self.numbers({"department": self.co_dept.pk, "role": "lead"}), [led.number])

    def test_it_filters_by_role_alone(self) -> None:
        separate = self.make_proposal()
        separate.assign(
            by=self.staff, separate=[self.lead_dept, self.other_dept], assigned_on=date(2024, 7, 15)
        )
        self.make_assigned()
        self.assertEqual(self.numbers({"role": "separate"}), [separate.number])

    def test_it_filters_by_the_grade_of_a_sent_reply(self) -> None:
        graded_a = self.make_assigned(with_co=False)
        self.make_sent(graded_a, grade="A")
        graded_b = self.make_assigned(with_co=False)
        self.make_sent(graded_b, grade="B")
        self.assertEqual(self.numbers({"grade": "A"}), [graded_a.number])

    def test_it_ignores_the_grade_of_a_draft(self) -> None:
        drafted = self.make_assigned(with_co=False)
        self.make_draft(drafted, grade="A")
        self.assertEqual(self.numbers({"grade": "A"}), [])

    def test_it_filters_by_deputy_as_lead_or_co_signer(self) -> None:
        led = self.make_proposal(lead_deputy=self.other_deputy)
        cosigned = self.make_proposal(co_signers=[self.other_deputy])
        self.make_proposal()
        self.assertCountEqual(self.numbers({"deputy": self.other_deputy.pk}), [led.number, cosigned.number])

    def test_it_filters_by_category_including_its_children(self) -> None:
        child = Category.objects.create(congress=self.congress, parent=self.category, name="交通")
        unrelated = Category.objects.create(congress=self.congress, name="教科文卫")
        in_parent = self.make_proposal()
        in_child = self.make_proposal(category=child)
        self.make_proposal(category=unrelated)
        self.assertCountEqual(
            self.numbers({"category": self.category.pk}), [in_parent.number, in_child.number]
        )
        self.assertEqual(self.numbers({"category": child.pk}), [in_child.number])

    def test_it_filters_key_suggestions(self) -> None:
        key = self.make_proposal(is_key=True, supervising_leader="张副主任")
        self.make_proposal()
        self.assertEqual(self.numbers({"is_key": "true"}), [key.number])

    def test_it_filters_overdue_suggestions(self) -> None:
        overdue = self.make_assigned(with_co=False, assigned_on=date(2024, 6, 1))  # due 2024-09-02
        self.make_assigned(with_co=False, assigned_on=date(2024, 8, 1))  # due 2024-11-01
        with time_machine.travel(date(2024, 10, 1), tick=False):
            self.assertEqual(self.numbers({"overdue": "true"}), [overdue.number])

    def test_it_filters_suggestions_not_overdue(self) -> None:
        self.make_assigned(with_co=False, assigned_on=date(2024, 6, 1))
        on_time = self.make_assigned(with_co=False, assigned_on=date(2024, 8, 1))
        unassigned = self.make_proposal()
        with time_machine.travel(date(2024, 10, 1), tick=False):
            self.assertEqual(self.numbers({"overdue": "false"}), [on_time.number, unassigned.number])

    def test_it_filters_suggestions_due_within_n_days(self) -> None:
        soon = self.make_assigned(with_co=False, assigned_on=date(2024, 7, 15))  # due 2024-10-15
        self.make_assigned(with_co=False, assigned_on=date(2024, 9, 1))  # due 2024-12-02
        self.make_assigned(with_co=False, assigned_on=date(2024, 6, 1))  # overdue
        with time_machine.travel(date(2024, 10, 1), tick=False):
            self.assertEqual(self.numbers({"due_within": 14}), [soon.number])

    def test_it_searches_by_number_prefix(self) -> None:
        wanted = self.make_proposal(number="20240493")
        self.make_proposal(number="20230493")
        self.assertEqual(self.numbers({"q": "2024049"}), [wanted.number])

    def test_it_searches_by_a_number_typed_in_full_width(self) -> None:
        wanted = self.make_proposal(number="20240493")
        self.make_proposal(number="20230493")
        self.assertEqual(self.numbers({"q": "２０２４０４９"}), [wanted.number])

    def test_it_searches_by_part_of_a_chinese_title(self) -> None:
        wanted = self.make_proposal(title="关于发展新质生产力的建议")
        self.make_proposal(title="关于推动坪西路改造的建议")
        self.assertEqual(self.numbers({"q": "新质生产力"}), [wanted.number])

    def test_it_does_not_repeat_a_suggestion_matching_through_several_rows(self) -> None:
        proposal = self.make_proposal(co_signers=[self.other_deputy])
        proposal.assign(by=self.staff, separate=[self.lead_dept, self.co_dept], assigned_on=date(2024, 7, 15))
        self.assertEqual(
            self.numbers({"role": "separate", "deputy": self.other_deputy.pk}), [proposal.number]
        )

    def test_it_ignores_an_invalid_filter_value(self) -> None:
        proposal = self.make_proposal()
        self.assertEqual(self.numbers({"status": "nonsense"}), [proposal.number])


class ProposalListPhoneLayoutTests(ProposalListTestCase):
    """At phone width the rows are cards and the filters fold away (issue 18); the markup
    says so, and static/js/app.js folds <details data-fold-below> below 760 px."""

    def page(self, params: dict[str, str] | None = None) -> str:
        self.make_assigned()
        self.client.force_login(self.staff)
        return self.client.get(URL, params or {}).content.decode()

    def test_its_rows_stack_as_cards_that_name_each_column(self) -> None:
        page = self.page()
        self.assertIn('class="table proposal-table table-stack"', page)
        for label in ["Session", "Status", "Next deadline", "Lead deputy"]:
            self.assertIn(f'data-label="{label}"', page)

    def test_its_filters_are_in_a_details_open_without_js_and_folded_on_a_phone(self) -> None:
        page = self.page()
        details = page[page.index("<details") : page.index("</details>")]
        self.assertIn('class="filters-fold" open data-fold-below="760"', details)
        self.assertNotIn("data-active", details)
        self.assertIn('<form class="filters"', details)

    def test_set_filters_stay_unfolded(self) -> None:
        page = self.page({"q": "碧道"})
        self.assertIn('data-fold-below="760" data-active', page)
        page = self.page({"q": "", "page": "1"})
        self.assertNotIn("data-active", page)
