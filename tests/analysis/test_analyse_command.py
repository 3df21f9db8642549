"""The ``revmentor analyse`` command: outputs, exit statuses, and nothing written on error."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from revmentor.analysis.cli import main
from tests.analysis.conftest import paper_rows
from tests.pdfs import pdf_info

REQUIRED_KEYS = {
    "summaries",
    "comparisons",
    "themes",
    "sessions",
    "participants",
    "willingness",
    "method",
    "warnings",
}


def test_json_has_the_keys_of_the_product_brief(paper_study: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    assert main([str(paper_study), "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    assert set(results) >= REQUIRED_KEYS
    assert set(results["summaries"][0]) == {
        "role",
        "scale",
        "timepoint",
        "item",
        "n",
        "median",
        "q1",
        "q3",
    }
    assert {
        "role",
        "scale",
        "item",
        "timepoint_a",
        "timepoint_b",
        "n_pairs",
        "n_nonzero",
        "median_a",
        "median_b",
        "z",
        "p_asymptotic",
        "p_exact",
        "effect_r",
    } <= set(results["comparisons"][0])
    assert set(results["themes"][0]) == {"code", "label", "counts"}
    assert set(results["sessions"]) == {"n", "median", "q1", "q3", "min", "max"}
    assert results["method"]["quartiles"] == "tukey"
    assert results["method"]["continuity_correction"] is False


def test_quartiles_option_is_applied_and_named(paper_study: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    assert main([str(paper_study), "--json", str(out), "--quartiles", "haverage"]) == 0
    results = json.loads(out.read_text())
    assert results["method"]["quartiles"] == "haverage"
    assert "HAVERAGE" in results["method"]["quartiles_label"]
    assert results["sessions"]["q3"] == 115.0


def test_bad_folder_exits_non_zero_lists_rows_and_writes_nothing(
    make_study: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header, rows = paper_rows()["responses.csv"]
    folder = make_study(responses_csv=(header, [*rows, ("M1", "boss", "pre_phase1", "x", "1")]))
    outputs = [tmp_path / "r.json", tmp_path / "r.html", tmp_path / "r.pdf"]
    status = main(
        [
            str(folder),
            "--json",
            str(outputs[0]),
            "--html",
            str(outputs[1]),
            "--pdf",
            str(outputs[2]),
        ]
    )
    assert status == 1
    err = capsys.readouterr().err
    assert "1 problem found, nothing written" in err
    assert f"responses.csv, row {len(rows) + 2}, column role: unknown role 'boss'" in err
    assert not any(p.exists() for p in outputs)
    assert list(tmp_path.glob(".*tmp")) == []


def test_asking_for_no_output_is_a_usage_error(
    paper_study: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(paper_study)]) == 2
    assert "--json, --html or --pdf" in capsys.readouterr().err


def test_html_report_has_every_section_charts_and_data_tables(
    paper_study: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    assert main([str(paper_study), "--html", str(out)]) == 0
    html = out.read_text()
    positions = [
        html.index(heading)
        for heading in (
            "How these numbers were computed",
            "Participants",
            "Mentors: questionnaires",
            "The one-to-one sessions",
            "Mentees: questionnaires",
            "Table 1: themes in the free-text answers",
        )
    ]
    assert positions == sorted(positions)
    assert "Tukey&#39;s hinges" in html or "Tukey's hinges" in html
    figures = html.count("<figure>")
    assert figures >= 10
    assert html.count('<svg role="img"') == figures
    assert html.count("Data shown in the chart") == figures
    assert "Hierarchy or power gradient concerns" in html
    assert "the exact p is 0.0625" in html
    # Chart ids are unique so that several inline SVGs never share a clip path.
    import re

    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_a_role_nobody_has_answered_for_says_so_under_its_heading(
    paper_study: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "study"
    shutil.copytree(paper_study, folder)
    for name in ("responses.csv", "codes.csv"):  # codes are of answers
        kept = (folder / name).read_text().splitlines(keepends=True)
        (folder / name).write_text("".join(line for line in kept if ",mentee," not in line))
    out = tmp_path / "report.html"
    assert main([str(folder), "--html", str(out)]) == 0
    html = out.read_text()
    mentees = html.index("Mentees: questionnaires")
    assert html.index("No answers from mentees yet.") > mentees
    assert "No answers from mentors yet." not in html


def test_pdf_report_is_written_and_lays_out_on_a4_pages(paper_study: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    assert main([str(paper_study), "--pdf", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    # The file written is read back: A4 (210 x 297 mm) pages, and enough of them for
    # every section.
    info = pdf_info(data)
    assert "595.276 x 841.89 pts (A4)" in info
    assert int(re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)[1]) >= 5


def test_runs_as_a_module_without_django(paper_study: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['revmentor.analysis', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('revmentor.analysis', run_name='__main__')\n"
        "except SystemExit as e:\n"
        "    assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)\n"
        "    raise\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(paper_study), "--json", str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["sessions"]["median"] == 45.0


def test_progress_bar_goes_to_stderr_when_asked(
    paper_study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(paper_study), "--json", str(tmp_path / "r.json"), "--progress", "always"]) == 0
    captured = capsys.readouterr()
    assert "reading the study folder" in captured.err
    assert "[####################] done" in captured.err
    assert captured.out == ""
