"""The report PDF, made in the background: asking, its states, downloading, deleting.

The test settings run tasks at once (the immediate backend); where a test needs a report
still on its way, ``queued`` swaps in django-tasks' dummy backend, which keeps what is
queued without running it, and the test runs the task itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend

from revmentor.core.models import AuditEvent, User
from revmentor.privacy import erasure
from revmentor.research import formats, services
from revmentor.research.models import KEEP_FOR, Report
from revmentor.research.tasks import make_report
from revmentor.schemes.models import Participant, Scheme
from tests.factories import SchemeFactory
from tests.pdfs import pdf_info, pdf_text

pytestmark = pytest.mark.django_db

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def queued() -> Iterator[list[Any]]:
    """Tasks are kept, not run; yields the list of what was queued."""
    with override_settings(TASKS=DUMMY):
        yield default_task_backend.results  # type: ignore[attr-defined]


def _page(client: Client, scheme: Scheme) -> str:
    response = client.get(reverse("schemes:results_report", args=[scheme.pk]))
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def _ask(client: Client, scheme: Scheme, quartiles: str = "tukey") -> None:
    response = client.post(
        reverse("schemes:results_report", args=[scheme.pk]), {"quartiles": quartiles}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("schemes:results_report", args=[scheme.pk])


def _exports(scheme: Scheme) -> int:
    return AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, scheme_id=scheme.pk).count()


def test_a_researcher_asks_for_the_report_then_downloads_it_audited_each_time(
    client_for: Callable[[User | None], Client], demo_scheme: Scheme
) -> None:
    researcher = demo_scheme.memberships.get(role="researcher").user
    client = client_for(researcher)
    assert "There is no report to download" in _page(client, demo_scheme)

    _ask(client, demo_scheme, "linear")

    page = _page(client, demo_scheme)
    report = Report.objects.get(scheme=demo_scheme)
    assert report.status == Report.Status.READY and report.quartiles == "linear"
    assert report.requested_by == researcher and report.size == len(bytes(report.content))
    assert "Download the report (PDF, " in page and "with quartiles by Linear" in page
    assert "Make the report again" in page
    assert 'name="quartiles" value="linear"' in page  # again, the same way
    before = _exports(demo_scheme)
    for n in (1, 2):
        response = client.get(reverse("schemes:results_pdf", args=[demo_scheme.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].endswith('-report.pdf"')
        assert _exports(demo_scheme) == before + n
    assert "A4" in pdf_info(response.content)
    text = pdf_text(response.content)
    assert "Reverse mentoring study results" in text and "linear" in text.lower()


def test_the_download_without_a_made_report_goes_to_the_report_page_unaudited(
    client_for: Callable[[User | None], Client], scheme: Scheme, lead: User, queued: list[Any]
) -> None:
    client = client_for(lead)
    url = reverse("schemes:results_pdf", args=[scheme.pk])
    report_page = reverse("schemes:results_report", args=[scheme.pk])
    assert client.get(url)["Location"] == report_page  # never asked for
    _ask(client, scheme)
    assert client.get(url)["Location"] == report_page  # on its way
    assert _exports(scheme) == 0


def test_while_it_is_on_its_way_the_page_says_so_and_asking_again_makes_it_once(
    client_for: Callable[[User | None], Client], scheme: Scheme, lead: User, queued: list[Any]
) -> None:
    client = client_for(lead)
    _ask(client, scheme)
    _ask(client, scheme)  # a second click, or a colleague at the same time
    assert len(queued) == 1
    report = Report.objects.get(scheme=scheme)
    page = _page(client, scheme)
    assert 'data-report-state="waiting"' in page and "Waiting to start" in page
    assert "Check again" in page and "Make the report" not in page  # no button meanwhile
    assert "revmentor/report" in page  # the script that checks again

    # Another quartile method is a different report: it replaces this one
    _ask(client, scheme, "haverage")
    assert len(queued) == 2
    assert not Report.objects.filter(pk=report.pk).exists()
    assert Report.objects.get(scheme=scheme).quartiles == "haverage"


def test_the_task_makes_it_once_and_leaves_a_replaced_report_alone(
    scheme: Scheme, lead: User, queued: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = services.report_request(actor=lead, scheme=scheme, quartiles="tukey")
    assert make_report.call(first.pk) is True
    made = Report.objects.get(pk=first.pk)
    assert made.status == Report.Status.READY and bytes(made.content).startswith(b"%PDF")
    assert make_report.call(first.pk) is False  # run twice: claimed already, not remade
    assert Report.objects.get(pk=first.pk).finished_at == made.finished_at

    # Asked for again with other quartiles while the first was being made: the first
    # task's PDF is not written over the new report
    second = services.report_request(actor=lead, scheme=scheme, quartiles="linear")
    real = formats.report_pdf

    def replaced_meanwhile(**kwargs: Any) -> bytes:
        services.report_request(actor=lead, scheme=scheme, quartiles="haverage")
        return real(**kwargs)

    monkeypatch.setattr(formats, "report_pdf", replaced_meanwhile)
    assert make_report.call(second.pk) is False
    newest = Report.objects.get(scheme=scheme)
    assert newest.quartiles == "haverage" and newest.status == Report.Status.WAITING


def test_a_report_that_fails_says_so_and_can_be_made_again(
    client_for: Callable[[User | None], Client],
    scheme: Scheme,
    lead: User,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(**kwargs: Any) -> bytes:
        raise RuntimeError("WeasyPrint ran out of memory")

    monkeypatch.setattr(formats, "report_pdf", broken)
    client = client_for(lead)
    with caplog.at_level(logging.ERROR, logger="revmentor.research.tasks"):
        _ask(client, scheme)
    assert Report.objects.get(scheme=scheme).status == Report.Status.FAILED
    assert "WeasyPrint ran out of memory" in caplog.text  # the traceback is in the log
    page = _page(client, scheme)
    assert "The report could not be made" in page and "Make the report again" in page
    assert "WeasyPrint" not in page  # the reason is for the site admin, not the page

    monkeypatch.undo()
    _ask(client, scheme)
    assert Report.objects.get(scheme=scheme).status == Report.Status.READY


def test_a_report_not_made_after_ten_minutes_says_the_worker_may_not_be_running(
    client_for: Callable[[User | None], Client], scheme: Scheme, lead: User, queued: list[Any]
) -> None:
    client = client_for(lead)
    _ask(client, scheme)
    assert "taking longer than it should" not in _page(client, scheme)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        page = _page(client, scheme)
        assert "taking longer than it should" in page and "may not be running" in page
        assert 'data-report-state="overdue"' in page
        # Asking again now queues a new one rather than waiting on the lost one
        _ask(client, scheme)
    assert len(queued) == 2


def test_a_report_started_late_is_overdue_ten_minutes_after_it_started(
    client_for: Callable[[User | None], Client], scheme: Scheme, lead: User, queued: list[Any]
) -> None:
    client = client_for(lead)
    _ask(client, scheme)
    asked = timezone.now()
    Report.objects.filter(scheme=scheme).update(  # a busy worker got to it 9 minutes on
        status=Report.Status.MAKING, started_at=asked + timedelta(minutes=9)
    )
    with time_machine.travel(asked + timedelta(minutes=12)):
        page = _page(client, scheme)
        assert 'data-report-state="making"' in page and "Being made" in page
        _ask(client, scheme)  # still on its way: not asked for twice
        assert len(queued) == 1
    with time_machine.travel(asked + timedelta(minutes=20)):
        assert 'data-report-state="overdue"' in _page(client, scheme)


def test_a_made_report_is_gone_after_a_day_and_deleted(
    client_for: Callable[[User | None], Client], scheme: Scheme, lead: User
) -> None:
    client = client_for(lead)
    _ask(client, scheme)
    later = timezone.now() + KEEP_FOR + timedelta(minutes=1)
    with time_machine.travel(later):
        assert "There is no report to download" in _page(client, scheme)
        response = client.get(reverse("schemes:results_pdf", args=[scheme.pk]))
        assert response.status_code == 302
        out = StringIO()
        call_command("apply_retention", stdout=out)  # the daily sweep deletes it
    assert "Report PDFs older than a day deleted: 1." in out.getvalue()
    assert not Report.objects.filter(scheme=scheme).exists()


def test_erasing_anyone_in_the_scheme_deletes_its_report(
    scheme: Scheme, lead: User, mentor: Participant
) -> None:
    services.report_request(actor=lead, scheme=scheme, quartiles="tukey")
    other = services.report_request(actor=lead, scheme=SchemeFactory(), quartiles="tukey")
    erasure.erase(scheme, erasure.decide([mentor]), withdraw=True)
    assert not Report.objects.filter(scheme=scheme).exists()
    assert Report.objects.filter(pk=other.pk).exists()  # another scheme's stays


def test_only_research_staff_may_ask_for_it(
    client_for: Callable[[User | None], Client],
    scheme: Scheme,
    facilitator: User,
    mentor: Participant,
) -> None:
    url = reverse("schemes:results_report", args=[scheme.pk])
    assert client_for(facilitator).post(url, {"quartiles": "tukey"}).status_code == 403
    assert client_for(mentor.user).post(url, {"quartiles": "tukey"}).status_code == 403
    assert not Report.objects.exists()


def test_the_report_page_reads_a_fixed_number_of_queries_and_never_the_pdf(
    client_for: Callable[[User | None], Client],
    scheme: Scheme,
    lead: User,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(lead)
    _ask(client, scheme)
    client.get(reverse("schemes:results_report", args=[scheme.pk]))  # warm the caches
    with django_assert_max_num_queries(8) as captured:
        _page(client, scheme)
    report_reads = [q["sql"] for q in captured.captured_queries if "research_report" in q["sql"]]
    assert len(report_reads) == 1 and '"content"' not in report_reads[0]
