"""Every page a signed-in user reaches, seen by each persona of one realistic fixture.

The rules (issue 12): which actions a user may take on an object has one answer,
``obj.actions(user)``; deputy actions check that the user is the suggestion's deputy
(lead or co-signer), not that they can see it; a department reads every event of its own
assignments and only the shared events of other units; a unit whose assignment was
withdrawn keeps what it saw while it handled and nothing written after.

The fixture, built as it would happen in 2024:

- S1, led by 陈寿 (``deputy_user``) with co-signer 王芳 (``other_deputy_user``): lead unit
  龙岗区发展和改革局 (``clerk``, ``leader`` and ``dual``), co-handler 龙岗区住房和建设局
  (``co_clerk``), which sent its opinion. The leader returned the first draft with a
  comment, then approved a B reply with one promise (C1), on which the unit reported
  progress with a file (E1). 王芳 rated it unsatisfied; staff have not decided yet.
- S2, led by 陈寿, handled by two separate units: the same 发展和改革局 (its reply awaits
  the leader's approval) and 交通运输局 (``b_clerk``, ``b_leader``), whose leader returned
  its draft with a comment; staff reminded 交通运输局, which got it in its inbox.
- S3, led by 王芳, first assigned to 水务局 (``c_clerk``), which asked for a change and was
  replaced by 城市管理和综合执法局 (``d_clerk``). After the move 城管局 signed for it,
  phoned the deputy, had its deadline extended and submitted a draft.
- S4, led by 李明, who is ``dual``: a deputy and a clerk of 发展和改革局, which has no
  assignment on S4. 卫生健康局 (``e_clerk``) sent a B reply and reported its promise (C4)
  kept with a file (E4); co-handler 住房和建设局 has not signed for it yet.

Personas without a part: ``staff``, ``outsider`` (a clerk of an unrelated unit) and
``nobody`` (signed in, no role).

A test here fails when a page contradicts the rules; the failures are reported to the
lead engineer rather than marked as expected.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from proposals.models import Assignment, Contact, Department, Deputy, Proposal, ProposalEvent
from responses.models import Commitment, CommitmentComment, CoOpinion, Evidence, Feedback, Reply
from responses.reminders.scan import remind_now
from tests.base import TrackerTestCase, make_user
from tracker.models import Notification, Role, User

SHANGHAI = ZoneInfo("Asia/Shanghai")
MEDIA = "/tmp/tracker-test-media"
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"

# Free text written in the fixture, looked for in what the pages render.
S1_RETURN_COMMENT = "请写明可研批复的时间节点"
S2_B_RETURN_COMMENT = "请补充公交线路调整的时间表"
S2_B_PROMISE = "在坪西路增设两处公交停靠站"
S3_CHANGE_REASON = "排水防涝不属于本局职责"
S3_D_CONTACT = "城管局电话联系王芳代表，约定现场查看"
S3_D_EXTENSION = "需会同水务部门现场勘查"
CO_OPINION = "住建局会办意见：同意改造方案"
UNSATISFIED = "可研审批时间太晚，希望年内开工"

ALL = (
    "staff",
    "clerk",
    "leader",
    "dual",
    "co_clerk",
    "b_clerk",
    "b_leader",
    "c_clerk",
    "d_clerk",
    "e_clerk",
    "deputy_user",
    "other_deputy_user",
    "outsider",
    "nobody",
)


def at(day: date, hour: int = 10) -> time_machine.travel:
    """Travel to a working hour of ``day`` in China."""
    # The clock runs: events written in one step keep their order by time, as they do live.
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI))


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@override_settings(MEDIA_ROOT=MEDIA)
class PersonaFixture(TrackerTestCase):
    """The suggestions S1–S4 and the personas around them (see the module docstring)."""

    dept_b: Department
    dept_c: Department
    dept_d: Department
    dept_e: Department
    dual: User
    b_clerk: User
    b_leader: User
    c_clerk: User
    d_clerk: User
    d_leader: User
    e_clerk: User
    e_leader: User
    li_ming: Deputy
    s1: Proposal
    s2: Proposal
    s3: Proposal
    s4: Proposal
    a1_lead: Assignment
    a1_co: Assignment
    a2_a: Assignment
    a2_b: Assignment
    a3_c: Assignment
    a3_d: Assignment
    a4_e: Assignment
    a4_co: Assignment
    r1: Reply
    r2_a: Reply
    r2_b: Reply
    r3_d: Reply
    r4: Reply
    c1: Commitment
    c4: Commitment
    e1: Evidence
    e4: Evidence
    unsatisfied: Feedback
    names: dict[int, str]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.dept_b = Department.objects.create(name="龙岗区交通运输局")
        cls.dept_c = Department.objects.create(name="龙岗区水务局")
        cls.dept_d = Department.objects.create(name="龙岗区城市管理和综合执法局")
        cls.dept_e = Department.objects.create(name="龙岗区卫生健康局")
        cls.b_clerk = make_user("b_clerk", Role.DEPT_CLERK, department=cls.dept_b)
        cls.b_leader = make_user("b_leader", Role.DEPT_LEADER, department=cls.dept_b)
        cls.c_clerk = make_user("c_clerk", Role.DEPT_CLERK, department=cls.dept_c)
        cls.d_clerk = make_user("d_clerk", Role.DEPT_CLERK, department=cls.dept_d)
        cls.d_leader = make_user("d_leader", Role.DEPT_LEADER, department=cls.dept_d)
        cls.e_clerk = make_user("e_clerk", Role.DEPT_CLERK, department=cls.dept_e)
        cls.e_leader = make_user("e_leader", Role.DEPT_LEADER, department=cls.dept_e)
        cls.dual = make_user("dual", Role.DEPT_CLERK, Role.DEPUTY, department=cls.lead_dept)
        cls.li_ming = Deputy.objects.create(
            congress=cls.congress, name="李明", delegation="龙岗代表团", user=cls.dual
        )

        with at(date(2024, 7, 15)):
            cls.s1 = cls.logged("关于推动坪西路改造的建议", cls.deputy, co_signers=[cls.other_deputy])
            cls.s1.assign(by=cls.staff, lead=cls.lead_dept, co=[cls.co_dept])
            cls.s2 = cls.logged("关于坪西路沿线公交线路优化的建议", cls.deputy)
            cls.s2.assign(by=cls.staff, separate=[cls.lead_dept, cls.dept_b])
            cls.s3 = cls.logged("关于坪西路排水防涝设施建设的建议", cls.other_deputy)
            cls.s3.assign(by=cls.staff, lead=cls.dept_c)
            cls.s4 = cls.logged("关于坪西路社康中心建设的建议", cls.li_ming)
            cls.s4.assign(by=cls.staff, lead=cls.dept_e, co=[cls.co_dept])
        cls.a1_lead = cls.assignment(cls.s1, cls.lead_dept)
        cls.a1_co = cls.assignment(cls.s1, cls.co_dept)
        cls.a2_a = cls.assignment(cls.s2, cls.lead_dept)
        cls.a2_b = cls.assignment(cls.s2, cls.dept_b)
        cls.a3_c = cls.assignment(cls.s3, cls.dept_c)
        cls.a4_e = cls.assignment(cls.s4, cls.dept_e)
        cls.a4_co = cls.assignment(cls.s4, cls.co_dept)

        with at(date(2024, 7, 17)):
            cls.a1_lead.accept(by=cls.clerk)
            CoOpinion.submit(cls.a1_co, by=cls.co_clerk, body=CO_OPINION)
            cls.a2_a.accept(by=cls.clerk)
            cls.a2_b.accept(by=cls.b_clerk)
            cls.a3_c.request_change(by=cls.c_clerk, reason=S3_CHANGE_REASON)
            cls.a4_e.accept(by=cls.e_clerk)

        with at(date(2024, 7, 22)):
            cls.a3_d = cls.a3_c.decide_change(
                by=cls.staff, approve=True, reason="改由城管局办理", new_department=cls.dept_d
            )

        # After 水务局 left: 城管局 works on S3.
        with at(date(2024, 7, 25)):
            cls.a3_d.accept(by=cls.d_clerk)
            cls.a3_d.record_contact(
                by=cls.d_clerk,
                contacted_on=date(2024, 7, 25),
                method=Contact.Method.PHONE,
                stage=Contact.Stage.BEFORE,
                summary=S3_D_CONTACT,
            )
            cls.a3_d.extend(by=cls.staff, new_due_on=date(2024, 12, 13), reason=S3_D_EXTENSION)

        with at(date(2024, 8, 1)):
            cls.a1_lead.record_contact(
                by=cls.clerk,
                contacted_on=date(2024, 8, 1),
                method=Contact.Method.FACE_TO_FACE,
                stage=Contact.Stage.BEFORE,
                summary="发改局与陈寿代表面商改造方案",
            )
            cls.a2_b.record_contact(
                by=cls.b_clerk,
                contacted_on=date(2024, 8, 1),
                method=Contact.Method.PHONE,
                stage=Contact.Stage.DURING,
                summary="交通局电话联系陈寿代表",
            )
            cls.r2_a = cls.draft(cls.a2_a, cls.clerk, body="一、关于坪西路沿线停车……")
            cls.r2_a.submit(by=cls.clerk)
            cls.r2_b = cls.draft(cls.a2_b, cls.b_clerk, grade="B", promise=S2_B_PROMISE)
            cls.r2_b.submit(by=cls.b_clerk)
            cls.r2_b.return_to_clerk(by=cls.b_leader, comment=S2_B_RETURN_COMMENT)
            cls.r3_d = cls.draft(cls.a3_d, cls.d_clerk, body="一、关于坪西路排水防涝……")
            cls.r3_d.submit(by=cls.d_clerk)

        with at(date(2024, 9, 10)):
            cls.r1 = cls.draft(cls.a1_lead, cls.clerk, grade="B", promise="完成坪西路改造可研报告审批")
            cls.r1.submit(by=cls.clerk)
            cls.r1.return_to_clerk(by=cls.leader, comment=S1_RETURN_COMMENT)
            cls.r1.refresh_from_db()
            cls.r1.submit(by=cls.clerk)
            cls.r1.approve(by=cls.leader)
            cls.r4 = cls.draft(cls.a4_e, cls.e_clerk, grade="B", promise="建成坪西社康中心并投入使用")
            cls.r4.submit(by=cls.e_clerk)
            cls.r4.approve(by=cls.e_leader)
            # Staff publish R1 (国办发〔2014〕46号); R4's publication awaits their decision.
            publication = cls.r1.publication
            publication.publish("full", publication.redaction().text, by=cls.staff)
        cls.c1 = cls.r1.commitments.get()
        cls.c4 = cls.r4.commitments.get()

        # 王芳 finds R1 unsatisfactory: staff have to decide on re-handling; 陈寿 has not rated.
        with at(date(2024, 9, 20)):
            cls.unsatisfied = Feedback.give(
                cls.r1, by=cls.other_deputy_user, rating=Feedback.Rating.UNSATISFIED, comment=UNSATISFIED
            )

        with at(date(2024, 10, 8)), cls.captureOnCommitCallbacks(execute=True):
            remind_now(cls.a2_b, by=cls.staff)

        with at(date(2024, 12, 2)):
            cls.c1.report_progress(
                by=cls.clerk,
                reported_on=date(2024, 12, 2),
                summary="可研报告已报区政府审批",
                percent=50,
                files=[pdf("可研报告报批件.pdf")],
            )
            cls.c4.claim_fulfilled(
                by=cls.e_clerk,
                fulfilled_on=date(2024, 12, 2),
                summary="社康中心已竣工验收",
                files=[pdf("竣工验收报告.pdf")],
            )
        cls.e1 = Evidence.objects.get(report__commitment=cls.c1)
        cls.e4 = Evidence.objects.get(report__commitment=cls.c4)
        cls.names = {p.pk: name for name, p in cls.suggestions().items()}

    # -- builders -------------------------------------------------------------

    @classmethod
    def logged(cls, title: str, lead: Deputy, *, co_signers: list[Deputy] | None = None) -> Proposal:
        proposal = cls.make_proposal(title=title, lead_deputy=lead, co_signers=co_signers or [])
        proposal.index_subject()
        return proposal

    @classmethod
    def draft(
        cls, assignment: Assignment, by: User, *, grade: str = "A", body: str = "", promise: str = ""
    ) -> Reply:
        """Start the round's draft; a B draft carries one dated promise of the unit."""
        assignment.refresh_from_db()
        reply = Reply.start_draft(
            assignment,
            by=by,
            body=body or "一、关于坪西路改造……下一步，将加快可研报告审批。",
            grade=grade,
            publicity=Reply.Publicity.PUBLIC,
            contact_name="杨郁波",
            contact_phone="88180952",
        )
        if promise:
            Commitment.objects.create(
                reply=reply, description=promise, due_on=date(2025, 6, 30), department=assignment.department
            )
        return reply

    @classmethod
    def suggestions(cls) -> dict[str, Proposal]:
        return {"S1": cls.s1, "S2": cls.s2, "S3": cls.s3, "S4": cls.s4}

    @classmethod
    def assignment(cls, proposal: Proposal, department: Department) -> Assignment:
        return Assignment.objects.get(proposal=proposal, department=department)

    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the API's throttle counts each persona's requests

    # -- reading what a page shows ----------------------------------------------

    def get(self, persona: str, url: str, **params: str) -> HttpResponse:
        self.client.force_login(getattr(self, persona))
        return self.client.get(url, params)

    def named(self, proposals: Any) -> set[str]:
        return {self.names[p.pk] for p in proposals}

    def xlsx_cells(self, response: HttpResponse) -> set[str]:
        book = load_workbook(BytesIO(response.content), read_only=True)
        return {
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        }

    def xlsx_suggestions(self, response: HttpResponse) -> set[str]:
        numbers = {p.number: name for name, p in self.suggestions().items()}
        return {numbers[value] for value in self.xlsx_cells(response) if value in numbers}

    def api(self, persona: str, path: str) -> Any:
        response = self.get(persona, f"/api/v1/{path}", page_size="100")
        self.assertEqual(response.status_code, 200)
        return response.json()

    def assert_shows(self, content: str, text: str, shown: bool = True) -> None:
        """Like assertIn / assertNotIn on a page, without printing the whole page."""
        if (text in content) != shown:
            self.fail(f"{text!r} {'missing from' if shown else 'shown on'} the page")

    @staticmethod
    def levels(response: HttpResponse) -> list[str]:
        return [m.level_tag for m in get_messages(response.wsgi_request)]


