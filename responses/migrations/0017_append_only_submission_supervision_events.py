"""On PostgreSQL, the online submissions' events (proposals) and the supervision themes'
events (responses) join the append-only tables of 0009_append_only_triggers: a trigger
refuses UPDATE and DELETE on them in SQL, whoever sends it. The trigger function is
0009's (``tracker_refuse_change``, with ``'fixed'``: neither table may ever be purged).

The reports app's scheme changes and adjustments were given the same trigger by their
own first migration (reports 0001). tracker.appendonly.APPEND_ONLY_TABLES lists them all,
and tests/tracker/test_append_only.py checks that every model built on AppendOnlyModel
is in it and refused in SQL, so a later table cannot be forgotten.
"""

from django.db import migrations

# Kept here, not imported, so that this migration stays as it was written.
TABLES = ["proposals_submissionevent", "responses_supervisionevent"]


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION tracker_refuse_change('fixed')"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0021_online_submissions"),
        ("responses", "0009_append_only_triggers"),
        ("responses", "0011_supervision_themes"),
        ("responses", "0016_obligation_kinds_merged"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
