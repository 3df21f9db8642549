from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("schemes", "0003_participant_erased_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="research_id",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                help_text="Set only for a participant imported from a study data folder: "
                "their ID there, kept as their research ID.",
                max_length=64,
            ),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="participant",
            constraint=models.UniqueConstraint(
                condition=models.Q(("research_id", ""), _negated=True),
                fields=("scheme", "research_id"),
                name="unique_research_id",
            ),
        ),
    ]
