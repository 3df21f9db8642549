"""Writes of many rows at once have the tables they wrote analysed once they commit.

On PostgreSQL, ANALYZE sets ``pg_class.reltuples`` to the rows it counted (a table never
analysed holds -1); it counts rows this transaction added, so a test can see it run
inside the test's own transaction. On SQLite nothing is asked for.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from revmentor.core import planner
from revmentor.core.models import User
from revmentor.feedback.models import Willingness
from revmentor.questionnaires.models import Answer
from revmentor.schemes import csv_import
from revmentor.schemes.models import Participant, Scheme
from tests.statistics import on_postgresql, planned_rows

HEADER = "full_name,email,role,grade,sex,age,years_as_consultant,previous_mentoring\n"


def _people(n: int) -> io.BytesIO:
    rows = [f"Dr Person {i},p{i}@nhs.net,mentor,clinical fellow,female,30,,no\n" for i in range(n)]
    return io.BytesIO((HEADER + "".join(rows)).encode())


@on_postgresql
def test_a_participants_csv_has_its_tables_analysed_once_it_commits(
    lead: User, scheme: Scheme, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        csv_import.import_participants(actor=lead, scheme=scheme, stream=_people(40))
    assert len(callbacks) == 1
    before = planned_rows(Participant)
    callbacks[0]()
    assert planned_rows(Participant) == Participant.objects.count() != before
    assert planned_rows(User) == User.objects.count()


@on_postgresql
def test_each_table_is_named_once_and_runs_at_once_outside_a_transaction(
    transactional_db: Any, django_assert_num_queries: Callable[..., Any]
) -> None:
    # Outside a transaction Django runs an on-commit function straight away.
    with django_assert_num_queries(1) as queries:
        planner.analyse_after_commit([Answer, Willingness, Answer])
    statement = queries.captured_queries[0]["sql"]
    assert statement == 'ANALYZE "feedback_willingness", "questionnaires_answer"'


def test_sqlite_is_asked_for_nothing(
    db: Any, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the tables are analysed (the tests above)")
    with django_capture_on_commit_callbacks() as callbacks:
        planner.analyse_after_commit([Participant])
    assert callbacks == []
