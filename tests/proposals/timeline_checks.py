"""Checks shared by the tests that read timelines in Chinese."""

from __future__ import annotations

import html
import re

from proposals.models import Assignment, Contact, Proposal, ProposalEvent
from responses.models import Commitment, Feedback, Obligation

# Every code an event stores or names: none may reach the page as it is.
CODES = {
    code
    for choices in (
        ProposalEvent.Kind,
        Proposal.Status,
        Assignment.Status,
        Assignment.Role,
        Contact.Method,
        Contact.Stage,
        Feedback.Rating,
        Feedback.Decision,
        Commitment.Status,
        Obligation.Kind,
    )
    for code in choices.values
    if code
}
GRADES = {"A", "B", "C", "D"}


def timeline_text(page: str) -> str:
    """The text of the page's timeline list, tags removed."""
    found = re.search(r'<ol class="timeline">(.*?)</ol>', page, re.S)
    assert found is not None, "no timeline on the page"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))


def untranslated(text: str) -> list[str]:
    """What a Chinese reader should not see: Latin words other than a grade letter
    (codes such as "basically" or "co", English sentences) and an arrow with no state
    before or after it."""
    problems = [word for word in re.findall(r"[A-Za-z_]+", text) if word not in GRADES]
    problems += [f"code {code}" for code in CODES if re.search(rf"(?<![A-Za-z_]){code}(?![A-Za-z_])", text)]
    problems += [
        f"arrow: {m.group(0)!r}" for m in re.finditer(r"(?:^|[（(])[ \t]*→|→[ \t]*(?:$|[）)])", text, re.M)
    ]
    return problems
