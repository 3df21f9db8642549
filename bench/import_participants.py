"""How long a participants CSV takes to import, at three sizes, against reading the file.

Uses what ``bench/load.py`` sets up (a fresh PostgreSQL database migrated as a release
is, production settings). For each size in ``--sizes`` it writes a CSV of that many
people with every column filled (half mentees, half mentors each naming one of them as
supervisor, as the README's CSV format describes), and imports it into a new scheme
through ``schemes.csv_import.import_participants`` — the code the upload page runs, all
of it: every row checked, then everyone added, the audit events written, the commit and
the statistics brought up to date. ``--repeat`` imports a size, each into a scheme of its
own; the median is reported.

The floor, measured in the same run on the same bytes, is reading the file with Python's
csv module into a list of rows: what any import must do at least. The report gives, for
each size, the import's time, its time a person, its time as a ratio to the floor, the
share of it spent checking the rows (``csv_import.parse``, timed apart), and its queries.
The last line says how the import grows between the two largest sizes, as the power k
of the size (time ∝ size^k). It exits 1 if k is above 1.5 or if the number of queries
grows with the rows, 0 otherwise.

Run from the repository root::

    .venv/bin/python bench/import_participants.py            # 500, 2,000 and 8,000 people
    .venv/bin/python bench/import_participants.py --sizes 200 1000 --repeat 1
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load

HEADER = (
    "full_name,email,role,grade,sex,age,years_as_consultant,previous_mentoring,supervisor_email\n"
)


def people_csv(size: int, tag: str) -> bytes:
    """``size`` people, every column filled: mentees, then mentors naming a supervisor."""
    mentees = size // 2
    rows = [
        f"Dr Consultant {i},{tag}c{i}@example.nhs.uk,mentee,consultant,male,{40 + i % 25},"
        f"{1 + i % 30},{'yes' if i % 3 else 'no'},\n"
        for i in range(mentees)
    ]
    rows += [
        f"Dr Fellow {i},{tag}f{i}@example.nhs.uk,mentor,clinical fellow,female,{28 + i % 10},,"
        f"no,{tag}c{i % mentees}@example.nhs.uk\n"
        for i in range(size - mentees)
    ]
    return (HEADER + "".join(rows)).encode()


def read_floor(data: bytes, repeat: int) -> float:
    """Median seconds to read ``data`` as CSV rows: the least any import does."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        times.append(time.perf_counter() - started)
        assert rows
    return statistics.median(times)


def timed_import(data: bytes, lead: Any, organisation: Any, name: str) -> tuple[float, float, int]:
    """Seconds to import ``data`` into a new scheme, seconds checking it, and the queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from revmentor.schemes import csv_import, services

    scheme = services.scheme_create(
        actor=lead, organisation=organisation, name=name, specialty="Medicine"
    )
    started = time.perf_counter()
    csv_import.parse(io.BytesIO(data))
    checking = time.perf_counter() - started
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        added = csv_import.import_participants(actor=lead, scheme=scheme, stream=io.BytesIO(data))
        took = time.perf_counter() - started
    assert len(added) == data.count(b"\n") - 1, "not everyone was added"
    return took, checking, len(queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 8000])
    parser.add_argument("--repeat", type=int, default=3, help="imports of each size")
    load.add_service_arguments(parser, database="revmentor_import_participants")
    args = parser.parse_args()
    with load.in_process_site(args):
        from revmentor.core.models import User
        from revmentor.schemes.models import Organisation

        organisation = Organisation.objects.create(name="Import Bench NHS Foundation Trust")
        lead = User.objects.create_user(email="lead@import.example.nhs.uk", full_name="Lead")
        sizes = sorted(args.sizes)
        print(
            f"{'people':>7} {'KB':>5} {'floor ms':>9} {'import ms':>10} {'ms/person':>10} "
            f"{'×floor':>7} {'checking':>9} {'queries':>8}"
        )
        took: dict[int, float] = {}
        queries: dict[int, int] = {}
        for size in sizes:
            runs = []
            for n in range(args.repeat):
                data = people_csv(size, f"s{size}r{n}-")
                floor = read_floor(data, 5)
                runs.append((*timed_import(data, lead, organisation, f"Import {size} {n}"), floor))
            seconds = statistics.median(r[0] for r in runs)
            checking = statistics.median(r[1] / r[0] for r in runs)
            floor = statistics.median(r[3] for r in runs)
            took[size], queries[size] = seconds, max(r[2] for r in runs)
            print(
                f"{size:>7} {len(data) // 1024:>5} {floor * 1000:>9.1f} {seconds * 1000:>10.0f} "
                f"{seconds / size * 1000:>10.2f} {seconds / floor:>7.0f} {checking:>8.0%} "
                f"{queries[size]:>8}"
            )
        before, last = sizes[-2], sizes[-1]
        k = math.log(took[last] / took[before]) / math.log(last / before)
        print(f"from {before} to {last} people the import grows as size^{k:.2f}")
        if k > 1.5:
            print("the import grows faster than the rows: look for work done per row per row")
            return 1
        if queries[last] != queries[sizes[0]]:
            print(f"the queries grow with the rows: {queries}")
            return 1
        return 0


if __name__ == "__main__":
    sys.exit(main())
