# Events carry structured data; an assignment stores how its deadline was computed
# (due_basis, rendered in the reader's language) instead of a sentence in the language
# of whoever assigned it. Existing deadlines are converted: recomputed from the rule
# where that gives the stored date, read from the extension or transfer that set them,
# and otherwise kept as the stored text.

import re
from datetime import date

from django.db import migrations, models
from django.utils import timezone

# The defaults of design.md §4 at the time of this migration (proposals.models.reference).
DEFAULTS = {
    "reply": (3, "months"),
    "co_opinion": (1, "months"),
    "rehandling": (1, "months"),
}
DATES = re.compile(r"(\d{4}-\d{2}-\d{2})\s*→\s*(\d{4}-\d{2}-\d{2})")


def due_bases(apps, schema_editor):
    from tracker.deadlines import compute_deadline

    Assignment = apps.get_model("proposals", "Assignment")
    Event = apps.get_model("proposals", "ProposalEvent")
    DeadlineRule = apps.get_model("proposals", "DeadlineRule")
    rules = {(r.congress_id, r.obligation): (r.count, r.unit) for r in DeadlineRule.objects.all()}
    bases = {}

    def from_rule(assignment, rule, start):
        congress = assignment.proposal.congress
        count, unit = rules.get((congress.pk, rule), DEFAULTS[rule])
        due = compute_deadline(start, count, unit, roll_to_working_day=congress.roll_to_working_day)
        if max(due.due_on, assignment.assigned_on) != assignment.due_on:
            return None
        return due.basis(rule)

    def basis_of(assignment):
        extended = (
            Event.objects.filter(assignment=assignment, kind="extended").order_by("-created_at", "-pk").first()
        )
        if extended is not None:
            found = DATES.search(extended.detail)
            if found and date.fromisoformat(found.group(2)) == assignment.due_on:
                return {"kind": "extended", "from": found.group(1), "to": found.group(2), "reason": extended.reason}
        if assignment.round > 1:
            reopened = (
                Event.objects.filter(assignment=assignment, kind="rehandling").order_by("-created_at", "-pk").first()
            )
            if reopened is not None:
                return from_rule(assignment, "rehandling", timezone.localtime(reopened.created_at).date())
            return None
        predecessor = Assignment.objects.filter(replaced_by=assignment).order_by("-pk").first()
        if (
            predecessor is not None
            and predecessor.pk in bases
            and (predecessor.assigned_on, predecessor.due_on) == (assignment.assigned_on, assignment.due_on)
        ):
            return {"kind": "kept", "basis": bases[predecessor.pk]}
        rule = "co_opinion" if assignment.role == "co" else "reply"
        return from_rule(assignment, rule, assignment.assigned_on)

    for assignment in Assignment.objects.select_related("proposal__congress").order_by("pk").iterator():
        basis = basis_of(assignment) or {"kind": "text", "text": assignment.due_explanation}
        bases[assignment.pk] = basis
        Assignment.objects.filter(pk=assignment.pk).update(due_basis=basis)


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0010_search_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="due_basis",
            field=models.JSONField(default=dict, verbose_name="how the deadline was computed"),
        ),
        migrations.RunPython(due_bases, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="assignment",
            name="deadline_version",
        ),
        migrations.RemoveField(
            model_name="assignment",
            name="due_explanation",
        ),
        migrations.AddField(
            model_name="proposalevent",
            name="data",
            field=models.JSONField(blank=True, default=dict, verbose_name="data"),
        ),
        migrations.AlterField(
            model_name="proposalevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("logged", "logged"),
                    ("edited", "details edited"),
                    ("status", "status changed"),
                    ("assigned", "assigned"),
                    ("accepted", "signed for"),
                    ("change_requested", "change requested"),
                    ("change_refused", "change request refused"),
                    ("withdrawn", "assignment withdrawn"),
                    ("extended", "deadline extended"),
                    ("contact", "contact with deputies"),
                    ("opinion", "co-handling opinion sent"),
                    ("drafted", "reply drafted"),
                    ("submitted", "reply submitted for approval"),
                    ("returned", "reply returned"),
                    ("sent", "reply approved and sent"),
                    ("regraded", "grade changed"),
                    ("feedback", "deputy feedback"),
                    ("rehandling", "re-handling ordered"),
                    ("rehandling_declined", "re-handling declined"),
                    ("feedback_lapsed", "feedback window passed without a rating"),
                    ("reminded", "reminder sent by staff"),
                    ("progress_reported", "commitment progress reported"),
                    ("commitment_claimed", "commitment reported fulfilled"),
                    ("commitment_confirmed", "commitment confirmed fulfilled"),
                    ("commitment_rejected", "commitment fulfilment rejected"),
                    ("commitment_not_fulfilled", "commitment closed, not fulfilled"),
                    ("deadline_recomputed", "deadline recomputed"),
                ],
                max_length=30,
                verbose_name="event",
            ),
        ),
    ]
