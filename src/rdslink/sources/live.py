"""Read a live AWS account with boto3 (read-only): exactly the describe/list/get calls the analysis needs,
paginated, with botocore's adaptive retries, independent calls in parallel.

The responses are kept in their API shape (``{"Vpcs": [...]}``) so :mod:`.aws_api` converts them exactly like a
saved describe-JSON folder, and ``rdslink snapshot`` writes them unchanged. A denied call (AccessDenied,
UnauthorizedOperation) or a failing service never crashes: it is recorded as an RL002 finding naming the
denied action, and the object kind it should have loaded is marked missing, so hops that need it become
UNKNOWN — never REACHABLE. ``secretsmanager:GetSecretValue`` is never called.

The IAM policy the scanner needs is ``docs/iam-policy.json``.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..model import Inventory, SourceIssue
from .aws_api import DISPATCH, ORDER
from .errors import InputError
from .scopes import Scope, merge_scopes, stamp

#: (service, operation, paginated result key, response key for the model, object kind). Operation names are
#: the boto3 snake_case methods; the response key is what the converter dispatches on.
EC2_CALLS = [
    ("ec2", "describe_vpcs", "Vpcs"),
    ("ec2", "describe_subnets", "Subnets"),
    ("ec2", "describe_security_groups", "SecurityGroups"),
    ("ec2", "describe_route_tables", "RouteTables"),
    ("ec2", "describe_network_acls", "NetworkAcls"),
    ("ec2", "describe_internet_gateways", "InternetGateways"),
    ("ec2", "describe_nat_gateways", "NatGateways"),
    ("ec2", "describe_vpc_endpoints", "VpcEndpoints"),
    ("ec2", "describe_vpc_peering_connections", "VpcPeeringConnections"),
    ("ec2", "describe_transit_gateways", "TransitGateways"),
    ("ec2", "describe_transit_gateway_vpc_attachments", "TransitGatewayVpcAttachments"),
    ("ec2", "describe_transit_gateway_peering_attachments", "TransitGatewayPeeringAttachments"),
    ("ec2", "describe_transit_gateway_attachments", "TransitGatewayAttachments"),
    ("ec2", "describe_transit_gateway_route_tables", "TransitGatewayRouteTables"),
]
OTHER_CALLS = [
    ("lambda", "list_functions", "Functions"),
    ("rds", "describe_db_instances", "DBInstances"),
    ("rds", "describe_db_clusters", "DBClusters"),
    ("rds", "describe_db_proxies", "DBProxies"),
    ("rds", "describe_db_subnet_groups", "DBSubnetGroups"),
    ("secretsmanager", "list_secrets", "SecretList"),
]
#: EC2 describe calls accept a vpc-id filter (peering uses requester/accepter ids).
_VPC_FILTER = {
    "describe_subnets": "vpc-id",
    "describe_security_groups": "vpc-id",
    "describe_route_tables": "vpc-id",
    "describe_network_acls": "vpc-id",
    "describe_internet_gateways": "attachment.vpc-id",
    "describe_nat_gateways": "vpc-id",
    "describe_vpc_endpoints": "vpc-id",
}
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
           "AuthorizationError", "UnrecognizedClientException", "InvalidClientTokenId"}


class _Reader:
    """One region's reader; records API call counts (per ``service:Operation``) and denied calls."""

    def __init__(self, session: Any, region: str, endpoint_url: str | None) -> None:
        from botocore.config import Config

        self.region = region
        self.session = session
        self.endpoint_url = endpoint_url
        self.config = Config(retries={"mode": "adaptive", "max_attempts": 8}, connect_timeout=10, read_timeout=30,
                             max_pool_connections=16)
        self.calls: Counter[str] = Counter()
        self.issues: list[SourceIssue] = []
        self.missing: set[str] = set()
        self.warnings: list[str] = []
        self._clients: dict[str, Any] = {}
        self.denied = False
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                c = self.session.client(service, region_name=self.region, endpoint_url=self.endpoint_url,
                                        config=self.config)
                c.meta.events.register("before-call", self._count)
                self._clients[service] = c
            return self._clients[service]

    def _count(self, model: Any = None, **_: Any) -> None:
        if model is not None:
            with self._lock:
                self.calls[f"{model.service_model.service_name}:{model.name}"] += 1

    def action(self, service: str, op: str) -> str:
        """IAM action name of a boto3 method (``rds:DescribeDBInstances`` for ``describe_db_instances``)."""
        client = self.client(service)
        name = client.meta.method_to_api_mapping.get(op) or "".join(w.capitalize() for w in op.split("_"))
        prefix = client.meta.service_model.signing_name or service
        return f"{prefix}:{name}"

    def call(self, service: str, op: str, key: str, kind: str | None = None, **kwargs: Any) -> list[Any] | None:
        """All items of ``key`` over every page; None (and an issue) when the call is denied or fails."""
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client(service)
        try:
            if client.can_paginate(op):
                items: list[Any] = []
                for page in client.get_paginator(op).paginate(**kwargs):
                    items.extend(page.get(key) or [])
                return items
            resp = getattr(client, op)(**kwargs)
            return list(resp.get(key) or [])
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            action = self.action(service, op)
            if code in _DENIED:
                self.issues.append(SourceIssue(
                    "RL002", (action,), f"{action} was denied ({code}) in {self.region}: hops that need "
                    f"{kind or key} are UNKNOWN; grant it (see docs/iam-policy.json)", f"live:{self.region}"))
            else:
                self.warnings.append(f"{action} failed in {self.region}: {code} {exc}")
            self.missing.add(kind or key)
            return None
        except (BotoCoreError, NotImplementedError) as exc:
            self.warnings.append(f"{service}:{op} failed in {self.region}: {exc}")
            self.missing.add(kind or key)
            return None


