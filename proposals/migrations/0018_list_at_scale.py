"""The list at a million suggestions (issue 15): the latest reply's grade as a column, and
the indexes the list's filters and sorts need. On PostgreSQL also a trigram index for the
list's title search (q=), which does not exist elsewhere."""

from django.db import migrations, models

FILL_POSTGRESQL = """
UPDATE proposals_proposal p SET grade = latest.grade
FROM (
    SELECT DISTINCT ON (a.proposal_id) a.proposal_id, r.grade
    FROM responses_reply r JOIN proposals_assignment a ON a.id = r.assignment_id
    WHERE r.status = 'sent'
    ORDER BY a.proposal_id, r.sent_on DESC, r.id DESC
) latest
WHERE p.id = latest.proposal_id AND p.grade <> latest.grade
"""

# The list's q= on the title: Django's icontains is UPPER("title"::text) LIKE UPPER('%…%').
# Trigrams serve words of three characters or more; shorter ones go through the search
# documents' index (proposals.filters).
TRIGRAM = (
    "CREATE INDEX IF NOT EXISTS proposal_title_trgm_idx "
    "ON proposals_proposal USING gin (UPPER(title) gin_trgm_ops)"
)


def fill_grades(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL_POSTGRESQL)
        return
    Proposal = apps.get_model("proposals", "Proposal")
    Reply = apps.get_model("responses", "Reply")
    latest: dict[int, str] = {}
    sent = Reply.objects.filter(status="sent").order_by("sent_on", "pk")
    for proposal_id, grade in sent.values_list("assignment__proposal_id", "grade"):
        latest[proposal_id] = grade
    for proposal_id, grade in latest.items():
        Proposal.objects.filter(pk=proposal_id).update(grade=grade)


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(TRIGRAM)


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS proposal_title_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0017_staged_uploads_expire"),
        ("responses", "0007_search_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="grade",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=1, verbose_name="grade of the latest reply"
            ),
        ),
        migrations.RunPython(fill_grades, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="proposal",
            index=models.Index(
                fields=["number"], name="proposal_number_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
        ),
        migrations.AddIndex(
            model_name="proposal",
            index=models.Index(
                fields=["grade", "next_due_on", "-received_on", "number"], name="proposal_grade_urgency_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="proposal",
            index=models.Index(fields=["-received_on", "number"], name="proposal_received_idx"),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
