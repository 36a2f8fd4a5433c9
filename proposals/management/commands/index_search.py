"""Rebuild the search index of suggestions and replies (PostgreSQL).

Triggers keep the index current as rows are written, however they are written; run this
after a database restore that skipped the triggers or after changing the term rules
(tracker_search_terms, proposals migration 0010). On SQLite there is no index: search
matches substrings. It is idempotent.

    python manage.py index_search
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from proposals.search import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the search index of every suggestion and reply (PostgreSQL only)."

    def handle(self, *args: Any, **options: Any) -> None:
        proposals, replies = rebuild_index()
        if not proposals and not replies:
            self.stdout.write("No search index on this database: search matches substrings.")
            return
        self.stdout.write(f"{proposals} suggestions and {replies} replies indexed for search.")
