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

import hashlib
import secrets
from typing import Any

from django.db import migrations, models


def _former_id(participant: Any) -> str:
    digest = hashlib.sha256(
        f"{participant.scheme_id}:{participant.pk}:{participant.scheme.created_at.isoformat()}".encode()
    ).hexdigest()[:8]
    return f"{'M' if participant.role == 'mentor' else 'C'}-{digest}"


def store_research_ids(apps: Any, schema_editor: Any) -> None:
    Participant = apps.get_model("schemes", "Participant")
    Participant.objects.exclude(research_id="").update(imported=True)
    taken: dict[int, set[str]] = {}
    for p in Participant.objects.order_by("scheme_id", "pk").values("scheme_id", "research_id"):
        if p["research_id"]:
            taken.setdefault(p["scheme_id"], set()).add(p["research_id"])
    todo = Participant.objects.filter(research_id="").select_related("scheme").order_by("pk")
    for participant in todo:
        ids = taken.setdefault(participant.scheme_id, set())
        research_id = _former_id(participant)
        while research_id in ids:
            research_id = f"{research_id[0]}-{secrets.token_hex(6)}"
        ids.add(research_id)
        participant.research_id = research_id
        participant.save(update_fields=["research_id"])


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
