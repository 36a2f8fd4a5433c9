"""Round trip: a sent reply → the generated .docx → the parser gives back the reply's fields."""

from __future__ import annotations

import re
from datetime import date
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.test import TestCase

from responses.letters.docx import letter_docx
from responses.letters.parse import parse_letter
from responses.models import Reply
from tests.base import TrackerTestCase


def expected_sections(body: str, heading: re.Pattern[str]) -> list[dict[str, str]]:
    """The body's numbered sections as the parser should see them: heading line, then its
    text, up to the closing paragraph (感谢…专此函复), which belongs to no section."""
    sections: list[dict[str, Any]] = []
    for line in (line.strip() for line in body.splitlines()):
        if not line:
            continue
        if re.match(r"^(?:再次)?感谢", line):
            break
        match = heading.match(line)
        if match:
            sections.append({"heading": line[match.end() :].strip(), "body": []})
        elif sections:
            sections[-1]["body"].append(line)
    return [{"heading": s["heading"], "body": "\n".join(s["body"])} for s in sections]


class SeedReplyRoundTripTests(TestCase):
    """Reply No. 20240493 as the demo builds it from the real seed letter."""

    reply: Reply
    parsed: dict[str, Any]

    @classmethod
    def setUpTestData(cls) -> None:
        call_command("load_demo", force=True, stdout=StringIO())
        cls.reply = Reply.objects.select_related(
            "assignment__department", "assignment__proposal__session", "assignment__proposal__lead_deputy"
        ).get(assignment__proposal__number="20240493")
        cls.parsed = parse_letter(letter_docx(cls.reply, show_phones=True), "x.docx").as_dict()

    def test_it_gives_back_the_suggestion(self) -> None:
        proposal = self.reply.assignment.proposal
        self.assertEqual(self.parsed["number"], "20240493")
        self.assertEqual(self.parsed["title"], proposal.title)
        self.assertEqual(
            (self.parsed["congress"], self.parsed["session"]), ("深圳市第七届人民代表大会", "第五次会议")
        )

    def test_it_gives_back_the_deputies(self) -> None:
        self.assertEqual(self.parsed["lead_deputy"], "陈寿")
        self.assertIs(self.parsed["has_co_signers"], True)

    def test_it_gives_back_the_lead_unit_named_in_the_preamble(self) -> None:
        self.assertEqual(self.parsed["departments"], [{"name": "龙岗区", "role": "lead"}])

    def test_it_gives_back_the_four_sections_verbatim(self) -> None:
        expected = expected_sections(self.reply.body, re.compile(r"^\d、\s*"))
        self.assertEqual(len(expected), 4)
        self.assertEqual(self.parsed["sections"], expected)

    def test_it_gives_back_the_promises_of_future_action(self) -> None:
        candidates = self.parsed["commitment_candidates"]
        self.assertTrue(any("坪西路改造工程项目的可研报告审批" in c for c in candidates), candidates)
        self.assertTrue(any("龙筋顶公园建设" in c for c in candidates), candidates)
        for candidate in candidates:
            self.assertIn(candidate, self.reply.body)

    def test_it_gives_back_the_signature_and_date(self) -> None:
        self.assertEqual(self.parsed["date"], self.reply.sent_on.isoformat())
        self.assertEqual(self.parsed["signed_by"], "深圳市龙岗区人民政府")

    def test_it_gives_back_the_contact(self) -> None:
        # The parser keeps the person only: "龙岗区发展和改革局杨郁波" → "杨郁波".
        self.assertEqual(self.parsed["contact_name"], "杨郁波")
        self.assertEqual(self.parsed["contact_phones"], ["88180952", "13923831115"])

    def test_it_gives_back_grade_publicity_and_copy_to(self) -> None:
        self.assertEqual(self.parsed["grade"], "B")
        self.assertEqual(self.parsed["publicity"], "public")
        self.assertEqual(self.parsed["copy_to"], ["市人大常委会选联工委", "市政府督查室"])


