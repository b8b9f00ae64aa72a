"""Cost of ``rdslink check --live`` and ``rdslink snapshot`` on a large account: wall time and AWS API calls.

Starts a moto server on 127.0.0.1 (a free port; nothing leaves loopback), fills it through API calls (threads)
with 50 VPCs, 1,000 subnets, 3,000 security groups, 100 DB instances and 500 functions whose execution roles are
5 shared roles (``--small``: ten times fewer of everything, 2 roles), then times, in process:

* ``check``    ``load_live(endpoint_url=...)`` + ``analyse`` (what ``rdslink check --live`` does)
* ``snapshot`` ``write_snapshot(DIR, endpoint_url=...)`` (what ``rdslink snapshot DIR`` does)

and counts every API call per operation (a ``before-call`` hook on the sessions rdslink creates; the check count
is cross-checked with ``Inventory.api_calls``, the ``--verbose`` figure) with the items each operation returned.
The claim under test: API calls grow with the number of result pages (and distinct IAM roles / proxies), not with
the number of resources, so ``calls/resource`` falls as the account grows.

Usage::

    python benchmarks/live_scan.py            # full size (fill takes a few minutes)
    python benchmarks/live_scan.py --small    # 10x smaller, about a minute
    python benchmarks/live_scan.py --json     # table, then one JSON object on the last line
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

REGION = "us-east-1"
VPC_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
LOGS = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]})

FULL = {"vpcs": 50, "subnets": 1000, "security_groups": 3000, "functions": 500, "db_instances": 100, "roles": 5}
SMALL = {"vpcs": 5, "subnets": 100, "security_groups": 300, "functions": 50, "db_instances": 10, "roles": 2}


def _env() -> None:
    """Dummy credentials: never a real profile, and managed policies loaded before the server starts."""
    for k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(k, None)
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_SESSION_TOKEN="testing",
                      AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE="/nonexistent/rdslink-bench/config",
                      AWS_SHARED_CREDENTIALS_FILE="/nonexistent/rdslink-bench/credentials",
                      AWS_EC2_METADATA_DISABLED="true", MOTO_IAM_LOAD_MANAGED_POLICIES="true")


def _zip() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("h.py", "def h(event, context):\n    return None\n")
    return buf.getvalue()


# ---- fill ------------------------------------------------------------------------------------------------


class Filler:
    def __init__(self, endpoint: str, size: dict[str, int], workers: int) -> None:
        import boto3
        from botocore.config import Config

        self.size = size
        self.workers = workers
        cfg = Config(max_pool_connections=workers * 2, retries={"mode": "standard", "max_attempts": 10})
        session = boto3.session.Session(region_name=REGION)
        self.c = {s: session.client(s, endpoint_url=endpoint, config=cfg)
                  for s in ("ec2", "rds", "lambda", "iam")}
        self.calls = 0
        self._lock = threading.Lock()

    def call(self, service: str, op: str, **kw: Any) -> Any:
        with self._lock:
            self.calls += 1
        return getattr(self.c[service], op)(**kw)

    def parallel(self, fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        with ThreadPoolExecutor(self.workers) as pool:
            return list(pool.map(fn, items))

    def fill(self) -> dict[str, int]:
        s = self.size
        n_vpc = s["vpcs"]
        per_sub, per_sg = s["subnets"] // n_vpc, s["security_groups"] // n_vpc
        per_db, per_fn = s["db_instances"] // n_vpc, s["functions"] // n_vpc
        roles = []
        for r in range(s["roles"]):
            name = f"bench-role-{r}"
            roles.append(self.call("iam", "create_role", RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"])
            self.call("iam", "attach_role_policy", RoleName=name, PolicyArn=VPC_ACCESS)
            self.call("iam", "put_role_policy", RoleName=name, PolicyName="logs", PolicyDocument=LOGS)
        code = _zip()
        azs = [f"{REGION}{x}" for x in "abcdef"]

        def vpc(v: int) -> dict[str, Any]:
            vid = self.call("ec2", "create_vpc", CidrBlock=f"10.{v}.0.0/16")["Vpc"]["VpcId"]
            subnets = [self.call("ec2", "create_subnet", VpcId=vid, CidrBlock=f"10.{v}.{k}.0/24",
                                 AvailabilityZone=azs[k % len(azs)])["Subnet"]["SubnetId"] for k in range(per_sub)]
            groups = [self.call("ec2", "create_security_group", GroupName=f"bench-{v}-{g}", Description="bench",
                                VpcId=vid)["GroupId"] for g in range(per_sg)]
            fn_sg, db_sg = groups[0], groups[1]
            self.call("ec2", "authorize_security_group_ingress", GroupId=db_sg, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": fn_sg}]}])
            for g in groups[2:]:  # filler groups, one rule each
                self.call("ec2", "authorize_security_group_ingress", GroupId=g, IpPermissions=[
                    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": f"10.{v}.0.0/16"}]}])
            self.call("rds", "create_db_subnet_group", DBSubnetGroupName=f"bench-{v}", DBSubnetGroupDescription="b",
                      SubnetIds=subnets[:2])
            return {"vpc": vid, "subnets": subnets, "fn_sg": fn_sg, "db_sg": db_sg, "v": v}

        vpcs = self.parallel(vpc, list(range(n_vpc)))

        def db(job: tuple[dict[str, Any], int]) -> str:
            info, d = job
            ident = f"bench-{info['v']}-db{d}"
            self.call("rds", "create_db_instance", DBInstanceIdentifier=ident, Engine="postgres",
                      DBInstanceClass="db.t3.micro", MasterUsername="app", MasterUserPassword="not-a-secret-1",
                      AllocatedStorage=20, DBSubnetGroupName=f"bench-{info['v']}", VpcSecurityGroupIds=[info["db_sg"]],
                      PubliclyAccessible=False)
            return ident

        self.parallel(db, [(info, d) for info in vpcs for d in range(per_db)])
        addresses = {}
        for page in self.c["rds"].get_paginator("describe_db_instances").paginate():
            self.calls += 1
            addresses.update({d["DBInstanceIdentifier"]: d["Endpoint"]["Address"] for d in page["DBInstances"]})

        def function(job: tuple[dict[str, Any], int]) -> None:
            info, f = job
            i = info["v"] * per_fn + f
            self.call("lambda", "create_function", FunctionName=f"bench-{info['v']}-fn{f}", Runtime="python3.12",
                      Role=roles[i % len(roles)], Handler="h.h", Code={"ZipFile": code},
                      VpcConfig={"SubnetIds": info["subnets"][:2], "SecurityGroupIds": [info["fn_sg"]]},
                      Environment={"Variables": {"DB_HOST": addresses[f"bench-{info['v']}-db{f % per_db}"]}})

        self.parallel(function, [(info, f) for info in vpcs for f in range(per_fn)])
        return {"vpcs": n_vpc, "subnets": n_vpc * per_sub, "security_groups": n_vpc * per_sg,
                "db_instances": n_vpc * per_db, "functions": n_vpc * per_fn, "roles": len(roles),
                "db_subnet_groups": n_vpc, "network_acls": n_vpc, "route_tables": n_vpc}


# ---- measure ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def recording() -> Iterator[dict[str, Counter[str]]]:
    """Count calls and returned items per ``service:Operation`` for every boto3 session created in the block."""
    import boto3.session

    calls: Counter[str] = Counter()
    items: Counter[str] = Counter()
    lock = threading.Lock()

    def name(model: Any) -> str:
        sm = model.service_model
        return f"{sm.metadata.get('signingName') or sm.endpoint_prefix}:{model.name}"

    def before(model: Any = None, **_: Any) -> None:
        if model is not None:
            with lock:
                calls[name(model)] += 1

    def after(model: Any = None, parsed: Any = None, **_: Any) -> None:
        if model is not None and isinstance(parsed, dict):
            n = sum(len(v) for k, v in parsed.items() if isinstance(v, list) and k != "ResponseMetadata")
            with lock:
                items[name(model)] += n

    original = boto3.session.Session

    class Hooked(original):  # type: ignore[misc,valid-type]
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, **kw)
            self.events.register("before-call", before)
            self.events.register("after-call", after)

    boto3.session.Session = Hooked  # type: ignore[misc]
    try:
        yield {"calls": calls, "items": items}
    finally:
        boto3.session.Session = original  # type: ignore[misc]


def measure(endpoint: str) -> dict[str, Any]:
    from rdslink.analysis.engine import analyse
    from rdslink.sources.live import load_live, write_snapshot

    out: dict[str, Any] = {}
    with recording() as rec:
        t0 = time.perf_counter()
        inv = load_live(regions=[REGION], endpoint_url=endpoint, verbose=True)
        t1 = time.perf_counter()
        result = analyse(inv)
        t2 = time.perf_counter()
    assert inv.api_calls == sum(rec["calls"].values()), (inv.api_calls, rec["calls"])
    verdicts = Counter(p.verdict.value for p in result.pairs)
    out["check"] = {"seconds": round(t2 - t0, 3), "load_seconds": round(t1 - t0, 3),
                    "analyse_seconds": round(t2 - t1, 3), "api_calls": inv.api_calls,
                    "calls": dict(sorted(rec["calls"].items())), "items": dict(sorted(rec["items"].items())),
                    "pairs": len(result.pairs), "verdicts": dict(verdicts), "exit_code": result.exit_code()}
    with tempfile.TemporaryDirectory() as tmp, recording() as rec:
        t0 = time.perf_counter()
        counts = write_snapshot(os.path.join(tmp, "snap"), regions=[REGION], endpoint_url=endpoint)
        t1 = time.perf_counter()
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(tmp) for f in fs)
    out["snapshot"] = {"seconds": round(t1 - t0, 3), "api_calls": counts["calls"], "files": counts["files"],
                       "bytes": size, "calls": dict(sorted(rec["calls"].items()))}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--small", action="store_true", help="10x smaller account (quick try)")
    ap.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    ap.add_argument("--workers", type=int, default=8, help="fill threads (default 8)")
    args = ap.parse_args(argv)
    _env()
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request otherwise
    from moto.server import ThreadedMotoServer

    size = SMALL if args.small else FULL
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        t0 = time.perf_counter()
        filler = Filler(endpoint, size, args.workers)
        built = filler.fill()
        fill_s = time.perf_counter() - t0
        print(f"filled moto at {endpoint} in {fill_s:.1f} s with {filler.calls} API calls: "
              + ", ".join(f"{k}={v}" for k, v in built.items()), flush=True)
        res = measure(endpoint)
    finally:
        server.stop()
    resources = sum(built[k] for k in ("vpcs", "subnets", "security_groups", "functions", "db_instances",
                                       "db_subnet_groups", "network_acls", "route_tables"))
    chk, snap = res["check"], res["snapshot"]
    summary = {
        "schema": "rdslink/bench/live-scan/v1", "size": "small" if args.small else "full", "built": built,
        "resources": resources, "fill_seconds": round(fill_s, 1), "fill_api_calls": filler.calls, **res,
        "calls_per_resource": round(chk["api_calls"] / resources, 4),
        "python": sys.version.split()[0],
    }
    print()
    print(f"{'operation':40} {'check calls':>11} {'items':>7} {'snapshot calls':>14}")
    for op in sorted(set(chk["calls"]) | set(snap["calls"])):
        print(f"{op:40} {chk['calls'].get(op, 0):>11} {chk['items'].get(op, 0):>7} {snap['calls'].get(op, 0):>14}")
    print(f"{'total':40} {chk['api_calls']:>11} {sum(chk['items'].values()):>7} {snap['api_calls']:>14}")
    print()
    print(f"{'phase':12} {'wall s':>8} {'API calls':>10}  notes")
    print(f"{'fill':12} {fill_s:>8.1f} {filler.calls:>10}  threads={args.workers} (not part of rdslink)")
    print(f"{'check':12} {chk['seconds']:>8.2f} {chk['api_calls']:>10}  load {chk['load_seconds']:.2f} s + analyse "
          f"{chk['analyse_seconds']:.2f} s; {chk['pairs']} pairs {chk['verdicts']}")
    print(f"{'snapshot':12} {snap['seconds']:>8.2f} {snap['api_calls']:>10}  {snap['files']} files, "
          f"{snap['bytes'] / 1e6:.1f} MB")
    print(f"resources {resources} ({', '.join(f'{k}={v}' for k, v in built.items())}); "
          f"calls/resource {summary['calls_per_resource']}")
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
