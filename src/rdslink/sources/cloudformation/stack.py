"""Evaluate one CloudFormation stack offline: parameters, conditions, intrinsic functions, nested stacks.

The evaluator "deploys on paper": every resource gets a deterministic synthetic physical id (``subnet-<hash>``,
``<db>.cluster-<hash>.<region>.rds.amazonaws.com``, ``arn:aws:rds:...:db-proxy:prx-<hash>``), so Ref/GetAtt
results are plain strings that flow through Sub/Join/Split/Select exactly as CloudFormation would, and the
model builder can match them back to resources. Whatever the inputs do not determine becomes an
:class:`Unresolved` marker naming what would decide it.

Follows the CloudFormation intrinsic function reference:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
from dataclasses import dataclass, field
from typing import Any

from ...model.values import PLACEHOLDER_ACCOUNT_ID, Unresolved
from ..errors import InputError
from ..secrets import register_secret
from .decode import kind_of, line_of


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NOVALUE = _NoValue()

#: ``AWS::AccountId`` when no input states the account: a placeholder (the documentation's example account).
ACCOUNT_ID = PLACEHOLDER_ACCOUNT_ID
PARTITION = "aws"
#: Region prefix -> partition, and partition -> ``AWS::URLSuffix`` (AWS General Reference, "ARN formats"
#: and the partitions of botocore's endpoints data). Longest prefix first.
_PARTITIONS = (("eusc-", "aws-eusc"), ("us-isob-", "aws-iso-b"), ("us-isof-", "aws-iso-f"), ("eu-isoe-", "aws-iso-e"),
               ("us-iso-", "aws-iso"), ("us-gov-", "aws-us-gov"), ("cn-", "aws-cn"))
_URL_SUFFIX = {"aws": "amazonaws.com", "aws-cn": "amazonaws.com.cn", "aws-us-gov": "amazonaws.com",
               "aws-iso": "c2s.ic.gov", "aws-iso-b": "sc2s.sgov.gov", "aws-iso-e": "cloud.adc-e.uk",
               "aws-iso-f": "csp.hci.ic.gov", "aws-eusc": "amazonaws.eu"}


def partition_of(region: str) -> str:
    """``AWS::Partition`` of a Region name (``aws-cn`` for ``cn-north-1``, ``aws-us-gov`` for
    ``us-gov-west-1``, ...; ``aws`` otherwise)."""
    return next((p for prefix, p in _PARTITIONS if region.startswith(prefix)), PARTITION)


def url_suffix(partition: str) -> str:
    """``AWS::URLSuffix`` of a partition (``amazonaws.com.cn`` in China)."""
    return _URL_SUFFIX.get(partition, "amazonaws.com")

_SUB_RE = re.compile(r"\$\{([^}]*)\}")


class CycleError(Exception):
    """A Ref/GetAtt/output dependency cycle; carries the chain for the error message."""

    def __init__(self, chain: list[str]) -> None:
        self.chain = chain
        super().__init__(" -> ".join(chain))


def short_hash(*parts: str, n: int = 17) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:n]


def stringify(value: Any) -> Any:
    """CloudFormation scalar semantics: YAML booleans are the strings "true"/"false", numbers are strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def is_no_echo(decl: Any) -> bool:
    """Whether a parameter declaration has ``NoEcho: true`` (boolean or string)."""
    return isinstance(decl, dict) and str(stringify(decl.get("NoEcho", False))).lower() == "true"


def path_to(root: Any, target: Any) -> str:
    """Dotted path of the node ``target`` (by identity) inside ``root`` (``Resources.Fn.Properties.Role``), or
    "" when it is not found. Used only to word errors."""
    stack: list[tuple[Any, str]] = [(root, "")]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node))
    return ""


def first_unresolved(values: Any) -> Unresolved | None:
    if isinstance(values, Unresolved):
        return values
    if isinstance(values, list):
        for v in values:
            u = first_unresolved(v)
            if u:
                return u
    return None


@dataclass
class DanglingRef:
    """A Ref/GetAtt/DependsOn to a resource that does not exist under the evaluated conditions (RL004)."""

    stack: str
    source: str
    target: str
    where: str


