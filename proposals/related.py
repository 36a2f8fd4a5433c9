"""The "related suggestions" card: earlier suggestions on the same subject, with how they
were answered (grades) and whether the promises made in the answers were kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from proposals.models import RELATED_LIMIT, Proposal
from responses.models import Commitment, Reply

if TYPE_CHECKING:
    from tracker.models import User


@dataclass
class RelatedSuggestion:
    """One row of the card."""

    proposal: Proposal
    # Commitments of its sent replies: all of them, fulfilled, and closed as not fulfilled.
    commitments: int
    commitments_kept: int
    commitments_not_kept: int
    # The grade of each responsible unit's latest sent reply.
    grades: list[str] = field(default_factory=list)

    @property
    def commitments_open(self) -> int:
        return self.commitments - self.commitments_kept - self.commitments_not_kept


def _commitment_count(**status: str) -> Coalesce:
    """Commitments of a suggestion's sent replies (removed ones excluded by the manager)."""
    per_proposal = (
        Commitment.objects.filter(
            reply__assignment__proposal=OuterRef("pk"), reply__status=Reply.Status.SENT, **status
        )
        .order_by()
        .values("reply__assignment__proposal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(per_proposal, output_field=IntegerField()), 0)


def related_suggestions(
    proposal: Proposal, *, user: User, limit: int = RELATED_LIMIT, before_year: int | None = None
) -> list[RelatedSuggestion]:
    """Up to ``limit`` suggestions the user may see on the same subject as ``proposal``, most
    related first, each with the grades of its sent replies and its commitments kept.

    Five queries however many are found (three when none is): the number of suggestions,
    the document frequencies of the terms, the ranking, the suggestions found with their
    commitment counts, and the grades. ``before_year``: only suggestions of sessions
    before that year (the earlier years of a recurring subject, 年年提).
    """
    candidates = Proposal.objects.visible_to(user)
    if before_year is not None:
        candidates = candidates.filter(session__year__lt=before_year)
    return described(candidates.related_to(proposal, limit=limit))


def described(proposals: QuerySet[Proposal]) -> list[RelatedSuggestion]:
    """Each suggestion with the grades of its sent replies and its commitments kept, in
    the queryset's order (two queries)."""
    ranked = proposals.select_related("session").annotate(
        n_commitments=_commitment_count(),
        n_kept=_commitment_count(status=Commitment.Status.FULFILLED),
        n_not_kept=_commitment_count(status=Commitment.Status.NOT_FULFILLED),
    )
    rows = {
        p.pk: RelatedSuggestion(p, p.n_commitments, p.n_kept, p.n_not_kept)  # type: ignore[attr-defined]
        for p in ranked
    }
    # The grade each responsible unit's latest sent reply carries (a re-handled
    # suggestion's second round replaces the first), in the order they were sent.
    latest: dict[int, tuple[int, int, str]] = {}
    replies = (
        Reply.objects.sent()
        .filter(assignment__proposal__in=list(rows))
        .order_by("sent_on", "pk")
        .values_list("assignment__proposal_id", "assignment_id", "round", "grade")
    )
    for proposal_id, assignment_id, round_, grade in replies:
        if assignment_id not in latest or latest[assignment_id][1] <= round_:
            latest[assignment_id] = (proposal_id, round_, grade)
    for proposal_id, _round, grade in latest.values():
        rows[proposal_id].grades.append(grade)
    return list(rows.values())
