"""Account data for what templates leave open (``rdslink check TEMPLATE... --account DIR|--live``,
``--stack NAME``).

A template names things that already exist in the account: literal subnet, security-group, VPC and role ids,
database endpoints, SSM parameter names, exports of stacks that are not inputs. This module reads those from
a describe-JSON folder (``rdslink snapshot``) or the live account (read-only, the same calls and policy as
``--live``), plus:

- SSM Parameter Store values by name: ``ssm:GetParameters`` with ``WithDecryption=False``; a ``SecureString``
  value is never used (it stays unresolved; without decryption the API returns only ciphertext anyway);
- a deployed stack (``cloudformation:DescribeStacks``): its parameter values (``ResolvedValue`` for SSM-typed
  parameters; ``NoEcho`` values, masked by CloudFormation as ``****``, are never used) and its name;
- the Region's exports (``cloudformation:ListExports``) for ``Fn::ImportValue`` that no input exports;
- external execution roles (a function's ``Role`` given as the ARN of a role no input defines): from the
  folder's ``get-account-authorization-details`` output or the per-call IAM responses (``GetRole``,
  ``ListAttachedRolePolicies``, ``ListRolePolicies``, ``GetRolePolicy``, ``GetPolicy``, ``GetPolicyVersion``;
  see :func:`iam_from_dir`), or live with those same calls (:func:`live_roles`), so the ENI permissions
  (RL104) of such a function are decided.

Only objects that support the template's functions are merged (networks, databases, roles, secrets), never
the account's functions, so the account adds no pairs of its own. The ids taken from the account are returned
so that evidence can say "from the account: ...".
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..model import Inventory
from ..model.values import PLACEHOLDER_ACCOUNT_ID, arn_account
from .errors import InputError

#: Inventory tables taken from the account (every one but ``functions``).
SUPPORT_TABLES = (
    "vpcs", "subnets", "route_tables", "security_groups", "network_acls", "internet_gateways", "nat_gateways",
    "vpc_endpoints", "peering_connections", "db_subnet_groups", "db_instances", "db_clusters", "db_proxies",
    "db_proxy_endpoints", "roles", "managed_policies", "secrets", "kms_keys",
)
#: CloudFormation masks NoEcho parameter values with this in DescribeStacks.
NO_ECHO_MASK = "****"


@dataclass(slots=True)
class DeployedStack:
    """What ``DescribeStacks`` says of one stack: ``name``, ``parameters`` (name -> value actually used;
    NoEcho ones left out), ``outputs`` (OutputKey -> OutputValue), and the Region's ``exports`` (Name ->
    Value)."""

    name: str
    parameters: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    exports: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def merge_account(inv: Inventory, account: Inventory) -> set[str]:
    """Merge the supporting objects of ``account`` into ``inv`` (an object an input already has wins) and
    return the display ids (``prov.logical_id``) of the objects taken from the account.

    Denied calls (RL002 issues) and missing object kinds are carried over, except a missing ``Functions``
    listing, which does not matter here (the template defines the functions)."""
    taken: set[str] = set()
    for name in SUPPORT_TABLES:
        mine, theirs = getattr(inv, name), getattr(account, name)
        for key, obj in theirs.items():
            if key not in mine:
                mine[key] = obj
                taken.add(obj.prov.logical_id)
    inv.issues.extend(account.issues)
    inv.warnings.extend(w for w in account.warnings if "is not used by rdslink" not in w
                        and "the snapshot has no Lambda functions" not in w)
    inv.missing_kinds |= account.missing_kinds - {"Functions"}
    for item in account.inputs:
        inv.inputs.append({"kind": "account", "location": item.get("location", "")})
    return taken


_REGION = re.compile(r"^[a-z]{2,4}(-gov|-iso[a-z]?)?-[a-z]+-\d$")


def _region_of(path: str, root: str) -> str | None:
    """The nearest folder of ``path`` below ``root`` named like a Region (as the describe loader reads them)."""
    rel = os.path.relpath(os.path.dirname(path), root)
    return next((part for part in reversed(rel.split(os.sep)) if _REGION.match(part)), None)


def ssm_values_by_region(directory: str) -> dict[tuple[str | None, str], str]:
    """SSM parameter values saved in a describe folder, by (Region, name): any ``*.json`` whose top level has
    ``Parameters`` as ``ssm get-parameters`` returns them (``[{"Name", "Type", "Value"}]``); the Region is the
    nearest folder named like one (``us-east-1/``), None for files outside such folders. SecureString entries
    are skipped (never used, never printed).
    """
    out: dict[tuple[str | None, str], str] = {}
    for dirpath, _dirs, files in sorted(os.walk(directory)):
        for name in sorted(files):
            if not name.endswith(".json"):
                continue
            path = os.path.join(dirpath, name)
            try:
                with open(path, encoding="utf-8") as fh:
                    data = json.load(fh)
            except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                continue  # the describe loader reports unreadable files
            params = data.get("Parameters") if isinstance(data, dict) else None
            if not isinstance(params, list):
                continue
            region = _region_of(path, directory)
            for p in params:
                if (isinstance(p, dict) and isinstance(p.get("Name"), str) and isinstance(p.get("Value"), str)
                        and p.get("Type") in ("String", "StringList")):
                    out[(region, p["Name"])] = p["Value"]
    return out


def ssm_values_from_dir(directory: str) -> dict[str, str]:
    """``name -> value`` of :func:`ssm_values_by_region`, Regions merged (SecureString entries skipped)."""
    return {name: value for (_region, name), value in ssm_values_by_region(directory).items()}


class AccountSsm:
    """SSM Parameter Store look-ups for the template loader: ``(name, region) -> value or None``, from a
    describe folder (``--account``) then the live account (``--live``); never a SecureString value.

    ``region`` is the reading stack's stated Region (a cloud assembly's environment) or None. With a Region,
    only that Region's values are used (and files outside any Region folder); without, the folder's value when
    every Region that has the name agrees, and the live account's ``default_region``.

    Args:
        directory: ``--account`` folder or None.
        live: a factory Region -> :class:`LiveSsm` (``--live``) or None.
        default_region: Region of live look-ups for stacks whose Region is not stated.
    """

    def __init__(self, directory: str | None, live: Callable[[str], LiveSsm] | None, default_region: str) -> None:
        self.values = ssm_values_by_region(directory) if directory else {}
        self.live = live
        self.default_region = default_region
        self._live: dict[str, LiveSsm] = {}

    def __call__(self, name: str, region: str | None = None) -> str | None:
        if region is not None:
            value = self.values.get((region, name), self.values.get((None, name)))
        else:
            found = {v for (_r, n), v in self.values.items() if n == name}
            value = found.pop() if len(found) == 1 else None
        if value is not None or self.live is None:
            return value
        where = region or self.default_region
        if where not in self._live:
            self._live[where] = self.live(where)
        return self._live[where](name)


class LiveSsm:
    """``name -> value`` lookups against Parameter Store (``ssm:GetParameters``, ``WithDecryption=False``),
    cached; None for a missing, denied or SecureString parameter (a secret is never used).

    Args:
        client: a boto3 SSM client.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.cache: dict[str, str | None] = {}
        self.problems: list[str] = []

    def __call__(self, name: str) -> str | None:
        if name in self.cache:
            return self.cache[name]
        from botocore.exceptions import BotoCoreError, ClientError

        value: str | None = None
        try:
            resp = self.client.get_parameters(Names=[name], WithDecryption=False)
            for p in resp.get("Parameters") or []:
                if p.get("Name") == name and p.get("Type") in ("String", "StringList"):
                    value = str(p.get("Value"))
        except (ClientError, BotoCoreError) as exc:
            self.problems.append(f"ssm:GetParameters {name} failed: {exc}")
        self.cache[name] = value
        return value


