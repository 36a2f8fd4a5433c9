"""Publishing replies on the public site (上网公开, 国办发〔2014〕46号).

Each sent reply gets one ``Publication``: the unit proposes full text, a summary (with
its text) or withholding (with a reason); congress staff decide. What is published is
the text staff confirmed after the redaction step (tracker.privacy.redact) removed
everyone's contact details and personal data but the deputy's, and what was removed
is recorded. Publication is due within a congress's ``Rule.PUBLICATION`` period of the
reply being sent (default 20 working days); the reminder ledger chases it
(responses.models.obligations). Only a published publication makes its reply public
(``Reply.objects.published()``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from proposals.models import ProposalEvent, Rule
from responses.models.replies import Reply
from tracker.privacy import Redaction, redact
from tracker.workflow import STAFF, InvalidTransition, Workflow, deadlines_changed, guarded_update, unit
from tracker.workflow import Transition as T

if TYPE_CHECKING:
    from tracker.models import User


class PublicationQuerySet(models.QuerySet["Publication"]):
    def visible_to(self, user: User) -> PublicationQuerySet:
        """Staff see every publication; a unit its own replies'; nobody else any."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_congress_staff:
            return self
        if user.is_department_user and user.department_id is not None:
            return self.filter(reply__assignment__department_id=user.department_id)
        return self.none()

    def awaiting(self) -> PublicationQuerySet:
        return self.filter(status=Publication.Status.PROPOSED)

    def overdue(self, today: date) -> PublicationQuerySet:
        return self.awaiting().filter(due_on__lt=today)


UNIT = unit(
    "the replying department",
    lambda p: p.reply.assignment.department_id,
    lambda p: (
        gettext("Only %(department)s can do this.") % {"department": p.reply.assignment.department.name}
    ),
)


def _has_text(publication: Publication, user: User | None, today: date) -> str | None:
    """Something to publish: the reply's text, or the summary for a summary."""
    if not publication.reply.body.strip():
        return gettext("The reply has no text to publish.")
    return None


