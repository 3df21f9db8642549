"""``revmentor analyse FOLDER``: the study's results as JSON, HTML and PDF.

Works without Django: it imports only the pure analysis package. Everything is computed
and rendered in memory first, so a problem in the input, or in rendering, writes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from revmentor.analysis.problems import StudyDataError
from revmentor.analysis.quartiles import METHODS, QuartileMethod

PROGRESS_BYTES = 200_000_000
"""Inputs larger than this (about three million answers, a few seconds) get a progress bar."""
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2


class ProgressBar:
    """A one-line progress bar of named stages on ``stream``; silent when disabled."""

    def __init__(self, stages: Sequence[str], stream: TextIO, *, enabled: bool) -> None:
        self.stages = list(stages)
        self.stream = stream
        self.enabled = enabled
        self.done = 0
        self.started = time.monotonic()

    def __call__(self, stage: str) -> None:
        """Show ``stage`` as the one now running."""
        if not self.enabled:
            return
        width = 20
        filled = width * self.done // max(len(self.stages), 1)
        elapsed = time.monotonic() - self.started
        line = f"[{'#' * filled}{'.' * (width - filled)}] {stage} ({elapsed:.1f} s)"
        end = "\r" if self.stream.isatty() else "\n"
        self.stream.write(f"{line:<70}{end}")
        self.stream.flush()
        self.done += 1

    def finish(self) -> None:
        """End the bar's line."""
        if self.enabled:
            self("done")
            if self.stream.isatty():
                self.stream.write("\n")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``analyse`` options to ``parser``."""
    parser.add_argument("folder", type=Path, help="study data folder (format version 1)")
    parser.add_argument("--json", type=Path, metavar="OUT.json", help="write results as JSON")
    parser.add_argument("--html", type=Path, metavar="R.html", help="write the report as HTML")
    parser.add_argument("--pdf", type=Path, metavar="R.pdf", help="write the report as PDF")
    parser.add_argument(
        "--quartiles",
        choices=METHODS,
        default="tukey",
        help="quartile definition: tukey (Tukey's hinges, default), haverage (SPSS weighted "
        "average) or linear",
    )
    parser.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="progress bar on stderr (auto: for study folders over 200 MB)",
    )


def register(subparsers: Any) -> None:
    """Add the ``analyse`` subcommand to an argparse ``subparsers`` object."""
    parser = subparsers.add_parser(
        "analyse",
        help="analyse a study data folder: results as SPSS computes them, report with charts",
        description="Analyse a study data folder and write the results as JSON, HTML or PDF.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def _input_bytes(folder: Path) -> int:
    """Return the total size of the CSV files in ``folder`` (0 if it is not a folder)."""
    if not folder.is_dir():
        return 0
    return sum(p.stat().st_size for p in folder.glob("*.csv"))


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, so a reader never sees half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def run(args: argparse.Namespace) -> int:
    """Analyse ``args.folder`` and write the requested outputs; return the exit status.

    Returns 0 on success, 1 when the study folder has problems (listed on stderr, nothing
    written), 2 when no output was asked for or an output folder does not exist.
    """
    from revmentor.analysis.engine import analyse
    from revmentor.analysis.reader import read_study

    outputs = [p for p in (args.json, args.html, args.pdf) if p is not None]
    if not outputs:
        print("revmentor analyse: say what to write: --json, --html or --pdf", file=sys.stderr)
        return EXIT_USAGE
    for path in outputs:
        if str(path) != "-" and not path.resolve().parent.is_dir():
            print(f"revmentor analyse: folder {path.parent} does not exist", file=sys.stderr)
            return EXIT_USAGE
    stages = ["reading the study folder", "arranging answers", "summarising"]
    stages += ["comparing time points", "counting answers, themes and sessions"]
    stages += ["drawing the report"] * bool(args.html or args.pdf) + ["writing"]
    enabled = args.progress == "always" or (
        args.progress == "auto" and _input_bytes(args.folder) > PROGRESS_BYTES
    )
    bar = ProgressBar(stages, sys.stderr, enabled=enabled)
    method: QuartileMethod = args.quartiles
    bar(stages[0])
    try:
        study = read_study(args.folder)
    except StudyDataError as exc:
        bar.finish()
        count = len(exc.problems) + exc.more
        print(
            f"revmentor analyse: {args.folder} cannot be analysed; {count} "
            f"problem{'s' * (count != 1)} found, nothing written:",
            file=sys.stderr,
        )
        for line in exc.describe().splitlines():
            print(f"  {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    results = analyse(study, method=method, progress=bar)
    files: list[tuple[Path, bytes]] = []
    if args.json is not None:
        text = json.dumps(results, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        files.append((args.json, text.encode("utf-8")))
    if args.html or args.pdf:
        from revmentor.analysis.report import render_html, render_pdf

        bar("drawing the report")
        html = render_html(results, study)
        if args.html is not None:
            files.append((args.html, html.encode("utf-8")))
        if args.pdf is not None:
            files.append((args.pdf, render_pdf(html)))
    bar("writing")
    for path, data in files:
        if str(path) == "-":
            sys.stdout.buffer.write(data)
        else:
            _write_atomically(path, data)
    bar.finish()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``analyse`` as a standalone command (``python -m revmentor.analysis``)."""
    parser = argparse.ArgumentParser(
        prog="revmentor analyse",
        description="Analyse a study data folder and write the results as JSON, HTML or PDF.",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
