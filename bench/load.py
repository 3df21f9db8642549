"""Load and fault benchmark: participants answering questionnaires on two app servers.

On the PostgreSQL server at ``--postgres`` (default ``postgres://postgres@127.0.0.1:5432``)
it creates a fresh database (``--database``, default ``revmentor_load``) and migrates it;
each phase gets a scheme of its own with ``--users`` participants (half mentors, half
mentees), each consented and with open questionnaires. It starts two app servers with
``revmentor serve`` (gunicorn, ``--workers`` each) on loopback ports, with production
settings over plain HTTP (``bench/load_site/settings.py``), and drives them with locust,
headless, ``--users`` simulated people split evenly between the servers, no pauses
(``bench/load_site/locustfile.py``). After an unmeasured warm-up (``--warmup``), three
phases of ``--seconds`` each:

1. **floor**: every person POSTs to a bare view doing one INSERT (bench URLconf only);
2. **load**: every person signs in with their one-time link, then answers one
   questionnaire after another — open it, answer each page, check, Submit, see the
   confirmation;
3. **fault**: the same, and half-way through one app server is killed with SIGKILL (its
   whole process group: master and workers, mid-request) and started again. Requests that
   fail are retried, first on the other server.

After each questionnaire phase it compares the database with the ledger of submissions
the clients saw acknowledged: none lost, none stored twice (responses, answers, audit
events), and every stored submission complete and exactly what was sent. It reports
requests/s, submissions/s, latency percentiles and errors, the questionnaire load as a
ratio to the floor, and what the target leaves a questionnaire request in CPU (its
budget). The database is dropped at the end (unless ``--keep``).

Run from the repository root::

    .venv/bin/python bench/load.py                        # 50 people, 60 s per phase
    .venv/bin/python bench/load.py --seconds 5 --users 4  # a quick smoke run

Each questionnaire phase opens twice as many stages as the warm-up's fastest person could
answer in it; a run in which anyone answered them all before the time was up fails, as
its rates would be too low.

Exit status: 0 if every check passed and the ratio target is met, 1 if a check failed
(something lost, duplicated or half-written, or someone ran out of questionnaires), 2 if
the checks passed but the target was missed. ``--json PATH`` writes the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

BENCH_DIR = Path(__file__).resolve().parent
LOCUSTFILE = BENCH_DIR / "load_site" / "locustfile.py"
TARGET_RATIO = 0.5
# The questionnaire each role answers at every benchmark stage: (role, built-in timepoint).
QUESTIONNAIRES = {"mentor": "pre_phase1", "mentee": "pre_session"}


# Set-up ----------------------------------------------------------------------------------


def add_service_arguments(parser: argparse.ArgumentParser, *, database: str) -> None:
    """The PostgreSQL and Redis options, shared with ``bench/pages.py``."""
    parser.add_argument(
        "--postgres",
        default=os.environ.get("REVMENTOR_LOAD_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL, without a database name",
    )
    parser.add_argument("--database", default=database, help="database to create")
    parser.add_argument(
        "--redis",
        default=os.environ.get("REVMENTOR_LOAD_REDIS", "redis://127.0.0.1:6379/0"),
        help="Redis for the cache and the session cache, as REDIS_URL in production",
    )
    parser.add_argument(
        "--no-redis", action="store_true", help="no Redis: cache and sessions in the database"
    )


def redis_of(args: argparse.Namespace) -> str:
    """The REDIS_URL the options ask for ("" for none)."""
    return "" if args.no_redis else str(args.redis)


def configure(database_url: str, workdir: Path, redis_url: str = "") -> dict[str, str]:
    """Set the environment the benchmark's Django site needs; set up Django in-process.

    With ``redis_url``, the cache and the session cache are in Redis, under a key prefix
    of this run's own. Returns the environment for the app servers and locust (the same
    variables).
    """
    env = {
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": f"revmentor-bench-{secrets.token_hex(4)}",
        "DJANGO_SETTINGS_MODULE": "load_site.settings",
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "REVMENTOR_SITE_URL": "http://127.0.0.1",
        "REVMENTOR_DATA_DIR": str(workdir),
        "REVMENTOR_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH_DIR), os.environ.get("PYTHONPATH")])),
    }
    os.environ.update(env)
    sys.path.insert(0, str(BENCH_DIR))
    import django

    django.setup()
    return {**os.environ, **env}


def database_create(server: str, name: str) -> None:
    """Create database ``name`` afresh (dropping a leftover one of that name)."""
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_drop(server: str, name: str) -> None:
    from django.core.exceptions import ImproperlyConfigured
    from django.db import connections

    with contextlib.suppress(ImproperlyConfigured):  # failed before Django was set up
        connections.close_all()
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextlib.contextmanager
def in_process_site(args: argparse.Namespace, workdir: Path | None = None) -> Iterator[None]:
    """A fresh database migrated as a release is, with Django set up in this process.

    For the benchmarks that time the app in one process (``pages``, ``scheme_pages``,
    ``import_participants``); ``args`` carries ``add_service_arguments``' options. The
    database is dropped afterwards, however the block ends.
    """
    server = args.postgres.rstrip("/")
    database_create(server, args.database)
    try:
        where = workdir or Path(tempfile.mkdtemp(prefix="revmentor-bench-"))
        configure(f"{server}/{args.database}", where, redis_of(args))
        migrate()
        yield
    finally:
        database_drop(server, args.database)


def migrate() -> None:
    """Migrate, create the cache table and collect static files, as a release does."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_floor (id bigserial PRIMARY KEY, phase text NOT NULL, "
            "client integer NOT NULL, n integer NOT NULL, at timestamptz NOT NULL DEFAULT now())"
        )


