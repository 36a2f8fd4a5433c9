# Events written before events carried data hold a sentence in `detail` (and, for a few
# steps the system took, in `reason`) in the language of whoever acted. Each is read back
# into the values its kind now stores (see every ProposalEvent.record call), from the text
# and the rows it names, so that proposals/timeline.py can render it in the reader's
# language. A row whose values cannot all be recovered keeps its text, which the
# timeline shows as it is. Events are append-only in the model's save(); this migration
# writes with QuerySet.update on the historical model.

import re
from datetime import date, timedelta

from django.db import migrations
from django.utils import timezone

# The defaults of design.md §4 at the time of this migration (proposals.models.reference).
DEFAULTS = {
    "reply": (3, "months"),
    "co_opinion": (1, "months"),
    "rehandling": (1, "months"),
    "recess_assign": (5, "working_days"),
}

# The sentences releases before this one wrote, in English and in Chinese
# (locale/zh_Hans at the time). Only the values are read; the wording is discarded.
DATE = r"(\d{4}-\d{2}-\d{2})"
ASSIGNED_DUE = re.compile(rf"(?:; due |；期限){DATE}")  # "%(role)s; due %(due)s (%(explanation)s)"
LOGGED_DUE = re.compile(rf"^(?:assign by |应于){DATE}")  # "assign by %(due)s (%(explanation)s)"
MOVED = re.compile(rf"^{DATE} → {DATE}$")  # an extension: "old → new"
CONTACT_ON = re.compile(rf"^{DATE} ")  # "date method（stage）"
NEW_DEADLINE = re.compile(rf"^(?:new deadline {DATE} \(was {DATE}\)|新期限{DATE}（原为{DATE}）)$")
GRADE = re.compile(r"^(?:grade ([A-D])|办理结果：([A-D])类)$")
NO_RATING = re.compile(rf"^(?:no rating by {DATE}|截至{DATE}未评价)$")
CAUSES = {
    "every reply has been rated by the deputies": "rated",
    "代表已对全部答复作出评价": "rated",
    "the feedback window passed without a rating": "feedback_lapsed",
    "反馈期限届满，代表未评价": "feedback_lapsed",
}
RATINGS = ("satisfied", "basically", "unsatisfied")
# The longest a step's related row (a contact, a report, a reminder) was written before
# its event, in one transaction.
SAME_STEP = timedelta(minutes=1)


def _found(match):
    """The values of whichever alternative of the pattern matched."""
    return [value for value in match.groups() if value is not None]


def _day(text):
    return date.fromisoformat(text)


def _json(data):
    """What ProposalEvent.record stores: no empty values, dates as ISO strings."""
    stored = {}
    for key, value in data.items():
        if value is None:
            continue
        stored[key] = value.isoformat() if isinstance(value, date) else value
    return stored


def _structured(basis):
    """A basis the timeline renders in any language (not an earlier release's text)."""
    kind = basis.get("kind")
    if kind == "kept":
        inner = basis.get("basis")
        return isinstance(inner, dict) and _structured(inner)
    return kind in ("rule", "extended")


