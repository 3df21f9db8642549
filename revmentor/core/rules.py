"""Who may read the audit trail, as ``rules`` permissions.

A scheme's trail is for its leads and site admins (``core.read_scheme_audit_trail``,
checked on the scheme after the scoped lookup); the whole installation's trail, with
events that belong to no scheme such as sign-ins, is for site admins only
(``core.read_audit_trail``). Nobody can change or delete an event.
"""

from __future__ import annotations

import rules

from revmentor.schemes.rules import is_lead, is_site_admin

rules.add_perm("core.read_scheme_audit_trail", is_site_admin | is_lead)
rules.add_perm("core.read_audit_trail", is_site_admin)
