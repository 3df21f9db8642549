"""Stored cross-site scripting: what people type is shown as text everywhere, never run.

Every free-text field a person can fill is given attack strings: a ``<script>`` element,
an attribute breakout (``"><img src=x onerror=...>``), a ``javascript:`` link and
template syntax (``{{7*7}}``, ``{% raw %}``). Then every page that shows them is rendered
and every export downloaded. In HTML the text must come back escaped (no element or
attribute of ours carries the payload, no link goes to ``javascript:``, ``{{7*7}}`` is
shown as typed rather than as 49); in CSV, JSON, iCalendar, Excel and PDF it must be the
literal text. The coders' own text (code labels and descriptions, memos) is poisoned
too, and followed to the coding pages, Table 1 of the results, ``codebook.csv`` and the
workbook; so is what a subject access export holds.

The templates mark two things safe, each justified where it is done: the analysis
report's own autoescaped HTML (``research.presenters.report``) and matplotlib's SVG,
which escapes the text it draws (``analysis.report._trusted``); the last test here puts
a payload into both.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from openpyxl import load_workbook

from revmentor.coding import selectors as coding_selectors
from revmentor.coding import services as coding
from revmentor.core.models import User
from revmentor.feedback import services as feedback
from revmentor.meetings import services as meetings
from revmentor.questionnaires import interchange
from revmentor.questionnaires.interchange import pseudonym
from revmentor.questionnaires.models import Response, Stage
from revmentor.schemes import services as schemes
from revmentor.schemes.models import Phase
from tests.pdfs import pdf_text
from tests.research.conftest import submit
from tests.security.conftest import World, another_mentee

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
TEMPLATE = "{{7*7}}{% raw %}"
PAYLOAD = f"{SCRIPT}{BREAKOUT}{TEMPLATE}"
JS_LINK = "javascript:alert(1)"
LINK = 'https://example.org/"><script>alert(2)</script>'
SCALES = ("importance", "confidence", "ability")


def answers(**given: str) -> dict[str, str]:
    """A mentor's complete answers before phase 1 in the poisoned scheme's two domains."""
    grid = {f"{scale}.{domain}": "3" for scale in SCALES for domain in ("technology", "strengths")}
    return {"understanding": "3", "concerns": "no", **grid, **given}


def strings(data: Any) -> set[str]:
    """Every string in parsed JSON."""
    if isinstance(data, str):
        return {data}
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, list):
        return set().union(*(strings(item) for item in data)) if data else set()
    return set()


class Markup(HTMLParser):
    """Collects what the browser would run: script bodies, event handlers, link targets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self.links: list[str] = []
        self.tags: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((name, value or ""))
            if name in ("href", "src", "action", "formaction") and value:
                self.links.append(value)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def assert_inert(html: str, where: str) -> None:
    """Nothing a user typed runs in ``html``."""
    parsed = Markup()
    parsed.feed(html)
    assert not [s for s in parsed.scripts if "alert" in s], where
    assert not parsed.handlers, (where, parsed.handlers)
    assert not [v for v in parsed.links if v == "x"], where  # the payload's <img src=x>
    assert not [link for link in parsed.links if link.strip().lower().startswith("javascript")]
    assert "<script>alert" not in html and "<img src=x" not in html, where


