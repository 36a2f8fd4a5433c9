"""``manage.py load_demo``: idempotent demo data from the seed letter, with demo accounts."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from io import StringIO

import time_machine
from django.core.management import call_command
from django.db.models import Model
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from proposals.demo import DEMO_TOTP_SECRET
from proposals.models import Assignment, Category, Department, Deputy, Proposal, ProposalEvent, Session
from proposals.timeline import timeline
from responses.models import ArchivedLetter, Commitment, Feedback, Reply
from responses.reminders.scan import run_scan
from tests.proposals.timeline_checks import untranslated
from tracker.models import Role, User

COUNTED: list[type[Model]] = [
    Session,
    Category,
    Department,
    Deputy,
    User,
    Proposal,
    Assignment,
    Reply,
    Commitment,
    Feedback,
    ProposalEvent,
    ArchivedLetter,
]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


# A fast hasher: the loader and these logins hash "demo" several times.
@override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    MEDIA_ROOT=tempfile.mkdtemp(prefix="demo-media-"),
)
class LoadDemoCommandTests(TestCase):
    first_counts: dict[str, int]
    second_counts: dict[str, int]
    output: str

    @classmethod
    def setUpTestData(cls) -> None:
        call_command("load_demo", force=True, stdout=StringIO())
        cls.first_counts = counts()
        out = StringIO()
        call_command("load_demo", force=True, stdout=out)
        cls.second_counts = counts()
        cls.output = out.getvalue()

    def reply_20240493(self) -> Reply:
        return Reply.objects.select_related("assignment__department").get(
            assignment__proposal__number="20240493"
        )

    def test_it_creates_nothing_new_when_run_twice(self) -> None:
        self.assertEqual(self.second_counts, self.first_counts)

    def test_it_creates_nothing_new_when_run_again_a_year_later(self) -> None:
        with time_machine.travel(timezone.now() + timedelta(days=400), tick=False):
            call_command("load_demo", force=True, stdout=StringIO())
        self.assertEqual(counts(), self.first_counts)

    def test_it_loads_between_20_and_40_more_suggestions(self) -> None:
        self.assertTrue(21 <= self.first_counts["Proposal"] <= 41, self.first_counts["Proposal"])

    def test_it_sends_a_b_reply_to_20240493_within_the_feedback_window(self) -> None:
        # The archived letter keeps its date (2024-11-18); the demo's reply is sent days
        # before the demo loads, so that 陈寿 can rate it (issue 18).
        reply = self.reply_20240493()
        today = timezone.localdate()
        self.assertEqual((reply.status, reply.grade), (Reply.Status.SENT, "B"))
        self.assertTrue(
            reply.sent_on < today <= reply.feedback_due_on, (reply.sent_on, reply.feedback_due_on)
        )

    def test_it_gives_the_20240493_reply_commitments_with_due_dates(self) -> None:
        commitments = self.reply_20240493().commitments.all()
        self.assertGreaterEqual(len(commitments), 1)
        self.assertTrue(any("坪西路" in c.description for c in commitments))

    def test_it_keeps_the_letter_text_without_bookmark_markup(self) -> None:
        body = self.reply_20240493().body
        self.assertIn("龙岗区为主办单位", body)
        self.assertIn("专此函复。", body)
        self.assertNotIn("[bookmark", body)

    def test_it_archives_the_seed_letter_linked_to_its_suggestion_unit_and_reply(self) -> None:
        letter = ArchivedLetter.objects.get()
        reply = self.reply_20240493()
        self.assertEqual(
            (
                letter.number,
                letter.proposal,
                letter.department,
                letter.reply,
                letter.grade,
                letter.letter_date,
            ),
            (
                "20240493",
                reply.assignment.proposal,
                reply.assignment.department,
                reply,
                "B",
                date(2024, 11, 18),
            ),
        )

    def test_it_names_chen_shou_as_lead_deputy_of_20240493(self) -> None:
        proposal = Proposal.objects.get(number="20240493")
        self.assertEqual(proposal.lead_deputy.name, "陈寿")
        self.assertTrue(proposal.co_signers.exists())

    def test_it_assigns_20240493_to_the_longgang_government_as_lead_unit(self) -> None:
        assignment = self.reply_20240493().assignment
        self.assertEqual(
            (assignment.role, assignment.department.name), (Assignment.Role.LEAD, "深圳市龙岗区人民政府")
        )

    def test_it_keeps_some_open_work_overdue(self) -> None:
        self.assertTrue(Proposal.objects.open().overdue(timezone.localdate()).exists())

    def test_it_keeps_some_open_work_due_within_14_days(self) -> None:
        self.assertTrue(Proposal.objects.open().due_within(timezone.localdate(), 14).exists())

    def test_it_lets_each_demo_account_sign_in_with_demo(self) -> None:
        for username in ["staff", "clerk", "leader", "deputy", "admin"]:
            with self.subTest(username=username):
                response = self.client.post(reverse("login"), {"username": username, "password": "demo"})
                self.assertEqual(response.status_code, 302)
                self.client.logout()

    def test_it_lets_staff_in_with_the_demo_password_and_the_printed_code(self) -> None:
        self.client.post(reverse("login"), {"username": "staff", "password": "demo"})
        code = StringIO()
        call_command("demo_code", stdout=code, stderr=StringIO())
        response = self.client.post(
            reverse("mfa_verify"), {"code": code.getvalue().strip(), "next": "/proposals/"}
        )
        self.assertRedirects(response, "/proposals/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/proposals/").status_code, 200)

    def test_it_enrols_the_accounts_that_need_a_second_factor_and_not_deputies(self) -> None:
        enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True))
        self.assertTrue({"staff", "leader", "admin", "clerk"} <= enrolled)
        self.assertNotIn("deputy", enrolled)

    def test_it_prints_the_demo_authenticator_key(self) -> None:
        self.assertIn("demo_code", self.output)
        self.assertIn(DEMO_TOTP_SECRET, self.output)

    def test_it_makes_staff_congress_staff(self) -> None:
        self.assertTrue(User.objects.get(username="staff").has_role(Role.CONGRESS_STAFF))

    def test_it_makes_clerk_a_clerk_of_the_lead_unit_of_20240493(self) -> None:
        clerk = User.objects.get(username="clerk")
        self.assertTrue(clerk.has_role(Role.DEPT_CLERK))
        self.assertEqual(clerk.department, self.reply_20240493().assignment.department)

    def test_it_makes_leader_a_leader_of_the_lead_unit_of_20240493(self) -> None:
        leader = User.objects.get(username="leader")
        self.assertTrue(leader.is_department_leader)
        self.assertEqual(leader.department, self.reply_20240493().assignment.department)

    def test_it_links_deputy_to_chen_shou(self) -> None:
        self.assertEqual(User.objects.get(username="deputy").deputy_profile.name, "陈寿")

    def test_it_makes_admin_a_superuser(self) -> None:
        admin = User.objects.get(username="admin")
        self.assertTrue(admin.is_superuser and admin.is_staff)

    def test_it_prints_a_summary(self) -> None:
        self.assertIn("already there", self.output)
        self.assertIn('password "demo"', self.output)

    def test_it_writes_events_as_data_not_sentences(self) -> None:
        self.assertFalse(ProposalEvent.objects.exclude(detail="").exists())

    def test_its_timelines_read_in_chinese_without_codes(self) -> None:
        with translation.override("zh-hans"):
            lines = [
                " ".join((entry.title, entry.change, entry.detail))
                for entry in timeline(ProposalEvent.objects.select_related("department"))
            ]
        self.assertEqual([line for line in lines if untranslated(line)], [])

    def test_it_watches_every_open_deadline_of_the_demo(self) -> None:
        from responses.models import Obligation

        open_assignments = Assignment.objects.filter(status__in=Assignment.OPEN_STATUSES)
        watched = Obligation.objects.open().filter(assignment__in=open_assignments)
        self.assertEqual(
            set(watched.values_list("assignment", flat=True)),
            set(open_assignments.values_list("pk", flat=True)),
        )

    def test_its_first_reminder_scan_tells_the_overdue_departments(self) -> None:
        from responses.models import Reminder

        with self.captureOnCommitCallbacks(execute=True):
            run_scan()
        self.assertTrue(
            Reminder.objects.filter(obligation__assignment__due_on__lt=timezone.localdate()).exists()
        )
        self.assertFalse(Reminder.objects.filter(status=Reminder.Status.PENDING, channel="inbox").exists())


# -- a demo that stays alive (issue 18) ---------------------------------------------------


def rate_actions_on_20240493() -> frozenset[str]:
    reply = Reply.objects.get(assignment__proposal__number="20240493")
    return reply.actions(User.objects.get(username="deputy"))


def overdue_obligations(today: date, more_than: int) -> list[str]:
    from responses.models import Obligation

    late = Obligation.objects.open().filter(due_on__lt=today - timedelta(days=more_than))
    return [f"{o.kind} {o.proposal.number} {o.due_on}" for o in late.select_related("proposal")]


def missing_states() -> dict[str, set[str]]:
    """The states of the demo's Workflow tables that no demo row is in."""
    from responses.models import Feedback as FeedbackModel

    missing = {}
    for model in [Proposal, Assignment, Reply, Commitment, FeedbackModel]:
        field = model.workflow.state_field  # type: ignore[attr-defined]
        present = set(model._base_manager.values_list(field, flat=True))
        missing[model.__name__] = {str(s) for s in model.workflow.states()} - present  # type: ignore[attr-defined]
    return {name: states for name, states in missing.items() if states}