def table(default: Any, **given: Any) -> dict[str, Any]:
    """What each persona of ALL gets: ``given`` for those named, ``default`` for the others."""
    unknown = set(given) - set(ALL)
    assert not unknown, unknown
    return {name: given.get(name, default) for name in ALL}


# The suggestions each persona may see: its units' (a withdrawn one included) and its own
# as lead deputy or co-signer.
VISIBLE = table(
    set(),
    staff={"S1", "S2", "S3", "S4"},
    clerk={"S1", "S2"},
    leader={"S1", "S2"},
    dual={"S1", "S2", "S4"},
    co_clerk={"S1", "S4"},
    b_clerk={"S2"},
    b_leader={"S2"},
    c_clerk={"S3"},
    d_clerk={"S3"},
    e_clerk={"S4"},
    deputy_user={"S1", "S2"},
    other_deputy_user={"S1", "S3"},
)

# The suggestion page: the working page for staff and the units, the progress page for
# its deputies (李明 on S4, though also a clerk), 404 for everyone else.
DETAIL = {
    "S1": table(
        404,
        staff="detail",
        clerk="detail",
        leader="detail",
        dual="detail",
        co_clerk="detail",
        deputy_user="progress",
        other_deputy_user="progress",
    ),
    "S2": table(
        404,
        staff="detail",
        clerk="detail",
        leader="detail",
        dual="detail",
        b_clerk="detail",
        b_leader="detail",
        deputy_user="progress",
    ),
    "S3": table(404, staff="detail", c_clerk="detail", d_clerk="detail", other_deputy_user="progress"),
    "S4": table(404, staff="detail", co_clerk="detail", e_clerk="detail", dual="progress"),
}

