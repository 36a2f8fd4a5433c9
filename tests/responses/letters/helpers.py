"""Sample letters for the parser tests, and building a .docx from a letter's lines."""

from __future__ import annotations

import io
from pathlib import Path

import docx

SAMPLES = Path(__file__).parent / "samples"
SEED = Path(__file__).resolve().parents[3] / "proposals" / "seeds" / "reply-letter-20240493.txt"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def docx_from_lines(lines: list[str], *, table_lines: list[str] = ()) -> bytes:
    """A Word file with one paragraph a line; table_lines go into a one-column table at the end."""
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    if table_lines:
        table = document.add_table(rows=len(table_lines), cols=1)
        for row, line in zip(table.rows, table_lines, strict=True):
            row.cells[0].text = line
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_with_word_numbering(lines: list[tuple[int | None, str]]) -> bytes:
    """A Word file whose (level, text) lines at level 0/1 are numbered by a Word list
    printing "一、" and "（一）", as many real letters are; level None is plain text."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.append(
        parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
            '<w:lvlText w:val="%1、"/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
            '<w:lvlText w:val="（%2）"/></w:lvl></w:abstractNum>'
        )
    )
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for level, text in lines:
        paragraph = document.add_paragraph(text)
        if level is not None:
            number = paragraph._p.get_or_add_pPr().get_or_add_numPr()
            number.get_or_add_ilvl().val = level
            number.get_or_add_numId().val = 90
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
