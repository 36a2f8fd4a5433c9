"""A department queue at a million suggestions (issue 15): each reply's unit copied from
its assignment (filled here), with an index of a unit's sent replies newest first."""

import django.db.models.deletion
from django.db import migrations, models

FILL_POSTGRESQL = """
UPDATE responses_reply r SET replying_department_id = a.department_id
FROM proposals_assignment a WHERE a.id = r.assignment_id AND r.replying_department_id IS NULL
"""


def fill_departments(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL_POSTGRESQL)
        return
    Reply = apps.get_model("responses", "Reply")
    Assignment = apps.get_model("proposals", "Assignment")
    for department_id in Assignment.objects.values_list("department_id", flat=True).distinct():
        Reply.objects.filter(assignment__department_id=department_id).update(replying_department_id=department_id)


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0023_event_kinds_merged"),
        ("responses", "0019_reply_sent_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="reply",
            name="replying_department",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="proposals.department",
                verbose_name="replying department",
            ),
        ),
        migrations.RunPython(fill_departments, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="reply",
            index=models.Index(
                condition=models.Q(("status", "sent")),
                fields=["replying_department", "-sent_on", "-id"],
                name="reply_department_sent_idx",
            ),
        ),
    ]
