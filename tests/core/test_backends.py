"""The sign-in backends' one-query ``get_user`` (core/backends.py), held to the ORM.

The person a backend loads must be exactly the one ``User.objects.get`` loads, field by
field, and the two facts read with them must be what the ORM queries of ``core.mfa``
answer — for a participant, a lead with and without an authenticator app, a site admin,
a facilitator, an inactive person and nobody. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from revmentor.core.backends import AccountBackend, LinkBackend, SignedInFacts
from revmentor.core.mfa import mfa_required, needs_totp_setup
from revmentor.core.models import User
from revmentor.schemes.models import Participant, Scheme, SchemeMembership, StaffRole

BACKENDS = [LinkBackend, AccountBackend]


def _same_person(found: User, expected: User) -> None:
    for field in User._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert found._state.adding is False
    assert found._state.db == expected._state.db


def _orm_facts(user: User) -> SignedInFacts:
    return SignedInFacts(
        leads_a_scheme=SchemeMembership.objects.filter(user=user, role=StaffRole.LEAD).exists(),
        has_authenticator_app=Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).exists(),
    )


@pytest.fixture
def people(
    lead: User,
    other_lead: User,
    facilitator: User,
    site_admin: User,
    mentor: Participant,
    outsider: User,
) -> list[User]:
    # other_lead has an authenticator app; lead has only recovery codes, which do not count.
    Authenticator.objects.create(user=other_lead, type=Authenticator.Type.TOTP, data={})
    Authenticator.objects.create(user=lead, type=Authenticator.Type.RECOVERY_CODES, data={})
    return [lead, other_lead, facilitator, site_admin, mentor.user, outsider]


@pytest.mark.parametrize("backend", BACKENDS)
def test_get_user_loads_what_the_orm_loads_and_both_facts(
    backend: type[Any], people: list[User], django_assert_num_queries: Any
) -> None:
    for person in people:
        with django_assert_num_queries(1):
            found = backend().get_user(person.pk)
        assert found is not None
        _same_person(found, User.objects.get(pk=person.pk))
        assert found.signed_in_facts == _orm_facts(person), person.email


def test_the_facts_say_who_leads_and_who_has_an_app(
    people: list[User], lead: User, other_lead: User, mentor: Participant
) -> None:
    facts = {person.pk: LinkBackend().get_user(person.pk).signed_in_facts for person in people}
    assert facts[lead.pk] == SignedInFacts(leads_a_scheme=True, has_authenticator_app=False)
    assert facts[other_lead.pk] == SignedInFacts(leads_a_scheme=True, has_authenticator_app=True)
    assert facts[mentor.user.pk] == SignedInFacts(leads_a_scheme=False, has_authenticator_app=False)


@pytest.mark.parametrize("backend", BACKENDS)
def test_nobody_for_an_inactive_or_unknown_person(
    backend: type[Any], outsider: User, db: Any
) -> None:
    assert backend().get_user(outsider.pk + 10_000) is None
    assert backend().get_user(str(outsider.pk)) is not None  # as a session stores it
    outsider.is_active = False
    outsider.save(update_fields=["is_active"])
    assert backend().get_user(outsider.pk) is None


@pytest.mark.parametrize("require", [True, False])
def test_the_two_step_check_asks_nothing_more_of_the_person_signed_in(
    settings: Any,
    require: bool,
    people: list[User],
    django_assert_num_queries: Any,
) -> None:
    settings.REVMENTOR_REQUIRE_MFA = require
    for person in people:
        loaded = AccountBackend().get_user(person.pk)
        fresh = User.objects.get(pk=person.pk)  # no facts: the ORM answers
        with django_assert_num_queries(0):
            required, setup = mfa_required(loaded), needs_totp_setup(loaded)
        assert (required, setup) == (mfa_required(fresh), needs_totp_setup(fresh)), person.email


def test_a_lead_made_after_sign_in_is_asked_on_their_next_page(
    settings: Any,
    client_for: Callable[[User | None], Client],
    outsider: User,
    scheme: Scheme,
) -> None:
    settings.REVMENTOR_REQUIRE_MFA = True
    client = client_for(outsider)
    assert client.get(reverse("home")).get("Location") != reverse("mfa_activate_totp")
    SchemeMembership.objects.create(scheme=scheme, user=outsider, role=StaffRole.LEAD)
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")
