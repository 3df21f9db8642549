"""factory_boy factories for the Django models."""

from __future__ import annotations

import factory

from revmentor.core.models import User
from revmentor.schemes.models import (
    Consent,
    Organisation,
    Participant,
    ParticipantRole,
    Scheme,
    SchemeMembership,
    StaffRole,
)
from revmentor.schemes.services import new_research_id


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.nhs.uk")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password("a-long-test-password")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Trust {n} NHS Foundation Trust")


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scheme

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Scheme {n}")
    specialty = "Gastroenterology"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchemeMembership

    scheme = factory.SubFactory(SchemeFactory)
    user = factory.SubFactory(UserFactory)
    role = StaffRole.LEAD


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    scheme = factory.SubFactory(SchemeFactory)
    user = factory.SubFactory(UserFactory)
    role = ParticipantRole.MENTOR
    # As participant_add draws it: random, unique in the scheme.
    research_id = factory.LazyAttribute(lambda p: new_research_id(p.scheme, p.role))


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    participant = factory.SubFactory(ParticipantFactory)
    information_sheet_version = "1.0"
    take_part = True
    research_use = True
