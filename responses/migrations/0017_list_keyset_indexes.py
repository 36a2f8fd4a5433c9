"""Sent replies newest first, for the public list and the queue's recently sent replies
(issue 15)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("responses", "0016_obligation_kinds_merged"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="reply",
            index=models.Index(
                condition=models.Q(("status", "sent")),
                fields=["-sent_on", "-id"],
                name="reply_sent_recent_idx",
            ),
        ),
    ]
