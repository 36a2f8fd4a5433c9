"""Shared personas and small helpers for the test suite."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import Group
from django.test import Client, TestCase, TransactionTestCase
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from proposals.models import Assignment, Category, Congress, Department, Deputy, Proposal, Session
from responses.models import Commitment, Reply
from tracker.mfa import TOTP_NAME, mfa_required
from tracker.models import Role, User


def make_user(username: str, *roles: str, department: Department | None = None, **fields: Any) -> User:
    user = User.objects.create_user(username=username, password="pw", department=department, **fields)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def full_width(text: str) -> str:
    """``text`` with its ASCII digits and letters typed in full-width (20240493 → ２０２４０４９３)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def enrol_totp(user: User) -> TOTPDevice:
    """A confirmed authenticator for ``user`` (its key: device.bin_key)."""
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name=TOTP_NAME, defaults={"confirmed": True}
    )
    return device


class VerifiedClient(Client):
    """A test client whose force_login also passes the second factor for a user who must
    have one, as the sign-in pages would (tests of the two-step pages themselves use
    ``verified=False``, or sign in with the real forms)."""

    def force_login(self, user: Any, backend: str | None = None, *, verified: bool = True) -> None:
        super().force_login(user, backend)
        if verified and mfa_required(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = enrol_totp(user).persistent_id
            session.save()


class Personas:
    """Personas: staff, a clerk and a leader of the lead unit, a co-handling clerk,
    an outsider clerk of an unrelated unit, a lead deputy, another deputy, and a
    signed-in user with no role; and the builders that use them."""

    congress: Congress
    session: Session
    category: Category
    lead_dept: Department
    co_dept: Department
    other_dept: Department
    staff: User
    clerk: User
    leader: User
    co_clerk: User
    co_leader: User
    outsider: User
    nobody: User
    deputy_user: User
    other_deputy_user: User
    deputy: Deputy
    other_deputy: Deputy

    @classmethod
    def setUpTestData(cls) -> None:
        cls.congress = Congress.objects.create(name="深圳市人民代表大会", short_name="市人大")
        cls.session = Session.objects.create(
            congress=cls.congress, name="深圳市第七届人民代表大会第五次会议", term=7, meeting=5, year=2024
        )
        cls.category = Category.objects.create(congress=cls.congress, name="城建环资")
        cls.lead_dept = Department.objects.create(name="龙岗区发展和改革局")
        cls.co_dept = Department.objects.create(name="龙岗区住房和建设局")
        cls.other_dept = Department.objects.create(name="坪山区教育局")
        cls.staff = make_user("staff", Role.CONGRESS_STAFF)
        cls.clerk = make_user("clerk", Role.DEPT_CLERK, department=cls.lead_dept)
        cls.leader = make_user("leader", Role.DEPT_LEADER, department=cls.lead_dept)
        cls.co_clerk = make_user("co_clerk", Role.DEPT_CLERK, department=cls.co_dept)
        cls.co_leader = make_user("co_leader", Role.DEPT_LEADER, department=cls.co_dept)
        cls.outsider = make_user("outsider", Role.DEPT_CLERK, department=cls.other_dept)
        cls.nobody = make_user("nobody")
        cls.deputy_user = make_user("deputy", Role.DEPUTY)
        cls.other_deputy_user = make_user("other_deputy", Role.DEPUTY)
        cls.deputy = Deputy.objects.create(
            congress=cls.congress, name="陈寿", delegation="龙岗代表团", user=cls.deputy_user
        )
        cls.other_deputy = Deputy.objects.create(
            congress=cls.congress, name="王芳", delegation="坪山代表团", user=cls.other_deputy_user
        )

    # -- builders -------------------------------------------------------------

    _counter = 0

    @classmethod
    def make_proposal(cls, **overrides: Any) -> Proposal:
        cls._counter += 1
        co_signers = overrides.pop("co_signers", [])
        fields: dict[str, Any] = {
            "congress": cls.congress,
            "session": cls.session,
            "number": f"2024{cls._counter:04d}",
            "title": "关于推动坪西路改造的建议",
            "body": "建议加快坪西路市政改造。",
            "category": cls.category,
            "lead_deputy": cls.deputy,
            "received_on": date(2024, 6, 1),
        }
        fields.update(overrides)
        proposal = Proposal.objects.create(**fields)
        proposal.co_signers.set(co_signers)
        return proposal

    @classmethod
    def make_assigned(
        cls, *, with_co: bool = True, assigned_on: date | None = None, **overrides: Any
    ) -> Proposal:
        """A suggestion assigned to the lead unit (and the co-handling unit)."""
        proposal = cls.make_proposal(**overrides)
        proposal.assign(
            by=cls.staff,
            lead=cls.lead_dept,
            co=[cls.co_dept] if with_co else [],
            assigned_on=assigned_on or date(2024, 7, 15),
        )
        return proposal

    @staticmethod
    def lead_assignment(proposal: Proposal) -> Assignment:
        return proposal.assignments.get(
            role=Assignment.Role.LEAD, status__in=Assignment.OPEN_STATUSES + (Assignment.Status.REPLIED,)
        )

    @classmethod
    def make_draft(cls, proposal: Proposal, *, grade: str = "A", **overrides: Any) -> Reply:
        """Accept the lead assignment and draft a complete reply."""
        assignment = cls.lead_assignment(proposal)
        if assignment.status == Assignment.Status.PENDING:
            assignment.accept(by=cls.clerk)
        fields: dict[str, Any] = {
            "body": "一、关于坪西路改造……下一步，将加快可研报告审批。",
            "grade": grade,
            "publicity": Reply.Publicity.PUBLIC,
            "contact_name": "杨郁波",
            "contact_phone": "88180952",
            "copy_to": "市人大常委会选联工委\n市政府督查室",
        }
        fields.update(overrides)
        reply = Reply.start_draft(assignment, by=cls.clerk, **fields)
        if grade == "B":
            Commitment.objects.create(
                reply=reply,
                description="完成坪西路改造可研报告审批",
                due_on=date(2025, 6, 30),
                department=cls.lead_dept,
            )
        if grade == "C" and not reply.grade_reason:
            reply.grade_reason = "受用地条件限制，需待土地征转完成后解决"
            reply.save(update_fields=["grade_reason"])
        return reply

    @classmethod
    def make_sent(cls, proposal: Proposal, *, grade: str = "A", **overrides: Any) -> Reply:
        reply = cls.make_draft(proposal, grade=grade, **overrides)
        reply.submit(by=cls.clerk)
        reply.approve(by=cls.leader)
        return reply

    @classmethod
    def publish(cls, reply: Reply, *, form: str = "full", text: str | None = None) -> Reply:
        """Staff publish a sent reply (since publication is staff's decision, 国办发〔2014〕46号,
        a sent reply is not public until then), with the redaction step's text unless given."""
        publication = reply.publication
        publication.publish(
            form, text if text is not None else publication.redaction(form).text, by=cls.staff
        )
        reply.refresh_from_db()
        return reply

    @classmethod
    def make_published(cls, proposal: Proposal, *, grade: str = "A", **overrides: Any) -> Reply:
        """A sent reply that staff published as full text."""
        return cls.publish(cls.make_sent(proposal, grade=grade, **overrides))

    @staticmethod
    def keep_promises(reply: Reply) -> None:
        """Mark every commitment of a sent reply confirmed kept (for tests that re-grade B → A)."""
        reply.commitments.update(status=Commitment.Status.FULFILLED, fulfilled_on=reply.sent_on)

    @staticmethod
    def refreshed(obj: Any) -> Any:
        obj.refresh_from_db()
        return obj

    # -- reply form data (added for the responses view tests) ------------------

    @classmethod
    def reply_form_data(
        cls,
        *,
        commitments: list[dict[str, Any]] | None = None,
        initial_commitments: int = 0,
        **overrides: Any,
    ) -> dict[str, str]:
        """POST data for responses:reply_edit: the letter fields plus the commitments formset.

        Each commitment dict may hold id, description, due_on, department (a pk) and DELETE;
        the first ``initial_commitments`` rows are the draft's saved commitments.
        """
        commitments = commitments or []
        data: dict[str, Any] = {
            "document_number": "深龙发改函〔2024〕61号",
            "body": "一、关于坪西路改造\n下一步，龙岗区将加快坪西路改造工程项目的可研报告审批工作。",
            "grade": "A",
            "grade_reason": "",
            "publicity": "public",
            "publicity_reason": "",
            "contact_name": "杨郁波",
            "contact_phone": "88180952",
            "copy_to": "市人大常委会选联工委\n市政府督查室",
            "commitments-TOTAL_FORMS": str(len(commitments)),
            "commitments-INITIAL_FORMS": str(initial_commitments),
            "commitments-MIN_NUM_FORMS": "0",
            "commitments-MAX_NUM_FORMS": "1000",
        }
        for i, row in enumerate(commitments):
            row = {"department": cls.lead_dept.pk, **row}
            for name, value in row.items():
                data[f"commitments-{i}-{name}"] = value
        data.update(overrides)
        return {key: str(value) for key, value in data.items()}


class TrackerTestCase(Personas, TestCase):
    """The personas, created once per class; each test runs in a transaction rolled back after it."""

    client_class = VerifiedClient


class TrackerTransactionTestCase(Personas, TransactionTestCase):
    """The personas for tests that need real commits (requests racing in threads); they
    are created afresh for each test, since the tables are emptied after it."""

    client_class = VerifiedClient

    def setUp(self) -> None:
        super().setUp()
        type(self).setUpTestData()
