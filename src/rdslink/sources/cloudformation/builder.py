"""Turn evaluated stacks into model objects (CloudFormation resource semantics -> EC2/RDS/Lambda/IAM objects).

Implicit objects CloudFormation/EC2 create are added here, as the EC2 User Guide describes them: a VPC's main
route table (local route only), default network ACL (allow all both ways) and default security group
(ingress from itself, egress to everywhere); a new security group without ``SecurityGroupEgress`` (or with an
empty list) gets the default allow-all egress rule.
"""

from __future__ import annotations

import re
from typing import Any

from ... import model as m
from ...model.values import (
    ALL_PORTS,
    as_bool,
    normalise_protocol,
    parse_cidr,
    port_range,
    sg_rule_problem,
)
from ..managed_policies import aws_managed_policies
from ..policy import key_policy_grants_account_only, parse_policy
from ..secrets import looks_like_password_key, register_secret
from .decode import line_of
from .engine_ports import PROXY_FAMILY_PORTS, engine_port
from .stack import NOVALUE, Stack, short_hash, stringify

Unresolved = m.Unresolved
_DYN_SECRET = re.compile(r"\{\{resolve:secretsmanager:(arn:[^:]*:secretsmanager:[^:]*:[^:]*:secret:[^:}]+|[^:}]+)")
_DYN_SSM = re.compile(r"\{\{resolve:ssm(?:-secure)?:([^:}]+)")
#: Properties whose literal string value is a secret (``MasterUserPassword``, ``SecretString``, ``AuthToken``).
_PASSWORD_PROP = re.compile(r"(Password|Passwd|Passphrase|SecretString|PrivateKey|AuthToken)$", re.I)


def _list(v: Any) -> list[Any]:
    if v is None:
        return []
    if isinstance(v, Unresolved):
        return [v]
    return v if isinstance(v, list) else [v]


class NestedListError(ValueError):
    """A list property holds a list (``SubnetIds: [!Ref ListParameter]``): CloudFormation rejects it."""


class PropertyShapeError(ValueError):
    """A property of the wrong type (``Environment: "x"``, ``VpcConfig: [..]``): CloudFormation's resource
    schema validation rejects the template (RL004)."""


def _map(v: Any, what: str) -> dict[str, Any]:
    """A mapping property: absent (None) or unresolved reads as empty.

    Raises:
        PropertyShapeError: ``v`` is a list, string or number.
    """
    if v is None or isinstance(v, Unresolved):
        return {}
    if not isinstance(v, dict):
        raise PropertyShapeError(f"{what} must be a mapping, not {type(v).__name__}")
    return v


def _ids(v: Any) -> tuple[Any, ...] | Unresolved:
    """A list property of ids: an Unresolved whole list stays Unresolved; elements stay as they are.

    Raises:
        NestedListError: an element is itself a list.
    """
    if isinstance(v, Unresolved):
        return v
    if v is None:
        return ()
    items = _list(v)
    if any(isinstance(x, list) for x in items):
        raise NestedListError("a list of ids contains a list")
    return tuple(x if isinstance(x, Unresolved) else str(stringify(x)) for x in items)


def _flatten(items: list[Any]) -> list[Any]:
    """Every non-list element of arbitrarily nested lists, in order."""
    out: list[Any] = []
    stack = [iter(items)]
    while stack:
        for x in stack[-1]:
            if isinstance(x, list):
                stack.append(iter(x))
                break
            out.append(x)
        else:
            stack.pop()
    return out


def _tuple(v: Any) -> tuple[Any, ...]:
    ids = _ids(v)
    return (ids,) if isinstance(ids, Unresolved) else ids


def _str(v: Any) -> Any:
    v = stringify(v)
    if v is None or isinstance(v, (str, Unresolved)):
        return v
    return str(v)


