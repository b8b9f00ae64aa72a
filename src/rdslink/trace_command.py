"""``rdslink trace INPUT... --from SRC --to DST``: the path engine on one flow, hop by hop
(schema ``rdslink/trace/v1`` of ARCHITECTURE.md).

Exit codes: 0 every flow ACCEPTED or EXITS_NETWORK (and every return accepted), 1 some flow denied, without a
route or null-routed, 3 none of those but some UNKNOWN, 2 input or usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Inventory

EXIT_INPUT = 2
PROTOCOLS = {"tcp": "6", "udp": "17", "icmp": "1", "all": "-1"}


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``trace`` on the ``rdslink`` sub-command parser."""
    t = sub.add_parser("trace", help="trace one flow hop by hop (routes, peering, transit gateway, SGs, NACLs)")
    t.add_argument("inputs", nargs="*", metavar="FILE|DIR", help="templates and/or describe-JSON folders")
    t.add_argument("--from", dest="src", required=True, metavar="SRC",
                   help="instance, ENI, subnet, VPC, Lambda function, or an IP in a described subnet")
    t.add_argument("--to", dest="dst", required=True, metavar="DST",
                   help="IP, node id, DB/proxy id, or aws:<service> (e.g. aws:secretsmanager)")
    t.add_argument("--protocol", choices=sorted(PROTOCOLS), default="tcp")
    t.add_argument("--port", type=int, default=None, help="destination port (default: the DB's port, 443 for "
                   "aws:<service>; none for --protocol all/icmp)")
    t.add_argument("--source-ip", default=None, help="source address (a VPC source needs one)")
    t.add_argument("--format", choices=("text", "json"), default="text")
    t.add_argument("--parameter", "-p", action="append", default=[], metavar="[FILE:]NAME=VALUE")
    t.add_argument("--bindings", metavar="FILE")
    t.add_argument("--var", dest="tf_vars", action="append", default=[], metavar="NAME=VALUE",
                   help="Terraform input variable (as terraform -var)")
    t.add_argument("--var-file", dest="tf_var_files", action="append", default=[], metavar="FILE",
                   help="Terraform .tfvars file")
    t.add_argument("--region", default="us-east-1")
    t.add_argument("--live", action="store_true", help="read the live account with boto3 (read-only)")
    from .cli_options import ProfileAction

    t.add_argument("--profile", action=ProfileAction, help="AWS profile; repeatable (every account is read)")
    t.add_argument("--live-region", dest="live_region", action="append", default=[])
    t.add_argument("--endpoint-url")
    t.set_defaults(no_lint=True, function=[], target=[], verbose=False)


def run(args: argparse.Namespace, load_inputs: Callable[[argparse.Namespace], Inventory]) -> int:
    """Load the inputs with ``load_inputs`` (:func:`rdslink.cli.load_inputs`, passed in so this module does not
    import the CLI), trace every (source location, destination location) flow, print, return the exit code."""
    import dataclasses
    import ipaddress

    from .analysis.path import SUCCESS, Disposition, PathEngine, locate
    from .sources.errors import InputError

    if not args.inputs and not args.live:
        print("rdslink trace: give at least one template or snapshot folder, or --live", file=sys.stderr)
        return EXIT_INPUT
    try:
        inv = load_inputs(args)
    except InputError as exc:
        print(f"rdslink: error: {exc.message()}", file=sys.stderr)
        return EXIT_INPUT
    protocol = PROTOCOLS[args.protocol]
    try:
        srcs = locate(inv, args.src, as_source=True)
        if args.source_ip:
            ip = ipaddress.ip_network(args.source_ip)
            srcs = [dataclasses.replace(s, net=ip) for s in srcs]
        engine = PathEngine(inv)
        traces = []
        if args.dst.startswith("aws:"):
            from .analysis.path.services import trace_service

            for s in srcs:
                traces.append(trace_service(engine, s, args.dst[4:], inv.region, args.port or 443))
        else:
            dsts = locate(inv, args.dst, as_source=False)
            port = args.port
            if port is None and protocol in ("6", "17"):
                port = _default_port(inv, args.dst)
                if port is None:
                    raise ValueError(f"--port is required for {args.protocol} to {args.dst}")
            if protocol not in ("6", "17"):
                port = None
            for s in srcs:
                for d in dsts:
                    traces.append(engine.trace(s, d, protocol, port))
    except ValueError as exc:
        print(f"rdslink: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    doc = {"schema": "rdslink/trace/v1", "inputs": list(inv.inputs), "flows": [t.to_json() for t in traces],
           "warnings": list(inv.warnings)}
    if args.format == "json":
        print(json.dumps(doc, indent=2))
    else:
        sys.stdout.write(render_text(traces))
    sys.stdout.flush()
    disp = [t.disposition for t in traces] + [t.reverse.disposition for t in traces if t.reverse is not None]
    partial = any(s.cause == "nacl-partial" for t in traces for s in t.steps()
                  + (t.reverse.steps() if t.reverse else []))
    if any(d not in SUCCESS and d is not Disposition.UNKNOWN for d in disp) or partial:
        return 1
    if Disposition.UNKNOWN in disp:
        return 3
    return 0


def _default_port(inv: object, dst: str) -> int | None:
    from .analysis.targets import collect_targets
    from .model import Inventory

    assert isinstance(inv, Inventory)
    for t in collect_targets(inv):
        if dst in (t.key, t.display) or t.display.endswith("/" + dst):
            return t.port if isinstance(t.port, int) else None
    return None


def render_text(traces: Sequence[object]) -> str:
    """A hop-by-hop table per flow: node, step kind, status and detail."""
    from .analysis.path import Trace

    lines: list[str] = []
    for t in traces:
        assert isinstance(t, Trace)
        proto = {"6": "tcp", "17": "udp", "1": "icmp", "-1": "all"}.get(t.protocol, t.protocol)
        port = f"/{t.port}" if t.port is not None else ""
        lines.append(f"{t.src} ({t.src_ip}) -> {t.dst} ({t.dst_ip}) {proto}{port}: {t.disposition.value}")
        legs = [("", t)] + ([("return ", t.reverse)] if t.reverse is not None else [])
        for label, leg in legs:
            if label:
                lines.append(f"  return: {leg.disposition.value}")
            for h in leg.hops:
                lines.append(f"  {label}{h.node}")
                for s in h.steps:
                    mark = {"open": "ok ", "closed": "X  ", "unknown": "?  "}[s.status.value]
                    lines.append(f"      {mark}{s.kind:<15} {s.detail}")
        lines.append("")
    return "\n".join(lines)
