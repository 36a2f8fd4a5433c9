"""The suggestion's event trail: who did what, when, from, to and why.

An event stores codes and values, never sentences: the kind, the from/to states, and
in ``data`` what the kind needs (a grade, a rating, dates, the rule and start date of a
deadline, which promise). proposals/timeline.py renders it in the reader's language.
Free text a person wrote (a reason, a leader's comment) is kept as written.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.appendonly import AppendOnlyModel, AppendOnlyQuerySet
from tracker.notices import event_recorded

if TYPE_CHECKING:
    from proposals.models.assignments import Assignment
    from proposals.models.proposals import Proposal
    from tracker.models import User


def _json(value: Any) -> Any:
    """Dates as ISO strings, containers walked; what the JSON field stores."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value


class ProposalEventQuerySet(AppendOnlyQuerySet["ProposalEvent"]):
    def visible_to(self, user: User) -> ProposalEventQuerySet:
        """The events of one suggestion's timeline this user may read (filter by suggestion
        first). Staff read everything. A department reads every event of its own
        assignments and the shared events of the others (not another unit's drafting,
        returns, change requests or reminders); a unit whose assignment was withdrawn
        keeps what it saw while it handled and nothing written after it left."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_congress_staff:
            return self
        if not user.is_department_user or user.department_id is None:
            return self.none()
        from proposals.models.assignments import Assignment

        own = Q(assignment__department_id=user.department_id)
        shared = ~Q(kind__in=ProposalEvent.INTERNAL_KINDS)
        mine = Assignment.objects.filter(
            proposal_id=OuterRef("proposal_id"), department_id=user.department_id
        )
        current = Exists(mine.exclude(status=Assignment.Status.WITHDRAWN))
        # When the unit's every assignment here was withdrawn: its last withdrawal event
        # (by id: events are appended in order, and several can share a timestamp).
        left_at = (
            ProposalEvent.objects.filter(
                proposal_id=OuterRef("proposal_id"),
                kind=ProposalEvent.Kind.WITHDRAWN,
                assignment__department_id=user.department_id,
            )
            .order_by()
            .values("proposal_id")
            .annotate(last=Max("pk"))
            .values("last")
        )
        return self.filter(own | shared).filter(Q(current) | Q(pk__lte=models.Subquery(left_at)))


class ProposalEvent(AppendOnlyModel):
    """Append-only audit trail: who did what to a suggestion, when, from, to and why.
    Neither its rows nor its QuerySet can be changed or deleted (tracker.appendonly); on
    PostgreSQL a trigger refuses UPDATE and DELETE too."""

    class Kind(models.TextChoices):
        LOGGED = "logged", _("logged")
        EDITED = "edited", _("details edited")
        STATUS = "status", _("status changed")
        ASSIGNED = "assigned", _("assigned")
        ACCEPTED = "accepted", _("signed for")
        CHANGE_REQUESTED = "change_requested", _("change requested")
        CHANGE_REFUSED = "change_refused", _("change request refused")
        WITHDRAWN = "withdrawn", _("assignment withdrawn")
        EXTENDED = "extended", _("deadline extended")
        CONTACT = "contact", _("contact with deputies")
        OPINION = "opinion", _("co-handling opinion sent")
        DRAFTED = "drafted", _("reply drafted")
        SUBMITTED = "submitted", _("reply submitted for approval")
        RETURNED = "returned", _("reply returned")
        SENT = "sent", _("reply approved and sent")
        REGRADED = "regraded", _("grade changed")
        FEEDBACK = "feedback", _("deputy feedback")
        REHANDLING = "rehandling", _("re-handling ordered")
        REHANDLING_DECLINED = "rehandling_declined", _("re-handling declined")
        FEEDBACK_LAPSED = "feedback_lapsed", _("feedback window passed without a rating")
        REMINDED = "reminded", _("reminder sent by staff")
        PROGRESS_REPORTED = "progress_reported", _("commitment progress reported")
        COMMITMENT_CLAIMED = "commitment_claimed", _("commitment reported fulfilled")
        COMMITMENT_CONFIRMED = "commitment_confirmed", _("commitment confirmed fulfilled")
        COMMITMENT_REJECTED = "commitment_rejected", _("commitment fulfilment rejected")
        COMMITMENT_NOT_FULFILLED = "commitment_not_fulfilled", _("commitment closed, not fulfilled")
        DEADLINE_RECOMPUTED = "deadline_recomputed", _("deadline recomputed")
        CONSULTATION_SENT = "consultation_sent", _("draft reply sent to the lead deputy for comment")
        CONSULTATION_ANSWERED = "consultation_answered", _("lead deputy answered on the draft reply")
        PUBLICATION_PROPOSED = "publication_proposed", _("publication proposed")
        PUBLISHED = "published", _("reply published")
        WITHHELD = "withheld", _("reply withheld from publication")
        PUBLICATION_REOPENED = "publication_reopened", _("publication decision reopened")
        PROPOSAL_WITHDRAWN = "proposal_withdrawn", _("suggestion withdrawn")

    # A unit's own handling, read by staff and that unit only (ProposalEventQuerySet.visible_to).
    INTERNAL_KINDS = (
        Kind.DRAFTED,
        Kind.SUBMITTED,
        Kind.RETURNED,
        Kind.CHANGE_REQUESTED,
        Kind.CHANGE_REFUSED,
        Kind.REMINDED,
        Kind.CONSULTATION_SENT,
        Kind.CONSULTATION_ANSWERED,
        Kind.PUBLICATION_PROPOSED,
    )

    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.PROTECT, related_name="events")
    assignment = models.ForeignKey(
        "proposals.Assignment", on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    department = models.ForeignKey(
        "proposals.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # Written by releases before events carried data, in the language of whoever acted.
    # Migration 0013_event_data read what it could back into data and emptied it; what
    # is left could not be read and is shown as it is. New events leave it empty.
    detail = models.TextField(_("detail"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = ProposalEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["created_at", "pk"]
        indexes = [
            # The timeline on the detail page.
            models.Index(fields=["proposal", "created_at"], name="event_timeline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    @classmethod
    def record(
        cls,
        kind: str,
        *,
        proposal: Proposal | None = None,
        assignment: Assignment | None = None,
        department_id: int | None = None,
        by: User | None,
        from_status: str = "",
        to_status: str = "",
        reason: str = "",
        **data: Any,
    ) -> ProposalEvent:
        """Append one event; ``data`` holds the kind's values (codes, dates, ids), not text.
        The notices its kind calls for are recorded with it (tracker.notices)."""
        if assignment is not None:
            proposal_id = assignment.proposal_id
            department_id = department_id or assignment.department_id
        else:
            assert proposal is not None
            proposal_id = proposal.pk
        event = cls.objects.create(
            proposal_id=proposal_id,
            assignment=assignment,
            department_id=department_id,
            kind=kind,
            actor=by,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            data=_json(data),
        )
        # The handover notices of this kind (responses/notices.py) are recorded here, in
        # the transition's transaction: they exist exactly when the event does.
        event_recorded(event)
        return event

    def _status_label(self, value: str) -> str:
        from proposals.models import Assignment, Proposal

        for choices in (Proposal.Status, Assignment.Status):
            if value in choices.values:
                return str(choices(value).label)
        return value

    @property
    def from_label(self) -> str:
        return self._status_label(self.from_status)

    @property
    def to_label(self) -> str:
        return self._status_label(self.to_status)
