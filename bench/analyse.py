"""Benchmark ``revmentor analyse`` at national scale against a bare pyarrow parse.

Generates a study data folder with about N answers (default 10 million: ~180,000
participants, three time points, mentors answering three 7-domain grids and a single
ordinal item, mentees two grids, everyone a yes/no item and some free text), then times,
each in a fresh process, the whole run of

1. ``python -c "pyarrow.csv.read_csv('responses.csv')"`` (the floor: parsing only), and
2. ``python -m revmentor.analysis FOLDER --json OUT.json``,

and reports their ratio and the peak memory of each. Usage::

    .venv/bin/python bench/analyse.py                   # 10 million answers, best of 3
    .venv/bin/python bench/analyse.py --answers 1e6 3e6 1e7 --repeat 1

The folder is cached under ``--workdir`` (default /tmp/revmentor-bench) by size and seed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

DOMAINS = (
    "technology",
    "clinical_practice",
    "approach_to_juniors",
    "time_management",
    "approachability",
    "strengths",
    "areas_for_improvement",
)
TIMEPOINTS = ("baseline", "after_phase1", "after_session")
MENTOR_GRIDS = ("importance", "confidence", "ability")
MENTEE_GRIDS = ("importance", "awareness")
# Answers per person: grids x 7 domains x 3 time points, + understanding x 3 for mentors,
# + one yes/no; half of each role also write one free-text answer.
PER_MENTOR = len(MENTOR_GRIDS) * 7 * 3 + 3 + 1 + 0.5
PER_MENTEE = len(MENTEE_GRIDS) * 7 * 3 + 1 + 0.5


def generate(folder: Path, answers: int, seed: int = 1) -> int:
    """Write a study folder with about ``answers`` answers; return the exact count."""
    rng = np.random.default_rng(seed)
    per_pair = PER_MENTOR + PER_MENTEE
    n = max(int(answers / per_pair), 1)  # mentors = mentees = n
    folder.mkdir(parents=True, exist_ok=True)
    mentor_ids = np.char.add("R", np.arange(n).astype(str))
    mentee_ids = np.char.add("E", np.arange(n).astype(str))
    ids = np.concatenate([mentor_ids, mentee_ids])
    role = np.repeat(np.array(["mentor", "mentee"]), n)
    pacsv.write_csv(
        pa.table(
            {
                "participant_id": ids,
                "role": role,
                "sex": rng.choice(np.array(["male", "female"]), 2 * n),
                "age": rng.integers(25, 66, 2 * n),
                "status": np.where(rng.random(2 * n) < 0.02, "withdrawn", "active"),
            }
        ),
        folder / "participants.csv",
    )
    pacsv.write_csv(
        pa.table({"timepoint": list(TIMEPOINTS), "label": ["Baseline", "After phase 1", "After"]}),
        folder / "timepoints.csv",
    )
    pieces: list[pa.Table] = []

    def add(people: np.ndarray, who: str, tp: str, item: str, values: np.ndarray) -> None:
        pieces.append(
            pa.table(
                {
                    "participant_id": people,
                    "role": np.full(people.size, who),
                    "timepoint": np.full(people.size, tp),
                    "item": np.full(people.size, item),
                    "value": values.astype(str),
                }
            )
        )

    for t, tp in enumerate(TIMEPOINTS):
        for who, people, grids in (
            ("mentor", mentor_ids, MENTOR_GRIDS),
            ("mentee", mentee_ids, MENTEE_GRIDS),
        ):
            # Answers drift upwards over time, as after an intervention that works a bit.
            for scale in grids:
                for domain in DOMAINS:
                    values = np.clip(
                        rng.integers(1, 6, people.size) + (rng.random(people.size) < 0.1 * t), 1, 5
                    )
                    add(people, who, tp, f"{scale}.{domain}", values)
        add(mentor_ids, "mentor", tp, "understanding", rng.integers(1, 6, n))
    for who, people in (("mentor", mentor_ids), ("mentee", mentee_ids)):
        add(people, who, "baseline", "concerns", rng.choice(np.array(["yes", "no"]), n))
        writers = people[rng.random(n) < 0.5]
        texts = np.char.add('Worried about "hierarchy", and time; case ', writers)
        add(writers, who, "baseline", "concerns_text", texts)
    table = pa.concat_tables(pieces)
    # Shuffle rows as an export from a live system would interleave them.
    table = table.take(pa.array(rng.permutation(table.num_rows)))
    pacsv.write_csv(table, folder / "responses.csv")
    return int(table.num_rows)


def measure(command: list[str]) -> tuple[float, float]:
    """Return (wall seconds, peak resident MiB) of ``command`` run in a fresh process."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
        "t = time.perf_counter() - t\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(t, peak, code)\n"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", probe, *command], capture_output=True, text=True, check=True
    )
    seconds, peak, code = out.stdout.split()
    if code != "0":
        raise SystemExit(f"{command} failed with status {code}")
    return float(seconds), float(peak)