# Replies: drafts stay in their unit; a sent reply reaches whoever sees the suggestion.
REPLIES = table(
    set(),
    staff={"R1", "R2A", "R2B", "R3D", "R4"},
    clerk={"R1", "R2A"},
    leader={"R1", "R2A"},
    dual={"R1", "R2A", "R4"},
    co_clerk={"R1", "R4"},
    b_clerk={"R2B"},
    b_leader={"R2B"},
    d_clerk={"R3D"},
    e_clerk={"R4"},
    deputy_user={"R1"},
    other_deputy_user={"R1"},
)

DEPARTMENT_USERS = (
    "clerk",
    "leader",
    "dual",
    "co_clerk",
    "b_clerk",
    "b_leader",
    "c_clerk",
    "d_clerk",
    "e_clerk",
)


class SuggestionPagesTests(PersonaFixture):
    """/proposals/, the suggestion page, the queue and the deputy's own list."""

    def test_it_lists_on_the_suggestion_list_what_each_persona_may_see(self) -> None:
        for persona, expected in VISIBLE.items():
            with self.subTest(persona=persona):
                response = self.get(persona, reverse("proposals:list"))
                self.assertEqual(response.status_code, 200)
                self.assertEqual(self.named(response.context["page_obj"]), expected)

    def test_it_exports_the_suggestion_list_to_staff_and_departments_with_the_pages_rows(self) -> None:
        exporters = ("staff", *DEPARTMENT_USERS, "outsider")
        for persona in ALL:
            with self.subTest(persona=persona):
                response = self.get(persona, reverse("proposals:list"), format="xlsx")
                if persona not in exporters:
                    self.assertEqual(response.status_code, 403)
                    continue
                self.assertEqual(response.status_code, 200)
                self.assertEqual(self.xlsx_suggestions(response), VISIBLE[persona])

    def test_it_opens_the_suggestion_page_for_its_units_and_its_deputies(self) -> None:
        for name, proposal in self.suggestions().items():
            for persona, expected in DETAIL[name].items():
                with self.subTest(suggestion=name, persona=persona):
                    response = self.get(persona, proposal.get_absolute_url())
                    if expected == 404:
                        self.assertEqual(response.status_code, 404)
                        continue
                    self.assertEqual(response.status_code, 200)
                    template = f"proposals/proposal_{expected}.html"
                    self.assertIn(template, [t.name for t in response.templates])

    def test_it_lists_as_related_only_suggestions_the_persona_may_see(self) -> None:
        found = set()
        for name, proposal in self.suggestions().items():
            for persona, expected in DETAIL[name].items():
                if expected != "detail":
                    continue
                with self.subTest(suggestion=name, persona=persona):
                    related = self.get(persona, proposal.get_absolute_url()).context["related"]
                    shown = self.named(item.proposal for item in related)
                    found |= shown
                    self.assertLessEqual(shown, VISIBLE[persona])
        self.assertTrue(found, "no page listed a related suggestion: the check above proved nothing")

    def test_it_keeps_a_units_drafting_returns_and_reminders_off_other_units_timelines(self) -> None:
        internal = set(ProposalEvent.INTERNAL_KINDS)
        for name, proposal in self.suggestions().items():
            for persona in DEPARTMENT_USERS:
                if DETAIL[name][persona] != "detail":
                    continue
                with self.subTest(suggestion=name, persona=persona):
                    department_id = getattr(self, persona).department_id
                    events = self.get(persona, proposal.get_absolute_url()).context["events"]
                    others = [
                        (e.kind, e.department.name)
                        for e in events
                        if e.kind in internal and e.event.department_id != department_id
                    ]
                    self.assertEqual(others, [])
                    # The unit's own drafting stays in its timeline.
                    own_drafting = ProposalEvent.objects.filter(
                        proposal=proposal, kind=ProposalEvent.Kind.DRAFTED, department_id=department_id
                    ).count()
                    drafted = [e for e in events if e.kind == ProposalEvent.Kind.DRAFTED]
                    self.assertEqual(len(drafted), own_drafting)

    def test_it_shows_a_leaders_return_comment_only_to_the_leaders_unit(self) -> None:
        cases = {
            ("S1", S1_RETURN_COMMENT): table(
                False, staff=True, clerk=True, leader=True, dual=True, co_clerk=False
            ),
            ("S2", S2_B_RETURN_COMMENT): table(False, staff=True, b_clerk=True, b_leader=True),
        }
        for (name, comment), expected in cases.items():
            proposal = self.suggestions()[name]
            for persona, shown in expected.items():
                if DETAIL[name][persona] == 404:
                    continue
                with self.subTest(suggestion=name, persona=persona):
                    content = self.get(persona, proposal.get_absolute_url()).content.decode()
                    self.assert_shows(content, comment, shown)

    def test_it_shows_a_withdrawn_unit_nothing_written_after_it_left(self) -> None:
        left_at = ProposalEvent.objects.get(proposal=self.s3, kind=ProposalEvent.Kind.WITHDRAWN).created_at
        response = self.get("c_clerk", self.s3.get_absolute_url())
        content = response.content.decode()
        events = response.context["events"]
        with self.subTest("it keeps what it saw while it handled"):
            self.assertIn(ProposalEvent.Kind.CHANGE_REQUESTED, [e.kind for e in events])
            self.assert_shows(content, S3_CHANGE_REASON)
        with self.subTest("timeline"):
            self.assertEqual([(e.kind, e.created_at) for e in events if e.created_at > left_at], [])
        with self.subTest("the new unit's contact with the deputy"):
            self.assert_shows(content, S3_D_CONTACT, False)
        with self.subTest("the extension granted to the new unit"):
            self.assert_shows(content, S3_D_EXTENSION, False)
            self.assert_shows(content, "2024-12-13", False)

    def test_it_shows_the_new_unit_nothing_of_the_withdrawn_units_change_request(self) -> None:
        response = self.get("d_clerk", self.s3.get_absolute_url())
        self.assertNotIn(ProposalEvent.Kind.CHANGE_REQUESTED, [e.kind for e in response.context["events"]])
        self.assertNotContains(response, S3_CHANGE_REASON)

    def test_it_names_the_unit_a_withdrawn_assignment_moved_to(self) -> None:
        for persona in ("staff", "c_clerk", "d_clerk"):
            with self.subTest(persona=persona):
                events = self.get(persona, self.s3.get_absolute_url()).context["events"]
                (withdrawn,) = [e for e in events if e.kind == ProposalEvent.Kind.WITHDRAWN]
                self.assertEqual(withdrawn.detail, f"moved to {self.dept_d.name}")

    def test_it_shows_co_handling_opinions_to_the_lead_unit_and_their_author_only(self) -> None:
        expected = table(False, staff=True, clerk=True, leader=True, dual=True, co_clerk=True)
        for persona, shown in expected.items():
            if DETAIL["S1"][persona] == 404:
                continue
            with self.subTest(persona=persona):
                self.assertEqual(
                    CO_OPINION in self.get(persona, self.s1.get_absolute_url()).content.decode(), shown
                )

    def test_it_lists_in_the_queue_the_units_open_assignments_only(self) -> None:
        expected = table(
            403,
            clerk={"S2"},
            leader={"S2"},
            dual={"S2"},
            co_clerk={"S4"},
            b_clerk={"S2"},
            b_leader={"S2"},
            c_clerk=set(),
            d_clerk={"S3"},
            e_clerk=set(),
            outsider=set(),
        )
        for persona, rows in expected.items():
            with self.subTest(persona=persona):
                response = self.get(persona, reverse("proposals:queue"))
                if rows == 403:
                    self.assertEqual(response.status_code, 403)
                    continue
                shown = self.named(row.assignment.proposal for row in response.context["rows"])
                self.assertEqual(shown, rows)
                highlighted = {
                    self.names[r.assignment.proposal_id] for r in response.context["rows"] if r.highlight
                }
                # Only the leader is asked to approve (S2's draft awaits it); a clerk is not.
                self.assertEqual(highlighted, {"S2"} if persona == "leader" else set())

    def test_it_links_every_queue_row_to_a_page_the_persona_may_open(self) -> None:
        for persona in (*DEPARTMENT_USERS, "outsider"):
            self.client.force_login(getattr(self, persona))
            for row in self.client.get(reverse("proposals:queue")).context["rows"]:
                with self.subTest(persona=persona, step=row.next_step):
                    self.assertEqual(self.client.get(row.url).status_code, 200)

    def test_it_offers_the_leader_in_the_queue_the_approval_the_reply_page_allows(self) -> None:
        self.client.force_login(self.leader)
        (row,) = self.client.get(reverse("proposals:queue")).context["rows"]
        self.assertContains(self.client.get(row.url), reverse("responses:reply_approve", args=[self.r2_a.pk]))

    def test_it_exports_the_queue_with_the_pages_rows(self) -> None:
        for persona in ALL:
            with self.subTest(persona=persona):
                page = self.get(persona, reverse("proposals:queue"))
                response = self.get(persona, reverse("proposals:queue"), format="xlsx")
                if page.status_code == 403:
                    self.assertEqual(response.status_code, 403)
                    continue
                rows = self.named(row.assignment.proposal for row in page.context["rows"])
                self.assertEqual(response.status_code, 200)
                self.assertEqual(self.xlsx_suggestions(response), rows)

    def test_it_lists_my_suggestions_for_deputies_only_and_only_as_deputy(self) -> None:
        expected = table(403, deputy_user={"S1", "S2"}, other_deputy_user={"S1", "S3"}, dual={"S4"})
        for persona, mine in expected.items():
            with self.subTest(persona=persona):
                response = self.get(persona, reverse("proposals:mine"))
                if mine == 403:
                    self.assertEqual(response.status_code, 403)
                    continue
                self.assertEqual(self.named(response.context["page_obj"]), mine)


