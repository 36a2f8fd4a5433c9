"""Subject terms of each suggestion, for Proposal.objects.related_to()."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import connections, models, transaction
from django.utils.translation import gettext_lazy as _

from proposals.similarity import subject_terms

if TYPE_CHECKING:
    from proposals.models.proposals import Proposal


class SubjectTermQuerySet(models.QuerySet["SubjectTerm"]):
    def document_frequencies(self, terms: Iterable[str], *, excluding: Proposal, cap: int) -> dict[str, int]:
        """How many suggestions other than ``excluding`` have each term, counted up to
        ``cap``. Terms none has are left out: they cannot match, so they must not raise
        related_to()'s bar either."""
        terms = list(terms)
        if not terms:
            return {}
        # One row, a capped count per term. The ORM counts whole groups; a common term
        # (建设) has tens of thousands of postings, and only whether it passes the cap
        # matters. Each count is an index-only scan of subjectterm_lookup_idx that stops
        # at the cap.
        table = self.model._meta.db_table
        other = "" if excluding.pk is None else " AND proposal_id <> %s"
        count = f"(SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE term = %s{other} LIMIT %s) AS p{{}})"
        sql = "SELECT " + ", ".join(count.format(i) for i in range(len(terms)))
        params: list[str | int] = []
        for term in terms:
            params += [term, excluding.pk, cap] if other else [term, cap]
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            counts = cursor.fetchone()
        return {term: n for term, n in zip(terms, counts, strict=True) if n}

    def rebuild(self, proposals: models.QuerySet[Proposal], *, batch_size: int = 1000) -> int:
        """Recompute the terms of many suggestions (after an import or a change of the
        term rules); returns how many suggestions were indexed."""
        done = 0
        queryset = proposals.order_by("pk").only("pk", "title", "body")
        last = 0
        while batch := list(queryset.filter(pk__gt=last)[:batch_size]):
            with transaction.atomic():
                self.filter(proposal__in=[p.pk for p in batch]).delete()
                self.bulk_create(
                    [
                        SubjectTerm(proposal_id=p.pk, term=term, weight=weight)
                        for p in batch
                        for term, weight in subject_terms(p.title, p.body).items()
                    ],
                    batch_size=5000,
                )
            done += len(batch)
            last = batch[-1].pk
        return done


class SubjectTerm(models.Model):
    """One subject term of a suggestion's title or body, for Proposal.objects.related_to()."""

    # No index of its own: the unique constraint's index starts with the suggestion.
    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.CASCADE, related_name="subject_terms", db_index=False
    )
    term = models.CharField(max_length=20)
    weight = models.PositiveSmallIntegerField()

    objects = SubjectTermQuerySet.as_manager()

    class Meta:
        verbose_name = _("subject term")
        verbose_name_plural = _("subject terms")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "term"], name="proposals_subjectterm_unique_term"),
        ]
        indexes = [
            # related_to(): the document frequency of each term and the suggestions that
            # have it, read from this index alone (an index-only scan on PostgreSQL).
            models.Index(fields=["term", "proposal", "weight"], name="subjectterm_lookup_idx"),
        ]

    def __str__(self) -> str:
        return self.term
