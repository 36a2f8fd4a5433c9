"""responses:publications and the publication page with its actions, per role; the
public site shows only what staff published."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from proposals.models import ProposalEvent
from responses.models import Publication, Reply
from tests.base import TrackerTestCase, make_user

LIST = reverse("responses:publications")
BODY = (
    "一、关于坪西路改造……下一步，将加快可研报告审批。\n"
    "（联系人：龙岗区发展和改革局杨郁波，电话：88180952、手机：13923831115）"
)


def url(name: str, publication: Publication) -> str:
    return reverse(f"responses:publication_{name}", args=[publication.pk])


class PublicationPageTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.admin = make_user("admin", is_superuser=True, is_staff=True)
        cls.reply = cls.make_sent(cls.make_assigned(), body=BODY)
        cls.publication = cls.reply.publication

    def get(self, user: object, path: str, **params: str) -> int:
        if user is None:
            self.client.logout()
        else:
            self.client.force_login(user)
        return self.client.get(path, params).status_code

    def test_the_list_is_for_staff_and_units(self) -> None:
        expected = {
            self.staff: 200,
            self.admin: 200,
            self.clerk: 200,
            self.leader: 200,
            self.outsider: 200,  # a unit sees its own replies' publications (none here)
            self.deputy_user: 403,
            self.nobody: 403,
        }
        for user, status in expected.items():
            with self.subTest(user=user.username):
                self.assertEqual(self.get(user, LIST), status)
        self.assertEqual(self.get(None, LIST), 302)

    def test_the_list_shows_a_unit_only_its_own_publications(self) -> None:
        self.client.force_login(self.outsider)
        self.assertNotContains(self.client.get(LIST), self.reply.assignment.proposal.number)
        self.client.force_login(self.clerk)
        self.assertContains(self.client.get(LIST), self.reply.assignment.proposal.number)

    def test_the_page_is_for_staff_and_the_replying_unit_only(self) -> None:
        detail = self.publication.get_absolute_url()
        expected = {
            self.staff: 200,
            self.admin: 200,
            self.clerk: 200,
            self.leader: 200,
            self.co_clerk: 404,
            self.outsider: 404,
            self.deputy_user: 404,
            self.nobody: 404,
        }
        for user, status in expected.items():
            with self.subTest(user=user.username):
                self.assertEqual(self.get(user, detail), status)

    def test_staff_see_what_is_removed_beside_the_text_to_publish(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(self.publication.get_absolute_url())
        self.assertContains(
            response, '<mark class="redaction-removed" title="〔姓名已删除〕">杨郁波</mark>', html=False
        )
        self.assertContains(response, "电话：〔电话已删除〕、手机：〔电话已删除〕")
        self.assertContains(response, url("publish", self.publication))

    def test_the_unit_sees_the_proposal_form_and_no_decision(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.get(self.publication.get_absolute_url())
        self.assertContains(response, url("propose", self.publication))
        self.assertNotContains(response, url("publish", self.publication))

    def test_a_bad_form_choice_in_the_address_falls_back(self) -> None:
        self.assertEqual(self.get(self.staff, self.publication.get_absolute_url(), form="<script>"), 200)
        self.assertEqual(self.get(self.staff, LIST, status="nonsense", page="-1"), 200)
        self.assertEqual(self.get(self.staff, LIST, year="abc"), 400)

    def test_an_unknown_publication_is_a_404(self) -> None:
        self.assertEqual(self.get(self.staff, reverse("responses:publication_detail", args=[999999])), 404)


class PublicationActionTests(TrackerTestCase):
    def sent(self) -> Reply:
        return self.make_sent(self.make_assigned(), body=BODY)

    def post(self, user: object, name: str, publication: Publication, data: dict[str, str]) -> int:
        self.client.force_login(user)
        return self.client.post(url(name, publication), data).status_code

    def test_staff_publish_the_corrected_text_and_the_public_reads_it(self) -> None:
        reply = self.sent()
        text = "一、关于坪西路改造……下一步，将加快可研报告审批。"
        self.assertEqual(
            self.post(self.staff, "publish", reply.publication, {"form": "full", "text": text}), 302
        )
        self.client.logout()
        public = self.client.get(reverse("public:reply_detail", args=[reply.pk]))
        self.assertContains(public, "将加快可研报告审批")
        self.assertNotContains(public, "杨郁波")
        self.assertNotContains(public, "8818")

    def test_a_clerk_leader_deputy_or_other_unit_cannot_publish(self) -> None:
        reply = self.sent()
        data = {"form": "full", "text": "正文"}
        self.assertEqual(self.post(self.clerk, "publish", reply.publication, data), 403)
        self.assertEqual(self.post(self.leader, "publish", reply.publication, data), 403)
        self.assertEqual(self.post(self.outsider, "publish", reply.publication, data), 404)
        self.assertEqual(self.post(self.deputy_user, "publish", reply.publication, data), 404)
        self.assertEqual(self.refreshed(reply.publication).status, Publication.Status.PROPOSED)

    def test_anonymous_is_sent_to_sign_in(self) -> None:
        reply = self.sent()
        self.client.logout()
        response = self.client.post(url("withhold", reply.publication), {"reason": "涉密"})
        self.assertEqual(response.status_code, 302)
        self.assertIn("login", response["Location"])

    def test_the_unit_proposes_a_summary(self) -> None:
        reply = self.sent()
        data = {"form": "summary", "summary": "坪西路改造可研报告正在编制。", "reason": ""}
        self.assertEqual(self.post(self.leader, "propose", reply.publication, data), 302)
        self.assertEqual(self.refreshed(reply.publication).proposed_form, "summary")
        self.assertEqual(self.post(self.staff, "propose", reply.publication, data), 403)

    def test_staff_withhold_with_a_reason_and_without_one_are_told(self) -> None:
        reply = self.sent()
        self.post(self.staff, "withhold", reply.publication, {"reason": ""})
        self.assertEqual(self.refreshed(reply.publication).status, Publication.Status.PROPOSED)
        self.post(self.staff, "withhold", reply.publication, {"reason": "涉及尚未公开的规划"})
        self.assertEqual(self.refreshed(reply.publication).status, Publication.Status.WITHHELD)
        self.assertEqual(ProposalEvent.objects.filter(kind=ProposalEvent.Kind.WITHHELD).count(), 1)

    def test_a_page_left_open_is_told_to_reload(self) -> None:
        reply = self.sent()
        reply.publication.withhold(by=self.staff, reason="涉密")
        self.client.force_login(self.staff)
        response = self.client.post(
            url("publish", reply.publication),
            {"form": "full", "text": "正文", "state": "proposed"},
            follow=True,
        )
        self.assertIn("reload the page", " ".join(str(m) for m in get_messages(response.wsgi_request)))
        self.assertEqual(self.refreshed(reply.publication).status, Publication.Status.WITHHELD)

    def test_garbage_input_is_refused_without_a_500(self) -> None:
        reply = self.sent()
        for data in ({}, {"form": "x" * 5000, "text": "\x00"}, {"form": "withhold", "text": "正文"}):
            with self.subTest(data=data):
                self.assertEqual(self.post(self.staff, "publish", reply.publication, data), 302)
        self.assertEqual(self.refreshed(reply.publication).status, Publication.Status.PROPOSED)

    def test_staff_reopen_a_withheld_decision(self) -> None:
        reply = self.sent()
        reply.publication.withhold(by=self.staff, reason="涉密")
        self.post(self.staff, "reconsider", reply.publication, {"reason": "规划已公布"})
        self.assertEqual(self.refreshed(reply.publication).status, Publication.Status.PROPOSED)


class PublicationLanguageTests(TrackerTestCase):
    def test_the_page_speaks_chinese_by_default_and_english_when_chosen(self) -> None:
        reply = self.make_sent(self.make_assigned())
        self.client.force_login(self.staff)
        with self.settings(LANGUAGE_CODE="zh-hans"):
            chinese = self.client.get(reply.publication.get_absolute_url())
        english = self.client.get(reply.publication.get_absolute_url())  # the suite runs in English
        self.assertContains(english, "Withhold as confidential")
        self.assertContains(chinese, "作为保密不予公开")

    def test_the_publication_rate_is_on_the_statistics_page(self) -> None:
        self.publish(self.make_sent(self.make_assigned()))
        self.client.force_login(self.staff)
        response = self.client.get(reverse("stats:dashboard"), {"year": timezone.localdate().year})
        self.assertEqual(response.status_code, 200)
        self.assertIn("publication", response.context)