def interleaved(commands: list[list[str]], repeat: int) -> list[list[tuple[float, float]]]:
    """Return ``repeat`` (seconds, peak MiB) runs of each command, run in turn.

    Interleaving spreads any background load on the machine over all commands alike.
    """
    runs: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(repeat):
        for i, command in enumerate(commands):
            runs[i].append(measure(command))
    return runs


def bench(answers: int, repeat: int, workdir: Path) -> dict[str, float]:
    """Generate (or reuse) a folder of ``answers`` answers and time both commands."""
    folder = workdir / f"study-{answers}"
    marker = folder / ".answers"
    if not marker.exists():
        started = time.perf_counter()
        marker.parent.mkdir(parents=True, exist_ok=True)
        count = generate(folder, answers)
        marker.write_text(str(count))
        print(
            f"generated {count:,} answers in {time.perf_counter() - started:.1f} s", file=sys.stderr
        )
    count = int(marker.read_text())
    responses = str(folder / "responses.csv")
    parse = [
        sys.executable,
        "-c",
        "import sys, pyarrow.csv as c; print(c.read_csv(sys.argv[1]).num_rows)",
        responses,
    ]
    # The same parse with revmentor's own options: dictionary-encoded string columns and
    # quoted newlines allowed. A stricter floor than the default parse, reported alongside.
    parse_like = [
        sys.executable,
        "-c",
        "import sys, pyarrow as pa, pyarrow.csv as c\n"
        "d = pa.dictionary(pa.int32(), pa.string())\n"
        "cols = ['participant_id', 'role', 'timepoint', 'item', 'value']\n"
        "t = c.read_csv(sys.argv[1], parse_options=c.ParseOptions(newlines_in_values=True),\n"
        "    convert_options=c.ConvertOptions(column_types=dict.fromkeys(cols, d)))\n"
        "print(t.num_rows)",
        responses,
    ]
    analyse = [
        sys.executable,
        "-m",
        "revmentor.analysis",
        str(folder),
        "--json",
        str(workdir / f"results-{answers}.json"),
        "--progress",
        "never",
    ]
    parse_runs, like_runs, analyse_runs = interleaved([parse, parse_like, analyse], repeat)
    parse_s = min(t for t, _ in parse_runs)
    parse_mib = max(m for _, m in parse_runs)
    parse_like_s = min(t for t, _ in like_runs)
    analyse_s = min(t for t, _ in analyse_runs)
    analyse_mib = max(m for _, m in analyse_runs)
    ratios = sorted(a[0] / p[0] for a, p in zip(analyse_runs, parse_runs, strict=True))
    return {
        "repeat": repeat,
        "parse_s_all": [round(t, 2) for t, _ in parse_runs],
        "analyse_s_all": [round(t, 2) for t, _ in analyse_runs],
        "ratio_of_runs_median": ratios[len(ratios) // 2],
        "answers": count,
        "responses_mib": (folder / "responses.csv").stat().st_size / 2**20,
        "parse_s": parse_s,
        "parse_peak_mib": parse_mib,
        "analyse_s": analyse_s,
        "analyse_peak_mib": analyse_mib,
        "ratio": analyse_s / parse_s,
        "parse_dictionary_s": parse_like_s,
        "ratio_to_dictionary_parse": analyse_s / parse_like_s,
        "analyse_s_per_million": analyse_s / count * 1e6,
    }


def main() -> int:
    """Run the benchmark at each requested size and print a table and JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=float, nargs="+", default=[1e7])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "revmentor-bench"
    )
    args = parser.parse_args()
    rows = [bench(int(a), args.repeat, args.workdir) for a in args.answers]
    print(
        f"{'answers':>12} {'CSV MiB':>8} {'parse s':>8} {'dict s':>7} {'analyse s':>10} "
        f"{'ratio':>6} {'ratio2':>6} {'peak MiB':>9} {'s/million':>10}"
    )
    for r in rows:
        print(
            f"{r['answers']:>12,} {r['responses_mib']:>8.0f} {r['parse_s']:>8.2f} "
            f"{r['parse_dictionary_s']:>7.2f} {r['analyse_s']:>10.2f} {r['ratio']:>6.2f} "
            f"{r['ratio_to_dictionary_parse']:>6.2f} {r['analyse_peak_mib']:>9.0f} "
            f"{r['analyse_s_per_million']:>10.3f}"
        )
    print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
