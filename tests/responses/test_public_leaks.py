"""Nothing unpublished reaches the public site: drafts, submitted and returned replies,
and sent replies published only on request or not at all stay out of the list, the
search, the progress page and the open data downloads, for anonymous visitors and for
signed-in users alike."""

from __future__ import annotations

from collections.abc import Callable

from django.test import override_settings
from django.urls import reverse

from proposals.models import Proposal
from responses.models import Reply
from tests.base import TrackerTestCase


def _draft(case: TrackerTestCase, proposal: Proposal, body: str) -> Reply:
    return case.make_draft(proposal, body=body, grade="C")


def _submitted(case: TrackerTestCase, proposal: Proposal, body: str) -> Reply:
    reply = case.make_draft(proposal, body=body, grade="C")
    reply.submit(by=case.clerk)
    return reply


def _returned(case: TrackerTestCase, proposal: Proposal, body: str) -> Reply:
    reply = _submitted(case, proposal, body)
    reply.return_to_clerk(by=case.leader, comment="请补充办理时限")
    return reply


def _on_request(case: TrackerTestCase, proposal: Proposal, body: str) -> Reply:
    return case.make_sent(
        proposal, body=body, grade="C", publicity="on_request", publicity_reason="涉及规划调整"
    )


def _not_public(case: TrackerTestCase, proposal: Proposal, body: str) -> Reply:
    return case.make_sent(
        proposal, body=body, grade="C", publicity="not_public", publicity_reason="道路规划尚未确定"
    )


KINDS: dict[str, Callable[[TrackerTestCase, Proposal, str], Reply]] = {
    "draft": _draft,
    "submitted": _submitted,
    "returned": _returned,
    "sent on request": _on_request,
    "sent not public": _not_public,
}

# Words only the unpublished replies and their suggestions carry.
SECRET_TITLE = "关于盐龙大道市政化改造的建议"
SECRET_WORDS = ("盐龙大道内部研究稿", "请补充办理时限", "涉及规划调整", "道路规划尚未确定", "深龙发改函")


@override_settings(ALLOWED_HOSTS=["testserver"])
class UnpublishedRepliesStayHiddenTests(TrackerTestCase):
    hidden: dict[str, Reply]
    published: Reply

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # One published reply, so that every page and download has something to show.
        cls.published = cls.make_published(cls.make_assigned(title="关于发展新质生产力的建议"), grade="A")
        cls.hidden = {}
        for kind, make in KINDS.items():
            proposal = cls.make_assigned(title=SECRET_TITLE)
            reply = make(cls, proposal, "一、盐龙大道内部研究稿……")
            Reply.objects.filter(pk=reply.pk).update(document_number="深龙发改函〔2024〕99号")
            cls.hidden[kind] = reply

    def assert_hidden_in(self, text: str, reply: Reply) -> None:
        self.assertNotIn(reply.assignment.proposal.number, text)
        self.assertNotIn(SECRET_TITLE, text)
        for word in SECRET_WORDS:
            self.assertNotIn(word, text)

    def check_every_kind(self, check: Callable[[Reply], None]) -> None:
        for kind, reply in self.hidden.items():
            with self.subTest(kind=kind):
                check(reply)

    def numbers_listed(self, query: str = "") -> list[str]:
        response = self.client.get(reverse("public:reply_list") + query)
        return [r.assignment.proposal.number for r in response.context["page_obj"]]

    def download(self, name: str, query: str = "") -> str:
        response = self.client.get(reverse(name) + query)
        return b"".join(response.streaming_content).decode("utf-8")

    # -- anonymous ---------------------------------------------------------------

    def test_the_list_leaves_them_out(self) -> None:
        self.assertEqual(self.numbers_listed(), [self.published.assignment.proposal.number])
        text = self.client.get(reverse("public:reply_list")).content.decode()
        self.check_every_kind(lambda reply: self.assert_hidden_in(text, reply))

    def test_the_search_does_not_find_them(self) -> None:
        self.check_every_kind(
            lambda reply: self.assertEqual(self.numbers_listed(f"?q={reply.assignment.proposal.number}"), [])
        )
        self.assertEqual(self.numbers_listed("?q=盐龙大道"), [])

    def test_their_reply_pages_are_not_found(self) -> None:
        self.check_every_kind(
            lambda reply: self.assertEqual(
                self.client.get(reverse("public:reply_detail", args=[reply.pk])).status_code, 404
            )
        )

    def test_the_progress_page_shows_the_stage_but_nothing_of_the_reply(self) -> None:
        def check(reply: Reply) -> None:
            response = self.client.get(reverse("public:progress", args=[reply.assignment.proposal.number]))
            self.assertEqual(response.status_code, 200)
            text = response.content.decode()
            for word in SECRET_WORDS:
                self.assertNotIn(word, text)
            self.assertNotIn(reverse("public:reply_detail", args=[reply.pk]), text)
            self.assertNotIn('class="grade-', text)
            self.assertNotIn("杨郁波", text)
            self.assertNotIn(self.deputy.name, text)
            self.assertEqual(response.context["published"], [])

        self.check_every_kind(check)

    def test_the_csv_leaves_them_out(self) -> None:
        text = self.download("public:reply_csv")
        self.assertIn(self.published.assignment.proposal.number, text)
        self.check_every_kind(lambda reply: self.assert_hidden_in(text, reply))

    def test_the_json_leaves_them_out(self) -> None:
        text = self.download("public:reply_json")
        self.assertIn(self.published.assignment.proposal.number, text)
        self.check_every_kind(lambda reply: self.assert_hidden_in(text, reply))

    def test_the_downloads_search_does_not_find_them(self) -> None:
        self.assertEqual(self.download("public:reply_json", "?q=盐龙大道"), "[\n]\n")
        self.assertEqual(self.download("public:reply_csv", "?q=盐龙大道").count("\n"), 1)

    # -- signed in -----------------------------------------------------------------

    def test_signed_in_users_see_no_more_on_the_public_site(self) -> None:
        # The lead unit's clerk and leader, staff and the deputy may read these replies
        # inside the tracker; the public pages still leave them out.
        for user in (self.clerk, self.leader, self.staff, self.deputy_user):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.numbers_listed("?q=盐龙大道"), [])
                self.check_every_kind(
                    lambda reply: self.assert_hidden_in(self.download("public:reply_json"), reply)
                )
                reply = self.hidden["sent on request"]
                progress = self.client.get(
                    reverse("public:progress", args=[reply.assignment.proposal.number])
                )
                self.assertNotContains(progress, "盐龙大道内部研究稿")
                self.assertNotContains(progress, 'class="grade-')
