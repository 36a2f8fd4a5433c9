"""The dated duties the reminder scan watches (design.md §5), kept in step with their rows."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proposals.models import Assignment, Department, Proposal
from responses.models.commitments import Commitment
from responses.models.publications import Publication
from responses.models.reminders import Claim, Reminder
from responses.models.replies import Reply
from responses.models.supervision import SupervisionAction
from tracker.stages import ReminderStages

if TYPE_CHECKING:
    from responses.reminders.audience import Audience


# ---------------------------------------------------------------------------
# Reminders (design.md §5)
# ---------------------------------------------------------------------------

Source = Assignment | Reply | Commitment | SupervisionAction


def obligation_dues(source: Source) -> dict[str, date | None]:
    """What each obligation of a row should be: its due date while open, None once settled.

    The one place that says when a dated duty exists. ``Obligation.objects.sync`` stores
    it and the deliverer re-reads it just before sending, so a reminder for a duty that
    was done a minute ago is skipped rather than sent.
    """
    K = Obligation.Kind
    if isinstance(source, Assignment):
        a, S = source, Assignment.Status
        open_ = a.status in Assignment.OPEN_STATUSES
        responsible = a.role in (Assignment.Role.LEAD, Assignment.Role.SEPARATE)
        return {
            K.CHANGE_WINDOW: a.respond_by if a.status == S.PENDING else None,
            K.CO_OPINION: a.due_on if a.role == Assignment.Role.CO and open_ else None,
            K.REPLY: a.due_on if responsible and open_ and a.round == 1 else None,
            K.REHANDLING: a.due_on if responsible and open_ and a.round > 1 else None,
        }
    if isinstance(source, Reply):
        r = source
        waiting = (
            r.status == Reply.Status.SENT
            and r.feedback_due_on is not None
            and r.feedback_lapsed_on is None
            and r.round == r.assignment.round
            and r.assignment.proposal.status == Proposal.Status.REPLIED
            and not r.feedback.exists()
        )
        publication = getattr(r, "publication", None) if r.status == Reply.Status.SENT else None
        awaiting = publication is not None and publication.status == Publication.Status.PROPOSED
        return {
            K.FEEDBACK: r.feedback_due_on if waiting else None,
            K.PUBLICATION: publication.due_on if awaiting and publication else None,
        }
    if isinstance(source, SupervisionAction):
        return {
            K.SUPERVISION_ACTION: source.due_on if source.status == SupervisionAction.Status.OPEN else None
        }
    c = source
    open_ = c.status == Commitment.Status.OPEN and c.reply.status == Reply.Status.SENT
    # Progress reports are asked for until the promise itself falls due; from then on the
    # commitment's own (escalating) reminders do the chasing.
    reporting = open_ and c.report_due_on and c.report_due_on < c.due_on and timezone.localdate() <= c.due_on
    report = c.report_due_on if reporting else None
    return {K.COMMITMENT: c.due_on if open_ else None, K.PROGRESS_REPORT: report}


class ObligationQuerySet(models.QuerySet["Obligation"]):
    def open(self) -> ObligationQuerySet:
        return self.filter(is_open=True)

    def due(self, today: date) -> ObligationQuerySet:
        """Open obligations whose next reminder stage has arrived (the scan's filter)."""
        return self.filter(is_open=True, next_remind_on__lte=today)

    def main_for(self, assignment: Assignment) -> Obligation | None:
        """The open obligation staff mean by "remind this assignment": the reply or opinion,
        else the sign-for window."""
        order = [Obligation.Kind.REPLY, Obligation.Kind.REHANDLING, Obligation.Kind.CO_OPINION]
        found = {
            o.kind: o for o in self.filter(assignment=assignment, is_open=True).select_related("proposal")
        }
        for kind in [*order, Obligation.Kind.CHANGE_WINDOW]:
            if kind in found:
                return found[kind]
        return None

    def save_stages(self, claimed: Iterable[Obligation]) -> None:
        """Store the stage pointers of claimed rows: on PostgreSQL one UPDATE from arrays,
        elsewhere one UPDATE per distinct new state.

        bulk_update's CASE per row and field was half the scan's Python time
        (bench/bench_reminder_scan.py: 10.9 s → 6.5 s for 10,000 due).
        """
        claimed = list(claimed)
        if not claimed:
            return
        if connection.vendor == "postgresql":
            # One statement for the batch: the new pointers go in as one JSON document.
            pointers = [
                [o.pk, o.last_stage, o.next_stage, o.next_remind_on and o.next_remind_on.isoformat()]
                for o in claimed
            ]
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE responses_obligation o SET last_stage = (s->>1)::smallint, "
                    "next_stage = (s->>2)::smallint, next_remind_on = (s->>3)::date "
                    "FROM json_array_elements(%s::json) AS s WHERE o.id = (s->>0)::bigint",
                    [json.dumps(pointers)],
                )
            return
        groups: dict[tuple[int | None, int | None, date | None], list[int]] = {}
        for obligation in claimed:
            key = (obligation.last_stage, obligation.next_stage, obligation.next_remind_on)
            groups.setdefault(key, []).append(obligation.pk)
        for (last_stage, next_stage, next_remind_on), pks in groups.items():
            self.filter(pk__in=pks).update(
                last_stage=last_stage, next_stage=next_stage, next_remind_on=next_remind_on
            )

    def follow(self, source: models.Model) -> None:
        """tracker.workflow.deadlines_changed: bring the ledger in line with a changed row."""
        if isinstance(source, Proposal):
            if source.status == Proposal.Status.CLOSED:
                self.sync_closed(source)
        else:
            self.sync(source)  # type: ignore[arg-type]

    def sync_closed(self, proposal: Proposal) -> None:
        """A closed suggestion awaits no more feedback; its commitments stay followed."""
        for obligation in self.filter(proposal=proposal, is_open=True, kind=Obligation.Kind.FEEDBACK):
            obligation._close()

    def sync(self, source: Source, *, today: date | None = None) -> None:
        """Bring the stored obligations of an assignment, reply or commitment in line with it.

        Called by every transition that opens, moves or settles a dated duty, inside its
        transaction. A moved due date gets a new version and is re-armed by
        ``Obligation._move_to``: a small move keeps the reminder that was due but not yet
        delivered and never replays an earlier stage; a large move starts afresh from
        the first stage. A new or reopened duty (re-handling) is armed afresh.

        The rows are locked first, so that a scan claiming a stage at the same moment
        either finishes before the move reads what was told, or passes over the row.
        """
        today = today or timezone.localdate()
        field = _source_field(source)
        # No savepoint: inside a transition a failure here must undo the whole transition.
        with transaction.atomic(savepoint=False):
            existing = {o.kind: o for o in self.filter(**{field: source}).select_for_update()}
            for kind, due in obligation_dues(source).items():
                obligation = existing.get(kind)
                if due is None:
                    if obligation is not None and obligation.is_open:
                        obligation._close()
                    continue
                if obligation is None:
                    proposal, department_id = _source_context(source)
                    obligation = Obligation(
                        kind=kind, due_on=due, proposal=proposal, department_id=department_id
                    )
                    setattr(obligation, field, source)
                    obligation._arm(today)
                    obligation.save()
                elif not obligation.is_open:
                    obligation.due_on = due
                    obligation.version += 1
                    obligation.is_open = True
                    obligation.closed_at = None
                    obligation.last_stage = None
                    obligation._arm(today)
                    obligation.save()
                elif obligation.due_on != due:
                    obligation._move_to(due, today)
                    obligation.save()


