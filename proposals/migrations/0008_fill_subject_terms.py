"""Index the subject terms of the suggestions logged before related_to() existed."""

from django.db import migrations

from proposals.similarity import subject_terms


def fill(apps, schema_editor):
    Proposal = apps.get_model("proposals", "Proposal")
    SubjectTerm = apps.get_model("proposals", "SubjectTerm")
    queryset = Proposal.objects.order_by("pk").only("pk", "title", "body")
    last = 0
    while batch := list(queryset.filter(pk__gt=last)[:1000]):
        SubjectTerm.objects.bulk_create(
            [
                SubjectTerm(proposal_id=p.pk, term=term, weight=weight)
                for p in batch
                for term, weight in subject_terms(p.title, p.body).items()
            ],
            batch_size=5000,
        )
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0007_subject_terms"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