def _session(profile: str | None) -> Any:
    import boto3

    try:
        return boto3.session.Session(profile_name=profile) if profile else boto3.session.Session()
    except Exception as exc:  # ProfileNotFound etc.
        raise InputError("--profile", str(exc)) from None


def collect(reader: _Reader, functions: list[str] | None = None, targets: list[str] | None = None
            ) -> dict[str, list[Any]]:
    """Read one region; returns ``{response key: items}``. With ``functions``/``targets`` only the VPCs, roles
    and proxies they touch are described."""
    out: dict[str, list[Any]] = {}
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = {key: pool.submit(reader.call, svc, op, key) for svc, op, key in OTHER_CALLS}
        results = {k: f.result() for k, f in futures.items()}
    for key, items in results.items():
        if items is not None:
            out[key] = items
    if functions:
        wanted = set(functions)
        out["Functions"] = [f for f in out.get("Functions", []) if f.get("FunctionName") in wanted
                            or f.get("FunctionArn") in wanted]
    if targets:
        wanted = set(targets)
        out["DBInstances"] = [d for d in out.get("DBInstances", []) if d.get("DBInstanceIdentifier") in wanted
                              or d.get("DBInstanceArn") in wanted or d.get("DBClusterIdentifier") in wanted]
        out["DBClusters"] = [c for c in out.get("DBClusters", []) if c.get("DBClusterIdentifier") in wanted
                             or c.get("DBClusterArn") in wanted]
        out["DBProxies"] = [p for p in out.get("DBProxies", []) if p.get("DBProxyName") in wanted
                            or p.get("DBProxyArn") in wanted]
    vpc_ids: set[str] | None = None
    if functions or targets:
        vpc_ids = set()
        subnet_ids: set[str] = set()
        for f in out.get("Functions", []):
            subnet_ids.update((f.get("VpcConfig") or {}).get("SubnetIds") or [])
        for d in out.get("DBInstances", []):
            vpc = (d.get("DBSubnetGroup") or {}).get("VpcId")
            if vpc:
                vpc_ids.add(vpc)
        for p in out.get("DBProxies", []):
            if p.get("VpcId"):
                vpc_ids.add(p["VpcId"])
            subnet_ids.update(p.get("VpcSubnetIds") or [])
        for g in out.get("DBSubnetGroups", []):
            if g.get("VpcId"):
                vpc_ids.add(g["VpcId"])
        if subnet_ids:
            subs = reader.call("ec2", "describe_subnets", "Subnets", SubnetIds=sorted(subnet_ids)) or []
            vpc_ids.update(s["VpcId"] for s in subs if s.get("VpcId"))
    ec2_kwargs: dict[str, dict[str, Any]] = {}
    for _svc, op, _key in EC2_CALLS:
        if vpc_ids is None:
            ec2_kwargs[op] = {}
        elif op == "describe_vpcs":
            ec2_kwargs[op] = {"VpcIds": sorted(vpc_ids)} if vpc_ids else {}
        elif op in _VPC_FILTER:
            ec2_kwargs[op] = {"Filters": [{"Name": _VPC_FILTER[op], "Values": sorted(vpc_ids)}]}
        else:
            ec2_kwargs[op] = {}
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = {key: pool.submit(reader.call, svc, op, key, None, **ec2_kwargs[op]) for svc, op, key in EC2_CALLS}
        for key, fut in futures.items():
            items = fut.result()
            if items is not None:
                out[key] = items
    _read_tgw_routes(reader, out)
    _read_forwarders(reader, out)
    # DNS attributes of the VPCs that hold functions or databases (DescribeVpcs does not return them)
    attrs = []
    wanted_vpcs = _vpcs_in_use(out)
    for vpc_id in sorted(wanted_vpcs):
        entry: dict[str, Any] = {"VpcId": vpc_id}
        for attribute, field in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
            resp = _single(reader, "ec2", "describe_vpc_attribute", None, VpcId=vpc_id, Attribute=attribute)
            if resp is not None and field in resp:
                entry[field] = resp[field]
        attrs.append(entry)
    if attrs:
        out["VpcAttributes"] = attrs
    # proxy targets (per proxy) and IAM roles of functions and proxies
    targets_out: list[Any] = []
    for p in out.get("DBProxies", []):
        name = p.get("DBProxyName")
        items = reader.call("rds", "describe_db_proxy_targets", "Targets", "DBProxyTargets", DBProxyName=name)
        for t in items or []:
            targets_out.append({**t, "_ProxyName": name})
    if targets_out:
        out["Targets"] = targets_out
    role_arns = sorted({f.get("Role") for f in out.get("Functions", []) if f.get("Role")}
                       | {p.get("RoleArn") for p in out.get("DBProxies", []) if p.get("RoleArn")})
    roles, policies = _read_roles(reader, role_arns)
    out["RoleDetailList"] = roles
    if policies:
        out["Policies"] = policies
    return out


