"""Command line for contest files: ``python -m contest check FILE``.

Prints the errors that keep the file from loading (each with its key) or the warnings worth
a look, and exits 1 on errors, 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys

from contest.check import warnings_for
from contest.definition import ContestFileError, load_contest


def check(path: str) -> int:
    """Check one contest file and print what was found; return the exit status."""
    try:
        contest = load_contest(path)
    except ContestFileError as exc:
        print(f"error: {exc}")
        return 1
    found = warnings_for(contest)
    for warning in found:
        print(f"warning: {warning}")
    stages = " → ".join(s.name for s in contest.stages)
    print(f"ok: {path}: {contest.name} ({stages}); {len(found)} warning(s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(prog="python -m contest")
    commands = parser.add_subparsers(dest="command", required=True)
    checker = commands.add_parser("check", help="check contest files before starting the bot")
    checker.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args(argv)
    return max(check(path) for path in args.files)


if __name__ == "__main__":
    sys.exit(main())