@pytest.fixture
def poisoned(world: World) -> World:
    """The world with every free-text field filled with attack strings."""
    scheme = world.scheme
    world.phase(Phase.SETUP)
    Response.objects.filter(stage__scheme=scheme).delete()  # none are given in set-up
    schemes.scheme_update(
        actor=world.lead,
        scheme=scheme,
        name=f"Scheme {SCRIPT}"[:200],
        specialty=BREAKOUT,
        domains=[
            {"slug": "technology", "label": f"Tech {PAYLOAD}"},
            {"slug": "strengths", "label": "Strengths"},
        ],
        information_sheet=PAYLOAD,
        information_sheet_version=TEMPLATE[:20],
        release_documents_to_mentees=True,
    )
    for person, role in ((world.mentor, "mentor"), (world.mentee, "mentee")):
        person.user.full_name = f"{role} {SCRIPT}{BREAKOUT}"[:200]
        person.user.save(update_fields=["full_name"])
    world.facilitator.full_name = PAYLOAD[:200]
    world.facilitator.save(update_fields=["full_name"])
    withdrawn = another_mentee(scheme, user__full_name=BREAKOUT)
    schemes.participant_withdraw(actor=world.lead, participant=withdrawn, reason=PAYLOAD)
    world.phase(Phase.PHASE_1)
    submit(
        world.mentor,
        world.stage,
        answers(concerns="yes", concerns_text=f"{PAYLOAD} {JS_LINK}"),
    )
    interview = feedback.interview_for(scheme)
    feedback.notes_save(
        actor=world.facilitator,
        interview=interview,
        mentee=world.mentee,
        texts={"technology": PAYLOAD, "strengths": JS_LINK},
    )
    feedback.contributions_save(
        mentor=world.other_mentor, mentee=world.mentee, texts={"strengths": PAYLOAD}
    )
    feedback.transcript_set(actor=world.lead, interview=interview, text=PAYLOAD)
    feedback.document_compile(actor=world.facilitator, mentee=world.mentee)
    version = feedback.document_edit(
        actor=world.facilitator,
        mentee=world.mentee,
        texts={"technology": PAYLOAD, "strengths": f"See {JS_LINK}"},
    )
    feedback.document_approve(actor=world.lead, mentee=world.mentee, number=version.number)
    world.phase(Phase.PHASE_2)
    meetings.meeting_propose(
        participant=world.mentor,
        pair=world.pair,
        starts_at=timezone.now() + timedelta(days=3),
        place=LINK,
    )
    meetings.meeting_confirm(participant=world.mentee, pair=world.pair)  # its invite too
    _poison_coding(world)
    return world


LABEL = f"Label {PAYLOAD}"[:200]
OTHER_LABEL = f"Other {BREAKOUT}"


def _poison_coding(w: World) -> None:
    """Code labels, descriptions and a memo with attack strings; two coders who differ on
    the mentor's answer (so Table 1 and the agreement page show labels); a merged code."""
    coding.code_update(
        actor=w.researcher,
        code=w.code,
        name=w.code.name,
        label=LABEL,
        description=f"{PAYLOAD} {JS_LINK}",
        parent=None,
    )
    coding.code_update(
        actor=w.researcher,
        code=w.other_code,
        name=w.other_code.name,
        label=OTHER_LABEL,
        description=PAYLOAD,
        parent=w.code,
    )
    coding.memo_add(actor=w.researcher, code=w.code, text=f"{PAYLOAD} {JS_LINK}")
    merged = coding.code_create(
        actor=w.researcher, codebook=w.codebook, name="merged", label=f"Merged {SCRIPT}"
    )
    coding.code_merge(actor=w.researcher, code=merged, into=w.code)
    answer = next(
        a.answer_id
        for a in coding_selectors.free_text_answers(w.scheme)
        if a.research_id == pseudonym(w.mentor)
    )
    both = {answer: [w.code.pk, w.other_code.pk]}
    coding.codings_save(actor=w.researcher, codebook=w.codebook, chosen=both)
    coding.codings_save(actor=w.lead, codebook=w.codebook, chosen={answer: [w.code.pk]})
    coding.coding_finish(actor=w.researcher, codebook=w.codebook)
    coding.coding_finish(actor=w.lead, codebook=w.codebook)


def _pages(w: World) -> list[tuple[str, str]]:
    """(who, URL) of every page that shows what was typed."""
    s, mentee = w.scheme.pk, w.mentee.pk
    staff = [
        reverse("schemes:list"),
        *(
            reverse(name, args=[s])
            for name in (
                "schemes:detail",
                "schemes:edit",
                "schemes:team",
                "schemes:participants",
                "schemes:supervisors",
                "schemes:questionnaires",
                "schemes:questionnaire_reminders",
                "schemes:interview",
                "schemes:documents",
                "schemes:willingness",
                "schemes:allocation",
                "schemes:meetings",
                "schemes:results",
            )
        ),
        reverse("schemes:participant_edit", args=[s, w.mentor.pk]),
        reverse("schemes:interview_notes", args=[s, mentee]),
        reverse("schemes:document", args=[s, mentee]),
        reverse("schemes:questionnaire_responses", args=[s, w.instrument.pk]),
        reverse("schemes:participant_erase", args=[s, w.mentor.pk]),
        *(
            reverse(name, args=[s])
            for name in ("schemes:coding", "schemes:coding_codebook", "schemes:coding_agreement")
        ),
        *(reverse("schemes:coding_code", args=[s, code.pk]) for code in w.codebook.codes.all()),
    ]
    mentor = [
        reverse("tasks"),
        reverse("consent", args=[s]),
        reverse("own_meeting", args=[s]),
        reverse("released_document", args=[s, mentee]),
        reverse("questionnaire_submitted", args=[s, "pre_phase1"]),
    ]
    return [("lead", url) for url in staff] + [("mentor_user", url) for url in mentor]


