"""``rdslink stack synth``: write the reference system's CloudFormation template (no AWS account needed).

Wiring (in ``rdslink.cli``): ``stack_command.add_parser(sub)`` while building the parser, and
``if args.command == "stack": return stack_command.run(args)`` in ``main``. This module imports aws-cdk-lib only
inside :func:`run`, so building the parser stays cheap and works without the ``cdk`` extra.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from .options import EGRESS, ENGINES, TRIGGERS, ReferenceOptions, options_from_strings  # noqa: F401

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``stack`` (with sub-command ``synth``) on an ``argparse`` subparsers object; returns it."""
    stack = subparsers.add_parser("stack", help="the reference system as an AWS CDK app",
                                  description="The article's system, built correctly: synthesize its template.")
    sub = stack.add_subparsers(dest="stack_command", required=True)
    s = sub.add_parser("synth", help="write the reference system's CloudFormation template (offline)",
                       description="Write DIR/NAME.yaml (the template; code from the CodeBucket/CodeKey "
                       "parameters) and DIR/function.zip (handler + rdslink.runtime). Needs the cdk extra "
                       "(pip install 'rdslink[cdk]') and node.")
    d = ReferenceOptions()
    s.add_argument("-o", "--output", required=True, metavar="DIR", help="output folder (created)")
    s.add_argument("--engine", choices=ENGINES, default=d.engine, help="database engine (default %(default)s)")
    s.add_argument("--engine-version", metavar="VERSION",
                   help="RDS engine version (default PostgreSQL 16.13 / MySQL 8.4.9)")
    s.add_argument("--egress", choices=EGRESS, default=d.egress,
                   help="how the functions reach Secrets Manager: interface endpoints (no NAT) or NAT gateways "
                   "(default %(default)s)")
    s.add_argument("--nat-gateways", type=int, metavar="N", help="NAT gateways with --egress nat (default: one per AZ)")
    s.add_argument("--proxy", action="store_true", help="RDS Proxy in front (IAM auth and TLS required)")
    s.add_argument("--trigger", choices=TRIGGERS, default=d.trigger, help="default %(default)s")
    s.add_argument("--schedule", default=d.schedule, metavar="EXPR",
                   help="EventBridge schedule with --trigger schedule (default %(default)r)")
    s.add_argument("--azs", type=int, choices=(2, 3), default=d.azs, help="Availability Zones (default %(default)s)")
    s.add_argument("--cidr", default=d.cidr, help="VPC CIDR, /16 to /22 (default %(default)s)")
    s.add_argument("--reserved-concurrency", default=str(d.reserved_concurrency), metavar="N|none",
                   help="the function's reserved concurrency (default %(default)s)")
    s.add_argument("--instance-type", default=d.instance_type, help="RDS instance class without db. "
                   "(default %(default)s)")
    s.add_argument("--no-multi-az", action="store_true", help="single-AZ database (cheaper, no standby)")
    s.add_argument("--no-deletion-protection", action="store_true", help="let the database be deleted with the stack")
    s.add_argument("--database-name", default=d.database_name, help="default %(default)s")
    s.add_argument("--username", default=d.username, help="master user name (default %(default)s)")
    s.add_argument("--rotation-days", type=int, default=d.rotation_days, help="default %(default)s")
    s.add_argument("--stack-name", default="reference-stack", help="stack and file name (default %(default)s)")
    s.add_argument("--format", choices=("yaml", "json"), default="yaml", help="template format")
    s.add_argument("--handler", metavar="FILE", help="handler file (default examples/handler.py)")
    s.add_argument("--ca-bundle", metavar="FILE", help="RDS CA bundle shipped as global-bundle.pem in function.zip")
    s.add_argument("--vendor", metavar="DIR", help="folder of Lambda-built packages (drivers) added to function.zip")
    s.add_argument("--no-code", action="store_true", help="write the template only")
    s.add_argument("--no-nag", action="store_true", help="skip the cdk-nag AwsSolutions checks")
    return stack


def options_from_args(args: argparse.Namespace) -> ReferenceOptions:
    """:class:`ReferenceOptions` from parsed ``stack synth`` arguments (raises ValueError)."""
    return options_from_strings({
        "engine": args.engine, "engine_version": args.engine_version or "none", "egress": args.egress, "proxy": str(args.proxy), "trigger": args.trigger,
        "schedule": args.schedule, "azs": str(args.azs), "cidr": args.cidr,
        "nat_gateways": "none" if args.nat_gateways is None else str(args.nat_gateways),
        "reserved_concurrency": args.reserved_concurrency, "instance_type": args.instance_type,
        "multi_az": str(not args.no_multi_az), "deletion_protection": str(not args.no_deletion_protection),
        "database_name": args.database_name, "username": args.username, "rotation_days": str(args.rotation_days),
    })


