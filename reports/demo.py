"""Demo data for the annual report: the real suggestion 20240493 picked as a case, and one
recorded score adjustment. Idempotent; called from proposals.demo."""

from __future__ import annotations

from decimal import Decimal

from proposals.models import Assignment, Congress, Proposal
from reports.models import AssessmentAdjustment, ReportCase
from tracker.models import User

# The real suggestion 20240493 (its reply letter is in /work/shared/seeds) and its gist.
CASES = (
    (
        "20240493",
        "龙岗区作为主办单位，就申报省级示范平台、建立组织协调架构、推动坪西路和盐龙大道"
        "（坪地段）市政化改造、建设国际低碳城“两公园一碧道”四个方面逐条答复，"
        "并对尚在推进的事项作出承诺，按季度报告落实进展。",
    ),
)


def load_report_demo(congress: Congress, staff: User) -> None:
    for number, text in CASES:
        proposal = Proposal.objects.filter(congress=congress, number=number).first()
        if proposal is not None and not ReportCase.objects.filter(proposal=proposal).exists():
            ReportCase.objects.create(proposal=proposal, text=text, added_by=staff)
    if AssessmentAdjustment.objects.filter(year=2024).exists():
        return
    assignment = (
        Assignment.objects.filter(
            proposal__congress=congress, proposal__session__year=2024, role=Assignment.Role.LEAD
        )
        .exclude(status=Assignment.Status.WITHDRAWN)
        .select_related("department")
        .first()
    )
    if assignment is not None:
        AssessmentAdjustment.objects.create(
            year=2024,
            department=assignment.department,
            points=Decimal("2"),
            reason="牵头办理重点督办建议，组织现场办理会（演示）",
            created_by=staff,
        )
