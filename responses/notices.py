"""Handover notices (通知): who is told of each step of a suggestion, exactly once.

``NOTICES`` is the table of a suggestion's steps: a ProposalEvent kind (recorded by a
workflow transition) maps to a ``Notice`` row: who hears (audiences, named in
``AUDIENCES``), where the notice leads (``link``), its title (rendered in the reader's
language when it is read) and, for the 提醒设置 page, its name. Adding a kind of notice
is one row here. ``SUBMISSION_NOTICES`` is the same table for the steps of an online
submission before it has a number (SubmissionEvent: co-signers invited, a co-signer's
answer, submitted, accepted, returned, withdrawn), with its own audiences and links; its
kinds are filed on the settings page as ``submission_<kind>`` (the two sets of codes
overlap). Both go through the same ledger and delivery.

Recording (``record``) runs inside ``ProposalEvent.record``, in the transition's
transaction (subscribed through tracker.notices): one ``responses.Notice`` per person and
channel, unique on (event, recipient, channel). Delivery (``deliver``) is the reminders'
exactly-once delivery: rows locked with SKIP LOCKED, marked sent with a compare-and-set in
the transaction that sends them, one digest per person and channel, email and SMS held for
working hours, failures retried with back-off; the reminder scan re-queues what a lost
worker or broker left pending (``redispatch_stale``). Tasks reach the broker through the
outbox, so no web request waits on it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext, gettext_lazy

from proposals.models import Assignment, ProposalEvent, SubmissionEvent
from responses.models import Feedback, Notice, Reply
from tracker import notices as hooks
from tracker import outbox
from tracker.models import Channel, Notification, Role
from tracker.sms import send_sms

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from tracker.models import User

logger = logging.getLogger(__name__)

Kind = ProposalEvent.Kind
Audience = Notice.Audience

# Named by string, as the reminders' task is: the outbox imports no app.
DELIVER_TASK = "responses.tasks.deliver_notices"

# A promise named in a notice: its text cut to this many characters.
PROMISE_CHARS = 30
# A suggestion without a number yet (an online submission) is named by its title, cut
# to this many characters in the notice's title.
TITLE_CHARS = 40


@dataclass(frozen=True)
class Rule:
    """One row of the table: who hears of an event kind, and what they read."""

    label: str | Promise  # the kind's name on the settings page
    title: str | Promise  # the inbox title; %(number)s, %(department)s, %(rating)s
    audiences: tuple[str, ...]  # keys of AUDIENCES, first match names the person's role
    link: str = "assignment"  # keys of LINKS
    when: Callable[[Any], bool] | None = None  # only events for which it is true
    with_reason: bool = False  # the event's reason (a comment) is quoted in the notice


def _closed(event: ProposalEvent) -> bool:
    return event.to_status == "closed"


NOTICES: dict[str, Rule] = {
    Kind.ASSIGNED: Rule(
        gettext_lazy("A suggestion is assigned to my unit"),
        gettext_lazy("No. %(number)s is assigned to %(department)s"),
        ("unit_clerks",),
        with_reason=True,
    ),
    Kind.CHANGE_REQUESTED: Rule(
        gettext_lazy("A unit asks to change an assignment"),
        gettext_lazy("No. %(number)s: %(department)s asks to change the assignment"),
        ("staff",),
        with_reason=True,
    ),
    Kind.CHANGE_REFUSED: Rule(
        gettext_lazy("A change request is refused"),
        gettext_lazy("No. %(number)s: the request to change the assignment was refused"),
        ("unit",),
        with_reason=True,
    ),
    Kind.WITHDRAWN: Rule(
        gettext_lazy("An assignment is withdrawn (change granted)"),
        gettext_lazy("No. %(number)s: the assignment to %(department)s is withdrawn"),
        ("unit",),
        with_reason=True,
    ),
    Kind.OPINION: Rule(
        gettext_lazy("A co-handler's opinion arrives"),
        gettext_lazy("No. %(number)s: %(department)s sent its co-handling opinion"),
        ("lead_unit",),
        link="lead_assignment",
    ),
    Kind.SUBMITTED: Rule(
        gettext_lazy("A reply awaits approval"),
        gettext_lazy("No. %(number)s: a reply awaits your approval"),
        ("unit_leaders",),
        link="reply",
    ),
    Kind.RETURNED: Rule(
        gettext_lazy("A reply is returned"),
        gettext_lazy("No. %(number)s: the reply was returned for revision"),
        ("drafter",),
        link="reply",
        with_reason=True,
    ),
    Kind.SENT: Rule(
        gettext_lazy("A reply is sent"),
        gettext_lazy("No. %(number)s: the reply from %(department)s has been sent"),
        ("deputies",),
        link="reply",
    ),
    Kind.FEEDBACK: Rule(
        gettext_lazy("A deputy rates a reply"),
        gettext_lazy("No. %(number)s: the deputy rated the reply %(rating)s"),
        ("unit", "staff"),
        link="reply",
        with_reason=True,
    ),
    Kind.REHANDLING: Rule(
        gettext_lazy("A suggestion is to be handled again"),
        gettext_lazy("No. %(number)s is to be handled again by %(department)s"),
        ("unit",),
        with_reason=True,
    ),
    Kind.COMMITMENT_CLAIMED: Rule(
        gettext_lazy("A promise is reported kept"),
        gettext_lazy("No. %(number)s: %(department)s reports a promise kept"),
        ("staff",),
        link="commitment",
    ),
    Kind.COMMITMENT_CONFIRMED: Rule(
        gettext_lazy("A promise is confirmed kept"),
        gettext_lazy("No. %(number)s: the promise is confirmed kept"),
        ("unit",),
        link="commitment",
    ),
    Kind.COMMITMENT_REJECTED: Rule(
        gettext_lazy("A promise's evidence is not accepted"),
        gettext_lazy("No. %(number)s: the evidence that the promise was kept is not accepted"),
        ("unit",),
        link="commitment",
        with_reason=True,
    ),
    # Taking part before the reply (征询意见): the draft goes to the lead deputy, whose
    # comment and consent go back to the clerk who drafted it.
    Kind.CONSULTATION_SENT: Rule(
        gettext_lazy("A draft reply is sent to me for comment"),
        gettext_lazy("No. %(number)s: %(department)s asks for your comment on its draft reply"),
        ("lead_deputy",),
        link="consultation",
    ),
    Kind.CONSULTATION_ANSWERED: Rule(
        gettext_lazy("The deputy answers on a draft reply"),
        gettext_lazy("No. %(number)s: the deputy answered on the draft reply"),
        ("drafter",),
        link="reply",
        with_reason=True,
    ),
    # Publication (上网公开): staff's decision goes to the replying unit.
    Kind.PUBLISHED: Rule(
        gettext_lazy("A reply is published"),
        gettext_lazy("No. %(number)s: the reply from %(department)s is published"),
        ("unit",),
        link="reply",
    ),
    Kind.WITHHELD: Rule(
        gettext_lazy("A reply is withheld from publication"),
        gettext_lazy("No. %(number)s: the reply from %(department)s is withheld from publication"),
        ("unit",),
        link="reply",
        with_reason=True,
    ),
    # 撤回 before assignment: staff stop planning it; when staff act on the deputy's
    # written request, the lead deputy hears that it was done.
    Kind.PROPOSAL_WITHDRAWN: Rule(
        gettext_lazy("A suggestion is withdrawn before assignment"),
        gettext_lazy("No. %(number)s is withdrawn by its deputy"),
        ("staff", "lead_deputy"),
        link="proposal",
        with_reason=True,
    ),
    Kind.STATUS: Rule(
        gettext_lazy("A suggestion is closed"),
        gettext_lazy("No. %(number)s is closed"),
        ("deputies",),
        link="proposal",
        when=_closed,
    ),
}


SubmissionKind = SubmissionEvent.Kind

# On the settings page a submission's kinds are filed under this prefix: "submitted",
# "accepted", "returned" and "withdrawn" are also kinds of a suggestion's events.
SUBMISSION_PREFIX = "submission_"


def _was_submitted(event: SubmissionEvent) -> bool:
    return event.from_status == "submitted"


# Taking part online (代表网上提交建议): the steps before the suggestion has a number.
# %(title)s is the suggestion's title (cut short), %(lead)s the lead deputy's name,
# %(deputy)s the co-signer who answered, %(number)s the number it was given.
SUBMISSION_NOTICES: dict[str, Rule] = {
    SubmissionKind.INVITED: Rule(
        gettext_lazy("I am invited to co-sign a suggestion"),
        gettext_lazy("%(lead)s invites you to co-sign “%(title)s”"),
        ("invitees",),
        link="invitation",
    ),
    SubmissionKind.COSIGN_CONFIRMED: Rule(
        gettext_lazy("A co-signer confirms"),
        gettext_lazy("“%(title)s”: %(deputy)s confirmed co-signing"),
        ("submission_lead",),
        link="submission",
    ),
    SubmissionKind.COSIGN_DECLINED: Rule(
        gettext_lazy("A co-signer declines"),
        gettext_lazy("“%(title)s”: %(deputy)s declined to co-sign"),
        ("submission_lead",),
        link="submission",
    ),
    SubmissionKind.SUBMITTED: Rule(
        gettext_lazy("A suggestion is submitted online"),
        gettext_lazy("%(lead)s submitted “%(title)s”; it awaits acceptance"),
        ("staff",),
        link="accept",
    ),
    SubmissionKind.ACCEPTED: Rule(
        gettext_lazy("A suggestion submitted online is accepted"),
        gettext_lazy("No. %(number)s: “%(title)s” is accepted"),
        ("submission_lead", "cosigners_confirmed"),
        link="accepted_proposal",
    ),
    SubmissionKind.RETURNED: Rule(
        gettext_lazy("A suggestion submitted online is returned"),
        gettext_lazy("“%(title)s” is returned (不予立案)"),
        ("submission_lead",),
        link="returned",
        with_reason=True,
    ),
    # Only once staff have it: a draft withdrawn concerns nobody else.
    SubmissionKind.WITHDRAWN: Rule(
        gettext_lazy("A deputy withdraws a submitted suggestion"),
        gettext_lazy("%(lead)s withdrew the submitted suggestion “%(title)s”"),
        ("staff",),
        link="submission",
        when=_was_submitted,
        with_reason=True,
    ),
}


def notice_kind(event: ProposalEvent | SubmissionEvent) -> str:
    """The code a notice of ``event`` is filed under (the 提醒设置 page's rows)."""
    if isinstance(event, SubmissionEvent):
        return SUBMISSION_PREFIX + event.kind
    return event.kind


def kind_codes() -> list[str]:
    """Every kind of notice, as the settings page files them."""
    return [*NOTICES, *(SUBMISSION_PREFIX + kind for kind in SUBMISSION_NOTICES)]


# -- audiences: who "the unit", "staff", "the deputies" are for one event ----------------

People = list[tuple["User", str]]


def _users() -> models.QuerySet[User]:
    return get_user_model().objects.filter(is_active=True).select_related("delegate").order_by("pk")


def _unit(department_id: int | None, *, clerks: bool = True, leaders: bool = False) -> People:
    """A unit's clerks (its leaders where it has no clerk account) and/or its leaders."""
    if department_id is None:
        return []
    users = list(_users().filter(department_id=department_id).prefetch_related("groups"))
    found_clerks = [(u, Audience.CLERK) for u in users if u.has_role(Role.DEPT_CLERK)]
    found_leaders = [(u, Audience.LEADER) for u in users if u.has_role(Role.DEPT_LEADER)]
    people: People = []
    if clerks:
        people += found_clerks or found_leaders
    if leaders:
        people += found_leaders
    return people


def _staff(event: ProposalEvent | SubmissionEvent) -> People:
    staff = _users().filter(Q(groups__name=Role.CONGRESS_STAFF) | Q(is_superuser=True)).distinct()
    return [(u, Audience.STAFF) for u in staff]


def _deputies(event: ProposalEvent) -> People:
    proposal = event.proposal
    deputies = [proposal.lead_deputy, *proposal.co_signers.order_by("pk")]
    return [(d.user, Audience.DEPUTY) for d in deputies if d is not None and d.user_id is not None]


def _lead_deputy(event: ProposalEvent) -> People:
    deputy = event.proposal.lead_deputy
    return [(deputy.user, Audience.DEPUTY)] if deputy is not None and deputy.user_id is not None else []


def _lead_unit(event: ProposalEvent) -> People:
    """The clerks of the suggestion's current lead unit (a withdrawn one is no longer told)."""
    lead = (
        Assignment.objects.filter(proposal_id=event.proposal_id, role=Assignment.Role.LEAD)
        .exclude(status=Assignment.Status.WITHDRAWN)
        .values_list("department_id", flat=True)
    )
    return [person for department_id in lead for person in _unit(department_id)]


def _drafter(event: ProposalEvent) -> People:
    reply = _reply(event)
    drafter = reply.created_by if reply is not None else None
    if drafter is None:
        return _unit(event.department_id)
    return [(drafter, Audience.DRAFTER)]


AUDIENCES: dict[str, Callable[[ProposalEvent], People]] = {
    # The event's unit: its clerks, its leaders where it has no clerk account.
    "unit": lambda e: _unit(e.department_id),
    "unit_clerks": lambda e: _unit(e.department_id),
    "unit_leaders": lambda e: _unit(e.department_id, clerks=False, leaders=True),
    "lead_unit": _lead_unit,
    "drafter": _drafter,
    "staff": _staff,
    "deputies": _deputies,
    "lead_deputy": _lead_deputy,
}


def _deputies_by_id(ids: Iterable[int]) -> People:
    """The accounts of these deputies, in the order given (a deputy without one is not told)."""
    ids = [pk for pk in ids if pk]
    users = {u.deputy.pk: u for u in _users().filter(deputy__in=ids).select_related("deputy")}
    return [(users[pk], Audience.DEPUTY) for pk in ids if pk in users]


SUBMISSION_AUDIENCES: dict[str, Callable[[SubmissionEvent], People]] = {
    # The deputies the event invited (its data names them).
    "invitees": lambda e: _deputies_by_id(e.data.get("co_signers", [])),
    "submission_lead": lambda e: _deputies_by_id([e.submission.lead_deputy_id]),
    # The co-signers who confirmed: they are the suggestion's co-signers once accepted.
    "cosigners_confirmed": lambda e: _deputies_by_id(
        list(e.submission.confirmed_co_signers().values_list("pk", flat=True))
    ),
    "staff": _staff,
}

# Which roles each audience reaches: the settings page shows a person the kinds that can
# reach them.
AUDIENCE_ROLES: dict[str, tuple[str, ...]] = {
    "invitees": (Role.DEPUTY,),
    "submission_lead": (Role.DEPUTY,),
    "cosigners_confirmed": (Role.DEPUTY,),
    "unit": (Role.DEPT_CLERK, Role.DEPT_LEADER),
    "unit_clerks": (Role.DEPT_CLERK, Role.DEPT_LEADER),
    "unit_leaders": (Role.DEPT_LEADER,),
    "lead_unit": (Role.DEPT_CLERK, Role.DEPT_LEADER),
    "drafter": (Role.DEPT_CLERK, Role.DEPT_LEADER),
    "staff": (Role.CONGRESS_STAFF,),
    "deputies": (Role.DEPUTY,),
    "lead_deputy": (Role.DEPUTY,),
}


# -- links ---------------------------------------------------------------------------


def _reply(event: ProposalEvent) -> Reply | None:
    """The reply an event of an assignment is about: its latest (the event's own, since
    the event is written in the transaction that moved it)."""
    if event.assignment_id is None:
        return None
    return (
        Reply.objects.filter(assignment_id=event.assignment_id)
        .select_related("created_by__delegate")
        .order_by("-round", "-pk")
        .first()
    )


def _lead_assignment_url(event: ProposalEvent) -> str:
    lead = (
        Assignment.objects.filter(proposal_id=event.proposal_id, role=Assignment.Role.LEAD)
        .exclude(status=Assignment.Status.WITHDRAWN)
        .first()
    )
    return lead.get_absolute_url() if lead is not None else _proposal_url(event)


def _proposal_url(event: ProposalEvent) -> str:
    return reverse("proposals:detail", args=[event.proposal_id])


def _assignment_url(event: ProposalEvent) -> str:
    if event.assignment is None:
        return _proposal_url(event)
    return event.assignment.get_absolute_url()


def _reply_url(event: ProposalEvent) -> str:
    reply = _reply(event)
    return reply.get_absolute_url() if reply is not None else _assignment_url(event)


def _consultation_url(event: ProposalEvent) -> str:
    pk = event.data.get("consultation")
    return reverse("responses:consultation", args=[pk]) if pk else _proposal_url(event)


def _commitment_url(event: ProposalEvent) -> str:
    pk = event.data.get("commitment")
    return reverse("responses:commitment", args=[pk]) if pk else _assignment_url(event)


LINKS: dict[str, Callable[[ProposalEvent], str]] = {
    "proposal": _proposal_url,
    "assignment": _assignment_url,
    "lead_assignment": _lead_assignment_url,
    "reply": _reply_url,
    "commitment": _commitment_url,
    "consultation": _consultation_url,
}


def _submission_url(event: SubmissionEvent, anchor: str = "") -> str:
    return reverse("proposals:submission", args=[event.submission_id]) + anchor


def _accepted_proposal_url(event: SubmissionEvent) -> str:
    pk = event.data.get("proposal")
    return reverse("proposals:detail", args=[pk]) if pk else _submission_url(event)


SUBMISSION_LINKS: dict[str, Callable[[SubmissionEvent], str]] = {
    "submission": _submission_url,
    "invitation": lambda e: _submission_url(e, "#invitation"),
    "accept": lambda e: _submission_url(e, "#actions"),
    "returned": lambda e: _submission_url(e, "#returned"),
    "accepted_proposal": _accepted_proposal_url,
}


def register() -> None:
    """Subscribe to recorded events and the inbox, and list the kinds for the settings
    page (ResponsesConfig.ready)."""
    hooks.on_event(record)
    hooks.on_inbox(render_inbox)
    tables = [("", NOTICES), (SUBMISSION_PREFIX, SUBMISSION_NOTICES)]
    for prefix, table in tables:
        for kind, rule in table.items():
            roles = {role for audience in rule.audiences for role in AUDIENCE_ROLES[audience]}
            hooks.register_kind(prefix + kind, rule.label, sorted(roles))


# -- recording, in the event's transaction ---------------------------------------------


def recipients(
    event: ProposalEvent | SubmissionEvent, rule: Rule, today: Any
) -> list[tuple[User, User | None, str]]:
    """(recipient, on behalf of, audience) for an event: each person once (their first
    audience names their role), never the person who acted, a delegate for whoever is away."""
    audiences: dict[str, Callable[[Any], People]] = (
        SUBMISSION_AUDIENCES if isinstance(event, SubmissionEvent) else AUDIENCES  # type: ignore[assignment]
    )
    result: list[tuple[User, User | None, str]] = []
    seen: set[int] = set()
    for name in rule.audiences:
        for person, audience in audiences[name](event):
            if not person.is_active or person.pk == event.actor_id:
                continue
            recipient, on_behalf_of = person.stand_in(today)
            if recipient.pk in seen or recipient.pk == event.actor_id:
                continue
            seen.add(recipient.pk)
            result.append((recipient, on_behalf_of, audience))
    return result


def record(event: ProposalEvent | SubmissionEvent) -> list[Notice]:
    """Record the notices an event (a suggestion's or an online submission's) calls for,
    inside its transaction, and queue their delivery once it commits. An event of a kind
    not in its table records nothing."""
    link: Callable[[Any], str]
    if isinstance(event, SubmissionEvent):
        rule = SUBMISSION_NOTICES.get(event.kind)
        source: dict[str, Any] = {"submission_event": event}
        links: dict[str, Callable[[Any], str]] = SUBMISSION_LINKS  # type: ignore[assignment]
    else:
        rule = NOTICES.get(event.kind)
        source = {"event": event}
        links = LINKS  # type: ignore[assignment]
    if rule is None or (rule.when is not None and not rule.when(event)):
        return []
    link = links[rule.link]
    code = notice_kind(event)
    now = timezone.now()
    today = timezone.localdate(now)
    rows: list[Notice] = []
    url = ""
    for recipient, on_behalf_of, audience in recipients(event, rule, today):
        url = url or link(event)
        for channel in recipient.channels_for_notice(code):
            rows.append(
                Notice(
                    **source,
                    recipient=recipient,
                    on_behalf_of=on_behalf_of,
                    audience=audience,
                    channel=channel,
                    url=url,
                    send_after=now if channel == Channel.INBOX else hooks.next_send_time(now),
                    created_at=now,
                )
            )
    if not rows:
        return []
    Notice.objects.bulk_create(rows, ignore_conflicts=True)
    enqueue(sorted({(r.recipient_id, r.channel) for r in rows if r.send_after <= now}))
    return rows


def enqueue(pairs: Iterable[tuple[int, str]]) -> None:
    """Queue one delivery per (recipient, channel) through the outbox, in the caller's
    transaction. Queueing one twice is harmless: the second finds nothing pending."""
    outbox.enqueue_many(DELIVER_TASK, list(pairs))


def redispatch_stale(now: datetime) -> int:
    """Queue a delivery for every person with notices still pending a while after they
    became sendable (their worker died, the broker lost the message, quiet hours ended)."""
    grace = now - timedelta(seconds=settings.REMINDER_REDISPATCH_AFTER)
    pairs = list(
        Notice.objects.pending()
        .filter(send_after__lte=now)
        .filter(Q(created_at__lte=grace) | Q(send_after__gt=models.F("created_at")))
        .order_by()
        .values_list("recipient_id", "channel")
        .distinct()[:5000]
    )
    waiting = outbox.pending_args(DELIVER_TASK)
    fresh = [pair for pair in pairs if pair not in waiting]
    enqueue(fresh)
    return len(fresh)


# -- what a notice says, in the language of whoever reads it ------------------------------


@dataclass(frozen=True)
class Text:
    title: str
    body: str
    url: str


def _values(event: ProposalEvent) -> dict[str, str]:
    department = event.department or (event.assignment.department if event.assignment else None)
    rating = event.data.get("rating", "")
    return {
        "number": event.proposal.number,
        "department": str(department or ""),
        "rating": str(Feedback.Rating(rating).label) if rating in Feedback.Rating.values else rating,
    }


def _submission_values(event: SubmissionEvent) -> dict[str, str]:
    invitation = event.invitation
    return {
        "number": str(event.data.get("number", "")),
        "title": Truncator(event.submission.title).chars(TITLE_CHARS),
        "lead": event.submission.lead_deputy.name,
        "deputy": invitation.deputy.name if invitation is not None else "",
    }


def _describe_submission(notice: Notice, event: SubmissionEvent) -> Text:
    """A step of an online submission: before it has a number it is named by its title."""
    rule = SUBMISSION_NOTICES.get(event.kind)
    title = str(rule.title) % _submission_values(event) if rule is not None else event.get_kind_display()
    lines = [event.submission.title]
    excluded = event.data.get("exclusion_text")
    if excluded:
        lines.append(gettext("Not taken because: %(matter)s") % {"matter": excluded})
    if rule is not None and rule.with_reason and event.reason:
        lines.append(gettext("Comment: %(comment)s") % {"comment": Truncator(event.reason).chars(200)})
    if notice.on_behalf_of_id:
        lines.append(gettext("As delegate of %(name)s") % {"name": notice.on_behalf_of})
    return Text(title=str(title)[:200], body="\n".join(lines), url=notice.url)


def describe(notice: Notice) -> Text:
    """The notice's title and body in the active language: what it is about (number and
    title; which promise), and the comment that came with it."""
    if notice.event is None:
        assert notice.submission_event is not None
        return _describe_submission(notice, notice.submission_event)
    event = notice.event
    rule = NOTICES.get(event.kind)
    title = str(rule.title) % _values(event) if rule is not None else str(event.get_kind_display())
    lines = [event.proposal.title]
    promise = event.data.get("description")
    if promise:
        lines.append(gettext("Promise: %(promise)s") % {"promise": Truncator(promise).chars(PROMISE_CHARS)})
    if rule is not None and rule.with_reason and event.reason:
        lines.append(gettext("Comment: %(comment)s") % {"comment": Truncator(event.reason).chars(200)})
    if notice.on_behalf_of_id:
        lines.append(gettext("As delegate of %(name)s") % {"name": notice.on_behalf_of})
    return Text(title=title[:200], body="\n".join(lines), url=notice.url)


# What describe() reads of an online submission's event.
SUBMISSION_RELATED = (
    "submission_event__submission__lead_deputy",
    "submission_event__invitation__deputy",
)


def render_inbox(notifications: Sequence[Notification]) -> None:
    """Inbox items that are notices, rendered now in the reader's language."""
    ids = [n.pk for n in notifications]
    if not ids:
        return
    found = {
        notice.notification_id: notice
        for notice in Notice.objects.filter(notification_id__in=ids).select_related(
            "event__proposal",
            "event__department",
            "event__assignment__department",
            "on_behalf_of",
            *SUBMISSION_RELATED,
        )
    }
    for notification in notifications:
        notice = found.get(notification.pk)
        if notice is not None:
            text = describe(notice)
            notification.display_title = text.title
            notification.display_body = text.body


# -- delivery: the reminders' exactly-once pattern -------------------------------------------


def deliver(recipient_id: int, channel: str, *, limit: int = 200) -> int:
    """Send what is pending for one person on one channel: one digest per call.

    Rows are locked with SKIP LOCKED and marked sent with a compare-and-set inside the
    transaction that sends them, so a crash before commit leaves them pending for the
    next scan and a second delivery of the same pair sends nothing. Returns how many.
    """
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Notice.objects.deliverable(now)
            .filter(recipient_id=recipient_id, channel=channel)
            .select_related(
                "recipient",
                "on_behalf_of",
                "event__proposal",
                "event__department",
                "event__assignment__department",
                *SUBMISSION_RELATED,
            )
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("created_at", "pk")[:limit]
        )
        if not rows:
            return 0
        ids = [r.pk for r in rows]
        savepoint = transaction.savepoint()
        claimed = Notice.objects.filter(pk__in=ids, status=Notice.Status.PENDING).update(
            status=Notice.Status.SENT, sent_at=now, attempts=models.F("attempts") + 1
        )
        if claimed != len(ids):
            # Another deliverer got here first (possible only without row locks, on SQLite).
            transaction.savepoint_rollback(savepoint)
            return 0
        try:
            send(rows[0].recipient, channel, rows)
        except Exception as exc:  # noqa: BLE001 - any channel failure is recorded, then retried
            transaction.savepoint_rollback(savepoint)
            _record_failure(ids, exc, now)
            return 0
        transaction.savepoint_commit(savepoint)
    if len(rows) == limit:
        enqueue([(recipient_id, channel)])
    return len(rows)


