"""Key-suggestion supervision (重点督办): themes, activities, agreed actions, the special
report; every page for every role (staff, the supervising leader, a clerk of a unit in
the theme, a clerk of another unit, a deputy, anonymous, the superuser)."""

from __future__ import annotations

import io
import threading
import unittest
from datetime import date
from typing import Any

import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings
from django.urls import reverse
from docx import Document

from proposals.models import Department, Proposal
from responses.models import (
    ActivityFile,
    Obligation,
    SupervisionAction,
    SupervisionActivity,
    SupervisionEvent,
    SupervisionReport,
    SupervisionTheme,
    ThemeSuggestion,
)
from responses.models.supervision import default_plan_due, default_report_due
from tests.base import Personas, TrackerTestCase, TrackerTransactionTestCase, VerifiedClient, make_user
from tests.responses.reminder_helpers import at, rows, scan
from tracker.models import Role, User

MEDIA = "/tmp/tracker-test-media"
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
TODAY = date(2024, 11, 4)


def pdf(name: str = "现场照片.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


class SupervisionFixture(Personas):
    """A theme on two units: the lead unit handles S1 and S2, 交通运输局 handles S3."""

    dept_b: Department
    b_clerk: User
    supervisor: User
    admin: User
    s1: Proposal
    s2: Proposal
    s3: Proposal
    theme: SupervisionTheme
    visit: SupervisionActivity
    action_a: SupervisionAction
    action_b: SupervisionAction

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.dept_b = Department.objects.create(name="龙岗区交通运输局")
        cls.b_clerk = make_user("b_clerk", Role.DEPT_CLERK, department=cls.dept_b)
        cls.supervisor = make_user("supervisor", first_name="市人大常委会副主任")
        cls.admin = make_user("admin", is_superuser=True, is_staff=True)
        with time_machine.travel(at(date(2024, 7, 15)), tick=False):
            cls.s1 = cls.make_assigned(title="关于加快东部过境通道建设的建议")
            cls.s2 = cls.make_assigned(with_co=False, title="关于如意路南延通道建设的建议")
            cls.s3 = cls.make_proposal(title="关于加快龙翔大道东延建设的建议")
            cls.s3.assign(by=cls.staff, lead=cls.dept_b, assigned_on=date(2024, 7, 15))
        cls.theme = SupervisionTheme.objects.create(
            congress=cls.congress,
            title="加快东部交通基础设施建设",
            year=2024,
            supervising_leader="市人大常委会副主任",
            supervisor=cls.supervisor,
            lead_department=cls.lead_dept,
            plan_due_on=date(2024, 5, 31),
            report_due_on=date(2025, 1, 31),
            created_by=cls.staff,
        )
        cls.theme.other_departments.set([cls.dept_b])
        cls.theme.add_suggestions([cls.s1, cls.s2, cls.s3], by=cls.staff)
        with time_machine.travel(at(date(2024, 10, 20)), tick=False):
            cls.visit = cls.theme.record_activity(
                by=cls.staff,
                kind=SupervisionActivity.Kind.SITE_VISIT,
                held_on=date(2024, 10, 20),
                place="东部过境通道施工现场",
                attendees="副主任、陈寿代表、两家单位负责同志",
                agreed="交通运输局一个月内报送通车时间表",
            )
            cls.action_a = cls.visit.agree_action(
                by=cls.staff,
                department=cls.lead_dept,
                proposal=cls.s1,
                description="协调通道用地，明确开工时间",
                due_on=date(2024, 11, 20),
            )
            cls.action_b = cls.visit.agree_action(
                by=cls.staff,
                department=cls.dept_b,
                proposal=cls.s3,
                description="报送龙翔大道东延通车时间表",
                due_on=date(2024, 11, 20),
            )

    def setUp(self) -> None:
        super().setUp()
        traveller = time_machine.travel(at(TODAY), tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def as_(self, persona: str) -> None:
        self.client.logout()
        if persona != "anonymous":
            self.client.force_login(getattr(self, persona))


@override_settings(MEDIA_ROOT=MEDIA)
class SupervisionPagesTests(SupervisionFixture, TrackerTestCase):
    ROLES = ("staff", "supervisor", "clerk", "b_clerk", "outsider", "deputy_user", "anonymous", "admin")

    def statuses(self, url: str) -> dict[str, Any]:
        got = {}
        for persona in self.ROLES:
            self.as_(persona)
            response = self.client.get(url)
            got[persona] = (
                "login"
                if response.status_code == 302 and "/login/" in response["Location"]
                else (response.status_code)
            )
        return got

    def test_it_opens_each_page_for_the_roles_that_may_open_it(self) -> None:
        theme = self.theme.pk
        expected = {
            reverse("supervision:board"): (200, 200, 200, 200, 200, 403, "login", 200),
            reverse("supervision:theme", args=[theme]): (200, 200, 200, 200, 404, 404, "login", 200),
            reverse("supervision:create"): (200, 403, 403, 403, 403, 403, "login", 200),
            reverse("supervision:edit", args=[theme]): (200, 403, 403, 403, 404, 404, "login", 200),
            reverse("supervision:activity_add", args=[theme]): (200, 403, 403, 403, 404, 404, "login", 200),
            reverse("supervision:report", args=[theme]): (200, 200, 403, 403, 404, 404, "login", 200),
            reverse("supervision:report_docx", args=[theme]): (200, 200, 403, 403, 404, 404, "login", 200),
        }
        for url, outcome in expected.items():
            with self.subTest(url):
                self.assertEqual(self.statuses(url), dict(zip(self.ROLES, outcome, strict=True)))

    def test_it_sends_the_supervising_leader_home_to_their_themes(self) -> None:
        self.as_("supervisor")
        response = self.client.get(reverse("home"), follow=True)
        self.assertRedirects(response, reverse("supervision:board"))
        self.assertContains(response, "Themes I supervise")
        self.assertEqual(response.context["mine"][0]["theme"], self.theme)

    def test_it_lists_on_the_board_only_the_themes_of_a_units_part(self) -> None:
        for persona, shown in (("clerk", True), ("b_clerk", True), ("outsider", False)):
            self.as_(persona)
            with self.subTest(persona):
                response = self.client.get(reverse("supervision:board"))
                self.assertEqual(self.theme.title in response.content.decode(), shown)

    def test_it_shows_staff_every_suggestion_activity_and_action(self) -> None:
        self.as_("staff")
        response = self.client.get(self.theme.get_absolute_url())
        for text in (
            self.s1.number,
            self.s2.number,
            self.s3.number,
            "东部过境通道施工现场",
            "协调通道用地",
            "报送龙翔大道东延",
        ):
            self.assertContains(response, text)
        self.assertContains(response, reverse("supervision:edit", args=[self.theme.pk]))

    def test_it_shows_a_unit_only_its_own_suggestions_and_actions(self) -> None:
        self.as_("b_clerk")
        response = self.client.get(self.theme.get_absolute_url())
        self.assertContains(response, self.s3.number)
        self.assertContains(response, "报送龙翔大道东延")
        self.assertNotContains(response, self.s1.number)
        self.assertNotContains(response, "协调通道用地")
        self.assertNotContains(response, reverse("supervision:edit", args=[self.theme.pk]))

    def test_it_shows_the_supervising_leader_the_whole_theme_read_only(self) -> None:
        self.as_("supervisor")
        response = self.client.get(self.theme.get_absolute_url())
        self.assertContains(response, self.s1.number)
        self.assertContains(response, "报送龙翔大道东延")
        self.assertNotContains(response, reverse("supervision:edit", args=[self.theme.pk]))
        self.assertNotContains(response, reverse("supervision:action_confirm", args=[self.action_b.pk]))

    def test_the_boards_queries_do_not_grow_with_the_themes(self) -> None:
        from django.db import connection as conn
        from django.test.utils import CaptureQueriesContext

        self.as_("staff")
        with CaptureQueriesContext(conn) as one:
            self.client.get(reverse("supervision:board"))
        for n in range(3):
            theme = SupervisionTheme.objects.create(
                congress=self.congress,
                title=f"专题{n}",
                year=2024,
                supervising_leader="城建环资工委",
                lead_department=self.dept_b,
                plan_due_on=date(2024, 5, 31),
                report_due_on=date(2025, 1, 31),
                created_by=self.staff,
            )
            theme.add_suggestions([self.s3], by=self.staff)
        with CaptureQueriesContext(conn) as four:
            self.client.get(reverse("supervision:board"))
        self.assertEqual(len(four), len(one))

    def test_it_speaks_chinese_by_default_and_english_when_asked(self) -> None:
        self.as_("staff")
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
        self.assertContains(self.client.get(reverse("supervision:board")), "督办专题")
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.assertContains(self.client.get(reverse("supervision:board")), "Supervision themes")


@override_settings(MEDIA_ROOT=MEDIA)
class ThemeEditingTests(SupervisionFixture, TrackerTestCase):
    def form(self, **overrides: Any) -> dict[str, Any]:
        data = {
            "congress": self.congress.pk,
            "title": "推进坪山河流域综合治理",
            "year": "2025",
            "kind": "special",
            "supervising_leader": "市人大城建环资工委",
            "lead_department": self.lead_dept.pk,
            "other_departments": [self.dept_b.pk],
            "plan": "一、制定方案",
            "plan_due_on": "",
            "report_due_on": "",
        }
        data.update(overrides)
        return data

    def test_it_creates_a_theme_with_the_congresss_plan_and_report_dates(self) -> None:
        self.as_("staff")
        response = self.client.post(reverse("supervision:create"), self.form())
        theme = SupervisionTheme.objects.get(title="推进坪山河流域综合治理")
        self.assertRedirects(response, theme.get_absolute_url())
        self.assertEqual((theme.plan_due_on, theme.report_due_on), (date(2025, 5, 31), date(2026, 1, 31)))
        self.assertTrue(theme.events.filter(kind=SupervisionEvent.Kind.CREATED, actor=self.staff).exists())

    def test_the_default_dates_are_the_congresss_setting(self) -> None:
        self.congress.supervision_plan_due = "06-30"
        self.congress.supervision_report_due = "02-29"
        self.assertEqual(default_plan_due(self.congress, 2025), date(2025, 6, 30))
        self.assertEqual(default_report_due(self.congress, 2025), date(2026, 2, 28))

    def test_it_refuses_a_theme_from_a_clerk(self) -> None:
        self.as_("clerk")
        response = self.client.post(reverse("supervision:create"), self.form())
        self.assertEqual(response.status_code, 403)
        self.assertFalse(SupervisionTheme.objects.filter(title="推进坪山河流域综合治理").exists())

    def test_it_answers_bad_input_with_the_form_not_a_500(self) -> None:
        self.as_("staff")
        for bad in ({"year": "abc"}, {"year": "99999"}, {"plan_due_on": "2025-13-45"}, {"congress": "x"}):
            with self.subTest(bad):
                response = self.client.post(reverse("supervision:create"), self.form(**bad))
                self.assertEqual(response.status_code, 200)
        self.assertFalse(SupervisionTheme.objects.filter(title="推进坪山河流域综合治理").exists())

    def test_it_adds_suggestions_of_any_session_by_number(self) -> None:
        other = self.make_proposal(title="关于坪山河碧道建设的建议", number="20250209")
        self.as_("staff")
        self.client.post(
            reverse("supervision:suggestions_add", args=[self.theme.pk]),
            {"numbers": f"{other.number}，{self.s1.number}"},
        )
        self.assertEqual(self.theme.active_suggestions().count(), 4)

    def test_it_refuses_unknown_numbers_and_adds_nothing(self) -> None:
        other = self.make_proposal(title="关于坪山河碧道建设的建议")
        self.as_("staff")
        response = self.client.post(
            reverse("supervision:suggestions_add", args=[self.theme.pk]),
            {"numbers": f"{other.number} 99999999"},
            follow=True,
        )
        self.assertContains(response, "99999999")
        self.assertEqual(self.theme.active_suggestions().count(), 3)

    def test_it_records_a_removal_and_keeps_the_row(self) -> None:
        membership = self.theme.memberships.get(proposal=self.s2)
        self.as_("staff")
        self.client.post(
            reverse("supervision:suggestion_remove", args=[self.theme.pk]),
            {"membership": membership.pk, "reason": "已并入其他专题"},
        )
        membership.refresh_from_db()
        self.assertEqual((membership.removed_by, membership.removal_reason), (self.staff, "已并入其他专题"))
        self.assertTrue(self.theme.events.filter(kind=SupervisionEvent.Kind.SUGGESTION_REMOVED).exists())
        self.assertEqual(ThemeSuggestion.objects.filter(theme=self.theme).count(), 3)

    def test_it_refuses_a_removal_by_the_supervising_leader(self) -> None:
        membership = self.theme.memberships.get(proposal=self.s2)
        self.as_("supervisor")
        response = self.client.post(
            reverse("supervision:suggestion_remove", args=[self.theme.pk]),
            {"membership": membership.pk, "reason": "x"},
        )
        self.assertEqual(response.status_code, 403)

    def test_it_records_an_activity_with_its_files(self) -> None:
        self.as_("staff")
        response = self.client.post(
            reverse("supervision:activity_add", args=[self.theme.pk]),
            {
                "kind": "hearing",
                "held_on": "2024-11-01",
                "place": "市人大常委会会议室",
                "attendees": "两家单位",
                "agreed": "按期报送",
                "files": [pdf("会议纪要.pdf")],
            },
        )
        self.assertEqual(response.status_code, 302)
        activity = self.theme.activities.get(kind="hearing")
        self.assertEqual(activity.files.get().original_name, "会议纪要.pdf")

    def test_it_refuses_a_disguised_file_and_records_nothing(self) -> None:
        self.as_("staff")
        disguised = SimpleUploadedFile(
            "纪要.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf"
        )
        response = self.client.post(
            reverse("supervision:activity_add", args=[self.theme.pk]),
            {
                "kind": "hearing",
                "held_on": "2024-11-01",
                "place": "会议室",
                "attendees": "两家单位",
                "files": [disguised],
            },
        )
        self.assertContains(response, "纪要.pdf")
        self.assertFalse(self.theme.activities.filter(kind="hearing").exists())
        self.assertFalse(ActivityFile.objects.filter(original_name="纪要.pdf").exists())

    def test_it_serves_activity_files_to_who_sees_the_theme(self) -> None:
        activity = self.theme.record_activity(
            by=self.staff, files=[pdf()], kind="meeting", held_on=TODAY, place="会议室", attendees="x"
        )
        file = activity.files.get()
        for persona, status in (
            ("b_clerk", 200),
            ("supervisor", 200),
            ("outsider", 404),
            ("deputy_user", 404),
        ):
            self.as_(persona)
            with self.subTest(persona):
                self.assertEqual(self.client.get(file.get_absolute_url()).status_code, status)

    def test_it_answers_bad_action_input_without_a_500(self) -> None:
        self.as_("staff")
        url = reverse("supervision:action_add", args=[self.visit.pk])
        for data in (
            {},
            {"department": "x", "proposal": "y", "description": "z", "due_on": "no"},
            {
                "department": self.other_dept.pk,
                "proposal": self.s1.pk,
                "description": "z",
                "due_on": "2024-12-01",
            },
        ):
            with self.subTest(data):
                self.assertEqual(self.client.post(url, data).status_code, 302)
        self.assertEqual(self.theme.actions.count(), 2)
        self.assertEqual(
            self.client.post(reverse("supervision:action_add", args=[99999]), {}).status_code, 404
        )


class AgreedActionTests(SupervisionFixture, TrackerTestCase):
    def test_an_agreed_action_is_a_dated_obligation_of_its_unit(self) -> None:
        obligation = Obligation.objects.get(action=self.action_b)
        self.assertEqual(
            (obligation.kind, obligation.department, obligation.due_on, obligation.is_open),
            (Obligation.Kind.SUPERVISION_ACTION, self.dept_b, date(2024, 11, 20), True),
        )

    def test_sync_obligations_restores_a_lost_action_deadline(self) -> None:
        Obligation.objects.filter(action=self.action_b).delete()
        call_command("sync_obligations", stdout=io.StringIO())
        self.assertEqual(Obligation.objects.get(action=self.action_b).due_on, date(2024, 11, 20))

    def test_the_scan_reminds_the_unit_of_its_action(self) -> None:
        scan(self, date(2024, 11, 6))  # 14 days before
        self.assertIn(("supervision_action", -14, "b_clerk", "inbox"), rows(obligation__action=self.action_b))
        self.assertNotIn("b_clerk", {r[2] for r in rows(obligation__action=self.action_a)})

    def test_the_supervising_leader_hears_of_an_overdue_action(self) -> None:
        scan(self, date(2024, 11, 21))
        self.assertIn("supervisor", {r[2] for r in rows(obligation__action=self.action_b, stage=1)})

    def test_the_unit_reports_done_and_is_no_longer_reminded(self) -> None:
        self.as_("b_clerk")
        self.client.post(
            reverse("supervision:action_report", args=[self.action_b.pk]), {"report": "已报送时间表"}
        )
        self.action_b.refresh_from_db()
        self.assertEqual(self.action_b.status, SupervisionAction.Status.REPORTED)
        self.assertFalse(Obligation.objects.get(action=self.action_b).is_open)

    def test_another_unit_may_not_report_the_action(self) -> None:
        self.as_("clerk")
        response = self.client.post(
            reverse("supervision:action_report", args=[self.action_b.pk]), {"report": "x"}
        )
        self.assertEqual(response.status_code, 403)
        self.as_("outsider")
        response = self.client.post(
            reverse("supervision:action_report", args=[self.action_b.pk]), {"report": "x"}
        )
        self.assertEqual(response.status_code, 404)

    def test_staff_confirm_or_send_back_with_a_reason(self) -> None:
        self.action_b.report_done(by=self.b_clerk, report="已报送")
        self.action_a.report_done(by=self.clerk, report="已协调")
        self.as_("staff")
        self.client.post(
            reverse("supervision:action_confirm", args=[self.action_b.pk]), {"state": "reported"}
        )
        self.client.post(
            reverse("supervision:action_reopen", args=[self.action_a.pk]), {"reason": "未附用地批复"}
        )
        self.action_a.refresh_from_db()
        self.action_b.refresh_from_db()
        self.assertEqual((self.action_a.status, self.action_b.status), ("open", "confirmed"))
        self.assertTrue(Obligation.objects.get(action=self.action_a).is_open)
        self.assertEqual(
            self.theme.events.filter(kind=SupervisionEvent.Kind.ACTION_REOPEN).get().data["reason"],
            "未附用地批复",
        )

    def test_the_unit_may_not_confirm_its_own_action(self) -> None:
        self.action_b.report_done(by=self.b_clerk, report="已报送")
        self.as_("b_clerk")
        response = self.client.post(reverse("supervision:action_confirm", args=[self.action_b.pk]))
        self.assertEqual(response.status_code, 403)

    def test_a_page_left_open_is_told_to_reload(self) -> None:
        self.action_b.report_done(by=self.b_clerk, report="已报送")
        self.action_b.confirm(by=self.staff)
        self.as_("staff")
        response = self.client.post(
            reverse("supervision:action_confirm", args=[self.action_b.pk]), {"state": "reported"}, follow=True
        )
        self.assertContains(response, "reload the page")
        self.assertEqual(self.theme.events.filter(kind=SupervisionEvent.Kind.ACTION_CONFIRM).count(), 1)


class SpecialReportTests(SupervisionFixture, TrackerTestCase):
    def test_it_assembles_a_draft_from_the_record(self) -> None:
        self.as_("staff")
        body = (
            self.client.get(reverse("supervision:report", args=[self.theme.pk]))
            .context["form"]["body"]
            .value()
        )
        for text in (
            self.s1.number,
            self.s3.number,
            "东部过境通道施工现场",
            "报送龙翔大道东延通车时间表",
            "二、督办活动",
        ):
            self.assertIn(text, body)

    def test_staff_edit_then_finalise_and_the_text_is_frozen(self) -> None:
        self.as_("staff")
        url = reverse("supervision:report", args=[self.theme.pk])
        self.client.post(
            url, {"title": "专题报告", "signed_by": "市人大常委会", "body": "一、总体情况\n已完成。"}
        )
        self.client.post(reverse("supervision:report_finalise", args=[self.theme.pk]))
        report = SupervisionReport.objects.get(theme=self.theme)
        self.assertEqual(
            (report.status, report.finalised_by, report.body), ("final", self.staff, "一、总体情况\n已完成。")
        )
        self.client.post(url, {"title": "改", "signed_by": "改", "body": "改"})
        report.refresh_from_db()
        self.assertEqual(report.body, "一、总体情况\n已完成。")
        self.assertTrue(self.theme.events.filter(kind=SupervisionEvent.Kind.REPORT_FINALISED).exists())

    def test_the_docx_carries_the_title_and_text(self) -> None:
        self.theme.open_report(by=self.staff).edit(
            by=self.staff,
            title="关于东部交通专题督办情况的报告",
            signed_by="市人大常委会",
            body="一、总体情况\n进展顺利。",
        )
        self.as_("supervisor")
        response = self.client.get(reverse("supervision:report_docx", args=[self.theme.pk]))
        texts = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
        self.assertIn("关于东部交通专题督办情况的报告", texts)
        self.assertIn("一、总体情况", texts)
        self.assertEqual(
            response["Content-Type"].split(";")[0],
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )

    def test_the_supervising_leader_may_not_edit_the_report(self) -> None:
        self.as_("supervisor")
        response = self.client.post(
            reverse("supervision:report", args=[self.theme.pk]), {"title": "x", "signed_by": "x", "body": "x"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(SupervisionReport.objects.exists())


@unittest.skipUnless(connection.vendor == "postgresql", "concurrent transactions need PostgreSQL")
class SupervisionRaceTests(SupervisionFixture, TrackerTransactionTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.staff2 = make_user("staff2", Role.CONGRESS_STAFF)

    def test_two_staff_confirming_at_once_confirm_once(self) -> None:
        self.action_b.report_done(by=self.b_clerk, report="已报送")
        url = reverse("supervision:action_confirm", args=[self.action_b.pk])
        clients = []
        for user in (self.staff, self.staff2):
            client = VerifiedClient(raise_request_exception=False)
            client.force_login(user)
            clients.append(client)
        barrier = threading.Barrier(2)
        statuses: list[int] = []

        def run(client: VerifiedClient) -> None:
            try:
                barrier.wait(timeout=30)
                statuses.append(client.post(url, {"state": "reported"}).status_code)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertEqual(statuses, [302, 302])
        self.assertEqual(
            SupervisionEvent.objects.filter(kind=SupervisionEvent.Kind.ACTION_CONFIRM).count(), 1
        )
        self.assertEqual(SupervisionAction.objects.get(pk=self.action_b.pk).status, "confirmed")


def make_matrix_theme(fixture: Any) -> dict[str, Any]:
    """The URL × role matrix's theme (tests/workflow/test_url_matrix.py): S1 and S2 of the
    persona fixture, led by S1's lead unit with 交通运输局 (b_clerk's unit) named too; a
    site visit with a file, a milestone and an action agreed for 交通运输局 on S2."""
    theme = SupervisionTheme.objects.create(
        congress=fixture.congress,
        title="坪西路综合改造",
        year=2024,
        supervising_leader="市人大常委会副主任",
        lead_department=fixture.lead_dept,
        plan_due_on=date(2024, 5, 31),
        report_due_on=date(2025, 1, 31),
        created_by=fixture.staff,
    )
    theme.other_departments.set([fixture.dept_b])
    theme.add_suggestions([fixture.s1, fixture.s2], by=fixture.staff)
    milestone = theme.add_milestone(by=fixture.staff, title="办理方案", due_on=date(2024, 5, 31))
    with override_settings(MEDIA_ROOT=MEDIA):
        visit = theme.record_activity(
            by=fixture.staff,
            files=[pdf()],
            kind=SupervisionActivity.Kind.SITE_VISIT,
            held_on=date(2024, 10, 20),
            place="坪西路",
            attendees="两家单位",
        )
    action = visit.agree_action(
        by=fixture.staff,
        department=fixture.dept_b,
        proposal=fixture.s2,
        description="报送公交线路调整方案",
        due_on=date(2024, 12, 31),
    )
    return {
        "T": theme,
        "TM": milestone,
        "TV": visit,
        "TF": visit.files.get(),
        "TA": action,
    }