def _client(service: str, profile: str | None, region: str, endpoint_url: str | None) -> Any:
    import boto3
    from botocore.config import Config

    try:
        session = boto3.session.Session(profile_name=profile) if profile else boto3.session.Session()
    except Exception as exc:  # ProfileNotFound
        raise InputError("--profile", str(exc)) from None
    return session.client(service, region_name=region, endpoint_url=endpoint_url,
                          config=Config(retries={"mode": "adaptive", "max_attempts": 8}))


def live_ssm(profile: str | None, region: str, endpoint_url: str | None) -> LiveSsm:
    """A :class:`LiveSsm` for ``region``."""
    return LiveSsm(_client("ssm", profile, region, endpoint_url))


def deployed_stack(name: str, profile: str | None, region: str, endpoint_url: str | None) -> DeployedStack:
    """Read a deployed stack (``DescribeStacks``) and the Region's exports (``ListExports``, all pages).

    Raises:
        InputError: the stack does not exist, the call is denied, or credentials are missing (``--stack``
            names the problem).
    """
    from botocore.exceptions import BotoCoreError, ClientError

    cfn = _client("cloudformation", profile, region, endpoint_url)
    try:
        stacks = cfn.describe_stacks(StackName=name).get("Stacks") or []
        exports: dict[str, str] = {}
        for page in cfn.get_paginator("list_exports").paginate():
            for e in page.get("Exports") or []:
                if isinstance(e.get("Name"), str) and isinstance(e.get("Value"), str):
                    exports[e["Name"]] = e["Value"]
    except ClientError as exc:
        err = exc.response.get("Error", {})
        raise InputError("--stack", f"{name}: {err.get('Code', '')} {err.get('Message', '')}".strip()) from None
    except BotoCoreError as exc:
        raise InputError("--stack", f"{name}: {exc} (configure credentials or pass --profile)") from None
    if not stacks:
        raise InputError("--stack", f"{name}: no such stack in {region}")
    st = stacks[0]
    out = DeployedStack(str(st.get("StackName") or name), exports=exports)
    for p in st.get("Parameters") or []:
        key = p.get("ParameterKey")
        value = p.get("ResolvedValue", p.get("ParameterValue"))
        if not isinstance(key, str) or not isinstance(value, str):
            continue
        if value == NO_ECHO_MASK or p.get("ParameterValue") == NO_ECHO_MASK:
            out.skipped.append(key)
            continue
        out.parameters[key] = value
    for o in st.get("Outputs") or []:
        if isinstance(o.get("OutputKey"), str) and isinstance(o.get("OutputValue"), str):
            out.outputs[o["OutputKey"]] = o["OutputValue"]
    return out


