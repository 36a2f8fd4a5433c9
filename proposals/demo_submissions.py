"""Demo data of suggestions submitted online (proposals.models.submissions), through the
same transitions the pages call: a draft of the demo deputy 陈寿, an invitation waiting
for his answer, a submission waiting for staff, one staff returned (不予立案), and one
staff accepted that 陈寿 then withdrew before it was assigned (撤回)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from proposals.models import Exclusion, Submission
from proposals.submission_forms import suggested_number

if TYPE_CHECKING:
    from proposals.demo import DemoBuilder

DRAFT_TITLE = "关于在坪山河沿线增设儿童友好游憩设施的建议"
INVITING_TITLE = "关于加快坪山高新区先进储能产业园配套公交接驳的建议"
WAITING_TITLE = "关于龙岗河西湖村断面周边截污管网提质改造的建议"
RETURNED_TITLE = "关于协调解决某小区业主个人房产证办理问题的建议"
WITHDRAWN_TITLE = "关于坪山大道与锦绣路交叉口增设行人过街信号灯的建议"


def add_online_submissions(builder: DemoBuilder) -> None:
    """Create the five online submissions once (a second run finds them and adds nothing)."""
    congress = builder.congress
    Exclusion.objects.seed(congress)
    if Submission.objects.filter(congress=congress, title=DRAFT_TITLE).exists():
        return
    session = max((s for s in builder.sessions.values() if not s.is_recess), key=lambda s: s.year)
    chen_shou = builder.deputy_users["陈寿"]
    deputies = builder.deputies
    user_of = {deputy.name: deputy.user for deputy in deputies.values()}

    Submission.draft(
        by=chen_shou,
        session=session,
        title=DRAFT_TITLE,
        body=(
            "坪山河沿线碧道已建成开放，但儿童游憩设施不足，周末亲子活动集中在少数节点。"
            "建议结合碧道提升工程，在沿线社区公园增设儿童友好游憩设施，并完善遮阴和饮水点。"
        ),
        co_signers=[deputies["王五"]],
    )

    inviting = Submission.draft(
        by=user_of["钱七"],
        session=session,
        title=INVITING_TITLE,
        body=(
            "先进储能产业园在坪山高新区挂牌后，园区员工通勤需求明显增加，现有公交线路与地铁站"
            "接驳不足。建议增设高峰期接驳专线，优化站点设置。"
        ),
        co_signers=[deputies["陈寿"], deputies["孙八"]],
    )
    inviting.invite(by=user_of["钱七"])

    waiting = Submission.draft(
        by=user_of["张三"],
        session=session,
        title=WAITING_TITLE,
        body=(
            "龙岗河西湖村断面水质已达地表水Ⅲ类，但雨季周边仍有溢流。建议对断面周边截污管网"
            "开展排查，实施雨污分流提质改造，巩固治水成效。"
        ),
        co_signers=[deputies["陈寿"]],
    )
    waiting.invite(by=user_of["张三"])
    waiting.invitations.get().answer(by=chen_shou, confirm=True)
    waiting.submit(by=user_of["张三"])

    returned = Submission.draft(
        by=chen_shou,
        session=session,
        title=RETURNED_TITLE,
        body="某小区业主反映其个人房产证长期未能办理，请有关部门协调解决。",
    )
    returned.submit(by=chen_shou)
    returned.return_(
        by=builder.staff,
        exclusion=Exclusion.objects.get(congress=congress, text="属代转群众来信、来访意见的"),
        reason="所反映问题属个人诉求，已转市信访部门依法处理，请代表知悉。",
    )

    withdrawn = Submission.draft(
        by=chen_shou,
        session=session,
        title=WITHDRAWN_TITLE,
        body="坪山大道与锦绣路交叉口行人过街距离长，高峰期人车混行。建议增设行人过街信号灯。",
    )
    withdrawn.submit(by=chen_shou)
    proposal = withdrawn.accept(by=builder.staff, number=suggested_number(session))
    proposal.withdraw(by=chen_shou, reason="交警部门已在该路口增设信号灯，问题已解决，申请撤回。")
