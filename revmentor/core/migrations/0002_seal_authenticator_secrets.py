"""Seal the authenticator secrets stored before they were sealed (core.sealing).

An authenticator app's secret, a recovery-code seed and any recovery codes carried over
from elsewhere are sealed under the installation's secret key. Reversing opens them
again.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from revmentor.core import sealing


def seal_all(apps: Any, schema_editor: Any) -> None:
    sealing.seal_stored(apps.get_model("mfa", "Authenticator"))


def open_all(apps: Any, schema_editor: Any) -> None:
    sealing.open_stored(apps.get_model("mfa", "Authenticator"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(seal_all, open_all)]
