"""The timeline (proposals/timeline.py) reads every event kind in the reader's language."""

from __future__ import annotations

from datetime import date

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase, override_settings
from django.utils import translation

from proposals.models import Assignment, Contact, Department, Proposal, ProposalEvent, Session
from proposals.timeline import DETAIL, NO_DETAIL, describe, timeline
from responses.models import Commitment, CoOpinion, Feedback, Reply
from responses.reminders.scan import remind_now
from tests.base import TrackerTestCase, make_user
from tests.proposals.timeline_checks import timeline_text, untranslated
from tests.responses.reminder_helpers import at
from tracker.models import Role, User

Kind = ProposalEvent.Kind

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


class UntranslatedCheckTests(SimpleTestCase):
    """The check itself catches what the timeline used to show."""

    def test_it_catches_a_raw_rating(self) -> None:
        self.assertTrue(untranslated("代表意见反馈 · 龙岗区发展和改革局 （basically）"))

    def test_it_catches_raw_commitment_states(self) -> None:
        self.assertTrue(untranslated("承诺事项报告已落实 （open → claimed）"))

    def test_it_catches_an_arrow_with_nothing_before_it(self) -> None:
        self.assertTrue(untranslated("已交办 （→ 待签收）"))

    def test_it_passes_chinese_with_dates_and_a_grade(self) -> None:
        self.assertEqual(untranslated("办理结果：B类，2024-09-25发出 · 深龙发改函〔2024〕61号 · 60%"), [])


class RendererTableTests(SimpleTestCase):
    def test_it_has_a_renderer_or_a_reason_for_every_kind(self) -> None:
        self.assertEqual(set(DETAIL) | set(NO_DETAIL), set(Kind.values))

    def test_it_has_no_kind_both_rendered_and_excused(self) -> None:
        self.assertEqual(set(DETAIL) & set(NO_DETAIL), set())