class Publication(models.Model):
    """Whether and how a sent reply is published on the public site."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("awaiting decision")
        PUBLISHED = "published", _("published")
        WITHHELD = "withheld", _("withheld")

    class Form(models.TextChoices):
        FULL = "full", pgettext_lazy("publication", "full text")
        SUMMARY = "summary", pgettext_lazy("publication", "summary")
        WITHHOLD = "withhold", _("not published (confidential)")

    reply = models.OneToOneField(
        Reply, on_delete=models.PROTECT, related_name="publication", verbose_name=_("reply")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    due_on = models.DateField(_("publication due on"))
    # The unit's proposal.
    proposed_form = models.CharField(_("proposed form"), max_length=10, choices=Form.choices)
    proposed_summary = models.TextField(_("proposed summary"), blank=True)
    proposed_reason = models.TextField(_("reason proposed for not publishing"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    # Staff's decision.
    form = models.CharField(_("published as"), max_length=10, choices=Form.choices, blank=True)
    text = models.TextField(_("published text"), blank=True)
    # What the redaction step removed from the text staff started from: [{kind, text}].
    removed = models.JSONField(_("removed before publishing"), default=list, blank=True)
    withheld_reason = models.TextField(_("reason withheld"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "published", "withheld"]),
                name="responses_publication_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(proposed_form__in=["full", "summary", "withhold"]),
                name="responses_publication_proposed_form_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="published")
                | (Q(form__in=["full", "summary"]) & ~Q(text="") & Q(published_on__isnull=False)),
                name="responses_publication_published_has_text",
            ),
            models.CheckConstraint(
                condition=~Q(status="withheld") | ~Q(withheld_reason=""),
                name="responses_publication_withheld_has_reason",
            ),
        ]
        indexes = [
            # The staff queue and the publication rate: by state, soonest due first.
            models.Index(fields=["status", "due_on"], name="publication_status_due_idx"),
        ]

    def __str__(self) -> str:
        return gettext("Publication of %(reply)s") % {"reply": self.reply}

    def get_absolute_url(self) -> str:
        return reverse("responses:publication_detail", args=[self.pk])

    @property
    def is_late(self) -> bool:
        return self.status == self.Status.PROPOSED and self.due_on < timezone.localdate()

    def public_copy(self) -> Reply:
        """The reply as the public reads it: the text staff published (personal data
        removed, or the summary) in place of the letter's, and no contact person.
        Never saved."""
        reply = self.reply
        reply.body = self.text
        reply.contact_name = reply.contact_phone = ""
        return reply

    def deputy_names(self) -> list[str]:
        """The names redaction keeps: the suggestion's deputies (the letter is addressed to them)."""
        proposal = self.reply.assignment.proposal
        return [proposal.lead_deputy.name, *proposal.co_signers.values_list("name", flat=True)]

    def redaction(self, form: str | None = None) -> Redaction:
        """The text a form would publish with the personal data found in it removed."""
        form = form or (self.proposed_form if self.proposed_form != self.Form.WITHHOLD else self.Form.FULL)
        source = self.proposed_summary if form == self.Form.SUMMARY else self.reply.body
        return redact(source, names=[self.reply.contact_name], keep=self.deputy_names())

    # -- the workflow ---------------------------------------------------------

    workflow = Workflow(
        (
            T(
                "propose",
                frozenset({Status.PROPOSED}),
                None,
                (UNIT,),
                refused=lambda p: gettext("Staff have already decided on this reply's publication."),
            ),
            T("publish", frozenset({Status.PROPOSED}), Status.PUBLISHED, (STAFF,), guards=(_has_text,)),
            T("withhold", frozenset({Status.PROPOSED, Status.PUBLISHED}), Status.WITHHELD, (STAFF,)),
            T("reconsider", frozenset({Status.WITHHELD}), Status.PROPOSED, (STAFF,)),
        ),
        not_now=lambda p: (
            gettext("This reply's publication is %(status)s.") % {"status": p.get_status_display()}
        ),
    )

    def actions(self, user: User, *, today: date | None = None) -> frozenset[str]:
        """What ``user`` may do with this publication now (propose, publish, withhold, reconsider)."""
        return self.workflow.allowed(self, user, today=today)

    # -- transitions ----------------------------------------------------------

    @classmethod
    def open_for(cls, reply: Reply, *, by: User | None) -> Publication:
        """The reply was sent: its publication is due; the unit's draft choice
        (Reply.publicity) is its first proposal. Call inside the sending transaction."""
        congress = reply.assignment.proposal.congress
        assert reply.sent_on is not None
        public = reply.publicity == Reply.Publicity.PUBLIC
        return cls.objects.create(
            reply=reply,
            due_on=congress.deadline(Rule.PUBLICATION, reply.sent_on).due_on,
            proposed_form=cls.Form.FULL if public else cls.Form.WITHHOLD,
            proposed_reason="" if public else reply.publicity_reason,
            proposed_by=by,
        )

    def _transit(
        self, name: str, *, by: User, kind: str, reason: str = "", fields: dict[str, Any], **data: Any
    ) -> None:
        transition = self.workflow.check(self, name, by)
        old = self.status
        with transaction.atomic():
            self.reply.assignment._lock_proposal()
            guarded_update(self, transition, expected=old, fields=fields)
            ProposalEvent.record(
                kind,
                assignment=self.reply.assignment,
                by=by,
                from_status=old,
                to_status=self.status,
                reason=reason,
                reply=self.reply_id,
                **data,
            )
            deadlines_changed(self.reply)

    def propose(self, form: str, *, by: User, summary: str = "", reason: str = "") -> None:
        """The unit proposes how its reply is published (full text, summary, or not at all)."""
        if form not in self.Form.values:
            raise InvalidTransition(gettext("Choose how the reply is to be published."))
        if form == self.Form.SUMMARY and not summary.strip():
            raise InvalidTransition(gettext("Write the summary to be published."))
        if form == self.Form.WITHHOLD and not reason.strip():
            raise InvalidTransition(gettext("Say why the reply should not be published."))
        self._transit(
            "propose",
            by=by,
            kind=ProposalEvent.Kind.PUBLICATION_PROPOSED,
            reason=reason if form == self.Form.WITHHOLD else "",
            fields={
                "proposed_form": form,
                "proposed_summary": summary.strip() if form == self.Form.SUMMARY else "",
                "proposed_reason": reason.strip() if form == self.Form.WITHHOLD else "",
                "proposed_by": by,
                "proposed_at": timezone.now(),
            },
            form=form,
        )

    def publish(self, form: str, text: str, *, by: User, today: date | None = None) -> None:
        """Staff publish the reply as full text or summary, with the text they confirmed
        after redaction; what the redaction step removed is recorded."""
        if form not in (self.Form.FULL, self.Form.SUMMARY):
            raise InvalidTransition(gettext("A reply is published as full text or as a summary."))
        if not text.strip():
            raise InvalidTransition(gettext("The text to publish is empty."))
        redaction = self.redaction(form)
        # Personal data still in the confirmed text: staff restored it or typed it in.
        left = redact(text, names=[self.reply.contact_name], keep=self.deputy_names()).findings
        removed = [{"kind": f.kind, "text": f.text} for f in redaction.findings]
        self._transit(
            "publish",
            by=by,
            kind=ProposalEvent.Kind.PUBLISHED,
            fields={
                "form": form,
                "text": text.strip(),
                "removed": removed,
                "decided_by": by,
                "decided_at": timezone.now(),
                "published_on": today or timezone.localdate(),
                "withheld_reason": "",
            },
            form=form,
            removed=len(removed),
            edited=text.strip() != redaction.text.strip(),
            left=len(left),
        )

    def withhold(self, *, by: User, reason: str) -> None:
        """Staff keep the reply off the public site as confidential, with a reason (also
        a published reply, which is taken down)."""
        if not reason.strip():
            raise InvalidTransition(gettext("Say why the reply is withheld."))
        self._transit(
            "withhold",
            by=by,
            kind=ProposalEvent.Kind.WITHHELD,
            reason=reason.strip(),
            fields={"withheld_reason": reason.strip(), "decided_by": by, "decided_at": timezone.now()},
        )

    def reconsider(self, *, by: User, reason: str) -> None:
        """Staff reopen a withheld reply's publication (the reason for withholding passed)."""
        if not reason.strip():
            raise InvalidTransition(gettext("Say why the decision is reopened."))
        self._transit(
            "reconsider",
            by=by,
            kind=ProposalEvent.Kind.PUBLICATION_REOPENED,
            reason=reason.strip(),
            fields={"decided_by": None, "decided_at": None},
        )