def _read_forwarders(reader: _Reader, out: dict[str, list[Any]]) -> None:
    """The instances and network interfaces that routes send to (NAT instances: their SourceDestCheck, subnet,
    security groups and public IP decide the hop): DescribeInstances / DescribeNetworkInterfaces by id, only when
    some route names one."""
    insts: set[str] = set()
    enis: set[str] = set()
    for t in out.get("RouteTables", []):
        for r in (t.get("Routes") or []) if isinstance(t, dict) else []:
            if isinstance(r, dict) and isinstance(r.get("InstanceId"), str):
                insts.add(r["InstanceId"])
            if isinstance(r, dict) and isinstance(r.get("NetworkInterfaceId"), str):
                enis.add(r["NetworkInterfaceId"])
    if insts:
        items = reader.call("ec2", "describe_instances", "Reservations", "Instances", InstanceIds=sorted(insts))
        if items is not None:
            out["Reservations"] = items
    if enis:
        items = reader.call("ec2", "describe_network_interfaces", "NetworkInterfaces", None,
                            NetworkInterfaceIds=sorted(enis))
        if items is not None:
            out["NetworkInterfaces"] = items


def _read_tgw_routes(reader: _Reader, out: dict[str, list[Any]]) -> None:
    """Per transit gateway route table: its propagations (GetTransitGatewayRouteTablePropagations) and static
    routes (SearchTransitGatewayRoutes, type static), in the shapes the describe-JSON folders use
    (``TransitGatewayPropagations`` / ``TransitGatewayStaticRoutes``, as Batfish's snapshots)."""
    props, statics = [], []
    for t in out.get("TransitGatewayRouteTables", []):
        rid = t.get("TransitGatewayRouteTableId")
        if not rid:
            continue
        p = reader.call("ec2", "get_transit_gateway_route_table_propagations", "TransitGatewayRouteTablePropagations",
                        None, TransitGatewayRouteTableId=rid)
        if p is not None:
            props.append({"TransitGatewayRouteTableId": rid, "TransitGatewayRouteTablePropagations": p})
        r = _single(reader, "ec2", "search_transit_gateway_routes", None, TransitGatewayRouteTableId=rid,
                    Filters=[{"Name": "type", "Values": ["static"]}])
        if r is not None:
            statics.append({"TransitGatewayRouteTableId": rid, "Routes": r.get("Routes", [])})
    if props:
        out["TransitGatewayPropagations"] = props
    if statics:
        out["TransitGatewayStaticRoutes"] = statics