def _client(w: World, who: str, client_for: Callable[[User | None], Client]) -> Client:
    user = w.mentor.user if who == "mentor_user" else getattr(w, who)
    return client_for(user)


def test_every_page_shows_typed_text_as_text(
    poisoned: World, client_for: Callable[[User | None], Client]
) -> None:
    shown_literally = 0
    for who, url in _pages(poisoned):
        response = _client(poisoned, who, client_for).get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert_inert(html, url)
        assert "&lt;script&gt;alert(1)" in html or SCRIPT not in html, url
        if "{{7*7}}" in html:
            shown_literally += 1
    assert shown_literally >= 5  # the template text is on the pages, as typed


def test_a_released_document_escapes_the_groups_feedback(
    poisoned: World, client_for: Callable[[User | None], Client]
) -> None:
    html = (
        client_for(poisoned.mentor.user)
        .get(reverse("released_document", args=[poisoned.scheme.pk, poisoned.mentee.pk]))
        .content.decode()
    )
    assert_inert(html, "released document")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{7*7}}{% raw %}" in html
    assert f"See {JS_LINK}" in html  # text, not a link


def test_the_meeting_place_is_a_link_only_to_the_web(
    poisoned: World, client_for: Callable[[User | None], Client]
) -> None:
    page = reverse("own_meeting", args=[poisoned.scheme.pk])
    parsed = Markup()
    parsed.feed(client_for(poisoned.mentor.user).get(page).content.decode())
    assert LINK in parsed.links  # the whole place, quotes and all, inside the attribute
    meetings.meeting_propose(
        participant=poisoned.mentor,
        pair=poisoned.pair,
        starts_at=timezone.now() + timedelta(days=4),
        place=JS_LINK,
    )
    html = client_for(poisoned.mentor.user).get(page).content.decode()
    assert_inert(html, "meeting")
    assert JS_LINK in html


def test_the_transcript_is_served_as_plain_text(
    poisoned: World, client_for: Callable[[User | None], Client]
) -> None:
    response = client_for(poisoned.lead).get(
        reverse("schemes:interview_transcript", args=[poisoned.scheme.pk])
    )
    assert response["Content-Type"].startswith("text/plain")
    assert response.get("X-Content-Type-Options") == "nosniff"
    assert response.content.decode() == PAYLOAD


def test_exports_carry_typed_text_literally(
    poisoned: World, client_for: Callable[[User | None], Client]
) -> None:
    w, lead = poisoned, client_for(poisoned.lead)
    s = w.scheme.pk
    typed = f"{PAYLOAD} {JS_LINK}"

    responses = lead.get(reverse("schemes:export_responses_csv", args=[s])).content.decode()
    assert typed in {row["value"] for row in csv.DictReader(io.StringIO(responses))}

    bundle = json.loads(
        lead.get(reverse("schemes:export_fhir_responses", args=[s, w.instrument.pk])).content
    )
    assert typed in strings(bundle)

    questionnaire = lead.get(reverse("schemes:export_fhir", args=[s, w.instrument.pk]))
    assert any(f"Tech {PAYLOAD}" in text for text in strings(json.loads(questionnaire.content)))

    book = load_workbook(io.BytesIO(lead.get(reverse("schemes:results_xlsx", args=[s])).content))
    cells = [c for row in book["responses"].iter_rows() for c in row if c.value == typed]
    assert cells and all(c.data_type == "s" for c in cells)

    with zipfile.ZipFile(
        io.BytesIO(lead.get(reverse("schemes:study_folder_zip", args=[s])).content)
    ) as z:
        values = csv.DictReader(io.StringIO(z.read(f"scheme-{s}/responses.csv").decode()))
        assert typed in {row["value"] for row in values}

    invite = client_for(w.mentor.user).get(reverse("own_meeting_ics", args=[s, w.pair.pk]))
    event = next(iter(Calendar.from_ical(invite.content).walk("VEVENT")))
    assert str(event["LOCATION"]) == LINK

    pdf = lead.get(reverse("schemes:document_pdf", args=[s, w.mentee.pk])).content
    text = " ".join(pdf_text(pdf).split())
    assert SCRIPT in text and "{{7*7}}" in text and "onerror=alert(1)" in text


