"""Locust users for ``bench/load.py``: participants answering questionnaires, and the floor.

Run by ``bench/load.py`` (``locust -f … --headless``), never on its own: the plan it writes
(path in ``REVMENTOR_LOAD_PLAN``) names the app servers, the participants with their
one-time sign-in links and, for each of their stages, the answers page by page.

Each simulated person is one participant. They use the pages as a browser without
JavaScript does, without pauses: open the sign-in link and press Continue, go to Your
tasks, then for each open questionnaire open it, answer every page (Continue), check and
Submit, and see the confirmation. Every request is retried when it fails on the way
(connection refused or reset, time-out, 502–504), first on the other app server (as a
load balancer would), with a short back-off. A request the server answers with anything
unexpected ends that questionnaire (logged), and the person moves on to the next.

Every acknowledged submission is written at once, one JSON line each, to the ledger:
``{"kind": "ack", "participant": …, "stage": …, "t": …, "attempts": …, "via": …}``.
"via" is ``"submitted"`` when the Submit request itself was answered with the redirect to
the confirmation, or ``"already_submitted"`` when a retried Submit found the response
already stored (the earlier attempt had been stored but its answer was lost). Retries,
abandoned questionnaires and unexpected answers are logged in the same file.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, events, task
from locust.contrib.fasthttp import ResponseContextManager
from locust.exception import StopUser

PLAN: dict[str, Any] = json.loads(Path(os.environ["REVMENTOR_LOAD_PLAN"]).read_text())
SERVERS: list[str] = PLAN["servers"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TRANSIENT = {0, 502, 503, 504}  # 0: no HTTP answer (refused, reset, time-out)
MAX_ATTEMPTS = 40  # with the back-off below, about 30 s of trying

_indices = itertools.count()
# Open for the life of the process: line-buffered, so each event is written as it happens.
_ledger = Path(PLAN["ledger"]).open("a", encoding="utf-8", buffering=1)  # noqa: SIM115


def log(kind: str, **fields: Any) -> None:
    """Append one event to the ledger (one line, one write, flushed)."""
    _ledger.write(json.dumps({"kind": kind, "t": time.time(), **fields}) + "\n")


@events.test_start.add_listener
def _started(**_kwargs: Any) -> None:
    log("started")


@events.test_stop.add_listener
def _stopped(**_kwargs: Any) -> None:
    log("stopped")


def _figures(entry: Any, now: float | None = None) -> dict[str, float]:
    end = now if now is not None else (entry.last_request_timestamp or entry.start_time)
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "start": entry.start_time,
        "seconds": end - entry.start_time,
        **{
            f"p{round(q * 100)}_ms": entry.get_response_time_percentile(q)
            for q in (0.5, 0.95, 0.99)
        },
    }


_window: dict[str, Any] = {}


@events.test_stopping.add_listener
def _window_ends(environment: Any, **_kwargs: Any) -> None:
    """Keep the statistics of the timed run, before people finish what they are doing."""
    now = time.time()
    _window["Aggregated"] = _figures(environment.stats.total, now)
    _window["end"] = now
    log("window_end")


@events.quitting.add_listener
def _write_stats(environment: Any, **_kwargs: Any) -> None:
    """Write the statistics of the timed run and of all requests to the plan's file.

    ``window``: up to the end of ``--run-time``; ``all``: including the questionnaires
    people were allowed to finish afterwards (``--stop-timeout``), by request name too.
    """
    stats = environment.stats
    every = {entry.name: _figures(entry) for entry in stats.entries.values()}
    every["Aggregated"] = _figures(stats.total)
    out = {"window": _window, "all": every}
    Path(PLAN["stats"]).write_text(json.dumps(out), encoding="utf-8")


class FlowError(Exception):
    """The server answered something a participant would not expect; logged."""


class Person(FastHttpUser):
    """One plan entry, pinned to a home app server (alternating), failing over on errors."""

    abstract = True
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        self.index = next(_indices)
        if self.index >= len(PLAN["users"]):
            raise StopUser()
        self.me: dict[str, Any] = PLAN["users"][self.index]
        self.home = self.index % len(SERVERS)
        self.attempts = 0

    def send(
        self,
        method: str,
        path: str,
        name: str,
        data: dict[str, str] | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> ResponseContextManager:
        """Send one request, retrying transient failures; return the expected answer.

        Sets ``self.attempts`` to the number of attempts it took. Raises FlowError on an
        unexpected status, or when every attempt failed.
        """
        for attempt in range(1, MAX_ATTEMPTS + 1):
            server = SERVERS[(self.home + attempt - 1) % len(SERVERS)]
            with self.client.request(
                method,
                server + path,
                name=name,
                data=data,
                allow_redirects=False,
                catch_response=True,
            ) as response:
                status = response.status_code
                if status in expect:
                    response.success()
                    self.attempts = attempt
                    return response
                error = getattr(response, "error", None)
                what = type(error).__name__ if status == 0 and error else f"HTTP {status}"
                response.failure(f"{name}: {what}")
            if status not in TRANSIENT:
                log("unexpected", who=self.index, name=name, status=status, path=path)
                raise FlowError(f"{name}: {what}")
            log("retry", who=self.index, name=name, status=status, attempt=attempt)
            gevent.sleep(min(0.05 * 2 ** (attempt // 2), 1.0))
        log("gave_up", who=self.index, name=name, path=path)
        raise FlowError(f"{name}: gave up after {MAX_ATTEMPTS} attempts")


def _csrf(response: ResponseContextManager) -> str:
    found = CSRF.search(response.text or "")
    if found is None:
        raise FlowError("no CSRF token on the page")
    return found.group(1)


def _location(response: ResponseContextManager) -> str:
    headers = response.headers
    return str(headers.get("Location", "")) if headers is not None else ""


class SigningIn(Person):
    """A participant of the plan, who signs in with their one-time link before anything."""

    abstract = True

    def on_start(self) -> None:
        super().on_start()
        self.signed_in = False

    def sign_in(self) -> None:
        """Open the one-time link, press Continue, land on Your tasks."""
        page = self.send("GET", self.me["link"], "sign-in link")
        signed_in = self.send(
            "POST",
            "/sign-in/link/",
            "sign-in link (continue)",
            data={"csrfmiddlewaretoken": _csrf(page), "token": self.me["token"], "next": ""},
            expect=(302,),
        )
        home = self.send("GET", _location(signed_in), "home", expect=(302,))
        self.send("GET", _location(home), "your tasks")
        self.signed_in = True
        log("signed_in", who=self.index, participant=self.me["participant"])

    def sign_in_first(self) -> None:
        """Sign in unless signed in already; a person who cannot sign in stops.

        Called at the start of each task, not from on_start: when the run ends, a task
        under way is finished (--stop-timeout) but on_start is not.
        """
        if self.signed_in:
            return
        try:
            self.sign_in()
        except FlowError as error:
            log("abandoned", who=self.index, stage=None, error=str(error))
            raise StopUser() from None


class Participant(SigningIn):
    """A participant: sign in once, then answer and submit one questionnaire after another."""

    def on_start(self) -> None:
        super().on_start()
        self.stages = iter(self.me["stages"])

    @task
    def answer_one_questionnaire(self) -> None:
        self.sign_in_first()
        stage = next(self.stages, None)
        if stage is None:
            log("ran_out", who=self.index)
            raise StopUser()
        try:
            self.answer(stage)
        except FlowError as error:
            log("abandoned", who=self.index, stage=stage["stage"], error=str(error))

    def answer(self, stage: dict[str, Any]) -> None:
        base = f"/tasks/{self.me['scheme']}/questionnaires/{stage['timepoint']}/"
        pages: list[dict[str, str]] = stage["pages"]
        self.send("GET", base, "questionnaire")
        page = self.send("GET", f"{base}1/", "questionnaire page")
        for number, answers in enumerate(pages, start=1):
            data = {**answers, "continue": "1", "csrfmiddlewaretoken": _csrf(page)}
            saved = self.send(
                "POST", f"{base}{number}/", "questionnaire page (continue)", data, (302,)
            )
            following = f"{base}{number + 1}/" if number < len(pages) else f"{base}check/"
            if _location(saved) != following:
                raise FlowError(f"page {number} went to {_location(saved)!r}")
            name = "questionnaire page" if number < len(pages) else "check your answers"
            page = self.send("GET", following, name)
        done = self.send(
            "POST",
            f"{base}check/",
            "submit",
            {"csrfmiddlewaretoken": _csrf(page)},
            expect=(302, 200),
        )
        if done.status_code == 302 and _location(done) == f"{base}submitted/":
            via = "submitted"
        elif self.attempts > 1 and "You have already submitted" in (done.text or ""):
            via = "already_submitted"  # an earlier attempt was stored; its answer was lost
        else:
            log("unexpected", who=self.index, name="submit", status=done.status_code)
            raise FlowError("submit was not acknowledged")
        log(
            "ack",
            participant=self.me["participant"],
            stage=stage["stage"],
            attempts=self.attempts,
            via=via,
        )
        confirmation = self.send("GET", f"{base}submitted/", "submitted")
        if "Questionnaire submitted" not in (confirmation.text or ""):
            log("unexpected", who=self.index, name="submitted", status=confirmation.status_code)


def _floor_insert(person: Person, sequence: int) -> None:
    """POST to the bare one-INSERT view; log the acknowledgement."""
    data = {"phase": PLAN["name"], "client": str(person.index), "n": str(sequence)}
    try:
        person.send("POST", "/bench/floor/", "floor insert", data)
    except FlowError:
        return
    log("ack", client=person.index, n=sequence, attempts=person.attempts)


class Floor(Person):
    """The floor: POST to the bare one-INSERT view, again and again."""

    def on_start(self) -> None:
        super().on_start()
        self.sequence = 0

    @task
    def insert(self) -> None:
        self.sequence += 1
        _floor_insert(self, self.sequence)


class SignedInFloor(SigningIn):
    """The floor, signed in: sign in as a participant does, then POST as Floor does."""

    def on_start(self) -> None:
        super().on_start()
        self.sequence = 0

    @task
    def insert(self) -> None:
        self.sign_in_first()
        self.sequence += 1
        _floor_insert(self, self.sequence)
