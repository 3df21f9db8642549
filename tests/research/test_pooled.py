"""Pooled results: several schemes' study data folders analysed together.

The pooled folder is each scheme's folder put together with a ``scheme`` column; the
page and ``revmentor analyse`` on the downloaded zip give the same numbers; only
schemes whose research data the user may export can be pooled.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django_tasks import default_task_backend

from revmentor.analysis.cli import main as analyse_main
from revmentor.core.models import AuditEvent, User
from revmentor.meetings.models import Meeting
from revmentor.questionnaires.interchange import pseudonym
from revmentor.questionnaires.models import Stage
from revmentor.research import export, selectors
from revmentor.research.pooling import PoolingError, merge_timepoints, pool_files
from revmentor.research.tasks import draw_charts
from revmentor.schemes import selectors as scheme_selectors
from revmentor.schemes.models import Participant, ParticipantRole, Scheme, Sex, StaffRole
from tests.factories import ConsentFactory, MembershipFactory, ParticipantFactory, SchemeFactory
from tests.meetings.conftest import publish
from tests.research.conftest import answer

FIRST = ("Imogen", "Barnaby", "Cressida", "Desmond", "Elspeth", "Fergus", "Georgina", "Hamish")
LAST = ("Hartley", "Ashdown", "Penrose", "Whitcombe", "Faraday", "Lockwood", "Ravensdale")


def build_scheme(lead: User, name: str, *, mentors: int, mentees: int) -> Scheme:
    """A scheme like the demo's, led by ``lead``: everyone consented, the mentors
    answered before and after phase 1, and the first pairs held a session."""
    scheme = SchemeFactory(name=name, specialty="Cardiology")
    MembershipFactory(scheme=scheme, user=lead, role=StaffRole.LEAD)
    people: dict[ParticipantRole, list[Participant]] = {}
    for role, count in ((ParticipantRole.MENTEE, mentees), (ParticipantRole.MENTOR, mentors)):
        people[role] = []
        for i in range(count):
            n = Participant.objects.count()
            person = ParticipantFactory(
                scheme=scheme,
                role=role,
                sex=Sex.FEMALE if i % 2 else Sex.MALE,
                age=30 + i,
                user__full_name=f"Dr {FIRST[n % len(FIRST)]} {LAST[n % len(LAST)]}",
            )
            ConsentFactory(participant=person)
            people[role].append(person)
    answer(scheme, people[ParticipantRole.MENTOR])
    pairs = publish(
        scheme,
        list(zip(people[ParticipantRole.MENTOR], people[ParticipantRole.MENTEE], strict=False)),
    )
    for pair, minutes in zip(pairs, (20, 40, 60, 90), strict=False):
        Meeting.objects.create(pair=pair, held=True, duration_minutes=minutes, place="Room 1")
    return scheme


def demo_lead() -> User:
    return User.objects.get(email__startswith="lead")


@pytest.fixture
def second_scheme(demo_scheme: Scheme) -> Scheme:
    """A second scheme led by the demo's lead: three mentors and two mentees."""
    return build_scheme(demo_lead(), "Cardiology reverse mentoring", mentors=3, mentees=2)


def rows(content: bytes | str) -> list[dict[str, str]]:
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    return list(csv.DictReader(io.StringIO(text)))


