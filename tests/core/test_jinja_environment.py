"""What the Jinja2 environment keeps between pages (ADR 0014), held to what Django gives.

``url`` and ``static`` keep each answer; ``csrf_input`` is masked once a page;
templates' globals compare quickly at every import. Each must give exactly what it
gave before it kept anything, and see a change of the settings it depends on.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template import engines
from django.templatetags.static import static as django_static
from django.test import Client, override_settings
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from revmentor.config import jinja2
from revmentor.questionnaires.models import Stage
from revmentor.schemes.models import Participant
from tests.factories import ConsentFactory

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def env() -> Any:
    return engines["jinja2"].env  # type: ignore[attr-defined]


def test_url_is_what_reverse_gives_for_each_name_and_arguments() -> None:
    for name, args, kwargs in [
        ("tasks", (), {}),
        ("questionnaire_page", (1, "pre_phase1", 2), {}),
        ("questionnaire_page", (2, "pre_phase1", 2), {}),
        ("questionnaire_page", (), {"scheme_pk": 1, "timepoint": "post_session", "number": 3}),
    ]:
        for _ in range(2):  # worked out, then kept
            assert jinja2.url(name, *args, **kwargs) == reverse(name, args=args, kwargs=kwargs)


def test_url_follows_the_script_prefix_of_the_request() -> None:
    plain = jinja2.url("tasks")
    try:
        set_script_prefix("/mentoring/")
        assert jinja2.url("tasks") == "/mentoring" + plain
    finally:
        set_script_prefix("/")
    assert jinja2.url("tasks") == plain


def test_static_is_what_django_gives_and_follows_the_settings() -> None:
    assert jinja2.static("revmentor/app.css") == django_static("revmentor/app.css")
    with override_settings(STATIC_URL="/elsewhere/"):
        assert jinja2.static("revmentor/app.css") == "/elsewhere/revmentor/app.css"
    assert jinja2.static("revmentor/app.css") == django_static("revmentor/app.css")


def test_a_page_masks_its_csrf_token_once_and_it_is_accepted(
    client_for: Any, mentor: Participant, monkeypatch: Any
) -> None:
    from django.middleware import csrf

    ConsentFactory(participant=mentor)
    stage = Stage.objects.get(scheme=mentor.scheme, timepoint="pre_phase1")
    stage.opened_at = timezone.now()
    stage.save()

    masked: list[str] = []
    real = csrf._mask_cipher_secret

    def counting(secret: str) -> str:
        masked.append(secret)
        return real(secret)

    monkeypatch.setattr(csrf, "_mask_cipher_secret", counting)
    client: Client = client_for(mentor.user)
    page = reverse("questionnaire_page", args=[stage.scheme_id, stage.timepoint, 1])
    html = client.get(page).content.decode()
    tokens = TOKEN.findall(html)
    # The header's sign-out form, the page's own and the timeout warning's sign-out form.
    assert len(tokens) == 3
    assert len(set(tokens)) == 1 and len(masked) == 1
    # The token is good: the page's form is accepted with it (CSRF checked).
    checked = Client(enforce_csrf_checks=True)
    checked.cookies = client.cookies
    answers = {"understanding": "2", "concerns": "no", "continue": "1"}
    saved = checked.post(page, {**answers, "csrfmiddlewaretoken": tokens[1]})
    assert saved.status_code == 302


def test_a_page_without_a_form_sets_no_csrf_cookie(client: Client) -> None:
    response = client.get(reverse("about"))
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert "csrftoken" not in response.cookies


def test_once_is_the_value_it_wraps_worked_out_once(env: Any) -> None:
    calls: list[int] = []

    class Lazy:
        def __html__(self) -> str:
            calls.append(1)
            return "<i>kept</i>"

    page = env.from_string("{% set v = once(v) %}{{ v }}|{{ v }}")
    assert page.render(v=Lazy()) == "<i>kept</i>|<i>kept</i>"
    assert len(calls) == 1


def test_templates_globals_are_the_environments_and_see_later_additions(
    env: Any, monkeypatch: Any
) -> None:
    template = env.get_template("layout.jinja")
    assert set(template.globals.keys()) == set(env.globals) | set(template.globals.maps[0])
    monkeypatch.setitem(env.globals, "added_later", "seen")
    assert "added_later" in template.globals.keys()  # noqa: SIM118 (keys() is what is changed)
    assert env.from_string("{{ added_later }}").render() == "seen"


def test_the_kept_header_is_each_persons_own_with_their_current_tab(
    client_for: Any, lead: Any, site_admin: Any, mentor: Participant
) -> None:
    jinja2._MEMO.clear()

    def header(user: Any, name: str) -> str:
        html = client_for(user).get(reverse(name)).content.decode()
        return html[html.index('<header class="nhsuk-header"') : html.index("</header>")]

    for _ in range(2):  # rendered, then kept
        tasks, schemes = header(mentor.user, "tasks"), header(mentor.user, "schemes:list")
        assert mentor.user.email in tasks and "Site admin" not in tasks
        assert tasks != schemes  # a different tab is current
        assert 'aria-current="page"' in tasks.split("Your tasks")[0].rsplit("<li", 1)[1]
        other = header(lead, "tasks")
        assert lead.email in other and mentor.user.email not in other
        assert "Site admin" in header(site_admin, "tasks")
        assert "Sign out</button>" in tasks and "<!--revmentor" not in tasks
    anonymous = header(None, "about")
    assert "Sign out" not in anonymous and "@" not in anonymous