def stack_parameter_items(stack: DeployedStack, template: str) -> list[str]:
    """``FILE:NAME=VALUE`` items (the ``--parameter`` form) for the deployed parameter values of ``template``."""
    return [f"{template}:{k}={v}" for k, v in stack.parameters.items()]


# ---- external execution roles ----------------------------------------------------------------------------

def _load_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None  # the describe loader reports unreadable files


def _owner(path: str, directory: str, data: dict[str, Any], key: str, names: set[str]) -> str | None:
    """Which role (or policy) a response that does not name it belongs to: ``data[key]`` when present (a
    field added by hand), else the longest name in ``names`` that the file name ends with (``...-NAME.json``,
    ``..._NAME.json``, ``NAME.json``) or that names one of the file's folders below ``directory``."""
    if isinstance(data.get(key), str):
        return str(data[key])
    stem = os.path.basename(path)[: -len(".json")]
    folders = os.path.relpath(os.path.dirname(path), directory).split(os.sep)
    hits = [n for n in names if stem == n or stem.endswith(("-" + n, "_" + n, "." + n)) or n in folders]
    return max(hits, key=len) if hits else None


@dataclass(slots=True)
class IamResponses:
    """IAM data of a describe folder saved one call at a time, in the shape of
    ``GetAccountAuthorizationDetails`` so :mod:`.aws_api` converts it: ``roles`` and ``policies`` are
    ``(RoleDetailList item | Policies item, file)`` pairs; ``warnings`` name responses that could not be tied
    to a role or policy."""

    roles: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    policies: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def iam_from_dir(directory: str) -> IamResponses:
    """Assemble roles and customer managed policies from per-call IAM responses saved in ``directory`` (any
    depth), as the AWS CLI prints them:

    - ``aws iam get-role`` -> ``{"Role": {"RoleName", "Arn", "AssumeRolePolicyDocument", ...}}``;
    - ``aws iam list-attached-role-policies`` -> ``{"AttachedPolicies": [{"PolicyName", "PolicyArn"}]}``;
    - ``aws iam list-role-policies`` -> ``{"PolicyNames": [...]}``;
    - ``aws iam get-role-policy`` -> ``{"RoleName", "PolicyName", "PolicyDocument"}``;
    - ``aws iam get-policy`` -> ``{"Policy": {"PolicyName", "Arn", "DefaultVersionId"}}`` and
      ``aws iam get-policy-version`` -> ``{"PolicyVersion": {"Document", "VersionId", "IsDefaultVersion"}}``.

    The list responses and ``PolicyVersion`` do not name their role or policy: they belong to the role (policy)
    whose name ends the file name (``iam-list-attached-role-policies-NAME.json``) or names a folder holding the
    file (``roles/NAME/...``), or that a ``RoleName`` (``PolicyArn``) field added to the file names. A role
    whose attached or inline policy list is missing, or an inline policy listed without its document, gets
    the ``RdslinkUnknown...`` markers, so permissions that depend on them are UNKNOWN, never assumed absent.
    Roles that a ``RoleDetailList`` in the folder already has are left to it.
    """
    out = IamResponses()
    got_roles: dict[str, tuple[dict[str, Any], str]] = {}
    got_policies: dict[str, tuple[dict[str, Any], str]] = {}
    attached: list[tuple[str, dict[str, Any]]] = []
    listed: list[tuple[str, dict[str, Any]]] = []
    inline: dict[str, dict[str, Any]] = {}
    versions: list[tuple[str, dict[str, Any]]] = []
    if not os.path.isdir(directory):
        return out
    for dirpath, dirs, files in sorted(os.walk(directory)):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith(".json"):
                continue
            path = os.path.join(dirpath, name)
            data = _load_json(path)
            if not isinstance(data, dict):
                continue
            role = data.get("Role")
            if isinstance(role, dict) and isinstance(role.get("RoleName"), str) and isinstance(role.get("Arn"), str):
                got_roles.setdefault(role["RoleName"], (role, path))
            if isinstance(data.get("AttachedPolicies"), list):
                attached.append((path, data))
            if isinstance(data.get("PolicyNames"), list):
                listed.append((path, data))
            if (isinstance(data.get("RoleName"), str) and isinstance(data.get("PolicyName"), str)
                    and "PolicyDocument" in data):
                inline.setdefault(data["RoleName"], {})[data["PolicyName"]] = data["PolicyDocument"]
            pol = data.get("Policy")
            if isinstance(pol, dict) and isinstance(pol.get("PolicyName"), str) and isinstance(pol.get("Arn"), str):
                got_policies.setdefault(pol["PolicyName"], (pol, path))
            if isinstance(data.get("PolicyVersion"), dict):
                versions.append((path, data))
    role_names = set(got_roles)
    attached_of: dict[str, list[Any]] = {}
    listed_of: dict[str, list[Any]] = {}
    for path, data in attached:
        owner = _owner(path, directory, data, "RoleName", role_names)
        if owner is None:
            out.warnings.append(f"{path}: AttachedPolicies of which role? name the file "
                                "iam-list-attached-role-policies-ROLENAME.json (ignored)")
        else:
            attached_of.setdefault(owner, []).extend(data["AttachedPolicies"])
    for path, data in listed:
        owner = _owner(path, directory, data, "RoleName", role_names)
        if owner is None:
            out.warnings.append(f"{path}: PolicyNames of which role? name the file "
                                "iam-list-role-policies-ROLENAME.json (ignored)")
        else:
            listed_of.setdefault(owner, []).extend(data["PolicyNames"])
    for rname, (role, path) in sorted(got_roles.items()):
        docs = inline.get(rname, {})
        names = listed_of.get(rname)
        detail: dict[str, Any] = {
            "RoleName": rname, "Arn": role["Arn"], "AssumeRolePolicyDocument": role.get("AssumeRolePolicyDocument"),
            "PermissionsBoundary": role.get("PermissionsBoundary"),
            "RolePolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in sorted(docs.items())
                               if names is None or n in names],
            "AttachedManagedPolicies": attached_of.get(rname, []),
        }
        if names is None or any(n not in docs for n in names):
            detail["RdslinkUnknownInlinePolicies"] = True  # ListRolePolicies or a GetRolePolicy is missing
        if rname not in attached_of:
            detail["RdslinkUnknownAttachedPolicies"] = True
        out.roles.append((detail, path))
    policy_arns = {p["Arn"]: n for n, (p, _path) in got_policies.items()}
    for path, data in versions:
        owner = _owner(path, directory, data, "PolicyArn", set(got_policies) | set(policy_arns))
        owner = policy_arns.get(owner, owner) if owner else None
        if owner not in got_policies:
            out.warnings.append(f"{path}: PolicyVersion of which policy? name the file "
                                "iam-get-policy-version-POLICYNAME.json (ignored)")
            continue
        pol, _ppath = got_policies[owner]
        ver = data["PolicyVersion"]
        default = ver.get("IsDefaultVersion") is True or (
            ver.get("VersionId") is not None and ver.get("VersionId") == pol.get("DefaultVersionId"))
        if default and ver.get("Document") is not None:
            out.policies.append(({"Arn": pol["Arn"], "PolicyName": owner, "PolicyVersionList": [
                {"Document": ver["Document"], "VersionId": ver.get("VersionId"), "IsDefaultVersion": True}]}, path))
    return out


