"""Write docs/permissions.md: the access matrix of tests/schemes/test_access.py as a table.

Run ``.venv/bin/python -m tests.schemes.permissions_doc`` after changing the matrix;
``tests/schemes/test_permissions_doc.py`` fails while the file is out of date.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
COMMAND = ".venv/bin/python -m tests.schemes.permissions_doc"

HEADINGS = {
    "anonymous": "Signed out",
    "site_admin": "Site admin",
    "lead": "Lead",
    "facilitator": "Facilitator",
    "researcher": "Researcher",
    "other_lead": "Lead of another scheme",
    "mentor": "Mentor",
    "other_mentor": "Another mentor",
    "mentee": "The mentor's mentee",
    "other_mentee": "Another mentee",
    "withdrawn": "Withdrawn mentor",
    "outsider": "No role",
}

WORDS = {
    200: "allowed",
    400: "link expired",
    403: "forbidden",
    404: "not found",
    405: "POST only",
}

LEGEND = """\
- **allowed**: the page opens (200).
- **sign in**: sent to the sign-in page first (302).
- **redirect**: sent on to another page (302): the home page sends staff to their schemes
  and everyone else to Your tasks; sign-in pages send people who are signed in home; the
  Django admin sends people who are not site admins to its sign-in, which refuses them.
- **forbidden**: the person can see the scheme but may not do this (403).
- **not found**: the person has no role that lets them know the page exists (404).
- **POST only**: an action, done with a form button (405 to a GET, after every check).
- **link expired**: a sign-in link without a valid token (400).
"""

SETTING = """\
The matrix is checked by `tests/schemes/test_access.py` in this setting: in the scheme,
the questionnaire for mentors before phase 1 is open and the mentor has saved a draft;
the group interview has a transcript, an online contribution and a compiled document.
For the released-document and session rows, an allocation is published pairing the
mentor, and the withdrawn mentor before they withdrew, with the mentor's mentee, whose
document is approved, and the pair have a time for their session. Every participant
except the withdrawn one has consent in force.
"""

SECTIONS = [
    ("Scheme pages (staff)", lambda route: route.startswith("schemes/<")),
    ("Participant pages", lambda route: route.startswith("tasks/")),
    ("Sign-in pages (django-allauth)", lambda route: route.startswith("accounts/")),
    ("Django admin", lambda route: route.startswith("admin/")),
    ("Other pages", lambda route: True),
]

# What a page is, where its view has no docstring to say it.
DESCRIPTIONS = {
    "home": "Sends each person to where they start.",
    "about": "About revmentor.",
    "schemes:create": "Create a scheme.",
    "schemes:participants": "The scheme's mentors and mentees, with names and emails.",
    "schemes:edit": "Change the scheme's details.",
    "schemes:participant_add": "Add a participant.",
    "schemes:participant_edit": "Change a participant's details.",
    "schemes:participant_invite": "Send one participant their invitation.",
    "schemes:invite_all": "Send every participant not yet invited their invitation.",
    "schemes:participant_withdraw": "Withdraw a participant.",
    "schemes:stage_open": "Open the questionnaires of a stage.",
    "schemes:instrument_toggle": "Turn one questionnaire on or off.",
    "schemes:response_reopen": "Reopen a submitted questionnaire.",
    "schemes:contribution_merge": "Add a mentor's contribution to the group's notes.",
    "schemes:document_compile": "Compile the document from the group's notes.",
    "schemes:document_approve": "Approve the latest version of a document.",
    "schemes:document_pdf": "The latest version of a document as an A4 PDF.",
    "schemes:allocation_publish": "Publish the allocation.",
    "schemes:allocation_verify": "Re-run the allocation from its record.",
    "consent_withdraw": "Withdraw your consent.",
    "released_document_pdf": "The released document as an A4 PDF.",
    "account_login": "Sign in with a password, or go on to get a code by email.",
    "account_request_login_code": "Get a sign-in code by email.",
    "account_confirm_login_code": "Enter the sign-in code (after asking for one).",
    "account_logout": "Sign out.",
    "account_signup": "Sign up: closed, accounts are made by invitation.",
    "account_inactive": "Your account is inactive.",
    "account_reauthenticate": "Confirm who you are before a sensitive change.",
    "account_request_reauthentication_code": "Confirm who you are with a code by email.",
    "account_confirm_reauthentication_code": "Enter the code to confirm who you are.",
    "account_email": "Not offered: the email address is set by whoever invites a person.",
    "account_email_verification_sent": "Email verification sent (not used).",
    "account_confirm_email": "Confirm an email address (not used).",
    "account_change_password": "Change your password.",
    "account_set_password": "Set a password.",
    "account_reset_password": "Forgotten password: get a reset link.",
    "account_reset_password_done": "Reset link sent.",
    "account_reset_password_from_key": "Choose a new password from a reset link.",
    "account_reset_password_from_key_done": "Password changed.",
    "mfa_index": "Two-step verification: what is set up.",
    "mfa_authenticate": "Enter the authenticator code at sign-in (after the password).",
    "mfa_reauthenticate": "Confirm who you are with the authenticator code.",
    "mfa_activate_totp": "Set up an authenticator app.",
    "mfa_deactivate_totp": "Remove the authenticator app (only if you have one).",
    "mfa_view_recovery_codes": "Your recovery codes (only if you have them).",
    "mfa_generate_recovery_codes": "Make new recovery codes.",
    "mfa_download_recovery_codes": "Download your recovery codes (only if you have them).",
    "admin:index": "The Django admin.",
    "admin:login": "The Django admin's sign-in: goes to ours (with two-step verification).",
    "admin:logout": "Sign out of the Django admin.",
    "admin:password_change": "Change your password in the Django admin.",
    "admin:password_change_done": "Password changed, in the Django admin.",
    "admin:jsi18n": "The Django admin's translations script.",
    "admin:autocomplete": "The Django admin's autocomplete lookups.",
    "admin:app_list": "The Django admin's page of one app.",
    "admin:core_auditevent_changelist": "Audit events in the Django admin.",
    "admin:core_auditevent_add": "Add an audit event: refused.",
    "admin:core_auditevent_change": "One audit event, read only.",
    "admin:core_auditevent_history": "One audit event's admin history.",
    "admin:core_auditevent_delete": "Delete an audit event: refused.",
}


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full name (None if it has none), path and view."""

    name: str | None
    route: str
    view: Callable[..., Any]


