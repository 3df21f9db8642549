"""The ``revmentor`` command (revmentor/cli.py); ``backup`` and ``restore`` are tested
with what they do, in tests/core/test_backup.py."""

from __future__ import annotations

import sys

import pytest
from gunicorn.config import Config

from revmentor import cli


def test_serve_passes_gunicorn_options_after_a_double_dash_on_to_gunicorn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given gunicorn replaced by something that notes the command line it was given
    seen: list[list[str]] = []
    monkeypatch.setattr("gunicorn.app.wsgiapp.run", lambda: seen.append(list(sys.argv)))
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    # When the server is started with a longer worker timeout, as docs/deploy.md says
    args = cli.build_parser().parse_args(
        ["serve", "--no-worker", "--workers", "2", "--", "--timeout", "120"]
    )
    assert args.func(args) == 0
    # Then gunicorn gets the timeout as an option, without the "--" it would refuse
    (argv,) = seen
    assert argv[1] == "revmentor.config.wsgi:application"
    assert argv[argv.index("--workers") + 1] == "2"
    assert argv[-2:] == ["--timeout", "120"]
    assert "--" not in argv
    # ... which gunicorn's own parser reads as a timeout of 120 seconds
    assert Config().parser().parse_args(argv[1:]).timeout == 120
