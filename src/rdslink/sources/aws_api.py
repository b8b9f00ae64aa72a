"""Convert AWS API response items (EC2/RDS/Lambda/IAM/Secrets Manager describe/list output, as boto3 returns
them and as ``aws ... --output json`` saves them) into model objects.

One function per response key; :data:`DISPATCH` maps the top-level key of a response (``Vpcs``,
``SecurityGroups``, ``DBInstances``, ``Functions``, ...) to its converter, so both the describe-JSON folder
loader and the live source share this code. Field names follow the API references (EC2 ``DescribeVpcs``
etc.); ``IpProtocol`` ``-1``/``tcp``/``6`` and port ranges are normalised in the model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from .. import model as m
from ..model.values import ALL_PORTS, normalise_protocol, parse_cidr, port_range, sg_rule_problem
from .errors import InputError
from .managed_policies import aws_managed_policies
from .policy import parse_policy
from .secrets import looks_like_password_key, register_secret

Converter = Callable[[m.Inventory, list[Any], str, str], None]


def _prov(source: str, ident: str, path: str, input_name: str) -> m.Provenance:
    return m.Provenance(source=source, logical_id=ident, path=path, input=input_name)


_KINDS = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
          float: "a number", type(None): "null"}


def _kind(value: Any) -> str:
    return _KINDS.get(type(value), type(value).__name__)


class _Obj:
    """One JSON object of a response, with typed accessors that raise :class:`InputError` naming the file,
    the JSON path and the field when a value has the wrong type (``"IpRanges": ["10.0.0.0/8"]``). Absent
    fields and ``null`` read as absent. Validation happens here, where response values enter the model."""

    __slots__ = ("d", "path", "file")

    def __init__(self, d: dict[str, Any], path: str, file: str) -> None:
        self.d = d
        self.path = path
        self.file = file

    def fail(self, key: str, want: str, value: Any) -> InputError:
        return InputError(self.file, f"{self.path}.{key}: expected {want}, got {_kind(value)}")

    def has(self, key: str) -> bool:
        return self.d.get(key) is not None

    def string(self, key: str, default: Any = None) -> Any:
        """A string field (ids, names, states); numbers are accepted as their text."""
        v = self.d.get(key)
        if v is None:
            return default
        if isinstance(v, str):
            return v
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return str(v)
        raise self.fail(key, "a string", v)

    def integer(self, key: str) -> int | None:
        """An integer field (ports, counts); integral numbers and digit strings are accepted."""
        v = self.d.get(key)
        if v is None:
            return None
        if isinstance(v, bool):
            raise self.fail(key, "an integer", v)
        if isinstance(v, int):
            return v
        if isinstance(v, float) and v.is_integer() and abs(v) < 2**31:
            return int(v)
        if isinstance(v, str) and v.strip().lstrip("-").isdigit() and len(v) < 12:
            return int(v)
        raise self.fail(key, "an integer", v)

    def boolean(self, key: str, default: bool = False) -> bool:
        v = self.d.get(key)
        if v is None:
            return default
        if isinstance(v, bool):
            return v
        if isinstance(v, str) and v.lower() in ("true", "false"):
            return v.lower() == "true"
        raise self.fail(key, "true or false", v)

    def obj(self, key: str) -> _Obj:
        """A nested object; absent reads as an empty one."""
        v = self.d.get(key)
        if v is None:
            return _Obj({}, f"{self.path}.{key}", self.file)
        if not isinstance(v, dict):
            raise self.fail(key, "an object", v)
        return _Obj(v, f"{self.path}.{key}", self.file)

    def objs(self, key: str) -> list[_Obj]:
        """A list of objects; absent reads as empty."""
        v = self.d.get(key)
        if v is None:
            return []
        if not isinstance(v, list):
            raise self.fail(key, "a list of objects", v)
        out = []
        for i, x in enumerate(v):
            if not isinstance(x, dict):
                raise InputError(self.file, f"{self.path}.{key}[{i}]: expected an object, got {_kind(x)}")
            out.append(_Obj(x, f"{self.path}.{key}[{i}]", self.file))
        return out

    def strs(self, key: str) -> tuple[str, ...]:
        """A list of strings (ids); absent reads as empty."""
        v = self.d.get(key)
        if v is None:
            return ()
        if not isinstance(v, list):
            raise self.fail(key, "a list of strings", v)
        for i, x in enumerate(v):
            if not isinstance(x, str):
                raise InputError(self.file, f"{self.path}.{key}[{i}]: expected a string, got {_kind(x)}")
        return tuple(v)

    def doc(self, key: str) -> Any:
        """A policy document: an object, or its URL-encoded JSON text (IAM returns both)."""
        v = self.d.get(key)
        if v is None or isinstance(v, dict):
            return v
        if isinstance(v, str):
            return _doc(v)
        raise self.fail(key, "a policy document", v)


def _objects(items: list[Any], key: str, source: str) -> list[tuple[int, _Obj]]:
    """The items of a response list as :class:`_Obj` (each must be an object; ``Tags``, when present, a list of
    ``{"Key", "Value"}`` objects).

    Raises:
        InputError: ``"Vpcs": ["vpc-1"]`` and the like, naming file and JSON path.
    """
    out = []
    for i, x in enumerate(items):
        if not isinstance(x, dict):
            raise InputError(source, f"{key}[{i}]: expected an object, got {_kind(x)}")
        o = _Obj(x, f"{key}[{i}]", source)
        for t in o.objs("Tags"):
            t.string("Key")
            t.string("Value")
        out.append((i, o))
    return out


def _rules(sg_id: str, perms: list[_Obj], direction: str, pv: m.Provenance) -> list[m.SecurityGroupRule]:
    out = []
    for p in perms:
        proto = normalise_protocol(p.string("IpProtocol", "-1"))
        from_port, to_port = p.integer("FromPort"), p.integer("ToPort")
        problem = sg_rule_problem(proto, from_port, to_port)
        if problem:
            raise InputError(p.file, f"{p.path}: {problem} (EC2 never returns such a rule)")
        ports = port_range(proto, from_port, to_port)
        rpv = m.Provenance(pv.source, pv.logical_id, p.path, pv.line, False, pv.input)
        for r in p.objs("IpRanges"):
            out.append(m.SecurityGroupRule(direction, proto, ports, rpv, cidr=parse_cidr(r.string("CidrIp")),
                                           description=r.string("Description", "")))
        for r in p.objs("Ipv6Ranges"):
            out.append(m.SecurityGroupRule(direction, proto, ports, rpv, cidr=parse_cidr(r.string("CidrIpv6")),
                                           description=r.string("Description", "")))
        for r in p.objs("UserIdGroupPairs"):
            out.append(m.SecurityGroupRule(direction, proto, ports, rpv, group_id=str(r.string("GroupId")),
                                           description=r.string("Description", "")))
        for r in p.objs("PrefixListIds"):
            out.append(m.SecurityGroupRule(direction, proto, ports, rpv, prefix_list_id=str(r.string("PrefixListId"))))
    return out


def vpcs(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, v in _objects(items, "Vpcs", source):
        vid = v.string("VpcId")
        if not vid:
            continue
        cidrs = [parse_cidr(a.string("CidrBlock")) for a in v.objs("CidrBlockAssociationSet")
                 if a.string("CidrBlock") and a.obj("CidrBlockState").string("State", "associated") == "associated"]
        if not cidrs and v.string("CidrBlock"):
            cidrs = [parse_cidr(v.string("CidrBlock"))]
        dns = _attr(v, "EnableDnsSupport")
        inv.vpcs[vid] = m.Vpc(vid, tuple(cidrs), dns if isinstance(dns, bool) else m.Unresolved(
            f"{vid}.enableDnsSupport", "DescribeVpcs does not return it; ec2:DescribeVpcAttribute was not read"),
            _prov(source, vid, f"Vpcs[{i}]", input_name))


def _attr(o: _Obj, key: str) -> bool | None:
    """``{"Value": bool}`` (DescribeVpcAttribute) or a plain boolean."""
    v = o.d.get(key)
    if isinstance(v, dict):
        return o.obj(key).boolean("Value") if v.get("Value") is not None else None
    return o.boolean(key) if v is not None else None


def vpc_attributes(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """Entries ``{"VpcId", "EnableDnsSupport": {"Value": bool}, "EnableDnsHostnames": {...}}`` written by the
    live source from DescribeVpcAttribute."""
    import dataclasses

    for _, a in _objects(items, "VpcAttributes", source):
        vpc = inv.vpcs.get(str(a.string("VpcId")))
        if vpc is None:
            continue
        changes: dict[str, Any] = {}
        dns = _attr(a, "EnableDnsSupport")
        if isinstance(dns, bool):
            changes["enable_dns_support"] = dns
        host = _attr(a, "EnableDnsHostnames")
        if isinstance(host, bool):
            changes["enable_dns_hostnames"] = host
        inv.vpcs[vpc.id] = dataclasses.replace(vpc, **changes)


def subnets(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, s in _objects(items, "Subnets", source):
        sid = s.string("SubnetId")
        if not sid:
            continue
        inv.subnets[sid] = m.Subnet(
            sid, s.string("VpcId") or m.Unresolved(f"{sid}.VpcId", "VpcId missing"),
            parse_cidr(s.string("CidrBlock")) if s.string("CidrBlock") else m.Unresolved(f"{sid}.CidrBlock", "no IPv4 CIDR"),
            s.string("AvailabilityZone") or m.Unresolved(f"{sid}.AvailabilityZone", "AZ missing"),
            _prov(source, sid, f"Subnets[{i}]", input_name),
            available_ips=s.integer("AvailableIpAddressCount"),
        )


def security_groups(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, g in _objects(items, "SecurityGroups", source):
        gid = g.string("GroupId")
        if not gid:
            continue
        pv = _prov(source, gid, f"SecurityGroups[{i}]", input_name)
        inv.security_groups[gid] = m.SecurityGroup(
            gid, g.string("VpcId") or m.Unresolved("EC2-Classic", "security group without VpcId"),
            g.string("GroupName", gid),
            tuple(_rules(gid, g.objs("IpPermissions"), "ingress", pv)),
            tuple(_rules(gid, g.objs("IpPermissionsEgress"), "egress", pv)),
            pv,
        )


def route_tables(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, t in _objects(items, "RouteTables", source):
        rid = t.string("RouteTableId")
        if not rid:
            continue
        pv = _prov(source, rid, f"RouteTables[{i}]", input_name)
        routes = []
        for r in t.objs("Routes"):
            dest: Any = None
            if r.string("DestinationCidrBlock"):
                dest = parse_cidr(r.string("DestinationCidrBlock"))
            elif r.string("DestinationIpv6CidrBlock"):
                dest = parse_cidr(r.string("DestinationIpv6CidrBlock"))
            elif r.string("DestinationPrefixListId"):
                dest = r.string("DestinationPrefixListId")
            kind, target = "other", None
            gw = r.string("GatewayId")
            if gw == "local":
                kind, target = "local", "local"
            elif isinstance(gw, str) and gw.startswith("igw-"):
                kind, target = "igw", gw
            elif isinstance(gw, str) and gw.startswith("vpce-"):
                kind, target = "vpce", gw
            elif isinstance(gw, str) and gw:
                kind, target = "gateway", gw
            for key, k in (("NatGatewayId", "nat"), ("VpcPeeringConnectionId", "pcx"), ("TransitGatewayId", "tgw"),
                           ("NetworkInterfaceId", "eni"), ("InstanceId", "instance"),
                           ("EgressOnlyInternetGatewayId", "egress-only")):
                if r.string(key):
                    kind, target = k, r.string(key)
                    break
            state = "blackhole" if r.string("State") == "blackhole" else "active"
            routes.append(m.Route(dest if dest is not None else m.Unresolved("route", "no destination"), kind,
                                  target or m.Unresolved("route", "no target"), pv, state))
        assoc = t.objs("Associations")
        is_main = any(a.boolean("Main") for a in assoc)
        sids = tuple(a.string("SubnetId") for a in assoc if a.string("SubnetId"))
        inv.route_tables[rid] = m.RouteTable(rid, t.string("VpcId") or m.Unresolved(rid, "VpcId missing"),
                                             tuple(routes), sids, is_main, pv)


def network_acls(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, a in _objects(items, "NetworkAcls", source):
        aid = a.string("NetworkAclId")
        if not aid:
            continue
        pv = _prov(source, aid, f"NetworkAcls[{i}]", input_name)
        entries = []
        for e in a.objs("Entries"):
            proto = normalise_protocol(e.string("Protocol", "-1"))
            pr = e.obj("PortRange")
            ports = port_range(proto, pr.integer("From"), pr.integer("To")) if pr.d else ALL_PORTS
            cidr = e.string("CidrBlock") or e.string("Ipv6CidrBlock")
            number = e.integer("RuleNumber")
            entries.append(m.NetworkAclEntry(32767 if number is None else number, e.boolean("Egress"), proto,
                                             e.string("RuleAction", "deny").lower(),
                                             parse_cidr(cidr) if cidr else m.Unresolved(aid, "entry without CIDR"),
                                             ports, pv))
        entries.sort(key=lambda x: x.rule_number)
        sids = tuple(x.string("SubnetId") for x in a.objs("Associations") if x.string("SubnetId"))
        inv.network_acls[aid] = m.NetworkAcl(aid, a.string("VpcId") or m.Unresolved(aid, "VpcId missing"),
                                             a.boolean("IsDefault"), sids, tuple(entries), pv)


def internet_gateways(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, g in _objects(items, "InternetGateways", source):
        gid = g.string("InternetGatewayId")
        if gid:
            vpc_ids = tuple(a.string("VpcId") for a in g.objs("Attachments")
                            if a.string("VpcId") and a.string("State", "available") in ("available", "attached"))
            inv.internet_gateways[gid] = m.InternetGateway(gid, vpc_ids,
                                                           _prov(source, gid, f"InternetGateways[{i}]", input_name))


def nat_gateways(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, g in _objects(items, "NatGateways", source):
        gid = g.string("NatGatewayId")
        if gid:
            inv.nat_gateways[gid] = m.NatGateway(
                gid, g.string("SubnetId") or m.Unresolved(gid, "SubnetId missing"),
                _prov(source, gid, f"NatGateways[{i}]", input_name),
                g.string("ConnectivityType", "public").lower(), g.string("State", "available"))


def vpc_endpoints(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeVpcEndpoints: type, subnets and groups (Interface), route tables (Gateway), ENIs, policy."""
    for i, e in _objects(items, "VpcEndpoints", source):
        eid = e.string("VpcEndpointId")
        if eid:
            pv = _prov(source, eid, f"VpcEndpoints[{i}]", input_name)
            doc = e.doc("PolicyDocument") if e.has("PolicyDocument") else None
            inv.vpc_endpoints[eid] = m.VpcEndpoint(
                eid, e.string("VpcId") or m.Unresolved(eid, "VpcId missing"), e.string("ServiceName", ""),
                e.string("VpcEndpointType", "Gateway"), e.strs("SubnetIds"),
                tuple(g.string("GroupId") for g in e.objs("Groups") if g.string("GroupId")),
                e.boolean("PrivateDnsEnabled"), pv,
                route_table_ids=e.strs("RouteTableIds"),
                network_interface_ids=e.strs("NetworkInterfaceIds"),
                state=e.string("State", "available").lower(),
                policy=parse_policy(f"{eid}/policy", doc, pv).statements if isinstance(doc, dict) else None)