@dataclass
class Stack:
    """One template instance.

    Attributes:
        loader: the owning :class:`TemplateLoader` (cross-input imports, nested templates, issues).
        input_name: the top-level input (as given on the command line).
        path: file this template was read from.
        template: decoded (and transformed) template.
        prefix: qualified-id prefix: ``""`` for a top-level input, ``"Parent/"`` for nested stacks.
        param_values: parameter name -> raw value (str/list) or a zero-argument callable giving it lazily.
        stack_name: value of AWS::StackName (a token for top-level inputs, unified later with imports).
        env_account / env_region: the stack's environment when an input states it (a cloud assembly's
            ``aws://ACCOUNT/REGION``); None: the loader's Region and placeholder account (:data:`ACCOUNT_ID`).
    """

    loader: Any  # the owning TemplateLoader (not imported: loader.py imports this module)
    input_name: str
    path: str
    template: dict[str, Any]
    prefix: str
    param_values: dict[str, Any]
    stack_name: str
    original: dict[str, Any] | None = None
    env_account: str | None = None
    env_region: str | None = None
    _cond_cache: dict[str, Any] = field(default_factory=dict)
    _param_cache: dict[str, Any] = field(default_factory=dict)
    _props_cache: dict[str, Any] = field(default_factory=dict)
    _children: dict[str, Stack | None] = field(default_factory=dict)
    _outputs_cache: dict[str, Any] = field(default_factory=dict)

    # ---- basics --------------------------------------------------------------------------------------

    @property
    def resources(self) -> dict[str, Any]:
        return self.template.get("Resources") or {}

    @property
    def region(self) -> str:
        """``AWS::Region``: the stack's environment Region, else the loader's (``--region``)."""
        return self.env_region or str(self.loader.region)

    @property
    def account_id(self) -> str:
        """``AWS::AccountId``: the stack's environment account, else the placeholder :data:`ACCOUNT_ID`."""
        return self.env_account or ACCOUNT_ID

    @property
    def partition(self) -> str:
        """``AWS::Partition`` of the stack's Region (:func:`partition_of`)."""
        return partition_of(self.region)

    def qid(self, logical: str) -> str:
        return self.prefix + logical

    def where(self, node: Any = None, logical: str | None = None) -> str:
        line = line_of(node) if node is not None else None
        if line is None and logical is not None:
            line = self.line_of_resource(logical)
        return f"{self.path}:{line}" if line else self.path

    def line_of_resource(self, logical: str) -> int | None:
        """Line of a resource; for SAM-generated ones, the line of the SAM resource they came from."""
        res = self.resources.get(logical)
        line = line_of(res)
        orig = (self.original or {}).get("Resources") or {}
        if logical in orig:
            return line_of(orig[logical]) or line
        best = ""
        for name in orig:
            if logical.startswith(name) and len(name) > len(best):
                best = name
        if best:
            return line_of(orig[best])
        return line

    def resource_type(self, logical: str) -> str:
        res = self.resources.get(logical)
        return str(res.get("Type", "")) if isinstance(res, dict) else ""

    def key(self, *parts: str) -> str:
        return "|".join((self.input_name, self.prefix) + parts)

    # ---- parameters ----------------------------------------------------------------------------------

    def parameter(self, name: str) -> Any:
        if name in self._param_cache:
            return self._param_cache[name]
        guard = ("param", self.key(name))
        with self.loader.guard(guard, f"{self.prefix}Parameters.{name}"):
            value = self._parameter(name)
        self._param_cache[name] = value
        if isinstance(value, Unresolved):
            self.loader.add_issue("RL002", (value.name,), value.reason, self.input_name)
        return value

    def _parameter(self, name: str) -> Any:
        decl = (self.template.get("Parameters") or {}).get(name) or {}
        ptype = str(decl.get("Type", "String")) if isinstance(decl, dict) else "String"
        is_ssm = ptype.startswith("AWS::SSM::Parameter::Value<")
        inner = ptype[len("AWS::SSM::Parameter::Value<"):-1] if is_ssm else ptype
        is_list = inner.startswith("List<") or inner == "CommaDelimitedList"
        if name in self.param_values:
            raw = self.param_values[name]
            if callable(raw):
                raw = raw()
        elif isinstance(decl, dict) and "Default" in decl and not is_ssm:
            raw = decl["Default"]
        elif is_ssm and isinstance(decl, dict) and "Default" in decl and (
                written := self.loader.ssm_value(str(stringify(decl["Default"])), self)) is not None:
            raw = written  # an AWS::SSM::Parameter of the inputs writes this name
        elif is_ssm and isinstance(decl, dict) and "Default" in decl:
            return Unresolved(
                self.prefix + name if self.prefix else name,
                f"SSM parameter {decl['Default']} is read at deploy time (type {ptype}) and no input writes it "
                f"(AWS::SSM::Parameter); pass --parameter {name}=VALUE or a bindings file, the template that writes "
                "it, or --account DIR/--live",
            )
        else:
            return Unresolved(
                self.prefix + name if self.prefix else name,
                f"parameter {name} has no value and no Default ({self.where(decl)}); "
                f"pass --parameter {name}=VALUE or a bindings file",
            )
        raw = stringify(raw)
        if isinstance(raw, Unresolved):
            return raw
        if isinstance(decl, dict) and is_no_echo(decl):
            register_secret(raw)
        if is_list:
            if isinstance(raw, list):
                return [stringify(x) for x in raw]
            text = str(raw)
            return [x.strip() for x in text.split(",")] if text != "" else []
        if isinstance(raw, list):
            return ",".join(str(stringify(x)) for x in raw)
        return raw

    # ---- conditions ----------------------------------------------------------------------------------

    def condition(self, name: Any) -> bool | Unresolved:
        if name is None or name == "":
            return True  # C6: Condition '' is no condition
        name = str(name)
        if name in self._cond_cache:
            return self._cond_cache[name]  # type: ignore[no-any-return]
        conds = self.template.get("Conditions") or {}
        if name not in conds:
            self.loader.add_issue(
                "RL004",
                (self.qid(name),),
                f"condition {name} is used but not defined ({self.path})",
                self.input_name,
                "error",
            )
            return Unresolved(name, "undefined condition")
        with self.loader.guard(("cond", self.key(name)), f"{self.prefix}Conditions.{name}"):
            value = self._eval_condition(conds[name])
        self._cond_cache[name] = value
        return value

    def _eval_condition(self, node: Any) -> bool | Unresolved:
        if isinstance(node, dict) and len(node) == 1:
            fn, arg = next(iter(node.items()))
            if fn == "Condition":
                if not isinstance(arg, str):
                    raise self.shape_error(fn, "a condition name", node, arg)
                return self.condition(arg)
            if fn == "Fn::Equals":
                if not isinstance(arg, list) or len(arg) != 2:
                    raise self.shape_error(fn, "a list of two values", node, arg)
                a, b = (stringify(self.resolve(x)) for x in arg)
                if isinstance(a, Unresolved):
                    return a
                if isinstance(b, Unresolved):
                    return b
                return str(a) == str(b) if not isinstance(a, list) and not isinstance(b, list) else a == b
            if fn in ("Fn::And", "Fn::Or"):
                if not isinstance(arg, list) or not 2 <= len(arg) <= 10:
                    raise self.shape_error(fn, "a list of 2 to 10 conditions", node, arg)
                vals = [self._eval_condition(x) for x in arg]
                known = [v for v in vals if isinstance(v, bool)]
                if fn == "Fn::And":
                    if False in known:
                        return False
                else:
                    if True in known:
                        return True
                unknown = [v for v in vals if isinstance(v, Unresolved)]
                if unknown:
                    return unknown[0]
                return fn == "Fn::And"
            if fn == "Fn::Not":
                if not isinstance(arg, list) or len(arg) != 1:
                    raise self.shape_error(fn, "a list of one condition", node, arg)
                v = self._eval_condition(arg[0])
                return v if isinstance(v, Unresolved) else not v
        value = self.resolve(node)
        if isinstance(value, Unresolved):
            return value
        if isinstance(value, (dict, list)):
            raise self.shape_error("a condition", "a condition function or a boolean", node, value)
        return str(stringify(value)).lower() == "true"

    def shape_error(self, fn: str, want: str, node: Any, arg: Any) -> InputError:
        """The error for an intrinsic function whose argument has the wrong shape (CloudFormation rejects the
        template with "Template error: ... "): names the file, line, JSON path and the function."""
        where = path_to(self.template, node)
        return InputError(self.path, f"{where + ': ' if where else ''}{fn} needs {want}, got {kind_of(arg)}",
                          line_of(node))

    def exists(self, logical: str) -> bool | Unresolved:
        """Whether a resource of this template is created under the evaluated conditions."""
        res = self.resources.get(logical)
        if not isinstance(res, dict):
            return False
        return self.condition(res.get("Condition"))

    # ---- synthetic physical ids ----------------------------------------------------------------------

    def ref_resource(self, logical: str, origin: str = "") -> Any:
        """Value of ``Ref`` to a resource (its synthetic physical id)."""
        present = self.exists(logical)
        if present is False:
            self.loader.dangling.append(DanglingRef(self.input_name, origin, self.qid(logical), self.path))
            return Unresolved(self.qid(logical), f"resource {logical} is not created under the evaluated conditions")
        rtype = self.resource_type(logical)
        return self.physical(logical, rtype)

    def physical(self, logical: str, rtype: str) -> Any:
        """Synthetic physical id (the value of ``Ref``) of a resource; names given in properties are used."""
        with self.loader.guard(("phys", self.key(logical)), self.qid(logical)):
            return self._physical(logical, rtype)

    def _physical(self, logical: str, rtype: str) -> Any:
        h = short_hash(self.input_name, self.qid(logical))
        region = self.region
        props = self.resources[logical].get("Properties") or {}
        simple = {
            "AWS::EC2::VPC": "vpc",
            "AWS::EC2::Subnet": "subnet",
            "AWS::EC2::SecurityGroup": "sg",
            "AWS::EC2::RouteTable": "rtb",
            "AWS::EC2::NetworkAcl": "acl",
            "AWS::EC2::InternetGateway": "igw",
            "AWS::EC2::NatGateway": "nat",
            "AWS::EC2::VPCEndpoint": "vpce",
            "AWS::EC2::VPCPeeringConnection": "pcx",
            "AWS::EC2::TransitGateway": "tgw",
            "AWS::EC2::TransitGatewayAttachment": "tgw-attach",
            "AWS::EC2::TransitGatewayVpcAttachment": "tgw-attach",
            "AWS::EC2::EIP": "eipalloc",
            "AWS::EC2::PrefixList": "pl",
            "AWS::EC2::SecurityGroupIngress": "sgr",
            "AWS::EC2::SecurityGroupEgress": "sgr",
        }
        if rtype in simple:
            return f"{simple[rtype]}-{h}"
        if rtype == "AWS::Lambda::Function":
            return self._named(logical, "FunctionName", h, max_len=64)
        if rtype == "AWS::IAM::Role":
            return self._named(logical, "RoleName", h, max_len=64)
        if rtype == "AWS::IAM::ManagedPolicy":
            name = self._named(logical, "ManagedPolicyName", h, max_len=128)
            if isinstance(name, Unresolved):
                return name
            return f"arn:{self.partition}:iam::{self.account_id}:policy/{name}"
        if rtype == "AWS::SecretsManager::Secret":
            name = self._named(logical, "Name", h, max_len=256)
            if isinstance(name, Unresolved):
                return name
            return f"arn:{self.partition}:secretsmanager:{region}:{self.account_id}:secret:{name}-{h[:6]}"
        if rtype in ("AWS::RDS::DBInstance",):
            return self._named(logical, "DBInstanceIdentifier", h, lower=True, max_len=63)
        if rtype == "AWS::RDS::DBCluster":
            return self._named(logical, "DBClusterIdentifier", h, lower=True, max_len=63)
        if rtype == "AWS::RDS::DBSubnetGroup":
            return self._named(logical, "DBSubnetGroupName", h, lower=True, max_len=255)
        if rtype in ("AWS::RDS::DBParameterGroup", "AWS::RDS::DBClusterParameterGroup"):
            return self._named(logical, rtype.split("::")[-1] + "Name", h, lower=True, max_len=255)
        if rtype == "AWS::RDS::DBProxy":
            return self._named(logical, "DBProxyName", h, lower=True, max_len=63)
        if rtype == "AWS::RDS::DBProxyEndpoint":
            return self._named(logical, "DBProxyEndpointName", h, lower=True, max_len=63)
        if rtype == "AWS::CloudFormation::Stack":
            return f"arn:{self.partition}:cloudformation:{region}:{self.account_id}:stack/{self.qid(logical).replace('/', '-')}/{h}"
        if rtype == "AWS::KMS::Key":
            return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{short_hash(h, n=4)}-{short_hash(h, 'k', n=12)}"
        if rtype == "AWS::KMS::Alias":
            name = self._named(logical, "AliasName", h)
            return name
        if rtype == "AWS::SecretsManager::SecretTargetAttachment":
            # Ref returns the ARN of the secret it attaches (CloudFormation reference, return values)
            if isinstance(props, dict) and "SecretId" in props:
                return self.resolve(props["SecretId"], origin=logical)
            return f"{logical}-{h}"
        kind = rtype.split("::")[-1].lower() if rtype else "resource"
        return f"{kind}-{h}"

    def _named(self, logical: str, prop: str, h: str, lower: bool = False, max_len: int = 63) -> Any:
        props = self.resources[logical].get("Properties") or {}
        if isinstance(props, dict) and prop in props:
            v = stringify(self.resolve(props[prop], origin=logical))
            if isinstance(v, Unresolved) or v is NOVALUE:
                return v if isinstance(v, Unresolved) else self._gen_name(logical, h, lower, max_len)
            return str(v).lower() if lower else str(v)
        return self._gen_name(logical, h, lower, max_len)

    def _gen_name(self, logical: str, h: str, lower: bool, max_len: int) -> str:
        base = f"{self.qid(logical).replace('/', '-')}-{h[:12]}"
        base = base[:max_len]
        return base.lower() if lower else base

    def get_att(self, logical: str, attr: str, origin: str = "") -> Any:
        """Value of ``Fn::GetAtt [logical, attr]``."""
        present = self.exists(logical)
        if present is False:
            self.loader.dangling.append(DanglingRef(self.input_name, origin, self.qid(logical), self.path))
            return Unresolved(self.qid(logical), f"resource {logical} is not created under the evaluated conditions")
        rtype = self.resource_type(logical)
        h = short_hash(self.input_name, self.qid(logical))
        region = self.region
        ref = self.physical(logical, rtype)
        props = self.resources[logical].get("Properties") or {}

        def prop(name: str) -> Any:
            return self.resolve(props.get(name), origin=logical) if name in props else None

        if rtype == "AWS::CloudFormation::Stack" and attr.startswith("Outputs."):
            child = self.child(logical)
            out_name = attr.split(".", 1)[1]
            if child is None:
                return Unresolved(f"{self.qid(logical)}.{attr}", "nested stack template is not available")
            return child.output(out_name, origin=f"{self.qid(logical)}.{attr}")
        if rtype == "AWS::EC2::VPC":
            if attr == "CidrBlock":
                return prop("CidrBlock")
            if attr == "DefaultSecurityGroup":
                return f"sg-{short_hash(self.input_name, self.qid(logical), 'default-sg')}"
            if attr == "DefaultNetworkAcl":
                return f"acl-{short_hash(self.input_name, self.qid(logical), 'default-acl')}"
            if attr == "VpcId":
                return ref
            if attr == "CidrBlockAssociations":
                return [f"vpc-cidr-assoc-{h}"]
        if rtype == "AWS::EC2::Subnet":
            if attr == "AvailabilityZone":
                az = prop("AvailabilityZone")
                return az if az is not None else Unresolved(f"{self.qid(logical)}.AvailabilityZone", "AZ chosen by EC2")
            if attr == "VpcId":
                return prop("VpcId")
            if attr == "CidrBlock":
                return prop("CidrBlock")
            if attr == "SubnetId":
                return ref
        if rtype == "AWS::EC2::SecurityGroup":
            if attr == "GroupId":
                return ref
            if attr == "VpcId":
                return prop("VpcId")
        if rtype == "AWS::Lambda::Function" and attr == "Arn":
            return ref if isinstance(ref, Unresolved) else f"arn:{self.partition}:lambda:{region}:{self.account_id}:function:{ref}"
        if rtype == "AWS::IAM::Role":
            if attr == "Arn":
                if isinstance(ref, Unresolved):
                    return ref
                path = prop("Path") or "/"
                path = path if isinstance(path, str) else "/"
                return f"arn:{self.partition}:iam::{self.account_id}:role{path}{ref}"
            if attr == "RoleId":
                return f"AROA{h.upper()}"
        if rtype == "AWS::RDS::DBInstance":
            if attr == "Endpoint.Address":
                return ref if isinstance(ref, Unresolved) else f"{ref}.c{h[:12]}.{region}.rds.amazonaws.com"
            if attr == "Endpoint.Port":
                return self.loader.db_port(self, logical)
            if attr == "DbiResourceId":
                return f"db-{h.upper()[:26]}"
            if attr == "DBInstanceArn":
                return f"arn:{self.partition}:rds:{region}:{self.account_id}:db:{ref}"
        if rtype == "AWS::RDS::DBCluster":
            if attr == "Endpoint.Address":
                return ref if isinstance(ref, Unresolved) else f"{ref}.cluster-c{h[:12]}.{region}.rds.amazonaws.com"
            if attr == "ReadEndpoint.Address":
                return ref if isinstance(ref, Unresolved) else f"{ref}.cluster-ro-c{h[:12]}.{region}.rds.amazonaws.com"
            if attr == "Endpoint.Port":
                return self.loader.db_port(self, logical)
            if attr == "DBClusterArn":
                return f"arn:{self.partition}:rds:{region}:{self.account_id}:cluster:{ref}"
            if attr == "DBClusterResourceId":
                return f"cluster-{h.upper()[:26]}"
            if attr == "MasterUserSecret.SecretArn":
                return f"arn:{self.partition}:secretsmanager:{region}:{self.account_id}:secret:rds!cluster-{h[:12]}-{h[:6]}"
        if rtype == "AWS::RDS::DBProxy":
            if attr == "Endpoint":
                return ref if isinstance(ref, Unresolved) else f"{ref}.proxy-c{h[:12]}.{region}.rds.amazonaws.com"
            if attr == "DBProxyArn":
                return f"arn:{self.partition}:rds:{region}:{self.account_id}:db-proxy:prx-{h}"
            if attr == "VpcId":
                return Unresolved(f"{self.qid(logical)}.VpcId", "derived from the proxy subnets")
        if rtype == "AWS::RDS::DBProxyEndpoint":
            if attr == "Endpoint":
                return ref if isinstance(ref, Unresolved) else f"{ref}.endpoint.proxy-c{h[:12]}.{region}.rds.amazonaws.com"
            if attr == "DBProxyEndpointArn":
                return f"arn:{self.partition}:rds:{region}:{self.account_id}:db-proxy-endpoint:prx-endpoint-{h}"
        if rtype == "AWS::KMS::Key":
            if attr == "Arn":
                return f"arn:{self.partition}:kms:{region}:{self.account_id}:key/{ref}"
            if attr == "KeyId":
                return ref
        if rtype == "AWS::SecretsManager::Secret" and attr in ("Id", "Arn"):
            return ref
        if rtype == "AWS::IAM::ManagedPolicy" and attr == "PolicyArn":
            return ref
        if rtype == "AWS::EC2::VPCEndpoint" and attr == "Id":
            return ref
        if attr == "Arn":
            return f"arn:{self.partition}:{rtype.split('::')[1].lower() if '::' in rtype else 'x'}:{region}:{self.account_id}:{ref}"
        return Unresolved(f"{self.qid(logical)}.{attr}", f"attribute {attr} of {rtype} is only known after deploy")

    # ---- nested stacks -------------------------------------------------------------------------------

    def child(self, logical: str) -> Stack | None:
        if logical in self._children:
            return self._children[logical]
        self._children[logical] = None
        child = self.loader.nested_stack(self, logical)
        self._children[logical] = child
        return child

    def output(self, name: str, origin: str = "") -> Any:
        if name in self._outputs_cache:
            return self._outputs_cache[name]
        outputs = self.template.get("Outputs") or {}
        out = outputs.get(name)
        if not isinstance(out, dict):
            value: Any = Unresolved(f"{self.prefix}Outputs.{name}", f"output {name} does not exist in {self.path}")
            self.loader.dangling.append(DanglingRef(self.input_name, origin, f"{self.prefix}Outputs.{name}", self.path))
        else:
            cond = self.condition(out.get("Condition"))
            if cond is False:
                value = Unresolved(f"{self.prefix}Outputs.{name}", f"output {name} is not created (condition false)")
                self.loader.dangling.append(
                    DanglingRef(self.input_name, origin, f"{self.prefix}Outputs.{name}", self.path)
                )
            else:
                with self.loader.guard(("out", self.key(name)), f"{self.prefix}Outputs.{name}"):
                    value = self.resolve(out.get("Value"), origin=f"Outputs.{name}")
        self._outputs_cache[name] = value
        return value

    # ---- intrinsic functions -------------------------------------------------------------------------

    def props(self, logical: str) -> dict[str, Any]:
        """Fully resolved Properties of a resource (cached)."""
        if logical in self._props_cache:
            return self._props_cache[logical]  # type: ignore[no-any-return]
        res = self.resources.get(logical) or {}
        node = res.get("Properties") or {}
        if self.resource_type(logical) == "AWS::CloudFormation::StackSet" and isinstance(node, dict):
            body = node.get("TemplateBody")
            if isinstance(body, dict) and not (len(body) == 1 and str(next(iter(body), "")).startswith(("Fn::", "Ref"))):
                # an inline child template written as a mapping: its Refs are the child's, not this stack's
                node = {k: v for k, v in node.items() if k != "TemplateBody"}
        with self.loader.guard(("props", self.key(logical)), self.qid(logical)):
            value = self.resolve(node, origin=logical)
        if not isinstance(value, dict):
            value = {}
        self._props_cache[logical] = value
        return value

    def pseudo(self, name: str) -> Any:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": url_suffix(self.partition),
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/x",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NOVALUE,
        }.get(name, Unresolved(name, "unknown pseudo parameter"))

    def ref(self, name: str, origin: str = "") -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in (self.template.get("Parameters") or {}):
            return self.parameter(name)
        if name in self.resources:
            return self.ref_resource(name, origin)
        self.loader.dangling.append(DanglingRef(self.input_name, origin, self.qid(name), self.path))
        return Unresolved(self.qid(name), f"Ref to {name}, which is neither a parameter nor a resource")

    def resolve(self, node: Any, origin: str = "") -> Any:
        """Resolve every intrinsic function in ``node``; AWS::NoValue entries are dropped from lists/maps."""
        if isinstance(node, dict):
            if len(node) == 1:
                fn, arg = next(iter(node.items()))
                is_fn = fn == "Ref" or (isinstance(fn, str) and fn.startswith("Fn::"))
                if is_fn or (fn == "Condition" and isinstance(arg, str)):
                    return self._fn(str(fn), arg, node, origin)
            out = {}
            for k, v in node.items():
                r = self.resolve(v, origin)
                if r is not NOVALUE:
                    out[str(k)] = r
            return out
        if isinstance(node, list):
            items = [self.resolve(v, origin) for v in node]
            return [i for i in items if i is not NOVALUE]
        if isinstance(node, str):
            if "{{resolve:ssm:" in node:
                return self.loader.ssm_dynamic(str(node), self)
            return str(node)
        return node

    def _fn(self, fn: str, arg: Any, node: Any, origin: str) -> Any:  # noqa: C901 - a dispatch table
        """Evaluate one intrinsic function. Argument shapes are checked as CloudFormation checks them
        (intrinsic function reference); a wrong shape raises :class:`InputError` via :meth:`shape_error`."""
        bad = self.shape_error
        if fn == "Ref":
            if not isinstance(arg, str):
                raise bad(fn, "a parameter or resource name", node, arg)
            return self.ref(arg, origin)
        if fn == "Condition":
            return self.condition(arg)
        if fn == "Fn::GetAtt":
            if isinstance(arg, str):
                logical, _, attr = arg.partition(".")
            elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
                logical = arg[0]
                attr_v = self.resolve(arg[1], origin)
                if isinstance(attr_v, Unresolved):
                    return attr_v
                if not isinstance(attr_v, (str, int)) or isinstance(attr_v, bool):
                    raise bad(fn, "[LogicalId, AttributeName]", node, attr_v)
                attr = str(attr_v)
            else:
                raise bad(fn, '[LogicalId, AttributeName] or "LogicalId.AttributeName"', node, arg)
            if logical not in self.resources:
                self.loader.dangling.append(DanglingRef(self.input_name, origin, self.qid(logical), self.path))
                return Unresolved(self.qid(logical), f"GetAtt on {logical}, which is not a resource")
            return self.get_att(logical, attr, origin)
        if fn == "Fn::Sub":
            if isinstance(arg, list):
                if not 1 <= len(arg) <= 2 or (len(arg) == 2 and not isinstance(arg[1], dict)):
                    raise bad(fn, "a string, or [string, {Name: value}]", node, arg[1] if len(arg) == 2 else arg)
                text, variables = arg[0], (arg[1] if len(arg) > 1 else {})
            else:
                text, variables = arg, {}
            return self._sub(text, variables, origin, node)
        if fn in ("Fn::Join", "Fn::Split", "Fn::Select"):
            if not isinstance(arg, list) or len(arg) != 2:
                want = {"Fn::Join": "[delimiter, [values]]", "Fn::Split": "[delimiter, string]",
                        "Fn::Select": "[index, [values]]"}[fn]
                raise bad(fn, want, node, arg)
        if fn == "Fn::Join":
            sep = self.resolve(arg[0], origin)
            items = self.resolve(arg[1], origin)
            u = first_unresolved(items) or (sep if isinstance(sep, Unresolved) else None)
            if u:
                return u
            if not isinstance(sep, str):
                raise bad(fn, "a string delimiter", node, sep)
            if not isinstance(items, list) or any(isinstance(x, (list, dict)) for x in items):
                raise bad(fn, "a list of strings to join", node, items)
            joined = sep.join(str(stringify(x)) for x in items)
            return self.loader.ssm_dynamic(joined, self) if "{{resolve:ssm:" in joined else joined
        if fn == "Fn::Split":
            sep = self.resolve(arg[0], origin)
            src = self.resolve(arg[1], origin)
            if isinstance(src, Unresolved):
                return src
            if isinstance(sep, Unresolved):
                return sep
            if not isinstance(sep, str) or not sep:
                raise bad(fn, "a non-empty string delimiter", node, sep)
            if isinstance(src, (list, dict)):
                raise bad(fn, "a string to split", node, src)
            return str(stringify(src)).split(sep)
        if fn == "Fn::Select":
            index = self.resolve(arg[0], origin)
            items = self.resolve(arg[1], origin)
            if isinstance(index, Unresolved):
                return index
            try:
                i = int(str(stringify(index)))
            except ValueError:
                raise bad(fn, "an integer index", node, index) from None
            if isinstance(items, Unresolved):
                return Unresolved(items.name, items.reason, index=i)
            if not isinstance(items, list) or not 0 <= i < len(items):
                return Unresolved(f"{origin}.Fn::Select[{i}]", "Fn::Select index out of range")
            return items[i]
        if fn == "Fn::GetAZs":
            region = self.resolve(arg, origin)
            if isinstance(region, Unresolved):
                return region
            if not isinstance(region, str):
                raise bad(fn, "a Region name or \"\"", node, region)
            region = region or self.region
            return [f"{region}{c}" for c in "abcdef"]
        if fn == "Fn::FindInMap":
            if not isinstance(arg, list) or len(arg) not in (3, 4) or (
                    len(arg) == 4 and not (isinstance(arg[3], dict) and "DefaultValue" in arg[3])):
                raise bad(fn, "[MapName, TopLevelKey, SecondLevelKey] (+ {DefaultValue: ...})", node, arg)
            default = arg[3]["DefaultValue"] if len(arg) == 4 else None
            keys = [self.resolve(a, origin) for a in arg[:3]]
            u = first_unresolved(keys)
            if u:
                return u
            if any(isinstance(k, (list, dict)) for k in keys):
                raise bad(fn, "string keys", node, next(k for k in keys if isinstance(k, (list, dict))))
            mapping = _lookup(self.template.get("Mappings") or {}, keys[0])
            top = _lookup(mapping, keys[1])
            leaf = _lookup(top, keys[2], missing=_MISSING)
            if leaf is not _MISSING:
                return stringify(self.resolve(leaf, origin))
            if default is not None:
                return self.resolve(default, origin)
            return Unresolved(".".join(str(k) for k in keys), "Fn::FindInMap key not found")
        if fn == "Fn::If":
            if not isinstance(arg, list) or len(arg) != 3 or not isinstance(arg[0], str):
                raise bad(fn, "[ConditionName, value_if_true, value_if_false]", node, arg)
            cond = self.condition(arg[0])
            if isinstance(cond, Unresolved):
                return cond
            return self.resolve(arg[1] if cond else arg[2], origin)
        if fn in ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not"):
            return self._eval_condition(node)
        if fn == "Fn::ImportValue":
            name = self.resolve(arg, origin)
            if isinstance(name, Unresolved):
                return name
            if isinstance(name, (list, dict)):
                raise bad(fn, "an export name", node, name)
            return self.loader.import_value(str(name), self, origin)
        if fn == "Fn::Base64":
            return self.resolve(arg, origin)
        if fn == "Fn::Cidr":
            if not isinstance(arg, list) or len(arg) != 3:
                raise bad(fn, "[ipBlock, count, cidrBits]", node, arg)
            block, count, bits = (self.resolve(a, origin) for a in arg)
            u = first_unresolved([block, count, bits])
            if u:
                return u
            try:
                net = ipaddress.ip_network(str(block), strict=False)
                n = int(str(count))
                if not 1 <= n <= 256:  # CloudFormation: count is 1-256
                    raise ValueError(n)
                new_prefix = net.max_prefixlen - int(str(bits))
                subnets = net.subnets(new_prefix=new_prefix)
                return [str(next(subnets)) for _ in range(n)]
            except (ValueError, StopIteration):
                return Unresolved(str(block), "Fn::Cidr arguments invalid")
        if fn == "Fn::Length":
            v = self.resolve(arg, origin)
            return v if isinstance(v, Unresolved) else len(v) if isinstance(v, list) else 1
        if fn == "Fn::ToJsonString":
            return Unresolved(origin or "Fn::ToJsonString", "Fn::ToJsonString is not evaluated")
        return Unresolved(fn, f"intrinsic function {fn} is not supported")

    def _sub(self, text: Any, variables: dict[str, Any], origin: str, node: Any = None) -> Any:
        text = self.resolve(text, origin)
        if isinstance(text, Unresolved):
            return text
        if not isinstance(text, str):
            raise self.shape_error("Fn::Sub", "a string", node, text)
        resolved_vars = {str(k): self.resolve(v, origin) for k, v in (variables or {}).items()}
        failed: list[Unresolved] = []

        def repl(m: re.Match[str]) -> str:
            expr = m.group(1)
            if expr.startswith("!"):
                return "${" + expr[1:] + "}"
            if expr in resolved_vars:
                v = resolved_vars[expr]
            elif "." in expr and expr.split(".", 1)[0] in self.resources:
                logical, attr = expr.split(".", 1)
                v = self.get_att(logical, attr, origin)
            else:
                v = self.ref(expr, origin)
            v = stringify(v)
            if isinstance(v, Unresolved):
                failed.append(v)
                return ""
            if isinstance(v, list):
                return ",".join(str(x) for x in v)
            return str(v)

        out = _SUB_RE.sub(repl, text)
        if failed:
            return failed[0]
        return self.loader.ssm_dynamic(out, self) if "{{resolve:ssm:" in out else out


_MISSING = object()


def _lookup(mapping: Any, key: Any, missing: Any = None) -> Any:
    """Mapping look-up with CloudFormation's string semantics: YAML keys read as booleans or numbers
    (``true:``, ``123456789012:``) match their string form."""
    if not isinstance(mapping, dict):
        return missing
    want = str(stringify(key))
    for k, v in mapping.items():
        if str(stringify(k)) == want:
            return v
    return missing


def local_template_path(base_file: str, url: Any) -> str | None:
    """Resolve a nested stack's TemplateURL to a local file next to the parent; None for remote URLs."""
    if not isinstance(url, str) or not url:
        return None
    if url.startswith(("http://", "https://", "s3://")):
        return None
    return os.path.normpath(os.path.join(os.path.dirname(base_file), url))


__all__ = ["NOVALUE", "CycleError", "DanglingRef", "InputError", "Stack", "local_template_path", "stringify"]
