"""Every form shown again with its errors, checked in the browser as every page is.

The pages as they first open are checked by test_every_page. Here each form of the app
(the endpoints of tests/security/test_forms_never_fail.py, signed in as someone allowed
to use it, the scheme in the phase where the form is open) is posted with every field
empty, then with every field "x" (with a CSRF token, as a browser sends). Each answer
that shows the page again (200, HTML) is loaded in the browser from the live server's
address, with the view's own headers (so its Content-Security-Policy applies), and
checked: no axe violation, nothing the policy blocked, no file of the site missing, no
sideways scrolling 320 pixels wide; and a page with an error summary has a title that
starts with "Error: ".

The pages are the same on every database: on PostgreSQL the sweep is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from revmentor.core.models import User
from tests.browser.conftest import Axe
from tests.security import conftest as security
from tests.security.test_forms_never_fail import ENDPOINTS, Endpoint, target_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

world = security.world  # the security tests' data, as a fixture of this module too


def _answer_with(html: str, headers: dict[str, str]) -> Callable[[Any, Any], None]:
    """A route handler that answers the page's address with the view's answer."""

    def answer(route: Any, _request: Any) -> None:
        route.fulfill(status=200, headers=headers, body=html)

    return answer


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the same pages as on SQLite")
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_error_page(
    world: security.World,
    endpoint: Endpoint,
    client_for: Callable[[User | None], Client],
    new_page: Any,
    axe: Axe,
    live_server: Any,
) -> None:
    # django-allauth counts requests in the cache to limit their rate, and an earlier
    # test in this process may have posted the same form as the same user (ids repeat
    # after a rollback) within the minute: its 429 would skip this page unseen.
    cache.clear()
    target = target_of(world, endpoint, client_for)
    shown = 0
    for posted in (dict.fromkeys(target.fields, ""), dict.fromkeys(target.fields, "x")):
        # A browser always sends the form's CSRF token (the test client does not check it)
        sent = {"csrfmiddlewaretoken": "x", **posted, **target.fixed}
        answer = target.client.post(target.url, sent)
        if answer.status_code != 200 or not answer["Content-Type"].startswith("text/html"):
            continue
        html = answer.content.decode()
        assert "nhsuk-error-message" in html or "nhsuk-error-summary" in html, (
            f"{endpoint.name}: shown again without saying what is wrong"
        )
        assert "This field is required" not in html, f"{endpoint.name}: say what to enter"
        if 'data-module="nhsuk-error-summary"' in html:
            title = re.search(r"<title>\s*(.*?)\s*</title>", html, re.DOTALL)
            assert title and title.group(1).startswith("Error: "), endpoint.name
        page = new_page()
        page.route(f"{live_server.url}{target.url}", _answer_with(html, dict(answer.items())))
        page.goto(target.url)
        axe.check(page)
        page.set_viewport_size({"width": 320, "height": 800})
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320, f"{endpoint.name}: {width} pixels wide on a 320-pixel screen"
        page.close()
        shown += 1
    if not shown:
        pytest.skip(f"{endpoint.name}: answers with a redirect; its page is checked where it lands")
