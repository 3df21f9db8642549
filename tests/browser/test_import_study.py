"""A lead imports a paper study's data folder; axe checks the page with its problems."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from revmentor.schemes.models import OrganisationMember, Scheme
from tests.browser.conftest import Axe, sign_in
from tests.factories import OrganisationFactory, UserFactory
from tests.research.study_files import csv_bytes, platform_paper_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(f"paper-study/{name}", content)
    return path


def test_a_lead_fixes_a_bad_row_and_imports_the_study(
    new_page: Any, axe: Axe, tmp_path: Path
) -> None:
    # Given a lead of an organisation, and the paper's folder with one age mistyped
    organisation = OrganisationFactory(name="Northern Trust")
    lead = UserFactory(full_name="Lena Lead")
    OrganisationMember.objects.create(organisation=organisation, user=lead)
    files = {
        name: csv_bytes(header, rows) for name, (header, rows) in platform_paper_rows().items()
    }
    good = _zip(tmp_path / "good.zip", files)
    people = files["participants.csv"].replace(b"M1,mentor,male,31", b"M1,mentor,male,3", 1)
    bad = _zip(tmp_path / "bad.zip", {**files, "participants.csv": people})

    # When they import the folder with the mistake
    page = new_page()
    sign_in(page, axe, lead, lands_on="Schemes")
    page.get_by_role("link", name="Import a study data folder").click()
    page.get_by_role("heading", name="Import a study data folder", level=1).wait_for()
    axe.check(page)
    page.get_by_label("Name").fill("Paper study 2021")
    page.get_by_label("Specialty").fill("Cardiology")
    page.get_by_label("Study data folder (.zip)").set_input_files(str(bad))
    page.get_by_role("button", name="Import and create scheme").click()

    # Then nothing is imported and the problem is listed with its file and row
    page.get_by_text("Nothing was imported").wait_for()
    axe.check(page)
    row = page.locator("#problems tbody tr").first
    assert row.locator("td").nth(0).inner_text() == "participants.csv"
    assert row.locator("td").nth(1).inner_text() == "2"
    assert "is not a whole number of years" in row.locator("td").nth(2).inner_text()
    assert not Scheme.objects.exists()

    # And when they upload the corrected folder, the scheme is created in analysis
    page.get_by_label("Study data folder (.zip)").set_input_files(str(good))
    page.get_by_role("button", name="Import and create scheme").click()
    page.get_by_role("heading", name="Paper study 2021", level=1).wait_for()
    axe.check(page)
    scheme = Scheme.objects.get()
    assert scheme.phase == "analysis" and scheme.participants.count() == 11