def _source_field(source: Source) -> str:
    if isinstance(source, Assignment):
        return "assignment"
    if isinstance(source, Reply):
        return "reply"
    if isinstance(source, Commitment):
        return "commitment"
    if isinstance(source, SupervisionAction):
        return "action"
    raise TypeError(f"not an obligation source: {source!r}")


def _source_context(source: Source) -> tuple[Proposal, int | None]:
    """(suggestion, responsible department id) of a source row."""
    if isinstance(source, Assignment):
        return source.proposal, source.department_id
    if isinstance(source, Reply):
        return source.assignment.proposal, source.assignment.department_id
    if isinstance(source, SupervisionAction):
        return source.proposal, source.department_id
    return source.reply.assignment.proposal, source.department_id


class Obligation(models.Model):
    """One dated duty the reminder scan watches: a reply, an opinion, a window, a promise.

    The source rows (assignment, reply, commitment) stay the truth; this row is kept in
    step by ``sync`` and remembers which reminder stage comes next, so that the scan
    reads only what is due today through a small partial index.
    """

    class Kind(models.TextChoices):
        REPLY = "reply", _("reply deadline")
        REHANDLING = "rehandling", _("re-handling deadline")
        CO_OPINION = "co_opinion", _("co-handling opinion deadline")
        CHANGE_WINDOW = "change_window", _("sign for or dispute the assignment")
        FEEDBACK = "feedback", _("deputy feedback window")
        COMMITMENT = "commitment", _("commitment due")
        PROGRESS_REPORT = "progress_report", _("commitment progress report")
        SUPERVISION_ACTION = "supervision_action", _("action agreed in supervision")
        PUBLICATION = "publication", _("reply publication")

    kind = models.CharField(_("obligation"), max_length=20, choices=Kind.choices)
    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="obligations", verbose_name=_("suggestion")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="obligations",
        verbose_name=_("department"),
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, null=True, blank=True, related_name="obligations"
    )
    reply = models.ForeignKey(
        Reply, on_delete=models.PROTECT, null=True, blank=True, related_name="obligations"
    )
    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, null=True, blank=True, related_name="obligations"
    )
    # An action agreed at a supervision activity (重点督办); its suggestion is the one it concerns.
    action = models.ForeignKey(
        SupervisionAction, on_delete=models.PROTECT, null=True, blank=True, related_name="obligations"
    )
    due_on = models.DateField(_("due on"))
    version = models.PositiveIntegerField(_("deadline version"), default=1)
    is_open = models.BooleanField(_("open"), default=True)
    # Stages are day offsets from due_on (see tracker.stages); the scan reads next_remind_on.
    last_stage = models.SmallIntegerField(null=True, blank=True)
    next_stage = models.SmallIntegerField(null=True, blank=True)
    next_remind_on = models.DateField(_("next reminder on"), null=True, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ObligationQuerySet.as_manager()

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "assignment"],
                condition=Q(assignment__isnull=False),
                name="responses_obligation_one_per_assignment",
            ),
            models.UniqueConstraint(
                fields=["kind", "reply"],
                condition=Q(reply__isnull=False),
                name="responses_obligation_one_per_reply",
            ),
            models.UniqueConstraint(
                fields=["kind", "commitment"],
                condition=Q(commitment__isnull=False),
                name="responses_obligation_one_per_commitment",
            ),
            models.UniqueConstraint(
                fields=["kind", "action"],
                condition=Q(action__isnull=False),
                name="responses_obligation_one_per_action",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "reply",
                        "rehandling",
                        "co_opinion",
                        "change_window",
                        "feedback",
                        "commitment",
                        "progress_report",
                        "supervision_action",
                        "publication",
                    ]
                ),
                name="responses_obligation_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(assignment__isnull=False, reply=None, commitment=None, action=None)
                | Q(assignment=None, reply__isnull=False, commitment=None, action=None)
                | Q(assignment=None, reply=None, commitment__isnull=False, action=None)
                | Q(assignment=None, reply=None, commitment=None, action__isnull=False),
                name="responses_obligation_one_source",
            ),
        ]
        indexes = [
            # The reminder scan: ObligationQuerySet.due(today), ordered by next_remind_on.
            # Only open rows are indexed, so the scan's cost follows what is due, not what
            # is stored (bench/bench_reminder_scan.py).
            models.Index(
                fields=["next_remind_on", "id"], condition=Q(is_open=True), name="obligation_scan_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"

    def get_absolute_url(self) -> str:
        return self.source.get_absolute_url()

    @property
    def source(self) -> Source:
        return self.assignment or self.reply or self.commitment or self.action  # type: ignore[return-value]

    def days_left(self, today: date | None = None) -> int:
        return (self.due_on - (today or timezone.localdate())).days

    def stages(self) -> ReminderStages:
        return self.proposal.congress.reminder_stages()

    def still_applies(self, version: int) -> bool:
        """Re-read the source: is this version of the duty still open and unchanged?"""
        if not self.is_open or version != self.version:
            return False
        return obligation_dues(self.source).get(self.kind) == self.due_on

    # -- transitions ----------------------------------------------------------

    def _arm(self, today: date) -> None:
        """Point the scan at the first stage to send for a new or reopened duty.

        A duty that starts inside a stage (a 7-working-day window, an overdue import,
        a short re-handling deadline) gets that stage at once.
        """
        stages = self.stages()
        current = stages.at_or_before((today - self.due_on).days)
        self._point_at(stages.after(None) if current is None else current)

    def _move_to(self, due: date, today: date) -> None:
        """Re-arm an open duty whose due date moved (an extension, a recomputed deadline).

        The new date is a new version. Where the scan resumes depends on what the people
        responsible were already told (``last_stage``, the last stage claimed):

        - A small move, where some stage is already reached under the new date: the
          reminders of the old version still waiting to be sent (email and SMS held for
          working hours, or retried) are carried over to the new version and go out once,
          naming the new date. The scan resumes at the stage after ``last_stage``, so an
          earlier stage is never replayed; if the new date has already reached a later
          stage (a deadline moved earlier), that one stage is sent as a catch-up, and it
          replaces the waiting reminders rather than joining them. Overdue stages told
          under an earlier date do not count while the new date is still ahead: its due
          day is announced, and its overdue ladder runs again if it is missed.
        - A large move, where no stage is reached yet under the new date (an extension by
          months): the waiting reminders would misstate the deadline and are skipped, and
          the duty is armed afresh from the first stage.

        Exactly once: only rows still pending are carried or skipped, by an UPDATE
        conditional on that status; delivery holds the rows it sends locked and marks
        them sent with a compare-and-set, so a row being sent is neither carried nor sent
        again. The new version has no rows of its own yet (the obligation is locked and
        versions only grow), so the carried rows cannot collide on the unique key.
        """
        stages = self.stages()
        waiting = Reminder.objects.filter(
            obligation=self, version=self.version, status=Reminder.Status.PENDING
        )
        self.due_on = due
        self.version += 1
        offset = (today - due).days
        reached = stages.at_or_before(offset)
        told = self.last_stage
        if reached is None:
            waiting.update(status=Reminder.Status.SKIPPED)
            self.last_stage = None
            self._point_at(stages.after(None))
            return
        if told is not None and told > 0 and offset <= 0:
            told = -1  # as if every stage before the due day had been told, and none after
        if told is None or reached > told:
            waiting.update(status=Reminder.Status.SKIPPED)
            self._point_at(reached)
        else:
            waiting.update(version=self.version, due_on=due)
            self._point_at(stages.after(told))

    def _point_at(self, stage: int | None) -> None:
        self.next_stage = stage
        self.next_remind_on = None if stage is None else self.due_on + timedelta(days=stage)

    def _close(self) -> None:
        self.is_open = False
        self.closed_at = timezone.now()
        self.next_remind_on = None
        self.save(update_fields=["is_open", "closed_at", "next_remind_on"])

    def claim(
        self, today: date, *, audience: Audience, force: bool = False, now: datetime | None = None
    ) -> Claim:
        """Take the reminder stage reached today and move on to the next stage.

        Call with the row locked. Returns the stage and who hears about it, not yet
        stored: the caller records them with ``Reminder.objects.record`` (or inserts
        ``Claim.reminders`` ignoring conflicts), so that the unique key makes a second
        send impossible. ``force`` (staff's "remind now") sends the next stage early; it
        then counts as that stage and the scan will not send it again.
        """
        stages = self.stages()
        offset = (today - self.due_on).days
        if force and self.next_stage is not None:
            offset = max(offset, self.next_stage)
        stage = stages.at_or_before(offset)
        if stage is None or (self.next_stage is not None and stage < self.next_stage and not force):
            # Armed under stages the congress has since changed: nothing is due after all,
            # so point at the first stage still ahead (the scan must always move on).
            self.last_stage = stage
            self._point_at(stages.after(stage))
            return Claim(None, ())
        rows = audience.rows_for(self, stage, today, now or timezone.now())
        self.last_stage = stage
        self._point_at(stages.after(stage))
        return Claim(stage, rows)
