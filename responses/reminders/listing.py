"""The staff reminders page: one row per item and stage, with its recipients listed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.text import Truncator

from responses.models import Obligation, Reminder

# A promise named on the page: its text cut to this many characters.
PROMISE_CHARS = 30


@dataclass
class Recipient:
    """One person reminded at a stage, with each channel's row."""

    reminder: Reminder  # the first of their rows: name, audience, delegate
    rows: list[Reminder] = field(default_factory=list)


@dataclass
class ReminderItem:
    """One stage of one deadline (a suggestion's, or a promise's), as staff read it."""

    obligation: Obligation
    stage_label: str
    due_on: date
    latest: datetime
    promise: str
    requested_by: Any
    recipients: list[Recipient] = field(default_factory=list)


def reminder_items(queryset: QuerySet[Reminder], groups: list[dict[str, Any]]) -> list[ReminderItem]:
    """The page's groups (obligation, version, stage) with their reminders, in one query."""
    if not groups:
        return []
    keys = [(g["obligation_id"], g["version"], g["stage"]) for g in groups]
    match = reduce(or_, (Q(obligation_id=o, version=v, stage=s) for o, v, s in keys))
    rows = (
        queryset.filter(match)
        .select_related(
            "obligation__proposal",
            "obligation__department",
            "obligation__commitment",
            "recipient",
            "on_behalf_of",
            "requested_by",
        )
        .order_by("recipient_id", "channel", "pk")
    )
    items: dict[tuple[int, int, int], ReminderItem] = {}
    latest = {(g["obligation_id"], g["version"], g["stage"]): g["latest"] for g in groups}
    for reminder in rows:
        key = (reminder.obligation_id, reminder.version, reminder.stage)
        item = items.get(key)
        if item is None:
            commitment = reminder.obligation.commitment
            item = items[key] = ReminderItem(
                obligation=reminder.obligation,
                stage_label=reminder.stage_label,
                due_on=reminder.due_on,
                latest=latest[key],
                promise=Truncator(commitment.description).chars(PROMISE_CHARS) if commitment else "",
                requested_by=reminder.requested_by,
            )
        if item.recipients and item.recipients[-1].reminder.recipient_id == reminder.recipient_id:
            item.recipients[-1].rows.append(reminder)
        else:
            item.recipients.append(Recipient(reminder=reminder, rows=[reminder]))
    return [items[key] for key in keys if key in items]
