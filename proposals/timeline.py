"""A suggestion's events as its timeline reads them, in the reader's language.

Events store codes and values (proposals/models/events.py); this module turns each into
a heading, the change of state in words and a line of detail, with the labels of both
apps' choices (a read-side module: it joins proposals and responses, as statistics
does). Free text people wrote (reasons, comments) is shown as written. Events written
before they carried data show the text they stored then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, pgettext

from proposals.models import Assignment, Contact, Proposal, ProposalEvent, Rule
from responses.models import Commitment, Feedback, Reply
from tracker.deadlines import explain_basis
from tracker.stages import stage_label

Kind = ProposalEvent.Kind

# Which choices an event kind's from/to codes belong to.
_STATES: dict[str, type] = {
    Kind.LOGGED: Proposal.Status,
    Kind.STATUS: Proposal.Status,
    Kind.REGRADED: Reply.Grade,
    Kind.FEEDBACK: Feedback.Rating,
    Kind.PROGRESS_REPORTED: Commitment.Status,
    Kind.COMMITMENT_CLAIMED: Commitment.Status,
    Kind.COMMITMENT_CONFIRMED: Commitment.Status,
    Kind.COMMITMENT_REJECTED: Commitment.Status,
    Kind.COMMITMENT_NOT_FULFILLED: Commitment.Status,
}


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    event: ProposalEvent
    title: str
    change: str
    detail: str

    @property
    def created_at(self) -> Any:
        return self.event.created_at

    @property
    def actor(self) -> Any:
        return self.event.actor

    @property
    def department(self) -> Any:
        return self.event.department

    @property
    def reason(self) -> str:
        return self.event.reason

    @property
    def kind(self) -> str:
        return self.event.kind


def label(choices: type, code: str) -> str:
    """The label of ``code`` in ``choices``, or the code itself if it is not one."""
    try:
        return str(choices(code).label)  # type: ignore[call-arg]
    except ValueError:
        return code


def _state(event: ProposalEvent, code: str) -> str:
    if event.kind == Kind.REGRADED:
        return code  # grades read as their letter: B → A
    return label(_STATES.get(event.kind, Assignment.Status), code)


def change(event: ProposalEvent) -> str:
    """ "from → to" in words; a single state when there is nothing before it."""
    if not (event.from_status or event.to_status):
        return ""
    if event.kind in (Kind.ASSIGNED, Kind.LOGGED):
        return ""  # the state a new record starts in says nothing
    if not event.from_status:
        return _state(event, event.to_status)
    return gettext("%(from)s → %(to)s") % {
        "from": _state(event, event.from_status),
        "to": _state(event, event.to_status),
    }


def _iso(value: Any) -> str:
    return str(value or "")


def _deadline(data: dict[str, Any]) -> str:
    basis = data.get("deadline")
    return explain_basis(basis) if isinstance(basis, dict) else ""


def _logged(data: dict[str, Any]) -> str:
    if not data.get("assign_by"):
        return ""
    return gettext("assign by %(due)s (%(explanation)s)") % {
        "due": data["assign_by"],
        "explanation": _deadline(data),
    }


def _assigned(data: dict[str, Any]) -> str:
    return gettext("%(role)s; due %(due)s (%(explanation)s)") % {
        "role": label(Assignment.Role, data.get("role", "")),
        "due": _iso(data.get("due_on")),
        "explanation": _deadline(data),
    }


def _withdrawn(data: dict[str, Any]) -> str:
    if not data.get("to_department"):
        return ""
    return gettext("moved to %(department)s") % {"department": data["to_department"]}


def _moved_date(data: dict[str, Any]) -> str:
    return gettext("%(old)s → %(new)s") % {
        "old": _iso(data.get("old_due_on")),
        "new": _iso(data.get("due_on")),
    }


def _contact(data: dict[str, Any]) -> str:
    return "{date} {method}（{stage}）".format(
        date=_iso(data.get("contacted_on")),
        method=label(Contact.Method, data.get("method", "")),
        stage=label(Contact.Stage, data.get("stage", "")),
    )


def _sent(data: dict[str, Any]) -> str:
    return gettext("grade %(grade)s") % {"grade": data.get("grade", "")}


def _feedback(data: dict[str, Any]) -> str:
    return data.get("deputy", "")


def _rehandling(data: dict[str, Any]) -> str:
    if not data.get("due_on"):
        return ""
    return gettext("new deadline %(due)s (was %(old)s)") % {
        "due": _iso(data.get("due_on")),
        "old": _iso(data.get("old_due_on")),
    }


_CAUSES: dict[str, Callable[[], str]] = {
    "rated": lambda: gettext("every reply has been rated by the deputies"),
    "feedback_lapsed": lambda: gettext("the feedback window passed without a rating"),
}


def _status(data: dict[str, Any]) -> str:
    cause = _CAUSES.get(data.get("cause", ""))
    if cause is not None:
        return cause()
    return _rehandling(data)


def _lapsed(data: dict[str, Any]) -> str:
    return gettext("no rating by %(date)s") % {"date": _iso(data.get("feedback_due_on"))}


def _reminded(data: dict[str, Any]) -> str:
    names = pgettext("list separator", ", ").join(data.get("recipients", []))
    if "stage" not in data:
        return names
    return gettext("%(stage)s: %(names)s") % {"stage": stage_label(int(data["stage"])), "names": names}


def _commitment(data: dict[str, Any]) -> str:
    parts = [data.get("description", "")]
    if data.get("percent") is not None:
        parts.append(f"{data['percent']}%")
    if data.get("milestone"):
        parts.append(data["milestone"])
    return " · ".join(part for part in parts if part)


def _edited(data: dict[str, Any]) -> str:
    names = [str(Proposal._meta.get_field(name).verbose_name) for name in data.get("fields", [])]
    clauses = [gettext("corrected: %(fields)s") % {"fields": pgettext("list separator", ", ").join(names)}]
    # The old text is kept in the event; only the short values are worth a line here.
    before = data.get("before", {})
    if "title" in before:
        clauses.append(gettext("the title was “%(title)s”") % {"title": before["title"]})
    if "category" in before:
        name = (before["category"] or {}).get("name") or gettext("none")
        clauses.append(gettext("the category was %(category)s") % {"category": name})
    return pgettext("clause separator", "; ").join(clauses)


def _recomputed(data: dict[str, Any]) -> str:
    text = gettext("%(dates)s (%(explanation)s)") % {
        "dates": _moved_date(data),
        "explanation": _deadline(data),
    }
    # Which deadline moved: the rule its basis names (inside a kept basis, the kept one's).
    basis = data.get("deadline") or {}
    rule = basis.get("rule") or (basis.get("basis") or {}).get("rule")
    if not rule:
        return text
    return gettext("%(deadline)s: %(change)s") % {"deadline": label(Rule, rule), "change": text}


_DETAIL: dict[str, Callable[[dict[str, Any]], str]] = {
    Kind.LOGGED: _logged,
    Kind.ASSIGNED: _assigned,
    Kind.WITHDRAWN: _withdrawn,
    Kind.EXTENDED: _moved_date,
    Kind.CONTACT: _contact,
    Kind.SENT: _sent,
    Kind.FEEDBACK: _feedback,
    Kind.REHANDLING: _rehandling,
    Kind.STATUS: _status,
    Kind.FEEDBACK_LAPSED: _lapsed,
    Kind.REMINDED: _reminded,
    Kind.PROGRESS_REPORTED: _commitment,
    Kind.COMMITMENT_CLAIMED: _commitment,
    Kind.COMMITMENT_CONFIRMED: _commitment,
    Kind.COMMITMENT_REJECTED: _commitment,
    Kind.COMMITMENT_NOT_FULFILLED: _commitment,
    Kind.EDITED: _edited,
    Kind.DEADLINE_RECOMPUTED: _recomputed,
}


def describe(event: ProposalEvent) -> Entry:
    """The event in the active language."""
    if event.data:
        render = _DETAIL.get(event.kind)
        detail = render(event.data) if render else ""
    else:
        detail = event.detail  # an event from before events carried data
    return Entry(event=event, title=str(event.get_kind_display()), change=change(event), detail=detail)


def timeline(events: Iterable[ProposalEvent]) -> list[Entry]:
    return [describe(event) for event in events]
