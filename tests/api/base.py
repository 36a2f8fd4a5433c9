"""Known data for the API tests, counted by hand.

p1  deputy's,       lead: lead_dept (reply r1 sent, B, published, commitment c1), co: co_dept
p2  deputy's,       lead: lead_dept (reply r2 sent, B, not published, commitment c2)
p3  other deputy's, lead: lead_dept (reply r3 a draft, B, draft commitment c3), co: co_dept
p4  other deputy's, not assigned
p5  other deputy's, lead: other_dept (reply r5 a draft of other_dept, A)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.cache import cache
from django.http import HttpResponse

from proposals.models import Assignment, Proposal
from responses.models import Commitment, Reply
from tests.base import TrackerTestCase, make_user
from tracker.models import ApiToken, Role, User

ROLES = ("staff", "clerk", "leader", "co_clerk", "outsider", "deputy", "other_deputy", "nobody")


class ApiTestCase(TrackerTestCase):
    p1: Proposal
    p2: Proposal
    p3: Proposal
    p4: Proposal
    p5: Proposal
    r1: Reply
    r2: Reply
    r3: Reply
    r5: Reply
    c1: Commitment
    c2: Commitment
    c3: Commitment
    other_leader: User
    keys: dict[str, str]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.other_leader = make_user("other_leader", Role.DEPT_LEADER, department=cls.other_dept)
        cls.p1 = cls.make_assigned(title="关于推动坪西路改造的建议")
        cls.r1 = cls.make_published(cls.p1, grade="B")
        cls.p2 = cls.make_assigned(with_co=False, title="关于加快坪山枢纽建设的建议")
        cls.r2 = cls.make_sent(
            cls.p2, grade="B", publicity=Reply.Publicity.NOT_PUBLIC, publicity_reason="规划尚未批复"
        )
        cls.p3 = cls.make_assigned(lead_deputy=cls.other_deputy, title="关于建设龙岗区云端学校的建议")
        cls.r3 = cls.make_draft(cls.p3, grade="B")
        cls.p4 = cls.make_proposal(lead_deputy=cls.other_deputy, title="关于增设公交线路的建议")
        cls.p5 = cls.make_proposal(lead_deputy=cls.other_deputy, title="关于坪山区学位建设的建议")
        cls.p5.assign(by=cls.staff, lead=cls.other_dept, co=[], assigned_on=date(2024, 7, 15))
        assignment = cls.p5.assignments.get()
        assignment.accept(by=cls.outsider)
        cls.r5 = Reply.start_draft(
            assignment,
            by=cls.outsider,
            body="一、关于学位建设……",
            grade="A",
            publicity=Reply.Publicity.PUBLIC,
            contact_name="李明",
            contact_phone="28330000",
        )
        cls.c1 = cls.r1.commitments.get()
        cls.c2 = cls.r2.commitments.get()
        cls.c3 = cls.r3.commitments.get()
        cls.keys = {name: ApiToken.issue(cls.user(name), by=cls.user(name))[1] for name in ROLES}

    @classmethod
    def user(cls, name: str) -> User:
        return {"deputy": cls.deputy_user, "other_deputy": cls.other_deputy_user}.get(name) or getattr(
            cls, name
        )

    def setUp(self) -> None:
        # The throttle counts requests in the cache; each test starts with none.
        cache.clear()

    def get(self, url: str, who: str | None = None, **params: Any) -> HttpResponse:
        """GET as ``who`` (a persona) with its token, or without a token when None."""
        headers = {"Authorization": f"Token {self.keys[who]}"} if who else {}
        return self.client.get(url, params, headers=headers)

    def ids(self, url: str, who: str | None = None, **params: Any) -> set[int]:
        response = self.get(url, who, **params)
        self.assertEqual(response.status_code, 200, response.content)
        return {row["id"] for row in response.json()["results"]}

    def assignment(self, proposal: Proposal, role: str = Assignment.Role.LEAD) -> Assignment:
        return proposal.assignments.get(role=role)
