"""Demo data for taking part before the reply (issue 14): the demo congress rates in two
parts, and one key suggestion of 陈寿's has a draft reply waiting for his comments.

Called once from proposals.demo.DemoBuilder.build, after the other suggestions; a
second run finds the suggestion and adds nothing. The programme it speaks of (龙岗区养老
护理院, 横岗街道敬老院, 家庭适老化改造) is named in the Longgang 2022 plan (seeds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from proposals.models import Assignment, Contact, Proposal
from responses.models import Commitment, Reply

if TYPE_CHECKING:
    from proposals.demo import DemoBuilder

TITLE = "关于加快龙岗区养老护理院建设、完善区街道社区三级养老服务网络的建议"
BODY = (
    "龙岗区户籍老年人口逐年增加，机构养老床位和护理型床位不足。建议加快龙岗区养老护理院建设，"
    "推进横岗街道敬老院拆除重建，扩大失能、高龄老年人家庭适老化改造覆盖面，完善区、街道、社区"
    "三级养老服务网络。"
)
DRAFT = (
    "您提出的关于加快龙岗区养老护理院建设的建议收悉，现答复如下：\n"
    "一、关于养老护理院建设。龙岗区养老护理院已完成建设工程设计国际招标，计划年内开工建设，"
    "建成后将作为全区首个机构养老服务精品示范工程。\n"
    "二、关于横岗街道敬老院。拆除重建前期工作已启动，正在开展选址论证和可行性研究。\n"
    "三、关于家庭适老化改造。2022年已为102户符合条件的失能、高龄等老年人实施家庭适老化改造，"
    "下一步将逐年扩大改造范围。\n"
    "感谢您对龙岗区养老服务工作的关心和支持。"
)
NOTE = "已按面商时您提出的意见补充了横岗街道敬老院的进度，请审阅并告知是否同意公开。"


def add_consultation_demo(builder: DemoBuilder) -> None:
    """The demo congress rates in two parts; a key suggestion's draft awaits 陈寿's answer."""
    from proposals.demo import DEPUTY_CHEN_SHOU, LEAD_UNIT_20240493, SESSION_2025, _placeholder_contact

    congress = builder.congress
    if not congress.two_part_rating:
        congress.two_part_rating = True
        congress.save(update_fields=["two_part_rating"])
    if Proposal.objects.filter(congress=congress, title=TITLE).exists():
        return
    received_on = builder.date(-80)
    proposal = Proposal(
        congress=congress,
        session=builder.sessions[SESSION_2025],
        number="20250095",
        title=TITLE,
        body=BODY,
        category=builder.categories[("社会建设", "养老托育")],
        lead_deputy=builder.deputies[DEPUTY_CHEN_SHOU],
        received_on=received_on,
        is_key=True,
        supervising_leader="区人大常委会分管副主任（演示）",
    )
    proposal.full_clean()
    proposal.log(by=builder.staff, co_signers=[builder.deputies["张三"]])
    lead_unit = builder.departments[LEAD_UNIT_20240493]
    proposal.assign(by=builder.staff, lead=lead_unit, assigned_on=builder.date(-75))
    assignment = proposal.assignments.get(department=lead_unit, role=Assignment.Role.LEAD)
    clerk = builder.clerk(lead_unit)
    assignment.accept(by=clerk)
    assignment.record_contact(
        by=clerk,
        contacted_on=builder.date(-30),
        method=Contact.Method.FACE_TO_FACE,
        stage=Contact.Stage.DURING,
        summary="与陈寿代表面商养老护理院选址和横岗街道敬老院重建方案，代表建议优先保障护理型床位。",
    )
    assignment.refresh_from_db()
    contact_name, contact_phone = _placeholder_contact(lead_unit.name)
    reply = Reply.start_draft(
        assignment,
        by=clerk,
        body=DRAFT,
        grade=Reply.Grade.B,
        publicity=Reply.Publicity.PUBLIC,
        contact_name=contact_name,
        contact_phone=contact_phone,
        copy_to="市人大常委会选联工委\n市政府督查室",
    )
    Commitment.objects.create(
        reply=reply,
        description="龙岗区养老护理院开工建设",
        due_on=builder.date(120),
        department=lead_unit,
    )
    reply.consult(by=clerk, note=NOTE)
    # Submitted: the leader signs it off once 陈寿 has answered (the browser journey does).
    reply.submit(by=clerk)
