"""The ``revmentor`` command: one entry point for the demo, the server and the tools.

Subcommands that need Django import it only when they run, so ``revmentor analyse``
and ``revmentor allocate`` work on a researcher's laptop without a database.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

# Pure tools register their own subcommands: each module has ``register(subparsers)``,
# which sets ``func`` on its parser to a callable taking the parsed args and returning an
# exit status.
_TOOL_MODULES: list[str] = ["revmentor.analysis.cli", "revmentor.allocator.cli"]


def _use_settings(default: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", default)


def _demo(args: argparse.Namespace) -> int:
    _use_settings("revmentor.config.settings.local")
    os.environ.setdefault("REVMENTOR_SITE_URL", f"http://127.0.0.1:{args.port}")
    import django

    django.setup()
    from revmentor.core.demo import run_demo

    return run_demo(port=args.port, serve=not args.no_serve)


def _serve(args: argparse.Namespace) -> int:
    _use_settings("revmentor.config.settings.production")
    from gunicorn.app.wsgiapp import run

    from revmentor.core.worker import task_worker

    extra = args.gunicorn_args  # argparse needs a "--" before options of gunicorn's own
    if extra[:1] == ["--"]:
        extra = extra[1:]  # which gunicorn refuses ("unrecognized arguments: --")
    sys.argv = [
        "gunicorn",
        "revmentor.config.wsgi:application",
        "--bind",
        args.bind,
        "--workers",
        str(args.workers),
        "--access-logfile",
        "-",
        *extra,
    ]
    if args.no_worker:
        run()
    else:
        with task_worker():
            run()
    return 0


def _manage(args: argparse.Namespace) -> int:
    _use_settings("revmentor.config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["revmentor manage", *args.manage_args])
    return 0


def _backup(args: argparse.Namespace) -> int:
    _use_settings("revmentor.config.settings.local")
    import django

    django.setup()
    from revmentor.core.backup import BackupError, installation_backup

    try:
        summary = installation_backup(path=args.file)
    except BackupError as error:
        print(f"revmentor backup: {error}", file=sys.stderr)
        return 1
    print(f"Backed up {summary.rows} rows from {summary.tables} tables to {summary.path}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    _use_settings("revmentor.config.settings.local")
    import django

    django.setup()
    from revmentor.core.backup import BackupError, installation_restore

    try:
        summary = installation_restore(path=args.file, replace=args.replace)
    except BackupError as error:
        print(f"revmentor restore: {error}", file=sys.stderr)
        return 1
    replaced = f", replacing {summary.replaced_rows} rows" if summary.replaced_rows else ""
    print(
        f"Restored {summary.rows} rows from {summary.path} (made {summary.created_at} on "
        f"{summary.database_vendor} by revmentor {summary.revmentor_version}){replaced}. "
        "Everyone signs in again."
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="revmentor", description="Run and evaluate reverse mentoring programmes."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = subparsers.add_parser(
        "demo", help="set up a demo scheme on SQLite, print sign-in links and serve it"
    )
    demo.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    demo.add_argument(
        "--no-serve", action="store_true", help="set up and print the links, then stop"
    )
    demo.set_defaults(func=_demo)

    serve = subparsers.add_parser("serve", help="serve in production with gunicorn")
    serve.add_argument("--bind", default="127.0.0.1:8000", help="address:port to listen on")
    serve.add_argument("--workers", type=int, default=3, help="worker processes (default 3)")
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="do not start a task worker (run `revmentor manage db_worker` elsewhere)",
    )
    serve.add_argument(
        "gunicorn_args",
        nargs=argparse.REMAINDER,
        help="more gunicorn options, after -- (e.g. -- --timeout 120)",
    )
    serve.set_defaults(func=_serve)

    manage = subparsers.add_parser("manage", help="run a Django management command")
    manage.add_argument("manage_args", nargs=argparse.REMAINDER)
    manage.set_defaults(func=_manage)

    backup = subparsers.add_parser(
        "backup", help="write the whole installation (every row) to a new zip file"
    )
    backup.add_argument("file", type=Path, help="the zip file to write (must not exist)")
    backup.set_defaults(func=_backup)

    restore = subparsers.add_parser(
        "restore", help="load a backup into an empty, migrated database (all or nothing)"
    )
    restore.add_argument("file", type=Path, help="a zip file written by `revmentor backup`")
    restore.add_argument(
        "--replace",
        action="store_true",
        help="delete everything in the database first (in the same transaction)",
    )
    restore.set_defaults(func=_restore)

    for module_name in _TOOL_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    args = build_parser().parse_args(argv)
    status: int = args.func(args)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
