"""Suggestions submitted online: the transitions of Submission and CoSignInvitation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.core.exceptions import ValidationError

from proposals.models import (
    CoSignInvitation,
    Deputy,
    Exclusion,
    InvalidTransition,
    Proposal,
    ProposalEvent,
    Submission,
    SubmissionEvent,
)
from tests.base import TrackerTestCase, make_user
from tracker.models import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2024, 3, 4)


def at(day: date, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


class SubmissionCase(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.third_user = make_user("third_deputy", Role.DEPUTY)
        cls.third = Deputy.objects.create(congress=cls.congress, name="李明", user=cls.third_user)
        Exclusion.objects.seed(cls.congress)
        cls.exclusion = Exclusion.objects.filter(congress=cls.congress).first()

    def drafted(self, *co_signers: Deputy, **fields: Any) -> Submission:
        return Submission.draft(
            by=self.deputy_user,
            session=self.session,
            title=fields.get("title", "关于坪山河碧道增设便民驿站的建议"),
            body="坪山河碧道沿线缺少休息和饮水设施。",
            category=self.category,
            co_signers=co_signers,
        )

    def submitted(self, *co_signers: Deputy) -> Submission:
        submission = self.drafted(*co_signers)
        if co_signers:
            submission.invite(by=self.deputy_user)
            for invitation in submission.invitations.all():
                invitation.answer(by=invitation.deputy.user, confirm=True)
        submission.submit(by=self.deputy_user)
        return submission

    def kinds(self, submission: Submission) -> list[str]:
        return list(submission.events.values_list("kind", flat=True))


class DraftTests(SubmissionCase):
    def test_it_keeps_a_draft_with_the_co_signers_to_invite_and_records_it(self) -> None:
        submission = self.drafted(self.other_deputy)
        self.assertEqual(submission.status, Submission.Status.DRAFT)
        self.assertEqual(list(submission.co_signers.all()), [self.other_deputy])
        self.assertEqual(self.kinds(submission), ["drafted"])

    def test_it_refuses_a_co_signer_of_another_congress(self) -> None:
        from proposals.models import Congress

        elsewhere = Congress.objects.create(name="深圳市龙岗区人民代表大会")
        stranger = Deputy.objects.create(congress=elsewhere, name="赵敏")
        with self.assertRaisesMessage(InvalidTransition, "赵敏"):
            self.drafted(stranger)

    def test_it_refuses_the_lead_deputy_as_their_own_co_signer(self) -> None:
        with self.assertRaises(InvalidTransition):
            self.drafted(self.deputy)

    def test_only_the_lead_deputy_may_edit_the_draft(self) -> None:
        submission = self.drafted()
        with self.assertRaises(InvalidTransition):
            submission.edit(
                by=self.other_deputy_user,
                session=self.session,
                title="改",
                body="",
                category=None,
                co_signers=[],
            )
        submission.edit(
            by=self.deputy_user,
            session=self.session,
            title="改过的标题",
            body="正文",
            category=None,
            co_signers=[],
        )
        submission.refresh_from_db()
        self.assertEqual(submission.title, "改过的标题")
        self.assertEqual(self.kinds(submission), ["drafted", "edited"])


class InvitationTests(SubmissionCase):
    def test_it_gives_co_signers_the_congresss_window_to_answer(self) -> None:
        self.congress.cosign_window_days = 5
        self.congress.save()
        submission = self.drafted(self.other_deputy, self.third)
        with at(MONDAY):
            invitations = submission.invite(by=self.deputy_user)
        self.assertEqual(submission.status, Submission.Status.INVITING)
        self.assertEqual(submission.cosign_due_on, date(2024, 3, 9))
        self.assertEqual({i.deputy for i in invitations}, {self.other_deputy, self.third})

    def test_the_default_window_is_three_days(self) -> None:
        submission = self.drafted(self.other_deputy)
        with at(MONDAY):
            submission.invite(by=self.deputy_user)
        self.assertEqual(submission.cosign_due_on, date(2024, 3, 7))

    def test_a_co_signer_answers_on_the_last_day_but_not_after(self) -> None:
        submission = self.drafted(self.other_deputy, self.third)
        with at(MONDAY):
            submission.invite(by=self.deputy_user)
        first, second = submission.invitations.order_by("deputy__name")
        with at(date(2024, 3, 7), hour=23):
            first.answer(by=first.deputy.user, confirm=True)
        with at(date(2024, 3, 8), hour=0), self.assertRaisesMessage(InvalidTransition, "2024-03-07"):
            second.answer(by=second.deputy.user, confirm=True)
        self.assertEqual(self.refreshed(second).status, CoSignInvitation.Status.PENDING)

    def test_only_the_invited_deputy_answers_and_only_once(self) -> None:
        submission = self.drafted(self.other_deputy)
        submission.invite(by=self.deputy_user)
        invitation = submission.invitations.get()
        with self.assertRaises(InvalidTransition):
            invitation.answer(by=self.third_user, confirm=True)
        invitation.answer(by=self.other_deputy_user, confirm=False)
        with self.assertRaisesMessage(InvalidTransition, "already answered"):
            invitation.answer(by=self.other_deputy_user, confirm=True)
        self.assertEqual(self.kinds(submission), ["drafted", "invited", "cosign_declined"])

    def test_inviting_needs_co_signers(self) -> None:
        with self.assertRaisesMessage(InvalidTransition, "co-signers"):
            self.drafted().invite(by=self.deputy_user)


class SubmitTests(SubmissionCase):
    def test_a_draft_without_co_signers_is_submitted_at_once(self) -> None:
        submission = self.drafted()
        submission.submit(by=self.deputy_user)
        self.assertEqual(self.refreshed(submission).status, Submission.Status.SUBMITTED)

    def test_a_draft_with_co_signers_must_invite_them_first(self) -> None:
        with self.assertRaisesMessage(InvalidTransition, "Invite"):
            self.drafted(self.other_deputy).submit(by=self.deputy_user)

    def test_it_waits_for_every_answer_until_the_window_passes_then_lapses_the_silent(self) -> None:
        with at(MONDAY):
            submission = self.drafted(self.other_deputy, self.third)
            submission.invite(by=self.deputy_user)
            submission.invitations.get(deputy=self.other_deputy).answer(
                by=self.other_deputy_user, confirm=True
            )
        with at(date(2024, 3, 7)), self.assertRaisesMessage(InvalidTransition, "1"):
            submission.submit(by=self.deputy_user)
        with at(date(2024, 3, 8)):
            submission.submit(by=self.deputy_user)
        self.assertEqual(
            dict(submission.invitations.values_list("deputy__name", "status")),
            {"王芳": "confirmed", "李明": "lapsed"},
        )
        self.assertEqual(self.kinds(submission)[-2:], ["cosign_lapsed", "submitted"])

    def test_only_the_lead_deputy_submits(self) -> None:
        submission = self.drafted()
        with self.assertRaises(InvalidTransition):
            submission.submit(by=self.other_deputy_user)


class AcceptTests(SubmissionCase):
    def test_staff_accept_it_and_it_is_logged_with_its_number_and_confirmed_co_signers(self) -> None:
        submission = self.drafted(self.other_deputy, self.third)
        submission.invite(by=self.deputy_user)
        submission.invitations.get(deputy=self.other_deputy).answer(by=self.other_deputy_user, confirm=True)
        submission.invitations.get(deputy=self.third).answer(by=self.third_user, confirm=False)
        with at(MONDAY):
            submission.submit(by=self.deputy_user)
        proposal = submission.accept(by=self.staff, number="２０２４０５０１")
        self.assertEqual(proposal.number, "20240501")
        self.assertEqual(proposal.status, Proposal.Status.REGISTERED)
        self.assertEqual(list(proposal.co_signers.all()), [self.other_deputy])
        self.assertEqual((proposal.lead_deputy, proposal.received_on), (self.deputy, MONDAY))
        self.assertEqual(self.refreshed(submission).proposal, proposal)
        self.assertEqual(ProposalEvent.objects.filter(proposal=proposal, kind="logged").count(), 1)

    def test_it_refuses_a_number_taken_or_against_the_pattern_and_stays_submitted(self) -> None:
        self.make_proposal(number="20240501")
        submission = self.submitted()
        for number in ("20240501", "2024-501"):
            with self.subTest(number=number), self.assertRaises(ValidationError):
                submission.accept(by=self.staff, number=number)
        self.assertEqual(self.refreshed(submission).status, Submission.Status.SUBMITTED)
        self.assertNotIn("accepted", self.kinds(submission))

    def test_only_staff_accept(self) -> None:
        submission = self.submitted()
        for user in (self.deputy_user, self.clerk):
            with self.subTest(user=user.username), self.assertRaises(InvalidTransition):
                submission.accept(by=user, number="20240501")


class ReturnTests(SubmissionCase):
    def test_staff_return_it_with_an_excluded_matter_and_words_the_deputy_reads(self) -> None:
        submission = self.submitted()
        submission.return_(by=self.staff, exclusion=self.exclusion, reason="属个人诉求，已转信访部门。")
        submission.refresh_from_db()
        self.assertEqual(
            (submission.status, submission.exclusion, submission.return_reason),
            (Submission.Status.RETURNED, self.exclusion, "属个人诉求，已转信访部门。"),
        )
        event = submission.events.get(kind=SubmissionEvent.Kind.RETURNED)
        self.assertEqual(event.data["exclusion_text"], self.exclusion.text)

    def test_it_needs_a_reason_of_this_congress_and_an_explanation(self) -> None:
        from proposals.models import Congress

        other = Exclusion.objects.create(congress=Congress.objects.create(name="别处"), text="别处的理由")
        submission = self.submitted()
        with self.assertRaises(InvalidTransition):
            submission.return_(by=self.staff, exclusion=other, reason="理由")
        with self.assertRaises(InvalidTransition):
            submission.return_(by=self.staff, exclusion=self.exclusion, reason="  ")

    def test_the_congress_starts_from_shenzhens_list(self) -> None:
        texts = list(Exclusion.objects.filter(congress=self.congress).values_list("text", flat=True))
        self.assertEqual(len(texts), 8)
        self.assertIn("属检举、申诉、控告的", texts)
        self.assertEqual(Exclusion.objects.seed(self.congress), 0)


class WithdrawTests(SubmissionCase):
    def test_the_deputy_withdraws_before_staff_decide_and_open_invitations_are_cancelled(self) -> None:
        submission = self.drafted(self.other_deputy)
        submission.invite(by=self.deputy_user)
        submission.withdraw(by=self.deputy_user, reason="与他人建议重复")
        self.assertEqual(self.refreshed(submission).status, Submission.Status.WITHDRAWN)
        self.assertEqual(submission.invitations.get().status, CoSignInvitation.Status.CANCELLED)
        self.assertEqual(self.kinds(submission)[-2:], ["cosign_cancelled", "withdrawn"])

    def test_it_cannot_be_withdrawn_here_once_accepted(self) -> None:
        submission = self.submitted()
        submission.accept(by=self.staff, number="20240501")
        with self.assertRaisesMessage(InvalidTransition, "withdrawn"):
            submission.withdraw(by=self.deputy_user)


class VisibilityTests(SubmissionCase):
    def test_a_draft_is_seen_by_its_deputy_and_invitees_only_and_by_staff_once_submitted(self) -> None:
        submission = self.drafted(self.other_deputy)

        def seen_by(user: Any) -> bool:
            return Submission.objects.visible_to(user).filter(pk=submission.pk).exists()

        self.assertEqual(
            [seen_by(u) for u in (self.deputy_user, self.other_deputy_user, self.third_user, self.staff)],
            [True, False, False, False],
        )
        submission.invite(by=self.deputy_user)
        self.assertTrue(seen_by(self.other_deputy_user))
        self.assertFalse(seen_by(self.staff))
        submission.invitations.get().answer(by=self.other_deputy_user, confirm=True)
        submission.submit(by=self.deputy_user)
        self.assertEqual(
            [seen_by(u) for u in (self.staff, self.clerk, self.third_user)], [True, False, False]
        )
