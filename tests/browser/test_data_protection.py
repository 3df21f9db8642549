"""A programme lead answers a participant's data-protection requests in the browser.

The journey a trust's information governance lead follows: set the scheme's retention
date, download everything held about a mentor who asked for it, erase him, and read and
download the audit trail that records both. axe checks every page on the way, the
erase page with its error too.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest

from revmentor.core.models import User
from revmentor.schemes.models import Participant, Scheme
from tests.browser.conftest import Axe
from tests.privacy import conftest as privacy
from tests.privacy.conftest import MENTOR_EMAIL, Data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


data = privacy.data  # the privacy tests' scheme: every kind of personal data


def _download(page: Any, click: Any) -> bytes:
    """What the browser saved when ``click`` started a download."""
    with page.expect_download() as info:
        click()
    path = info.value.path()
    with open(path, "rb") as saved:
        return saved.read()


def test_a_lead_exports_then_erases_a_mentor_and_the_trail_shows_both(
    new_page: Any, axe: Axe, data: Data, lead: User
) -> None:
    scheme: Scheme = data.scheme
    mentor: Participant = data.mentor

    # Given the scheme's lead, signed in with their password
    page = new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(lead.email)
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Schemes", level=1).wait_for()

    # When they set the date after which transcripts and identifiers are deleted
    page.goto(f"/schemes/{scheme.pk}/edit/")
    page.get_by_role("heading", name="Scheme details").first.wait_for()
    axe.check(page)
    retention = page.get_by_role("group", name="Retention date")
    retention.get_by_label("Day").fill("31")
    retention.get_by_label("Month").fill("2")
    retention.get_by_label("Year").fill("2031")
    page.get_by_role("button", name="Save").click()

    # Then a date that does not exist is refused, and the error takes them to the day
    summary = page.get_by_role("alert")
    summary.get_by_role("link", name="The retention date must be a real date").click()
    assert page.evaluate("document.activeElement.id") == "id_retention_date_day"
    assert retention.get_by_label("Month").input_value() == "2"
    axe.check(page)

    # When they correct the month
    retention.get_by_label("Month").fill("12")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Scheme details saved").wait_for()
    axe.check(page)
    scheme.refresh_from_db()
    assert str(scheme.retention_date) == "2031-12-31"

    # And open the mentor who asked for his data, then download it
    page.goto(f"/schemes/{scheme.pk}/participants/")
    page.get_by_role("link", name="Dr Mentor One", exact=True).click()
    page.get_by_role("heading", name="Dr Mentor One").wait_for()
    axe.check(page)
    archive = _download(page, page.get_by_role("button", name="Download their personal data").click)
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        names = opened.namelist()
        readme = opened.read(next(n for n in names if n.endswith("/README.txt"))).decode()
        everything = "".join(opened.read(n).decode("utf-8", "replace") for n in names)
    assert MENTOR_EMAIL in everything and "Whether my supervisor will know." in everything
    assert "Door always open" not in everything  # what another mentor wrote: not his
    assert "questionnaires" in readme.lower()

    # Then the erase page says what will happen and will not go on unconfirmed
    page.get_by_role("button", name="Erase their personal data").click()
    page.get_by_role("heading", name="Erase the personal data of Dr Mentor One").wait_for()
    axe.check(page)
    assert page.get_by_role("heading", name="This cannot be undone", level=2).is_visible()
    page.get_by_role("button", name="Erase personal data").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    axe.check(page)
    mentor.refresh_from_db()
    assert mentor.erased_at is None

    # And once confirmed, the mentor is erased and the list no longer names him
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Erase personal data").click()
    page.get_by_text("Personal data erased").first.wait_for()
    axe.check(page)
    assert page.get_by_text("Dr Mentor One").count() == 0
    mentor.refresh_from_db()
    assert mentor.erased_at is not None

    # And the audit trail shows the download and the erasure, newest first
    page.get_by_role("link", name="Audit trail").click()
    page.get_by_role("heading", name="Audit trail").wait_for()
    axe.check(page)
    rows = page.locator("tbody tr")
    assert rows.count() > 2
    first_two = " ".join(rows.nth(i).inner_text() for i in range(2)).lower()
    assert "erase" in first_two and "export" in first_two and "lena lead" in first_two
    assert "Mentor One" not in page.locator("main").inner_text()

    # And filtered to exports, it downloads as CSV without the mentor's name or email
    page.get_by_label("Action").select_option("export")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("match these filters").first.wait_for()
    axe.check(page)
    trail = _download(page, page.get_by_role("link", name="Download these events (CSV)").click)
    table = list(csv.DictReader(io.StringIO(trail.decode("utf-8-sig"))))
    assert table and all(row_is_export(row) for row in table)
    assert "Mentor One" not in trail.decode() and MENTOR_EMAIL not in trail.decode()


def row_is_export(row: dict[str, str]) -> bool:
    """A row of the audit trail's CSV that records an export."""
    return any(value.strip().lower() == "export" for value in row.values())
