"""``python -m radloop run SCENARIO...``: run scenarios from Python, as the radloop CLI does."""

from __future__ import annotations

import argparse
import sys

import radloop

EXIT_VALID, EXIT_INVALID, EXIT_UNKNOWN, EXIT_ERROR = 0, 1, 2, 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m radloop", description=radloop.__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run scenario files against the in-process reference pipeline")
    run.add_argument("scenarios", nargs="+")
    run.add_argument("--report", help="where to write the JSON report (one scenario)")
    sub.add_parser("version", help="print the version")
    args = parser.parse_args(argv)

    if args.command == "version":
        print(f"radloop {radloop.__version__}")
        return EXIT_VALID

    worst = EXIT_VALID
    for path in args.scenarios:
        try:
            report, summary = radloop.run_scenario(path, args.report)
        except radloop.RadloopError as error:
            print(f"radloop: {error}", file=sys.stderr)
            return EXIT_ERROR
        print(summary, end="")
        if report["valid"] is False:
            worst = EXIT_INVALID
        elif report["valid"] != True and worst == EXIT_VALID:  # noqa: E712 - "unknown" is a string
            worst = EXIT_UNKNOWN
    return worst


if __name__ == "__main__":
    sys.exit(main())