def load_account_dir(directory: str) -> Inventory:
    """``--account DIR``: the describe folder (:func:`.describe_json.load_describe_dir`) plus the roles and
    customer managed policies of per-call IAM responses (:func:`iam_from_dir`). A folder holding only such IAM
    responses is accepted (every other object kind is then missing).

    Raises:
        InputError: as :func:`.describe_json.load_describe_dir`, or a malformed IAM response (file and field).
    """
    from .aws_api import DISPATCH
    from .describe_json import ESSENTIAL, load_describe_dir

    iam = iam_from_dir(directory)
    try:
        inv = load_describe_dir(directory)
    except InputError as exc:
        if not iam.roles or "no describe-* JSON" not in exc.reason:
            raise
        inv = Inventory()
        inv.missing_kinds |= set(ESSENTIAL)
        inv.inputs.append({"kind": "describe-json", "location": directory})
    known = {r.arn for r in inv.roles.values()}
    for detail, path in iam.roles:
        if detail["Arn"] not in known:
            DISPATCH["RoleDetailList"](inv, [detail], path, directory)
    for pol, path in iam.policies:
        if pol["Arn"] not in inv.managed_policies:
            DISPATCH["Policies"](inv, [pol], path, directory)
    if iam.roles:
        inv.missing_kinds.discard("RoleDetailList")
        gone = f"the snapshot has no {ESSENTIAL['RoleDetailList']}"
        inv.warnings = [w for w in inv.warnings if not w.endswith(gone)]
    inv.warnings.extend(iam.warnings)
    inv.index()
    return inv