def test_study_data_in_the_report_and_its_charts_is_escaped(
    poisoned: World, client_for: Callable[[User | None], Client]
) -> None:
    """A stage label reaches the report's tables and matplotlib's SVG: both stay text."""
    w = poisoned
    stage = Stage.objects.get(scheme=w.scheme, timepoint="pre_phase1")
    label = f"{SCRIPT}{BREAKOUT} $\\frac$ {{{{7*7}}}}"[:100]
    Stage.objects.filter(pk=stage.pk).update(label=label)
    Stage.objects.filter(scheme=w.scheme, timepoint="post_phase1").update(opened_at=timezone.now())
    post = Stage.objects.get(scheme=w.scheme, timepoint="post_phase1")
    submit(w.mentor, post, answers(understanding="4"))
    lead = client_for(w.lead)
    html = lead.get(reverse("schemes:results", args=[w.scheme.pk])).content.decode()
    assert_inert(html, "results")
    assert "&lt;script&gt;alert(1)" in html and "{{7*7}}" in html
    lead.post(reverse("schemes:results_report", args=[w.scheme.pk]), {"quartiles": "tukey"})
    pdf = lead.get(reverse("schemes:results_pdf", args=[w.scheme.pk])).content
    assert "$\\frac$" in pdf_text(pdf)


def test_an_imported_questionnaires_text_is_shown_as_text(
    poisoned: World, client_for: Callable[[User | None], Client]
) -> None:
    w = poisoned
    domains = interchange.SchemeInstrument(scheme=w.scheme).domains()
    from revmentor.instruments import fhir, load_definition

    definition: dict[str, Any] = {
        "format": 1,
        "key": "custom_x",
        "version": 1,
        "title": PAYLOAD,
        "role": "mentor",
        "timepoint": "later",
        "sections": [
            {
                "title": PAYLOAD,
                "items": [{"name": "said", "type": "text", "text": PAYLOAD, "max_length": 100}],
            }
        ],
    }
    content = json.dumps(fhir.instrument_to_questionnaire(load_definition(definition), domains))
    bound = interchange.instrument_import(
        actor=w.lead,
        scheme=w.scheme,
        content=content,
        kind="fhir",
        role="mentor",
        label=f"Later {SCRIPT}"[:100],
        phase=Phase.PHASE_2,
    )
    Stage.objects.filter(pk=bound.stage_id).update(opened_at=timezone.now())
    pages = [
        (w.lead, reverse("schemes:questionnaires", args=[w.scheme.pk])),
        (w.mentor.user, reverse("tasks")),
        (w.mentor.user, reverse("questionnaire", args=[w.scheme.pk, bound.stage.timepoint])),
        (
            w.mentor.user,
            reverse("questionnaire_page", args=[w.scheme.pk, bound.stage.timepoint, 1]),
        ),
    ]
    for user, url in pages:
        html = client_for(user).get(url).content.decode()
        assert_inert(html, url)
        assert "&lt;script&gt;alert(1)" in html, url


