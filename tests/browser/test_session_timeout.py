"""The warning before a sign-in runs out, in the browser: on a questionnaire page, and in
the Django admin.

The page's clock is Playwright's, moved on by hand; the server's idea of when the session
ends is moved by changing the time the session was last saved, as if the person had
signed in nearly eight hours ago.
"""

from __future__ import annotations

import time
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from revmentor.core.session_time import SAVED_AT, WARN_BEFORE
from revmentor.core.signed_out import KEPT
from revmentor.questionnaires.models import Answer
from tests.browser.conftest import Axe, csp_violations, missing_files, sign_in
from tests.browser.test_questionnaire import (
    TITLE,
    UNDERSTANDING,
    scheme_in_phase_1_with_consented_mentor,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AGE = 8 * 3600


def server_session(page: Any) -> Any:
    """The browser's session as the server holds it."""
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    store.load()
    return store


def signed_in_long_ago(page: Any, seconds_left: int) -> None:
    """Make the server's session end in ``seconds_left`` seconds from now."""
    store = server_session(page)
    store[SAVED_AT] = time.time() - (AGE - seconds_left)
    store.save()


@override_settings(SESSION_COOKIE_AGE=AGE)
def test_warned_before_the_end_stays_signed_in_then_is_told_when_signed_out(
    new_page: Any, axe: Axe
) -> None:
    # Given a mentor on a questionnaire page, signed in at the start of a shift
    mentor = scheme_in_phase_1_with_consented_mentor()
    page = new_page()
    page.clock.install()
    sign_in(page, axe, mentor.user)
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="Start now").click()
    page.get_by_role("heading", name="Understanding and concerns", level=1).wait_for()
    dialog = page.get_by_role("dialog")
    assert not dialog.is_visible()

    # When nearly eight hours have gone by (four minutes are left)
    signed_in_long_ago(page, seconds_left=240)
    page.clock.fast_forward((AGE - WARN_BEFORE + 5) * 1000)

    # Then a dialog warns them, saying when, with the choice to stay signed in
    warning = page.get_by_role("dialog", name="You will be signed out soon")
    warning.wait_for()
    assert "you will be signed out at" in warning.inner_text()
    assert "unless you choose to stay signed in" in warning.inner_text()
    assert warning.get_by_role("button", name="Stay signed in").is_visible()
    assert warning.get_by_role("button", name="Sign out").is_visible()
    axe.check(page)

    # When they stay signed in from another tab, the warning here goes within 30 seconds
    signed_in_long_ago(page, seconds_left=AGE)
    page.clock.fast_forward(31_000)
    warning.wait_for(state="hidden")

    # When warned again and they choose to stay signed in, the session starts again and
    # the dialog goes
    signed_in_long_ago(page, seconds_left=240)
    page.clock.fast_forward((AGE - WARN_BEFORE + 5) * 1000)
    warning.wait_for()
    before = server_session(page)[SAVED_AT]
    warning.get_by_role("button", name="Stay signed in").click()
    warning.wait_for(state="hidden")
    assert server_session(page)[SAVED_AT] > before + AGE - 300

    # And the next warning can be answered with Escape, which also keeps them signed in
    signed_in_long_ago(page, seconds_left=200)
    page.clock.fast_forward((AGE - WARN_BEFORE + 5) * 1000)
    warning.wait_for()
    before = server_session(page)[SAVED_AT]
    page.keyboard.press("Escape")
    warning.wait_for(state="hidden")
    assert server_session(page)[SAVED_AT] > before + AGE - 300

    # And when the page's form has gone stale (signing in again in another tab changes
    # the CSRF token), Stay signed in takes the time of that other sign-in
    signed_in_long_ago(page, seconds_left=200)
    page.clock.fast_forward((AGE - WARN_BEFORE + 5) * 1000)
    warning.wait_for()
    origin = page.evaluate("location.origin")
    page.context.add_cookies([{"name": "csrftoken", "value": "x" * 32, "url": origin}])
    signed_in_long_ago(page, seconds_left=AGE)
    warning.get_by_role("button", name="Stay signed in").click()
    warning.wait_for(state="hidden")
    page.reload()  # as the person would, to send the form with the new token
    page.get_by_role("heading", name="Understanding and concerns", level=1).wait_for()

    # When the session ends all the same (signed out in another tab, say) and the time
    # is up, the page says so, and that what they type here will be kept
    page.context.clear_cookies(name="sessionid")
    page.clock.fast_forward((AGE + 5) * 1000)
    ended = page.get_by_role("dialog", name="You have been signed out")
    ended.wait_for()
    assert "what you typed will be kept" in ended.inner_text()
    axe.check(page)
    ended.get_by_role("button", name="Back to the page").click()
    ended.wait_for(state="hidden")

    # And answering the page and pressing Continue takes them to sign in, told so
    page.get_by_role("group", name=UNDERSTANDING).get_by_label("4", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Sign in", level=1).wait_for()
    assert KEPT in page.locator(".nhsuk-notification-banner").inner_text()
    assert not Answer.objects.exists()


def test_a_page_not_signed_in_has_no_warning(new_page: Any) -> None:
    page = new_page()
    page.goto("/about/")
    page.get_by_role("heading", name="About revmentor").wait_for()
    assert page.locator("dialog").count() == 0
    assert page.locator("script[src*='session']").count() == 0


@override_settings(SESSION_COOKIE_AGE=AGE)
def test_a_site_admin_in_the_django_admin_is_warned_too(new_page: Any, axe: Axe) -> None:
    # Given a site admin on a page of the Django admin
    admin = UserFactory(full_name="Sam Admin", is_superuser=True, is_staff=True)
    page = new_page()
    page.clock.install()
    sign_in(page, axe, admin, lands_on="Schemes")
    page.goto("/admin/core/auditevent/")
    page.get_by_role("heading", name="Select audit event to view", level=1).wait_for()
    assert not page.get_by_role("dialog").is_visible()

    # When four minutes of their session are left, the same warning shows
    signed_in_long_ago(page, seconds_left=240)
    page.clock.fast_forward((AGE - WARN_BEFORE + 5) * 1000)
    warning = page.get_by_role("dialog", name="You will be signed out soon")
    warning.wait_for()

    # And staying signed in starts the session again, as on every other page
    before = server_session(page)[SAVED_AT]
    warning.get_by_role("button", name="Stay signed in").click()
    warning.wait_for(state="hidden")
    assert server_session(page)[SAVED_AT] > before + AGE - 300
    # With nothing the page's policy blocked and none of the site's files missing (the
    # admin's own pages are Django's, so axe is not run on them)
    assert csp_violations(page) == [] and missing_files(page) == []
