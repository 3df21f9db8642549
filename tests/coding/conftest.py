"""Two researchers code the demo scheme's free-text answers."""

from __future__ import annotations

import pytest

from revmentor.coding import selectors, services
from revmentor.coding.models import Code, Codebook
from revmentor.core.models import User
from revmentor.schemes.models import Scheme, StaffRole
from tests.factories import MembershipFactory, UserFactory
from tests.research.conftest import demo_scheme, no_research_mentor  # noqa: F401 - fixtures


@pytest.fixture
def ann(demo_scheme: Scheme) -> User:  # noqa: F811 - the fixture above
    """The first coder, a researcher of the demo scheme."""
    user = UserFactory(full_name="Ann Coder", email="ann@example.ac.uk")
    MembershipFactory(scheme=demo_scheme, user=user, role=StaffRole.RESEARCHER)
    return user


@pytest.fixture
def ben(demo_scheme: Scheme) -> User:  # noqa: F811
    """The second coder, another researcher of the demo scheme."""
    user = UserFactory(full_name="Ben Coder", email="ben@example.ac.uk")
    MembershipFactory(scheme=demo_scheme, user=user, role=StaffRole.RESEARCHER)
    return user


@pytest.fixture
def codebook(demo_scheme: Scheme, ann: User) -> Codebook:  # noqa: F811
    """The demo scheme's codebook with two codes, one under the other."""
    book = selectors.codebook_of(demo_scheme)
    worry = services.code_create(
        actor=ann, codebook=book, name="supervisor", label="Worry about the supervisor"
    )
    services.code_create(
        actor=ann, codebook=book, name="anonymity", label="Anonymity", parent=worry
    )
    return book


def code(book: Codebook, name: str) -> Code:
    """The code called ``name``."""
    return Code.objects.get(codebook=book, name=name)
