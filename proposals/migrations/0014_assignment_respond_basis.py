# An assignment stores how its sign-for window (respond_by) was computed, as due_basis
# does for the deadline, so that the window can be recomputed when a congress's rule or
# the official calendar changes (manage.py recompute_deadlines). The window runs from the
# assignment date, or for a unit that took over a transferred suggestion from the day of
# the transfer. Windows still in use (pending or accepted assignments, which may still
# ask for a change) get a basis where the rule reproduces the stored date; the others
# keep an empty basis and are never recomputed.

from django.db import migrations, models
from django.utils import timezone

# The default of design.md §4 at the time of this migration (proposals.models.reference).
DEFAULT = (7, "working_days")


def respond_bases(apps, schema_editor):
    from tracker.deadlines import compute_deadline

    Assignment = apps.get_model("proposals", "Assignment")
    DeadlineRule = apps.get_model("proposals", "DeadlineRule")
    rules = {
        r.congress_id: (r.count, r.unit) for r in DeadlineRule.objects.filter(obligation="change_window")
    }
    successors = set(
        Assignment.objects.exclude(replaced_by=None).values_list("replaced_by_id", flat=True)
    )
    pending = Assignment.objects.filter(status__in=["pending", "accepted"]).select_related(
        "proposal__congress"
    )
    for assignment in pending.order_by("pk").iterator():
        congress = assignment.proposal.congress
        start = assignment.assigned_on
        if assignment.pk in successors:
            start = timezone.localtime(assignment.created_at).date()
        count, unit = rules.get(congress.pk, DEFAULT)
        window = compute_deadline(start, count, unit, roll_to_working_day=congress.roll_to_working_day)
        if window.due_on == assignment.respond_by:
            Assignment.objects.filter(pk=assignment.pk).update(respond_basis=window.basis("change_window"))


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0013_event_data"),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="respond_basis",
            field=models.JSONField(default=dict, verbose_name="how the sign-for window was computed"),
        ),
        migrations.RunPython(respond_bases, migrations.RunPython.noop),
    ]