def scheme_with_participants(name: str, users: int) -> tuple[Any, list[Any]]:
    """Create a scheme with ``users`` consented participants (half mentors, half mentees).

    Each phase has its own scheme and people, so that nobody's Your tasks lists the
    stages of an earlier phase.
    """
    from revmentor.core.models import User
    from revmentor.schemes import services
    from revmentor.schemes.models import Organisation, ParticipantRole

    organisation, _ = Organisation.objects.get_or_create(name="Load Test NHS Foundation Trust")
    lead, _ = User.objects.get_or_create(
        email="lead@load.revmentor.example", defaults={"full_name": "Load Lead"}
    )
    scheme = services.scheme_create(
        actor=lead, organisation=organisation, name=f"Load test: {name}", specialty="Medicine"
    )
    participants = []
    for i in range(users):
        role = ParticipantRole.MENTOR if i % 2 == 0 else ParticipantRole.MENTEE
        participant = services.participant_add(
            actor=lead,
            scheme=scheme,
            full_name=f"Dr {name.title()} {i:03d}",
            email=f"{name}{i:03d}@load.revmentor.example",
            role=role,
        )
        services.consent_give(participant=participant, take_part=True, research_use=True)
        participants.append(participant)
    return scheme, participants


def stages_open(scheme: Any, prefix: str, count: int) -> list[Any]:
    """Add ``count`` open stages to the scheme, each with a questionnaire for both roles.

    A scheme may have more stages than the study's four (a custom questionnaire adds
    one); each person answers once per stage, so a long run needs many.
    """
    from django.utils import timezone

    from revmentor.questionnaires.models import SchemeInstrument, Stage
    from revmentor.questionnaires.services import builtin_versions_sync
    from revmentor.schemes.models import Phase

    versions = builtin_versions_sync()
    start = Stage.objects.filter(scheme=scheme).count()
    now = timezone.now()
    stages = Stage.objects.bulk_create(
        [
            Stage(
                scheme=scheme,
                timepoint=f"{prefix}-{i:04d}",
                label=f"Load test {prefix} {i}",
                phase=Phase.PHASE_1,
                position=start + i,
                opened_at=now,
                reminder_days=[],
            )
            for i in range(1, count + 1)
        ]
    )
    SchemeInstrument.objects.bulk_create(
        [
            SchemeInstrument(
                scheme=scheme, stage=stage, role=role, version=versions[(role, timepoint)]
            )
            for stage in stages
            for role, timepoint in QUESTIONNAIRES.items()
        ]
    )
    return stages


def fill(instrument: Any, domains: list[Any], seed: int) -> list[dict[str, str]]:
    """Answers to every page of ``instrument``, varied by ``seed``; only questions shown."""
    from revmentor.instruments import expand, is_shown

    pages: list[dict[str, str]] = []
    given: dict[str, str] = {}
    k = 0
    for section in instrument.sections:
        page: dict[str, str] = {}
        for item in section.items:
            if not is_shown(item, given):
                continue
            for slot in expand(item, domains):
                k += 1
                if item.type in ("likert", "domain_grid"):
                    value = str((seed + k) % 5 + 1)
                elif item.type == "yes_no":
                    value = "no" if seed % 3 == 0 else "yes"
                elif item.type == "choice":
                    value = item.options[(seed + k) % len(item.options)][0]
                elif item.type == "number":
                    value = str(min(max(30 + seed % 90, item.min or 0), item.max or 10**6))
                else:
                    value = f"Load test answer {seed}/{k}: a line, with a comma."
                    value = value[: item.max_length or len(value)]
                page[slot.name] = value
                given[slot.name] = value
        pages.append(page)
    return pages