def _vpcs_in_use(out: dict[str, list[Any]]) -> set[str]:
    subnet_vpc = {s.get("SubnetId"): s.get("VpcId") for s in out.get("Subnets", [])}
    vpcs: set[str] = set()
    for f in out.get("Functions", []):
        for sid in (f.get("VpcConfig") or {}).get("SubnetIds") or []:
            if subnet_vpc.get(sid):
                vpcs.add(subnet_vpc[sid])
    for d in out.get("DBInstances", []):
        for s in (d.get("DBSubnetGroup") or {}).get("Subnets") or []:
            if subnet_vpc.get(s.get("SubnetIdentifier")):
                vpcs.add(subnet_vpc[s["SubnetIdentifier"]])
    for g in out.get("DBSubnetGroups", []):
        if g.get("VpcId"):
            vpcs.add(g["VpcId"])
    for p in out.get("DBProxies", []):
        for sid in p.get("VpcSubnetIds") or []:
            if subnet_vpc.get(sid):
                vpcs.add(subnet_vpc[sid])
    return vpcs


def _read_roles(reader: _Reader, role_arns: list[str]) -> tuple[list[Any], list[Any]]:
    from ..sources.managed_policies import aws_managed_policies

    roles: list[Any] = []
    policies: dict[str, Any] = {}
    bundled = aws_managed_policies()
    for arn in role_arns:
        name = arn.rsplit("/", 1)[-1]
        role = _single(reader, "iam", "get_role", "Role", RoleName=name)
        if role is None:
            continue
        detail: dict[str, Any] = {
            "Arn": role.get("Arn", arn), "RoleName": name,
            "AssumeRolePolicyDocument": role.get("AssumeRolePolicyDocument"),
            "PermissionsBoundary": role.get("PermissionsBoundary"),
            "RolePolicyList": [], "AttachedManagedPolicies": [],
        }
        names = reader.call("iam", "list_role_policies", "PolicyNames", "RoleDetailList", RoleName=name)
        if names is None:
            detail["RdslinkUnknownInlinePolicies"] = True
        for pname in names or []:
            doc = _single(reader, "iam", "get_role_policy", None, RoleName=name, PolicyName=pname)
            if doc is not None:
                detail["RolePolicyList"].append({"PolicyName": pname, "PolicyDocument": doc.get("PolicyDocument")})
            else:
                detail["RdslinkUnknownInlinePolicies"] = True
        attached = reader.call("iam", "list_attached_role_policies", "AttachedPolicies", "RoleDetailList",
                               RoleName=name)
        if attached is None:
            detail["RdslinkUnknownAttachedPolicies"] = True
        detail["AttachedManagedPolicies"] = attached or []
        for a in attached or []:
            parn = a.get("PolicyArn")
            if not parn or parn in policies or parn in bundled:
                continue
            pol = _single(reader, "iam", "get_policy", "Policy", PolicyArn=parn)
            if pol is None:
                continue
            ver = _single(reader, "iam", "get_policy_version", "PolicyVersion", PolicyArn=parn,
                          VersionId=pol.get("DefaultVersionId", "v1"))
            if ver is not None:
                policies[parn] = {"Arn": parn, "PolicyName": pol.get("PolicyName"),
                                  "PolicyVersionList": [{**ver, "IsDefaultVersion": True}]}
        roles.append(detail)
    return roles, list(policies.values())