def _in(day: date, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(at(day, hour), tick=False)


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("批复.pdf", PDF, content_type="application/pdf")


@override_settings(MEDIA_ROOT="/tmp/tracker-test-media")
class EveryKindTests(TrackerTestCase):
    """One suggestion taken through every step that writes an event, read in Chinese."""

    proposal: Proposal
    lead: Assignment
    reply: Reply
    fourth_dept: Department

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.fourth_dept = Department.objects.create(name="龙岗区水务局")
        fourth_clerk = make_user("fourth_clerk", Role.DEPT_CLERK, department=cls.fourth_dept)
        # Chinese names: the actor and the reminded are shown by name.
        for number, user in enumerate(User.objects.order_by("pk")):
            user.last_name, user.first_name = (
                "张王李赵钱孙周吴郑"[number % 9],
                "一二三四五六七八九十"[number % 10],
            )
            user.save(update_fields=["last_name", "first_name"])
        recess = Session.objects.create(
            congress=cls.congress, name="闭会期间", term=7, meeting=None, year=2024
        )
        with _in(date(2024, 7, 1)):
            proposal = Proposal(
                congress=cls.congress,
                session=recess,
                number="20249001",
                title="关于推动坪西路改造的建议",
                body="建议加快坪西路市政改造。",
                category=cls.category,
                lead_deputy=cls.deputy,
                received_on=date(2024, 7, 1),
            )
            proposal.log(by=cls.staff, co_signers=[cls.other_deputy])
            # No transition corrects a suggestion yet; the event it will write.
            ProposalEvent.record(Kind.EDITED, proposal=proposal, by=cls.staff, fields=["title", "body"])
        with _in(date(2024, 7, 3)):
            proposal.assign(
                by=cls.staff,
                lead=cls.lead_dept,
                co=[cls.co_dept, cls.other_dept],
                assigned_on=date(2024, 7, 3),
            )
        lead = proposal.assignments.get(department=cls.lead_dept)
        co = proposal.assignments.get(department=cls.co_dept)
        moved = proposal.assignments.get(department=cls.other_dept)
        with _in(date(2024, 7, 5)):
            moved.request_change(by=cls.outsider, reason="该事项由区水务局负责。")
            fourth = moved.decide_change(
                by=cls.staff, approve=True, reason="同意调整。", new_department=cls.fourth_dept
            )
            assert fourth is not None
            co.request_change(by=cls.co_clerk, reason="本局不涉及该事项。")
            co.decide_change(by=cls.staff, approve=False, reason="涉及道路配套，请会办。")
            lead.accept(by=cls.clerk)
            fourth.accept(by=fourth_clerk)
            co.refresh_from_db()  # a refused request leaves the assignment accepted
            CoOpinion.submit(co, by=cls.co_clerk, body="住建局将配合推进坪西路改造。")
        with _in(date(2024, 7, 10)):
            lead.record_contact(
                by=cls.clerk,
                contacted_on=date(2024, 7, 9),
                method=Contact.Method.FACE_TO_FACE,
                stage=Contact.Stage.BEFORE,
                summary="与陈寿代表面商改造方案。",
            )
            lead.extend(by=cls.staff, new_due_on=date(2024, 11, 15), reason="涉及上位规划调整。")
            ProposalEvent.record(
                Kind.DEADLINE_RECOMPUTED,
                assignment=fourth,
                by=cls.staff,
                reason="2024年节假日安排更正后重新计算。",
                old_due_on=date(2024, 8, 2),
                due_on=fourth.due_on,
                deadline=fourth.due_basis,
            )
        with _in(date(2024, 10, 30)), cls.captureOnCommitCallbacks(execute=True):
            remind_now(lead, by=cls.staff)
        with _in(date(2024, 11, 1)):
            reply = cls.make_draft(proposal, grade="B")
            Commitment.objects.create(
                reply=reply,
                description="完成沿线排水管网改造",
                due_on=date(2025, 3, 31),
                department=cls.lead_dept,
            )
            consultation = reply.consult(by=cls.clerk, note="请陈寿代表审阅答复稿。")
            consultation.answer(by=cls.deputy_user, comment="同意答复内容。", consent="yes")
            reply.submit(by=cls.clerk)
            reply.return_to_clerk(by=cls.leader, comment="请补充改造时间表。")
            reply.submit(by=cls.clerk)
            reply.approve(by=cls.leader)
        kept, broken = reply.commitments.order_by("pk")
        with _in(date(2024, 12, 2)):
            kept.report_progress(
                by=cls.clerk,
                reported_on=date(2024, 12, 2),
                summary="可研报告已报批",
                percent=50,
                milestone="可研报批",
            )
            kept.claim_fulfilled(
                by=cls.clerk, fulfilled_on=date(2024, 12, 2), summary="可研报告已批复", files=[_pdf()]
            )
            kept.reject(by=cls.staff, reason="请附批复文件。")
            kept.claim_fulfilled(
                by=cls.clerk, fulfilled_on=date(2024, 12, 2), summary="可研报告已批复", files=[_pdf()]
            )
            kept.confirm(by=cls.staff)
            broken.close_not_fulfilled(by=cls.staff, reason="管网改造纳入片区更新统筹实施。")
            reply.regrade("C", by=cls.staff, reason="管网改造需待片区更新。")
        # Silence does not close the round here, so that the deputy can still rate late.
        cls.congress.silence_closes_round = False
        cls.congress.save(update_fields=["silence_closes_round"])
        with _in(date(2024, 12, 10)):
            reply.refresh_from_db()
            reply.lapse_feedback_window()
        with _in(date(2024, 12, 11)):
            late = Feedback.give(
                reply, by=cls.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment="未回应动工时间"
            )
            late.accept_rehandling(by=cls.staff, reason="答复未回应动工时间")
        with _in(date(2024, 12, 23)):
            lead.refresh_from_db()
            second = Reply.start_draft(
                lead,
                by=cls.clerk,
                body="一、关于坪西路改造的动工时间……",
                grade="A",
                publicity=Reply.Publicity.PUBLIC,
                contact_name="杨郁波",
                contact_phone="88180952",
            )
            second.submit(by=cls.clerk)
            second.approve(by=cls.leader)
            again = Feedback.give(
                second, by=cls.deputy_user, rating=Feedback.Rating.UNSATISFIED, comment="动工时间仍不明确"
            )
            Feedback.give(second, by=cls.other_deputy_user, rating=Feedback.Rating.BASICALLY)
            again.decline_rehandling(by=cls.staff, reason="已明确2025年一季度动工，无需重新办理。")
            # Publication (上网公开): proposed, published, withheld, reopened.
            publication = second.publication
            publication.propose("summary", by=cls.clerk, summary="坪西路改造将于2025年一季度动工。")
            publication.publish("summary", "坪西路改造将于2025年一季度动工。", by=cls.staff)
            publication.withhold(by=cls.staff, reason="动工时间尚待市里批复")
            publication.reconsider(by=cls.staff, reason="动工时间已批复")
        # A second suggestion closes in silence, the other way a round ends.
        cls.congress.silence_closes_round = True
        cls.congress.save(update_fields=["silence_closes_round"])
        with _in(date(2024, 11, 1)):
            cls.silent = cls.make_assigned(with_co=False, assigned_on=date(2024, 7, 3))
            cls.make_sent(cls.silent)
        with _in(date(2024, 12, 10)):
            cls.lead_assignment(cls.silent).replies.get().lapse_feedback_window()
        cls.proposal, cls.lead, cls.reply = proposal, lead, second
        cls.first_reply = reply
        # A third, withdrawn before assignment (撤回): by its deputy, then one by staff.
        with _in(date(2024, 7, 2)):
            cls.withdrawn = cls.make_proposal()
            cls.withdrawn.withdraw(by=cls.deputy_user, reason="问题已解决，申请撤回。")
            cls.withdrawn_for = cls.make_proposal()
            cls.withdrawn_for.withdraw(by=cls.staff, reason="代表来函申请撤回。")

    def page(self, url: str, language: str) -> str:
        self.client.force_login(self.staff)
        self.client.cookies["django_language"] = language
        with self.settings(LANGUAGE_CODE="zh-hans"):
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_it_takes_the_suggestion_through_every_kind(self) -> None:
        # Every kind but a withdrawal, which only a suggestion never assigned can have.
        kinds = set(self.proposal.events.values_list("kind", flat=True))
        kinds |= set(self.withdrawn.events.values_list("kind", flat=True))
        self.assertEqual(kinds, set(Kind.values))

    def test_it_shows_a_withdrawal_in_chinese_naming_who_asked(self) -> None:
        for proposal in (self.withdrawn, self.withdrawn_for):
            with self.subTest(proposal=proposal.number):
                text = timeline_text(self.page(proposal.get_absolute_url(), "zh-hans"))
                self.assertEqual(untranslated(text), [], text)
                self.assertIn("已撤回", text)
        self.assertIn(
            "应陈寿代表书面申请", timeline_text(self.page(self.withdrawn_for.get_absolute_url(), "zh-hans"))
        )

    def test_it_shows_no_code_or_english_on_the_chinese_suggestion_page(self) -> None:
        text = timeline_text(self.page(self.proposal.get_absolute_url(), "zh-hans"))
        self.assertEqual(untranslated(text), [], text)

    def test_it_shows_no_code_or_english_in_the_chinese_reply_history(self) -> None:
        text = timeline_text(self.page(self.first_reply.get_absolute_url(), "zh-hans"))
        self.assertEqual(untranslated(text), [], text)

    def test_it_reads_the_rating_in_english_on_the_english_interface(self) -> None:
        text = timeline_text(self.page(self.reply.get_absolute_url(), "en"))
        self.assertIn(str(Feedback.Rating.BASICALLY.label), text)

    def test_it_names_the_unit_a_withdrawn_assignment_moved_to(self) -> None:
        event = self.proposal.events.get(kind=Kind.WITHDRAWN)
        with translation.override("zh-hans"):
            self.assertIn(self.fourth_dept.name, describe(event).detail)

    def test_it_reads_the_timeline_in_a_fixed_number_of_queries(self) -> None:
        events = list(self.proposal.events.select_related("actor", "department"))
        # New events name the unit a withdrawal moved to; only converted ones (by id) query.
        with self.assertNumQueries(0):
            timeline(events)
