"""Run the database task worker beside a server, for `revmentor demo` and `serve`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def task_worker() -> Iterator[subprocess.Popen[bytes]]:
    """Start ``db_worker`` in a child process (same settings); stop it on the way out.

    It sends emails and runs scheduled work such as questionnaire reminders.
    """
    # Our own interpreter with fixed arguments: nothing from outside reaches the command.
    process = subprocess.Popen(  # nosec B603
        [
            sys.executable,
            "-m",
            "revmentor",
            "manage",
            "db_worker",
            "--no-reload",
            "--interval",
            "2",
        ],
        env=os.environ.copy(),
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