def load() -> str:
    out = StringIO()
    call_command("load_demo", force=True, stdout=out)
    return out.getvalue()


@override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    MEDIA_ROOT=tempfile.mkdtemp(prefix="demo-media-"),
)
class DemoStaysAliveTests(TestCase):
    """Loaded on any day, the demo has live work: nothing years overdue, 陈寿 can rate."""

    output: str

    @classmethod
    def setUpTestData(cls) -> None:
        with translation.override("en"):
            cls.output = load()

    def test_the_deputy_can_rate_20240493_after_the_first_reminder_scan(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            run_scan()
        self.assertIn("rate", rate_actions_on_20240493())
        self.assertIsNone(Reply.objects.get(assignment__proposal__number="20240493").feedback_lapsed_on)

    def test_no_open_obligation_is_overdue_by_more_than_60_days(self) -> None:
        today = timezone.localdate()
        self.assertEqual(overdue_obligations(today, 60), [])
        # … and some are overdue by days or weeks: the reminders page has work to show.
        self.assertNotEqual(overdue_obligations(today, 0), [])

    def test_every_state_of_the_workflow_tables_is_present(self) -> None:
        self.assertEqual(missing_states(), {})

    def test_the_statistics_open_on_the_year_of_the_current_suggestions(self) -> None:
        # Withdrawn suggestions (the demo has one) are not counted in the figures.
        latest = Proposal.objects.counted().select_related("session").latest("received_on")
        response = self.client.get(reverse("public:statistics"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["form"]["year"].value(), str(latest.session.year))
        self.assertEqual(latest.session.year, timezone.localdate().year)

    def test_it_prints_every_account_with_its_role_and_unit(self) -> None:
        lines = {line.split()[0]: line for line in self.output.splitlines() if line.startswith("  ")}
        for user in User.objects.all():
            with self.subTest(username=user.username):
                self.assertIn(user.username, lines)
                if user.department:
                    self.assertIn(user.department.name, lines[user.username])
        self.assertIn("Department clerk · 龙岗区水务局", lines["longgang-water-clerk"])
        self.assertIn("Deputy · 陈寿", lines["deputy"])

    def test_the_login_page_names_the_main_accounts_with_their_units_in_debug(self) -> None:
        with self.settings(DEBUG=True):
            page = self.client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        for username in ["staff", "clerk", "leader", "longgang-water-clerk", "deputy", "sysadmin"]:
            self.assertIn(f"<code>{username}</code>", page)
        self.assertIn("深圳市龙岗区人民政府", page)


@override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    MEDIA_ROOT=tempfile.mkdtemp(prefix="demo-media-"),
)
class DemoLoadedLaterTests(TestCase):
    def test_loaded_two_years_from_now_it_is_as_alive(self) -> None:
        later = timezone.now() + timedelta(days=730)
        with time_machine.travel(later, tick=False):
            load()
            with self.captureOnCommitCallbacks(execute=True):
                run_scan()
            today = timezone.localdate()
            self.assertIn("rate", rate_actions_on_20240493())
            self.assertEqual(overdue_obligations(today, 60), [])
            self.assertTrue(Proposal.objects.open().overdue(today).exists())
            self.assertEqual(Session.objects.order_by("-year").first().year, today.year)
