"""Handover notices, as the project package sees them: hooks that an app fills at start-up.

tracker imports neither proposals nor responses, so the notices (responses/notices.py: the
table from event kind to audience, the ledger, delivery) subscribe here, as the reminder
ledger subscribes to ``tracker.workflow.watch_deadlines``:

- ``event_recorded(event)`` is called by ``ProposalEvent.record`` and
  ``SubmissionEvent.record`` (the steps of an online submission) inside the transition's
  transaction; each subscriber (``on_event``) records the notices of that event there.
- ``register_kind(code, label, roles)`` lists a kind of notice for the 提醒设置 page, where
  each person chooses email and SMS per kind; ``kinds_for(user)`` are those that can reach
  them.
- ``prepare_inbox(notifications)`` lets the subscriber render its inbox items at read time
  in the reader's language (``on_inbox``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from tracker.deadlines import is_working_day

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from tracker.models import Notification, User

__all__ = [
    "NoticeKind",
    "event_recorded",
    "kinds_for",
    "next_send_time",
    "on_event",
    "on_inbox",
    "prepare_inbox",
    "register_kind",
]


def next_send_time(now: datetime) -> datetime:
    """Email and SMS wait for working hours on a working day (quiet hours, design.md §5);
    the in-app inbox is always current."""
    hours = settings.REMINDER_SEND_HOURS
    if hours is None:
        return now
    start, end = hours
    local = timezone.localtime(now)
    day = local.date()
    if is_working_day(day) and start <= local.hour < end:
        return now
    if not (is_working_day(day) and local.hour < start):
        day += timedelta(days=1)
        while not is_working_day(day):
            day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(start)))


# -- events ------------------------------------------------------------------------

_event_hooks: list[Callable[[Any], None]] = []


def on_event(hook: Callable[[Any], None]) -> None:
    """Subscribe to every recorded suggestion or online-submission event (responses'
    notices, at start-up)."""
    if hook not in _event_hooks:
        _event_hooks.append(hook)


def event_recorded(event: Any) -> None:
    """A ProposalEvent or SubmissionEvent was just written, inside its transition's transaction."""
    for hook in _event_hooks:
        hook(event)


# -- kinds, for the settings page -----------------------------------------------------


@dataclass(frozen=True)
class NoticeKind:
    """A kind of notice as the settings page lists it: its code (the event kind), its
    name, and the roles (tracker.models.Role values) it can reach."""

    code: str
    label: str | Promise
    roles: frozenset[str]


_kinds: dict[str, NoticeKind] = {}


def register_kind(code: str, label: str | Promise, roles: Sequence[str]) -> None:
    _kinds[code] = NoticeKind(code, label, frozenset(roles))


def kinds_for(user: User) -> list[NoticeKind]:
    """The kinds of notice that can reach ``user`` (by their roles), in table order."""
    roles = set(user.role_names)
    if user.is_superuser:
        roles.add("congress_staff")
    return [kind for kind in _kinds.values() if kind.roles & roles]


# -- the inbox -------------------------------------------------------------------------

_inbox_hooks: list[Callable[[Sequence[Notification]], None]] = []


def on_inbox(hook: Callable[[Sequence[Notification]], None]) -> None:
    if hook not in _inbox_hooks:
        _inbox_hooks.append(hook)


def prepare_inbox(notifications: Sequence[Notification]) -> None:
    """Let subscribers set ``display_title`` / ``display_body`` on the page's items,
    rendered now in the reader's language (the stored title is the fallback)."""
    for notification in notifications:
        notification.display_title = notification.title  # type: ignore[attr-defined]
        notification.display_body = notification.body  # type: ignore[attr-defined]
    for hook in _inbox_hooks:
        hook(notifications)