def publication_rates(publications: models.QuerySet[Publication], *, today: date) -> dict[str, Any]:
    """The publication rate (上网率) of the publications given, overall and per unit, in
    two queries: replies sent, published (and of those, on time), withheld, awaiting
    and overdue. The rate counts against the replies that are to be published, so a
    reply staff withheld as confidential does not lower it."""
    from django.db.models import Count, F

    S = Publication.Status
    counts = {
        "sent": Count("pk"),
        "published": Count("pk", filter=Q(status=S.PUBLISHED)),
        "on_time": Count("pk", filter=Q(status=S.PUBLISHED, published_on__lte=F("due_on"))),
        "withheld": Count("pk", filter=Q(status=S.WITHHELD)),
        "awaiting": Count("pk", filter=Q(status=S.PROPOSED)),
        "overdue": Count("pk", filter=Q(status=S.PROPOSED, due_on__lt=today)),
    }

    def with_rates(row: dict[str, Any]) -> dict[str, Any]:
        expected = row["sent"] - row["withheld"]
        row["rate"] = round(100 * row["published"] / expected, 1) if expected else None
        row["on_time_rate"] = round(100 * row["on_time"] / expected, 1) if expected else None
        return row

    overall = with_rates(publications.order_by().aggregate(**counts))
    units = [
        with_rates(row)
        for row in publications.order_by()
        .values(
            department_id=F("reply__assignment__department"),
            department=F("reply__assignment__department__name"),
        )
        .annotate(**counts)
        .order_by("department")
    ]
    return {"overall": overall, "units": units}
