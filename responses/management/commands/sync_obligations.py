"""Rebuild the reminder ledger's obligations from the assignments, replies, commitments and
actions agreed in supervision.

Transitions keep the ledger in step; run this after importing rows by other means
(a database restore, a bulk import) so that their deadlines are watched too. It is
idempotent: rows already in step are left alone.

    python manage.py sync_obligations
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from proposals.models import Assignment
from responses.models import Commitment, Obligation, Reply, SupervisionAction


class Command(BaseCommand):
    help = (
        "Create or update the reminder obligations of every assignment, sent reply, commitment "
        "and agreed supervision action."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sources = [
            Assignment.objects.select_related("proposal__congress"),
            Reply.objects.filter(status=Reply.Status.SENT).select_related("assignment__proposal__congress"),
            Commitment.objects.select_related("reply__assignment__proposal__congress"),
            SupervisionAction.objects.select_related("proposal__congress"),
        ]
        before = Obligation.objects.count()
        count = 0
        for queryset in sources:
            for source in queryset.iterator(chunk_size=500):
                with transaction.atomic():
                    Obligation.objects.sync(source)
                count += 1
        self.stdout.write(
            f"{count} rows checked; {Obligation.objects.count() - before} obligations created; "
            f"{Obligation.objects.open().count()} open."
        )
