"""`python -m hashistack check CDKTF_OUT_DIR [--env NAME] [--format text|json] [--jobs N]`.

Reads synthesized JSON only: no cdktf, jsii or Node, so it runs anywhere
Python does (CI, a reviewer's laptop) in well under a second.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hashistack")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check synthesized stacks (exit 1 on errors)")
    check.add_argument("outdir", metavar="CDKTF_OUT_DIR")
    check.add_argument("--env", help="only this environment")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                       help="environments checked at once (default: the number of CPUs)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from hashistack.checks import CheckInputError, load_synth, run_checks

    try:
        synth, rendered = load_synth(args.outdir)
    except CheckInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    report = run_checks(synth, rendered, env=args.env, jobs=max(1, args.jobs))
    if args.env is not None and not report.environments:
        print(f"error: no environment {args.env!r} in {args.outdir}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(report.to_text())
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
