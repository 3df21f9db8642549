"""The Results page and the study folder download, for every persona."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from revmentor.core.models import User
from revmentor.research import selectors
from revmentor.schemes.models import Participant, Scheme

PERSONAS = ["site_admin", "lead", "researcher", "facilitator", "mentor", "mentee", "outsider"]
EXPECTED = [200, 200, 200, 403, 403, 403, 404]


def _user(request: pytest.FixtureRequest, persona: str) -> User:
    value = request.getfixturevalue(persona)
    return value.user if isinstance(value, Participant) else value


@pytest.mark.parametrize("name", ["schemes:results", "schemes:study_folder_zip"])
@pytest.mark.parametrize(("persona", "expected"), list(zip(PERSONAS, EXPECTED, strict=True)))
def test_only_lead_researcher_and_site_admin_get_results(
    request: pytest.FixtureRequest,
    client_for: Callable[[User | None], Client],
    scheme: Scheme,
    name: str,
    persona: str,
    expected: int,
) -> None:
    response = client_for(_user(request, persona)).get(reverse(name, args=[scheme.pk]))
    assert response.status_code == expected


def test_signed_out_visitor_is_sent_to_sign_in(
    client_for: Callable[[User | None], Client], scheme: Scheme
) -> None:
    response = client_for(None).get(reverse("schemes:results", args=[scheme.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_results_page_says_when_there_are_no_answers_yet(
    client_for: Callable[[User | None], Client], scheme: Scheme, researcher: User
) -> None:
    page = client_for(researcher).get(reverse("schemes:results", args=[scheme.pk])).content.decode()
    assert "There are no answers to analyse yet" in page
    assert "rm-report" not in page


def _demo_lead() -> User:
    return User.objects.get(email__startswith="lead")


def test_results_page_shows_the_reports_figures(
    client_for: Callable[[User | None], Client], demo_scheme: Scheme
) -> None:
    results = selectors.results(demo_scheme)
    assert results is not None
    page = client_for(_demo_lead()).get(reverse("schemes:results", args=[demo_scheme.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<div class="rm-report">' in html
    assert "Wilcoxon signed-rank test" in html
    # Charts are images (no inline styles for the Content-Security-Policy to drop).
    assert '<img class="chart" src="data:image/svg+xml;base64,' in html
    assert ' style="' not in html
    assert "Tukey" in html and 'value="tukey" checked' in html
    assert "3 sessions lasted a median of 45" in html
    for warning in results["warnings"]:
        assert escape(warning["message"]) in html
    assert results["warnings"], "the demo's few mentors must give a small-n warning"
    assert "<h1>" in html and html.count("<h1") == 1


def test_results_page_uses_the_quartile_method_chosen(
    client_for: Callable[[User | None], Client], demo_scheme: Scheme
) -> None:
    client = client_for(_demo_lead())
    url = reverse("schemes:results", args=[demo_scheme.pk])
    linear = client.get(url, {"quartiles": "linear"}).content.decode()
    assert 'value="linear" checked' in linear
    assert "linear interpolation" in linear.lower() or "type 7" in linear.lower()
    assert client.get(url, {"quartiles": "nonsense"}).status_code == 200


def test_names_and_emails_are_not_on_the_results_page(
    client_for: Callable[[User | None], Client], demo_scheme: Scheme
) -> None:
    html = client_for(_demo_lead()).get(reverse("schemes:results", args=[demo_scheme.pk]))
    text = html.content.decode()
    for person in demo_scheme.participants.select_related("user"):
        assert person.user.full_name not in text
        assert person.user.email not in text


def test_zip_download_is_a_zip_of_the_study_folder(
    client_for: Callable[[User | None], Client], demo_scheme: Scheme
) -> None:
    response = client_for(_demo_lead()).get(
        reverse("schemes:study_folder_zip", args=[demo_scheme.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert any(n.endswith("/participants.csv") for n in archive.namelist())