class ReplyPagesTests(PersonaFixture):
    """The reply page, the reply edit page and the co-handling opinion page."""

    def replies(self) -> dict[str, Reply]:
        return {"R1": self.r1, "R2A": self.r2_a, "R2B": self.r2_b, "R3D": self.r3_d, "R4": self.r4}

    def test_it_opens_each_reply_page_for_who_may_read_it(self) -> None:
        for name, reply in self.replies().items():
            for persona in ALL:
                with self.subTest(reply=name, persona=persona):
                    status = self.get(persona, reply.get_absolute_url()).status_code
                    self.assertEqual(status, 200 if name in REPLIES[persona] else 404)

    def test_it_shows_the_drafting_history_of_a_reply_only_to_its_unit(self) -> None:
        expected = table(False, staff=True, clerk=True, leader=True, dual=True)
        for persona in ALL:
            if "R1" not in REPLIES[persona]:
                continue
            with self.subTest(persona=persona):
                content = self.get(persona, self.r1.get_absolute_url()).content.decode()
                self.assert_shows(content, S1_RETURN_COMMENT, expected[persona])

    def test_it_shows_a_returned_draft_with_its_comment_to_its_unit(self) -> None:
        for persona in ("b_clerk", "b_leader"):
            with self.subTest(persona=persona):
                self.assertContains(self.get(persona, self.r2_b.get_absolute_url()), S2_B_RETURN_COMMENT)

    def test_it_opens_the_reply_edit_page_only_for_the_units_own_draft(self) -> None:
        cases = {
            # Replied: the unit is sent to the sent letter; others may not draft.
            "S1 lead": (
                self.a1_lead,
                table(
                    404, staff=403, clerk=302, leader=302, dual=302, deputy_user=403, other_deputy_user=403
                ),
            ),
            # The returned draft of 交通运输局: its clerk and leader revise it.
            "S2 B": (self.a2_b, table(404, staff=403, b_clerk=200, b_leader=200, deputy_user=403)),
            # Withdrawn: 水务局 is told it cannot draft; 城管局 cannot reach it.
            # A withdrawn assignment is not shown to the suggestion's deputy at all.
            "S3 C": (self.a3_c, table(404, staff=403, c_clerk=302)),
        }
        for name, (assignment, expected) in cases.items():
            url = reverse("responses:reply_edit", args=[assignment.pk])
            for persona, status in expected.items():
                with self.subTest(assignment=name, persona=persona):
                    self.assertEqual(self.get(persona, url).status_code, status)

    def test_it_opens_the_opinion_page_only_for_the_co_handler(self) -> None:
        cases = {
            # The dual-role user is S4's deputy: they see its assignments, act on none.
            "S4 co (pending)": (self.a4_co, table(404, staff=403, co_clerk=200, dual=403)),
            "S1 co (sent)": (
                self.a1_co,
                table(404, staff=403, co_clerk=302, deputy_user=403, other_deputy_user=403),
            ),
        }
        for name, (assignment, expected) in cases.items():
            url = reverse("responses:opinion", args=[assignment.pk])
            for persona, status in expected.items():
                with self.subTest(assignment=name, persona=persona):
                    self.assertEqual(self.get(persona, url).status_code, status)


