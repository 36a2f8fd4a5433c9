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

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext, ngettext, pgettext

from proposals.models import Assignment, Contact, Department, Proposal, ProposalEvent, Rule
from responses.models import Commitment, Consultation, Feedback, Obligation, Publication, Reply
from tracker.deadlines import explain_basis
from tracker.stages import stage_label

Kind = ProposalEvent.Kind

# Which choices an event kind's from/to codes belong to.
_STATES: dict[str, type] = {
    Kind.LOGGED: Proposal.Status,
    Kind.STATUS: Proposal.Status,
    Kind.PROPOSAL_WITHDRAWN: Proposal.Status,
    Kind.REGRADED: Reply.Grade,
    Kind.FEEDBACK: Feedback.Rating,
    Kind.CONSULTATION_ANSWERED: Consultation.Consent,
    Kind.PROGRESS_REPORTED: Commitment.Status,
    Kind.COMMITMENT_CLAIMED: Commitment.Status,
    Kind.COMMITMENT_CONFIRMED: Commitment.Status,
    Kind.COMMITMENT_REJECTED: Commitment.Status,
    Kind.COMMITMENT_NOT_FULFILLED: Commitment.Status,
    Kind.PUBLICATION_PROPOSED: Publication.Status,
    Kind.PUBLISHED: Publication.Status,
    Kind.WITHHELD: Publication.Status,
    Kind.PUBLICATION_REOPENED: Publication.Status,
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


def label(choices: type[models.Choices], code: str) -> str:
    """The label of ``code`` in ``choices``, or the code itself if it is not one."""
    try:
        return str(choices(code).label)
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
    if event.from_status == event.to_status:
        return ""  # e.g. a second round's draft: drafting again
    return gettext("%(from)s → %(to)s") % {
        "from": _state(event, event.from_status),
        "to": _state(event, event.to_status),
    }


def _iso(value: Any) -> str:
    return str(value or "")


def _deadline(data: dict[str, Any]) -> str:
    basis = data.get("deadline")
    return explain_basis(basis) if isinstance(basis, dict) else ""


def _with_explanation(text: str, data: dict[str, Any]) -> str:
    explanation = _deadline(data)
    if not explanation:
        return text
    return gettext("%(text)s (%(explanation)s)") % {"text": text, "explanation": explanation}


def _list(items: Iterable[str]) -> str:
    return pgettext("list separator", ", ").join(items)


@dataclass(frozen=True)
class Names:
    """What events name by id, looked up once per timeline."""

    departments: dict[int, str]


def _names(events: list[ProposalEvent]) -> Names:
    ids = {
        event.data.get("to_department")
        for event in events
        if event.kind == Kind.WITHDRAWN and isinstance(event.data, dict)
    }
    ids = {pk for pk in ids if isinstance(pk, int)}
    departments = dict(Department.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    return Names(departments=departments)


def _logged(data: dict[str, Any], names: Names) -> str:
    if not data.get("assign_by"):
        return ""
    return _with_explanation(gettext("assign by %(due)s") % {"due": _iso(data["assign_by"])}, data)


def _assigned(data: dict[str, Any], names: Names) -> str:
    text = gettext("%(role)s; due %(due)s") % {
        "role": label(Assignment.Role, data.get("role", "")),
        "due": _iso(data.get("due_on")),
    }
    return _with_explanation(text, data)


def _withdrawn(data: dict[str, Any], names: Names) -> str:
    # The name as it was (new events) or the unit's id (events converted from text).
    pk = data.get("to_department")
    department = pk if isinstance(pk, str) else names.departments.get(pk) if isinstance(pk, int) else None
    if not department:
        return ""
    return gettext("moved to %(department)s") % {"department": department}


def _moved_date(data: dict[str, Any], names: Names) -> str:
    return gettext("%(old)s → %(new)s") % {
        "old": _iso(data.get("old_due_on")),
        "new": _iso(data.get("due_on")),
    }


def _contact(data: dict[str, Any], names: Names) -> str:
    return gettext("%(date)s %(method)s (%(stage)s)") % {
        "date": _iso(data.get("contacted_on")),
        "method": label(Contact.Method, data.get("method", "")),
        "stage": label(Contact.Stage, data.get("stage", "")),
    }


def _sent(data: dict[str, Any], names: Names) -> str:
    if not data.get("sent_on"):
        return gettext("grade %(grade)s") % {"grade": data.get("grade", "")}
    return gettext("grade %(grade)s, sent on %(date)s") % {
        "grade": data.get("grade", ""),
        "date": _iso(data["sent_on"]),
    }


def _feedback(data: dict[str, Any], names: Names) -> str:
    if not data.get("communication"):
        return str(data.get("deputy", ""))
    return gettext("%(deputy)s; communication: %(communication)s") % {
        "deputy": data.get("deputy", ""),
        "communication": label(Feedback.Rating, data["communication"]),
    }


def _consultation_sent(data: dict[str, Any], names: Names) -> str:
    text = gettext("sending %(sequence)s to %(deputy)s") % {
        "sequence": data.get("sequence", ""),
        "deputy": data.get("deputy", ""),
    }
    if data.get("answer_due_on"):
        text += pgettext("clause separator", "; ") + gettext("answer awaited until %(date)s") % {
            "date": _iso(data["answer_due_on"])
        }
    if data.get("replaces"):
        text += pgettext("clause separator", "; ") + gettext("replaces sending %(sequence)s") % {
            "sequence": _list(str(n) for n in data["replaces"])
        }
    return text


def _consultation_answered(data: dict[str, Any], names: Names) -> str:
    return gettext("%(deputy)s on sending %(sequence)s: %(consent)s") % {
        "deputy": data.get("deputy", ""),
        "sequence": data.get("sequence", ""),
        "consent": label(Consultation.Consent, data.get("consent", "")),
    }


def _rehandling(data: dict[str, Any], names: Names) -> str:
    if not data.get("due_on"):
        return ""
    if not data.get("old_due_on"):
        text = gettext("new deadline %(due)s") % {"due": _iso(data["due_on"])}
    else:
        text = gettext("new deadline %(due)s (was %(old)s)") % {
            "due": _iso(data["due_on"]),
            "old": _iso(data["old_due_on"]),
        }
    return _with_explanation(text, data)


_CAUSES: dict[str, Callable[[], str]] = {
    "rated": lambda: gettext("every reply has been rated by the deputies"),
    "feedback_lapsed": lambda: gettext("the feedback window passed without a rating"),
}


def _status(data: dict[str, Any], names: Names) -> str:
    cause = _CAUSES.get(data.get("cause", ""))
    if cause is not None:
        return cause()
    return _rehandling(data, names)


def _lapsed(data: dict[str, Any], names: Names) -> str:
    return gettext("no rating by %(date)s") % {"date": _iso(data.get("feedback_due_on"))}


def _reminded(data: dict[str, Any], names: Names) -> str:
    recipients = _list(data.get("recipients", []))
    if "stage" not in data:
        return recipients
    stage = stage_label(int(data["stage"]))
    if data.get("obligation"):
        stage = gettext("%(obligation)s, %(stage)s") % {
            "obligation": label(Obligation.Kind, data["obligation"]),
            "stage": stage,
        }
    return gettext("%(stage)s: %(names)s") % {"stage": stage, "names": recipients}


def _commitment(data: dict[str, Any], names: Names) -> str:
    parts = [data.get("description", "")]
    if data.get("percent") is not None:
        parts.append(f"{data['percent']}%")
    if data.get("milestone"):
        parts.append(data["milestone"])
    if data.get("fulfilled_on"):
        parts.append(gettext("kept on %(date)s") % {"date": _iso(data["fulfilled_on"])})
    return " · ".join(str(part) for part in parts if part)


def _publication(data: dict[str, Any], names: Names) -> str:
    parts = [label(Publication.Form, data["form"])] if data.get("form") else []
    if data.get("removed"):
        parts.append(
            ngettext(
                "%(n)d item of personal data removed", "%(n)d items of personal data removed", data["removed"]
            )
            % {"n": data["removed"]}
        )
    if data.get("edited"):
        parts.append(gettext("text corrected by staff"))
    return gettext("; ").join(parts)


def _field_name(name: str) -> str:
    try:
        field = Proposal._meta.get_field(name)
    except FieldDoesNotExist:
        return name  # a field since removed: its name is all there is
    return str(getattr(field, "verbose_name", name))


def _edited(data: dict[str, Any], names: Names) -> str:
    clauses = [
        gettext("corrected: %(fields)s") % {"fields": _list([_field_name(n) for n in data.get("fields", [])])}
    ]
    # The old text is kept in the event; only the short values are worth a line here.
    before = data.get("before", {})
    if "title" in before:
        clauses.append(gettext("the title was “%(title)s”") % {"title": before["title"]})
    if "category" in before:
        category = (before["category"] or {}).get("name") or gettext("none")
        clauses.append(gettext("the category was %(category)s") % {"category": category})
    return pgettext("clause separator", "; ").join(clauses)


def _proposal_withdrawn(data: dict[str, Any], names: Names) -> str:
    if not data.get("requested_by"):
        return gettext("by the lead deputy")
    return gettext("at the written request of %(deputy)s") % {"deputy": data["requested_by"]}


def _recomputed(data: dict[str, Any], names: Names) -> str:
    text = _with_explanation(_moved_date(data, names), data)
    # Which deadline moved: the rule its basis names (inside a kept basis, the kept one's).
    basis = data.get("deadline") or {}
    rule = basis.get("rule") or (basis.get("basis") or {}).get("rule")
    if not rule:
        return text
    return gettext("%(deadline)s: %(change)s") % {"deadline": label(Rule, rule), "change": text}


DETAIL: dict[str, Callable[[dict[str, Any], Names], str]] = {
    Kind.LOGGED: _logged,
    Kind.ASSIGNED: _assigned,
    Kind.WITHDRAWN: _withdrawn,
    Kind.EXTENDED: _moved_date,
    Kind.CONTACT: _contact,
    Kind.SENT: _sent,
    Kind.FEEDBACK: _feedback,
    Kind.CONSULTATION_SENT: _consultation_sent,
    Kind.CONSULTATION_ANSWERED: _consultation_answered,
    Kind.REHANDLING: _rehandling,
    Kind.STATUS: _status,
    Kind.PROPOSAL_WITHDRAWN: _proposal_withdrawn,
    Kind.FEEDBACK_LAPSED: _lapsed,
    Kind.REMINDED: _reminded,
    Kind.PROGRESS_REPORTED: _commitment,
    Kind.COMMITMENT_CLAIMED: _commitment,
    Kind.COMMITMENT_CONFIRMED: _commitment,
    Kind.COMMITMENT_REJECTED: _commitment,
    Kind.COMMITMENT_NOT_FULFILLED: _commitment,
    Kind.EDITED: _edited,
    Kind.DEADLINE_RECOMPUTED: _recomputed,
    Kind.PUBLICATION_PROPOSED: _publication,
    Kind.PUBLISHED: _publication,
}

# Kinds that store no data: the heading, the change of state and the reason a person
# gave say all there is (who acted and when are on every line).
NO_DETAIL: dict[str, str] = {
    Kind.ACCEPTED: "the change of state (awaiting sign-for → accepted) is the whole event",
    Kind.CHANGE_REQUESTED: "the unit's reason is the event's reason",
    Kind.CHANGE_REFUSED: "staff's reason is the event's reason",
    Kind.OPINION: "the opinion itself is shown on the suggestion page",
    Kind.DRAFTED: "the draft is the reply page itself",
    Kind.SUBMITTED: "the change of state (drafting → awaiting approval) is the whole event",
    Kind.RETURNED: "the leader's comment is the event's reason",
    Kind.REGRADED: "the old and new grades are the change of state; staff's reason is the reason",
    Kind.REHANDLING_DECLINED: "staff's reason is the event's reason",
    Kind.WITHHELD: "staff's reason is the event's reason",
    Kind.PUBLICATION_REOPENED: "staff's reason is the event's reason",
}


def describe(event: ProposalEvent, *, names: Names | None = None) -> Entry:
    """The event in the active language."""
    if event.data:
        render = DETAIL.get(event.kind)
        detail = render(event.data, names or _names([event])) if render else ""
    else:
        # An event from before events carried data whose text could not be read back
        # (migration 0013_event_data): shown as it was written.
        detail = event.detail
    return Entry(event=event, title=str(event.get_kind_display()), change=change(event), detail=detail)


def timeline(events: Iterable[ProposalEvent]) -> list[Entry]:
    events = list(events)
    names = _names(events)
    return [describe(event, names=names) for event in events]