def url_routes(
    patterns: Iterable[Any] | None = None, namespace: str = "", prefix: str = ""
) -> list[Route]:
    """Every URL pattern the resolver knows, namespaces included, in resolver order."""
    from django.urls import URLPattern, get_resolver

    found: list[Route] = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            found.append(Route(name=name, route=route, view=pattern.callback))
        else:
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found.extend(url_routes(pattern.url_patterns, inner, route))
    return found


def _describe(name: str, view: Callable[..., Any] | None) -> str:
    if name in DESCRIPTIONS:
        return DESCRIPTIONS[name]
    doc = (getattr(view, "__doc__", None) or "").strip()
    if doc and getattr(view, "__module__", "").startswith("revmentor."):
        first = " ".join(doc.split("\n\n")[0].split())
        return first if first.endswith(".") else first + "."
    return name.split(":")[-1].replace("_", " ").capitalize() + "."


def _cell(status: int, persona: str) -> str:
    if status == 302:
        return "sign in" if persona == "anonymous" else "redirect"
    return WORDS.get(status, str(status))


def render() -> str:
    """The whole of docs/permissions.md, from the matrix and the URL resolver."""
    from tests.schemes.test_access import MATRIX, OTHER, PERSONAS

    routes: dict[str, Route] = {}
    for found in url_routes():
        if found.name is not None:
            routes.setdefault(found.name, found)
    rows = {**MATRIX, **OTHER}
    lines = [
        "# Who may open which page",
        "",
        "<!-- Written by `" + COMMAND + "` from the access matrix in",
        "tests/schemes/test_access.py. Do not edit by hand. -->",
        "",
        "Every URL of revmentor, and what each kind of person gets when they open it. The",
        "same matrix is a test (`tests/schemes/test_access.py`), so this table is what the",
        "code does; a URL without a row, or a row the code disagrees with, fails the suite.",
        "",
        SETTING,
        LEGEND,
    ]
    head = ["Page", "What it is", *(HEADINGS[p] for p in PERSONAS)]
    placed: set[str] = set()
    for title, belongs in SECTIONS:
        section = []
        for name, (statuses, _about) in rows.items():
            found = routes.get(name)
            if name in placed or not belongs(found.route if found else ""):
                continue
            placed.add(name)
            cells = (_cell(status, who) for status, who in zip(statuses, PERSONAS, strict=True))
            section.append(
                [
                    f"`/{found.route if found else ''}`<br>{name}",
                    _describe(name, found.view if found else None),
                    *cells,
                ]
            )
        if section:
            lines += [f"## {title}", "", "| " + " | ".join(head) + " |"]
            lines.append("|" + "---|" * len(head))
            lines += [
                "| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in section
            ]
            lines.append("")
    return "\n".join(lines)


def main() -> None:
    """Write docs/permissions.md."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revmentor.config.settings.test")
    django.setup()
    DOC.write_text(render(), encoding="utf-8")
    print(f"Wrote {DOC}")


if __name__ == "__main__":
    main()