def plan_questionnaires(
    scheme: Any, participants: list[Any], stages: list[Any]
) -> tuple[list[dict[str, Any]], dict[tuple[int, int], dict[str, str]]]:
    """Each person's sign-in link and answers per stage; and the answers to expect stored.

    The sign-in links are made now: a one-time link stops working once its person signs
    in, so each phase needs new ones.
    """
    from django.urls import reverse
    from sesame.utils import get_token

    from revmentor.instruments import Domain, clean_answers
    from revmentor.questionnaires.models import SchemeInstrument

    domains = [Domain(d["slug"], d["label"]) for d in scheme.domains]
    by_role = {
        i.role: i.version.instrument
        for i in SchemeInstrument.objects.filter(stage=stages[0]).select_related("version")
    }
    users: list[dict[str, Any]] = []
    expected: dict[tuple[int, int], dict[str, str]] = {}
    for participant in participants:
        instrument = by_role[participant.role]
        token = get_token(participant.user)
        plan_stages = []
        for stage in stages:
            pages = fill(instrument, domains, seed=participant.pk * 7919 + stage.pk)
            merged = {k: v for page in pages for k, v in page.items()}
            clean, errors = clean_answers(instrument, domains, merged, complete=True)
            assert not errors, errors
            expected[(participant.pk, stage.pk)] = clean
            plan_stages.append({"stage": stage.pk, "timepoint": stage.timepoint, "pages": pages})
        users.append(
            {
                "participant": participant.pk,
                "scheme": scheme.pk,
                "token": token,
                "link": f"{reverse('sign_in_link')}?token={token}",
                "stages": plan_stages,
            }
        )
    return users, expected


def plan_sign_ins(scheme: Any, participants: list[Any]) -> list[dict[str, Any]]:
    """Each person's one-time sign-in link, for the signed-in floor (no questionnaires)."""
    from django.urls import reverse
    from sesame.utils import get_token

    users = []
    for participant in participants:
        token = get_token(participant.user)
        users.append(
            {
                "participant": participant.pk,
                "scheme": scheme.pk,
                "token": token,
                "link": f"{reverse('sign_in_link')}?token={token}",
                "stages": [],
            }
        )
    return users


