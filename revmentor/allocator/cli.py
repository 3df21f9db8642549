"""``revmentor allocate``: allocate pairs from a study data folder's willingness.csv."""

from __future__ import annotations

import argparse
import gc
import json
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from revmentor.allocator.core import allocate
from revmentor.allocator.csvfiles import read_problem
from revmentor.allocator.problem import REASON_TEXT, AllocationInputError, OwnSupervisorRule

SEED_BITS = 53  # seeds stay exact in any JSON reader (doubles hold 53 bits)
_PRINT_PAIRS_UP_TO = 1000


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``allocate`` options and arguments to ``parser``."""
    parser.add_argument("willingness", type=Path, metavar="WILLINGNESS.csv")
    parser.add_argument(
        "--seed",
        type=_non_negative_int,
        help="seed to draw with (default: a new one from the secure random source, printed)",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the result as JSON here")
    parser.add_argument(
        "--capacity",
        type=_positive_int,
        default=1,
        metavar="K",
        help="mentors each mentee may take (default 1)",
    )
    parser.add_argument(
        "--own-supervisor",
        choices=[r.value for r in OwnSupervisorRule],
        default=OwnSupervisorRule.ALLOW.value,
        help="pairing a mentor with their own clinical supervisor: allow (default), avoid "
        "(fewest such pairs among the allocations with the most pairs) or forbid",
    )
    parser.add_argument(
        "--participants",
        type=Path,
        metavar="PARTICIPANTS.csv",
        help="participants file (default: participants.csv beside WILLINGNESS.csv)",
    )


def register(subparsers: Any) -> None:
    """Add the ``allocate`` subcommand to an argparse subparsers object."""
    parser = subparsers.add_parser(
        "allocate",
        help="pair mentors with mentees at random, within stated willingness",
        description="Pair as many mentors with mentees as possible, using only willing "
        "pairs, uniformly at random among all such allocations.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the allocation described by parsed ``args``; return the exit status.

    0 on success; 2 when the input files cannot be used (the message, on standard
    error, names the file, row and column). Without ``--seed`` a seed is drawn from
    :mod:`secrets` and printed so the allocation can be re-run.
    """
    # Reading a big file creates millions of small objects and no reference cycles; the
    # cyclic garbage collector would re-scan them all many times over for nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(args)
    finally:
        if enabled:
            gc.enable()


def _run(args: argparse.Namespace) -> int:
    """Run the allocation described by parsed ``args``; return the exit status.

    0 on success; 2 when the input files cannot be used (the message, on standard
    error, names the file, row and column). Without ``--seed`` a seed is drawn from
    :mod:`secrets` and printed so the allocation can be re-run.
    """
    willingness: Path = args.willingness
    participants: Path | None = args.participants
    if participants is None:
        beside = willingness.parent / "participants.csv"
        if beside.exists():
            participants = beside
        else:
            print(
                f"Note: no participants.csv beside {willingness}, so everyone named in it "
                "is taken to be active and no ids are checked against a participant list.",
                file=sys.stderr,
            )
    try:
        problem = read_problem(
            willingness,
            participants,
            capacity=args.capacity,
            rule=OwnSupervisorRule(args.own_supervisor),
        )
    except AllocationInputError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2
    seed: int = args.seed if args.seed is not None else secrets.randbits(SEED_BITS)
    if args.seed is None:
        print(f"No --seed given, so drew seed {seed} at random. Keep it to re-run this allocation.")
    else:
        print(f"Seed {seed}")
    result = allocate(problem, seed)
    data = result.to_json()
    data["capacity"] = args.capacity
    data["own_supervisor"] = args.own_supervisor
    print(
        f"{len(result.pairs)} pairs, {len(result.unmatched)} people unmatched. "
        f"Algorithm {result.algorithm}; inputs sha256 {result.inputs_sha256}."
    )
    if not result.exact:
        print("The group was too large to count every allocation: drawn by the randomised method.")
    if args.json is not None:
        indent = 1 if len(result.pairs) <= _PRINT_PAIRS_UP_TO else None
        args.json.write_text(json.dumps(data, indent=indent) + "\n", encoding="utf-8")
        print(f"Wrote {args.json}")
    if args.json is None or len(result.pairs) <= _PRINT_PAIRS_UP_TO:
        for pair in result.pairs:
            print(f"  {pair.mentor_id} mentors {pair.mentee_id}")
        for person in result.unmatched:
            print(
                f"  {person.participant_id} ({person.role}) unmatched: {REASON_TEXT[person.reason]}"
            )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``allocate`` as a stand-alone command; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="revmentor allocate",
        description="Pair as many mentors with mentees as possible, using only willing "
        "pairs, uniformly at random among all such allocations.",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
