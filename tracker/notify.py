"""Render and deliver reminders on each channel: inbox, email digest, SMS digest.

Called by ``responses.reminders.delivery.deliver`` inside the transaction that marks the
reminders sent. Messages are written in the site's language (Chinese by default),
whatever language the worker happens to run in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext

from tracker.models import Channel, Notification
from tracker.sms import send_sms

if TYPE_CHECKING:
    from responses.models import Reminder
    from tracker.models import User


# A promise named in a reminder: its text cut to this many characters.
PROMISE_CHARS = 30


@dataclass(frozen=True)
class Item:
    """One reminder as the recipient reads it."""

    number: str
    title: str
    what: str
    department: str
    due_on: date
    days_left: int
    when: str
    url: str
    on_behalf_of: str


def describe(reminder: Reminder, today: date) -> Item:
    obligation = reminder.obligation
    proposal = obligation.proposal
    days = (reminder.due_on - today).days
    if days > 0:
        when = ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}
    elif days == 0:
        when = gettext("due today")
    else:
        when = ngettext("%(n)d day overdue", "%(n)d days overdue", -days) % {"n": -days}
    what = str(obligation.get_kind_display())
    commitment = getattr(obligation, "commitment", None)
    if commitment is not None:
        # Several promises of one reply fall due together: say which one this is.
        what = gettext("%(what)s: %(promise)s") % {
            "what": what,
            "promise": Truncator(commitment.description).chars(PROMISE_CHARS),
        }
    return Item(
        number=proposal.number,
        title=proposal.title,
        what=what,
        department=str(obligation.department or ""),
        due_on=reminder.due_on,
        days_left=days,
        when=when,
        url=settings.SITE_URL.rstrip("/") + obligation.get_absolute_url(),
        on_behalf_of=str(reminder.on_behalf_of or ""),
    )


def delivery_key(reminders: list[Reminder]) -> str:
    """A stable idempotency key for one digest: the same reminders give the same key."""
    ids = ",".join(str(r.pk) for r in sorted(reminders, key=lambda r: r.pk))
    return hashlib.sha256(ids.encode()).hexdigest()[:32]


def send_reminders(recipient: User, channel: str, reminders: list[Reminder]) -> None:
    """Deliver reminders to one person on one channel; raises if the channel fails."""
    today = timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        items = [describe(r, today) for r in reminders]
        if channel == Channel.INBOX:
            _to_inbox(recipient, reminders, items)
        elif channel == Channel.EMAIL:
            _by_email(recipient, reminders, items)
        elif channel == Channel.SMS:
            _by_sms(recipient, reminders, items)
        else:
            raise ValueError(f"unknown channel {channel!r}")


def _to_inbox(recipient: User, reminders: list[Reminder], items: list[Item]) -> None:
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=recipient,
                title=f"{item.number} {item.what}：{item.when}"[:200],
                body=gettext("%(title)s — due %(due)s%(department)s")
                % {
                    "title": item.title,
                    "due": item.due_on.isoformat(),
                    "department": f"（{item.department}）" if item.department else "",
                },
                url=item.url.removeprefix(settings.SITE_URL.rstrip("/")),
            )
            for item in items
        ]
    )
    for reminder, notification in zip(reminders, notifications, strict=True):
        reminder.notification = notification
    type(reminders[0]).objects.bulk_update(reminders, ["notification"])


def _context(recipient: User, items: list[Item]) -> dict[str, Any]:
    overdue = sum(1 for i in items if i.days_left < 0)
    return {
        "recipient": recipient,
        "items": items,
        "count": len(items),
        "overdue": overdue,
        "site_url": settings.SITE_URL.rstrip("/"),
        "inbox_url": settings.SITE_URL.rstrip("/") + "/inbox/",
    }


def _by_email(recipient: User, reminders: list[Reminder], items: list[Item]) -> None:
    context = _context(recipient, items)
    subject = " ".join(render_to_string("emails/reminders-subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/reminders-body.txt", context),
        to=[recipient.email],
        headers={
            "Message-ID": f"<reminders-{delivery_key(reminders)}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>",
            "X-Tracker-Reminders": ",".join(str(r.pk) for r in reminders),
        },
    )
    message.attach_alternative(render_to_string("emails/reminders-body.html", context), "text/html")
    message.send()


def _by_sms(recipient: User, reminders: list[Reminder], items: list[Item]) -> None:
    first = min(items, key=lambda i: i.days_left)
    if len(items) == 1:
        text = gettext("[Suggestions] No. %(number)s %(what)s: due %(due)s, %(when)s. %(url)s") % {
            "number": first.number,
            "what": first.what,
            "due": first.due_on.isoformat(),
            "when": first.when,
            "url": first.url,
        }
    else:
        text = gettext(
            "[Suggestions] %(count)d deadlines need you; most urgent No. %(number)s %(what)s, %(when)s. "
            "Details: %(url)s"
        ) % {
            "count": len(items),
            "number": first.number,
            "what": first.what,
            "when": first.when,
            "url": settings.SITE_URL.rstrip("/") + "/inbox/",
        }
    send_sms(recipient.phone, text, key=delivery_key(reminders))
