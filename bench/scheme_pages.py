"""In-process timings of every page a lead opens for one scheme, at two sizes of scheme.

Uses what ``bench/load.py`` sets up (a fresh PostgreSQL database migrated as a release is,
production settings, sessions in Redis unless --no-redis), then for each size in
``--sizes`` (participants: half mentors, half mentees, each consented) a scheme in phase 1;
with ``--willing F``, every mentor has also said, for every mentee, whether they would
mentor them (a share F of yes). Its lead, with an authenticator app as production
requires, opens each of the scheme's pages that take only the scheme's number, through
Django's test client.

For each page it reports the median time of ``--repeat`` requests, the queries and the
size of the page, and the time as a ratio to a floor measured in the same run: a bare
view (``bench/load_site/urls.py``) that the same lead opens through the same middleware.
The last columns say how a page grows between the two largest sizes: how many times
slower it is, and as what power of the size (the exponent k in time ∝ size^k, where
fixed costs matter least). A page whose work follows what the scheme holds grows as that
does: k ≈ 1 for participants alone; k ≈ 2 with ``--willing``, as the answers grow as
mentors × mentees. A page that works through mentors × mentees when the scheme holds far
fewer answers grows as the square all the same. It exits 1 if a page's k is more than
half above that of what the scheme holds, 0 otherwise: without ``--willing`` that finds
work that is quadratic in the number of people.

Run from the repository root::

    .venv/bin/python bench/scheme_pages.py                       # 100, 400, 1,000 people
    .venv/bin/python bench/scheme_pages.py --willing 0.3         # every pair answered
    .venv/bin/python bench/scheme_pages.py --sizes 100 400 --repeat 3
"""

from __future__ import annotations

import argparse
import gc
import logging
import math
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load

FLOOR = "/bench/bare/"


def scheme_of(size: int, willing: float | None, seed: int) -> tuple[Any, Any]:
    """A scheme in phase 1 with ``size`` consented participants, and its lead."""
    from allauth.mfa.models import Authenticator
    from django.db import connection

    from revmentor.core import sealing
    from revmentor.feedback.models import Willingness
    from revmentor.schemes.models import Phase, Scheme, SchemeMembership, StaffRole

    scheme, participants = load.scheme_with_participants(f"pages{size}", size)
    Scheme.objects.filter(pk=scheme.pk).update(phase=Phase.PHASE_1)
    scheme.refresh_from_db()
    lead = SchemeMembership.objects.get(scheme=scheme, role=StaffRole.LEAD).user
    if not Authenticator.objects.filter(user=lead, type=Authenticator.Type.TOTP).exists():
        Authenticator.objects.create(
            user=lead,
            type=Authenticator.Type.TOTP,
            data={"secret": sealing.seal("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")},
        )
    if willing is not None:
        rng = random.Random(seed)  # noqa: S311 - test data, not a secret
        mentors = [p for p in participants if p.is_mentor]
        mentees = [p for p in participants if not p.is_mentor]
        Willingness.objects.bulk_create(
            (
                Willingness(mentor=mentor, mentee=mentee, willing=rng.random() < willing)
                for mentor in mentors
                for mentee in mentees
            ),
            batch_size=5000,
        )
    del participants
    # PostgreSQL plans by its statistics of each table, which its autovacuum brings up to
    # date a little after rows are added; without them it plans for empty tables.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # What setting up made is garbage or here to stay; a worker serving the pages would
    # hold neither, so neither may make the collector's passes longer in the timings.
    gc.collect()
    gc.freeze()
    return scheme, lead


def scheme_pages(scheme_pk: int) -> list[str]:
    """Every GET page of a scheme whose only argument is the scheme's number."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns: list[Any], prefix: str) -> list[str]:
        found = []
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                found += walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                found.append(route)
        return found

    pages = []
    for route in walk(get_resolver().url_patterns, "/"):
        if route.startswith("/schemes/<int:pk>/") and route.count("<") == 1:
            pages.append(route.replace("<int:pk>", str(scheme_pk)))
    return pages


def timed(client: Any, path: str, repeat: int) -> tuple[float, int, int, int]:
    """(median seconds, queries, bytes, status) of ``repeat`` GETs after one unmeasured."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
    if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
        return statistics.median(times), len(queries), 0, -1  # a download, not a page
    return statistics.median(times), len(queries), len(response.content), response.status_code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 400, 1000])
    parser.add_argument("--repeat", type=int, default=7, help="timed requests per page")
    parser.add_argument(
        "--willing", type=float, help="answer every mentor × mentee pair, this share yes"
    )
    load.add_service_arguments(parser, database="revmentor_scheme_pages")
    args = parser.parse_args()
    with load.in_process_site(args):
        from django.test import Client

        # Pages that refuse a GET (a form's POST-only address) are skipped, not logged.
        logging.getLogger("django.request").setLevel(logging.ERROR)

        results: dict[str, dict[int, tuple[float, int, int, int]]] = {}
        floors: dict[int, float] = {}
        for size in args.sizes:
            print(f"setting up a scheme of {size} participants", file=sys.stderr)
            scheme, lead = scheme_of(size, args.willing, size)
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(lead)
            floors[size] = timed(client, FLOOR, args.repeat * 4)[0]
            for path in scheme_pages(scheme.pk):
                page = path.replace(f"/{scheme.pk}/", "/<pk>/", 1)
                results.setdefault(page, {})[size] = timed(client, path, args.repeat)
        sizes = sorted(args.sizes)
        before, last = sizes[-2], sizes[-1]

        def held(size: int) -> int:  # participants, and every pair's answer if asked for
            return size + (size // 2) * (size - size // 2) * (args.willing is not None)

        def power(ratio: float) -> float:  # k in ratio = (last / before) ** k
            return math.log(ratio) / math.log(last / before)

        k_held = power(held(last) / held(before))
        print(
            "floor (a bare view, the lead signed in): "
            + ", ".join(f"{floors[s] * 1000:.2f} ms at {s}" for s in sizes)
        )
        head = f"{'page':<40}" + "".join(
            f"{f'{s}: ms':>10} {'×floor':>6} {'q':>3} {'KB':>5}" for s in sizes
        )
        print(head + f" {'growth':>7} {'k':>5}")
        quadratic = []
        for page, by_size in results.items():
            if any(by_size[s][3] != 200 for s in sizes):
                continue
            cells = "".join(
                f"{by_size[s][0] * 1000:>10.1f} {by_size[s][0] / floors[s]:>6.0f} "
                f"{by_size[s][1]:>3} {by_size[s][2] // 1024:>5}"
                for s in sizes
            )
            growth = by_size[last][0] / by_size[before][0]
            print(f"{page:<40}{cells} {growth:>6.1f}× {power(growth):>5.2f}")
            if power(growth) > k_held + 0.5:
                quadratic.append(page)
        what = f"what the scheme holds (k = {k_held:.2f}, from {before} to {last} people)"
        if quadratic:
            print(f"grows more than half a power faster than {what}: {', '.join(quadratic)}")
            return 1
        print(f"no page grows more than half a power faster than {what}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
