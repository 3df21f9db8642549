"""What withdrawing means for a participant's data, in the words the page that
withdraws consent says before (participants/consent_withdraw.jinja) and the emails
confirming it say after (tasks.send_consent_withdrawn, and tasks.send_participant_withdrawn
when someone managing the scheme withdrew them): one source, so they all say the same.

Where they tell the person to ask the programme lead, they name the scheme's leads with
their email addresses (:func:`contact_lead`; the generic words when it has none)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from revmentor.core.models import User

# Said to whoever stops taking part, whichever way: the partner learns only that.
PAIRED = (
    "If you are paired for a one-to-one session that has not happened yet, we will tell "
    "the other person that you are no longer taking part and the session will not go "
    "ahead, but not why."
)


def contact_lead(leads: Sequence[User] = ()) -> str:
    """Whom to ask, for the end of a sentence: the scheme's programme lead by name and
    email address ("the scheme's programme lead, Lena Lead (lead@example.nhs.uk)"), one
    of its leads when it has several (in the order given), or "the scheme's programme
    lead" when ``leads`` is empty. A lead without a name is given by email address."""
    named = [f"{lead.full_name} ({lead.email})" if lead.full_name else lead.email for lead in leads]
    if not named:
        return "the scheme's programme lead"
    if len(named) == 1:
        return f"the scheme's programme lead, {named[0]}"
    return f"one of the scheme's programme leads: {', '.join(named[:-1])} or {named[-1]}"


def _delete_by_asking(leads: Sequence[User]) -> str:
    return f"If you want them deleted, ask {contact_lead(leads)}."


def what_happens(*, taking_part: bool, leads: Sequence[User] = ()) -> list[str]:
    """The paragraphs that say what happens once a participant withdraws their consent.

    ``taking_part``: they had not been withdrawn from the scheme by its lead, so a
    partner and the programme lead may be told; someone already withdrawn stops only the
    research use of their answers. ``leads``: the scheme's leads to name
    (``selectors.leads_to_contact``).
    """
    said = [
        "The record that you once gave consent is kept.",
        "The answers you have already given are kept, but no longer used for research. "
        + _delete_by_asking(leads),
    ]
    if taking_part:
        said.append(f"{PAIRED} The scheme's programme lead is told that you withdrew your consent.")
    return said


def what_happens_withdrawn(*, research_use: bool, leads: Sequence[User] = ()) -> list[str]:
    """The paragraphs that say what happens once someone managing the scheme withdraws a
    participant who was taking part. Their consent stands as it was, so their answers are
    still used for research if it allows that (``research_use``), until they withdraw it.
    Never why they were withdrawn: only the scheme's leads may see that.
    """
    kept = (
        "The answers you have already given are kept. Your consent still allows their use "
        "for research, with your name and email removed; you can withdraw your consent at "
        "any time to stop that."
        if research_use
        else "The answers you have already given are kept, but not used for research, as "
        "your consent says."
    )
    return [f"{kept} {_delete_by_asking(leads)}", PAIRED]
