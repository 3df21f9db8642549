from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("schemes", "0002_scheme_release_documents_to_mentees_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="erased_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When their identifiers were erased; the row is kept as a pseudonymous stub.",
                null=True,
            ),
        ),
    ]
