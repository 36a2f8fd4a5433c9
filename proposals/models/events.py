"""The suggestion's event trail: who did what, when, from, to and why."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.workflow import InvalidTransition


class ProposalEvent(models.Model):
    """Append-only audit trail: who did what to a suggestion, when, from, to and why."""

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
    detail = models.TextField(_("detail"), blank=True)

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

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise InvalidTransition("Events are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

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
