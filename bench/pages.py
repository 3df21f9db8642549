"""In-process timings of the questionnaire journey, page by page, without HTTP.

Uses what ``bench/load.py`` sets up — a fresh PostgreSQL database migrated as a release is,
the production settings of ``bench/load_site/settings.py`` (DEBUG off, compiled templates
cached, sessions cached in Redis unless --no-redis, hashed static files), a scheme with a
mentor and a mentee, each consented, and many open stages — and drives the site with Django's test
client in this one process, as a browser without JavaScript would (CSRF checked): sign in
with the one-time link, Your tasks, then for each stage open the questionnaire, GET and
POST every page, check, Submit, and see the confirmation. It reports, per kind of
request, the median and 90th percentile time and the number of queries, and the floor
view (one INSERT) for comparison, anonymous and posted by each person once signed in. The
first stage of each person is a warm-up and not counted.

Run from the repository root::

    .venv/bin/python bench/pages.py                     # 10 stages a person
    .venv/bin/python bench/pages.py --profile out.prof  # and profile the counted requests
    .venv/bin/python bench/pages.py --profile out.prof --only submit  # of one kind

``--profile`` writes cProfile statistics of the requests counted (all kinds, or those
named by ``--only``) and prints the 40 functions that took the most time of their own.
Timings taken while profiling are inflated by the profiler.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load

FORM = "application/x-www-form-urlencoded"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Per kind of request: (wall-clock seconds, this process's CPU seconds) of each one.
Timings = dict[str, list[tuple[float, float]]]


class Journey:
    """One person's test client, timing and counting the queries of every request."""

    # Set by main(): the profiler, and the one kind of request it profiles (None: all).
    profiler: cProfile.Profile | None = None
    only: str | None = None

    def __init__(self, times: Timings, queries: dict[str, list[int]]) -> None:
        from django.test import Client

        self.client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
        self.times, self.queries = times, queries
        self.counting = True

    @contextmanager
    def _counted(self) -> Iterator[list[int]]:
        from django.db import connection

        count = [0]

        def wrapper(execute: Callable[..., Any], *args: Any) -> Any:
            count[0] += 1
            return execute(*args)

        with connection.execute_wrapper(wrapper):
            yield count

    def send(
        self,
        method: str,
        path: str,
        name: str,
        data: dict[str, str] | None = None,
        status: int = 200,
    ) -> Any:
        profiler = self.profiler if self.counting and self.only in (None, name) else None
        with self._counted() as count:
            started, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            if method == "GET":
                response = self.client.get(path)
            else:  # urlencoded, as a browser sends a form (and locust in bench/load.py)
                response = self.client.post(path, urlencode(data or {}), content_type=FORM)
            if profiler:
                profiler.disable()
            elapsed = (time.perf_counter() - started, time.process_time() - cpu)
        if response.status_code != status:
            raise SystemExit(f"{method} {path}: {response.status_code}, expected {status}")
        if self.counting:
            self.times[name].append(elapsed)
            self.queries[name].append(count[0])
        return response


def _csrf(response: Any) -> str:
    found = CSRF.search(response.content.decode())
    if found is None:
        raise SystemExit("no CSRF token on the page")
    return found.group(1)


def journey(
    person: dict[str, Any], client: int, times: Timings, queries: dict[str, list[int]]
) -> None:
    """Sign in, post the floor, then answer every stage of the plan (the first not counted)."""
    j = Journey(times, queries)
    page = j.send("GET", person["link"], "sign-in link")
    signed_in = j.send(
        "POST",
        "/sign-in/link/",
        "sign-in link (continue)",
        {"csrfmiddlewaretoken": _csrf(page), "token": person["token"], "next": ""},
        302,
    )
    home = j.send("GET", signed_in["Location"], "home", status=302)
    j.send("GET", home["Location"], "your tasks")
    floor(j, "floor, signed in", client, 100)
    for n, stage in enumerate(person["stages"]):
        j.counting = n > 0
        base = f"/tasks/{person['scheme']}/questionnaires/{stage['timepoint']}/"
        pages = stage["pages"]
        j.send("GET", base, "questionnaire (start)")
        page = j.send("GET", f"{base}1/", "questionnaire page (GET)")
        for number, answers in enumerate(pages, start=1):
            data = {**answers, "continue": "1", "csrfmiddlewaretoken": _csrf(page)}
            j.send("POST", f"{base}{number}/", "questionnaire page (POST)", data, 302)
            if number < len(pages):
                page = j.send("GET", f"{base}{number + 1}/", "questionnaire page (GET)")
            else:
                page = j.send("GET", f"{base}check/", "check your answers")
        data = {"csrfmiddlewaretoken": _csrf(page)}
        j.send("POST", f"{base}check/", "submit", data, 302)
        j.send("GET", f"{base}submitted/", "submitted")
        j.send("GET", "/tasks/", "your tasks")


def floor(j: Journey, name: str, client: int, n: int) -> None:
    """POST the floor view of bench/load.py (one INSERT, no CSRF) ``n`` times as ``j``.

    The first ten are a warm-up, not counted.
    """
    for i in range(n):
        j.counting = i >= 10
        data = {"phase": "pages", "client": str(client), "n": str(i)}
        j.send("POST", "/bench/floor/", name, data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stages", type=int, default=10, help="questionnaires per person")
    load.add_service_arguments(parser, database="revmentor_pages")
    parser.add_argument("--profile", type=Path, help="write cProfile statistics here")
    parser.add_argument("--only", help="profile only this kind of request (e.g. submit)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="revmentor-pages-"))
    with load.in_process_site(args, workdir):
        scheme, participants = load.scheme_with_participants("pages", 2)
        stages = load.stages_open(scheme, "pages", args.stages + 1)
        people, _expected = load.plan_questionnaires(scheme, participants, stages)
        times: Timings = defaultdict(list)
        queries: dict[str, list[int]] = defaultdict(list)
        Journey.profiler = cProfile.Profile(time.process_time) if args.profile else None
        Journey.only = args.only
        floor(Journey(times, queries), "floor (one INSERT)", 0, 200)
        for client, person in enumerate(people, start=1):
            journey(person, client, times, queries)
        if Journey.profiler:
            Journey.profiler.dump_stats(args.profile)
        print(
            f"{'request':<28} {'n':>4} {'median ms':>10} {'p90 ms':>8} {'CPU ms':>8} {'queries':>8}"
        )
        for name, values in times.items():
            wall = sorted(v[0] * 1000 for v in values)
            cpu = statistics.median(v[1] * 1000 for v in values)
            p90 = wall[min(len(wall) - 1, int(len(wall) * 0.9))]
            counts = sorted(set(queries[name]))
            shown = str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
            print(
                f"{name:<28} {len(wall):>4} {statistics.median(wall):>10.1f} {p90:>8.1f} "
                f"{cpu:>8.1f} {shown:>8}"
            )
        if args.profile:
            stats = pstats.Stats(str(args.profile))
            stats.sort_stats("tottime").print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
