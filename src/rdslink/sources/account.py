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
- the Region's exports (``cloudformation:ListExports``) for ``Fn::ImportValue`` that no input exports.

Only objects that support the template's functions are merged (networks, databases, roles, secrets), never
the account's functions, so the account adds no pairs of its own. The ids taken from the account are returned
so that evidence can say "from the account: ...".
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..model import Inventory
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


def ssm_values_from_dir(directory: str) -> dict[str, str]:
    """SSM parameter values saved in a describe folder: any ``*.json`` whose top level has ``Parameters`` as
    ``ssm get-parameters`` returns them (``[{"Name", "Type", "Value"}]``). SecureString entries are skipped.

    Raises:
        InputError: a file with a ``Parameters`` key that is not valid JSON.
    """
    out: dict[str, str] = {}
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
            for p in params:
                if (isinstance(p, dict) and isinstance(p.get("Name"), str) and isinstance(p.get("Value"), str)
                        and p.get("Type") in ("String", "StringList")):
                    out[p["Name"]] = p["Value"]
    return out


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


SsmLookup = Callable[[str], "str | None"]

__all__ = ["DeployedStack", "LiveSsm", "NO_ECHO_MASK", "SUPPORT_TABLES", "deployed_stack", "live_ssm",
           "merge_account", "ssm_values_from_dir", "stack_parameter_items"]
