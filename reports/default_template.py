"""Writes the default annual-report template, reports/docx/annual_report.docx.

Run ``python -m reports.default_template`` after changing it here; the .docx is committed
so an office can download it, edit it in Word and upload its own version.
"""

from __future__ import annotations

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from reports.document import DEFAULT_TEMPLATE


def _fonts(document: Document) -> None:
    """公文 fonts: body 仿宋 三号, headings 黑体, all black (the office's fonts where installed)."""
    for name, east_asian, size in (("Normal", "仿宋_GB2312", 16), ("Heading 1", "黑体", 16)):
        style = document.styles[name]
        style.font.size = Pt(size)
        style.font.name = "Times New Roman"
        style.font.bold = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)


def build() -> Document:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    _fonts(document)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("{{ congress }}关于{{ period }}代表建议、批评和意见办理情况的报告")
    run.font.size = Pt(22)
    run.font.bold = True
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "方正小标宋简体")
    date = document.add_paragraph("（{{ today }}）")
    date.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def para(text: str) -> None:
        p = document.add_paragraph(text)
        p.paragraph_format.first_line_indent = Pt(32)

    document.add_heading("一、基本情况", level=1)
    para(
        "{{ period }}，共收到代表建议{{ f.received }}件，交由承办单位办理{{ f.assigned }}件次"
        "（主办、分办）。截至{{ today }}，已办复{{ f.replied }}件次，办复率{{ f.reply_rate }}；"
        "其中按期办复{{ f.on_time }}件次，按时办复率{{ f.on_time_rate }}，逾期办复{{ f.late }}件次，"
        "尚未办复且已逾期{{ f.open_overdue }}件次。"
    )
    document.add_heading("二、办理结果", level=1)
    para(
        "按办理结果分类：{% for g in grades %}{{ g.grade }}类{{ g.count }}件，占{{ g.share }}"
        "{% if not loop.last %}；{% endif %}{% endfor %}。"
    )
    para(
        "代表对答复满意{{ f.rating_satisfied }}件、基本满意{{ f.rating_basically }}件、不满意"
        "{{ f.rating_unsatisfied }}件，满意率{{ f.satisfied_rate }}，基本满意率{{ f.basically_rate }}。"
        "因代表不满意重新办理{{ f.rehandled }}件。"
    )
    para(
        "答复中作出承诺事项{{ f.commitments_made }}项，已落实{{ f.commitments_kept }}项，"
        "正在落实{{ f.commitments_open }}项，其中逾期{{ f.commitments_overdue }}项。"
    )
    para(
        "承办单位与代表沟通率{{ f.contact_rate }}，面商率{{ f.meeting_rate }}。"
        "重点建议{{ f.key_assigned }}件。答复上网率{{ f.publication_rate }}。"
    )

    document.add_heading("三、各承办单位办理情况", level=1)
    headers = ["序号", "承办单位", "交办", "办复", "办复率", "按时办复率", "满意率", "重新办理"]
    table_note = document.add_paragraph("（交办、办复按主办、分办件次计；满意率以代表最终评价计。）")
    table_note.runs[0].font.size = Pt(12)
    table = document.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for u in units %}"
    values = [
        "{{ loop.index }}",
        "{{ u.department }}",
        "{{ u.assigned }}",
        "{{ u.replied }}",
        "{{ u.reply_rate }}",
        "{{ u.on_time_rate }}",
        "{{ u.satisfied_rate }}",
        "{{ u.rehandled }}",
    ]
    for cell, text in zip(table.rows[2].cells, values, strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    widths = [Cm(1.2), Cm(5.2), Cm(1.4), Cm(1.4), Cm(1.9), Cm(2.1), Cm(1.9), Cm(1.9)]
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid LibreOffice reads
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(10.5)

    document.add_heading("四、重点督办", level=1)
    para(
        "{% if themes %}本年度确定督办专题{{ themes|length }}个：{% else %}本年度未确定督办专题。{% endif %}"
    )
    document.add_paragraph("{%p for t in themes %}")
    para(
        "（{{ loop.index }}）{{ t.title }}（{{ t.kind }}，督办领导{{ t.leader }}，"
        "牵头单位{{ t.lead_unit }}，涉及建议{{ t.suggestions }}件）。"
    )
    document.add_paragraph("{%p endfor %}")

    document.add_heading("五、连续多年提出的建议", level=1)
    para(
        "{% if recurring %}以下事项已连续三年以上被代表提出，需重点研究解决：{% else %}"
        "没有连续三年以上提出的事项。{% endif %}"
    )
    document.add_paragraph("{%p for r in recurring %}")
    para(
        "（{{ loop.index }}）第{{ r.number }}号《{{ r.title }}》，"  # the suggestion
        "自{{ r.since }}年起连续{{ r.years }}年提出。"  # its run
    )
    document.add_paragraph("{%p endfor %}")

    document.add_heading("六、典型案例", level=1)
    document.add_paragraph("{%p for c in cases %}")
    case = document.add_paragraph("（{{ loop.index }}）第{{ c.number }}号《{{ c.title }}》")
    case.runs[0].bold = True
    para("{{ c.text }}")
    document.add_paragraph("{%p endfor %}")

    document.add_heading("七、存在的问题和下一步工作", level=1)
    para("（由办公室根据实际情况撰写。）")
    return document


if __name__ == "__main__":
    build().save(DEFAULT_TEMPLATE)
    print(DEFAULT_TEMPLATE)
