"""How ``bench/load.py`` sizes a phase: nobody may run out of questionnaires in time.

A person who has answered every open stage stops; the phase's rates then understate what
the servers can do. The warm-up's fastest person, counted from signing in, sizes the later phases.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_load", BENCH / "load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_load"] = module
    spec.loader.exec_module(module)
    return module


def ack(participant: int, t: float) -> dict[str, object]:
    return {"kind": "ack", "participant": participant, "stage": 1, "t": t, "attempts": 1}


def signed_in(participant: int, t: float) -> dict[str, object]:
    return {"kind": "signed_in", "who": participant - 1, "participant": participant, "t": t}


def test_the_fastest_person_is_measured_from_signing_in_to_their_last_submission(
    load: ModuleType,
) -> None:
    events = [
        signed_in(1, 8.0),
        ack(1, 10.0),
        ack(1, 11.0),
        ack(1, 12.0),  # three in the four seconds since signing in: 0.75/s
        signed_in(2, 9.0),
        ack(2, 10.0),
        ack(2, 10.5),  # two close together, but in 1.5 s since signing in: 1.33/s
        signed_in(3, 9.5),  # nothing submitted: no rate
        ack(4, 10.0),  # never signed in: no rate
        {"kind": "retry", "who": 1, "t": 10.2},
    ]
    assert load.fastest_person(events) == pytest.approx(2 / 1.5)
    assert load.fastest_person([ack(1, 5.0)]) == 0.0
    assert load.fastest_person([]) == 0.0


def test_a_phase_opens_twice_what_the_fastest_person_could_answer(load: ModuleType) -> None:
    assert load.stage_count(60, 50, fastest=0.8) == math.ceil(60 * 1.6) + 5
    # Measured faster people get more stages, however many people there are.
    assert load.stage_count(60, 50, fastest=5.0) == 605


def test_without_a_warm_up_the_allowance_is_generous(load: ModuleType) -> None:
    # 200 submissions/s across everyone, at most 20/s for one person.
    assert load.stage_count(60, 50) == 60 * 4 + 5
    assert load.stage_count(3, 4) == 3 * 20 + 5
    assert load.stage_count(0, 50, fastest=3.0) == 5


def phase(requests_per_s: float, cpu_ms: float | None) -> dict[str, object]:
    cpu = {} if cpu_ms is None else {"cpu_ms_per_request": {"total": cpu_ms}}
    return {"requests_per_s": requests_per_s, **cpu}


def test_the_budget_says_what_the_target_leaves_a_questionnaire_request(
    load: ModuleType,
) -> None:
    results = {
        "floor": phase(1000.0, 2.0),
        "floor_signed_in": phase(680.0, 2.8),
        "load": phase(370.0, 5.3),
    }
    assert load.budget(results) == {
        "allowed_ms": 4.0,  # 2.0 / 0.5
        "costs_ms": 5.3,
        "own_work_ms": 2.5,  # 5.3 - 2.8
        "own_work_allowed_ms": 1.2,  # 4.0 - 2.8
        "signed_in_ceiling": 0.68,
    }


def test_without_the_cpu_of_every_phase_there_is_no_budget(load: ModuleType) -> None:
    assert load.budget({"floor": phase(1000.0, 2.0), "load": phase(370.0, 5.3)}) is None
    results = {
        "floor": phase(1000.0, 2.0),
        "floor_signed_in": phase(680.0, None),  # CPU not measured (no psutil counters)
        "load": phase(370.0, 5.3),
    }
    assert load.budget(results) is None