class Converter:
    """Reads old events back into data, one kind at a time."""

    def __init__(self, apps):
        self.Event = apps.get_model("proposals", "ProposalEvent")
        self.Assignment = apps.get_model("proposals", "Assignment")
        self.Contact = apps.get_model("proposals", "Contact")
        self.Reply = apps.get_model("responses", "Reply")
        self.Feedback = apps.get_model("responses", "Feedback")
        self.Commitment = apps.get_model("responses", "Commitment")
        self.ProgressReport = apps.get_model("responses", "ProgressReport")
        self.Reminder = apps.get_model("responses", "Reminder")
        DeadlineRule = apps.get_model("proposals", "DeadlineRule")
        self.rules = {(r.congress_id, r.obligation): (r.count, r.unit) for r in DeadlineRule.objects.all()}

    # The kinds whose old rows held values in text or in related rows; each is a method.
    KINDS = (
        "logged",
        "assigned",
        "withdrawn",
        "extended",
        "contact",
        "sent",
        "feedback",
        "status",
        "rehandling",
        "feedback_lapsed",
        "reminded",
        "progress_reported",
        "commitment_claimed",
        "commitment_confirmed",
        "commitment_rejected",
        "commitment_not_fulfilled",
    )

    def convert(self, event):
        """(data, reason) for an old event, or None to leave it as it is."""
        return getattr(self, event.kind)(event)

    # -- helpers ----------------------------------------------------------------

    def rule_basis(self, congress, rule, start, due_on, *, floor=None):
        """The rule's basis if computing ``rule`` from ``start`` gives ``due_on``."""
        from tracker.deadlines import compute_deadline

        count, unit = self.rules.get((congress.pk, rule), DEFAULTS[rule])
        try:
            due = compute_deadline(start, count, unit, roll_to_working_day=congress.roll_to_working_day)
        except ValueError:
            return None
        if max(due.due_on, floor or due.due_on) != due_on:
            return None
        return due.basis(rule)

    def written_with(self, queryset, event):
        """The latest row of ``queryset`` written in the event's step (just before it)."""
        return (
            queryset.filter(created_at__lte=event.created_at, created_at__gte=event.created_at - SAME_STEP)
            .order_by("-created_at", "-pk")
            .first()
        )

    # -- kinds --------------------------------------------------------------------

    def logged(self, event):
        found = LOGGED_DUE.match(event.detail)
        if not found:
            return None
        proposal = event.proposal
        due_on = _day(found.group(1))
        basis = self.rule_basis(proposal.congress, "recess_assign", proposal.received_on, due_on)
        if basis is None:
            return None
        return {"assign_by": due_on, "deadline": basis}, event.reason

    def assigned(self, event):
        found = ASSIGNED_DUE.search(event.detail)
        assignment = event.assignment
        if not found or assignment is None:
            return None
        due_on = _day(found.group(1))
        basis = None
        if assignment.due_on == due_on and _structured(assignment.due_basis):
            basis = assignment.due_basis
        if basis is None:
            rule = "co_opinion" if assignment.role == "co" else "reply"
            basis = self.rule_basis(
                assignment.proposal.congress, rule, assignment.assigned_on, due_on, floor=assignment.assigned_on
            )
        if basis is None:
            # A transfer that kept the earlier unit's deadline.
            earlier = self.Assignment.objects.filter(replaced_by=assignment).order_by("-pk").first()
            if earlier is not None and earlier.due_on == due_on and _structured(earlier.due_basis):
                basis = {"kind": "kept", "basis": earlier.due_basis}
        if basis is None:
            return None
        return {"role": assignment.role, "due_on": due_on, "deadline": basis}, event.reason

    def withdrawn(self, event):
        assignment = event.assignment
        if assignment is None or assignment.replaced_by_id is None:
            return None
        successor = self.Assignment.objects.get(pk=assignment.replaced_by_id)
        return {"to_department": successor.department_id}, event.reason

    def extended(self, event):
        found = MOVED.match(event.detail.strip())
        if not found:
            return None
        return {"old_due_on": _day(found.group(1)), "due_on": _day(found.group(2))}, event.reason

    def contact(self, event):
        found = CONTACT_ON.match(event.detail)
        if not found or event.assignment_id is None:
            return None
        contacted_on = _day(found.group(1))
        contact = self.written_with(
            self.Contact.objects.filter(assignment_id=event.assignment_id, contacted_on=contacted_on), event
        )
        if contact is None:
            return None
        data = {
            "contact": contact.pk,
            "contacted_on": contact.contacted_on,
            "method": contact.method,
            "stage": contact.stage,
        }
        return data, event.reason

    def sent(self, event):
        if event.assignment_id is None:
            return None
        # Each handling round is sent once: the n-th SENT of an assignment is round n's reply.
        earlier = self.Event.objects.filter(assignment_id=event.assignment_id, kind="sent", pk__lt=event.pk)
        reply = self.Reply.objects.filter(
            assignment_id=event.assignment_id, round=earlier.count() + 1, status="sent"
        ).first()
        found = GRADE.match(event.reason.strip())
        if found:
            grade, reason = _found(found)[0], ""
        elif reply is not None:
            # The grade as the unit sent it; staff may have changed it since (REGRADED).
            grade, reason = reply.department_grade or reply.grade, event.reason
        else:
            return None
        return {"grade": grade, "sent_on": reply.sent_on if reply else None}, reason

    def feedback(self, event):
        rating = event.to_status
        if rating not in RATINGS or event.assignment_id is None:
            return None
        feedback = self.written_with(
            self.Feedback.objects.filter(
                reply__assignment_id=event.assignment_id, rating=rating, comment=event.reason
            ).select_related("deputy"),
            event,
        )
        return {"rating": rating, "deputy": feedback.deputy.name if feedback else None}, event.reason

    def status(self, event):
        cause = CAUSES.get(event.reason.strip())
        if cause is not None:
            return {"cause": cause}, ""
        found = NEW_DEADLINE.match(event.detail.strip())
        if found:
            due_on, old_due_on = _found(found)
            return {"due_on": _day(due_on), "old_due_on": _day(old_due_on)}, event.reason
        return None

    def rehandling(self, event):
        # The suggestion's own move to re-handling, recorded right after this one, carried
        # both dates; a second unit sent back in the same round has no such record.
        moved = (
            self.Event.objects.filter(
                proposal_id=event.proposal_id, kind="status", to_status="rehandling", pk__gt=event.pk
            )
            .order_by("pk")
            .first()
        )
        if moved is None or moved.created_at - event.created_at > SAME_STEP:
            return None
        found = NEW_DEADLINE.match(moved.detail.strip())
        if not found or event.assignment is None:
            return None
        due_on, old_due_on = (_day(value) for value in _found(found))
        assignment = event.assignment
        decided_on = timezone.localtime(event.created_at).date()
        basis = self.rule_basis(
            assignment.proposal.congress, "rehandling", decided_on, due_on, floor=assignment.assigned_on
        )
        return {"old_due_on": old_due_on, "due_on": due_on, "deadline": basis}, event.reason

    def feedback_lapsed(self, event):
        found = NO_RATING.match(event.reason.strip())
        if not found:
            return None
        return {"feedback_due_on": _day(_found(found)[0])}, ""

    def reminded(self, event):
        names = [name for name in event.detail.split(", ") if name.strip()]
        if not names:
            return None
        data = {"recipients": names}
        reminders = self.Reminder.objects.filter(
            obligation__proposal_id=event.proposal_id, requested_by_id=event.actor_id
        ).select_related("obligation")
        if event.assignment_id is not None:
            reminders = reminders.filter(obligation__assignment_id=event.assignment_id)
        reminder = self.written_with(reminders, event)
        if reminder is not None:
            data.update(obligation=reminder.obligation.kind, stage=reminder.stage)
        return data, event.reason

    def _commitment(self, event):
        """The promise an event names by the first 80 characters of its description, and
        what the event added after " · " (a share done or a milestone)."""
        if not event.detail or event.assignment_id is None:
            return None, ""
        candidates = self.Commitment.objects.filter(reply__assignment_id=event.assignment_id)
        if event.department_id is not None:
            candidates = candidates.filter(department_id=event.department_id)
        matches = []
        for commitment in candidates:
            prefix = commitment.description[:80]
            if event.detail == prefix:
                matches.append((commitment, ""))
            elif event.detail.startswith(prefix + " · "):
                matches.append((commitment, event.detail[len(prefix) + 3 :]))
        if len({commitment.description[:200] for commitment, _ in matches}) != 1:
            return None, ""  # none, or two promises that read the same: not this migration's guess
        return matches[0]

    def _commitment_data(self, commitment):
        return {"commitment": commitment.pk, "description": commitment.description[:200]}

    def progress_reported(self, event):
        commitment, extra = self._commitment(event)
        if commitment is None:
            return None
        data = self._commitment_data(commitment)
        report = self.written_with(
            self.ProgressReport.objects.filter(commitment=commitment, kind="progress", summary=event.reason), event
        )
        if report is not None:
            data.update(percent=report.percent, milestone=report.milestone or None, reported_on=report.reported_on)
        elif re.fullmatch(r"\d{1,3}%", extra):
            data["percent"] = int(extra[:-1])
        elif extra:
            data["milestone"] = extra
        return data, event.reason

    def commitment_claimed(self, event):
        commitment, _ = self._commitment(event)
        if commitment is None:
            return None
        data = self._commitment_data(commitment)
        report = self.written_with(
            self.ProgressReport.objects.filter(commitment=commitment, kind="fulfilment", summary=event.reason),
            event,
        )
        if report is not None:
            data["fulfilled_on"] = report.reported_on
        return data, event.reason

    def _plain_commitment(self, event):
        commitment, _ = self._commitment(event)
        if commitment is None:
            return None
        return self._commitment_data(commitment), event.reason

    commitment_confirmed = _plain_commitment
    commitment_rejected = _plain_commitment
    commitment_not_fulfilled = _plain_commitment


def events_to_data(apps, schema_editor):
    converter = Converter(apps)
    Event = converter.Event
    old = (
        Event.objects.filter(kind__in=Converter.KINDS)
        .select_related("proposal__congress", "assignment__proposal__congress")
        .order_by("pk")
    )
    for event in old.iterator(chunk_size=500):
        if event.data:
            continue  # written by this release
        found = converter.convert(event)
        if found is None:
            continue
        data, reason = found
        Event.objects.filter(pk=event.pk).update(data=_json(data), detail="", reason=reason)


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0012_import_confirmed_queued"),
        # Replies, feedback, promises and reminders name what old events described.
        ("responses", "0007_search_documents"),
    ]

    operations = [
        migrations.RunPython(events_to_data, migrations.RunPython.noop),
    ]