class CommitmentPagesTests(PersonaFixture):
    """The commitments list and its export, a promise's page and its evidence."""

    def descriptions(self) -> dict[str, str]:
        return {"C1": self.c1.description, "C4": self.c4.description, "C2B": S2_B_PROMISE}

    # Promises still open: a unit's own (sent); a deputy's made to them, 李明 included,
    # who is also a clerk; staff all.
    LISTED = table(
        set(),
        staff={"C1", "C4"},
        clerk={"C1"},
        leader={"C1"},
        dual={"C1", "C4"},
        e_clerk={"C4"},
        deputy_user={"C1"},
        other_deputy_user={"C1"},
        nobody=403,
    )

    def test_it_lists_the_promises_each_persona_follows(self) -> None:
        names = {c.pk: name for name, c in (("C1", self.c1), ("C4", self.c4))}
        for persona, expected in self.LISTED.items():
            with self.subTest(persona=persona):
                response = self.get(persona, reverse("responses:commitments"))
                if expected == 403:
                    self.assertEqual(response.status_code, 403)
                    continue
                self.assertEqual({names.get(c.pk, c.pk) for c in response.context["page_obj"]}, expected)

    def test_it_exports_promises_to_staff_and_departments_only(self) -> None:
        expected = table(
            403,
            staff={"C1", "C4"},
            clerk={"C1"},
            leader={"C1"},
            dual={"C1"},
            co_clerk=set(),
            b_clerk=set(),
            b_leader=set(),
            c_clerk=set(),
            d_clerk=set(),
            e_clerk={"C4"},
            outsider=set(),
        )
        for persona, promises in expected.items():
            with self.subTest(persona=persona):
                response = self.get(persona, reverse("responses:commitments"), format="xlsx")
                if promises == 403:
                    self.assertEqual(response.status_code, 403)
                    continue
                cells = self.xlsx_cells(response)
                self.assertEqual(
                    {name for name, text in self.descriptions().items() if text in cells}, promises
                )

    PAGES = {
        "C1": table(
            404,
            staff=200,
            clerk=200,
            leader=200,
            dual=200,
            co_clerk=200,
            deputy_user=200,
            other_deputy_user=200,
        ),
        "C4": table(404, staff=200, dual=200, co_clerk=200, e_clerk=200),
    }

    def test_it_opens_a_promise_page_for_who_sees_its_reply(self) -> None:
        for name, commitment in (("C1", self.c1), ("C4", self.c4)):
            for persona, status in self.PAGES[name].items():
                with self.subTest(commitment=name, persona=persona):
                    self.assertEqual(self.get(persona, commitment.get_absolute_url()).status_code, status)

    def test_it_hides_a_draft_promise_outside_its_unit(self) -> None:
        c2b = Commitment.objects.get(reply=self.r2_b)
        expected = table(404, staff=200, b_clerk=200, b_leader=200)
        for persona, status in expected.items():
            with self.subTest(persona=persona):
                self.assertEqual(self.get(persona, c2b.get_absolute_url()).status_code, status)

    def test_it_serves_evidence_to_who_sees_the_promise(self) -> None:
        for name, evidence in (("C1", self.e1), ("C4", self.e4)):
            for persona, status in self.PAGES[name].items():
                with self.subTest(evidence=name, persona=persona):
                    response = self.get(persona, evidence.get_absolute_url())
                    self.assertEqual(response.status_code, status)
                    if status == 200:
                        self.assertEqual(b"".join(response.streaming_content), PDF)


