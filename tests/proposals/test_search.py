"""search_proposals() and search_replies(): what they find and in what order.

They run on both backends: the bigram index on PostgreSQL, substring matching on SQLite.
"""

from __future__ import annotations

from django.test import SimpleTestCase

from proposals.models import Department, Deputy, Proposal
from proposals.search import (
    highlight,
    ranked_proposals,
    ranked_replies,
    replies_visible_to,
    search_proposals,
    search_replies,
    snippet,
    word_query,
)
from responses.models import Reply
from tests.base import TrackerTestCase


def numbers(queryset: object) -> list[str]:
    return [p.number for p in queryset]  # type: ignore[attr-defined]


class SearchProposalsTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.degrees = cls.make_assigned(
            number="20240618",
            title="关于加快宝荷九年一贯制学校建设、增加公办学位供给的建议",
            body="龙岗区学位缺口较大。",
        )
        cls.charging = cls.make_proposal(
            number="20240530",
            title="关于完善新能源汽车充电设施布局的建议",
            body="建议在老旧小区增设充电桩。",
            lead_deputy=cls.other_deputy,
        )
        cls.river = cls.make_proposal(
            number="20240317",
            title="关于推进龙岗河碧道贯通的建议",
            body="龙岗河沿线应增加公办学位。",
            co_signers=[cls.other_deputy],
        )
        cls.scattered = cls.make_proposal(
            number="20250101",
            title="关于社区充电的建议",
            body="配套设施不足。",
        )
        cls.line = cls.make_proposal(number="20250102", title="关于地铁19号线一期建设的建议")
        cls.other_line = cls.make_proposal(number="20250103", title="关于2019年规划的16号线延伸的建议")

    def search(self, q: str) -> list[str]:
        return numbers(search_proposals(Proposal.objects.all(), q))

    def test_it_finds_a_line_number_only_next_to_its_word(self) -> None:
        self.assertEqual(self.search("19号线"), ["20250102"])
        self.assertEqual(self.search("地铁19号线"), ["20250102"])

    def test_it_finds_a_suggestion_by_two_characters_of_its_title(self) -> None:
        self.assertEqual(self.search("学位"), ["20240618", "20240317"])

    def test_it_finds_a_suggestion_by_a_longer_phrase_of_its_title(self) -> None:
        self.assertEqual(self.search("充电设施"), ["20240530"])

    def test_it_does_not_match_the_characters_of_a_phrase_apart(self) -> None:
        """社区充电 … 配套设施 has 充电 and 设施, not 充电设施."""
        self.assertNotIn("20250101", self.search("充电设施"))

    def test_it_finds_a_suggestion_by_its_number_and_by_a_prefix(self) -> None:
        self.assertEqual(self.search("20240530"), ["20240530"])
        self.assertEqual(sorted(self.search("2024")), ["20240317", "20240530", "20240618"])

    def test_it_finds_a_suggestion_by_its_number_typed_in_full_width(self) -> None:
        self.assertEqual(self.search("２０２４０５３０"), ["20240530"])

    def test_it_finds_the_suggestions_of_a_deputy_lead_or_co_signer(self) -> None:
        self.assertEqual(sorted(self.search("王芳")), ["20240317", "20240530"])

    def test_it_finds_the_suggestions_assigned_to_a_department(self) -> None:
        self.assertEqual(self.search("住房和建设局"), ["20240618"])

    def test_it_requires_every_word(self) -> None:
        self.assertEqual(self.search("学位 龙岗河"), ["20240317"])

    def test_it_ranks_a_title_match_above_a_text_only_match(self) -> None:
        """No. 20240317 is newer by number but says 学位 only in its text."""
        ranked = list(search_proposals(Proposal.objects.all(), "学位"))
        self.assertEqual([(p.number, p.rank) for p in ranked], [("20240618", 3.0), ("20240317", 1.0)])

    def test_it_ranks_the_number_itself_first(self) -> None:
        ranked = list(search_proposals(Proposal.objects.all(), "20240530"))
        self.assertEqual(ranked[0].rank, 4.0)

    def test_it_searches_only_the_queryset_given(self) -> None:
        visible = Proposal.objects.visible_to(self.clerk)
        self.assertEqual(numbers(search_proposals(visible, "学位")), ["20240618"])

    def test_it_finds_nothing_for_an_empty_query(self) -> None:
        self.assertEqual(self.search("  "), [])

    def test_it_finds_a_new_title_after_an_edit_and_forgets_the_old_one(self) -> None:
        self.charging.title = "关于增设公共停车场的建议"
        self.charging.save(update_fields=["title"])
        self.assertEqual(self.search("停车场"), ["20240530"])
        self.assertEqual(self.search("充电设施"), [])

    def test_it_folds_full_width_digits(self) -> None:
        self.assertEqual(self.search("２０２４０５３０"), ["20240530"])

    def test_it_finds_a_renamed_department_without_reindexing(self) -> None:
        Department.objects.filter(pk=self.co_dept.pk).update(name="龙岗区建筑工务署")
        self.assertEqual(self.search("建筑工务署"), ["20240618"])
        Deputy.objects.filter(pk=self.deputy.pk).update(name="陈寿山")
        self.assertIn("20240618", self.search("陈寿山"))


class SearchRepliesTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.degrees = cls.make_assigned(number="20240618", title="关于增加公办学位供给的建议")
        cls.reply = cls.make_sent(
            cls.degrees, body="2025年新增公办学位5000个。", document_number="深龙教函〔2024〕8号"
        )
        cls.other = cls.make_assigned(number="20240530", title="关于完善充电设施布局的建议")
        cls.other_reply = cls.make_sent(cls.other, body="将新建充电桩，并统筹学位需求。")

    def search(self, q: str) -> list[int]:
        return [r.pk for r in search_replies(Reply.objects.all(), q)]

    def test_it_finds_a_reply_by_its_text(self) -> None:
        self.assertEqual(self.search("充电桩"), [self.other_reply.pk])

    def test_it_finds_a_reply_by_its_suggestion_title_and_number(self) -> None:
        self.assertEqual(self.search("充电设施"), [self.other_reply.pk])
        self.assertEqual(self.search("20240618"), [self.reply.pk])

    def test_it_ranks_the_suggestion_title_above_the_reply_text(self) -> None:
        """Both replies say 学位; only the first suggestion's title does."""
        self.assertEqual(self.search("学位"), [self.reply.pk, self.other_reply.pk])

    def test_it_follows_a_change_of_the_suggestion_title(self) -> None:
        self.other.title = "关于增设公共停车场的建议"
        self.other.save(update_fields=["title"])
        self.assertEqual(self.search("停车场"), [self.other_reply.pk])


class HighlightTests(SimpleTestCase):
    def test_it_marks_each_word_found(self) -> None:
        self.assertEqual(
            highlight("增加公办学位，学位供给", "学位"), "增加公办<mark>学位</mark>，<mark>学位</mark>供给"
        )

    def test_it_escapes_the_text_and_the_match(self) -> None:
        self.assertEqual(
            highlight('<script>alert("学位")</script>', "学位 <script>"),
            "<mark>&lt;script&gt;</mark>alert(&quot;<mark>学位</mark>&quot;)&lt;/script&gt;",
        )

    def test_it_cuts_a_snippet_around_the_first_match(self) -> None:
        text = "甲" * 200 + "充电设施" + "乙" * 200
        piece = snippet(text, "充电设施")
        self.assertTrue(piece.startswith("…" + "甲" * 30 + "<mark>充电设施</mark>"))
        self.assertTrue(piece.endswith("…"))

    def test_it_turns_a_word_into_a_phrase_of_bigrams_or_a_prefix(self) -> None:
        self.assertEqual(word_query("充电设施"), "(充电 <-> 电设 <-> 设施)")
        self.assertEqual(word_query("河"), "河:*")
        self.assertEqual(word_query("19号线"), "19:* <1> (号线)")
        self.assertEqual(word_query("地铁19号线"), "(地铁) <2> 19:* <1> (号线)")
        self.assertEqual(word_query("（）"), "")


