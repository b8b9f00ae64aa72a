"""``rdslink`` command line: parse arguments, call sources -> analysis -> render, map verdicts to exit codes.

Exit codes of ``rdslink check``: 0 all REACHABLE (or no pair), 1 any BLOCKED or INTERMITTENT, 3 otherwise some
UNKNOWN, 2 usage or input error (one line naming file, line and reason; never a traceback).
"""

from __future__ import annotations

import argparse
import os
import sys

EXIT_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rdslink", description="Prove a Lambda function reaches its database.")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="decide REACHABLE/BLOCKED/INTERMITTENT/UNKNOWN for every function -> DB pair")
    c.add_argument("inputs", nargs="*", metavar="FILE", help="CloudFormation/SAM templates")
    c.add_argument("--parameter", "-p", action="append", default=[], metavar="[FILE:]NAME=VALUE",
                   help="template parameter value (lists as comma-separated values); repeatable")
    c.add_argument("--bindings", metavar="FILE", help="wire one input's parameters to another input's resources")
    c.add_argument("--function", action="append", default=[], metavar="ID", help="only this function (repeatable)")
    c.add_argument("--target", action="append", default=[], metavar="ID", help="only this target (repeatable)")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.add_argument("--region", default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
                   or "us-east-1", help="region assumed for templates (default us-east-1)")
    c.add_argument("--no-color", action="store_true", help="plain text output")
    c.add_argument("--no-lint", action="store_true",
                   help="skip cfn-lint (RL004 will-not-deploy from schema errors); faster")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``rdslink`` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.command == "check":
        code = check(args)
        sys.stdout.flush()
        return code
    return EXIT_INPUT


def check(args: argparse.Namespace) -> int:
    from .sources.errors import InputError

    if not args.inputs:
        print("rdslink check: give at least one template", file=sys.stderr)
        return EXIT_INPUT
    try:
        from .sources.cloudformation.loader import load_templates

        inv = load_templates(args.inputs, args.parameter, args.bindings, region=args.region)
        if not args.no_lint:
            from .sources.lint import lint_inventory

            lint_inventory(inv, inv.source_files, args.region)
    except InputError as exc:
        print(f"rdslink: error: {exc.message()}", file=sys.stderr)
        return EXIT_INPUT
    except RecursionError:
        print(f"rdslink: error: {args.inputs[0]}: template nesting or references too deep", file=sys.stderr)
        return EXIT_INPUT
    from .analysis.engine import analyse

    try:
        result = analyse(inv, args.function, args.target)
    except ValueError as exc:
        print(f"rdslink: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if args.format == "json":
        from .render.json_out import render_json

        print(render_json(result))
    else:
        from .render.text import render_text

        sys.stdout.write(render_text(result, color=not args.no_color and sys.stdout.isatty()))
    return result.exit_code()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
