"""Playwright in Debian's Chromium, with axe-core from npm checking every page.

Every page axe checks must also have broken no rule of the Content-Security-Policy: a
listener installed before any page script records each violation the browser reports.

Browser tests skip (loudly, see the README's test command) when Chromium is missing.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("REVMENTOR_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Installed in every page before its own scripts (init scripts are not bound by the
# page's Content-Security-Policy): records what the policy blocked.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` (${event.sourceFile || event.documentURI}:${event.lineNumber})`
  );
});
"""

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: browser tests skipped")
    if not AXE.exists():
        pytest.skip("axe-core not installed (npm ci): browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


# The page's own files (style sheets, scripts, images, fonts, the manifest) that did not
# load, per page: a style sheet pointing at a file the site does not serve shows nothing.
_MISSING: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()
FILE_KINDS = {"stylesheet", "script", "image", "font", "media", "manifest"}


def watch(context: Any, site: str) -> None:
    """Listen on every page of ``context`` for CSP violations and for files of ``site``
    (its base URL) that fail to load; ``Axe.check`` fails on either."""
    context.add_init_script(script=CSP_LISTENER)

    def listen(page: Any) -> None:
        missing = _MISSING.setdefault(page, [])

        def answered(response: Any) -> None:
            request = response.request
            mine = request.resource_type in FILE_KINDS and request.url.startswith(site)
            if mine and response.status >= 400:
                missing.append(f"{response.status} {request.url}")

        def failed(request: Any) -> None:
            # Not a request cancelled because the page moved on (ERR_ABORTED): a file the
            # site does not have is answered 404, above.
            mine = request.resource_type in FILE_KINDS and request.url.startswith(site)
            if mine and "ERR_ABORTED" not in (request.failure or ""):
                missing.append(f"{request.failure} {request.url}")

        page.on("response", answered)
        page.on("requestfailed", failed)

    context.on("page", listen)


def missing_files(page: Any) -> list[str]:
    """The site's files that this page asked for and did not get (fails if not listening)."""
    assert page in _MISSING, f"not listening on {page.url}: make pages with new_page"
    return list(_MISSING[page])


def csp_violations(page: Any) -> list[str]:
    """What the Content-Security-Policy blocked on the page so far (fails if not listening)."""
    found = page.evaluate("() => window.__cspViolations ?? null")
    assert found is not None, f"no CSP listener on {page.url}: make pages with new_page"
    return list(found)


# Radios that reveal a question: see Axe.
REVEALS = ".nhsuk-radios__input[aria-controls^='conditional-'][aria-expanded]"


class Axe:
    """Runs axe-core on a page and fails the test on any violation, any CSP violation or
    any of the site's files the page could not load.

    axe knows one deliberate departure of the NHS.UK radios from ARIA 1.2: the design
    system's JavaScript puts ``aria-expanded`` on a radio that reveals a question (Yes to
    concerns, in a questionnaire). ARIA 1.2 does not allow it on radios, so axe reports
    ``aria-allowed-attr``; GOV.UK and NHS.UK keep it on purpose because screen readers
    announce it (alphagov/govuk-frontend#979, w3c/aria#1404). Only that attribute, only
    on such radios, is left out of the check; everything else on the page is checked.
    """

    def __init__(self) -> None:
        self.pages_checked: list[str] = []

    def check(self, page: Any, scripted: bool = True) -> None:
        """Check ``page``; ``scripted=False`` for a page without the site's layout and its
        JavaScript (a feedback document on its own), which is checked as it loads."""
        if scripted:  # as people meet it: after the NHS.UK JavaScript has run
            page.wait_for_function(
                "() => document.documentElement.dataset.revmentorReady === 'true'"
            )
        page.evaluate(
            """(reveals) => document.querySelectorAll(reveals).forEach((input) => {
                input.dataset.ariaExpanded = input.getAttribute("aria-expanded");
                input.removeAttribute("aria-expanded");
            })""",
            REVEALS,
        )
        try:
            found = self.violations(page)
        finally:
            page.evaluate(
                """(reveals) => document.querySelectorAll(reveals).forEach((input) => {
                    input.setAttribute("aria-expanded", input.dataset.ariaExpanded);
                    delete input.dataset.ariaExpanded;
                })""",
                REVEALS,
            )
        violations = [
            f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: "
            f"{[n['target'] for n in v['nodes']][:3]})"
            for v in found
        ]
        assert violations == [], f"axe on {page.url}: {violations}"
        assert csp_violations(page) == [], f"CSP on {page.url}: {csp_violations(page)}"
        assert missing_files(page) == [], f"not loaded (now on {page.url}): {missing_files(page)}"
        self.pages_checked.append(page.url)

    @staticmethod
    def violations(page: Any) -> list[Any]:
        """axe's violations on ``page`` as it is (each rule's id, help and elements), by the
        rules every check uses; without the waiting and the other checks of ``check``."""
        # Evaluated, not added as a <script>: the page's CSP allows no inline script.
        page.evaluate(AXE.read_text(encoding="utf-8"))
        # Only what the check reads comes back: axe's whole result lists every element
        # of every rule that passed, megabytes to send from the browser at every check.
        return page.evaluate(
            """async () => {
                const result = await axe.run(document, {
                    runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa',
                              'best-practice'],
                    resultTypes: ['violations'],
                });
                return result.violations.map((v) => ({
                    id: v.id, help: v.help, nodes: v.nodes.map((n) => ({target: n.target})),
                }));
            }"""
        )


@pytest.fixture
def axe() -> Axe:
    return Axe()


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Any]:
    contexts = []

    def make() -> Any:
        context = browser.new_context(base_url=live_server.url)
        watch(context, live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Any, axe: Axe, user: Any, lands_on: str = "Your tasks") -> None:
    """Sign in through the one-time link page, as an invitation email's link does."""
    from sesame.utils import get_query_string

    page.goto(f"/sign-in/link/{get_query_string(user)}")
    page.get_by_role("heading", name="Sign in").wait_for()
    axe.check(page)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name=lands_on, level=1).wait_for()
    axe.check(page)
