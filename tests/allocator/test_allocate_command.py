"""``revmentor allocate``: reads the study data folder, writes JSON, rejects bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from revmentor.allocator import make_record, problem_from_record, verify
from revmentor.allocator.cli import main

PARTICIPANTS = """participant_id,role,status
M1,mentor,active
M2,mentor,active
M3,mentor,withdrawn
E1,mentee,active
E2,mentee,active
"""
WILLINGNESS = """mentor_id,mentee_id,willing,own_supervisor
M1,E1,yes,yes
M1,E2,yes,no
M2,E1,yes,
M3,E2,yes,
M2,E2,no,
"""


def _folder(
    tmp_path: Path, willingness: str = WILLINGNESS, participants: str = PARTICIPANTS
) -> Path:
    (tmp_path / "participants.csv").write_text(participants, encoding="utf-8")
    path = tmp_path / "willingness.csv"
    path.write_text(willingness, encoding="utf-8")
    return path


def test_writes_the_json_result_with_seed_algorithm_and_hash(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    assert main([str(_folder(tmp_path)), "--seed", "7", "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["seed"] == 7
    assert data["algorithm"].startswith("revmentor-allocate/")
    assert len(data["inputs_sha256"]) == 64
    assert len(data["pairs"]) == 2
    assert {"participant_id": "M3", "role": "mentor", "reason": "withdrawn"} in data["unmatched"]


def test_same_seed_gives_the_same_json(tmp_path: Path) -> None:
    path = _folder(tmp_path)
    outputs = []
    for name in ("a.json", "b.json"):
        main([str(path), "--seed", "99", "--json", str(tmp_path / name)])
        outputs.append((tmp_path / name).read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]


def test_without_seed_draws_one_from_secrets_and_prints_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("secrets.randbits", lambda bits: 424242)
    out = tmp_path / "out.json"
    assert main([str(_folder(tmp_path)), "--json", str(out)]) == 0
    assert "drew seed 424242" in capsys.readouterr().out
    assert json.loads(out.read_text(encoding="utf-8"))["seed"] == 424242


def test_forbid_rule_is_applied_from_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    path = _folder(tmp_path)
    for seed in range(10):
        main([str(path), "--seed", str(seed), "--own-supervisor", "forbid", "--json", str(out)])
        pairs = json.loads(out.read_text(encoding="utf-8"))["pairs"]
        assert {"mentor_id": "M1", "mentee_id": "E1"} not in pairs


def test_capacity_lets_a_mentee_take_two_mentors(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    willing = "mentor_id,mentee_id,willing\nM1,E1,yes\nM2,E1,yes\n"
    main([str(_folder(tmp_path, willing)), "--seed", "1", "--capacity", "2", "--json", str(out)])
    assert len(json.loads(out.read_text(encoding="utf-8"))["pairs"]) == 2


@pytest.mark.parametrize(
    ("willingness", "expected"),
    [
        ("mentor_id,mentee_id,willing\nM1,E9,yes\n", "row 2, column mentee_id: 'E9' is not in"),
        (
            "mentor_id,mentee_id,willing\nE1,E2,yes\n",
            "column mentor_id: 'E1' is listed as a mentee",
        ),
        (
            "mentor_id,mentee_id,willing\nM1,E1,yes\nM2,E1,no\nM1,E1,no\n",
            "row 4, columns mentor_id and mentee_id: 'M1' and 'E1' already appear in row 2",
        ),
        (
            "mentor_id,mentee_id,willing\nM1,E1,maybe\n",
            "row 2, column willing: 'maybe' is not allowed",
        ),
        (
            "mentor_id,mentee_id,willing,own_supervisor\nM1,E1,yes,perhaps\n",
            "column own_supervisor: 'perhaps' is not allowed. Enter yes or no.",
        ),
        (
            "mentor_id,mentee_id,willing\nM1,E1,no\nM3,E2,yes\n",
            "nobody still taking part is willing",
        ),
        ("mentor_id,willing\nM1,yes\n", "row 1: the column 'mentee_id' is missing"),
        ("mentor_id,mentee_id,willing\nM1,E1\n", "row 2: has 2 values but the header has 3"),
        ('mentor_id,mentee_id,willing\n"M1",E7,yes\n', "row 2, column mentee_id: 'E7' is not in"),
    ],
)
def test_bad_input_gets_a_clear_message_and_non_zero_exit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], willingness: str, expected: str
) -> None:
    path = _folder(tmp_path, willingness)
    assert main([str(path), "--seed", "1"]) != 0
    error = capsys.readouterr().err
    assert "willingness.csv" in error
    assert expected in error


def test_bad_participants_file_names_its_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    participants = PARTICIPANTS + "E3,consultant,active\n"
    assert main([str(_folder(tmp_path, participants=participants)), "--seed", "1"]) == 2
    assert (
        "participants.csv, row 7, column role: 'consultant' is not allowed"
        in capsys.readouterr().err
    )


def test_runs_as_a_module_in_its_own_process(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    done = subprocess.run(
        [sys.executable, "-m", "revmentor.allocator", str(_folder(tmp_path)), "--json", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "drew seed" in done.stdout
    assert json.loads(out.read_text(encoding="utf-8"))["pairs"]


def test_module_exits_non_zero_on_bad_input(tmp_path: Path) -> None:
    path = _folder(tmp_path, "mentor_id,mentee_id,willing\nM1,E1,perhaps\n")
    done = subprocess.run(
        [sys.executable, "-m", "revmentor.allocator", str(path), "--seed", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "column willing" in done.stderr


def test_a_record_verifies_and_a_tampered_one_does_not(tmp_path: Path) -> None:
    from revmentor.allocator.csvfiles import read_problem

    path = _folder(tmp_path)
    problem = read_problem(path, tmp_path / "participants.csv")
    record = make_record(problem, 5)
    assert verify(json.loads(json.dumps(record)))
    assert problem_from_record(record["inputs"]).inputs_sha256() == record["inputs_sha256"]
    tampered = dict(record, pairs=[*record["pairs"][::-1], {"mentor_id": "M2", "mentee_id": "E9"}])
    assert not verify(tampered)
    changed_inputs = dict(record["inputs"], withdrawn=["M1"])
    assert not verify(dict(record, inputs=changed_inputs))
    assert not verify(dict(record, algorithm="revmentor-allocate/0"))
