"""The sign-in backends, loading the signed-in person in one written-out query.

Every signed-in request loads its person through the backend that signed them in
(``django.contrib.auth.get_user`` → ``backend.get_user``), and then
``core.mfa.RequireMFAMiddleware`` asks whether they must set up two-step verification
(are they a lead, and do they have an authenticator app?). Through the ORM that is two
or three queries, about 2 ms of query building on every page (ADR 0013). Here it is one
SELECT: the user's columns, whether they lead any scheme, and whether they have an
authenticator app, turned into the same ``User`` the ORM would give
(``core.rows.Columns``). The two facts ride along on the instance as
:class:`SignedInFacts`, for this request only.

``LinkBackend`` is django-sesame's backend (one-time invitation links), ``AccountBackend``
django-allauth's (password, emailed code); each is theirs in everything but ``get_user``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from allauth.mfa.models import Authenticator
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from sesame.backends import ModelBackend as SesameModelBackend

from revmentor.core.models import User
from revmentor.core.rows import Columns
from revmentor.schemes.models import SchemeMembership, StaffRole

LINK_BACKEND = "revmentor.core.backends.LinkBackend"
ACCOUNT_BACKEND = "revmentor.core.backends.AccountBackend"


@dataclass(frozen=True)
class SignedInFacts:
    """What two-step verification needs to know of a person, read with them."""

    leads_a_scheme: bool
    has_authenticator_app: bool


@cache
def _user_columns() -> Columns[User]:
    return Columns(User, "u")


@cache
def _query(connection: BaseDatabaseWrapper) -> str:
    quote = connection.ops.quote_name
    columns = _user_columns()
    user, membership, authenticator = (
        User._meta,
        SchemeMembership._meta,
        Authenticator._meta,
    )
    pk = quote(user.pk.column)
    return (
        # Names from the models' metadata, values as parameters.
        f"SELECT {columns.sql(connection)}, "  # noqa: S608  # nosec B608
        f"EXISTS (SELECT 1 FROM {quote(membership.db_table)} m "
        f"WHERE m.{quote(membership.get_field('user').column)} = u.{pk} "
        f"AND m.{quote(membership.get_field('role').column)} = %s), "
        f"EXISTS (SELECT 1 FROM {quote(authenticator.db_table)} a "
        f"WHERE a.{quote(authenticator.get_field('user').column)} = u.{pk} "
        f"AND a.{quote(authenticator.get_field('type').column)} = %s) "
        f"FROM {quote(user.db_table)} u WHERE u.{pk} = %s"
    )


_QUERY: dict[str, str] = {}


def signed_in_user(user_id: Any) -> User | None:
    """The user with primary key ``user_id`` and their :class:`SignedInFacts`; None if none."""
    pk = User._meta.pk.to_python(user_id)
    connection = connections[DEFAULT_DB_ALIAS]  # looked up once, not at every use
    query = _QUERY.get(connection.vendor)
    if query is None:
        query = _QUERY[connection.vendor] = _query(connection)
    with connection.cursor() as cursor:
        cursor.execute(query, [StaffRole.LEAD.value, Authenticator.Type.TOTP.value, pk])
        row = cursor.fetchone()
    if row is None:
        return None
    columns = _user_columns()
    found = columns.take(row, 0, connection)
    if found is None:  # pragma: no cover - the WHERE matched the primary key
        return None
    found.signed_in_facts = SignedInFacts(  # type: ignore[attr-defined]
        leads_a_scheme=bool(row[len(columns)]),
        has_authenticator_app=bool(row[len(columns) + 1]),
    )
    return found


class _OneQueryGetUser:
    """``get_user`` by :func:`signed_in_user`, refusing inactive people as Django does."""

    def get_user(self, user_id: Any) -> User | None:
        found = signed_in_user(user_id)
        if found is None or not self.user_can_authenticate(found):  # type: ignore[attr-defined]
            return None
        return found


class LinkBackend(_OneQueryGetUser, SesameModelBackend):
    """django-sesame's backend: sign-in with a one-time invitation link."""


class AccountBackend(_OneQueryGetUser, AuthenticationBackend):
    """django-allauth's backend: sign-in with a password or an emailed code."""
