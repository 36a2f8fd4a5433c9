from __future__ import annotations

from datetime import date
from typing import Any

import time_machine
from django.urls import reverse

from proposals.models import Congress, Deputy, Proposal, ProposalEvent, Session
from tests.base import TrackerTestCase

URL = reverse("proposals:create")


class ProposalCreateViewTests(TrackerTestCase):
    def data(self, **overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "congress": self.congress.pk,
            "session": self.session.pk,
            "number": "20240493",
            "title": "关于发展新质生产力的建议",
            "body": "建议加快培育新质生产力。",
            "category": self.category.pk,
            "lead_deputy": self.deputy.pk,
            "co_signers": [self.other_deputy.pk],
            "received_on": "2024-06-01",
            "supervising_leader": "",
        }
        data.update(overrides)
        return data

    def post(self, **overrides: Any) -> Any:
        self.client.force_login(self.staff)
        return self.client.post(URL, self.data(**overrides))

    # -- permissions ------------------------------------------------------------

    def test_it_redirects_anonymous_users_to_login(self) -> None:
        response = self.client.get(URL)
        self.assertRedirects(response, f"{reverse('login')}?next={URL}", fetch_redirect_response=False)

    def test_it_refuses_a_department_clerk(self) -> None:
        self.client.force_login(self.clerk)
        self.assertEqual(self.client.get(URL).status_code, 403)

    def test_it_refuses_a_deputy(self) -> None:
        self.client.force_login(self.deputy_user)
        self.assertEqual(self.client.post(URL, self.data()).status_code, 403)
        self.assertFalse(Proposal.objects.exists())

    def test_it_shows_the_form_to_staff_with_the_only_congress_preselected(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["form"].initial["congress"], self.congress.pk)

    # -- logging ----------------------------------------------------------------

    def test_it_logs_the_suggestion_and_redirects_to_its_page(self) -> None:
        response = self.post()
        proposal = Proposal.objects.get(number="20240493")
        self.assertRedirects(response, proposal.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(proposal.status, Proposal.Status.REGISTERED)
        self.assertEqual(list(proposal.co_signers.all()), [self.other_deputy])

    def test_it_records_who_logged_it(self) -> None:
        self.post()
        event = ProposalEvent.objects.get(kind=ProposalEvent.Kind.LOGGED)
        self.assertEqual(event.actor, self.staff)
        self.assertEqual(event.proposal.created_by, self.staff)

    def test_it_refuses_a_duplicate_number_on_the_number_field(self) -> None:
        self.make_proposal(number="20240493")
        response = self.post()
        self.assertEqual(response.status_code, 200)
        self.assertIn("already exists in this session", " ".join(response.context["form"].errors["number"]))
        self.assertEqual(Proposal.objects.filter(number="20240493").count(), 1)

    def test_it_redisplays_the_other_fields_after_an_error(self) -> None:
        self.make_proposal(number="20240493")
        response = self.post()
        self.assertContains(response, 'value="关于发展新质生产力的建议"')
        self.assertContains(response, "建议加快培育新质生产力。</textarea>")
        self.assertContains(response, f'<option value="{self.other_deputy.pk}" selected>')

    def test_it_refuses_a_malformed_number_with_the_congress_hint(self) -> None:
        response = self.post(number="2024-493")
        errors = " ".join(response.context["form"].errors["number"])
        self.assertIn(str(self.congress.number_hint), errors)
        self.assertFalse(Proposal.objects.exists())

    def test_it_requires_a_supervising_leader_for_a_key_suggestion(self) -> None:
        response = self.post(is_key="on")
        self.assertIn("supervising leader", " ".join(response.context["form"].errors["supervising_leader"]))
        self.assertFalse(Proposal.objects.exists())

    def test_it_logs_a_key_suggestion_with_its_leader(self) -> None:
        self.post(is_key="on", supervising_leader="张副主任")
        self.assertTrue(Proposal.objects.get().is_key)

    def test_it_offers_only_staff_and_leaders_as_supervising_leaders(self) -> None:
        self.leader.last_name, self.leader.first_name = "王", "副区长"
        self.leader.save()
        self.clerk.last_name = "李经办"
        self.clerk.save()
        self.client.force_login(self.staff)
        page = self.client.get(URL).content.decode()
        choices = page[page.index('<datalist id="supervisor-choices">') : page.index("</datalist>")]
        self.assertIn('<option value="王副区长">', choices)
        self.assertNotIn("李经办", choices)
        self.assertNotIn('name="supervisor"', page)

    def test_it_links_the_account_of_a_leader_picked_from_the_list(self) -> None:
        self.leader.last_name, self.leader.first_name = "王", "副区长"
        self.leader.save()
        self.post(is_key="on", supervising_leader=" 王副区长 ")
        proposal = Proposal.objects.get()
        self.assertEqual((proposal.supervising_leader, proposal.supervisor), ("王副区长", self.leader))

    def test_it_does_not_offer_a_deactivated_leader_or_a_deputy_as_supervising_leader(self) -> None:
        self.leader.last_name, self.leader.first_name, self.leader.is_active = "王", "副区长", False
        self.leader.save()
        self.deputy_user.last_name = "赵代表"
        self.deputy_user.save()
        self.client.force_login(self.staff)
        page = self.client.get(URL).content.decode()
        choices = page[page.index('<datalist id="supervisor-choices">') : page.index("</datalist>")]
        self.assertNotIn("王副区长", choices)
        self.assertNotIn("赵代表", choices)

    def test_its_co_signers_are_a_plain_multiple_select_marked_for_search(self) -> None:
        self.client.force_login(self.staff)
        page = self.client.get(URL).content.decode()
        start = page.index('<select name="co_signers"')
        tag = page[start : page.index(">", start)]
        self.assertIn("multiple", tag)
        self.assertIn("data-multi-search", tag)
        self.assertIn(f'<option value="{self.other_deputy.pk}">', page[start:])
        self.assertIn("js/searchable-select.js", page)

    def test_it_keeps_a_typed_leader_without_an_account(self) -> None:
        self.post(is_key="on", supervising_leader="市人大常委会张副主任")
        proposal = Proposal.objects.get()
        self.assertEqual((proposal.supervising_leader, proposal.supervisor), ("市人大常委会张副主任", None))

    def test_it_refuses_a_session_of_another_congress(self) -> None:
        other = Congress.objects.create(name="龙岗区人民代表大会", number_pattern=r"^\d+$")
        session = Session.objects.create(
            congress=other, name="龙岗区第七届人大第四次会议", term=7, meeting=4, year=2024
        )
        response = self.post(session=session.pk)
        self.assertIn("session", response.context["form"].errors)
        self.assertFalse(Proposal.objects.exists())

    def test_it_refuses_a_received_date_in_the_future(self) -> None:
        response = self.post(received_on=date(2999, 1, 1).isoformat())
        self.assertIn("received_on", response.context["form"].errors)

    @time_machine.travel(date(2024, 7, 20), tick=False)
    def test_it_names_the_received_date_when_it_is_in_the_future(self) -> None:
        response = self.post(received_on="2024-07-21")
        self.assertEqual(
            response.context["form"].errors["received_on"],
            ["Received on cannot be later than today (2024-07-20)."],
        )

    # -- numbers ----------------------------------------------------------------

    def test_it_logs_a_full_width_number_in_ascii_digits(self) -> None:
        self.post(number="２０２４０４９３")
        self.assertEqual(Proposal.objects.get().number, "20240493")

    def test_it_refuses_the_full_width_form_of_a_logged_number(self) -> None:
        self.make_proposal(number="20240493")
        response = self.post(number="２０２４０４９３")
        self.assertIn("already exists in this session", " ".join(response.context["form"].errors["number"]))
        self.assertEqual(Proposal.objects.count(), 1)

    def test_it_refuses_arabic_indic_digits_naming_the_first_one(self) -> None:
        response = self.post(number="٢٠٢٤٠٤٩٣")
        errors = " ".join(response.context["form"].errors["number"])
        self.assertIn("“٢” (U+0662) is not an ASCII digit or letter", errors)
        self.assertFalse(Proposal.objects.exists())

    # -- deputies ---------------------------------------------------------------

    def test_it_refuses_the_lead_deputy_as_a_co_signer_on_the_co_signers_field(self) -> None:
        response = self.post(co_signers=[self.deputy.pk, self.other_deputy.pk])
        self.assertEqual(
            response.context["form"].errors["co_signers"],
            ["陈寿 is the lead deputy and cannot also be a co-signer."],
        )
        self.assertFalse(Proposal.objects.exists())

    def test_it_refuses_a_co_signer_of_another_congress(self) -> None:
        other = Congress.objects.create(name="龙岗区人民代表大会", number_pattern=r"^\d+$")
        stranger = Deputy.objects.create(congress=other, name="李新")
        response = self.post(co_signers=[stranger.pk])
        self.assertEqual(
            response.context["form"].errors["co_signers"], ["李新 is a deputy of another congress."]
        )
        self.assertFalse(Proposal.objects.exists())

    def test_it_refuses_a_lead_deputy_of_another_congress_once(self) -> None:
        other = Congress.objects.create(name="龙岗区人民代表大会", number_pattern=r"^\d+$")
        stranger = Deputy.objects.create(congress=other, name="李新")
        response = self.post(lead_deputy=stranger.pk)
        self.assertEqual(
            response.context["form"].errors["lead_deputy"], ["李新 is a deputy of another congress."]
        )
        self.assertFalse(Proposal.objects.exists())
