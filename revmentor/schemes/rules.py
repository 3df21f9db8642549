"""Who may do what in a scheme, as ``rules`` predicates.

Views first look objects up through scoped selectors (outsiders get 404), then check
one of these permissions (people who can see but not act get 403).
"""

from __future__ import annotations

from typing import Any

import rules

from revmentor.schemes.models import Scheme, StaffRole
from revmentor.schemes.selectors import roles_in_scheme


@rules.predicate
def is_site_admin(user: Any) -> bool:
    return bool(getattr(user, "is_site_admin", False))


@rules.predicate
def is_lead(user: Any, scheme: Scheme) -> bool:
    return roles_in_scheme(user, scheme).is_lead


@rules.predicate
def is_facilitator(user: Any, scheme: Scheme) -> bool:
    return StaffRole.FACILITATOR in roles_in_scheme(user, scheme).staff


@rules.predicate
def is_researcher(user: Any, scheme: Scheme) -> bool:
    return StaffRole.RESEARCHER in roles_in_scheme(user, scheme).staff


@rules.predicate
def may_create_schemes(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_site_admin or user.organisation_memberships.exists())


rules.add_perm("schemes.create_scheme", may_create_schemes)
rules.add_perm("schemes.view_scheme", is_site_admin | is_lead | is_facilitator | is_researcher)
rules.add_perm("schemes.manage_scheme", is_site_admin | is_lead)
rules.add_perm("schemes.export_research", is_site_admin | is_lead | is_researcher)
rules.add_perm("schemes.facilitate", is_site_admin | is_lead | is_facilitator)
# Names and emails of participants: not for researchers, who see pseudonymised data only.
rules.add_perm("schemes.see_people", is_site_admin | is_lead | is_facilitator)
