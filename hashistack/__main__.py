"""`python -m hashistack check CDKTF_OUT_DIR [--env NAME] [--format text|json] [--jobs N]
[--rules MODULE:NAME]`
`python -m hashistack review BASE HEAD [--format markdown|text|json] [--fail-on ...]`
`python -m hashistack migrate-report CDKTF_OUT_DIR [--env NAME] [--format markdown|json]`

Both read synthesized JSON only: no cdktf, jsii or Node, so they run anywhere
Python does (CI, a reviewer's laptop). `review` given git refs synthesizes each
with that ref's own code first (that part does start Node).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashistack.checks.rulekit import Rule


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hashistack")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check synthesized stacks (exit 1 on errors)")
    check.add_argument("outdir", metavar="CDKTF_OUT_DIR")
    check.add_argument("--env", help="only this environment")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                       help="environments checked at once (default: the number of CPUs)")
    check.add_argument("--rules", metavar="MODULE:NAME",
                       help="the rule pack to run instead of the default: a list of rules "
                            "in an importable module (acme_checks:PACK)")
    rev = sub.add_parser("review", help="what changes between two synth outputs: access per "
                                        "identity, destroy/replace, alarms (exit 3: approval)")
    rev.add_argument("base", metavar="BASE", help="synth output directory or git ref")
    rev.add_argument("head", metavar="HEAD", help="synth output directory or git ref")
    rev.add_argument("--format", choices=("markdown", "text", "json"), default="text")
    rev.add_argument("--fail-on", choices=("none", "broadening", "alarm"), default="broadening",
                     help="exit 3 on broader access or an alarm (default), on an alarm "
                          "only, or never")
    rev.add_argument("--plan", action="append", default=[], metavar="STACK=PLAN_JSON",
                     help="`terraform show -json` of STACK's plan: exact destroy/replace")
    rev.add_argument("--output", metavar="FILE", help="write the report here, not to stdout")
    mig = sub.add_parser("migrate-report", help="what moving a legacy (token flow) "
                                                "environment to workload identity changes")
    mig.add_argument("outdir", metavar="CDKTF_OUT_DIR")
    mig.add_argument("--env", help="only this environment")
    mig.add_argument("--format", choices=("markdown", "json"), default="markdown")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "review":
        return _review(args)
    if args.command == "migrate-report":
        return _migrate_report(args)
    from hashistack.checks import CheckInputError, load_synth, run_checks

    try:
        rules = _rules(args.rules) if args.rules else None
        synth, rendered = load_synth(args.outdir)
        report = run_checks(synth, rendered, env=args.env, jobs=max(1, args.jobs), rules=rules)
    except (CheckInputError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.env is not None and not report.environments:
        print(f"error: no environment {args.env!r} in {args.outdir}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(report.to_text())
    return report.exit_code


def _rules(spec: str) -> list[Rule]:
    """The pack named `module:NAME` (a list or tuple of rules), imported from the
    current directory or sys.path. ValueError saying what is wrong."""
    import importlib

    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ValueError(f"--rules {spec!r}: write MODULE:NAME (acme_checks:PACK)")
    sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ValueError(f"--rules {spec!r}: cannot import {module_name}: {err}") from None
    finally:
        sys.path.remove(os.getcwd())
    pack = getattr(module, attr, None)
    if not isinstance(pack, (list, tuple)):
        raise ValueError(f"--rules {spec!r}: {module_name}.{attr} is not a list of rules")
    return list(pack)  # pack_of checks each is a Rule


APPROVAL = 3  # exit code: broader access or an alarm, by --fail-on


def _review(args: argparse.Namespace) -> int:
    from contextlib import ExitStack
    from pathlib import Path

    from hashistack.review import report
    from hashistack.review.compare import ReviewInputError, review, synth_output

    plans = {}
    for item in args.plan:
        stack, sep, path = item.partition("=")
        if not sep or not stack or not path:
            print(f"error: --plan {item!r}: expected STACK=PLAN_JSON", file=sys.stderr)
            return 2
        plans[stack] = Path(path)
    try:
        with ExitStack() as stack:
            base = stack.enter_context(synth_output(args.base))
            head = stack.enter_context(synth_output(args.head))
            result = review(base, head, plans)
    except ReviewInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    render = {"markdown": report.to_markdown, "text": report.to_text, "json": report.to_json}
    text = render[args.format](result)
    if args.output:
        Path(args.output).write_text(text if text.endswith("\n") else text + "\n",
                                     encoding="utf-8")
    else:
        print(text, end="" if text.endswith("\n") else "\n")
    needs = {"none": False, "alarm": bool(result.alarms),
             "broadening": bool(result.alarms or result.broadening)}[args.fail_on]
    return APPROVAL if needs else 0


def _migrate_report(args: argparse.Namespace) -> int:
    from hashistack.checks import CheckInputError, load_synth
    from hashistack.checks.env import group
    from hashistack.migrate import report
    from hashistack.migrate.plan import is_legacy, plan

    try:
        synth, rendered = load_synth(args.outdir)
    except CheckInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    envs = [e for e in group(synth, rendered) if args.env is None or e.name == args.env]
    if not envs:
        print(f"error: no environment {args.env!r} in {args.outdir}", file=sys.stderr)
        return 2
    legacy = [e for e in envs if is_legacy(e)]
    if not legacy:
        names = ", ".join(e.name for e in envs)
        verb = "uses" if len(envs) == 1 else "use"
        print(f"{names} already {verb} workload identity: nothing to migrate", file=sys.stderr)
        return 2
    migrations = [plan(e) for e in legacy]
    text = report.to_json(migrations) if args.format == "json" else report.to_markdown(migrations)
    print(text, end="" if text.endswith("\n") else "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