GENERATED_BODY = """\
您提出的《关于加快龙岗区中小学学位建设的建议》收悉，按照办理分工，龙岗区发展和改革局为主办单位。现将办理情况答复如下：
一、关于新建学校
（一）学位供给。今年新增公办学位3000个。
下一步，我局将加快推进龙岗实验学校建设，争取2025年9月投入使用。
（二）师资配备
计划2025年招聘教师200名。
二、关于校园周边交通
我局已会同交警部门优化上下学时段交通组织。
感谢您对教育工作的关心和支持。专此函复。"""


class GeneratedReplyRoundTripTests(TrackerTestCase):
    """一、/（一） numbering, two copy-to recipients, no co-signers, not published."""

    reply: Reply
    parsed: dict[str, Any]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        proposal = cls.make_assigned(
            with_co=False, number="20240107", title="关于加快龙岗区中小学学位建设的建议"
        )
        cls.reply = cls.make_draft(
            proposal,
            grade="C",
            body=GENERATED_BODY,
            publicity=Reply.Publicity.ON_REQUEST,
            publicity_reason="涉及学校选址，规划未定",
            contact_name="龙岗区发展和改革局李明",
            contact_phone="0755-84601234",
            copy_to="市人大常委会选联工委\n龙岗区人大常委会",
        )
        cls.reply.submit(by=cls.clerk)
        cls.reply.approve(by=cls.leader, sent_on=date(2024, 10, 9))
        cls.parsed = parse_letter(letter_docx(cls.reply, show_phones=True), "x.docx").as_dict()

    def test_it_gives_back_the_suggestion_and_the_session(self) -> None:
        self.assertEqual(self.parsed["number"], "20240107")
        self.assertEqual(self.parsed["title"], "关于加快龙岗区中小学学位建设的建议")
        self.assertEqual(
            (self.parsed["congress"], self.parsed["session"]), ("深圳市第七届人民代表大会", "第五次会议")
        )

    def test_it_gives_back_a_single_deputy(self) -> None:
        self.assertEqual(self.parsed["lead_deputy"], "陈寿")
        self.assertIs(self.parsed["has_co_signers"], False)

    def test_it_gives_back_the_lead_unit(self) -> None:
        self.assertEqual(self.parsed["departments"], [{"name": "龙岗区发展和改革局", "role": "lead"}])

    def test_it_gives_back_the_top_level_sections(self) -> None:
        expected = expected_sections(GENERATED_BODY, re.compile(r"^[一二三四五六七八九十]+、"))
        self.assertEqual([s["heading"] for s in expected], ["关于新建学校", "关于校园周边交通"])
        self.assertEqual(self.parsed["sections"], expected)

    def test_it_gives_back_the_promise_of_future_action(self) -> None:
        self.assertTrue(
            any("加快推进龙岗实验学校建设" in c for c in self.parsed["commitment_candidates"]),
            self.parsed["commitment_candidates"],
        )

    def test_it_gives_back_signature_date_and_contact(self) -> None:
        self.assertEqual(self.parsed["date"], "2024-10-09")
        self.assertEqual(self.parsed["signed_by"], "龙岗区发展和改革局")
        self.assertEqual(self.parsed["contact_name"], "李明")
        self.assertEqual(self.parsed["contact_phones"], ["0755-84601234"])

    def test_it_gives_back_grade_publicity_and_both_copy_to_recipients(self) -> None:
        self.assertEqual(self.parsed["grade"], "C")
        self.assertEqual(self.parsed["publicity"], "on_request")
        self.assertEqual(self.parsed["copy_to"], ["市人大常委会选联工委", "龙岗区人大常委会"])


class UnquotedTitleRoundTripTests(TrackerTestCase):
    def test_it_gives_back_the_title_printed_under_the_heading(self) -> None:
        """A body that does not quote the suggestion: the letter names it under its title."""
        reply = self.make_sent(self.make_assigned(with_co=False, title="关于增设公交线路的建议"))
        parsed = parse_letter(letter_docx(reply, show_phones=True), "x.docx").as_dict()
        self.assertEqual(parsed["title"], "关于增设公交线路的建议")
        self.assertEqual(parsed["lead_deputy"], "陈寿")