def _single(reader: _Reader, service: str, op: str, key: str | None, **kwargs: Any) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        resp = getattr(reader.client(service), op)(**kwargs)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        action = reader.action(service, op)
        if code in _DENIED:
            reader.issues.append(SourceIssue("RL002", (action,), f"{action} was denied ({code}): permissions that "
                                             "depend on it are UNKNOWN", f"live:{reader.region}"))
            reader.denied = True
        elif code not in ("NoSuchEntity",):
            reader.warnings.append(f"{action} failed: {code}")
        return None
    except BotoCoreError as exc:
        reader.warnings.append(f"{service}:{op} failed: {exc}")
        return None
    return resp.get(key) if key else resp


def _to_inventory(data: dict[str, list[Any]], region: str, missing: set[str]) -> Inventory:
    inv = Inventory(region=region)
    source = f"live:{region}"
    for key in ORDER:
        if key in data:
            DISPATCH[key](inv, data[key], source, source)
    inv.missing_kinds |= missing
    return inv


def account_of(reader: _Reader) -> tuple[str | None, str | None]:
    """The account id of a reader's credentials (STS GetCallerIdentity: "no permissions are required to perform
    this operation", STS API Reference) and, when it cannot be read, a warning (objects then carry no account)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        ident = reader.client("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as exc:
        from botocore.exceptions import NoCredentialsError

        if isinstance(exc, NoCredentialsError):
            raise InputError("--live", f"{exc} (configure credentials or pass --profile)") from None
        return None, f"sts:GetCallerIdentity failed: {exc} (the account of the objects read is not known)"
    account = ident.get("Account")
    return (str(account) if account else None), None


def load_live(profile: str | None = None, regions: list[str] | None = None, endpoint_url: str | None = None,
              functions: list[str] | None = None, targets: list[str] | None = None, verbose: bool = False,
              profiles: list[str] | None = None) -> Inventory:
    """Read every account (one per profile of ``profiles``, else ``profile`` or the default credential chain) in
    each Region, read-only, and return one Inventory (``inputs`` kind ``live``, location ``<region>`` or, with
    several profiles, ``<account>/<region>``). Every object carries its account (STS GetCallerIdentity) and
    Region; ids that collide across accounts/Regions are kept apart (:func:`.scopes.merge_scopes`).

    Raises:
        InputError: no credentials / unknown profile.
    """
    names: list[str | None] = list(dict.fromkeys(profiles)) if profiles else [profile]
    parts: list[tuple[Scope, Inventory]] = []
    total_calls = 0
    last_region = "us-east-1"
    for name in names:
        session = _session(name)
        account: str | None = None
        for region in regions or ["us-east-1"]:
            last_region = region
            reader = _Reader(session, region, endpoint_url)
            if account is None:
                account, problem = account_of(reader)
                if problem:
                    reader.warnings.append(problem)
            try:
                data = collect(reader, functions, targets)
            except Exception as exc:  # NoCredentialsError and friends
                from botocore.exceptions import NoCredentialsError, NoRegionError

                if isinstance(exc, (NoCredentialsError, NoRegionError)):
                    raise InputError("--live", f"{exc} (configure credentials or pass --profile)") from None
                raise
            rinv = _to_inventory(data, region, reader.missing)
            stamp(rinv, account, region)
            rinv.issues.extend(reader.issues)
            rinv.warnings.extend(reader.warnings)
            total = sum(reader.calls.values())
            where = region if len(names) == 1 else f"{account or name}/{region}"
            if verbose:
                detail = ", ".join(f"{k}={v}" for k, v in sorted(reader.calls.items()))
                rinv.warnings.append(f"live {where}: {total} API calls ({detail})")
            rinv.inputs.append({"kind": "live", "location": where})
            total_calls += total
            parts.append(((account, region), rinv))
    if len(parts) == 1:
        inv = parts[0][1]
    else:
        inv = merge_scopes(parts)
    inv.region = last_region
    inv.api_calls = total_calls
    inv.index()
    return inv


#: File names for a snapshot, CloudMapper style: <service>-<operation>.json.
def _file_name(key: str) -> str:
    names = {svc_op[2]: f"{svc_op[0]}-{svc_op[1].replace('_', '-')}.json" for svc_op in EC2_CALLS + OTHER_CALLS}
    names.update({"Targets": "rds-describe-db-proxy-targets.json", "RoleDetailList": "iam-roles.json",
                  "VpcAttributes": "ec2-describe-vpc-attribute.json",
                  "Policies": "iam-policies.json", "Reservations": "ec2-describe-instances.json",
                  "NetworkInterfaces": "ec2-describe-network-interfaces.json"})
    return names.get(key, f"{key}.json")


def write_snapshot(directory: str, profile: str | None = None, regions: list[str] | None = None,
                   endpoint_url: str | None = None, functions: list[str] | None = None,
                   targets: list[str] | None = None, profiles: list[str] | None = None) -> dict[str, int]:
    """Write ``DIR/<region>/<service>-<operation>.json`` (responses as returned, pages merged; with several
    ``profiles``, ``DIR/accounts/<account-id>/<region>/``) so ``rdslink check DIR`` gives the same verdicts as
    ``--live``. Returns counts of files and API calls.

    Raises:
        InputError: DIR exists and is not an empty folder, or no credentials.
    """
    if os.path.exists(directory) and (not os.path.isdir(directory) or os.listdir(directory)):
        raise InputError(directory, "exists and is not an empty folder; refusing to overwrite")
    files = calls = 0
    names: list[str | None] = list(dict.fromkeys(profiles)) if profiles else [profile]
    for name in names:
        session = _session(name)
        base = directory
        if len(names) > 1:  # Batfish's layout: accounts/<account-id>/<region>/
            account, _ = account_of(_Reader(session, (regions or ["us-east-1"])[0], endpoint_url))
            base = os.path.join(directory, "accounts", account or str(name))
        f, c = _write_regions(base, session, regions, endpoint_url, functions, targets)
        files, calls = files + f, calls + c
    return {"files": files, "calls": calls}


def _write_regions(directory: str, session: Any, regions: list[str] | None, endpoint_url: str | None,
                   functions: list[str] | None, targets: list[str] | None) -> tuple[int, int]:
    files = calls = 0
    for region in regions or ["us-east-1"]:
        reader = _Reader(session, region, endpoint_url)
        data = collect(reader, functions, targets)
        folder = os.path.join(directory, region)
        os.makedirs(folder, exist_ok=True)
        for key, items in data.items():
            with open(os.path.join(folder, _file_name(key)), "w", encoding="utf-8") as fh:
                json.dump({key: items}, fh, indent=1, default=str, sort_keys=True)
            files += 1
        if reader.issues or reader.warnings:
            with open(os.path.join(folder, "rdslink-snapshot-notes.json"), "w", encoding="utf-8") as fh:
                json.dump({"RdslinkNotes": [i.evidence for i in reader.issues] + reader.warnings}, fh, indent=1)
            files += 1
        calls += sum(reader.calls.values())
    return files, calls