def _cidr_set(info: _Obj) -> tuple[Any, ...]:
    cidrs = [parse_cidr(c.string("CidrBlock")) for c in info.objs("CidrBlockSet") if c.string("CidrBlock")]
    if not cidrs and info.string("CidrBlock"):
        cidrs = [parse_cidr(info.string("CidrBlock"))]
    return tuple(c for c in cidrs if not isinstance(c, m.Unresolved))


def _dns_option(info: _Obj) -> bool | None:
    opts = info.obj("PeeringOptions")
    return opts.boolean("AllowDnsResolutionFromRemoteVpc") if opts.has("AllowDnsResolutionFromRemoteVpc") else None


def peering_connections(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeVpcPeeringConnections: both VPCs with their CIDRs, Regions, owners and DNS options."""
    for i, p in _objects(items, "VpcPeeringConnections", source):
        pid = p.string("VpcPeeringConnectionId")
        if pid:
            req = p.obj("RequesterVpcInfo")
            acc = p.obj("AccepterVpcInfo")
            inv.peering_connections[pid] = m.VpcPeeringConnection(
                pid, req.string("VpcId", m.Unresolved(pid, "requester unknown")),
                acc.string("VpcId", m.Unresolved(pid, "accepter unknown")),
                p.obj("Status").string("Code", "unknown"),
                _prov(source, pid, f"VpcPeeringConnections[{i}]", input_name),
                requester_cidrs=_cidr_set(req), accepter_cidrs=_cidr_set(acc),
                requester_region=req.string("Region"), accepter_region=acc.string("Region"),
                requester_owner_id=req.string("OwnerId"), accepter_owner_id=acc.string("OwnerId"),
                requester_dns_from_remote=_dns_option(req), accepter_dns_from_remote=_dns_option(acc))


def _eni(inv: m.Inventory, n: _Obj, pv: m.Provenance, instance_id: str | None = None,
         vpc_id: str | None = None) -> None:
    nid = n.string("NetworkInterfaceId")
    if not nid:
        return
    ips = [a.string("PrivateIpAddress") for a in n.objs("PrivateIpAddresses") if a.string("PrivateIpAddress")]
    if not ips and n.string("PrivateIpAddress"):
        ips = [n.string("PrivateIpAddress")]
    desc = n.string("Description") or ""
    owner = instance_id or n.obj("Attachment").string("InstanceId")
    itype = n.string("InterfaceType") or "interface"
    if owner is None:
        for word in desc.split():
            if word.startswith(("nat-", "vpce-", "tgw-attach-")):
                owner = word
    prev = inv.network_interfaces.get(nid)
    inv.network_interfaces[nid] = m.NetworkInterface(
        nid, n.string("SubnetId") or m.Unresolved(nid, "SubnetId missing"),
        n.string("VpcId") or vpc_id or (prev.vpc_id if prev else m.Unresolved(nid, "VpcId missing")), tuple(ips),
        tuple(g.string("GroupId") for g in n.objs("Groups") if g.string("GroupId")),
        itype, pv, owner or (prev.owner_id if prev else None), _source_dest_check(n), desc,
        bool(n.obj("Association").string("PublicIp")))


def _source_dest_check(x: _Obj) -> bool | None:
    """``SourceDestCheck`` of a DescribeInstances / DescribeNetworkInterfaces record; None when absent (a NAT
    instance is decided by it: VPC User Guide, "NAT instances", "Disable source/destination checks")."""
    return x.boolean("SourceDestCheck") if x.has("SourceDestCheck") else None


def network_interfaces(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeNetworkInterfaces."""
    for i, n in _objects(items, "NetworkInterfaces", source):
        nid = n.string("NetworkInterfaceId")
        if nid:
            _eni(inv, n, _prov(source, nid, f"NetworkInterfaces[{i}]", input_name))


def reservations(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeInstances ``Reservations[].Instances[]``: instances and their ENIs."""
    for _, r in _objects(items, "Reservations", source):
        for x in r.objs("Instances"):
            iid = x.string("InstanceId")
            if not iid:
                continue
            pv = _prov(source, iid, f"{x.path}", input_name)
            enis = []
            for n in x.objs("NetworkInterfaces"):
                nid = n.string("NetworkInterfaceId")
                if nid:
                    if nid not in inv.network_interfaces:
                        _eni(inv, n, _prov(source, nid, n.path, input_name), instance_id=iid,
                             vpc_id=x.string("VpcId"))
                    enis.append(nid)
            inv.instances[iid] = m.Instance(
                iid, x.string("SubnetId") or m.Unresolved(iid, "SubnetId missing"),
                x.string("VpcId") or m.Unresolved(iid, "VpcId missing"), x.string("PrivateIpAddress"), tuple(enis),
                tuple(g.string("GroupId") for g in x.objs("SecurityGroups") if g.string("GroupId")), pv,
                _source_dest_check(x), x.obj("State").string("Name", "running"),
                bool(x.string("PublicIpAddress")) or any(
                    bool(n.obj("Association").string("PublicIp")) for n in x.objs("NetworkInterfaces")))


def transit_gateways(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeTransitGateways."""
    for i, t in _objects(items, "TransitGateways", source):
        tid = t.string("TransitGatewayId")
        if not tid:
            continue
        o = t.obj("Options")
        inv.transit_gateways[tid] = m.TransitGateway(
            tid, t.string("State", "available"), _prov(source, tid, f"TransitGateways[{i}]", input_name),
            o.string("DefaultRouteTableAssociation", "enable") == "enable",
            o.string("DefaultRouteTablePropagation", "enable") == "enable",
            o.string("AssociationDefaultRouteTableId"), o.string("PropagationDefaultRouteTableId"),
            o.string("DnsSupport", "enable") == "enable")


def transit_gateway_vpc_attachments(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeTransitGatewayVpcAttachments: the subnets (one per AZ) of each VPC attachment."""

    for i, a in _objects(items, "TransitGatewayVpcAttachments", source):
        aid = a.string("TransitGatewayAttachmentId")
        if not aid:
            continue
        prev = inv.transit_gateway_attachments.get(aid)
        att = m.TransitGatewayVpcAttachment(
            aid, a.string("TransitGatewayId") or m.Unresolved(aid, "TransitGatewayId missing"),
            a.string("VpcId") or m.Unresolved(aid, "VpcId missing"), a.strs("SubnetIds"),
            a.string("State", "available"), _prov(source, aid, f"TransitGatewayVpcAttachments[{i}]", input_name),
            prev.route_table_id if prev else None, association=prev.association if prev else "unknown")
        inv.transit_gateway_attachments[aid] = att


def transit_gateway_attachments(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeTransitGatewayAttachments: the associated route table (``Association``) of VPC attachments, and
    of peering attachments on this Region's side."""
    import dataclasses

    for _, a in _objects(items, "TransitGatewayAttachments", source):
        aid = a.string("TransitGatewayAttachmentId")
        assoc = a.obj("Association")
        if aid and a.string("ResourceType") == "peering" and assoc.d and \
                assoc.string("State") in (None, "associated") and aid in inv.transit_gateway_peering_attachments:
            tgw, rt = a.string("TransitGatewayId"), assoc.string("TransitGatewayRouteTableId")
            peer = inv.transit_gateway_peering_attachments[aid]
            if tgw and rt and (tgw, rt) not in peer.route_table_ids:
                inv.transit_gateway_peering_attachments[aid] = dataclasses.replace(
                    peer, route_table_ids=peer.route_table_ids + ((tgw, rt),))
            continue
        if not aid or a.string("ResourceType") != "vpc":
            continue
        att = inv.transit_gateway_attachments.get(aid)  # read first: ORDER puts TransitGatewayVpcAttachments before
        if att is None:
            continue
        associated = bool(assoc.d) and assoc.string("State") in (None, "associated")
        inv.transit_gateway_attachments[aid] = dataclasses.replace(
            att, association="described",
            route_table_id=assoc.string("TransitGatewayRouteTableId") if associated else None)


def transit_gateway_peering_attachments(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeTransitGatewayPeeringAttachments: both transit gateways with their accounts and Regions
    (``RequesterTgwInfo`` / ``AccepterTgwInfo``) and the attachment ``State``. Each Region describes the same
    attachment: records met twice are combined (associations of both sides kept). Items without
    ``RequesterTgwInfo``/``AccepterTgwInfo`` are not peering attachments and are skipped."""
    for i, a in _objects(items, "TransitGatewayPeeringAttachments", source):
        aid = a.string("TransitGatewayAttachmentId")
        if not aid:
            continue
        req, acc = a.obj("RequesterTgwInfo"), a.obj("AccepterTgwInfo")
        if not req.d and not acc.d:
            continue  # not a peering attachment (moto lists VPC attachments here too)
        state = a.string("State") or a.obj("Status").string("Code", "available")
        prev = inv.transit_gateway_peering_attachments.get(aid)
        inv.transit_gateway_peering_attachments[aid] = m.TransitGatewayPeeringAttachment(
            aid, req.string("TransitGatewayId") or m.Unresolved(aid, "RequesterTgwInfo.TransitGatewayId missing"),
            acc.string("TransitGatewayId") or m.Unresolved(aid, "AccepterTgwInfo.TransitGatewayId missing"),
            str(state),
            _prov(source, aid, f"TransitGatewayPeeringAttachments[{i}]", input_name),
            requester_region=req.string("Region"), accepter_region=acc.string("Region"),
            requester_owner_id=req.string("OwnerId"), accepter_owner_id=acc.string("OwnerId"),
            route_table_ids=prev.route_table_ids if prev else ())


def transit_gateway_route_tables(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeTransitGatewayRouteTables (routes come from TransitGatewayStaticRoutes / propagations)."""
    for i, t in _objects(items, "TransitGatewayRouteTables", source):
        rid = t.string("TransitGatewayRouteTableId")
        if not rid:
            continue
        inv.transit_gateway_route_tables[rid] = m.TransitGatewayRouteTable(
            rid, t.string("TransitGatewayId") or m.Unresolved(rid, "TransitGatewayId missing"),
            _prov(source, rid, f"TransitGatewayRouteTables[{i}]", input_name),
            default_association=t.boolean("DefaultAssociationRouteTable"),
            default_propagation=t.boolean("DefaultPropagationRouteTable"), routes_known=False)


def transit_gateway_propagations(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """``TransitGatewayPropagations``: per route table, GetTransitGatewayRouteTablePropagations output."""
    import dataclasses

    for _, t in _objects(items, "TransitGatewayPropagations", source):
        rid = t.string("TransitGatewayRouteTableId")
        rt = inv.transit_gateway_route_tables.get(rid) if rid else None
        if rt is None:
            continue
        props = tuple(p.string("TransitGatewayAttachmentId") for p in t.objs("TransitGatewayRouteTablePropagations")
                      if p.string("TransitGatewayAttachmentId") and p.string("State") == "enabled")
        inv.transit_gateway_route_tables[rt.id] = dataclasses.replace(rt, propagations=rt.propagations + props)


def transit_gateway_static_routes(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """``TransitGatewayStaticRoutes``: per route table, SearchTransitGatewayRoutes(type=static) output."""
    import dataclasses

    for i, t in _objects(items, "TransitGatewayStaticRoutes", source):
        rid = t.string("TransitGatewayRouteTableId")
        rt = inv.transit_gateway_route_tables.get(rid) if rid else None
        if rt is None:
            continue
        pv = _prov(source, rt.id, f"TransitGatewayStaticRoutes[{i}]", input_name)
        routes = []
        for r in t.objs("Routes"):
            if not r.string("DestinationCidrBlock"):
                continue
            atts = tuple(a.string("TransitGatewayAttachmentId") for a in r.objs("TransitGatewayAttachments")
                         if a.string("TransitGatewayAttachmentId"))
            routes.append(m.TransitGatewayRoute(parse_cidr(r.string("DestinationCidrBlock")), atts,
                                                r.string("Type", "static"), r.string("State", "active"), pv))
        inv.transit_gateway_route_tables[rt.id] = dataclasses.replace(
            rt, routes=rt.routes + tuple(x for x in routes if x.route_type == "static"), routes_known=True)


def functions(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, f in _objects(items, "Functions", source):
        arn = f.string("FunctionArn")
        if not arn:
            continue
        vpc = f.obj("VpcConfig")
        config = None
        if vpc.strs("SubnetIds"):
            config = m.VpcConfig(vpc.strs("SubnetIds"), vpc.strs("SecurityGroupIds"))
        env_obj = f.obj("Environment").obj("Variables")
        env = {str(k): env_obj.string(str(k), "") for k in env_obj.d}
        runtime_secrets = tuple(v for v in env.values() if v.startswith("arn:aws") and ":secretsmanager:" in v)
        for k, v in env.items():
            if looks_like_password_key(k):
                register_secret(v)
        pv = _prov(source, arn, f"Functions[{i}]", input_name)
        inv.functions[arn] = m.LambdaFunction(
            arn, f.string("FunctionName", arn), f.string("Role") or m.Unresolved(arn, "no role"), config,
            env, pv, runtime_secrets=runtime_secrets, reserved_concurrency=f.integer("ReservedConcurrentExecutions"),
            runtime=f.string("Runtime", ""), concurrency_known="ReservedConcurrentExecutions" in f.d)


def _subnet_group(inv: m.Inventory, g: _Obj, source: str, input_name: str, path: str) -> str | None:
    name = g.string("DBSubnetGroupName")
    if not name:
        return None
    gid = f"dbsubnetgroup:{name}"
    subnets_ = tuple(s.string("SubnetIdentifier") for s in g.objs("Subnets") if s.string("SubnetIdentifier"))
    if gid not in inv.db_subnet_groups or subnets_:
        inv.db_subnet_groups[gid] = m.DBSubnetGroup(gid, name, subnets_, _prov(source, name, path, input_name))
    return name


def db_instances(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, d in _objects(items, "DBInstances", source):
        ident = d.string("DBInstanceIdentifier")
        if not ident:
            continue
        arn = d.string("DBInstanceArn") or f"arn:aws:rds:::db:{ident}"
        ep = d.obj("Endpoint")
        group = _subnet_group(inv, d.obj("DBSubnetGroup"), source, input_name, f"DBInstances[{i}].DBSubnetGroup")
        inv.db_instances[arn] = m.DBInstance(
            arn, ident, d.string("Engine", ""), ep.integer("Port") or d.integer("DbInstancePort") or None,
            ep.string("Address") or m.Unresolved(f"{ident}.Endpoint", "instance has no endpoint yet"),
            group, tuple(g.string("VpcSecurityGroupId") for g in d.objs("VpcSecurityGroups")
                         if g.string("VpcSecurityGroupId") and g.string("Status", "active") == "active"),
            d.boolean("PubliclyAccessible"), _prov(source, arn, f"DBInstances[{i}]", input_name),
            cluster_id=d.string("DBClusterIdentifier"), resource_id=d.string("DbiResourceId"), arn=arn,
            master_secret=d.obj("MasterUserSecret").string("SecretArn"),
            status=d.string("DBInstanceStatus", "available"),
            iam_auth=d.boolean("IAMDatabaseAuthenticationEnabled"),
            availability_zone=d.string("AvailabilityZone"), instance_class=d.string("DBInstanceClass") or None,
            parameter_group=_one_parameter_group(d.objs("DBParameterGroups"), "DBParameterGroupName"))


def _one_parameter_group(groups: list[Any], key: str) -> str | m.Unresolved | None:
    """The DB parameter group of a DescribeDBInstances item (DBParameterGroups[].DBParameterGroupName): its name,
    or Unresolved when there is not exactly one (then its max_connections is undecided)."""
    names = [g.string(key) for g in groups if g.string(key)]
    if len(names) == 1:
        return names[0]
    return m.Unresolved(key, f"{len(names)} parameter groups listed") if names else None


def db_clusters(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, c in _objects(items, "DBClusters", source):
        ident = c.string("DBClusterIdentifier")
        if not ident:
            continue
        arn = c.string("DBClusterArn") or f"arn:aws:rds:::cluster:{ident}"
        inv.db_clusters[arn] = m.DBCluster(
            arn, ident, c.string("Engine", ""), c.integer("Port"),
            c.string("Endpoint") or m.Unresolved(f"{ident}.Endpoint", "no endpoint"),
            c.string("ReaderEndpoint") or m.Unresolved(f"{ident}.ReaderEndpoint", "no reader endpoint"),
            c.string("DBSubnetGroup"),
            tuple(g.string("VpcSecurityGroupId") for g in c.objs("VpcSecurityGroups") if g.string("VpcSecurityGroupId")),
            _prov(source, arn, f"DBClusters[{i}]", input_name), arn=arn,
            resource_id=c.string("DbClusterResourceId"),
            master_secret=c.obj("MasterUserSecret").string("SecretArn"),
            http_endpoint=c.boolean("HttpEndpointEnabled"), status=c.string("Status", "available"),
            iam_auth=c.boolean("IAMDatabaseAuthenticationEnabled"),
            parameter_group=c.string("DBClusterParameterGroup") or None)


def db_subnet_groups(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, g in _objects(items, "DBSubnetGroups", source):
        _subnet_group(inv, g, source, input_name, f"DBSubnetGroups[{i}]")


def db_proxies(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, p in _objects(items, "DBProxies", source):
        arn = p.string("DBProxyArn")
        if not arn:
            continue
        auth = tuple(m.ProxyAuth(a.string("SecretArn") or m.Unresolved(arn, "auth secret"), a.string("IAMAuth", "DISABLED"))
                     for a in p.objs("Auth"))
        inv.db_proxies[arn] = m.DBProxy(
            arn, p.string("DBProxyName", arn), arn, arn.rsplit(":", 1)[-1], p.string("EngineFamily", ""),
            p.string("Endpoint") or m.Unresolved(arn, "no endpoint"), p.strs("VpcSubnetIds"),
            p.strs("VpcSecurityGroupIds"), p.boolean("RequireTLS"), auth,
            p.string("RoleArn") or m.Unresolved(arn, "no role"), _prov(source, arn, f"DBProxies[{i}]", input_name),
            status=p.string("Status", "available"))


def db_proxy_targets(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeDBProxyTargets items; we keep a side table keyed by the proxy name (``_ProxyName`` added by
    the live source/snapshot writer, absent in raw API output)."""
    import dataclasses

    for _, t in _objects(items, "Targets", source):
        name = t.string("_ProxyName")
        ident = t.string("RdsResourceId")
        if not name or not ident:
            continue
        for pid, p in list(inv.db_proxies.items()):
            if p.name == name:
                target_id = ident
                for c in inv.db_clusters.values():
                    if c.identifier == ident:
                        target_id = c.id
                for d in inv.db_instances.values():
                    if d.identifier == ident and d.cluster_id is None:
                        target_id = d.id
                if target_id not in p.targets:
                    inv.db_proxies[pid] = dataclasses.replace(p, targets=p.targets + (target_id,))


def secrets(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, s in _objects(items, "SecretList", source):
        arn = s.string("ARN")
        if arn:
            inv.secrets[arn] = m.Secret(arn, arn, s.string("Name", arn), _prov(source, arn, f"SecretList[{i}]", input_name))


def _doc(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(unquote(value))
        except (ValueError, RecursionError):
            return None
    return value


def roles(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """``RoleDetailList`` of GetAccountAuthorizationDetails (or ``Roles`` with inline/attached policies added
    by the live source)."""
    for i, r in _objects(items, "RoleDetailList", source):
        arn = r.string("Arn")
        if not arn:
            continue
        pv = _prov(source, arn, f"RoleDetailList[{i}]", input_name)
        name = r.string("RoleName", arn)
        inline = tuple(parse_policy(f"{name}/inline:{p.string('PolicyName')}", p.doc("PolicyDocument"), pv)
                       for p in r.objs("RolePolicyList"))
        attached: tuple[Any, ...] = tuple(p.string("PolicyArn") for p in r.objs("AttachedManagedPolicies")
                                          if p.string("PolicyArn"))
        # ``iam list-roles`` items (also read as ``Roles``) carry no policy lists: absent is unknown, never empty
        if r.boolean("RdslinkUnknownAttachedPolicies") or "AttachedManagedPolicies" not in r.d:
            attached += (m.Unresolved("iam:ListAttachedRolePolicies", "attached policies could not be listed"),)
        if r.boolean("RdslinkUnknownInlinePolicies") or "RolePolicyList" not in r.d:
            inline += (m.PolicyDocument(f"{name}/inline:?", (m.Statement(
                "Unknown", (m.Unresolved("iam:ListRolePolicies", "inline policies could not be read"),),
                (m.Unresolved("iam:ListRolePolicies", "inline policies could not be read"),), pv),)),)
        trust = r.doc("AssumeRolePolicyDocument") or {}
        principals: list[Any] = []
        statements = trust.get("Statement") if isinstance(trust, dict) else None
        for st in statements if isinstance(statements, list) else [statements] if isinstance(statements, dict) else []:
            pr = st.get("Principal") if isinstance(st, dict) else None
            if isinstance(pr, dict):
                aws = pr.get("AWS")
                principals.extend(x for x in (aws if isinstance(aws, list) else [aws]) if isinstance(x, str))
        boundary = r.obj("PermissionsBoundary").string("PermissionsBoundaryArn")
        inv.roles[arn] = m.Role(arn, arn, name, inline, attached, pv, tuple(principals), boundary)
    bundled = aws_managed_policies()
    for role in inv.roles.values():
        for parn in role.managed_policy_arns:
            if isinstance(parn, str) and parn in bundled and parn not in inv.managed_policies:
                inv.managed_policies[parn] = bundled[parn]


def managed_policies(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """``Policies`` of GetAccountAuthorizationDetails: the default version's document."""
    for i, p in _objects(items, "Policies", source):
        arn = p.string("Arn")
        if not arn:
            continue
        doc = None
        for v in p.objs("PolicyVersionList"):
            if v.boolean("IsDefaultVersion"):
                doc = v.doc("Document")
        if doc is None and "Document" in p.d:
            doc = p.doc("Document")
        if doc is None:
            continue
        pv = _prov(source, arn, f"Policies[{i}]", input_name)
        inv.managed_policies[arn] = m.ManagedPolicy(arn, parse_policy(arn, doc, pv), pv)


#: Top-level response key -> converter. Order matters only for cross references resolved at load time
#: (proxy targets after proxies and databases; see :data:`ORDER`).
DISPATCH: dict[str, Converter] = {
    "Vpcs": vpcs,
    "VpcAttributes": vpc_attributes,
    "Subnets": subnets,
    "SecurityGroups": security_groups,
    "RouteTables": route_tables,
    "NetworkAcls": network_acls,
    "InternetGateways": internet_gateways,
    "NatGateways": nat_gateways,
    "VpcEndpoints": vpc_endpoints,
    "VpcPeeringConnections": peering_connections,
    "NetworkInterfaces": network_interfaces,
    "Reservations": reservations,
    "TransitGateways": transit_gateways,
    "TransitGatewayVpcAttachments": transit_gateway_vpc_attachments,
    "TransitGatewayPeeringAttachments": transit_gateway_peering_attachments,
    "TransitGatewayAttachments": transit_gateway_attachments,
    "TransitGatewayRouteTables": transit_gateway_route_tables,
    "TransitGatewayPropagations": transit_gateway_propagations,
    "TransitGatewayStaticRoutes": transit_gateway_static_routes,
    "Functions": functions,
    "DBInstances": db_instances,
    "DBClusters": db_clusters,
    "DBSubnetGroups": db_subnet_groups,
    "DBProxies": db_proxies,
    "Targets": db_proxy_targets,
    "SecretList": secrets,
    "RoleDetailList": roles,
    "Roles": roles,
    "Policies": managed_policies,
}

ORDER = list(DISPATCH)

#: Keys recognised but not modelled (no warning): other services and EC2 objects the analysis does not need.
IGNORED = frozenset({
    "AvailabilityZones", "Addresses", "CustomerGateways", "VpnGateways",
    "VpnConnections", "NextToken",
    "Marker", "ResponseMetadata", "IsTruncated", "GroupDetailList", "UserDetailList", "Account", "Arn",
    "UserId", "Regions", "PrefixLists", "Entries",
})