class _Builder:
    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.inv = m.Inventory()
        self.sg_base: dict[str, dict[str, Any]] = {}
        self.rt_base: dict[str, dict[str, Any]] = {}
        self.acl_base: dict[str, dict[str, Any]] = {}
        self.igw_vpcs: dict[str, list[Any]] = {}
        self.igw_prov: dict[str, m.Provenance] = {}
        self.vpc_base: dict[str, dict[str, Any]] = {}
        self.pending_rules: list[tuple[Any, m.SecurityGroupRule]] = []
        self.pending_routes: list[tuple[Any, m.Route]] = []
        self.pending_rt_assoc: list[tuple[Any, Any]] = []
        self.pending_acl_entries: list[tuple[Any, m.NetworkAclEntry]] = []
        self.pending_acl_assoc: list[tuple[Any, Any]] = []
        self.pending_role_policies: list[tuple[list[Any], m.PolicyDocument]] = []
        self.proxy_targets: dict[Any, list[Any]] = {}
        self.secret_targets: dict[Any, list[Any]] = {}
        self.rotations: list[tuple[Any, Any]] = []
        self.functions_raw: list[tuple[Stack, str, dict[str, Any]]] = []
        self.kms_aliases: list[tuple[Any, Any]] = []
        self.tgw_tables: dict[str, dict[str, Any]] = {}
        self.tgw_pending: list[tuple[str, Any, Any]] = []
        self.subnet_public: dict[str, Any] = {}  # subnet id -> MapPublicIpOnLaunch
        self.eip_targets: set[Any] = set()  # instance / ENI ids that an Elastic IP is associated with
        self.eni_attach: list[tuple[Any, Any, str]] = []
        self.instances_raw: list[tuple[str, dict[str, Any], Any]] = []  # (id, fields, AssociatePublicIpAddress)

    # ---- helpers -------------------------------------------------------------------------------------

    def prov(self, stack: Stack, logical: str, path: str = "", node: Any = None) -> m.Provenance:
        line = line_of(node) if node is not None else None
        if line is None:
            res = stack.resources.get(logical) or {}
            meta = res.get("Metadata") if isinstance(res, dict) else None
            if isinstance(meta, dict) and isinstance(meta.get("rdslink:Line"), int):
                line = meta["rdslink:Line"]
            else:
                line = stack.line_of_resource(logical)
        return m.Provenance(
            source=stack.path,
            logical_id=stack.qid(logical),
            path=path or f"Resources.{logical}",
            line=line,
            synthetic_id=True,
            input=stack.input_name,
        )

    def raw_props(self, stack: Stack, logical: str) -> dict[str, Any]:
        res = stack.resources.get(logical) or {}
        p = res.get("Properties") if isinstance(res, dict) else None
        return p if isinstance(p, dict) else {}

    def _shape_issue(self, stack: Stack, logical: str, exc: Exception) -> None:
        self.loader.add_issue(
            "RL004", (stack.qid(logical),),
            f"{stack.qid(logical)} ({stack.where(None, logical)}): {exc}: CloudFormation rejects the template",
            stack.input_name, "error")

    # ---- main ----------------------------------------------------------------------------------------

    def build(self) -> m.Inventory:
        for stack in self.loader.all_stacks:
            for logical in stack.resources:
                _register_literal_secrets(self.raw_props(stack, logical))  # created or not: never printed
                if stack.exists(logical) is False:
                    continue
                rtype = stack.resource_type(logical)
                handler = getattr(self, "_r_" + rtype.replace("::", "_").replace("-", "_"), None)
                if rtype.startswith("AWS::Serverless::"):
                    self.loader.add_issue(
                        "RL004", (stack.qid(logical),),
                        f"{stack.qid(logical)} has type {rtype} but the template does not declare "
                        f"Transform: AWS::Serverless-2016-10-31 ({stack.where(None, logical)}): CloudFormation "
                        "rejects the unknown resource type", stack.input_name, "error")
                if handler is not None:
                    try:
                        handler(stack, logical, stack.props(logical))
                    except NestedListError:
                        self.loader.add_issue(
                            "RL004", (stack.qid(logical),),
                            f"{stack.qid(logical)} ({stack.where(None, logical)}) has a list inside a list of ids "
                            "(e.g. SubnetIds: [!Ref ListParameter]; write SubnetIds: !Ref ListParameter): "
                            "CloudFormation rejects the template", stack.input_name, "error")
                    except PropertyShapeError as exc:
                        self._shape_issue(stack, logical, exc)
                elif rtype.startswith("Custom::") or rtype == "AWS::CloudFormation::CustomResource":
                    self.loader.add_issue(
                        "RL003",
                        (stack.qid(logical),),
                        f"custom resource {stack.qid(logical)} ({rtype}) is not analysed; values it returns are "
                        f"unknown ({stack.where(None, logical)})",
                        stack.input_name,
                        "info",
                    )
                elif rtype == "AWS::Serverless::Application":
                    self.loader.add_issue(
                        "RL003",
                        (stack.qid(logical),),
                        f"serverless application {stack.qid(logical)} is not analysed ({stack.where(None, logical)})",
                        stack.input_name,
                    )
        self._finish()
        return self.inv

    # ---- EC2 -----------------------------------------------------------------------------------------

    def _r_AWS_EC2_VPC(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        vid = stack.ref_resource(logical)
        h = short_hash(stack.input_name, stack.qid(logical))
        pv = self.prov(stack, logical)
        default_sg = stack.get_att(logical, "DefaultSecurityGroup")
        default_acl = stack.get_att(logical, "DefaultNetworkAcl")
        main_rt = f"rtb-main-{h}"
        self.vpc_base[vid] = {
            "cidrs": [parse_cidr(p["CidrBlock"])] if "CidrBlock" in p else [],
            "dns": as_bool(p.get("EnableDnsSupport"), True),
            "hostnames": as_bool(p.get("EnableDnsHostnames"), False),
            "prov": pv,
            "main_rt": main_rt,
            "acl": default_acl,
            "sg": default_sg,
        }
        sg_prov = m.Provenance(pv.source, f"{pv.logical_id}.DefaultSecurityGroup", pv.path, pv.line, True, pv.input)
        self.sg_base[default_sg] = {
            "vpc": vid,
            "name": "default",
            "prov": sg_prov,
            "ingress": [m.SecurityGroupRule("ingress", "-1", ALL_PORTS, sg_prov, group_id=default_sg,
                                            description="default security group: all traffic from itself",
                                            implicit=True)],
            "egress": [m.SecurityGroupRule("egress", "-1", ALL_PORTS, sg_prov, cidr=parse_cidr("0.0.0.0/0"),
                                           description="default security group: all outbound", implicit=True)],
        }
        rt_prov = m.Provenance(pv.source, f"{pv.logical_id}.MainRouteTable", pv.path, pv.line, True, pv.input)
        self.rt_base[main_rt] = {"vpc": vid, "routes": [], "subnets": [], "main": True, "prov": rt_prov}
        acl_prov = m.Provenance(pv.source, f"{pv.logical_id}.DefaultNetworkAcl", pv.path, pv.line, True, pv.input)
        entries = []
        for egress in (False, True):
            for cidr in ("0.0.0.0/0", "::/0"):
                entries.append(m.NetworkAclEntry(100 if cidr == "0.0.0.0/0" else 101, egress, "-1", "allow",
                                                 parse_cidr(cidr), ALL_PORTS, acl_prov))
        self.acl_base[default_acl] = {"vpc": vid, "default": True, "subnets": [], "entries": entries, "prov": acl_prov}

    def _r_AWS_EC2_VPCCidrBlock(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        if "CidrBlock" in p:
            self.vpc_base.setdefault(str(p.get("VpcId")), {"cidrs": []}).setdefault("cidrs", []).append(
                parse_cidr(p["CidrBlock"])
            )

    def _r_AWS_EC2_Subnet(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        sid = stack.ref_resource(logical)
        az = p.get("AvailabilityZone", p.get("AvailabilityZoneId"))
        if az is None:
            az = Unresolved(f"{stack.qid(logical)}.AvailabilityZone", "AZ chosen by EC2 at creation")
        self.inv.subnets[sid] = m.Subnet(
            id=sid,
            vpc_id=_str(p.get("VpcId")),
            cidr=parse_cidr(p.get("CidrBlock")) if "CidrBlock" in p else Unresolved(
                f"{stack.qid(logical)}.CidrBlock", "subnet has no IPv4 CidrBlock"),
            availability_zone=_str(az),
            prov=self.prov(stack, logical),
        )
        self.subnet_public[sid] = as_bool(p.get("MapPublicIpOnLaunch"), False)

    def _rule(self, stack: Stack, logical: str, direction: str, r: dict[str, Any], path: str, node: Any
              ) -> m.SecurityGroupRule:
        proto = normalise_protocol(r.get("IpProtocol", "-1"))
        pv = self.prov(stack, logical, path, node)
        problem = sg_rule_problem(proto, r.get("FromPort"), r.get("ToPort"))
        if problem:
            # EC2 rejects the rule, so the stack does not deploy (RL004); the rule itself proves nothing open.
            self.loader.add_issue(
                "RL004", (stack.qid(logical),),
                f"{path} ({pv.where()}): {problem}: EC2 rejects the security group rule and the stack rolls back",
                stack.input_name, "error")
            ports: Any = Unresolved(f"{stack.qid(logical)}.ports", problem)
        else:
            ports = port_range(proto, r.get("FromPort"), r.get("ToPort"))
        peer_cidr = r.get("CidrIp", r.get("CidrIpv6"))
        peer_group = r.get("SourceSecurityGroupId" if direction == "ingress" else "DestinationSecurityGroupId")
        if peer_group is None and direction == "ingress" and "SourceSecurityGroupName" in r:
            peer_group = Unresolved(str(r["SourceSecurityGroupName"]), "security group referenced by name")
        prefix = r.get("SourcePrefixListId" if direction == "ingress" else "DestinationPrefixListId")
        return m.SecurityGroupRule(
            direction=direction,
            protocol=proto,
            ports=ports,
            prov=pv,
            cidr=parse_cidr(peer_cidr) if peer_cidr is not None else None,
            group_id=_str(peer_group) if peer_group is not None else None,
            prefix_list_id=_str(prefix) if prefix is not None else None,
            description=str(r.get("Description", "")) if isinstance(r.get("Description", ""), str) else "",
        )

    def _r_AWS_EC2_SecurityGroup(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        gid = stack.ref_resource(logical)
        raw = self.raw_props(stack, logical)
        vpc = p.get("VpcId")
        if vpc is None:
            vpc = Unresolved("default VPC", f"security group {stack.qid(logical)} has no VpcId (default VPC)")
        base = {"vpc": _str(vpc), "name": _str(p.get("GroupName", stack.qid(logical))), "prov": self.prov(stack, logical),
                "ingress": [], "egress": []}
        for direction, key in (("ingress", "SecurityGroupIngress"), ("egress", "SecurityGroupEgress")):
            rules = p.get(key)
            raw_value = raw.get(key)
            raw_rules: list[Any] = raw_value if isinstance(raw_value, list) else []
            if isinstance(rules, Unresolved):
                base[direction].append(m.SecurityGroupRule(direction, rules, rules, self.prov(stack, logical, key),
                                                           cidr=rules))
                continue
            for i, r in enumerate(_list(rules)):
                if not isinstance(r, dict):
                    continue
                node = raw_rules[i] if i < len(raw_rules) else None
                base[direction].append(self._rule(stack, logical, direction, r,
                                                  f"Resources.{logical}.Properties.{key}[{i}]", node))
        if not base["egress"]:
            pv = self.prov(stack, logical)
            base["egress"].append(m.SecurityGroupRule(
                "egress", "-1", ALL_PORTS, pv, cidr=parse_cidr("0.0.0.0/0"),
                description="default egress rule (no SecurityGroupEgress given)", implicit=True))
        self.sg_base[gid] = base

    def _standalone_rule(self, stack: Stack, logical: str, p: dict[str, Any], direction: str) -> None:
        group = p.get("GroupId")
        if group is None and "GroupName" in p:
            group = Unresolved(str(p["GroupName"]), "security group referenced by name (default VPC)")
        rule = self._rule(stack, logical, direction, p, f"Resources.{logical}", None)
        self.pending_rules.append((_str(group), rule))

    def _r_AWS_EC2_SecurityGroupIngress(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        self._standalone_rule(stack, logical, p, "ingress")

    def _r_AWS_EC2_SecurityGroupEgress(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        self._standalone_rule(stack, logical, p, "egress")

    def _r_AWS_EC2_RouteTable(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        rid = stack.ref_resource(logical)
        self.rt_base[rid] = {"vpc": _str(p.get("VpcId")), "routes": [], "subnets": [], "main": False,
                             "prov": self.prov(stack, logical)}

    def _r_AWS_EC2_Route(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        dest: Any = None
        if "DestinationCidrBlock" in p:
            dest = parse_cidr(p["DestinationCidrBlock"])
        elif "DestinationIpv6CidrBlock" in p:
            dest = parse_cidr(p["DestinationIpv6CidrBlock"])
        elif "DestinationPrefixListId" in p:
            dest = _str(p["DestinationPrefixListId"])
        if dest is None:
            self._shape_issue(stack, logical, PropertyShapeError(
                "a route needs DestinationCidrBlock, DestinationIpv6CidrBlock or DestinationPrefixListId"))
            dest = Unresolved(f"{stack.qid(logical)}.Destination", "route without a destination")
        target_type, target = "other", Unresolved("route target", "route without a target")
        for key, kind in (("NatGatewayId", "nat"), ("VpcPeeringConnectionId", "pcx"), ("TransitGatewayId", "tgw"),
                          ("VpcEndpointId", "vpce"), ("NetworkInterfaceId", "eni"), ("InstanceId", "instance"),
                          ("EgressOnlyInternetGatewayId", "egress-only"), ("GatewayId", "gateway"),
                          ("CarrierGatewayId", "other"), ("LocalGatewayId", "other")):
            if key in p:
                target_type, target = kind, _str(p[key])
                break
        self.pending_routes.append((_str(p.get("RouteTableId")),
                                    m.Route(dest, target_type, target, self.prov(stack, logical))))

    def _r_AWS_EC2_SubnetRouteTableAssociation(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        self.pending_rt_assoc.append((_str(p.get("RouteTableId")), _str(p.get("SubnetId"))))

    def _r_AWS_EC2_NetworkAcl(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        aid = stack.ref_resource(logical)
        self.acl_base[aid] = {"vpc": _str(p.get("VpcId")), "default": False, "subnets": [], "entries": [],
                              "prov": self.prov(stack, logical)}

    def _r_AWS_EC2_NetworkAclEntry(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        proto = normalise_protocol(p.get("Protocol", "-1"))
        pr = _map(p.get("PortRange"), "PortRange")
        ports = port_range(proto, pr.get("From"), pr.get("To"))
        cidr = p.get("CidrBlock", p.get("Ipv6CidrBlock"))
        try:
            number = int(str(p.get("RuleNumber")))
        except ValueError:
            number = 0
        entry = m.NetworkAclEntry(
            rule_number=number,
            egress=as_bool(p.get("Egress"), False) is True,
            protocol=proto,
            rule_action=str(p.get("RuleAction", "deny")).lower(),
            cidr=parse_cidr(cidr) if cidr is not None else Unresolved(logical, "entry without CIDR"),
            ports=ports,
            prov=self.prov(stack, logical),
        )
        self.pending_acl_entries.append((_str(p.get("NetworkAclId")), entry))

    def _r_AWS_EC2_SubnetNetworkAclAssociation(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        self.pending_acl_assoc.append((_str(p.get("NetworkAclId")), _str(p.get("SubnetId"))))

    def _r_AWS_EC2_InternetGateway(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        gid = stack.ref_resource(logical)
        self.igw_vpcs.setdefault(gid, [])
        self.igw_prov[gid] = self.prov(stack, logical)

    def _r_AWS_EC2_VPCGatewayAttachment(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        if "InternetGatewayId" in p:
            self.igw_vpcs.setdefault(_str(p["InternetGatewayId"]), []).append(_str(p.get("VpcId")))

    def _r_AWS_EC2_Instance(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        """AWS::EC2::Instance: what a route to it (a NAT instance) needs: subnet, groups, SourceDestCheck
        (default true), and whether it gets a public IP (AssociatePublicIpAddress of the primary interface, an
        Elastic IP, else the subnet's MapPublicIpOnLaunch: decided in :meth:`_finish_instances`)."""
        iid = stack.ref_resource(logical)
        nis = [n for n in _list(p.get("NetworkInterfaces")) if isinstance(n, dict)]
        primary = next((n for n in nis if str(n.get("DeviceIndex", "")) == "0"), nis[0] if nis else {})
        groups = p.get("SecurityGroupIds", primary.get("GroupSet"))
        if groups is None and p.get("SecurityGroups") is not None:
            groups = Unresolved(f"{stack.qid(logical)}.SecurityGroups", "security groups named (default VPC)")
        ip = p.get("PrivateIpAddress", primary.get("PrivateIpAddress"))
        eni = primary.get("NetworkInterfaceId")
        fields = {"subnet": _str(p.get("SubnetId", primary.get("SubnetId"))),
                  "ip": ip if isinstance(ip, str) else None,
                  "enis": (_str(eni),) if eni is not None else (),
                  "groups": _ids(groups) if groups is not None else (),
                  "sdc": as_bool(p.get("SourceDestCheck"), True),
                  "prov": self.prov(stack, logical)}
        self.instances_raw.append((iid, fields, as_bool(primary.get("AssociatePublicIpAddress"))))

    def _r_AWS_EC2_NetworkInterface(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        """AWS::EC2::NetworkInterface (SourceDestCheck default true; a route may target it)."""
        nid = stack.ref_resource(logical)
        ip = p.get("PrivateIpAddress")
        sdc = as_bool(p.get("SourceDestCheck"), True)
        self.inv.network_interfaces[nid] = m.NetworkInterface(
            nid, _str(p.get("SubnetId")), Unresolved(nid, "VPC of the interface's subnet"),
            (ip,) if isinstance(ip, str) else (), _tuple(p.get("GroupSet") or []),
            "interface", self.prov(stack, logical), None, sdc if isinstance(sdc, bool) else None, "", None)

    def _r_AWS_EC2_EIP(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        if p.get("InstanceId") is not None:
            self.eip_targets.add(_str(p["InstanceId"]))

    def _r_AWS_EC2_EIPAssociation(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        for key in ("InstanceId", "NetworkInterfaceId"):
            if p.get(key) is not None:
                self.eip_targets.add(_str(p[key]))

    def _r_AWS_EC2_NetworkInterfaceAttachment(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        self.eni_attach.append((_str(p.get("NetworkInterfaceId")), _str(p.get("InstanceId")),
                                str(p.get("DeviceIndex", ""))))

    def _finish_instances(self) -> None:
        """Instances and template ENIs: VPC from the subnet, public IP, attached interfaces."""
        inv = self.inv
        owner: dict[Any, Any] = {}
        for nid, iid, _ in self.eni_attach:
            if isinstance(nid, str) and nid in inv.network_interfaces:
                owner[nid] = iid
        for nid, eni in list(inv.network_interfaces.items()):
            if not isinstance(eni.vpc_id, Unresolved):
                continue
            sub = inv.subnets.get(eni.subnet_id) if isinstance(eni.subnet_id, str) else None
            iid = owner.get(nid)
            inv.network_interfaces[nid] = _replace(
                eni, vpc_id=sub.vpc_id if sub is not None else eni.vpc_id,
                owner_id=iid if isinstance(iid, str) else eni.owner_id,
                public_ip=True if nid in self.eip_targets else False)
        for iid, f, assoc in self.instances_raw:
            sub = inv.subnets.get(f["subnet"]) if isinstance(f["subnet"], str) else None
            enis = f["enis"]
            primary = inv.network_interfaces.get(enis[0]) if enis and isinstance(enis[0], str) else None
            if sub is None and primary is not None and isinstance(primary.subnet_id, str):
                sub = inv.subnets.get(primary.subnet_id)
            public: bool | None
            if iid in self.eip_targets or (primary is not None and primary.public_ip):
                public = True
            elif isinstance(assoc, bool):
                public = assoc
            elif isinstance(assoc, Unresolved):
                public = None
            else:
                mp = self.subnet_public.get(sub.id) if sub is not None else None
                public = mp if isinstance(mp, bool) else None
            sdc = f["sdc"]
            if primary is not None and enis:  # an existing ENI as the primary interface carries the attribute
                sdc = primary.source_dest_check
            groups = f["groups"]
            if primary is not None and not groups:
                groups = primary.security_group_ids
            inv.instances[iid] = m.Instance(
                iid, sub.id if sub is not None else f["subnet"],
                sub.vpc_id if sub is not None else Unresolved(iid, "VPC of the instance's subnet"), f["ip"],
                tuple(e for e in enis if isinstance(e, str)),
                groups,  # unresolved ids stay: the path engine then says the groups are not known
                f["prov"], sdc if isinstance(sdc, bool) else None, "running", public)

    def _r_AWS_EC2_NatGateway(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        nid = stack.ref_resource(logical)
        self.inv.nat_gateways[nid] = m.NatGateway(
            id=nid, subnet_id=_str(p.get("SubnetId")), prov=self.prov(stack, logical),
            connectivity_type=str(p.get("ConnectivityType", "public")).lower(),
        )

    def _r_AWS_EC2_VPCEndpoint(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        eid = stack.ref_resource(logical)
        etype = str(p.get("VpcEndpointType", "Gateway"))
        self.inv.vpc_endpoints[eid] = m.VpcEndpoint(
            id=eid,
            vpc_id=_str(p.get("VpcId")),
            service_name=_str(p.get("ServiceName")),
            endpoint_type=etype,
            subnet_ids=_tuple(p.get("SubnetIds")),
            security_group_ids=_tuple(p.get("SecurityGroupIds")),
            private_dns_enabled=as_bool(p.get("PrivateDnsEnabled"), False) or False,
            prov=self.prov(stack, logical),
            route_table_ids=_tuple(p.get("RouteTableIds")),
            policy=parse_policy(f"{logical}/policy", p["PolicyDocument"], self.prov(stack, logical)).statements
            if isinstance(p.get("PolicyDocument"), dict) else None,
        )

    def _r_AWS_EC2_VPCPeeringConnection(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        pid = stack.ref_resource(logical)
        self.inv.peering_connections[pid] = m.VpcPeeringConnection(
            pid, _str(p.get("VpcId")), _str(p.get("PeerVpcId")), "pending-acceptance"
            if "PeerOwnerId" in p else "active", self.prov(stack, logical))

    # ---- transit gateways (routes through them are decided by the path engine) ------------------------

    def _r_AWS_EC2_TransitGateway(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        tid = stack.ref_resource(logical)
        assoc = p.get("AssociationDefaultRouteTableId")
        prop = p.get("PropagationDefaultRouteTableId")
        self.inv.transit_gateways[tid] = m.TransitGateway(
            tid, "available", self.prov(stack, logical),
            str(p.get("DefaultRouteTableAssociation", "enable")).lower() == "enable",
            str(p.get("DefaultRouteTablePropagation", "enable")).lower() == "enable",
            assoc if isinstance(assoc, str) else None, prop if isinstance(prop, str) else None,
            str(p.get("DnsSupport", "enable")).lower() == "enable")

    def _r_AWS_EC2_TransitGatewayAttachment(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        aid = stack.ref_resource(logical)
        self.inv.transit_gateway_attachments[aid] = m.TransitGatewayVpcAttachment(
            aid, _str(p.get("TransitGatewayId")), _str(p.get("VpcId")), _tuple(p.get("SubnetIds")), "available",
            self.prov(stack, logical))

    _r_AWS_EC2_TransitGatewayVpcAttachment = _r_AWS_EC2_TransitGatewayAttachment

    def _r_AWS_EC2_TransitGatewayRouteTable(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        rid = stack.ref_resource(logical)
        self.tgw_tables[rid] = {"tgw": _str(p.get("TransitGatewayId")), "prov": self.prov(stack, logical),
                                "assoc": [], "prop": [], "routes": []}

    def _r_AWS_EC2_TransitGatewayRouteTableAssociation(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        self.tgw_pending.append(("assoc", _str(p.get("TransitGatewayRouteTableId")),
                                 _str(p.get("TransitGatewayAttachmentId"))))

    def _r_AWS_EC2_TransitGatewayRouteTablePropagation(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        self.tgw_pending.append(("prop", _str(p.get("TransitGatewayRouteTableId")),
                                 _str(p.get("TransitGatewayAttachmentId"))))

    def _r_AWS_EC2_TransitGatewayRoute(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        black = as_bool(p.get("Blackhole"), False) is True
        att = p.get("TransitGatewayAttachmentId")
        self.tgw_pending.append(("routes", _str(p.get("TransitGatewayRouteTableId")), m.TransitGatewayRoute(
            parse_cidr(p.get("DestinationCidrBlock")), () if black or att is None else (_str(att),), "static",
            "blackhole" if black else "active", self.prov(stack, logical))))

    def _finish_tgw(self) -> None:
        for kind, rt, value in self.tgw_pending:
            b = self.tgw_tables.get(rt) if isinstance(rt, str) else None
            if b is not None:
                b[kind].append(value)
        for rid, b in self.tgw_tables.items():
            self.inv.transit_gateway_route_tables[rid] = m.TransitGatewayRouteTable(
                rid, b["tgw"], b["prov"], tuple(b["assoc"]), tuple(b["prop"]), tuple(b["routes"]))

    # ---- Lambda --------------------------------------------------------------------------------------

    def _r_AWS_Lambda_Function(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        self.functions_raw.append((stack, logical, p))

    def _function(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        try:
            self._function_inner(stack, logical, p)
        except PropertyShapeError as exc:
            self._shape_issue(stack, logical, exc)
        except NestedListError:
            self.loader.add_issue(
                "RL004", (stack.qid(logical),),
                f"{stack.qid(logical)} ({stack.where(None, logical)}) has a list inside a list of ids in VpcConfig "
                "(SubnetIds: [!Ref ListParameter]; write SubnetIds: !Ref ListParameter): CloudFormation rejects "
                "the template", stack.input_name, "error")
            vpc = dict(_map(p.get("VpcConfig"), "VpcConfig"))
            for key in ("SubnetIds", "SecurityGroupIds"):
                if isinstance(vpc.get(key), list):
                    vpc[key] = _flatten(vpc[key])
            self._function_inner(stack, logical, {**p, "VpcConfig": vpc})

    def _function_inner(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        arn = stack.get_att(logical, "Arn")
        fid = arn if isinstance(arn, str) else f"function:{stack.input_name}:{stack.qid(logical)}"
        def shape(v: Any, what: str) -> dict[str, Any]:
            try:
                return _map(v, what)
            except PropertyShapeError as exc:  # reported as RL004; the function is still analysed
                self._shape_issue(stack, logical, exc)
                return {}

        vpc = p.get("VpcConfig")
        vpc_config = None
        if vpc is not None and not isinstance(vpc, (dict, Unresolved)):
            shape(vpc, "VpcConfig")
        if isinstance(vpc, dict):
            subnets = _ids(vpc.get("SubnetIds"))
            if isinstance(subnets, Unresolved) or subnets:
                vpc_config = m.VpcConfig(subnets, _ids(vpc.get("SecurityGroupIds")))
        elif isinstance(vpc, Unresolved):
            vpc_config = m.VpcConfig(vpc, vpc)
        raw_env = self.raw_props(stack, logical).get("Environment")
        env_raw = raw_env.get("Variables") if isinstance(raw_env, dict) else None
        env_res = shape(p.get("Environment"), "Environment").get("Variables")
        if env_res is not None and not isinstance(env_res, (dict, Unresolved)):
            env_res = shape(env_res, "Environment.Variables") or None
        env: dict[str, Any] = {}
        sources: dict[str, str] = {}
        runtime_secrets: list[Any] = []
        dyn: list[Any] = []
        if isinstance(env_res, dict):
            for k, v in env_res.items():
                v = _str(v)
                raw = env_raw.get(k) if isinstance(env_raw, dict) else None
                if isinstance(v, Unresolved) and _number_parameter(stack, raw):
                    continue  # an unresolved number (a port) can never name a database: not a pair candidate
                if looks_like_password_key(str(k)):
                    register_secret(v)
                src = _source_name(stack, raw)
                if src:
                    sources[k] = src
                if isinstance(v, str):
                    for match in _DYN_SECRET.finditer(v):
                        dyn.append(match.group(1))
                    ssm = _DYN_SSM.search(v)
                    if ssm:
                        sources.setdefault(k, ssm.group(1))
                        v = Unresolved(ssm.group(1), f"{{{{resolve:ssm:{ssm.group(1)}}}}} is read at deploy time")
                    elif "{{resolve:" not in v and (v.startswith("arn:aws:secretsmanager:")):
                        runtime_secrets.append(v)
                env[k] = v
        elif isinstance(env_res, Unresolved):
            env["*"] = env_res
        res = stack.resources.get(logical) or {}
        meta = res.get("Metadata") if isinstance(res, dict) else None
        if isinstance(meta, dict) and meta.get("rdslink:RotatesSecret") is not None:
            runtime_secrets.append(_str(stack.resolve(meta["rdslink:RotatesSecret"], origin=logical)))
        rc = p.get("ReservedConcurrentExecutions")
        self.inv.functions[fid] = m.LambdaFunction(
            id=fid,
            name=_display(self.loader, stack.ref_resource(logical)),
            role_arn=_str(p.get("Role")) if p.get("Role") is not None else Unresolved(
                f"{stack.qid(logical)}.Role", "function has no Role"),
            vpc_config=vpc_config,
            environment=env,
            prov=self.prov(stack, logical),
            environment_sources=sources,
            runtime_secrets=tuple(runtime_secrets),
            dynamic_secret_refs=tuple(dyn),
            reserved_concurrency=int(str(rc)) if isinstance(rc, (int, str)) and str(rc).isdigit() else None,
            runtime=str(p.get("Runtime", "")),
        )

    # ---- RDS -----------------------------------------------------------------------------------------

    def _master_secret(self, p: dict[str, Any]) -> Any:
        for key in ("MasterUserPassword", "MasterUsername"):
            v = p.get(key)
            if isinstance(v, str):
                match = _DYN_SECRET.search(v)
                if match:
                    return match.group(1)
        return None

    def _r_AWS_RDS_DBSubnetGroup(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        name = stack.ref_resource(logical)
        gid = f"dbsubnetgroup:{name}" if isinstance(name, str) else f"dbsubnetgroup:{stack.qid(logical)}"
        self.inv.db_subnet_groups[gid] = m.DBSubnetGroup(gid, name, _ids(p.get("SubnetIds")), self.prov(stack, logical))

    def _r_AWS_RDS_DBInstance(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        ident = stack.ref_resource(logical)
        arn = stack.get_att(logical, "DBInstanceArn")
        iid = arn if isinstance(arn, str) else f"db:{stack.input_name}:{stack.qid(logical)}"
        port = stack.get_att(logical, "Endpoint.Port")
        sgs = p.get("VPCSecurityGroups", p.get("VpcSecurityGroupIds"))
        public = p.get("PubliclyAccessible")
        if public is None:
            public_v: Any = None
        else:
            public_v = as_bool(public)
        self.inv.db_instances[iid] = _make_instance(
            iid, ident, p, port, stack, logical, arn, self.prov(stack, logical), self._master_secret(p), sgs, public_v
        )

    def _r_AWS_RDS_DBCluster(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        ident = stack.ref_resource(logical)
        arn = stack.get_att(logical, "DBClusterArn")
        cid = arn if isinstance(arn, str) else f"cluster:{stack.input_name}:{stack.qid(logical)}"
        master = self._master_secret(p)
        if as_bool(p.get("ManageMasterUserPassword"), False) is True:
            master = stack.get_att(logical, "MasterUserSecret.SecretArn")
        self.inv.db_clusters[cid] = m.DBCluster(
            id=cid,
            identifier=ident,
            engine=_str(p.get("Engine")),
            port=_port(stack.get_att(logical, "Endpoint.Port")),
            endpoint_address=stack.get_att(logical, "Endpoint.Address"),
            reader_endpoint_address=stack.get_att(logical, "ReadEndpoint.Address"),
            subnet_group=_str(p.get("DBSubnetGroupName")),
            security_group_ids=_ids(p.get("VpcSecurityGroupIds")),
            prov=self.prov(stack, logical),
            arn=arn,
            resource_id=stack.get_att(logical, "DBClusterResourceId"),
            master_secret=master,
            http_endpoint=as_bool(p.get("EnableHttpEndpoint"), False) is True,
            iam_auth=as_bool(p.get("EnableIAMDatabaseAuthentication"), False) is True,
            parameter_group=_str(p.get("DBClusterParameterGroupName")),
        )

    def _r_AWS_RDS_DBParameterGroup(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        name = stack.ref_resource(logical)
        gid = f"dbparametergroup:{stack.input_name}:{stack.qid(logical)}"
        params = p.get("Parameters")
        value: Any = stringify(params.get("max_connections")) if isinstance(params, dict) else None
        value = None if value is NOVALUE else value
        self.inv.db_parameter_groups[gid] = m.DBParameterGroup(gid, name, m.parse_max_connections(value, logical),
                                                               self.prov(stack, logical))

    _r_AWS_RDS_DBClusterParameterGroup = _r_AWS_RDS_DBParameterGroup

    def _r_AWS_RDS_DBProxy(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        arn = stack.get_att(logical, "DBProxyArn")
        auth = []
        for a in _list(p.get("Auth")):
            if isinstance(a, dict):
                auth.append(m.ProxyAuth(_str(a.get("SecretArn")), str(a.get("IAMAuth", "DISABLED")).upper()))
        self.inv.db_proxies[arn] = m.DBProxy(
            id=arn,
            name=stack.ref_resource(logical),
            arn=arn,
            resource_id=arn.rsplit(":", 1)[-1],
            engine_family=_str(p.get("EngineFamily")),
            endpoint_address=stack.get_att(logical, "Endpoint"),
            subnet_ids=_ids(p.get("VpcSubnetIds")),
            security_group_ids=_ids(p.get("VpcSecurityGroupIds")),
            require_tls=as_bool(p.get("RequireTLS"), False) or False,
            auth=tuple(auth),
            role_arn=_str(p.get("RoleArn")),
            prov=self.prov(stack, logical),
        )

    def _r_AWS_RDS_DBProxyTargetGroup(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        targets = [_str(x) for x in _list(p.get("DBClusterIdentifiers")) + _list(p.get("DBInstanceIdentifiers"))
                   if x is not None]
        self.proxy_targets.setdefault(_str(p.get("DBProxyName")), []).extend(targets)

    def _r_AWS_RDS_DBProxyEndpoint(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        eid = stack.get_att(logical, "DBProxyEndpointArn")
        self.inv.db_proxy_endpoints[eid] = m.DBProxyEndpoint(
            id=eid,
            name=stack.ref_resource(logical),
            proxy_id=_str(p.get("DBProxyName")),
            endpoint_address=stack.get_att(logical, "Endpoint"),
            subnet_ids=_ids(p.get("VpcSubnetIds")),
            security_group_ids=_ids(p.get("VpcSecurityGroupIds")),
            target_role=str(p.get("TargetRole", "READ_WRITE")),
            prov=self.prov(stack, logical),
        )

    # ---- IAM / Secrets -------------------------------------------------------------------------------

    def _doc(self, name: str, doc: Any, pv: m.Provenance) -> m.PolicyDocument:
        return parse_policy(name, doc, pv)

    def _r_AWS_IAM_Role(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        arn = stack.get_att(logical, "Arn")
        pv = self.prov(stack, logical)
        rid = arn if isinstance(arn, str) else f"role:{stack.input_name}:{stack.qid(logical)}"
        inline = []
        for pol in _list(p.get("Policies")):
            if isinstance(pol, dict):
                inline.append(self._doc(f"{stack.qid(logical)}/inline:{pol.get('PolicyName', '?')}",
                                        pol.get("PolicyDocument"), pv))
        trusted: list[Any] = []
        trust = p.get("AssumeRolePolicyDocument")
        if isinstance(trust, dict):
            for st in _list(trust.get("Statement")):
                if isinstance(st, dict) and isinstance(st.get("Principal"), dict):
                    trusted.extend(_str(x) for x in _list(st["Principal"].get("AWS")) if x is not None)
        self.inv.roles[rid] = m.Role(
            id=rid,
            arn=rid,
            name=_display(self.loader, stack.ref_resource(logical)),
            inline_policies=tuple(inline),
            managed_policy_arns=tuple(_str(x) for x in _list(p.get("ManagedPolicyArns")) if x is not None),
            prov=pv,
            trusted_principals=tuple(trusted),
            permissions_boundary=_str(p.get("PermissionsBoundary")),
        )

    def _r_AWS_IAM_ManagedPolicy(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        arn = stack.ref_resource(logical)
        pv = self.prov(stack, logical)
        key = arn if isinstance(arn, str) else f"policy:{stack.input_name}:{stack.qid(logical)}"
        self.inv.managed_policies[key] = m.ManagedPolicy(
            arn=key,
            document=self._doc(stack.qid(logical), p.get("PolicyDocument"), pv),
            prov=pv,
            roles=tuple(_str(x) for x in _list(p.get("Roles")) if x is not None),
        )

    def _r_AWS_IAM_Policy(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        pv = self.prov(stack, logical)
        doc = self._doc(f"{stack.qid(logical)}", p.get("PolicyDocument"), pv)
        self.pending_role_policies.append(([_str(x) for x in _list(p.get("Roles")) if x is not None], doc))

    def _r_AWS_IAM_RolePolicy(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        pv = self.prov(stack, logical)
        doc = self._doc(f"{stack.qid(logical)}", p.get("PolicyDocument"), pv)
        self.pending_role_policies.append(([_str(p.get("RoleName"))], doc))

    def _r_AWS_SecretsManager_Secret(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        arn = stack.ref_resource(logical)
        sid = arn if isinstance(arn, str) else f"secret:{stack.input_name}:{stack.qid(logical)}"
        name = sid.split(":secret:", 1)[1].rsplit("-", 1)[0] if ":secret:" in sid else _str(p.get("Name"))
        self.inv.secrets[sid] = m.Secret(sid, sid, name, self.prov(stack, logical), kms_key_id=_str(p.get("KmsKeyId")))

    def _r_AWS_KMS_Key(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        kid = stack.ref_resource(logical)
        arn = stack.get_att(logical, "Arn")
        policy = p.get("KeyPolicy")
        iam_only = isinstance(policy, dict) and key_policy_grants_account_only(policy)
        self.inv.kms_keys[arn] = m.KmsKey(kid, arn, iam_only, self.prov(stack, logical))

    def _r_AWS_KMS_Alias(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        self.kms_aliases.append((_str(p.get("AliasName")), _str(p.get("TargetKeyId"))))

    def _r_AWS_SecretsManager_SecretTargetAttachment(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        self.secret_targets.setdefault(_str(p.get("SecretId")), []).append(_str(p.get("TargetId")))

    def _r_AWS_SecretsManager_RotationSchedule(self, stack: Stack, logical: str, p: dict[str, Any]) -> None:
        if p.get("RotationLambdaARN") is not None:
            self.rotations.append((_str(p.get("RotationLambdaARN")), _str(p.get("SecretId"))))

    # ---- second phase --------------------------------------------------------------------------------

    def _finish(self) -> None:  # noqa: C901 - straight-line assembly
        inv = self.inv
        for stack, logical, p in self.functions_raw:
            self._function(stack, logical, p)
        for fn_arn, secret in self.rotations:
            fn = inv.functions.get(fn_arn)
            if fn is not None:
                inv.functions[fn_arn] = _replace(fn, runtime_secrets=fn.runtime_secrets + (secret,))
        for group, rule in self.pending_rules:
            base = self.sg_base.get(group) if isinstance(group, str) else None
            if base is not None and rule.direction == "egress":
                # A standalone AWS::EC2::SecurityGroupEgress makes CloudFormation revoke the default allow-all
                # egress rule of a group created without SecurityGroupEgress (aws-cdk#987, fixed in b9d5b43).
                base["egress"] = [r for r in base["egress"] if not (r.implicit and "default egress" in r.description)]
            if base is None:
                self.loader.warnings.append(
                    f"{rule.prov.where()}: {rule.prov.logical_id} adds a rule to {_display(self.loader, group)}, "
                    "which is not in the inputs"
                )
                continue
            base[rule.direction].append(rule)
        for sg_id, b in self.sg_base.items():
            inv.security_groups[sg_id] = m.SecurityGroup(
                sg_id, b["vpc"], b["name"], tuple(b["ingress"]), tuple(b["egress"]), b["prov"])
        for rt_id, route in self.pending_routes:
            if isinstance(rt_id, str) and rt_id in self.rt_base:
                if route.target_type == "gateway":
                    tid = route.target_id
                    kind = "local" if tid == "local" else "igw" if isinstance(tid, str) and (
                        tid in self.igw_vpcs or tid.startswith("igw-")) else "vgw" if isinstance(
                        tid, str) and tid.startswith("vgw-") else "vpce" if isinstance(tid, str) and tid.startswith(
                        "vpce-") else "gateway"
                    route = _replace(route, target_type=kind)
                self.rt_base[rt_id]["routes"].append(route)
        for rt_id, subnet in self.pending_rt_assoc:
            if isinstance(rt_id, str) and rt_id in self.rt_base:
                self.rt_base[rt_id]["subnets"].append(subnet)
        for rt_id, b in self.rt_base.items():
            inv.route_tables[rt_id] = m.RouteTable(rt_id, b["vpc"], tuple(b["routes"]), tuple(b["subnets"]),
                                                   b["main"], b["prov"])
        for acl_id, entry in self.pending_acl_entries:
            if isinstance(acl_id, str) and acl_id in self.acl_base:
                self.acl_base[acl_id]["entries"].append(entry)
        for acl_id, subnet in self.pending_acl_assoc:
            if isinstance(acl_id, str) and acl_id in self.acl_base:
                self.acl_base[acl_id]["subnets"].append(subnet)
        for acl_id, b in self.acl_base.items():
            entries = tuple(sorted(b["entries"], key=lambda e: e.rule_number))
            inv.network_acls[acl_id] = m.NetworkAcl(acl_id, b["vpc"], b["default"], tuple(b["subnets"]), entries,
                                                    b["prov"])
        for vid, b in self.vpc_base.items():
            if "prov" not in b:
                continue
            inv.vpcs[vid] = m.Vpc(vid, tuple(b["cidrs"]), b["dns"], b["prov"], b["main_rt"], b["acl"], b["sg"],
                                  b["hostnames"])
        self._finish_tgw()
        self._finish_instances()
        for gid, vpcs in self.igw_vpcs.items():
            if gid in self.igw_prov:
                inv.internet_gateways[gid] = m.InternetGateway(gid, tuple(vpcs), self.igw_prov[gid])
        # proxy targets: identifiers -> model ids
        by_ident: dict[Any, str] = {}
        for c in inv.db_clusters.values():
            by_ident[c.identifier] = c.id
        for d in inv.db_instances.values():
            by_ident[d.identifier] = d.id
        for pid, proxy in list(inv.db_proxies.items()):
            targets = tuple(by_ident.get(t, t) for t in self.proxy_targets.get(proxy.name, []))
            inv.db_proxies[pid] = _replace(proxy, targets=targets)
        for sid, secret in list(inv.secrets.items()):
            targets = tuple(by_ident.get(t, t) for t in self.secret_targets.get(sid, []))
            inv.secrets[sid] = _replace(secret, target_ids=targets)
        inv.index()  # role and secret look-ups below need the indexes
        for roles, doc in self.pending_role_policies:
            for r in roles:
                role = inv.role_for(r) if isinstance(r, str) else None
                if role is not None:
                    role = inv.roles[role.id]
                    inv.roles[role.id] = _replace(role, inline_policies=role.inline_policies + (doc,))
        # AWS managed policies referenced by any role
        bundled = aws_managed_policies()
        for role in inv.roles.values():
            for arn in role.managed_policy_arns:
                if isinstance(arn, str) and arn in bundled and arn not in inv.managed_policies:
                    inv.managed_policies[arn] = bundled[arn]
        for alias, key in self.kms_aliases:
            k = inv.kms_key(key)
            if k is not None and isinstance(alias, str):
                inv.kms_keys[k.arn] = _replace(k, aliases=k.aliases + (alias,))
        self._deploy_validations()
        inv.warnings.extend(self.loader.warnings)
        self.loader.warnings = []

    def _deploy_validations(self) -> None:
        """RL004 for deterministic service-side rejections that cfn-lint cannot see: an interface endpoint with
        private DNS in a VPC without DNS hostnames/support (EC2 CreateVpcEndpoint rejects it), and a DB subnet
        group whose subnets are all in one AZ (RDS requires at least two AZs)."""
        inv = self.inv
        for e in inv.vpc_endpoints.values():
            vpc = inv.vpcs.get(e.vpc_id) if isinstance(e.vpc_id, str) else None
            if vpc is None or e.private_dns_enabled is not True or e.endpoint_type.lower() != "interface":
                continue
            if vpc.enable_dns_hostnames is False or vpc.enable_dns_support is False:
                self.loader.add_issue(
                    "RL004", (e.prov.logical_id, vpc.prov.logical_id),
                    f"{e.prov.logical_id} ({e.prov.where()}) sets PrivateDnsEnabled true but {vpc.prov.logical_id} "
                    f"({vpc.prov.where()}) does not enable DnsHostnames and DnsSupport: EC2 rejects the endpoint "
                    "and the stack rolls back", e.prov.input, "error")
        for g in inv.db_subnet_groups.values():
            if isinstance(g.subnet_ids, Unresolved):
                continue
            keys = set()
            known = True
            for sid in g.subnet_ids:
                s = inv.subnets.get(sid) if isinstance(sid, str) else None
                az = s.availability_zone if s else None
                key = az if isinstance(az, str) else (f"{az.name}[{az.index}]" if isinstance(az, Unresolved)
                                                      and az.index is not None else None)
                if key is None:
                    known = False
                    break
                keys.add(key)
            if known and len(keys) == 1:
                self.loader.add_issue(
                    "RL004", (g.prov.logical_id,),
                    f"{g.prov.logical_id} ({g.prov.where()}) has subnets in one Availability Zone only: RDS requires "
                    "a DB subnet group to cover at least two AZs, so the stack rolls back", g.prov.input, "error")


def _make_instance(iid: str, ident: Any, p: dict[str, Any], port: Any, stack: Stack, logical: str, arn: Any,
                   pv: m.Provenance, master: Any, sgs: Any, public_v: Any) -> m.DBInstance:
    return m.DBInstance(
        id=iid,
        identifier=ident,
        engine=_str(p.get("Engine")),
        port=_port(port),
        endpoint_address=stack.get_att(logical, "Endpoint.Address"),
        subnet_group=_str(p.get("DBSubnetGroupName")),
        security_group_ids=_ids(sgs),
        publicly_accessible=public_v,
        prov=pv,
        cluster_id=_str(p.get("DBClusterIdentifier")),
        resource_id=stack.get_att(logical, "DbiResourceId"),
        arn=arn,
        master_secret=master,
        iam_auth=as_bool(p.get("EnableIAMDatabaseAuthentication"), False) is True,
        availability_zone=_str(p.get("AvailabilityZone")),
        instance_class=_str(p.get("DBInstanceClass")),
        parameter_group=_str(p.get("DBParameterGroupName")),
    )


def _replace(obj: Any, **changes: Any) -> Any:
    import dataclasses

    return dataclasses.replace(obj, **changes)


def _port(v: Any) -> Any:
    if isinstance(v, Unresolved) or v is None:
        return v
    try:
        return int(str(v))
    except ValueError:
        return Unresolved(str(v), "port is not a number")


def _display(loader: Any, v: Any) -> Any:
    return loader.display(v) if isinstance(v, str) else v


def _number_parameter(stack: Stack, raw: Any) -> bool:
    """Whether a raw property value is ``Ref`` to a ``Number``/``List<Number>`` parameter."""
    if isinstance(raw, dict) and len(raw) == 1 and isinstance(raw.get("Ref"), str):
        decl = (stack.template.get("Parameters") or {}).get(raw["Ref"])
        return isinstance(decl, dict) and str(decl.get("Type", "")) in ("Number", "List<Number>")
    return False


def _source_name(stack: Stack, raw: Any) -> str | None:
    """Name of the parameter / import a raw property value directly refers to (for ``?<Name>`` targets)."""
    if isinstance(raw, dict) and len(raw) == 1:
        fn, arg = next(iter(raw.items()))
        if fn == "Ref" and isinstance(arg, str) and arg in (stack.template.get("Parameters") or {}):
            return (stack.prefix + arg) if stack.prefix else arg
        if fn == "Fn::ImportValue":
            v = stack.resolve(arg)
            return v if isinstance(v, str) else None
    return None


def _register_literal_secrets(node: Any, key: str = "", parent: str = "") -> None:
    """Register literal values of password-looking properties (``MasterUserPassword``, ``SecretString``...) and
    of password-looking environment variables (``Variables: {DB_PASSWORD: ...}``) anywhere in a resource's raw
    properties, so that no output shows them."""
    if isinstance(node, dict):
        for k, v in node.items():
            _register_literal_secrets(v, str(k), key)
    elif isinstance(node, list):
        for v in node:
            _register_literal_secrets(v, key, parent)
    elif key and isinstance(node, str) and (_PASSWORD_PROP.search(key) or (
            parent == "Variables" and looks_like_password_key(key))):
        register_secret(node)


def build_inventory(loader: Any) -> m.Inventory:
    """Build the inventory from every evaluated stack of ``loader``."""
    inv = _Builder(loader).build()
    inv.index()
    return inv


__all__ = ["build_inventory", "engine_port", "PROXY_FAMILY_PORTS"]