class OtherPagesTests(PersonaFixture):
    """Statistics, search and the inbox."""

    def test_it_shows_statistics_to_staff_and_each_department_its_own_figures(self) -> None:
        for persona in ALL:
            with self.subTest(persona=persona):
                user = getattr(self, persona)
                response = self.get(persona, reverse("stats:dashboard"))
                if persona not in ("staff", *DEPARTMENT_USERS, "outsider"):
                    self.assertEqual(response.status_code, 403)
                    continue
                self.assertEqual(response.status_code, 200)
                shown = {row.department.pk for row in response.context["table"]}
                if persona == "staff":
                    self.assertEqual(
                        shown, {self.lead_dept.pk, self.dept_b.pk, self.dept_d.pk, self.dept_e.pk}
                    )
                else:
                    self.assertLessEqual(shown, {user.department_id})

    def test_it_exports_statistics_with_no_other_departments_figures(self) -> None:
        departments = set(Department.objects.values_list("name", flat=True))
        for persona in ("staff", *DEPARTMENT_USERS):
            with self.subTest(persona=persona):
                user = getattr(self, persona)
                response = self.get(persona, reverse("stats:dashboard"), format="xlsx")
                self.assertEqual(response.status_code, 200)
                named = departments & self.xlsx_cells(response)
                if persona == "staff":
                    self.assertIn(self.dept_b.name, named)
                else:
                    self.assertLessEqual(named, {user.department.name})
        for persona in ("deputy_user", "other_deputy_user", "nobody"):
            with self.subTest(persona=persona):
                self.assertEqual(
                    self.get(persona, reverse("stats:dashboard"), format="xlsx").status_code, 403
                )

    def test_it_searches_suggestions_within_what_each_persona_may_see(self) -> None:
        for persona, expected in VISIBLE.items():
            with self.subTest(persona=persona):
                response = self.get(persona, reverse("search:search"), q="坪西路")
                self.assertEqual(self.named(hit.obj for hit in response.context["hits"]), expected)

    def test_it_searches_replies_within_what_each_persona_may_read(self) -> None:
        names = {
            self.r1.pk: "R1",
            self.r2_a.pk: "R2A",
            self.r2_b.pk: "R2B",
            self.r3_d.pk: "R3D",
            self.r4.pk: "R4",
        }
        for persona, expected in REPLIES.items():
            with self.subTest(persona=persona):
                response = self.get(persona, reverse("search:search"), q="坪西路", **{"in": "replies"})
                self.assertEqual({names[hit.obj.pk] for hit in response.context["hits"]}, expected)

    def test_it_opens_the_offices_own_pages_to_staff_only(self) -> None:
        pages = {
            "log a suggestion": reverse("proposals:create"),
            "import a list": reverse("proposals:import"),
            "reminders": reverse("responses:reminders"),
            "commitment review": reverse("responses:commitment_review"),
            "commitment review (xlsx)": reverse("responses:commitment_review") + "?format=xlsx",
            "archived letters": reverse("responses:archived_letters"),
            "import letters": reverse("responses:letter_import_upload"),
        }
        for page, url in pages.items():
            for persona in ALL:
                with self.subTest(page=page, persona=persona):
                    self.client.force_login(getattr(self, persona))
                    self.assertEqual(self.client.get(url).status_code, 200 if persona == "staff" else 403)

    def test_it_shows_each_persona_only_their_own_reminders_in_the_inbox(self) -> None:
        # The one reminder of the fixture; the handover notices of its steps are in the
        # inboxes too, each in its recipient's only.
        (notification,) = Notification.objects.filter(reminder__isnull=False)
        for persona in ALL:
            with self.subTest(persona=persona):
                mine = persona == "b_clerk"
                response = self.get(persona, reverse("inbox"))
                shown = {n.pk for n in response.context["page_obj"]}
                own = Notification.objects.filter(recipient_id=response.wsgi_request.user.pk)
                self.assertEqual(shown, set(own.values_list("pk", flat=True)))
                self.assertEqual(notification.pk in shown, mine)
                opened = self.client.get(reverse("inbox_open", args=[notification.pk]))
                self.assertEqual(opened.status_code, 302 if mine else 404)
        self.assertIn(self.s2.number, notification.title)


class ApiTests(PersonaFixture):
    """/api/v1/ with a signed-in session: the same records as the pages."""

    def assignment_names(self) -> dict[int, str]:
        return {
            self.a1_lead.pk: "S1 lead",
            self.a1_co.pk: "S1 co",
            self.a2_a.pk: "S2 A",
            self.a2_b.pk: "S2 B",
            self.a3_c.pk: "S3 C",
            self.a3_d.pk: "S3 D",
            self.a4_e.pk: "S4 E",
            self.a4_co.pk: "S4 co",
        }

    def test_it_lists_the_suggestions_each_persona_sees_on_the_list_page(self) -> None:
        for persona, expected in VISIBLE.items():
            with self.subTest(persona=persona):
                results = self.api(persona, "suggestions/")["results"]
                self.assertEqual({self.names[row["id"]] for row in results}, expected)

    def test_it_lists_the_assignments_of_each_personas_units_and_own_suggestions(self) -> None:
        # A deputy sees the current assignments of their suggestions; 李明 those of S4 too.
        expected = table(
            set(),
            staff={"S1 lead", "S1 co", "S2 A", "S2 B", "S3 C", "S3 D", "S4 E", "S4 co"},
            clerk={"S1 lead", "S2 A"},
            leader={"S1 lead", "S2 A"},
            dual={"S1 lead", "S2 A", "S4 E", "S4 co"},
            co_clerk={"S1 co", "S4 co"},
            b_clerk={"S2 B"},
            b_leader={"S2 B"},
            c_clerk={"S3 C"},
            d_clerk={"S3 D"},
            e_clerk={"S4 E"},
            deputy_user={"S1 lead", "S1 co", "S2 A", "S2 B"},
            other_deputy_user={"S1 lead", "S1 co", "S3 D"},
        )
        names = self.assignment_names()
        for persona, assignments in expected.items():
            with self.subTest(persona=persona):
                results = self.api(persona, "assignments/")["results"]
                self.assertEqual({names[row["id"]] for row in results}, assignments)

    def test_it_lists_the_replies_each_persona_may_read(self) -> None:
        names = {
            self.r1.pk: "R1",
            self.r2_a.pk: "R2A",
            self.r2_b.pk: "R2B",
            self.r3_d.pk: "R3D",
            self.r4.pk: "R4",
        }
        for persona, expected in REPLIES.items():
            with self.subTest(persona=persona):
                results = self.api(persona, "replies/")["results"]
                self.assertEqual({names[row["id"]] for row in results}, expected)

    def test_it_lists_the_promises_of_the_replies_each_persona_may_read(self) -> None:
        c2b = Commitment.objects.get(reply=self.r2_b)
        names = {self.c1.pk: "C1", self.c4.pk: "C4", c2b.pk: "C2B"}
        expected = table(
            set(),
            staff={"C1", "C2B", "C4"},
            clerk={"C1"},
            leader={"C1"},
            dual={"C1", "C4"},
            co_clerk={"C1", "C4"},
            b_clerk={"C2B"},
            b_leader={"C2B"},
            e_clerk={"C4"},
            deputy_user={"C1"},
            other_deputy_user={"C1"},
        )
        for persona, promises in expected.items():
            with self.subTest(persona=persona):
                results = self.api(persona, "commitments/")["results"]
                self.assertEqual({names[row["id"]] for row in results}, promises)

    def test_it_gives_statistics_to_staff_and_each_department_its_own_row(self) -> None:
        for persona in ALL:
            with self.subTest(persona=persona):
                user = getattr(self, persona)
                response = self.get(persona, "/api/v1/statistics/")
                if persona not in ("staff", *DEPARTMENT_USERS, "outsider"):
                    self.assertEqual(response.status_code, 403)
                    continue
                shown = {row["department"]["id"] for row in response.json()["departments"]}
                if persona == "staff":
                    self.assertIn(self.dept_b.pk, shown)
                else:
                    self.assertLessEqual(shown, {user.department_id})

    def test_it_gives_a_dual_role_user_the_deputys_view_of_their_own_suggestion(self) -> None:
        # As 陈寿 reads S1: no internal deadline, no assignment states.
        as_deputy = self.api("deputy_user", f"suggestions/{self.s1.pk}/")
        self.assertNotIn("next_due_on", as_deputy)
        self.assertNotIn("status", as_deputy["assignments"][0])
        own = self.api("dual", f"suggestions/{self.s4.pk}/")
        with self.subTest("internal deadline"):
            self.assertNotIn("next_due_on", own)
        with self.subTest("other units' assignment states"):
            self.assertEqual([row for row in own["assignments"] if "status" in row], [])

    def test_it_shows_a_withdrawn_unit_nothing_written_after_it_left(self) -> None:
        data = self.api("c_clerk", f"suggestions/{self.s3.pk}/")
        self.assertEqual(self.names[data["id"]], "S3")
        with self.subTest("the extension granted to the new unit"):
            self.assertNotIn("2024-12-13", str(data))


