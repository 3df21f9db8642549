"""What withdrawing consent means for a participant's data, in the words the page that
withdraws it says before (participants/consent_withdraw.jinja) and the email confirming
it says after (tasks.send_consent_withdrawn): one source, so the two say the same."""

from __future__ import annotations


def what_happens(*, taking_part: bool) -> list[str]:
    """The paragraphs that say what happens once a participant withdraws their consent.

    ``taking_part``: they had not been withdrawn from the scheme by its lead, so a
    partner and the programme lead may be told; someone already withdrawn stops only the
    research use of their answers.
    """
    said = [
        "The record that you once gave consent is kept.",
        "The answers you have already given are kept, but no longer used for research. "
        "If you want them deleted, ask the scheme's programme lead.",
    ]
    if taking_part:
        said.append(
            "If you are paired for a one-to-one session that has not happened yet, we will "
            "tell the other person that you are no longer taking part and the session will "
            "not go ahead, but not why. The scheme's programme lead is told that you "
            "withdrew your consent."
        )
    return said
