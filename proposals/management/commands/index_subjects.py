"""Recompute the subject terms that "related suggestions" match on.

Logging a suggestion indexes it; run this after loading rows by other means (a bulk
import, a database restore, the benchmark's loader) or after changing the term rules in
proposals/similarity.py. It is idempotent.

    python manage.py index_subjects
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from proposals.models import Proposal, SubjectTerm


class Command(BaseCommand):
    help = "Recompute the subject terms of every suggestion, for the related-suggestions card."

    def handle(self, *args: Any, **options: Any) -> None:
        count = SubjectTerm.objects.rebuild(Proposal.objects.all())
        self.stdout.write(f"{count} suggestions indexed; {SubjectTerm.objects.count()} subject terms.")
