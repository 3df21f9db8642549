"""The roles people hold. Every role but site admin is granted per scheme."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SITE_ADMIN = "site_admin"
    LEAD = "lead"
    FACILITATOR = "facilitator"
    RESEARCHER = "researcher"
    MENTOR = "mentor"
    MENTEE = "mentee"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()
