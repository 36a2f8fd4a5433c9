"""On PostgreSQL, triggers refuse UPDATE and DELETE on the append-only tables, whoever
sends them: the suggestions' events, progress reports, comments on promises and the
security log (tracker.appendonly.APPEND_ONLY_TABLES). The one exception: purge_audit
sets ``tracker.audit_purge_days`` (at least 180) for its transaction, and the security
log's trigger then lets through the DELETE of rows older than that many days.

Created after proposals 0013_event_data, the one migration that rewrote events.
SQLite has no such triggers; the models' QuerySets refuse the same in Python.
"""

from django.db import migrations

# Kept here, not imported, so that this migration stays as it was written.
TABLES = [
    ("proposals_proposalevent", False),
    ("responses_progressreport", False),
    ("responses_commitmentcomment", False),
    ("tracker_securityevent", True),
]
MINIMUM_RETENTION_DAYS = 180

FUNCTION = f"""
CREATE OR REPLACE FUNCTION tracker_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    days integer;
BEGIN
    IF TG_OP = 'DELETE' AND TG_ARGV[0] = 'purgeable' THEN
        days := NULLIF(current_setting('tracker.audit_purge_days', true), '')::integer;
        IF days IS NOT NULL AND days >= {MINIMUM_RETENTION_DAYS}
                AND OLD.created_at < now() - make_interval(days => days) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION '% on % refused: this table is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation',
              HINT = 'Events and the security log are never changed or deleted; '
                     'purge_audit removes security-log rows older than the retention.';
END;
$$;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table, purgeable in TABLES:
        argument = "'purgeable'" if purgeable else "'fixed'"
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION tracker_refuse_change({argument})"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _purgeable in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS tracker_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0013_event_data"),
        ("proposals", "0016_deputy_is_active"),
        ("responses", "0008_reply_signed_by_name"),
        ("tracker", "0007_security_log_duties"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