def unzip(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def pooled_url(*schemes: Scheme, name: str = "pooled_results", **extra: str) -> str:
    query = "&".join(
        [*(f"scheme={s.pk}" for s in schemes), *(f"{k}={v}" for k, v in extra.items())]
    )
    return f"{reverse(name)}?{query}"


# The pooled folder


def test_pooled_folder_puts_every_schemes_rows_together_with_a_scheme_column(
    demo_scheme: Scheme, second_scheme: Scheme
) -> None:
    pooled = export.pooled_folder([second_scheme, demo_scheme])
    alone = {s: export.study_folder(s) for s in (demo_scheme, second_scheme)}
    assert sorted(pooled) == sorted(export.FILES)
    people = rows(pooled["participants.csv"])
    assert list(people[0]) == [*export.PARTICIPANTS_COLUMNS, "scheme"]
    for scheme, files in alone.items():
        own = rows(files["participants.csv"])
        assert own, scheme
        labelled = [p for p in people if p["scheme"] == export.folder_name(scheme)]
        assert [{k: v for k, v in p.items() if k != "scheme"} for p in labelled] == own
    # The participant counts, answers and sessions add up; nobody is counted twice.
    for name in ("participants.csv", "responses.csv", "sessions.csv", "willingness.csv"):
        assert len(rows(pooled[name])) == sum(len(rows(f[name])) for f in alone.values()), name
    assert len({p["participant_id"] for p in people}) == len(people)
    # Schemes built from the study's instruments share their time points and order.
    assert pooled["timepoints.csv"] == alone[demo_scheme]["timepoints.csv"]


def test_pooled_folder_is_in_order_of_scheme_number_whatever_the_order_given(
    demo_scheme: Scheme, second_scheme: Scheme
) -> None:
    assert export.pooled_folder([second_scheme, demo_scheme]) == export.pooled_folder(
        [demo_scheme, second_scheme]
    )
    labels = [
        p["scheme"]
        for p in rows(export.pooled_folder([demo_scheme, second_scheme])["participants.csv"])
    ]
    assert labels == sorted(labels, key=lambda label: int(label.split("-")[1]))


def test_a_scheme_cannot_be_pooled_with_itself(demo_scheme: Scheme) -> None:
    with pytest.raises(PoolingError, match="twice"):
        export.pooled_folder([demo_scheme, demo_scheme])


def test_no_name_or_email_of_anyone_appears_anywhere_in_the_pooled_zip(
    demo_scheme: Scheme, second_scheme: Scheme
) -> None:
    files = unzip(export.pooled_folder_zip(actor=demo_lead(), schemes=[demo_scheme, second_scheme]))
    assert len(files) == len(export.FILES)
    haystack = "\n".join([*files, *files.values()]).lower()
    people = list(
        Participant.objects.filter(scheme__in=[demo_scheme, second_scheme]).select_related("user")
    )
    assert len(people) == 11 + 5
    assert all(pseudonym(p).lower() in haystack for p in people if p.current_consent())
    for person in people:
        for secret in (person.user.email, person.user.full_name, *person.user.full_name.split()):
            if len(secret) > 2:
                assert secret.lower() not in haystack, secret
    for scheme in (demo_scheme, second_scheme):
        assert scheme.name.lower() not in haystack
        assert scheme.organisation.name.lower() not in haystack


def test_the_pooled_zip_is_recorded_once_for_each_scheme_naming_the_pool(
    demo_scheme: Scheme, second_scheme: Scheme
) -> None:
    before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    export.pooled_folder_zip(actor=demo_lead(), schemes=[demo_scheme, second_scheme])
    events = list(AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("pk"))
    new = events[before:]
    assert sorted(e.scheme_id for e in new) == sorted([demo_scheme.pk, second_scheme.pk])
    for event in new:
        assert event.actor == demo_lead()
        assert "pooled study data folder" in event.summary
        assert export.folder_name(demo_scheme) in event.summary
        assert export.folder_name(second_scheme) in event.summary


# The analysis of the pooled folder


@pytest.mark.parametrize("quartiles", ["tukey", "linear"])
def test_analyse_on_the_unzipped_pooled_folder_gives_the_pooled_page_json(
    demo_scheme: Scheme, second_scheme: Scheme, tmp_path: Path, quartiles: str
) -> None:
    schemes = [demo_scheme, second_scheme]
    content = export.pooled_folder_zip(actor=demo_lead(), schemes=schemes)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / export.pooled_folder_name(schemes)
    out, html = tmp_path / "results.json", tmp_path / "report.html"
    code = analyse_main(
        [str(folder), "--json", str(out), "--html", str(html), "--quartiles", quartiles]
    )
    assert code == 0
    from_cli = json.loads(out.read_text())
    page = selectors.pooled_analysed(schemes, quartiles)  # type: ignore[arg-type]
    assert page.results is not None
    assert json.loads(json.dumps(page.results, allow_nan=False)) == from_cli
    # The pooled numbers are those of both schemes' people together.
    alone = [selectors.results(s) for s in schemes]
    assert all(r is not None for r in alone)
    for role in ("mentor", "mentee"):
        pooled_n = next(p["n"] for p in from_cli["participants"] if p["role"] == role)
        assert pooled_n == sum(
            p["n"] for r in alone if r for p in r["participants"] if p["role"] == role
        )
    assert from_cli["sessions"]["n"] == 3 + 2
    assert "Participants in each scheme pooled" in html.read_text()


def test_results_count_the_participants_of_each_scheme(
    demo_scheme: Scheme, second_scheme: Scheme
) -> None:
    results = selectors.pooled_analysed([demo_scheme, second_scheme]).results
    assert results is not None
    by_scheme = {s["scheme"]: s for s in results["schemes"]}
    for scheme in (demo_scheme, second_scheme):
        own = rows(export.study_folder(scheme)["participants.csv"])
        counted = by_scheme[export.folder_name(scheme)]
        assert counted["n"] == len(own)
        assert counted["mentor"] == sum(p["role"] == "mentor" for p in own)
        assert counted["mentee"] == sum(p["role"] == "mentee" for p in own)
    assert sum(s["n"] for s in results["schemes"]) == sum(p["n"] for p in results["participants"])
    # One scheme's results have no scheme column, so no count per scheme.
    single = selectors.results(demo_scheme)
    assert single is not None and single["schemes"] == []


# Pooling rules, on folders made by hand


def folder(ids: list[str], timepoints: list[str]) -> dict[str, bytes]:
    people = "participant_id,role\n" + "".join(f"{i},mentor\n" for i in ids)
    tps = "timepoint,label\n" + "".join(f"{t},{t.upper()}\n" for t in timepoints)
    return {"participants.csv": people.encode(), "timepoints.csv": tps.encode()}


def test_a_time_point_of_one_scheme_only_goes_where_that_scheme_has_it() -> None:
    merged = merge_timepoints(
        {
            "a": [("pre", "Before"), ("post", "After"), ("later", "Later")],
            "b": [("pre", ""), ("middle", "Middle"), ("post", "After the sessions")],
        }
    )
    assert merged == [
        ("pre", "Before"),
        ("middle", "Middle"),
        ("post", "After"),
        ("later", "Later"),
    ]


def test_contradicting_time_point_orders_are_refused_naming_the_schemes() -> None:
    with pytest.raises(PoolingError, match=r"North has the time point 'PRE' before 'POST'.*South"):
        pool_files(
            {"a": folder(["M-1"], ["pre", "post"]), "b": folder(["M-2"], ["post", "pre"])},
            names={"a": "North", "b": "South"},
        )
    # Three schemes may contradict each other only together.
    with pytest.raises(PoolingError, match="contradict"):
        merge_timepoints(
            {"a": [("x", ""), ("y", "")], "b": [("y", ""), ("z", "")], "c": [("z", ""), ("x", "")]}
        )


def test_a_research_id_given_by_two_schemes_is_refused() -> None:
    with pytest.raises(PoolingError, match="same research ID"):
        pool_files({"a": folder(["M-1"], ["pre"]), "b": folder(["M-1"], ["pre"])})


def test_codes_of_the_same_name_are_one_theme_of_the_pooled_codebook() -> None:
    book = "code,label,parent,description\n"
    pooled = pool_files(
        {
            "a": {**folder(["M-1"], []), "codebook.csv": f"{book}trust,Trust,,\n".encode()},
            "b": {
                **folder(["M-2"], []),
                "codebook.csv": f"{book}trust,Trust again,,\nfear,Fear,,\n".encode(),
            },
        }
    )
    assert rows(pooled["codebook.csv"]) == [
        {"code": "trust", "label": "Trust", "parent": "", "description": ""},
        {"code": "fear", "label": "Fear", "parent": "", "description": ""},
    ]


# The page and the download


def test_pooled_page_shows_the_reports_figures_for_the_schemes_chosen(
    client_for: Callable[[User | None], Client], demo_scheme: Scheme, second_scheme: Scheme
) -> None:
    results = selectors.pooled_analysed([demo_scheme, second_scheme]).results
    assert results is not None
    response = client_for(demo_lead()).get(pooled_url(demo_scheme, second_scheme))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="rm-report">' in html and "<svg" in html
    assert "Wilcoxon signed-rank test" in html
    assert "5 sessions lasted a median of" in html
    for counted in results["schemes"]:
        cells = "".join(f'<td class="num">{counted[k]}</td>' for k in ("mentor", "mentee", "n"))
        assert f'<th scope="row">{counted["scheme"]}</th>{cells}' in html
    for warning in results["warnings"]:
        assert escape(warning["message"]) in html
    # Both schemes are ticked; the quartile form and the download keep the choice.
    for scheme in (demo_scheme, second_scheme):
        assert f'name="scheme" type="checkbox" value="{scheme.pk}" checked' in html
        assert f'<input type="hidden" name="scheme" value="{scheme.pk}">' in html
    zip_url = escape(f"{reverse('pooled_study_folder_zip')}?scheme={demo_scheme.pk}")
    assert f"{zip_url}&amp;scheme={second_scheme.pk}" in html
    for person in Participant.objects.filter(
        scheme__in=[demo_scheme, second_scheme]
    ).select_related("user"):
        assert person.user.full_name not in html and person.user.email not in html


def test_pooled_page_uses_the_quartile_method_chosen(
    client_for: Callable[[User | None], Client], demo_scheme: Scheme, second_scheme: Scheme
) -> None:
    client = client_for(demo_lead())
    linear = client.get(pooled_url(demo_scheme, second_scheme, quartiles="linear"))
    assert 'value="linear" checked' in linear.content.decode()
    assert '<input type="hidden" name="quartiles" value="linear">' in linear.content.decode()
    nonsense = client.get(pooled_url(demo_scheme, second_scheme, quartiles="nonsense"))
    assert nonsense.status_code == 200 and 'value="tukey" checked' in nonsense.content.decode()


def test_pooled_zip_download_holds_the_pooled_folder(
    client_for: Callable[[User | None], Client], demo_scheme: Scheme, second_scheme: Scheme
) -> None:
    response = client_for(demo_lead()).get(
        pooled_url(demo_scheme, second_scheme, name="pooled_study_folder_zip")
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    name = export.pooled_folder_name([demo_scheme, second_scheme])
    assert f'filename="revmentor-{name}.zip"' in response["Content-Disposition"]
    files = unzip(response.content)
    pooled = export.pooled_folder([demo_scheme, second_scheme])
    assert files == {f"{name}/{file}": content.decode() for file, content in pooled.items()}


def test_page_offers_only_the_schemes_whose_research_data_the_user_may_export(
    client_for: Callable[[User | None], Client], scheme: Scheme, researcher: User
) -> None:
    also = SchemeFactory(name="Also researched")
    MembershipFactory(scheme=also, user=researcher, role=StaffRole.RESEARCHER)
    facilitated = SchemeFactory(name="Only facilitated")
    MembershipFactory(scheme=facilitated, user=researcher, role=StaffRole.FACILITATOR)
    SchemeFactory(name="Someone else's")
    html = client_for(researcher).get(reverse("pooled_results")).content.decode()
    assert scheme.name in html and also.name in html
    assert "Only facilitated" not in html and "Someone else" not in html
    assert "Select two or more" in html and "There is a problem" not in html


def test_selector_agrees_with_the_export_permission(
    request: pytest.FixtureRequest, scheme: Scheme
) -> None:
    SchemeFactory()
    for persona in ("site_admin", "lead", "researcher", "facilitator", "other_lead", "outsider"):
        user: User = request.getfixturevalue(persona)
        allowed = set(scheme_selectors.schemes_for_research(user))
        expected = {s for s in Scheme.objects.all() if user.has_perm("schemes.export_research", s)}
        assert allowed == expected, persona


def test_fewer_than_two_schemes_to_pool_is_an_empty_state(
    client_for: Callable[[User | None], Client], scheme: Scheme, researcher: User, mentor: Any
) -> None:
    for user, count in ((researcher, "1 scheme"), (mentor.user, "0 schemes")):
        html = client_for(user).get(reverse("pooled_results")).content.decode()
        assert "two or more schemes" in html and count in html
        assert 'type="checkbox"' not in html


def test_site_admin_may_pool_any_schemes(
    client_for: Callable[[User | None], Client],
    demo_scheme: Scheme,
    second_scheme: Scheme,
    site_admin: User,
) -> None:
    response = client_for(site_admin).get(pooled_url(demo_scheme, second_scheme))
    assert response.status_code == 200
    assert '<div class="rm-report">' in response.content.decode()


def test_a_researcher_of_one_scheme_cannot_pool_another(
    client_for: Callable[[User | None], Client], demo_scheme: Scheme, second_scheme: Scheme
) -> None:
    researcher = User.objects.get(email__startswith="researcher")
    # They research the demo scheme and a third one, so they may pool those two.
    third = SchemeFactory(name="Third scheme")
    MembershipFactory(scheme=third, user=researcher, role=StaffRole.RESEARCHER)
    assert researcher.has_perm("schemes.export_research", demo_scheme)
    assert not researcher.has_perm("schemes.export_research", second_scheme)
    client = client_for(researcher)
    exports = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    page = client.get(pooled_url(demo_scheme, second_scheme))
    html = page.content.decode()
    assert page.status_code == 200
    assert "A scheme you chose was not found" in html
    assert "rm-report" not in html and second_scheme.name not in html
    # A scheme number that does not exist gets the same answer.
    missing = client.get(f"{reverse('pooled_results')}?scheme={demo_scheme.pk}&scheme=99999")
    assert missing.status_code == 200
    assert "A scheme you chose was not found" in missing.content.decode()
    for query in (
        pooled_url(demo_scheme, second_scheme, name="pooled_study_folder_zip"),
        pooled_url(demo_scheme, name="pooled_study_folder_zip"),
        f"{reverse('pooled_study_folder_zip')}?scheme=x&scheme={demo_scheme.pk}",
    ):
        assert client.get(query).status_code == 404, query
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == exports
    allowed = pooled_url(demo_scheme, third, name="pooled_study_folder_zip")
    assert client.get(allowed).status_code == 200


def test_choosing_one_scheme_asks_for_two(
    client_for: Callable[[User | None], Client], demo_scheme: Scheme, second_scheme: Scheme
) -> None:
    html = client_for(demo_lead()).get(pooled_url(demo_scheme, quartiles="tukey"))
    text = html.content.decode()
    assert "There is a problem" in text and "Select two or more schemes" in text
    assert "rm-report" not in text


def test_schemes_whose_time_points_contradict_are_refused_with_the_reason(
    client_for: Callable[[User | None], Client], demo_scheme: Scheme, second_scheme: Scheme
) -> None:
    Stage.objects.filter(scheme=second_scheme, timepoint="pre_phase1").update(position=99)
    client = client_for(demo_lead())
    html = client.get(pooled_url(demo_scheme, second_scheme)).content.decode()
    assert "There is a problem" in html
    assert escape(f"{demo_scheme.name} has the time point") in html
    assert "rm-report" not in html
    exports = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    download = client.get(pooled_url(demo_scheme, second_scheme, name="pooled_study_folder_zip"))
    assert download.status_code == 302
    assert download["Location"] == pooled_url(demo_scheme, second_scheme)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == exports


def test_results_page_and_scheme_list_link_to_pooled_results(
    client_for: Callable[[User | None], Client], demo_scheme: Scheme, second_scheme: Scheme
) -> None:
    client = client_for(demo_lead())
    link = f'href="{reverse("pooled_results")}"'
    assert link in client.get(reverse("schemes:results", args=[demo_scheme.pk])).content.decode()
    assert link in client.get(reverse("schemes:list")).content.decode()
    researcher = User.objects.get(email__startswith="researcher")  # one scheme: no link
    assert link not in client_for(researcher).get(reverse("schemes:list")).content.decode()


# Queries: a fixed number per scheme, whatever its size


def test_queries_do_not_grow_with_the_size_of_the_schemes(
    client_for: Callable[[User | None], Client],
    django_assert_max_num_queries: Any,
    site_admin: User,
) -> None:
    small = [build_scheme(site_admin, f"Small {i}", mentors=1, mentees=1) for i in range(2)]
    large = [build_scheme(site_admin, f"Large {i}", mentors=6, mentees=5) for i in range(2)]
    client = client_for(site_admin)
    client.get(reverse("pooled_results"))
    with CaptureQueriesContext(connection) as folder_queries:
        export.pooled_folder(small)
    with CaptureQueriesContext(connection) as page_queries:
        assert client.get(pooled_url(*small)).status_code == 200
    with django_assert_max_num_queries(len(folder_queries)):
        export.pooled_folder(large)
    with django_assert_max_num_queries(len(page_queries)):
        assert client.get(pooled_url(*large)).status_code == 200


def test_pooled_charts_not_drawn_yet_are_drawn_by_the_worker(
    client_for: Callable[[User | None], Client],
    demo_scheme: Scheme,
    second_scheme: Scheme,
    chart_draws: list[str],
) -> None:
    caches["charts"].clear()
    client = client_for(demo_lead())
    url = pooled_url(second_scheme, demo_scheme)
    dummy = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with override_settings(TASKS=dummy):  # keeps what is queued, runs nothing
        html = client.get(url).content.decode()
        boxes = html.count("data-chart-waiting")
        assert boxes > 0 and chart_draws == [] and "being drawn from the latest answers" in html
        queued = default_task_backend.results  # type: ignore[attr-defined]
        assert [task.args for task in queued] == [[[demo_scheme.pk, second_scheme.pk], "tukey"]]
        assert draw_charts.call(*queued[0].args) is True  # the worker
        html = client.get(url).content.decode()
    assert "data-chart-waiting" not in html and len(chart_draws) == boxes
