"""The special report of a supervision theme (督办专题报告): its first text, assembled from
the record, and the .docx in the same GB/T 9704-2012 layout as the reply letter."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from responses.letters.docx import (
    CHAR,
    LINE,
    TITLE_SIZE,
    XIAOBIAOSONG,
    _body_paragraph,
    _drop_template_thumbnail,
    _page_number_footers,
    _paragraph,
    _register_fonts,
    _set_up_page,
    _set_up_styles,
    body_paragraphs,
    chinese_date,
)

if TYPE_CHECKING:
    from responses.models import SupervisionReport, SupervisionTheme

STATUS_WORDS = {
    "registered": "已登记",
    "assigned": "已交办",
    "handling": "办理中",
    "replied": "已答复",
    "rehandling": "重新办理中",
    "closed": "已办结",
    "withdrawn": "已撤回",
}
ACTION_WORDS = {"open": "正在落实", "reported": "单位报告已完成，待确认", "confirmed": "已落实"}
COMMITMENT_WORDS = {
    "open": "正在落实",
    "claimed": "单位报告已兑现，待确认",
    "fulfilled": "已兑现",
    "not_fulfilled": "未能兑现",
}
KIND_WORDS = {"meeting": "召开督办会议", "site_visit": "开展实地视察", "hearing": "召开听证会"}
NUMERALS = "一二三四五六七八九十"


def report_title(theme: SupervisionTheme) -> str:
    kind = "专项督办" if theme.kind == "special" else "重点督办"
    return f"关于“{theme.title}”{kind}情况的专题报告"


def default_signer(theme: SupervisionTheme) -> str:
    return f"{theme.congress.name}常务委员会"


def assemble_text(theme: SupervisionTheme) -> str:
    """The report's first text, from the record: suggestions, replies, promises, activities
    and agreed actions. Staff edit it before finalising."""
    from responses.models import Commitment, Reply

    memberships = list(theme.active_suggestions().select_related("proposal__lead_deputy"))
    proposals = [m.proposal for m in memberships]
    replies = list(
        Reply.objects.sent()
        .filter(assignment__proposal__in=proposals)
        .select_related("assignment__department", "assignment__proposal")
        .order_by("assignment__proposal__number", "sent_on")
    )
    commitments = list(
        Commitment.objects.filter(reply__in=replies)
        .exclude(status=Commitment.Status.REMOVED)
        .select_related("department", "reply__assignment__proposal")
        .order_by("due_on")
    )
    activities = list(theme.activities.all())
    actions = list(theme.actions.select_related("department", "proposal"))
    departments = [d.name for d in theme.departments() if d.pk != theme.lead_department_id]
    sections: list[str] = []
    intro = (
        f"{theme.year}年，{theme.supervising_leader}对“{theme.title}”专题开展督办，"
        f"专题共包括{len(proposals)}件代表建议，由{theme.lead_department.name}牵头办理"
        + (f"，{'、'.join(departments)}参与办理" if departments else "")
        + "。现将督办情况报告如下。"
    )
    lines = [intro]

    def heading(text: str) -> None:
        lines.append(f"{NUMERALS[len(sections)]}、{text}")
        sections.append(text)

    heading("建议办理情况")
    for proposal in proposals:
        answered = [r for r in replies if r.assignment.proposal_id == proposal.pk]
        text = (
            f"第{proposal.number}号《{proposal.title}》（{proposal.lead_deputy.name}代表），"
            f"{STATUS_WORDS.get(proposal.status, proposal.status)}。"
        )
        for reply in answered:
            sent = chinese_date(reply.sent_on) if reply.sent_on else ""
            text += f"{reply.assignment.department.name}于{sent}答复，办理结果为{reply.grade}类。"
        lines.append(text)
    heading("督办活动")
    if not activities:
        lines.append("尚未开展督办活动。")
    for activity in activities:
        text = (
            f"{chinese_date(activity.held_on)}，在{activity.place}{KIND_WORDS[activity.kind]}，"
            f"{_clause(activity.attendees)}参加。"
        )
        if activity.agreed.strip():
            text += f"会议议定：{_line(activity.agreed)}"
        lines.append(text)
    heading("议定事项落实情况")
    if not actions:
        lines.append("督办活动未议定需落实的事项。")
    for action in actions:
        text = (
            f"{action.department.name}：{_clause(action.description)}"
            f"（{chinese_date(action.due_on)}前完成），{ACTION_WORDS[action.status]}。"
        )
        if action.report.strip():
            text += f"落实情况：{_line(action.report)}"
        lines.append(text)
    heading("承诺事项落实情况")
    if not commitments:
        lines.append("答复中无承诺事项。")
    for commitment in commitments:
        lines.append(
            f"{commitment.department.name}承诺{_clause(commitment.description)}"
            f"（{chinese_date(commitment.due_on)}前），{COMMITMENT_WORDS.get(commitment.status, '')}。"
        )
    heading("下一步工作")
    lines.append("（请填写下一步督办工作安排。）")
    return "\n".join(lines)


def _clause(text: str) -> str:
    """Free text as part of a sentence: lines joined, no closing punctuation."""
    return re.sub(r"\s*\n\s*", "；", text.strip()).rstrip("。；;，,.！？ ")


def _line(text: str) -> str:
    """Free text as whole sentences, ending in a full stop."""
    text = _clause(text)
    return text + "。" if text else ""


def report_docx(report: SupervisionReport) -> bytes:
    """The report as a .docx: title, body with headings, issuing body and date."""
    document = Document()
    _set_up_page(document)
    _set_up_styles(document)
    _register_fonts(document)
    if report.status != report.Status.FINAL:
        _paragraph(document, "（草稿）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, report.title, font=XIAOBIAOSONG, size=TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
    document.add_paragraph()
    for paragraph in body_paragraphs(report.body):
        _body_paragraph(document, paragraph)
    signature = _paragraph(document, report.signed_by, align=WD_ALIGN_PARAGRAPH.RIGHT)
    signature.paragraph_format.space_before = 2 * LINE
    signature.paragraph_format.right_indent = 2 * CHAR
    if report.finalised_on:
        dated = _paragraph(document, chinese_date(report.finalised_on), align=WD_ALIGN_PARAGRAPH.RIGHT)
        dated.paragraph_format.right_indent = 4 * CHAR
    _page_number_footers(document)
    properties = document.core_properties
    properties.title = report.title
    properties.author = properties.last_modified_by = report.signed_by
    properties.language = "zh-CN"
    properties.comments = properties.keywords = ""
    _drop_template_thumbnail(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def report_filename(report: SupervisionReport) -> str:
    name = f"{report.theme.title}-督办专题报告" + ("" if report.status == report.Status.FINAL else "-草稿")
    return re.sub(r'[\\/:*?"<>|\s]+', "", name) + ".docx"
