"""``selectors.results``: the analysis core on the live scheme, in a fixed number of queries."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from revmentor.questionnaires.models import Stage
from revmentor.research import selectors
from revmentor.schemes.models import Participant, ParticipantRole, Scheme
from tests.factories import ConsentFactory, ParticipantFactory
from tests.research.conftest import answers, submit


def _grow(scheme: Scheme, mentors: int) -> None:
    """Add ``mentors`` consented mentors who answer before phase 1."""
    Stage.objects.filter(scheme=scheme, timepoint="pre_phase1").update(opened_at=timezone.now())
    stage = Stage.objects.get(scheme=scheme, timepoint="pre_phase1")
    for i in range(mentors):
        mentor = cast(Participant, ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTOR))
        ConsentFactory(participant=mentor)
        submit(mentor, stage, answers(i % 4))


def _queries(scheme: Scheme) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert selectors.results(scheme) is not None
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_scheme(scheme: Scheme, db: Any) -> None:
    _grow(scheme, 2)
    small = _queries(scheme)
    _grow(scheme, 8)
    assert _queries(scheme) == small


def test_no_answers_gives_no_results(scheme: Scheme) -> None:
    assert selectors.results(scheme) is None


def test_quartile_method_is_the_one_asked_for(demo_scheme: Scheme) -> None:
    tukey = selectors.results(demo_scheme, "tukey")
    haverage = selectors.results(demo_scheme, "haverage")
    assert tukey is not None and haverage is not None
    assert tukey["method"] != haverage["method"]
    # 30, 45 and 180 minutes: hinges give 112.5, the weighted average 180
    assert (tukey["sessions"]["q3"], haverage["sessions"]["q3"]) == (112.5, 180)


def test_unknown_quartile_method_is_refused(demo_scheme: Scheme) -> None:
    with pytest.raises(ValueError, match="quartile"):
        selectors.results(demo_scheme, "median-of-medians")  # type: ignore[arg-type]