def test_code_labels_memos_and_descriptions_are_shown_as_text(
    poisoned: World, client_for: Callable[[User | None], Client]
) -> None:
    w, lead = poisoned, client_for(poisoned.lead)
    s = w.scheme.pk
    label = "Label &lt;script&gt;alert(1)&lt;/script&gt;"
    merged = w.codebook.codes.get(name="merged")
    pages = {
        "codebook": reverse("schemes:coding_codebook", args=[s]),
        "grid": reverse("schemes:coding", args=[s]),
        "agreement": reverse("schemes:coding_agreement", args=[s]),
        "code": reverse("schemes:coding_code", args=[s, w.code.pk]),
        "merged": reverse("schemes:coding_code", args=[s, merged.pk]),
        "results": reverse("schemes:results", args=[s]),
    }
    html = {name: lead.get(url).content.decode() for name, url in pages.items()}
    for name, page in html.items():
        assert_inert(page, name)
        assert label in page, name  # Table 1 of the results too
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html["agreement"]  # the other code
    assert f"{PAYLOAD[len(SCRIPT) + len(BREAKOUT) :]} {JS_LINK}" in html["code"]  # the memo
    assert html["codebook"].count(JS_LINK) == 1  # the description, as text
    parsed = Markup()
    parsed.feed(html["merged"])  # the one label put into markup by hand: "merged into"
    assert pages["code"] in parsed.links


def test_messages_about_codes_show_labels_as_text(
    poisoned: World, client_for: Callable[[User | None], Client]
) -> None:
    w, lead = poisoned, client_for(poisoned.lead)
    s = w.scheme.pk
    added = lead.post(
        reverse("schemes:coding_codebook", args=[s]),
        {"name": "added", "label": f"Added {SCRIPT}{BREAKOUT}"},
        follow=True,
    ).content.decode()
    new = w.codebook.codes.get(name="added")
    merged = lead.post(
        reverse("schemes:coding_code_merge", args=[s, new.pk]),
        {"into": str(w.code.pk)},
        follow=True,
    ).content.decode()
    answer = coding_selectors.agreement(
        w.codebook, coding_selectors.free_text_answers(w.scheme)
    ).disagreements[0]  # type: ignore[union-attr]
    decided = lead.post(
        reverse("schemes:coding_decide", args=[s]),
        {"answer": str(answer.answer.answer_id), "code": str(answer.code.pk), "apply": "yes"},
        follow=True,
    ).content.decode()
    for name, page in (("added", added), ("merged", merged), ("decided", decided)):
        assert_inert(page, name)
    assert "Added the code &#39;Added &lt;script&gt;" in added
    assert "into &#39;Label &lt;script&gt;" in merged
    assert "Settled: &#39;Other &#34;&gt;&lt;img" in decided


def test_the_codebook_is_exported_as_typed(
    poisoned: World, client_for: Callable[[User | None], Client]
) -> None:
    w, lead = poisoned, client_for(poisoned.lead)
    s = w.scheme.pk
    with zipfile.ZipFile(
        io.BytesIO(lead.get(reverse("schemes:study_folder_zip", args=[s])).content)
    ) as z:
        rows = list(csv.DictReader(io.StringIO(z.read(f"scheme-{s}/codebook.csv").decode())))
    assert {(r["code"], r["label"], r["description"]) for r in rows} == {
        ("supervisor", LABEL, f"{PAYLOAD} {JS_LINK}"),
        ("time", OTHER_LABEL, PAYLOAD),
    }
    book = load_workbook(io.BytesIO(lead.get(reverse("schemes:results_xlsx", args=[s])).content))
    cells = {c.value: c for row in book["codebook"].iter_rows() for c in row}
    assert cells[LABEL].data_type == "s" and cells[OTHER_LABEL].data_type == "s"


def test_personal_data_carries_typed_text_literally(
    poisoned: World, client_for: Callable[[User | None], Client]
) -> None:
    w, lead = poisoned, client_for(poisoned.lead)
    files: dict[str, bytes] = {}
    for person in (w.mentor, w.mentee):
        url = reverse("schemes:participant_personal_data", args=[w.scheme.pk, person.pk])
        with zipfile.ZipFile(io.BytesIO(lead.get(url).content)) as z:
            files |= {f"{person.role}/{n.split('/')[-1]}": z.read(n) for n in z.namelist()}
    answers = json.loads(files["mentor/questionnaires.json"])
    assert f"{PAYLOAD} {JS_LINK}" in strings(answers)
    assert f"mentor {SCRIPT}{BREAKOUT}" in strings(json.loads(files["mentor/person.json"]))
    documents = [v.decode() for k, v in files.items() if k.startswith("mentee/feedback-doc")]
    assert documents  # the approved version
    for document in documents:
        assert_inert(document, "feedback document")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert f"mentee {SCRIPT}" in files["mentee/README.txt"].decode()  # plain text