OK, REFUSED = "ok", "refused"


class ActionTests(PersonaFixture):
    """The POST actions: offered on their page to exactly the personas whose POST goes
    through; everyone else is refused (403/404, or a message) with nothing written."""

    def check_action(
        self,
        action: str,
        data: dict[str, Any] | Callable[[], dict[str, Any]],
        *,
        effect: Callable[[], Any],
        pages: tuple[str, ...],
        expected: dict[str, Any],
    ) -> None:
        """``expected`` per persona: OK (redirect, no error, ``effect()`` changed), REFUSED
        (redirect with an error message, ``effect()`` unchanged) or a status code
        (``effect()`` unchanged). Each POST is rolled back, so the personas act on the
        same fixture."""
        for persona, outcome in expected.items():
            with self.subTest(persona=persona):
                self.client.force_login(getattr(self, persona))
                offered = [page for page in pages if f'"{action}"' in self.client.get(page).content.decode()]
                self.assertEqual(bool(offered), outcome == OK, f"offered on {offered or pages}")
                before = effect()
                with transaction.atomic():
                    response = self.client.post(action, data() if callable(data) else data)
                    after = effect()
                    transaction.set_rollback(True)
                if outcome in (OK, REFUSED):
                    self.assertEqual(response.status_code, 302)
                    self.assertEqual(
                        "error" in self.levels(response), outcome == REFUSED, self.levels(response)
                    )
                else:
                    self.assertEqual(response.status_code, outcome)
                if outcome == OK:
                    self.assertNotEqual(after, before, "nothing was written")
                else:
                    self.assertEqual(after, before, "something was written")

    def status_of(self, model: type[Any], pk: int, field: str = "status") -> Any:
        return model._base_manager.values_list(field, flat=True).get(pk=pk)

    # -- deputies ---------------------------------------------------------------

    def test_it_lets_only_the_suggestions_deputies_rate_its_reply(self) -> None:
        cases = {
            # 李明 (dual) is a clerk of the unit that wrote R1, not one of S1's deputies.
            "R1": (
                self.r1,
                self.s1,
                table(
                    404,
                    deputy_user=OK,
                    other_deputy_user=REFUSED,  # rated already
                    staff=403,
                    clerk=403,
                    leader=403,
                    dual=403,
                    co_clerk=403,
                ),
            ),
            # …and S4's lead deputy.
            "R4": (self.r4, self.s4, table(404, dual=OK, staff=403, co_clerk=403, e_clerk=403)),
        }
        for name, (reply, proposal, expected) in cases.items():
            with self.subTest(reply=name):
                self.check_action(
                    reverse("responses:feedback", args=[reply.pk]),
                    {"rating": "satisfied", "comment": ""},
                    effect=lambda reply=reply: Feedback.objects.filter(reply=reply).count(),
                    pages=(reply.get_absolute_url(), proposal.get_absolute_url()),
                    expected=expected,
                )

    def test_it_lets_only_the_suggestions_deputies_comment_on_its_promise(self) -> None:
        cases = {
            "C1": (
                self.c1,
                table(
                    404,
                    deputy_user=OK,
                    other_deputy_user=OK,
                    staff=403,
                    clerk=403,
                    leader=403,
                    dual=403,
                    co_clerk=403,
                ),
            ),
            "C4": (self.c4, table(404, dual=OK, staff=403, co_clerk=403, e_clerk=403)),
        }
        for name, (commitment, expected) in cases.items():
            with self.subTest(commitment=name):
                self.check_action(
                    reverse("responses:commitment_comment", args=[commitment.pk]),
                    {"body": "请尽快落实"},
                    effect=lambda c=commitment: CommitmentComment.objects.filter(commitment=c).count(),
                    pages=(commitment.get_absolute_url(),),
                    expected=expected,
                )

    # -- departments ------------------------------------------------------------

    def test_it_lets_only_the_assigned_unit_sign_for_its_assignment(self) -> None:
        self.check_action(
            reverse("proposals:accept", args=[self.a4_co.pk]),
            {},
            effect=lambda: self.status_of(Assignment, self.a4_co.pk),
            pages=(self.s4.get_absolute_url(),),
            expected=table(404, co_clerk=OK, staff=403, dual=403),
        )

    def test_it_lets_only_the_co_handler_send_its_opinion(self) -> None:
        self.check_action(
            reverse("responses:opinion", args=[self.a4_co.pk]),
            {"body": "住建局会办意见：建议预留社康中心用地"},
            effect=lambda: CoOpinion.objects.filter(assignment=self.a4_co).count(),
            pages=(self.s4.get_absolute_url(), reverse("proposals:queue")),
            expected=table(404, co_clerk=OK, staff=403, dual=403),
        )

    def test_it_lets_only_the_unit_revise_its_returned_draft(self) -> None:
        promise = Commitment.objects.get(reply=self.r2_b)
        data = self.reply_form_data(
            body="一、关于坪西路公交线路……（修改稿）",
            grade="B",
            commitments=[
                {
                    "id": promise.pk,
                    "description": S2_B_PROMISE,
                    "due_on": "2025-06-30",
                    "department": self.dept_b.pk,
                }
            ],
            initial_commitments=1,
        )
        self.check_action(
            reverse("responses:reply_edit", args=[self.a2_b.pk]),
            data,
            effect=lambda: self.status_of(Reply, self.r2_b.pk, "body"),
            pages=(self.s2.get_absolute_url(), self.r2_b.get_absolute_url()),
            expected=table(404, b_clerk=OK, b_leader=OK, staff=403, deputy_user=403),
        )

    def test_it_lets_only_the_unit_submit_its_draft(self) -> None:
        self.check_action(
            reverse("responses:reply_submit", args=[self.r2_b.pk]),
            {},
            effect=lambda: self.status_of(Reply, self.r2_b.pk),
            pages=(self.r2_b.get_absolute_url(),),
            expected=table(404, b_clerk=OK, b_leader=OK, staff=403),
        )

    def test_it_lets_only_the_units_leader_approve_or_return_its_reply(self) -> None:
        expected = table(404, leader=OK, staff=403, clerk=403, dual=403)
        for name, data in (
            ("reply_approve", {"sent_on": ""}),
            ("reply_return", {"comment": "请补充停车位数据"}),
        ):
            with self.subTest(action=name):
                self.check_action(
                    reverse(f"responses:{name}", args=[self.r2_a.pk]),
                    data,
                    effect=lambda: self.status_of(Reply, self.r2_a.pk),
                    pages=(self.r2_a.get_absolute_url(),),
                    expected=expected,
                )

    def test_it_lets_only_the_current_unit_record_a_contact(self) -> None:
        data = {
            "contacted_on": "2024-08-05",
            "method": Contact.Method.PHONE,
            "stage": Contact.Stage.DURING,
            "summary": "电话联系代表",
        }
        cases = {
            "S3 D": (self.a3_d, table(404, d_clerk=OK, staff=403, other_deputy_user=403)),
            # Withdrawn: 水务局 may no longer record anything on it.
            "S3 C": (self.a3_c, table(404, c_clerk=REFUSED, staff=403)),
        }
        for name, (assignment, expected) in cases.items():
            with self.subTest(assignment=name):
                self.check_action(
                    reverse("proposals:add_contact", args=[assignment.pk]),
                    data,
                    effect=lambda a=assignment: Contact.objects.filter(assignment=a).count(),
                    pages=(self.s3.get_absolute_url(),),
                    expected=expected,
                )

    def test_it_refuses_a_change_request_after_the_window(self) -> None:
        self.check_action(
            reverse("proposals:request_change", args=[self.a2_b.pk]),
            {"reason": "公交线路不属于本局职责"},
            effect=lambda: self.status_of(Assignment, self.a2_b.pk),
            pages=(self.s2.get_absolute_url(),),
            expected=table(404, b_clerk=REFUSED, b_leader=REFUSED, staff=403, deputy_user=403),
        )

    def test_it_lets_the_unit_report_progress_on_its_promise(self) -> None:
        self.check_action(
            reverse("responses:commitment_report", args=[self.c1.pk]),
            lambda: {
                "reported_on": "2025-01-10",
                "summary": "可研报告已获批",
                "percent": "80",
                "files": [pdf("可研批复.pdf")],
            },
            effect=lambda: self.c1.reports.count(),
            pages=(self.c1.get_absolute_url(),),
            expected=table(
                404,
                clerk=OK,
                leader=OK,
                dual=OK,
                staff=403,
                co_clerk=403,
                deputy_user=403,
                other_deputy_user=403,
            ),
        )

    def test_it_lets_only_staff_or_the_units_leader_close_a_promise_unkept(self) -> None:
        self.check_action(
            reverse("responses:commitment_close", args=[self.c1.pk]),
            {"reason": "规划调整，不再实施"},
            effect=lambda: self.status_of(Commitment, self.c1.pk),
            pages=(self.c1.get_absolute_url(),),
            expected=table(
                404,
                staff=OK,
                leader=OK,
                clerk=403,
                dual=403,
                co_clerk=403,
                deputy_user=403,
                other_deputy_user=403,
            ),
        )

    # -- congress staff ---------------------------------------------------------

    def test_it_lets_only_staff_confirm_a_promise_kept(self) -> None:
        self.check_action(
            reverse("responses:commitment_confirm", args=[self.c4.pk]),
            {},
            effect=lambda: self.status_of(Commitment, self.c4.pk),
            pages=(self.c4.get_absolute_url(),),
            expected=table(404, staff=OK, dual=403, co_clerk=403, e_clerk=403),
        )

    def test_it_lets_only_staff_extend_a_deadline(self) -> None:
        self.check_action(
            reverse("proposals:extend", args=[self.a2_a.pk]),
            {"new_due_on": "2024-12-20", "reason": "需补充停车需求调查"},
            effect=lambda: self.status_of(Assignment, self.a2_a.pk, "due_on"),
            pages=(self.s2.get_absolute_url(),),
            expected=table(404, staff=OK, clerk=403, leader=403, dual=403, deputy_user=403),
        )

    def test_it_lets_only_staff_remind_a_unit(self) -> None:
        self.check_action(
            reverse("responses:remind_now", args=[self.a2_b.pk]),
            {},
            effect=lambda: self.s2.events.filter(kind=ProposalEvent.Kind.REMINDED).count(),
            pages=(self.s2.get_absolute_url(),),
            expected=table(404, staff=OK, b_clerk=403, b_leader=403, deputy_user=403),
        )

    def test_it_lets_only_staff_close_a_replied_suggestion(self) -> None:
        self.check_action(
            reverse("proposals:close", args=[self.s1.pk]),
            {"reason": "反馈期已过，代表未反馈"},
            effect=lambda: self.status_of(Proposal, self.s1.pk),
            pages=(self.s1.get_absolute_url(),),
            expected=table(
                404,
                staff=OK,
                clerk=403,
                leader=403,
                dual=403,
                co_clerk=403,
                deputy_user=403,
                other_deputy_user=403,
            ),
        )

    def test_it_lets_only_staff_change_a_replys_grade(self) -> None:
        self.check_action(
            reverse("responses:reply_regrade", args=[self.r1.pk]),
            {"grade": "C", "reason": "受用地条件限制，需待以后解决"},
            effect=lambda: self.status_of(Reply, self.r1.pk, "grade"),
            pages=(self.r1.get_absolute_url(),),
            expected=table(
                404,
                staff=OK,
                clerk=403,
                leader=403,
                dual=403,
                co_clerk=403,
                deputy_user=403,
                other_deputy_user=403,
            ),
        )

    def test_it_lets_only_staff_decide_on_an_unsatisfied_rating(self) -> None:
        self.check_action(
            reverse("responses:feedback_decide", args=[self.unsatisfied.pk]),
            {"decision": Feedback.Decision.DECLINED, "reason": "可研审批已按程序推进"},
            effect=lambda: self.status_of(Feedback, self.unsatisfied.pk, "decision"),
            pages=(self.r1.get_absolute_url(),),
            expected=table(
                404,
                staff=OK,
                clerk=403,
                leader=403,
                dual=403,
                co_clerk=403,
                deputy_user=403,
                other_deputy_user=403,
            ),
        )

    def test_it_refuses_to_decide_a_change_request_already_decided(self) -> None:
        self.check_action(
            reverse("proposals:decide_change", args=[self.a3_c.pk]),
            {"approve": "no", "reason": "维持原交办"},
            effect=lambda: self.status_of(Assignment, self.a3_c.pk),
            pages=(self.s3.get_absolute_url(),),
            expected=table(404, staff=REFUSED, c_clerk=403),
        )

    def test_it_opens_the_assign_page_to_staff_only(self) -> None:
        expected = table(
            404, staff=200, clerk=403, leader=403, dual=403, b_clerk=403, b_leader=403, deputy_user=403
        )
        for persona, status in expected.items():
            with self.subTest(persona=persona):
                response = self.get(persona, reverse("proposals:assign", args=[self.s2.pk]))
                self.assertEqual(response.status_code, status)
