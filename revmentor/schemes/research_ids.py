"""Research IDs of participants added before IDs were stored, worked out as they were then.

Until schemes migration 0005, exports worked each ID out: ``M-`` or ``C-`` and the first
8 hex digits of a SHA-256 of the scheme's number, the participant's number and the
scheme's creation time. IDs are now drawn at random and stored
(``schemes.services.new_research_id``); a participant who was held before keeps the ID
researchers already know them by. Used by the migration and by a restore of a backup
made before it.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

STORED_SINCE = ("schemes", "0005_research_ids_stored")


def former_research_id(participant: Any) -> str:
    """The ID exports gave ``participant`` before IDs were stored (reads its scheme)."""
    scheme = participant.scheme
    text = f"{participant.scheme_id}:{participant.pk}:{scheme.created_at.isoformat()}"
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{'M' if participant.role == 'mentor' else 'C'}-{digest}"


def store_former_id(participant: Any, taken: dict[int, set[str]]) -> None:
    """Set ``participant``'s ID and ``imported`` as they were before IDs were stored.

    An ID already set came from an imported study data folder. ``taken``: the IDs given so
    far, by scheme; a participant whose former ID another in the scheme already has (the
    8 digits left a small chance) gets a new random one. Does not save.
    """
    ids = taken.setdefault(participant.scheme_id, set())
    participant.imported = bool(participant.research_id)
    if not participant.research_id:
        research_id = former_research_id(participant)
        while research_id in ids:
            research_id = f"{research_id[0]}-{secrets.token_hex(6)}"
        participant.research_id = research_id
    ids.add(participant.research_id)
