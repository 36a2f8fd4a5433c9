"""Keyset paging of the list and the queue (issue 15): the queue's open assignments of a
unit in due-date order, and the list's sorts by number and by date received, oldest first."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0024_proposal_withdrawn"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        ["pending", "accepted", "change_requested", "drafting", "awaiting_approval"],
                    )
                ),
                fields=["department", "due_on"],
                name="assignment_open_queue_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="proposal",
            index=models.Index(fields=["number"], name="proposal_number_idx"),
        ),
        migrations.AddIndex(
            model_name="proposal",
            index=models.Index(fields=["received_on", "number"], name="proposal_received_asc_idx"),
        ),
    ]
