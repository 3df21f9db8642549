"""App configuration of the data-protection room."""

from __future__ import annotations

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Subject access exports, erasure of a participant, and the scheme's retention date.

    It has no models of its own: it reads and changes the other rooms' data, so it sits
    above them (nothing else imports it, except to queue its retention task).
    """

    name = "revmentor.privacy"
    label = "privacy"
    verbose_name = "Data protection"