class RankedPageTests(TrackerTestCase):
    """ranked_proposals() / ranked_replies(), what the search page shows: each page in the
    same order as ranking every match, while reading only as many rows per rank as the page
    needs; and the reply visibility written as one semi-join sees what visible_to sees."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        received = ["2024-01-05", "2024-03-01", "2024-03-01", "2024-02-10", "2024-05-20", "2024-01-05"]
        titles = [
            "关于龙岗河学位的建议",  # title match
            "关于道路的建议",  # text match only
            "关于学位供给的建议",  # title match, same date as the next
            "关于公园的建议",  # assigned to 龙岗区 units: a department match
            "关于龙岗学位的建议",
            "关于学校的建议",
        ]
        cls.proposals = []
        for i, (day, title) in enumerate(zip(received, titles, strict=True)):
            make = cls.make_assigned if i in (3, 4) else cls.make_proposal
            cls.proposals.append(
                make(number=f"2024{i:04d}", title=title, body="龙岗区学位缺口较大。", received_on=day)
            )
        cls.proposals[5].assign(by=cls.staff, lead=cls.other_dept)
        cls.sent = [cls.make_sent(cls.proposals[i], body=f"学位{i}。龙岗区将统筹。") for i in (3, 4)]
        cls.draft = cls.make_draft(
            cls.make_assigned(number="20249999", title="关于学位的建议"), body="学位草稿"
        )

    def test_each_page_is_ordered_as_ranking_every_match(self) -> None:
        for q in ("学位", "龙岗", "龙岗 学位", "20240002", "学位 20240002", "缺口"):
            everything = [(p.pk, p.rank) for p in search_proposals(Proposal.objects.all(), q)]
            results = ranked_proposals(Proposal.objects.all(), q, cap=100)
            self.assertEqual(len(results), len(everything), q)
            for start, stop in ((0, 1), (0, 2), (1, 3), (2, 5), (0, len(everything))):
                page = [(p.pk, p.rank) for p in results[start:stop]]
                self.assertEqual(page, everything[start:stop], f"{q} [{start}:{stop}]")

    def test_reply_pages_are_ordered_as_ranking_every_match(self) -> None:
        for q in ("学位", "龙岗", "20240003"):
            everything = [r.pk for r in search_replies(Reply.objects.all(), q)]
            results = ranked_replies(Reply.objects.all(), q, cap=100)
            self.assertEqual([r.pk for r in results[0 : len(everything)]], everything, q)
            self.assertEqual([r.pk for r in results[1:2]], everything[1:2], q)

    def test_it_counts_up_to_the_cap_and_says_so(self) -> None:
        results = ranked_proposals(Proposal.objects.all(), "学位", cap=2)
        self.assertEqual((len(results), results.capped, results.count_label), (2, True, "2+"))
        self.assertEqual(len(results[0:10]), 2)
        exact = ranked_proposals(Proposal.objects.all(), "学位", cap=100)
        self.assertEqual((exact.capped, exact.count_label), (False, "7"))

    def test_it_finds_nothing_for_an_empty_query(self) -> None:
        results = ranked_proposals(Proposal.objects.all(), "  ", cap=10)
        self.assertEqual((len(results), results[0:10], results.count_label), (0, [], "0"))

    def test_reply_visibility_is_unchanged_for_every_role(self) -> None:
        users = [
            self.staff,
            self.clerk,
            self.leader,
            self.co_clerk,
            self.outsider,
            self.deputy_user,
            self.other_deputy_user,
            self.nobody,
        ]
        for user in users:
            self.assertEqual(
                set(replies_visible_to(user).values_list("pk", flat=True)),
                set(Reply.objects.visible_to(user).values_list("pk", flat=True)),
                user.username,
            )
        self.assertIn(self.draft.pk, replies_visible_to(self.clerk).values_list("pk", flat=True))