def header(options: ReferenceOptions) -> str:
    """The comment block at the top of a YAML template written by ``rdslink stack synth``."""
    values = {f.name: getattr(options, f.name) for f in fields(ReferenceOptions) if f.name != "faults"}
    values["engine_version"] = options.resolved_engine_version
    items = [f"{k}={v!r}" if " " in str(v) else f"{k}={v}" for k, v in values.items()]
    half = len(items) // 2
    shown = " ".join(items[:half]) + "\n#   " + " ".join(items[half:])
    return (
        "# Generated by `rdslink stack synth` (rdslink.stack); do not edit, regenerate.\n"
        f"# Options: {shown}\n"
        "# Deploy without CDK: upload function.zip (written next to this file) to S3, then\n"
        "#   aws cloudformation deploy --template-file THIS_FILE --stack-name rdslink-reference \\\n"
        "#     --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \\\n"
        "#     --parameter-overrides CodeBucket=YOUR_BUCKET CodeKey=function.zip\n"
    )


def render(template: Mapping[str, Any], options: ReferenceOptions, fmt: str = "yaml") -> str:
    """The template as text: YAML with :func:`header`, or JSON (indent 1, like CDK)."""
    if fmt == "json":
        return json.dumps(template, indent=1) + "\n"
    import yaml

    return header(options) + yaml.safe_dump(dict(template), sort_keys=False, width=120, default_flow_style=False)


def run(args: argparse.Namespace) -> int:
    """Run ``rdslink stack synth``; returns the exit code (0 written, 1 synthesis or cdk-nag failed, 2 usage)."""
    if getattr(args, "stack_command", None) != "synth":
        print("rdslink stack: give a sub-command (synth)", file=sys.stderr)
        return EXIT_USAGE
    try:
        options = options_from_args(args)
    except ValueError as exc:
        print(f"rdslink stack synth: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        from .app import synth_templates
    except ImportError as exc:
        print(f"rdslink stack synth: error: {exc.name or exc} is not installed: pip install 'rdslink[cdk]'",
              file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rdslink-cdk-") as assembly:
        try:
            templates = synth_templates({args.stack_name: options}, outdir=assembly, nag=not args.no_nag)
        except Exception as exc:  # jsii surfaces synthesis and validation errors as RuntimeError
            print(f"rdslink stack synth: error: synthesis failed: {str(exc).splitlines()[0] if str(exc) else exc}",
                  file=sys.stderr)
            for line in nag_report_lines(Path(assembly)):
                print(f"  {line}", file=sys.stderr)
            return EXIT_FAILED
    path = out / f"{args.stack_name}.{'json' if args.format == 'json' else 'yaml'}"
    path.write_text(render(templates[args.stack_name], options, args.format))
    print(f"wrote {path}")
    if not args.no_code:
        from .asset import build_asset, write_zip

        try:
            with tempfile.TemporaryDirectory(prefix="rdslink-asset-") as tmp:
                folder = build_asset(Path(tmp) / "code", handler=args.handler, ca_bundle=args.ca_bundle,
                                     vendor=args.vendor)
                zip_path = write_zip(folder, out / "function.zip")
        except (FileNotFoundError, FileExistsError) as exc:
            print(f"rdslink stack synth: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        print(f"wrote {zip_path}")
        if not args.vendor:
            print("note: function.zip has no database driver; add one with --vendor DIR (see docs)", file=sys.stderr)
        if not args.ca_bundle and not options.proxy:
            print("note: TLS to the RDS instance needs the RDS CA bundle: --ca-bundle global-bundle.pem",
                  file=sys.stderr)
    return EXIT_OK


def nag_report_lines(assembly: Path) -> list[str]:
    """Violations from ``policy-validation-report.json`` in a cloud assembly, one line each."""
    report = assembly / "policy-validation-report.json"
    if not report.is_file():
        return []
    try:
        data = json.loads(report.read_text())
    except ValueError:
        return []
    lines = []
    for plugin in data.get("pluginReports", []):
        for v in plugin.get("violations", []):
            where = ", ".join(str(r.get("resourceLogicalId", "?")) for r in v.get("violatingResources", []))
            lines.append(f"{v.get('ruleName', '?')}: {where}: {str(v.get('description', '')).splitlines()[0]}")
    return lines