def _record_failure(ids: list[int], exc: Exception, now: datetime) -> None:
    attempts = Notice.objects.filter(pk__in=ids).values_list("attempts", flat=True).first() or 0
    give_up = attempts + 1 >= settings.REMINDER_MAX_ATTEMPTS
    logger.warning("notice delivery failed for %s: %s", ids, exc)
    Notice.objects.filter(pk__in=ids, status=Notice.Status.PENDING).update(
        status=Notice.Status.FAILED if give_up else Notice.Status.PENDING,
        attempts=models.F("attempts") + 1,
        last_error=f"{type(exc).__name__}: {exc}"[:1000],
        send_after=now + timedelta(minutes=5 * 2**attempts),
    )


def delivery_key(notices: Sequence[Notice]) -> str:
    """A stable idempotency key for one digest: the same notices give the same key."""
    ids = ",".join(str(pk) for pk in sorted(n.pk for n in notices))
    return hashlib.sha256(f"notices:{ids}".encode()).hexdigest()[:32]


def send(recipient: User, channel: str, notices: list[Notice]) -> None:
    """Deliver notices to one person on one channel, in the site's language (the inbox
    renders them again in the reader's); raises if the channel fails."""
    site = settings.SITE_URL.rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        texts = [describe(n) for n in notices]
        if channel == Channel.INBOX:
            created = Notification.objects.bulk_create(
                [Notification(recipient=recipient, title=t.title, body=t.body, url=t.url) for t in texts]
            )
            for notice, notification in zip(notices, created, strict=True):
                notice.notification = notification
            Notice.objects.bulk_update(notices, ["notification"])
        elif channel == Channel.EMAIL:
            context = {
                "recipient": recipient,
                "items": [{"title": t.title, "body": t.body, "url": site + t.url} for t in texts],
                "count": len(texts),
                "inbox_url": site + reverse("inbox"),
            }
            message = EmailMultiAlternatives(
                subject=" ".join(render_to_string("emails/notices-subject.txt", context).split()),
                body=render_to_string("emails/notices-body.txt", context),
                to=[recipient.email],
                headers={
                    "Message-ID": f"<notices-{delivery_key(notices)}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>",
                    "X-Tracker-Notices": ",".join(str(n.pk) for n in notices),
                },
            )
            message.attach_alternative(render_to_string("emails/notices-body.html", context), "text/html")
            message.send()
        elif channel == Channel.SMS:
            # Short, with the link: one notice leads to its page, several to the inbox.
            if len(texts) == 1:
                text = gettext("[Suggestions] %(title)s %(url)s") % {
                    "title": texts[0].title,
                    "url": site + texts[0].url,
                }
            else:
                text = gettext("[Suggestions] %(count)d notices, the latest: %(title)s %(url)s") % {
                    "count": len(texts),
                    "title": texts[-1].title,
                    "url": site + reverse("inbox"),
                }
            send_sms(recipient.phone, text, key=delivery_key(notices))
        else:
            raise ValueError(f"unknown channel {channel!r}")
