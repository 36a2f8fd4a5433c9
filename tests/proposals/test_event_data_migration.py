"""Migration 0013_event_data reads the sentences earlier releases stored in events back
into data, and leaves what it cannot read as it was."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.apps.registry import Apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

# Every app with a later migration that adds a column to a table ``build`` writes goes back
# too (tracker 0008 gives users a NOT NULL column the historical User does not know).
BEFORE = [
    ("proposals", "0011_workflow_core"),
    ("responses", "0007_search_documents"),
    ("tracker", "0007_security_log_duties"),
]
AFTER = [("proposals", "0013_event_data")]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def moment(day: date, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, 10, minute, tzinfo=SHANGHAI)


def rule(name: str, start: str, count: int, unit: str) -> dict[str, Any]:
    return {"kind": "rule", "rule": name, "start": start, "count": count, "unit": unit, "roll": True}


class EventDataMigrationTests(TransactionTestCase):
    """Old-style rows as the release before 0012 wrote them (English or Chinese, by
    whoever acted), migrated forward."""

    # The rows are built and migrated once for the class (each migration back and forth
    # costs half a minute with every app's migrations), and only read by the tests.

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        try:
            executor = MigrationExecutor(connection)
            executor.migrate(BEFORE)
            cls.build(cls, executor.loader.project_state(BEFORE).apps)  # type: ignore[arg-type]
            executor = MigrationExecutor(connection)
            executor.migrate(AFTER)
            cls.apps = executor.loader.project_state(AFTER).apps
        except BaseException:
            # tearDownClass would not run, and every later test would find the schema of
            # the release before.
            cls.migrate_to_latest()
            super().tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls) -> None:
        cls.migrate_to_latest()
        call_command("flush", verbosity=0, interactive=False)
        super().tearDownClass()

    def _fixture_teardown(self) -> None:
        """Keep the class's rows between its tests (they only read them); tearDownClass
        empties the database once, as TransactionTestCase would after each test."""

    @staticmethod
    def migrate_to_latest() -> None:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    def build(self, apps: Apps) -> None:
        get = apps.get_model
        User = get("tracker", "User")
        Department = get("proposals", "Department")
        congress = get("proposals", "Congress").objects.create(name="深圳市人民代表大会")
        recess = get("proposals", "Session").objects.create(
            congress=congress, name="闭会期间", term=7, year=2024
        )
        staff = User.objects.create(username="staff", last_name="张", first_name="一")
        clerk = User.objects.create(username="clerk", last_name="王", first_name="二")
        deputy = get("proposals", "Deputy").objects.create(congress=congress, name="陈寿")
        lead_dept = Department.objects.create(name="龙岗区发展和改革局")
        co_dept, water = (
            Department.objects.create(name="坪山区教育局"),
            Department.objects.create(name="龙岗区水务局"),
        )
        proposal = get("proposals", "Proposal").objects.create(
            congress=congress,
            session=recess,
            number="20249001",
            title="关于推动坪西路改造的建议",
            lead_deputy=deputy,
            received_on=date(2024, 7, 1),
        )
        Assignment = get("proposals", "Assignment")
        common = {"proposal": proposal, "assigned_on": date(2024, 7, 3), "respond_by": date(2024, 7, 12)}
        # Extended since: its ASSIGNED event's date is the rule's, not today's due_on.
        lead = Assignment.objects.create(
            department=lead_dept,
            role="lead",
            status="replied",
            due_on=date(2024, 11, 15),
            due_basis={
                "kind": "extended",
                "from": "2024-10-08",
                "to": "2024-11-15",
                "reason": "涉及规划调整",
            },
            round=2,
            **common,
        )
        co_rule = rule("co_opinion", "2024-07-03", 1, "months")
        water_co = Assignment.objects.create(
            department=water,
            role="co",
            due_on=date(2024, 8, 5),
            due_basis={"kind": "kept", "basis": co_rule},
            **common,
        )
        moved = Assignment.objects.create(
            department=co_dept,
            role="co",
            status="withdrawn",
            due_on=date(2024, 8, 5),
            due_basis=co_rule,
            replaced_by=water_co,
            **common,
        )
        contact = get("proposals", "Contact").objects.create(
            assignment=lead,
            contacted_on=date(2024, 7, 9),
            method="face",
            stage="before",
            summary="面商",
            recorded_by=clerk,
            created_at=moment(date(2024, 7, 10)),
        )
        Reply = get("responses", "Reply")
        letter = {
            "body": "答复",
            "publicity": "public",
            "contact_name": "杨郁波",
            "contact_phone": "88180952",
        }
        # Graded B by the unit, C after staff's review.
        first = Reply.objects.create(
            assignment=lead,
            round=1,
            status="sent",
            grade="C",
            department_grade="B",
            sent_on=date(2024, 11, 1),
            created_by=clerk,
            **letter,
        )
        second = Reply.objects.create(
            assignment=lead,
            round=2,
            status="sent",
            grade="A",
            sent_on=date(2024, 12, 23),
            created_by=clerk,
            **letter,
        )
        promise = get("responses", "Commitment").objects.create(
            reply=first,
            description="完成坪西路改造可研报告审批",
            due_on=date(2025, 6, 30),
            department=lead_dept,
        )
        get("responses", "ProgressReport").objects.create(
            commitment=promise,
            reported_on=date(2024, 12, 1),
            summary="可研报告已报批",
            percent=50,
            milestone="可研报批",
            created_by=clerk,
            created_at=moment(date(2024, 12, 2)),
        )
        get("responses", "Feedback").objects.create(
            reply=first,
            deputy=deputy,
            rating="unsatisfied",
            comment="未回应动工时间",
            created_at=moment(date(2024, 12, 11)),
        )
        obligation = get("responses", "Obligation").objects.create(
            kind="reply", proposal=proposal, department=lead_dept, assignment=lead, due_on=date(2024, 11, 15)
        )
        get("responses", "Reminder").objects.create(
            obligation=obligation,
            version=1,
            stage=-14,
            due_on=date(2024, 11, 15),
            recipient=clerk,
            audience="clerk",
            channel="inbox",
            send_after=moment(date(2024, 10, 30)),
            created_at=moment(date(2024, 10, 30)),
            requested_by=staff,
        )
        Event = get("proposals", "ProposalEvent")

        def event(kind: str, day: date, minute: int = 0, **fields: Any) -> Any:
            fields.setdefault("assignment", lead if "proposal" not in fields else None)
            fields.setdefault("proposal", proposal)
            return Event.objects.create(kind=kind, created_at=moment(day, minute), **fields)

        self.rows = {
            "logged": event(
                "logged",
                date(2024, 7, 1),
                proposal=proposal,
                actor=staff,
                to_status="registered",
                detail=(
                    "assign by 2024-07-08 (5 working days from 2024-07-01, "
                    "skipping 2024-07-06, 2024-07-07 → 2024-07-08)"
                ),
            ),
            "assigned": event(
                "assigned",
                date(2024, 7, 3),
                department=lead_dept,
                actor=staff,
                to_status="pending",
                detail=(
                    "主办；期限2024-10-08（自2024-07-03起3个月 → 2024-10-03；"
                    "2024-10-03为法定节假日(国庆节)，顺延至下一个工作日2024-10-08）"
                ),
            ),
            "withdrawn": event(
                "withdrawn",
                date(2024, 7, 5),
                assignment=moved,
                department=co_dept,
                actor=staff,
                from_status="change_requested",
                to_status="withdrawn",
                reason="同意调整。",
            ),
            "assigned_kept": event(
                "assigned",
                date(2024, 7, 5),
                1,
                assignment=water_co,
                department=water,
                actor=staff,
                to_status="pending",
                reason="同意调整。",
                detail="co-handling (会办); due 2024-08-05 (kept from the transferred assignment)",
            ),
            "extended": event(
                "extended",
                date(2024, 7, 10),
                1,
                department=lead_dept,
                actor=staff,
                reason="涉及规划调整",
                detail="2024-10-08 → 2024-11-15",
            ),
            "contact": event(
                "contact",
                date(2024, 7, 10),
                department=lead_dept,
                actor=clerk,
                detail="2024-07-09 见面沟通（办前）",
            ),
            "reminded": event(
                "reminded", date(2024, 10, 30), department=lead_dept, actor=staff, detail="王二, 李三"
            ),
            "sent": event(
                "sent",
                date(2024, 11, 1),
                department=lead_dept,
                actor=clerk,
                from_status="awaiting_approval",
                to_status="replied",
                reason="办理结果：B类",
            ),
            "replied": event(
                "status",
                date(2024, 11, 1),
                1,
                proposal=proposal,
                actor=clerk,
                from_status="handling",
                to_status="replied",
            ),
            "progress": event(
                "progress_reported",
                date(2024, 12, 2),
                department=lead_dept,
                actor=clerk,
                reason="可研报告已报批",
                detail="完成坪西路改造可研报告审批 · 50%",
            ),
            "feedback_lapsed": event(
                "feedback_lapsed", date(2024, 12, 10), department=lead_dept, reason="no rating by 2024-11-29"
            ),
            "feedback": event(
                "feedback",
                date(2024, 12, 11),
                department=lead_dept,
                actor=staff,
                to_status="unsatisfied",
                reason="未回应动工时间",
            ),
            "rehandling": event(
                "rehandling",
                date(2024, 12, 11),
                1,
                actor=staff,
                from_status="replied",
                to_status="drafting",
                reason="答复未回应动工时间",
            ),
            "to_rehandling": event(
                "status",
                date(2024, 12, 11),
                1,
                proposal=proposal,
                actor=staff,
                from_status="replied",
                to_status="rehandling",
                reason="答复未回应动工时间",
                detail="新期限2025-01-13（原为2024-11-15）",
            ),
            "second_sent": event(
                "sent",
                date(2024, 12, 23),
                department=lead_dept,
                actor=clerk,
                from_status="awaiting_approval",
                to_status="replied",
                reason="grade A",
            ),
            "closed": event(
                "status",
                date(2024, 12, 23),
                1,
                proposal=proposal,
                from_status="replied",
                to_status="closed",
                reason="every reply has been rated by the deputies",
            ),
            "closed_zh": event(
                "status",
                date(2024, 12, 23),
                2,
                proposal=proposal,
                from_status="replied",
                to_status="closed",
                reason="反馈期限届满，代表未评价",
            ),
            # Names a deadline no rule, extension or transfer explains.
            "unreadable_assigned": event(
                "assigned",
                date(2024, 7, 3),
                1,
                department=lead_dept,
                actor=staff,
                to_status="pending",
                detail="lead (主办); due 2024-09-30 (set by hand)",
            ),
            # Names a promise the reply does not have.
            "unreadable_promise": event(
                "commitment_confirmed",
                date(2024, 12, 3),
                department=lead_dept,
                actor=staff,
                detail="完成道路绿化提升",
            ),
        }
        self.ids = {
            "contact": contact.pk,
            "promise": promise.pk,
            "water": water.pk,
            "second": second.pk,
        }

    def stored(self, name: str) -> tuple[dict[str, Any], str, str]:
        event = self.apps.get_model("proposals", "ProposalEvent").objects.get(pk=self.rows[name].pk)
        return event.data, event.reason, event.detail

    def test_it_reads_the_recess_assignment_deadline(self) -> None:
        self.assertEqual(
            self.stored("logged"),
            (
                {
                    "assign_by": "2024-07-08",
                    "deadline": rule("recess_assign", "2024-07-01", 5, "working_days"),
                },
                "",
                "",
            ),
        )

    def test_it_reads_the_deadline_an_assignment_started_with_before_its_extension(self) -> None:
        data, _, detail = self.stored("assigned")
        self.assertEqual(
            (data, detail),
            (
                {
                    "role": "lead",
                    "due_on": "2024-10-08",
                    "deadline": rule("reply", "2024-07-03", 3, "months"),
                },
                "",
            ),
        )

    def test_it_reads_a_deadline_kept_from_a_transfer(self) -> None:
        data, reason, _ = self.stored("assigned_kept")
        self.assertEqual(
            data["deadline"], {"kind": "kept", "basis": rule("co_opinion", "2024-07-03", 1, "months")}
        )
        self.assertEqual(reason, "同意调整。")

    def test_it_names_the_unit_a_withdrawn_assignment_moved_to(self) -> None:
        self.assertEqual(self.stored("withdrawn")[0], {"to_department": self.ids["water"]})

    def test_it_reads_the_two_dates_of_an_extension(self) -> None:
        self.assertEqual(
            self.stored("extended"),
            ({"old_due_on": "2024-10-08", "due_on": "2024-11-15"}, "涉及规划调整", ""),
        )

    def test_it_reads_a_contact_from_its_row(self) -> None:
        self.assertEqual(
            self.stored("contact")[0],
            {
                "contact": self.ids["contact"],
                "contacted_on": "2024-07-09",
                "method": "face",
                "stage": "before",
            },
        )

    def test_it_keeps_the_grade_as_sent_and_clears_the_generated_reason(self) -> None:
        self.assertEqual(self.stored("sent"), ({"grade": "B", "sent_on": "2024-11-01"}, "", ""))

    def test_it_takes_the_second_rounds_sending_date_from_the_second_reply(self) -> None:
        self.assertEqual(self.stored("second_sent")[0], {"grade": "A", "sent_on": "2024-12-23"})

    def test_it_reads_the_rating_and_the_deputy(self) -> None:
        self.assertEqual(
            self.stored("feedback"), ({"rating": "unsatisfied", "deputy": "陈寿"}, "未回应动工时间", "")
        )

    def test_it_reads_a_progress_report_from_its_row(self) -> None:
        self.assertEqual(
            self.stored("progress")[0],
            {
                "commitment": self.ids["promise"],
                "description": "完成坪西路改造可研报告审批",
                "percent": 50,
                "milestone": "可研报批",
                "reported_on": "2024-12-01",
            },
        )

    def test_it_records_why_the_system_closed_a_suggestion(self) -> None:
        self.assertEqual(
            (self.stored("closed"), self.stored("closed_zh")),
            (({"cause": "rated"}, "", ""), ({"cause": "feedback_lapsed"}, "", "")),
        )

    def test_it_reads_the_new_deadline_of_a_rehandling(self) -> None:
        self.assertEqual(
            (self.stored("to_rehandling")[0], self.stored("rehandling")[0]),
            (
                {"due_on": "2025-01-13", "old_due_on": "2024-11-15"},
                {
                    "old_due_on": "2024-11-15",
                    "due_on": "2025-01-13",
                    "deadline": rule("rehandling", "2024-12-11", 1, "months"),
                },
            ),
        )

    def test_it_reads_the_lapsed_feedback_date(self) -> None:
        self.assertEqual(self.stored("feedback_lapsed"), ({"feedback_due_on": "2024-11-29"}, "", ""))

    def test_it_reads_who_was_reminded_and_at_which_stage(self) -> None:
        self.assertEqual(
            self.stored("reminded")[0], {"recipients": ["王二", "李三"], "obligation": "reply", "stage": -14}
        )

    def test_it_leaves_an_event_with_nothing_to_read_as_it_was(self) -> None:
        self.assertEqual(self.stored("replied"), ({}, "", ""))

    def test_it_keeps_the_text_of_what_it_cannot_read(self) -> None:
        self.assertEqual(
            (self.stored("unreadable_assigned"), self.stored("unreadable_promise")),
            (({}, "", "lead (主办); due 2024-09-30 (set by hand)"), ({}, "", "完成道路绿化提升")),
        )
