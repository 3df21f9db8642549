"""How many queries each request of a participant's questionnaire runs, and rendering kept.

Every click of a questionnaire runs these, so their number is held down here (the test
settings leave two-step verification off: in production every page adds one query, two
for a lead). The pages reuse the NHS.UK components' output for equal params
(``memo`` in ``revmentor/config/jinja2.py``): what they send must be what the components
render afresh.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from revmentor.config import jinja2
from revmentor.core.models import User
from revmentor.questionnaires.models import InstrumentVersion, SchemeInstrument, Stage
from revmentor.schemes.models import Participant
from tests.questionnaires.conftest import FULL_MENTOR_PRE

ClientFor = Callable[[User | None], Client]

# Most a request may run: opening a questionnaire, one page, saving it (the first save
# creates the response), checking, submitting, the confirmation; here a save's and a
# submit's transaction is a savepoint inside the test's, and its opening and release
# count. Was 5, 6, 13, 6, 12, 6 before one query found what a page needs (ADR 0012);
# 3, 4, 11, 4, 9, 4 before a page's answers and a save's came with the response and the
# first save needed no savepoint of its own (ADR 0014). Here the session is read from
# the database (one query). The front page and the confirmation ask one more: whether the
# person's consent lets researchers see their answers, which they tell them.
MAX_QUERIES = {"start": 4, "page": 3, "save": 9, "check": 3, "submit": 8, "submitted": 4}


def _urls(stage: Stage) -> dict[str, str]:
    base = reverse("questionnaire", args=[stage.scheme_id, stage.timepoint])
    return {"start": base, "check": f"{base}check/", "submitted": f"{base}submitted/"}


def test_each_request_of_a_questionnaire_runs_a_fixed_number_of_queries(
    client_for: ClientFor,
    open_stage: Stage,
    consented_mentor: Participant,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(consented_mentor.user)
    urls = _urls(open_stage)
    with django_assert_max_num_queries(MAX_QUERIES["start"]):
        assert client.get(urls["start"]).status_code == 200
    for number in range(1, 5):
        page = f"{urls['start']}{number}/"
        with django_assert_max_num_queries(MAX_QUERIES["page"]):
            assert client.get(page).status_code == 200
        with django_assert_max_num_queries(MAX_QUERIES["save"]):
            saved = client.post(page, {**FULL_MENTOR_PRE, "continue": "1"})
        assert saved.status_code == 302
    with django_assert_max_num_queries(MAX_QUERIES["check"]):
        assert client.get(urls["check"]).status_code == 200
    with django_assert_max_num_queries(MAX_QUERIES["submit"]):
        assert client.post(urls["check"])["Location"] == urls["submitted"]
    with django_assert_max_num_queries(MAX_QUERIES["submitted"]):
        assert client.get(urls["submitted"]).status_code == 200


def test_saving_a_page_with_errors_and_a_draft_run_no_more_queries(
    client_for: ClientFor,
    open_stage: Stage,
    consented_mentor: Participant,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(consented_mentor.user)
    page = f"{_urls(open_stage)['start']}1/"
    with django_assert_max_num_queries(MAX_QUERIES["page"] + MAX_QUERIES["save"]):
        shown = client.post(page, {"continue": "1"})
    assert "There is a problem" in shown.content.decode()
    with django_assert_max_num_queries(MAX_QUERIES["save"]):
        assert client.post(page, {"understanding": "9", "save_draft": "1"}).status_code == 200


# Per request: the CSRF token is masked afresh, the CSP nonce is new, and the seconds left
# of the sign-in go down (by one when a second passes between two renders).
_PER_REQUEST = re.compile(r'(name="csrfmiddlewaretoken" value=|nonce=|data-session-left=)"[^"]*"')


def _pages(client: Client, stage: Stage) -> list[str]:
    urls = _urls(stage)
    bodies = [
        client.post(f"{urls['start']}1/", {"continue": "1"}),  # every question in error
        client.get(f"{urls['start']}2/"),  # a grid, partly answered
        client.get(urls["check"]),
        client.get(urls["start"]),
    ]
    return [_PER_REQUEST.sub(r'\1""', b.content.decode()) for b in bodies]


def test_pages_built_from_remembered_components_are_those_rendered_afresh(
    client_for: ClientFor,
    open_stage: Stage,
    consented_mentor: Participant,
    monkeypatch: Any,
) -> None:
    client = client_for(consented_mentor.user)
    draft = {"importance.technology": "4", "save_draft": "1"}
    client.post(f"{_urls(open_stage)['start']}2/", draft, follow=True)  # its message shown
    jinja2._MEMO.clear()
    first = _pages(client, open_stage)  # remembered as they are rendered
    again = _pages(client, open_stage)  # from memory
    env = engines["jinja2"].env  # type: ignore[attr-defined]
    monkeypatch.setitem(env.globals, "memo", lambda macro, params: macro(params))
    monkeypatch.setitem(env.globals, "memo_by", lambda key, macro, *args: macro(*args))
    afresh = _pages(client, open_stage)
    assert again == first
    assert afresh == first
    assert 'value="4" checked' in first[1]
    assert "Sign out</button>" in first[1] and "<!--revmentor" not in first[1]


def test_a_question_showing_what_someone_typed_is_never_remembered(
    client_for: ClientFor, open_stage: Stage, consented_mentor: Participant
) -> None:
    client = client_for(consented_mentor.user)
    page = f"{_urls(open_stage)['start']}1/"
    typed = "My own words about the hierarchy"
    answers = {"understanding": "2", "concerns": "yes", "concerns_text": typed}
    client.post(page, {**answers, "save_draft": "1"})
    jinja2._MEMO.clear()
    for _ in range(2):
        assert typed in client.get(page).content.decode()
    assert jinja2._MEMO  # the rest of the page was remembered
    assert not any(typed in html for html in jinja2._MEMO.values())


def test_memo_tells_apart_params_a_macro_renders_differently() -> None:
    env = engines["jinja2"].env  # type: ignore[attr-defined]
    show = env.from_string("{% macro show(p) %}[{{ p.v }}]{% endmacro %}").module.show
    assert jinja2.memo(show, {"v": "<b>"}) == "[&lt;b&gt;]"
    assert jinja2.memo(show, {"v": jinja2.Markup("<b>")}) == "[<b>]"
    assert jinja2.memo(show, {"v": True}) == "[True]"
    assert jinja2.memo(show, {"v": 1}) == "[1]"
    assert jinja2.memo(show, {"v": "<b>"}) == "[&lt;b&gt;]"


def test_memo_renders_params_it_cannot_compare_every_time() -> None:
    class Ticker:
        count = 0

        def __str__(self) -> str:
            Ticker.count += 1
            return str(Ticker.count)

    env = engines["jinja2"].env  # type: ignore[attr-defined]
    show = env.from_string("{% macro show(p) %}{{ p.v }}{% endmacro %}").module.show
    ticker = Ticker()
    assert [jinja2.memo(show, {"v": ticker}) for _ in range(2)] == ["1", "2"]


def test_a_stored_questionnaire_version_is_loaded_once_per_process(open_stage: Stage) -> None:
    pk = SchemeInstrument.objects.filter(stage=open_stage).values_list("version", flat=True)[0]
    first = InstrumentVersion.objects.get(pk=pk).instrument
    again = InstrumentVersion.objects.get(pk=pk).instrument
    assert again is first
    other = InstrumentVersion.objects.exclude(digest=InstrumentVersion.objects.get(pk=pk).digest)
    assert other.first().instrument.key != first.key  # type: ignore[union-attr]


def test_the_header_with_its_stand_in_replaced_is_the_header_with_the_sign_out_form() -> None:
    env = engines["jinja2"].env  # type: ignore[attr-defined]
    header = env.get_template("nhsuk/components/header/macro.jinja").module.header
    form = jinja2.Markup('<form action="/accounts/logout/"><input value="token"></form>')
    stand_in = jinja2.Markup("<!--revmentor:sign-out-->")

    def params(html: str) -> dict[str, Any]:
        items = [{"text": "someone@nhs.example", "icon": True}, {"html": html}]
        return {"service": {"text": "Reverse mentoring", "href": "/"}, "account": {"items": items}}

    assert header(params(stand_in)).replace(stand_in, form) == header(params(form))


def test_your_tasks_runs_the_same_queries_however_many_questionnaires_are_open(
    client_for: ClientFor, open_stage: Stage, consented_mentor: Participant
) -> None:
    client = client_for(consented_mentor.user)

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("tasks"))
        assert page.status_code == 200
        return len(captured), page.content.decode()

    one, html = queries()
    rows = html.count('class="nhsuk-task-list__item')
    Stage.objects.filter(scheme=open_stage.scheme).update(opened_at=timezone.now())
    more, html = queries()
    assert html.count('class="nhsuk-task-list__item') == rows + 3  # the mentor's other three
    assert more == one