# App servers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AppServer:
    """One ``revmentor serve`` (gunicorn master and workers) in its own process group."""

    def __init__(self, name: str, port: int, workers: int, env: Mapping[str, str], logs: Path):
        self.name, self.port, self.workers, self.env, self.logs = name, port, workers, env, logs
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start the server; return the seconds until it answers a request."""
        revmentor = Path(sys.executable).parent / "revmentor"
        command = [str(revmentor), "serve", "--no-worker"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)]
        started = time.perf_counter()
        with (self.logs / f"server-{self.name}.log").open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own command
                command, env=dict(self.env), stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"app server {self.name} exited; see {self.logs}")
            try:
                with urllib.request.urlopen(f"{self.url}/about/", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return time.perf_counter() - started
            except urllib.error.HTTPError as error:
                raise SystemExit(
                    f"app server {self.name} answered {error.code}; see {self.logs}"
                ) from None
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"app server {self.name} did not start; see {self.logs}")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once, as a crashed machine would."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


# Where the CPU goes -------------------------------------------------------------------------


def _tree_cpu(root: Any) -> float:
    """CPU seconds used so far by a process and its descendants, the exited ones included.

    A process's own counters, the counters of the children it has reaped (gunicorn's
    master reaps its workers, PostgreSQL's postmaster its backends), and those of every
    descendant still running.
    """
    import psutil

    total = 0.0
    with contextlib.suppress(psutil.Error):
        own = root.cpu_times()
        total += own.user + own.system + own.children_user + own.children_system
        for child in root.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                times = child.cpu_times()
                total += times.user + times.system
    return total


def cpu_seconds(servers: list[AppServer]) -> dict[str, float]:
    """CPU seconds used so far by the app servers, by PostgreSQL, and by our children.

    PostgreSQL counts when it runs on this machine (every postmaster found, whatever
    database its backends serve: nothing else uses them during a run). ``children``: the
    processes this one has waited for, such as a locust run once it has ended.
    """
    import psutil

    postmasters = []
    for process in psutil.process_iter(["name", "ppid"]):
        if process.info["name"] != "postgres":
            continue
        with contextlib.suppress(psutil.Error):
            if psutil.Process(process.info["ppid"]).name() != "postgres":
                postmasters.append(process)
    return {
        "app": sum(
            _tree_cpu(psutil.Process(s.process.pid))
            for s in servers
            if s.process is not None and s.process.poll() is None
        ),
        "postgres": sum(_tree_cpu(p) for p in postmasters),
        "children": _children_cpu(),
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# Running locust ----------------------------------------------------------------------------


def read_ledger(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def run_locust(
    *,
    kind: str,
    plan: dict[str, Any],
    users: int,
    seconds: int,
    env: Mapping[str, str],
    workdir: Path,
    servers: list[AppServer],
    fault: AppServer | None = None,
) -> dict[str, Any]:
    """Run one phase of locust (``kind`` names the user class); return its figures.

    With ``fault``, that server is killed half-way through and started again. Without,
    the figures include the CPU seconds each part used (``cpu``: app servers, PostgreSQL,
    locust) from locust's start to its end, which covers every request of the run.
    """
    name = plan["name"]
    ledger = workdir / f"{name}-ledger.jsonl"
    stats = workdir / f"{name}-stats.json"
    plan = {**plan, "ledger": str(ledger), "stats": str(stats)}
    plan_path = workdir / f"{name}-plan.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
    command += ["--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s"]
    command += ["--stop-timeout", "60", "--only-summary"]
    command += ["--host", plan["servers"][0], "--loglevel", "WARNING", kind]
    fault_figures: dict[str, Any] = {}
    with (workdir / f"{name}-locust.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own command
            command,
            env={**env, "REVMENTOR_LOAD_PLAN": str(plan_path)},
            stdout=log,
            stderr=log,
        )
        # A killed server takes its CPU counters with it: none are kept for the fault.
        cpu_before = cpu_seconds(servers) if fault is None else None
        if fault is not None:
            fault_figures = inject_fault(fault, ledger, seconds, users, process)
        process.wait()
        cpu: dict[str, float] = {}
        if cpu_before is not None:
            after = cpu_seconds(servers)
            cpu = {part: after[part] - before for part, before in cpu_before.items()}
            cpu["locust"] = cpu.pop("children")
        if process.returncode != 0:
            # locust exits 1 when any request failed; the figures below say which.
            print(f"  (locust exited {process.returncode}; log: {log.name})", file=sys.stderr)
    if not stats.exists():
        raise SystemExit(f"locust wrote no statistics; see {workdir / f'{name}-locust.log'}")
    return {
        "stats": json.loads(stats.read_text(encoding="utf-8")),
        "events": read_ledger(ledger),
        "fault": fault_figures,
        "cpu": cpu,
    }


def inject_fault(
    server: AppServer, ledger: Path, seconds: int, users: int, locust: subprocess.Popen[bytes]
) -> dict[str, Any]:
    """Half-way through the run, SIGKILL ``server`` and start it again.

    Waits for everyone to have signed in first: a one-time link used by a request whose
    answer is lost cannot be used again (the person would ask for a new one), and that is
    not what this phase tests.
    """
    deadline = time.monotonic() + 120
    while True:
        events = Counter(e["kind"] for e in read_ledger(ledger))
        if events["started"] and events["signed_in"] + events["unexpected"] >= users:
            break
        if time.monotonic() > deadline or locust.poll() is not None:
            raise SystemExit("locust did not start, or people could not sign in; see its log")
        time.sleep(0.1)
    started = next(e["t"] for e in read_ledger(ledger) if e["kind"] == "started")
    time.sleep(max(0.0, started + seconds / 2 - time.time()))
    killed_at = time.time()
    server.kill()
    boot = server.start()
    return {
        "server": server.name,
        "killed_after_s": round(killed_at - started, 2),
        "down_s": round(time.time() - killed_at, 2),
        "restart_s": round(boot, 2),
        "killed_at": killed_at,
    }


def throughput(run: dict[str, Any]) -> dict[str, Any]:
    """Requests/s, acknowledgements/s, latency and errors of one locust run.

    Rates and latencies are those of the timed window (``--seconds``, from the first
    person starting); the questionnaires finished after it count only in the checks.
    Failed requests and retries count the whole run.
    """
    window = run["stats"]["window"]
    total, end = window["Aggregated"], window["end"]
    seconds = total["seconds"]
    events = Counter(e["kind"] for e in run["events"])
    acks_in_window = sum(1 for e in run["events"] if e["kind"] == "ack" and e["t"] <= end)
    return {
        "seconds": round(seconds, 1),
        "requests": total["requests"],
        "requests_per_s": round(total["requests"] / seconds, 1),
        "acknowledged": acks_in_window,
        "acknowledged_per_s": round(acks_in_window / seconds, 2),
        "acknowledged_after_window": events["ack"] - acks_in_window,
        "p50_ms": total["p50_ms"],
        "p95_ms": total["p95_ms"],
        "p99_ms": total["p99_ms"],
        "failed_requests": run["stats"]["all"]["Aggregated"]["failures"],
        "retries": events["retry"],
        "unexpected_answers": events["unexpected"],
        "abandoned": events["abandoned"],
        "gave_up": events["gave_up"],
        "ran_out_of_stages": events["ran_out"],
        **_cpu_per_request(run),
    }


def _cpu_per_request(run: dict[str, Any]) -> dict[str, Any]:
    """CPU milliseconds per request of each part, over every request of the run."""
    if not run["cpu"]:
        return {}
    requests = run["stats"]["all"]["Aggregated"]["requests"]
    per = {part: round(seconds * 1000 / requests, 2) for part, seconds in run["cpu"].items()}
    per["total"] = round(sum(run["cpu"].values()) * 1000 / requests, 2)
    return {"cpu_ms_per_request": per}


# Checking ----------------------------------------------------------------------------------


def check_questionnaires(
    stages: list[Any],
    events: list[dict[str, Any]],
    expected: Mapping[tuple[int, int], Mapping[str, str]],
) -> dict[str, Any]:
    """Compare what the database holds for ``stages`` with the acknowledged submissions.

    ``lost``: acknowledged, not stored as submitted. ``duplicated``: more than one response
    for a participant and stage, more than one answer per item, more than one "Submitted"
    audit event per response, or a submission acknowledged twice. ``half_written``: a
    submitted response whose answers are not exactly the complete set that was sent.
    """
    from django.db.models import Count

    from revmentor.core.models import AuditEvent
    from revmentor.questionnaires.models import Answer, Response

    acks = [e for e in events if e["kind"] == "ack"]
    acked = Counter((e["participant"], e["stage"]) for e in acks)
    responses = list(Response.objects.filter(stage__in=stages))
    submitted = {(r.participant_id, r.stage_id): r for r in responses if r.is_submitted}
    answers: dict[int, dict[str, str]] = {}
    answer_rows = Answer.objects.filter(response__stage__in=stages).values_list(
        "response_id", "name", "value"
    )
    for response_id, item, value in answer_rows:
        answers.setdefault(response_id, {})[item] = value
    duplicate_responses = (
        Response.objects.filter(stage__in=stages)
        .values("participant", "stage")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    duplicate_answers = (
        Answer.objects.filter(response__stage__in=stages)
        .values("response", "name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    audits = Counter(
        AuditEvent.objects.filter(
            object_type="questionnaires.Response",
            action=AuditEvent.Action.CREATE,
            object_id__in=[str(r.pk) for r in submitted.values()],
        ).values_list("object_id", flat=True)
    )
    half_written = [
        key for key, r in submitted.items() if answers.get(r.pk, {}) != dict(expected[key])
    ]
    lost = [key for key in acked if key not in submitted]
    return {
        "acknowledged": len(acks),
        "stored_submitted": len(submitted),
        "lost": len(lost),
        "duplicated": duplicate_responses
        + duplicate_answers
        + sum(n - 1 for n in audits.values() if n > 1)
        + sum(n - 1 for n in acked.values() if n > 1),
        "half_written": len(half_written),
        "submitted_without_audit_event": sum(
            1 for r in submitted.values() if not audits[str(r.pk)]
        ),
        "stored_not_acknowledged": len(set(submitted) - set(acked)),
        "drafts_left": sum(1 for r in responses if not r.is_submitted),
        "acknowledged_on_retry": sum(1 for e in acks if e["attempts"] > 1),
        "acknowledged_as_already_submitted": sum(1 for e in acks if e["via"] != "submitted"),
    }


def check_floor(phase: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT (client, n)) FROM bench_floor WHERE phase = %s",
            [phase],
        )
        rows, distinct = cursor.fetchone()
    acks = sum(1 for e in events if e["kind"] == "ack")
    return {"acknowledged": acks, "stored": rows, "lost": max(acks - distinct, 0)}


# Main --------------------------------------------------------------------------------------


def stage_count(seconds: int, users: int, fastest: float | None = None) -> int:
    """Stages to open per phase: more than anyone can answer in ``seconds``.

    ``fastest``: the most questionnaires a second one person submitted in the warm-up;
    twice that is allowed. Without it, 200 submissions/s across all people and at most
    20/s for any one person, several times what two cores manage. A person who runs out
    before the time is up stops, and the run fails: its rates would understate throughput.
    """
    per_person = 2.0 * fastest if fastest else min(20.0, 200.0 / users)
    return math.ceil(seconds * per_person) + 5


def fastest_person(events: list[dict[str, Any]]) -> float:
    """The most submissions a second of any one person, from signing in to their last.

    Counted from sign-in, not from a first submission: two submissions that happened to
    come close together in a short warm-up made a rate many times what anyone kept up,
    and the phases then opened hundreds of stages, all of which Your tasks lists at
    sign-in (an estimated 11% of a load phase's CPU at 245 stages). A person who never
    signed in, or submitted nothing, has no rate.
    """
    signed_in: dict[Any, float] = {}
    times: dict[Any, list[float]] = defaultdict(list)
    for event in events:
        if event["kind"] == "signed_in" and "participant" in event:
            signed_in.setdefault(event["participant"], event["t"])
        elif event["kind"] == "ack":
            times[event["participant"]].append(event["t"])
    rates = [
        len(t) / (max(t) - signed_in[who])
        for who, t in times.items()
        if who in signed_in and max(t) > signed_in[who]
    ]
    return max(rates, default=0.0)


def floor_phase(
    name: str,
    args: argparse.Namespace,
    servers: list[AppServer],
    env: Mapping[str, str],
    workdir: Path,
) -> dict[str, Any]:
    """The floor: everyone POSTs to the one-INSERT view, as fast as answers come.

    ``floor``: anonymous, so nothing but the INSERT touches the database. ``floor_signed_in``:
    each person first signs in with their one-time link (and lands on Your tasks, as in the
    questionnaire phases), then POSTs with their session, so every request also reads the
    session and the user and runs the two-step verification check, as each questionnaire
    request does.
    """
    plan: dict[str, Any] = {"name": name, "servers": [s.url for s in servers]}
    if name == "floor_signed_in":
        scheme, participants = scheme_with_participants(name, args.users)
        plan["users"], kind = plan_sign_ins(scheme, participants), "SignedInFloor"
    else:
        plan["users"], kind = [{}] * args.users, "Floor"
    run = run_locust(
        kind=kind,
        plan=plan,
        users=args.users,
        seconds=args.seconds,
        env=env,
        workdir=workdir,
        servers=servers,
    )
    return {**throughput(run), "check": check_floor(name, run["events"])}


def questionnaire_phase(
    name: str,
    args: argparse.Namespace,
    servers: list[AppServer],
    env: Mapping[str, str],
    workdir: Path,
    fault: AppServer | None = None,
    fastest: float | None = None,
) -> dict[str, Any]:
    """One phase of people answering questionnaires; ``fastest`` sizes it (stage_count)."""
    scheme, participants = scheme_with_participants(name, args.users)
    stages = stages_open(scheme, name, stage_count(args.seconds, args.users, fastest))
    users, expected = plan_questionnaires(scheme, participants, stages)
    run = run_locust(
        kind="Participant",
        plan={"name": name, "servers": [s.url for s in servers], "users": users},
        users=args.users,
        seconds=args.seconds,
        env=env,
        workdir=workdir,
        servers=servers,
        fault=fault,
    )
    figures = throughput(run)
    figures["submissions_per_s"] = figures.pop("acknowledged_per_s")
    submit = run["stats"]["all"].get("submit", {})
    figures["submit_p50_ms"] = submit.get("p50_ms", math.nan)
    figures["submit_p95_ms"] = submit.get("p95_ms", math.nan)
    figures["submit_p99_ms"] = submit.get("p99_ms", math.nan)
    every = run["stats"]["all"]["Aggregated"]["requests"]
    acks = sum(1 for e in run["events"] if e["kind"] == "ack")
    # Sign-in (four requests once a person) included.
    figures["requests_per_submission"] = round(every / acks, 1) if acks else math.nan
    figures["check"] = check_questionnaires(stages, run["events"], expected)
    figures["stages"] = len(stages)
    figures["fastest_person_per_s"] = round(fastest_person(run["events"]), 2)
    end = run["stats"]["window"]["end"]
    figures["ran_out_in_window"] = sum(
        1 for e in run["events"] if e["kind"] == "ran_out" and e["t"] <= end
    )
    if run["fault"]:
        killed_at = run["fault"].pop("killed_at")
        times = [e["t"] for e in run["events"] if e["kind"] == "ack"]
        run["fault"]["acknowledged_before_kill"] = sum(1 for t in times if t < killed_at)
        run["fault"]["acknowledged_after_kill"] = sum(1 for t in times if t >= killed_at)
        figures["fault"] = run["fault"]
    return figures


_T0 = time.monotonic()


def budget(results: Mapping[str, Any]) -> dict[str, float] | None:
    """What the target leaves a questionnaire request, in CPU milliseconds all told.

    From the CPU per request of the floor, the signed-in floor and the load phase (None if
    a phase's CPU was not measured): the most a questionnaire request may cost for the
    load to run at the target ratio (the CPUs being saturated, so that a phase's rate goes
    as one over its CPU per request), what it cost, how much of that is its own work above
    the signed-in floor (session, user and two-step check excluded), and how much own work
    the target leaves. ``signed_in_ceiling`` is the signed-in floor's own ratio to the
    floor: no signed-in request, however little it does, runs faster than that.
    """
    try:
        floor, signed_in, load = (
            results[phase]["cpu_ms_per_request"]["total"]
            for phase in ("floor", "floor_signed_in", "load")
        )
    except KeyError:
        return None
    allowed = floor / TARGET_RATIO
    return {
        "allowed_ms": round(allowed, 2),
        "costs_ms": load,
        "own_work_ms": round(load - signed_in, 2),
        "own_work_allowed_ms": round(allowed - signed_in, 2),
        "signed_in_ceiling": round(
            results["floor_signed_in"]["requests_per_s"] / results["floor"]["requests_per_s"], 2
        ),
    }


def step(what: str) -> None:
    print(f"[{time.monotonic() - _T0:6.1f} s] {what}", file=sys.stderr)


def passed(check: Mapping[str, Any]) -> bool:
    return (
        check["acknowledged"] > 0
        and check["lost"] == 0
        and check["duplicated"] == 0
        and check["half_written"] == 0
        and check["submitted_without_audit_event"] == 0
    )


def report(results: Mapping[str, Any]) -> None:
    floor, load, fault = results.get("floor"), results["load"], results["fault"]
    signed_in = results.get("floor_signed_in")
    print(
        f"\n{results['users']} people, {results['seconds']} s per phase, "
        f"2 app servers x {results['workers']} workers, {os.cpu_count()} CPUs, "
        f"{'Redis' if results['redis'] else 'no Redis'}; load average "
        f"{results['load_average_at_start']} at the start, "
        f"{results['load_average_at_end']} at the end"
    )
    header = f"{'phase':<7} {'req/s':>7} {'subm/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    print(header + f" {'failed req':>10} {'retries':>7}")
    phases = (("floor", floor), ("floor+", signed_in), ("load", load), ("fault", fault))
    for label, f in phases:
        if f is None:
            continue
        subm = f.get("submissions_per_s", f.get("acknowledged_per_s"))
        print(
            f"{label:<7} {f['requests_per_s']:>7.1f} {subm:>7.2f} {f['p50_ms']:>7.0f} "
            f"{f['p95_ms']:>7.0f} {f['p99_ms']:>7.0f} {f['failed_requests']:>10} "
            f"{f['retries']:>7}"
        )
    print("(floor+: the floor signed in.) CPU ms per request, by part:")
    for label, f in phases:
        if f is not None and "cpu_ms_per_request" in f:
            parts = ", ".join(f"{k} {v:.2f}" for k, v in f["cpu_ms_per_request"].items())
            print(f"  {label}: {parts}")
    for label, f in (("load", load), ("fault", fault)):
        c = f["check"]
        print(
            f"{label}: {c['acknowledged']} acknowledged, {c['stored_submitted']} stored; "
            f"lost {c['lost']}, duplicated {c['duplicated']}, half-written {c['half_written']}; "
            f"{c['acknowledged_on_retry']} acknowledged on a retry "
            f"({c['acknowledged_as_already_submitted']} found already stored); "
            f"{c['stored_not_acknowledged']} stored unacknowledged; {c['drafts_left']} drafts left"
        )
    if fault.get("fault"):
        print(f"fault: {json.dumps(fault['fault'])}")
    if "ratio" in results:
        r = results["ratio"]
        print(
            f"ratio to floor, request for request: {r['requests']:.2f} (target >= {TARGET_RATIO}); "
            f"to the floor signed in: {r['requests_to_signed_in_floor']:.2f}; "
            f"submissions/s to floor inserts/s: {r['submissions_to_inserts']:.3f}"
        )
    if (b := results.get("budget")) is not None:
        print(
            f"at the target a questionnaire request may cost {b['allowed_ms']:.2f} ms of CPU all "
            f"told; it cost {b['costs_ms']:.2f}. Its own work above the signed-in floor cost "
            f"{b['own_work_ms']:.2f} ms, and the target leaves it {b['own_work_allowed_ms']:.2f} "
            f"(the signed-in floor itself runs at {b['signed_in_ceiling']:.2f} of the floor)"
        )
    if results["ran_out_in_window"]:
        print(
            f"{results['ran_out_in_window']} people ran out of questionnaires before the time "
            f"was up, so the rates are too low ({load['stages']} stages a phase, sized by the "
            "warm-up): run again, with a longer --warmup"
        )
    print("checks: " + ("passed" if results["passed"] else "FAILED"))


def main() -> int:
    """Run the benchmark, print the figures; exit 0, 1 (a check failed) or 2 (slow)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of each phase")
    parser.add_argument("--users", type=int, default=50, help="simulated participants")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers per server")
    add_service_arguments(parser, database="revmentor_load")
    parser.add_argument(
        "--warmup", type=int, default=10, help="seconds of unmeasured load first (0: none)"
    )
    parser.add_argument("--no-floor", action="store_true", help="skip the floor phases")
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    if args.users < 2:
        parser.error("--users must be at least 2 (one per app server)")
    server_url = args.postgres.rstrip("/")
    workdir = Path(tempfile.mkdtemp(prefix="revmentor-load-"))
    print(f"working in {workdir}", file=sys.stderr)
    database_create(server_url, args.database)
    servers: list[AppServer] = []
    try:
        redis_url = redis_of(args)
        env = configure(f"{server_url}/{args.database}", workdir, redis_url)
        step("migrating")
        migrate()
        step("starting two app servers")
        servers = [AppServer(name, free_port(), args.workers, env, workdir) for name in ("a", "b")]
        failures: list[BaseException] = []

        def start(server: AppServer) -> None:
            try:
                server.start()
            except BaseException as error:  # SystemExit too: re-raised below
                failures.append(error)

        starts = [threading.Thread(target=start, args=(s,)) for s in servers]
        for thread in starts:
            thread.start()
        for thread in starts:
            thread.join()
        if failures:
            raise failures[0]
        results: dict[str, Any] = {
            "users": args.users,
            "seconds": args.seconds,
            "workers": args.workers,
            "redis": bool(redis_url),
            "cpus": os.cpu_count(),
            # Anything else running shares the CPUs: the 1-minute load average says so.
            "load_average_at_start": round(os.getloadavg()[0], 1),
        }
        if args.warmup:
            step(f"warming up for {args.warmup} s")
            warm = argparse.Namespace(**{**vars(args), "seconds": args.warmup})
            results["warmup"] = questionnaire_phase("warmup", warm, servers, env, workdir)
        fastest = results["warmup"]["fastest_person_per_s"] if args.warmup else None
        if not args.no_floor:
            step("phase 1: floor")
            results["floor"] = floor_phase("floor", args, servers, env, workdir)
            step("phase 1b: floor, signed in")
            results["floor_signed_in"] = floor_phase("floor_signed_in", args, servers, env, workdir)
        step("phase 2: load")
        results["load"] = questionnaire_phase("load", args, servers, env, workdir, None, fastest)
        step("phase 3: fault")
        results["fault"] = questionnaire_phase(
            "fault", args, servers, env, workdir, servers[1], fastest
        )
        step("done")
        results["load_average_at_end"] = round(os.getloadavg()[0], 1)
        if "floor" in results:
            floor, load = results["floor"], results["load"]
            signed_in = results["floor_signed_in"]
            results["ratio"] = {
                "requests": load["requests_per_s"] / floor["requests_per_s"],
                "requests_to_signed_in_floor": (
                    load["requests_per_s"] / signed_in["requests_per_s"]
                ),
                "submissions_to_inserts": load["submissions_per_s"] / floor["requests_per_s"],
            }
            results["budget"] = budget(results)
        results["passed"] = all(
            passed(results[phase]["check"])
            for phase in ("warmup", "load", "fault")
            if phase in results
        )
        # A person who stopped early leaves the rest to answer: the rates would be too low.
        results["ran_out_in_window"] = sum(
            results[phase]["ran_out_in_window"] for phase in ("load", "fault")
        )
        results["passed"] &= results["ran_out_in_window"] == 0
        report(results)
        print(json.dumps(results, indent=2))
        if args.json:
            args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    finally:
        for server in servers:
            server.stop()
        if not args.keep:
            database_drop(server_url, args.database)
            shutil.rmtree(workdir, ignore_errors=True)
    if not results["passed"]:
        return 1
    if "ratio" in results and results["ratio"]["requests"] < TARGET_RATIO:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
