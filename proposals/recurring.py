"""Recurring suggestions (年年提): the same subject raised year after year.

A suggestion's subject is matched with ``Proposal.objects.related_to`` (the subject
terms of proposals/similarity.py), so "the same subject" means here what it means on
the related-suggestions card. Two uses:

- ``earlier_years(proposal, user=…)``: at intake and on the suggestion page, the
  suggestions on its subject from earlier years, with their grades and whether their
  promises were kept;
- ``recurring_subjects(congress, year, min_years=3)``: for the annual report and the
  staff page, the subjects raised in ``year`` and in each of the years just before it,
  ``min_years`` years or more running.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from proposals.models import RELATED_LIMIT, Congress, Proposal
from proposals.related import RelatedSuggestion, described, related_suggestions

if TYPE_CHECKING:
    from tracker.models import User

# How many earlier suggestions one of this year's is compared with when looking for a
# run of years: enough for one or two a year over a congress's five-year term.
RUN_CANDIDATES = 20


def earlier_years(proposal: Proposal, *, user: User, limit: int = RELATED_LIMIT) -> list[RelatedSuggestion]:
    """The suggestions ``user`` may see on ``proposal``'s subject from sessions of
    earlier years, most related first (``proposal`` need not be saved)."""
    return related_suggestions(proposal, user=user, limit=limit, before_year=proposal.session.year)


@dataclass
class RecurringSubject:
    """A subject raised ``len(years)`` years running up to the report's year."""

    # This year's suggestions on the subject (the first names it).
    current: list[Proposal]
    # The years of the run, earliest first, ending with the report's year.
    years: list[int]
    # The earlier years' suggestions in the run, with grades and promises kept, earliest first.
    earlier: list[RelatedSuggestion] = field(default_factory=list)

    @property
    def proposal(self) -> Proposal:
        return self.current[0]

    @property
    def run(self) -> int:
        return len(self.years)


def recurring_subjects(congress: Congress, year: int, min_years: int = 3) -> list[RecurringSubject]:
    """The subjects raised in ``year`` and in each of the ``min_years - 1`` years before
    it (or more), for ``congress``; the longest runs first.

    Each of the year's suggestions is compared with the earlier ones (three queries
    each, Proposal.objects.related_to); a suggestion whose earlier run shares a
    suggestion with one already listed joins that subject rather than listing it twice.
    """
    min_years = max(min_years, 2)
    this_year = list(
        Proposal.objects.filter(congress=congress, session__year=year)
        .select_related("session")
        .order_by("number")
    )
    pool = Proposal.objects.filter(congress=congress, session__year__lt=year, session__year__gte=year - 50)
    subjects: list[tuple[RecurringSubject, set[int]]] = []
    for proposal in this_year:
        related = list(pool.related_to(proposal, limit=RUN_CANDIDATES).select_related("session"))
        by_year: dict[int, list[Proposal]] = {}
        for other in related:
            by_year.setdefault(other.session.year, []).append(other)
        run = 1
        while year - run in by_year:
            run += 1
        if run < min_years:
            continue
        chain = [p for y in range(year - run + 1, year) for p in by_year[y]]
        pks = {p.pk for p in chain}
        joined = next((subject for subject, seen in subjects if seen & pks), None)
        if joined is not None:
            joined.current.append(proposal)
            continue
        subjects.append((RecurringSubject([proposal], list(range(year - run + 1, year + 1))), pks))
    # The grades and promises of every earlier suggestion listed, at once.
    every = {pk for _subject, pks in subjects for pk in pks}
    rows = {row.proposal.pk: row for row in described(Proposal.objects.filter(pk__in=every))}
    for subject, pks in subjects:
        subject.earlier = sorted(
            (rows[pk] for pk in pks if pk in rows), key=lambda r: (r.proposal.session.year, r.proposal.number)
        )
    return sorted((s for s, _pks in subjects), key=lambda s: (-s.run, s.proposal.number))
