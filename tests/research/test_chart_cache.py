"""The Results page's charts: shared by every process of the web app (chart_cache), and
those not drawn yet drawn by the task worker while the page shows."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import caches
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend

from revmentor.analysis import charts
from revmentor.core.models import User
from revmentor.research import chart_cache, presenters, services
from revmentor.research.tasks import draw_charts
from revmentor.schemes.models import Scheme

pytestmark = pytest.mark.django_db

DUMMY = "django_tasks.backends.dummy.DummyBackend"  # keeps what is queued, runs nothing


@pytest.fixture
def draws(chart_draws: list[str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the charts drawn while the test runs (``chart_draws``); none shared, and
    the cache working."""
    caches["charts"].clear()
    monkeypatch.setattr(chart_cache.STORE, "failed_at", None)
    return chart_draws


def _results(client: Client, scheme: Scheme) -> str:
    response = client.get(reverse("schemes:results", args=[scheme.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _charts(page: str) -> list[str]:
    return re.findall(r'<img [^>]*class="chart"[^>]*>', page)


def test_a_chart_drawn_by_one_app_server_is_not_drawn_by_another(
    client_for: Callable[[User | None], Client], demo_scheme: Scheme, draws: list[str]
) -> None:
    lead = demo_scheme.memberships.get(role="lead").user
    first = _charts(_results(client_for(lead), demo_scheme))
    drawn = len(draws)
    assert drawn > 0 and len(first) == drawn
    charts._kept_charts.clear()  # another process: nothing kept in it
    assert _charts(_results(client_for(lead), demo_scheme)) == first
    assert len(draws) == drawn


def test_the_report_task_draws_the_charts_the_results_page_then_shows(
    client_for: Callable[[User | None], Client], demo_scheme: Scheme, draws: list[str]
) -> None:
    lead = demo_scheme.memberships.get(role="lead").user
    services.report_request(actor=lead, scheme=demo_scheme, quartiles="tukey")
    drawn = len(draws)
    assert drawn > 0
    charts._kept_charts.clear()  # the task ran in the worker's process
    _results(client_for(lead), demo_scheme)
    assert len(draws) == drawn


def test_without_the_cache_the_charts_are_drawn_and_the_failure_logged(
    client_for: Callable[[User | None], Client],
    demo_scheme: Scheme,
    draws: list[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def unreachable(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(caches["charts"], "get", unreachable)
    monkeypatch.setattr(caches["charts"], "set", unreachable)
    lead = demo_scheme.memberships.get(role="lead").user
    with caplog.at_level(logging.WARNING, logger="revmentor.research.chart_cache"):
        page = _results(client_for(lead), demo_scheme)
    assert draws and len(_charts(page)) == len(draws)
    assert "Could not read a chart from the cache" in caplog.text
    assert "Could not put a chart in the cache" in caplog.text


def test_charts_not_drawn_yet_are_drawn_by_the_worker_while_the_page_shows(
    client_for: Callable[[User | None], Client],
    demo_scheme: Scheme,
    draws: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lead = demo_scheme.memberships.get(role="lead").user
    client = client_for(lead)
    renders: list[int] = []
    real = presenters.report

    def counting(*args: Any) -> presenters.Report:
        renders.append(1)
        return real(*args)

    monkeypatch.setattr(presenters, "report", counting)
    with override_settings(TASKS={"default": {"BACKEND": DUMMY}}):
        queued = default_task_backend.results  # type: ignore[attr-defined]
        page = _results(client, demo_scheme)
        assert len(renders) == 1  # queued for the worker: the report is not rendered again
        boxes = re.findall(r"<img [^>]*data-chart-waiting[^>]*>", page)
        assert boxes and len(boxes) == len(_charts(page)) and draws == []
        assert "charts are being drawn from the latest answers" in " ".join(page.split())
        assert "revmentor/results" in page  # the script that puts them in place
        assert len(queued) == 1 and queued[0].args == [[demo_scheme.pk], "tukey"]
        _results(client, demo_scheme)  # opened again meanwhile: not queued twice
        assert len(queued) == 1

        assert draw_charts.call([demo_scheme.pk], "tukey") is True  # the worker
        page = _results(client, demo_scheme)
    assert "data-chart-waiting" not in page and "being drawn" not in page
    assert len(_charts(page)) == len(boxes) == len(draws)
    assert len(queued) == 1


def test_while_the_cache_fails_the_page_draws_its_charts_itself(
    client_for: Callable[[User | None], Client],
    demo_scheme: Scheme,
    draws: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(chart_cache.STORE, "failed_at", time.monotonic())
    lead = demo_scheme.memberships.get(role="lead").user
    with override_settings(TASKS={"default": {"BACKEND": DUMMY}}):
        page = _results(client_for(lead), demo_scheme)
        assert default_task_backend.results == []  # type: ignore[attr-defined]
    assert "data-chart-waiting" not in page and len(_charts(page)) == len(draws) > 0


def test_charts_the_worker_has_not_drawn_in_two_minutes_are_drawn_by_the_page(
    client_for: Callable[[User | None], Client],
    demo_scheme: Scheme,
    draws: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    lead = demo_scheme.memberships.get(role="lead").user
    client = client_for(lead)
    with override_settings(TASKS={"default": {"BACKEND": DUMMY}}):
        assert "data-chart-waiting" in _results(client, demo_scheme)  # queued; no worker
        with time_machine.travel(timezone.now() + timedelta(seconds=90)):
            assert "data-chart-waiting" in _results(client, demo_scheme)  # still waiting
        later = timezone.now() + timedelta(minutes=3)
        with time_machine.travel(later), caplog.at_level(logging.WARNING):
            page = _results(client, demo_scheme)
        assert len(default_task_backend.results) == 1  # type: ignore[attr-defined]
    assert "data-chart-waiting" not in page and len(_charts(page)) == len(draws) > 0
    assert "is the task worker running?" in caplog.text
