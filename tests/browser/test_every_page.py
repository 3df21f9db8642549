"""axe, the Content-Security-Policy, the site's files and a phone's width on every page.

The permission matrix (tests/schemes/test_access.py) names every URL and who may open
it. Here each of its pages that answers someone with HTML is opened in the browser as
the first persona the matrix lets in (staff first, then participants, then anonymous),
with the same data, and checked as the journeys check theirs: no axe violation, nothing
the policy blocked, no file of the site missing; then, 320 CSS pixels wide, the page
must not scroll sideways (a wide table scrolls in its own box). Downloads (CSV, PDF,
zip, calendar) and the Django admin, whose pages are Django's own, are left to their
own tests.

The pages are the same on every database: on PostgreSQL the sweep is skipped, to keep
the suite's time down.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from revmentor.core.backends import ACCOUNT_BACKEND
from revmentor.schemes.models import Participant, Scheme
from tests.browser.conftest import Axe
from tests.schemes import test_access
from tests.schemes.test_access import PERSONAS, ROWS, url_of, user_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

in_use = test_access.in_use  # the matrix's data, as a fixture of this module too

# Whom to open a page as: the first of these the matrix lets in (200).
PREFERENCE = [
    "lead",
    "site_admin",
    "facilitator",
    "researcher",
    "mentor",
    "other_mentor",
    "mentee",
    "other_mentee",
    "withdrawn",
    "outsider",
    "other_lead",
    "anonymous",
]
assert sorted(PREFERENCE) == sorted(PERSONAS)
# Pages that stand alone, without the site's layout: the feedback document as the
# delivering mentor reads it (the same HTML the PDF is made from).
STANDALONE = {"released_document"}


def _who(expected: list[int]) -> str | None:
    allowed = {p for p, status in zip(PERSONAS, expected, strict=True) if status == 200}
    return next((p for p in PREFERENCE if p in allowed), None)


PAGES = [
    (name, expected, about)
    for name, expected, about in ROWS
    if _who(expected) is not None and not name.startswith("admin:")
]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the same pages as on SQLite")
@pytest.mark.parametrize(("name", "expected", "about"), PAGES, ids=[row[0] for row in PAGES])
def test_page(
    request: pytest.FixtureRequest,
    new_page: Any,
    axe: Axe,
    live_server: Any,
    in_use: tuple[Scheme, Participant],
    name: str,
    expected: list[int],
    about: str,
) -> None:
    scheme, mentor = in_use
    url = url_of(name, about, scheme, mentor)
    persona = _who(expected)
    assert persona is not None
    user = user_of(request, persona)
    client = Client()
    if user is not None:
        client.force_login(user, backend=ACCOUNT_BACKEND)
    answer = client.get(url)
    assert answer.status_code == 200, f"{name} as {persona}: {answer.status_code}"
    if not answer["Content-Type"].startswith("text/html"):
        pytest.skip(f"{name}: a download ({answer['Content-Type']}), checked by its own tests")

    page = new_page()
    if user is not None:
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
    opened = page.goto(url)
    assert opened is not None and opened.status == 200, f"{name} as {persona} in the browser"
    on_layout = page.locator("script[src*='revmentor/init']").count() > 0
    assert on_layout == (name not in STANDALONE), f"{name}: on the site's layout? {on_layout}"
    axe.check(page, scripted=on_layout)

    # And on a phone 320 CSS pixels wide, it does not scroll sideways (WCAG 1.4.10)
    page.set_viewport_size({"width": 320, "height": 800})
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"{name}: {width} pixels wide on a 320-pixel screen"
