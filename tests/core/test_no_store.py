"""Pages and downloads are never kept by a browser or a proxy; static files are."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from revmentor.core.models import User
from revmentor.schemes.models import Participant, Scheme


def _no_store(response: object) -> bool:
    value = response.headers.get("Cache-Control", "")  # type: ignore[attr-defined]
    directives = {part.strip() for part in value.split(",")}
    return {"no-store", "private", "no-cache"} <= directives


def test_pages_and_downloads_of_personal_data_are_not_kept(
    client_for: Callable[[User | None], Client], lead: User, scheme: Scheme, mentor: Participant
) -> None:
    client = client_for(lead)
    for url in (
        reverse("schemes:participants", args=[scheme.pk]),
        reverse("schemes:participant_edit", args=[scheme.pk, mentor.pk]),
        reverse("schemes:participant_personal_data", args=[scheme.pk, mentor.pk]),
        reverse("schemes:audit_trail_csv", args=[scheme.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _no_store(response), f"{url}: {response.headers.get('Cache-Control')}"


def test_the_sign_in_page_errors_and_redirects_are_not_kept_either(db: object) -> None:
    client = Client()
    assert _no_store(client.get(reverse("account_login")))
    assert _no_store(client.get("/no-such-page/"))
    assert _no_store(client.get(reverse("tasks")))  # the redirect to sign in


def test_a_response_that_sets_its_own_caching_keeps_it(db: object) -> None:
    # Static files: WhiteNoise says how long they may be kept, and that stands.
    response = Client().get("/static/revmentor/app.css")
    assert response.status_code == 200
    value = response.headers.get("Cache-Control", "")
    assert "public" in value and "no-store" not in value
