"""The dashboard's figures of a large scope, served from a snapshot (issue 15).

At a million suggestions ``statistics.summary`` + ``monthly_trend`` take seconds for a
year (bench/README.md, "Statistics at a million"), more than a web request may spend
(DB_STATEMENT_TIMEOUT_MS). So when a scope holds more than STATISTICS_SNAPSHOT_ABOVE
suggestions the dashboard shows the figures of its latest ``StatisticsSnapshot``,
labelled "figures as of …", and a worker computes them:

- ``refresh(key)`` stores the output of the SAME ``statistics.summary`` and
  ``statistics.monthly_trend`` the live page calls, so a figure cannot be defined twice;
- a page that finds no snapshot, or one older than STATISTICS_SNAPSHOT_STALE seconds
  (or computed on an earlier day: "overdue" depends on the date), queues a refresh
  through the outbox (nothing waits on the broker) and shows what there is;
- the periodic task refreshes every scope someone opened in the last
  STATISTICS_SNAPSHOT_KEEP_DAYS days, so the scopes people look at stay current.

Below the threshold (the demo, the tests, a small congress) the page is always live.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from proposals import statistics
from proposals.models import Department, Proposal, Session, StatisticsSnapshot
from proposals.statistics import Figures, MonthPoint, Scope
from tracker import outbox

REFRESH_TASK = "proposals.tasks.refresh_statistics_snapshot"


@dataclass(frozen=True)
class Served:
    """What the dashboard shows for a large scope: the snapshot's figures, or nothing yet."""

    computed_at: datetime.datetime | None
    figures: Figures | None = None
    table: list[Figures] | None = None
    trend: list[MonthPoint] | None = None

    @property
    def pending(self) -> bool:
        return self.figures is None


def scope_key(scope: Scope) -> str:
    return (
        f"year={scope.year or ''};session={scope.session.pk if scope.session else ''};"
        f"department={scope.department.pk if scope.department else ''}"
    )


def scope_from_key(key: str) -> Scope:
    parts = dict(part.split("=", 1) for part in key.split(";"))
    return Scope(
        year=int(parts["year"]) if parts["year"] else None,
        session=Session.objects.get(pk=parts["session"]) if parts["session"] else None,
        department=Department.objects.get(pk=parts["department"]) if parts["department"] else None,
    )


def scope_size(scope: Scope) -> int:
    """The number of suggestions the scope's figures count as received, exact up to
    STATISTICS_SNAPSHOT_ABOVE and ``STATISTICS_SNAPSHOT_ABOVE + 1`` beyond it (a capped
    count: it reads at most that many index entries). The unit does not matter: a unit's
    page computes the whole scope's table to rank it. Up to the threshold it is the very
    count ``statistics.summary`` makes for ``received``, so the live page passes it on."""
    above = settings.STATISTICS_SNAPSHOT_ABOVE
    suggestions = Proposal.objects.counted().filter(scope.proposal_filter()).order_by().values("pk")
    return suggestions[: above + 1].count()


def is_large(size: int) -> bool:
    return size > settings.STATISTICS_SNAPSHOT_ABOVE


def serve(scope: Scope, *, today: date) -> Served:
    """The snapshot's figures of a large scope, or a pending Served when none was
    computed yet. Queues a refresh when there is none or it is stale."""
    now = timezone.now()
    key = scope_key(scope)
    snapshot, created = StatisticsSnapshot.objects.get_or_create(key=key, defaults={"opened_at": now})
    if not created:
        StatisticsSnapshot.objects.filter(
            Q(opened_at__isnull=True) | Q(opened_at__lt=now - datetime.timedelta(minutes=1)), pk=snapshot.pk
        ).update(opened_at=now)
    if _is_stale(snapshot, now=now, today=today):
        request_refresh(snapshot.pk, key, now=now)
    if snapshot.computed_at is None:
        return Served(computed_at=None)
    return _load(snapshot)


def _is_stale(snapshot: StatisticsSnapshot, *, now: datetime.datetime, today: date) -> bool:
    if snapshot.computed_at is None:
        return True
    age = (now - snapshot.computed_at).total_seconds()
    return age > settings.STATISTICS_SNAPSHOT_STALE or snapshot.data.get("today") != today.isoformat()


def request_refresh(pk: int, key: str, *, now: datetime.datetime) -> bool:
    """Queue one refresh (a guarded write: a page seen by many queues it once per
    STATISTICS_SNAPSHOT_STALE seconds). True when this call queued it."""
    again = now - datetime.timedelta(seconds=settings.STATISTICS_SNAPSHOT_STALE)
    with transaction.atomic():
        claimed = StatisticsSnapshot.objects.filter(
            Q(requested_at__isnull=True) | Q(requested_at__lt=again), pk=pk
        ).update(requested_at=now)
        if claimed:
            outbox.enqueue(REFRESH_TASK, key)
    return bool(claimed)


def refresh(key: str, *, today: date | None = None) -> StatisticsSnapshot:
    """Compute the scope's figures with the live functions and store them."""
    scope = scope_from_key(key)
    today = today or timezone.localdate()
    total, table = statistics.summary(scope, today=today)
    trend = statistics.monthly_trend(scope)
    data = {
        "today": today.isoformat(),
        "figures": _dump(total),
        "table": [_dump(row) for row in table],
        "trend": [[point.month.isoformat(), point.assigned, point.replied, point.on_time] for point in trend],
    }
    snapshot, _created = StatisticsSnapshot.objects.update_or_create(
        key=key, defaults={"data": data, "computed_at": timezone.now()}
    )
    return snapshot


def refresh_opened(*, now: datetime.datetime | None = None) -> int:
    """Refresh every scope opened in the last STATISTICS_SNAPSHOT_KEEP_DAYS days whose
    figures are older than half of STATISTICS_SNAPSHOT_STALE (the periodic task)."""
    now = now or timezone.now()
    keys = StatisticsSnapshot.objects.filter(
        Q(computed_at__isnull=True)
        | Q(computed_at__lt=now - datetime.timedelta(seconds=settings.STATISTICS_SNAPSHOT_STALE / 2)),
        opened_at__gte=now - datetime.timedelta(days=settings.STATISTICS_SNAPSHOT_KEEP_DAYS),
    ).values_list("key", flat=True)
    count = 0
    for key in list(keys):
        refresh(key)
        count += 1
    return count


_FIELDS = [f.name for f in fields(Figures) if f.name != "department"]


def _dump(figures_: Figures) -> dict[str, Any]:
    data = {name: getattr(figures_, name) for name in _FIELDS}
    data["department"] = figures_.department.pk if figures_.department is not None else None
    return data


def _load(snapshot: StatisticsSnapshot) -> Served:
    data = snapshot.data
    ids = {row["department"] for row in [data["figures"], *data["table"]] if row["department"] is not None}
    departments = Department.objects.in_bulk(list(ids))

    def figures_(row: dict[str, Any]) -> Figures:
        values = dict(row)
        department = values.pop("department")
        return Figures(department=departments.get(department) if department is not None else None, **values)

    return Served(
        computed_at=snapshot.computed_at,
        figures=figures_(data["figures"]),
        table=[figures_(row) for row in data["table"]],
        trend=[
            MonthPoint(month=date.fromisoformat(month), assigned=a, replied=r, on_time=o)
            for month, a, r, o in data["trend"]
        ],
    )
