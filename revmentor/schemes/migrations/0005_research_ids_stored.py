"""Store every participant's research ID, and mark imported participants as such.

Until now a research ID was worked out at each export: ``M-`` or ``C-`` and the first 8
hex digits of a SHA-256 of the scheme's number, the participant's number and the scheme's
creation time. Anyone who knew those could work out which ID belonged to which number,
and so the order people were added in. From now on a new participant's ID is random and
stored when they are added (``schemes.services``).

Participants already held keep the ID they had, so IDs researchers already hold stay
true: this stores it. If two of them in one scheme had the same ID (the 8 digits left a
small chance), the one added later gets a new random ID, as their answers could not be
told apart before. Imported participants, whose ``research_id`` was their only mark,
get ``imported`` set. Reversing forgets the stored IDs of those not imported.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

from revmentor.schemes.research_ids import store_former_id


def store_research_ids(apps: Any, schema_editor: Any) -> None:
    Participant = apps.get_model("schemes", "Participant")
    taken: dict[int, set[str]] = {}
    # Imported participants first, so that their IDs are kept as they are.
    everyone = Participant.objects.select_related("scheme").order_by("-research_id", "pk")
    for participant in everyone:
        store_former_id(participant, taken)
        participant.save(update_fields=["research_id", "imported"])


def forget_research_ids(apps: Any, schema_editor: Any) -> None:
    Participant = apps.get_model("schemes", "Participant")
    Participant.objects.filter(imported=False).update(research_id="")


class Migration(migrations.Migration):
    dependencies = [
        ("schemes", "0004_participant_research_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="imported",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="Came from an imported study data folder: no email, no sign-in.",
            ),
        ),
        migrations.RunPython(store_research_ids, forget_research_ids),
    ]