def external_role_arns(inv: Inventory) -> list[str]:
    """Execution-role ARNs of the inputs' functions that no loaded role matches (by ARN or role name), e.g. a
    SAM ``Role: arn:aws:iam::123456789012:role/orders-lambda`` created outside the template."""
    have_arns = {r.arn for r in inv.roles.values()}
    have_names = {r.name for r in inv.roles.values() if isinstance(r.name, str)}
    out: set[str] = set()
    for fn in inv.functions.values():
        arn = fn.role_arn
        if isinstance(arn, str) and arn.startswith("arn:") and ":role/" in arn and arn not in have_arns \
                and arn.rsplit("/", 1)[-1] not in have_names:
            out.add(arn)
    return sorted(out)


def live_roles(role_arns: list[str], profile: str | None, region: str, endpoint_url: str | None) -> Inventory:
    """Read the given roles from the live account with the ``--live`` calls (``iam:GetRole``,
    ``ListRolePolicies``, ``GetRolePolicy``, ``ListAttachedRolePolicies``, ``GetPolicy``, ``GetPolicyVersion``;
    all in docs/iam-policy.json). ``GetRole`` looks a role up by name in the caller's account, so a role whose
    ARN names another account is dropped (a warning says so) rather than confused with a namesake; an ARN
    built from the loader's placeholder account (``AWS::AccountId`` of a template with no known account)
    means the account being read. A denied call is an RL002 issue (the permission stays UNKNOWN).

    Raises:
        InputError: unknown profile or no credentials.
    """
    from botocore.exceptions import NoCredentialsError

    from .aws_api import DISPATCH
    from .live import _read_roles, _Reader, _session

    inv = Inventory(region=region)
    if not role_arns:
        return inv
    reader = _Reader(_session(profile), region, endpoint_url)
    try:
        roles, policies = _read_roles(reader, role_arns)
    except NoCredentialsError as exc:
        raise InputError("--live", f"{exc} (configure credentials or pass --profile)") from None
    wanted = {arn.rsplit("/", 1)[-1]: arn for arn in role_arns}
    kept, seen = [], set()
    for r in roles:
        asked = wanted.get(str(r.get("RoleName")), "")
        seen.add(str(r.get("RoleName")))
        # an ARN with the loader's placeholder account means "the account the stack is deployed to": this one
        if arn_account(asked) not in (arn_account(str(r.get("Arn"))), PLACEHOLDER_ACCOUNT_ID):
            inv.warnings.append(f"role {asked}: the account read has a role of that name in another account "
                                f"({r.get('Arn')}); not used, its permissions are UNKNOWN")
            continue
        kept.append(r)
    source = f"live:{region}"
    DISPATCH["RoleDetailList"](inv, kept, source, source)
    DISPATCH["Policies"](inv, policies, source, source)
    inv.issues.extend(reader.issues)
    inv.warnings.extend(reader.warnings)
    if not reader.denied:
        inv.warnings.extend(f"role {arn} was not found in the account read: its permissions are UNKNOWN"
                            for name, arn in sorted(wanted.items()) if name not in seen)
    inv.api_calls += sum(reader.calls.values())
    return inv


def fill_external_roles(inv: Inventory, profile: str | None, region: str, endpoint_url: str | None) -> set[str]:
    """Templates + ``--live``: read the external roles of :func:`external_role_arns` live and merge them into
    ``inv`` (:func:`merge_account`); returns the ids taken from the account."""
    arns = external_role_arns(inv)
    return merge_account(inv, live_roles(arns, profile, region, endpoint_url)) if arns else set()


SsmLookup = Callable[[str], "str | None"]

__all__ = ["DeployedStack", "IamResponses", "LiveSsm", "NO_ECHO_MASK", "SUPPORT_TABLES", "deployed_stack",
           "external_role_arns", "fill_external_roles", "iam_from_dir", "live_roles", "live_ssm",
           "load_account_dir", "merge_account", "ssm_values_by_region", "ssm_values_from_dir",
           "stack_parameter_items", "AccountSsm"]
