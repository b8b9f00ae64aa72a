"""``rdslink`` command line: parse arguments, call sources -> analysis -> render, map verdicts to exit codes.

Exit codes of ``rdslink check``: 0 all REACHABLE (or no pair), 1 any BLOCKED or INTERMITTENT, 3 otherwise some
UNKNOWN, 2 usage or input error (one line naming file, line and reason; never a traceback), 4 internal error
(an exception nobody anticipated: one line, the traceback only with ``--debug``). A crash never exits with the
code of a verdict.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import Inventory

EXIT_INPUT = 2
EXIT_INTERNAL = 4


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    p = argparse.ArgumentParser(prog="rdslink", description="Prove a Lambda function reaches its database.")
    p.add_argument("--version", action="version", version=f"rdslink {__version__}")
    p.add_argument("--debug", action="store_true",
                   help="print the traceback of an internal error (accepted anywhere on the command line)")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="decide REACHABLE/BLOCKED/INTERMITTENT/UNKNOWN for every function -> DB pair")
    c.add_argument("inputs", nargs="*", metavar="FILE|DIR",
                   help="CloudFormation/SAM templates, folders of describe-* JSON (rdslink snapshot), Terraform root "
                        "folders (*.tf) and plans (terraform show -json)")
    c.add_argument("--parameter", "-p", action="append", default=[], metavar="[FILE:]NAME=VALUE",
                   help="template parameter value (lists as comma-separated values); repeatable")
    c.add_argument("--bindings", metavar="FILE", help="wire one input's parameters to another input's resources")
    c.add_argument("--templates-dir", metavar="DIR",
                   help="folder of child templates: S3/HTTPS TemplateURLs of nested stacks/StackSets are matched by "
                   "file name")
    c.add_argument("--var", dest="tf_vars", action="append", default=[], metavar="NAME=VALUE",
                   help="Terraform input variable (as terraform -var); repeatable")
    c.add_argument("--var-file", dest="tf_var_files", action="append", default=[], metavar="FILE",
                   help="Terraform .tfvars file (as terraform -var-file); repeatable")
    c.add_argument("--function", action="append", default=[], metavar="ID", help="only this function (repeatable)")
    c.add_argument("--target", action="append", default=[], metavar="ID",
                   help="only this target: logical id, identifier, ARN or endpoint address; one no input defines is "
                   "checked as far as --account/--live allow (repeatable)")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.add_argument("--region", default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
                   or "us-east-1", help="region assumed for templates (default us-east-1)")
    c.add_argument("--no-color", action="store_true", help="plain text output")
    c.add_argument("--no-lint", action="store_true",
                   help="skip cfn-lint (RL004 will-not-deploy from schema errors); faster")
    c.add_argument("--live", action="store_true", help="read the live account with boto3 (read-only); with "
                   "templates, the account only resolves what they leave open (external ids, SSM names)")
    c.add_argument("--account", metavar="DIR", help="describe-* folder (rdslink snapshot) that resolves what the "
                   "templates leave open: external ids, database endpoints, SSM parameter values")
    c.add_argument("--stack", metavar="[FILE:]NAME", help="check the template as deployed in stack NAME: its "
                   "parameter values (DescribeStacks) and the Region's exports (ListExports)")
    _aws_options(c)
    c.add_argument("--verbose", "-v", action="store_true", help="with --live: report API call counts")
    s = sub.add_parser("snapshot", help="save the describe-* responses rdslink needs to a folder (read-only)")
    s.add_argument("dir", metavar="DIR")
    _aws_options(s)
    s.add_argument("--function", action="append", default=[], metavar="NAME")
    s.add_argument("--target", action="append", default=[], metavar="ID")
    s.add_argument("--verbose", "-v", action="store_true")
    from . import trace_command

    trace_command.add_parser(sub)
    from .stack import command as stack_command  # cheap: no CDK import until run()

    stack_command.add_parser(sub)
    return p


def _aws_options(p: argparse.ArgumentParser) -> None:
    from .cli_options import ProfileAction

    p.add_argument("--profile", action=ProfileAction, help="AWS profile (standard credential chain otherwise); "
                   "repeatable: with --live every account x --live-region is read into one inventory")
    p.add_argument("--live-region", "--aws-region", dest="live_region", action="append", default=[],
                   metavar="REGION", help="region(s) to read with --live / snapshot (repeatable)")
    p.add_argument("--endpoint-url", help="AWS endpoint URL (e.g. a moto server for tests)")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``rdslink`` console script; returns the exit code.

    Args:
        argv: the arguments after the program name (``sys.argv[1:]`` when None). ``--debug`` may appear
            anywhere.

    Returns:
        0/1/3 for verdicts, 2 for usage and input errors, 4 for an internal error (never raised: an
        unexpected exception is reported as one line on stderr naming its type and the rdslink source line,
        never its message, which may carry input values such as secrets).
    """
    args_in = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_in
    args_in = [a for a in args_in if a != "--debug"]
    try:
        return _main(args_in)
    except KeyboardInterrupt:
        print("rdslink: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `rdslink check ... | head`: the reader went away; nothing more to say.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the interpreter's flush at exit
        except OSError:
            pass
        return EXIT_INPUT
    except MemoryError:
        print("rdslink: error: out of memory while reading the inputs (are they much larger than a template?)",
              file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:  # the one place that turns a bug into exit 4
        if debug:
            import traceback

            traceback.print_exc()
        print(f"rdslink: internal error: {_where(exc)} (run with --debug for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


def _where(exc: BaseException) -> str:
    """``TypeName at rdslink/path.py:LINE`` for the innermost rdslink frame of ``exc``'s traceback."""
    import traceback

    where = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        norm = frame.filename.replace(os.sep, "/")
        if "/rdslink/" in norm:
            where = f" at rdslink/{norm.rsplit('/rdslink/', 1)[1]}:{frame.lineno}"
    return f"{type(exc).__name__}{where}"


def _main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "check":
        code = check(args)
        sys.stdout.flush()
        return code
    if args.command == "snapshot":
        return snapshot(args)
    if args.command == "trace":
        from . import trace_command

        return trace_command.run(args, load_inputs)
    if args.command == "stack":
        from .stack import command as stack_command

        return stack_command.run(args)
    return EXIT_INPUT


def snapshot(args: argparse.Namespace) -> int:
    """``rdslink snapshot DIR``: write the responses rdslink reads to DIR/<region>/<service>-<operation>.json."""
    from .sources.errors import InputError
    from .sources.live import write_snapshot

    try:
        counts = write_snapshot(args.dir, profile=args.profile, profiles=getattr(args, "profiles", None),
                                regions=args.live_region or [_default_region()],
                                endpoint_url=args.endpoint_url, functions=args.function, targets=args.target)
    except InputError as exc:
        print(f"rdslink: error: {exc.message()}", file=sys.stderr)
        return EXIT_INPUT
    print(f"wrote {counts['files']} files to {args.dir} ({counts['calls']} API calls)")
    return 0


def _default_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def load_inputs(args: argparse.Namespace) -> Inventory:
    """Load every input: folders as describe-JSON snapshots, files as CloudFormation/SAM templates, and the
    live account with ``--live``; merge them into one inventory.

    Raises:
        InputError: any unreadable input.
    """
    from .model import Inventory
    from .sources.cdk_assembly import is_cloud_assembly
    from .sources.errors import InputError
    from .sources.terraform import is_plan_file, is_terraform_dir

    inv = Inventory()
    terraform = [p for p in args.inputs if is_terraform_dir(p) or is_plan_file(p)]
    files = [p for p in args.inputs if not os.path.isdir(p) and p not in terraform]
    folders = [p for p in args.inputs if os.path.isdir(p) and p not in terraform and not is_cloud_assembly(p)]
    assemblies = [p for p in args.inputs if is_cloud_assembly(p) and p not in terraform]
    tfinv: Inventory | None = None
    cfn_ssm: dict[str, Any] = {}  # SSM parameters templates write, for Terraform data "aws_ssm_parameter"
    if terraform:
        from .sources.terraform import load_terraform, ssm_writers

        tf_ssm = ssm_writers(cfn_ssm.get)
        tfinv = load_terraform(terraform, getattr(args, "tf_vars", []), getattr(args, "tf_var_files", []),
                               region=args.region, ssm=tf_ssm)
    elif getattr(args, "tf_vars", []) or getattr(args, "tf_var_files", []):
        raise InputError("--var/--var-file", "apply to Terraform inputs (folders with *.tf, plan JSON), and none "
                         "was given")
    stack_names: dict[str, str] = {}
    template_files: dict[str, str] = {}
    environments: dict[str, tuple[str | None, str | None]] = {}  # template -> (account, Region) of its stack
    region = args.region
    for folder in assemblies:  # cdk.out: every stack's template joins the template inputs
        from .sources.cdk_assembly import assembly_region, read_assembly

        assembly = read_assembly(folder)
        for st in assembly.stacks:
            files.append(st.template)
            stack_names[st.template] = st.stack_name
            environments[st.template] = (st.account, st.region)
        template_files.update(assembly.template_files)
        region = assembly_region(assembly) or region
    account = _account_sources(args, files, region, stack_names, environments)
    if files:
        from .sources.cloudformation.loader import load_templates

        tinv = load_templates(files, account["parameters"] + args.parameter, args.bindings, region=region,
                              templates_dir=getattr(args, "templates_dir", None), stack_names=stack_names,
                              template_files=template_files, account_ssm=account["ssm"],
                              account_exports=account["exports"], environments=environments,
                              input_ssm=tf_ssm.written().get if tfinv is not None else None, ssm_out=cfn_ssm)
        if tfinv is not None and tf_ssm.misses & set(cfn_ssm):  # Terraform reads what a template writes
            tf_ssm = ssm_writers(cfn_ssm.get)
            tfinv = load_terraform(terraform, getattr(args, "tf_vars", []), getattr(args, "tf_var_files", []),
                                   region=args.region, ssm=tf_ssm)
        tinv.warnings.extend(account["warnings"])
        if not args.no_lint:
            from .sources.lint import lint_inventory

            lint_inventory(tinv, tinv.source_files, region)
        if tfinv is not None:
            inv.merge(tfinv)
            tfinv = None
        inv.merge(tinv)
        inv.region = tinv.region
    elif args.parameter or args.bindings:
        raise InputError("--parameter/--bindings", "apply to template inputs, and none was given")
    if tfinv is not None:
        inv.merge(tfinv)
        inv.region = tfinv.region
    for folder in folders:
        from .sources.describe_json import load_describe_dir

        dinv = load_describe_dir(folder)
        inv.merge(dinv)
        inv.region = dinv.region
    args.account_ids = set()
    if getattr(args, "account", None):
        from .sources.account import load_account_dir, merge_account

        args.account_ids |= merge_account(inv, load_account_dir(args.account))
    if getattr(args, "live", False) and files:  # templates + --live: the account fills in what they leave open
        from .sources.account import fill_external_roles, merge_account
        from .sources.live import load_live

        regions = args.live_region or sorted({environments.get(f, (None, None))[1] or region for f in files})
        args.account_ids |= merge_account(inv, load_live(profile=args.profile, regions=regions,
                                                         endpoint_url=args.endpoint_url, verbose=args.verbose,
                                                         profiles=getattr(args, "profiles", None)))
        # roles no deployed function uses (IAM is global)
        args.account_ids |= fill_external_roles(inv, args.profile, regions[0], args.endpoint_url)
    elif getattr(args, "live", False):
        from .sources.live import load_live

        linv = load_live(profile=args.profile, regions=args.live_region or [args.region],
                         endpoint_url=args.endpoint_url, functions=args.function, targets=args.target,
                         verbose=args.verbose, profiles=getattr(args, "profiles", None))
        inv.merge(linv)
        inv.region = linv.region
    inv.index()
    return inv


def _account_sources(args: argparse.Namespace, files: list[str], region: str, stack_names: dict[str, str],
                     environments: dict[str, tuple[str | None, str | None]]) -> dict[str, Any]:
    """``--account/``--live``/``--stack`` inputs for the template loader: SSM look-up, exports, deployed
    parameter values (as ``FILE:NAME=VALUE`` items) and warnings saying what was taken from the account."""
    from .sources.errors import InputError

    out: dict[str, Any] = {"ssm": None, "exports": {}, "parameters": [], "warnings": []}
    account_dir = getattr(args, "account", None)
    stack = getattr(args, "stack", None)
    if (account_dir or stack) and not files:
        raise InputError("--account/--stack", "apply to template inputs, and none was given")
    if account_dir and not os.path.isdir(account_dir):
        raise InputError("--account", f"{account_dir} is not a folder")
    live_region = (args.live_region or [region])[0]
    live = getattr(args, "live", False) and files
    if account_dir or live:
        from .sources.account import AccountSsm, live_ssm

        out["ssm"] = AccountSsm(account_dir, (lambda r: live_ssm(args.profile, r, args.endpoint_url)) if live
                                else None, live_region)
    if stack:
        from .sources.account import deployed_stack, stack_parameter_items

        file, _, name = stack.rpartition(":") if ":" in stack and not stack.startswith("arn:") else ("", "", stack)
        if file:
            match = [f for f in files if f == file or os.path.basename(f) == file]
            if not match:
                raise InputError("--stack", f"{file} is not one of the inputs")
            file = match[0]
        elif len(files) == 1:
            file = files[0]
        else:
            raise InputError("--stack", "several templates are given: name the one deployed as "
                             f"{name} with --stack FILE:{name}")
        deployed = deployed_stack(name, args.profile, environments.get(file, (None, None))[1] or live_region,
                                  args.endpoint_url)
        from .sources.cloudformation.decode import read_template

        declared = read_template(file).get("Parameters") or {}
        for key in list(deployed.parameters):  # NoEcho in the template: never used, even if not masked
            if str((declared.get(key) or {}).get("NoEcho", "")).lower() == "true" if isinstance(
                    declared.get(key), dict) else False:
                deployed.parameters.pop(key)
                deployed.skipped.append(key)
        stack_names[file] = deployed.name
        out["exports"] = deployed.exports
        out["parameters"] = stack_parameter_items(deployed, file)
        note = f"from the account: {file} checked as deployed in stack {deployed.name}"
        if deployed.parameters:
            note += f" (parameters {', '.join(sorted(deployed.parameters))})"
        if deployed.skipped:
            note += f"; NoEcho parameters {', '.join(sorted(deployed.skipped))} not used"
        out["warnings"] = [note]
    return out


def check(args: argparse.Namespace) -> int:
    import gc

    # Decoded templates and the inventory are many small long-lived objects: the cyclic collector rescanning
    # them dominates load time on big templates (benchmarks/check_speed.py: 1.5 s -> 0.6 s). Nothing here
    # needs it; it is re-enabled before rendering.
    gc.disable()
    try:
        return _check(args)
    finally:
        gc.enable()


def _check(args: argparse.Namespace) -> int:
    from .sources import secrets
    from .sources.errors import InputError

    secrets.reset()  # values the sources find secret are masked in everything printed below
    if not args.inputs and not args.live:
        print("rdslink check: give at least one template or snapshot folder, or --live", file=sys.stderr)
        return EXIT_INPUT
    try:
        inv = load_inputs(args)
    except InputError as exc:
        print(f"rdslink: error: {secrets.redact(exc.message())}", file=sys.stderr)
        return EXIT_INPUT
    except RecursionError:
        print(f"rdslink: error: {args.inputs[0]}: template nesting or references too deep", file=sys.stderr)
        return EXIT_INPUT
    from .analysis.engine import analyse
    from .analysis.pairs import construct_path_alias, mark_account_evidence, name_by_construct_path

    try:
        result = analyse(inv, [construct_path_alias(inv, w) for w in args.function],
                         [construct_path_alias(inv, w) for w in args.target])
    except ValueError as exc:
        print(f"rdslink: error: {secrets.redact(str(exc))}", file=sys.stderr)
        return EXIT_INPUT
    name_by_construct_path(result, inv)
    mark_account_evidence(result, getattr(args, "account_ids", set()))
    if args.format == "json":
        from .render.json_out import render_json

        doc = render_json(result)
        if secrets.has_secrets() or "{{resolve:" in doc:
            import json

            doc = json.dumps(secrets.redact_json(json.loads(doc)), indent=2, ensure_ascii=False)
        print(doc)
    else:
        from .render.text import render_text

        sys.stdout.write(secrets.redact(render_text(result, color=not args.no_color and sys.stdout.isatty())))
    return result.exit_code()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
