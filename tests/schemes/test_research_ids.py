"""Research IDs: random, stored when a participant is added, unique in their scheme.

An ID worked out from the scheme's number, the participant's number and the scheme's
creation time could be worked back to the participant's number by anyone who knew them.
IDs are drawn at random and stored instead; participants held before keep the ID they
had (migration 0005), so IDs researchers already hold stay true.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from revmentor.core.models import User
from revmentor.questionnaires.interchange import pseudonym
from revmentor.schemes import services
from revmentor.schemes.models import Participant, ParticipantRole, Scheme
from tests.factories import ParticipantFactory, SchemeFactory

pytestmark = pytest.mark.django_db


def former_id(participant: Participant) -> str:
    """The ID exports gave before IDs were stored, worked out as they worked it out."""
    scheme = participant.scheme
    text = f"{scheme.pk}:{participant.pk}:{scheme.created_at.isoformat()}"
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{'M' if participant.is_mentor else 'C'}-{digest}"


def add(lead: User, scheme: Scheme, n: int, role: str = ParticipantRole.MENTOR) -> Participant:
    return services.participant_add(
        actor=lead,
        scheme=scheme,
        full_name=f"Dr Person {n}",
        email=f"person{n}@nhs.example",
        role=ParticipantRole(role),
    )


def test_a_participant_added_gets_a_random_id_that_is_stored_and_kept(
    lead: User, scheme: Scheme
) -> None:
    mentor = add(lead, scheme, 1)
    mentee = add(lead, scheme, 2, ParticipantRole.MENTEE)
    assert re.fullmatch(r"M-[0-9a-f]{12}", mentor.research_id)
    assert re.fullmatch(r"C-[0-9a-f]{12}", mentee.research_id)
    # Exports use the stored ID, which is not worked out from the participant's number.
    stored = Participant.objects.get(pk=mentor.pk)
    assert pseudonym(stored) == stored.research_id == mentor.research_id
    assert mentor.research_id != former_id(stored)
    assert not stored.is_imported
    # Invitations still go to everyone who was added here, not imported.
    assert services.participants_invite_pending(actor=lead, scheme=scheme) == 2


def test_ids_drawn_again_until_none_in_the_scheme_has_it(
    lead: User, scheme: Scheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = add(lead, scheme, 1)
    taken = first.research_id.removeprefix("M-")
    draws = iter([taken, taken, "00112233aabb"])
    monkeypatch.setattr(services.secrets, "token_hex", lambda _n: next(draws))
    second = add(lead, scheme, 2)
    assert second.research_id == "M-00112233aabb"
    # Another scheme may hold the same ID: it is unique in its own scheme only.
    elsewhere = SchemeFactory()
    monkeypatch.setattr(services.secrets, "token_hex", lambda _n: taken)
    assert services.new_research_id(elsewhere, ParticipantRole.MENTOR) == f"M-{taken}"


def test_the_database_refuses_a_participant_without_an_id_or_with_a_taken_one(
    scheme: Scheme,
) -> None:
    taken = ParticipantFactory(scheme=scheme).research_id
    with pytest.raises(IntegrityError), transaction.atomic():
        ParticipantFactory(scheme=scheme, research_id="")
    with pytest.raises(IntegrityError), transaction.atomic():
        ParticipantFactory(scheme=scheme, research_id=taken)


def _migrate_schemes_to(name: str) -> None:
    MigrationExecutor(connection).migrate([("schemes", name)])


def _migrate_everything() -> None:
    """Every app to its latest migration. Going back in schemes also unapplied the other
    apps' migrations that depend on it (meetings 0002, say); moving schemes forward alone
    left them out, and the next test of the same process found columns missing."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)  # SQLite cannot migrate inside a transaction
def test_the_migration_stores_the_ids_participants_had_and_reverses(
    mentor: Participant, mentee: Participant, other_mentor: Participant
) -> None:
    before = {p.pk: former_id(p) for p in (mentor, mentee, other_mentor)}
    _migrate_schemes_to("0004_participant_research_id")  # IDs worked out at each export
    try:
        with connection.cursor() as cursor:
            table = Participant._meta.db_table
            cursor.execute(f"SELECT count(*) FROM {table} WHERE research_id = ''")  # noqa: S608
            assert cursor.fetchone()[0] == 3  # the reverse forgot the stored IDs
            # An imported participant whose ID is the one other_mentor's was worked out to.
            cursor.execute(
                f"UPDATE {table} SET research_id = %s WHERE id = %s",  # noqa: S608
                [before[other_mentor.pk], mentee.pk],
            )
        _migrate_schemes_to("0006_research_id_required")
        after = {p.pk: p for p in Participant.objects.all()}
        assert after[mentor.pk].research_id == before[mentor.pk]  # kept as it was
        assert not after[mentor.pk].is_imported
        assert after[mentee.pk].research_id == before[other_mentor.pk]
        assert after[mentee.pk].is_imported  # its ID was set: it came from a folder
        # Two in one scheme cannot share an ID: the other mentor gets a new random one.
        assert re.fullmatch(r"M-[0-9a-f]{12}", after[other_mentor.pk].research_id)
    finally:
        _migrate_everything()
