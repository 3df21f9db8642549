"""Benchmark the analysis report (HTML and PDF) against the analysis alone.

The report PDF is made in the background (ADR 16) because it is slow: this says how
slow, at the sizes of real schemes. For each size it generates a study data folder with
``bench/analyse.py``'s generator (three time points, mentors answering three 7-domain
grids and one single 1–5 item, mentees two grids) and times, each as a whole process
started afresh and interleaved run by run:

1. ``python -m revmentor.analysis FOLDER --json OUT`` (the floor: read, check and
   analyse the same folder, no report);
2. the same with ``--html OUT`` (the report's HTML: tables and charts);
3. the same with ``--pdf OUT`` (the HTML laid out and printed to PDF by WeasyPrint).

Usage::

    .venv/bin/python bench/report.py                      # 2,000 and 20,000 answers
    .venv/bin/python bench/report.py --answers 2e4 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from analyse import generate, interleaved


def pages(pdf: Path) -> int:
    """The number of pages of ``pdf`` (poppler's pdfinfo)."""
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)  # noqa: S603, S607
    return int(
        next(line for line in out.stdout.splitlines() if line.startswith("Pages:")).split()[1]
    )


def bench(answers: int, repeat: int, workdir: Path) -> dict[str, object]:
    """Generate (or reuse) a folder of about ``answers`` answers and time the three runs."""
    folder = workdir / f"report-study-{answers}"
    marker = folder / ".answers"
    if not marker.exists():
        count = generate(folder, answers)
        marker.write_text(str(count))
    count = int(marker.read_text())
    people = sum(1 for _ in (folder / "participants.csv").open()) - 1

    def run(*output: str) -> list[str]:
        return [sys.executable, "-m", "revmentor.analysis", str(folder), *output]

    outputs = workdir / f"report-{answers}"
    json_runs, html_runs, pdf_runs = interleaved(
        [
            run("--json", f"{outputs}.json", "--progress", "never"),
            run("--html", f"{outputs}.html", "--progress", "never"),
            run("--pdf", f"{outputs}.pdf", "--progress", "never"),
        ],
        repeat,
    )
    floor = min(t for t, _ in json_runs)
    html = min(t for t, _ in html_runs)
    pdf = min(t for t, _ in pdf_runs)
    return {
        "answers": count,
        "participants": people,
        "pages": pages(Path(f"{outputs}.pdf")),
        "pdf_mb": Path(f"{outputs}.pdf").stat().st_size / 1e6,
        "json_s": floor,
        "html_s": html,
        "pdf_s": pdf,
        "html_ratio": html / floor,
        "pdf_ratio": pdf / floor,
        "pdf_peak_mib": max(m for _, m in pdf_runs),
        "pdf_s_all": [round(t, 2) for t, _ in pdf_runs],
    }


def main() -> int:
    """Run the benchmark at each requested size; print a table, then JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=float, nargs="+", default=[2e3, 2e4])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "revmentor-bench"
    )
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = []
    print(
        "| answers | participants | pages | --json (floor) | --html | --pdf "
        "| html / floor | pdf / floor |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for answers in args.answers:
        started = time.perf_counter()
        r = bench(int(answers), args.repeat, args.workdir)
        results.append(r)
        print(
            f"| {r['answers']:,} | {r['participants']:,} | {r['pages']} | {r['json_s']:.2f} s "
            f"| {r['html_s']:.2f} s | {r['pdf_s']:.2f} s | {r['html_ratio']:.1f} "
            f"| {r['pdf_ratio']:.1f} |",
            flush=True,
        )
        print(f"  (measured in {time.perf_counter() - started:.0f} s)", file=sys.stderr)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
