"""``bench/load.py`` for a few seconds: nothing acknowledged is lost, nothing is doubled.

Runs the benchmark (two gunicorn app servers of one worker each, locust, one server
killed with SIGKILL half-way through the fault phase; no floor, no warm-up) with four
people for three seconds a phase, on its own database on the PostgreSQL server of
``DATABASE_URL``. Skipped on SQLite: the benchmark is about several app servers sharing
one PostgreSQL database.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.redis_server import REDIS_URL, redis_running

REPO = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")

pytestmark = [
    pytest.mark.bench,
    pytest.mark.skipif(
        not DATABASE_URL.startswith(("postgres://", "postgresql://")),
        reason="the load benchmark needs PostgreSQL: run with DATABASE_URL=postgres://…",
    ),
]


def test_a_short_load_and_fault_run_loses_and_doubles_nothing(tmp_path: Path) -> None:
    # Only look for locust: importing it would patch this process with gevent.
    if importlib.util.find_spec("locust") is None:
        pytest.skip("locust is a dev dependency of the benchmark")
    parts = urlsplit(DATABASE_URL)
    server = f"{parts.scheme}://{parts.netloc}"
    # Sessions cached in Redis, as in production, where a Redis server is running.
    redis = ["--redis", REDIS_URL] if redis_running() else ["--no-redis"]
    out = tmp_path / "load.json"
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "load.py"),
            *("--seconds", "3", "--users", "4", "--workers", "1", "--warmup", "0", "--no-floor"),
            *("--postgres", server, "--database", f"revmentor_load_test_{os.getpid()}"),
            *("--json", str(out)),
            *redis,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(out.read_text())
    for phase in ("load", "fault"):
        check = results[phase]["check"]
        assert check["acknowledged"] > 0, (phase, check)
        assert check["lost"] == 0, (phase, check)
        assert check["duplicated"] == 0, (phase, check)
        assert check["half_written"] == 0, (phase, check)
        assert check["submitted_without_audit_event"] == 0, (phase, check)
    assert results["fault"]["fault"]["restart_s"] > 0
    # Nobody answered every open stage before the time was up: the rates are whole.
    assert results["ran_out_in_window"] == 0, results
    assert done.returncode == 0, done.stderr[-3000:]
