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
from ..model.values import ALL_PORTS, normalise_protocol, parse_cidr, port_range
from .managed_policies import aws_managed_policies
from .policy import parse_policy

Converter = Callable[[m.Inventory, list[Any], str, str], None]


def _prov(source: str, ident: str, path: str, input_name: str) -> m.Provenance:
    return m.Provenance(source=source, logical_id=ident, path=path, input=input_name)


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _rules(sg_id: str, perms: list[Any], direction: str, pv: m.Provenance) -> list[m.SecurityGroupRule]:
    out = []
    for i, p in enumerate(perms):
        if not isinstance(p, dict):
            continue
        proto = normalise_protocol(p.get("IpProtocol", "-1"))
        ports = port_range(proto, p.get("FromPort"), p.get("ToPort"))
        rpv = m.Provenance(pv.source, pv.logical_id, f"{pv.path}.{'IpPermissions' if direction == 'ingress' else 'IpPermissionsEgress'}[{i}]",
                           pv.line, False, pv.input)
        for r in _items(p.get("IpRanges")):
            out.append(m.SecurityGroupRule(direction, proto, ports, rpv, cidr=parse_cidr(r.get("CidrIp")),
                                           description=str(r.get("Description", ""))))
        for r in _items(p.get("Ipv6Ranges")):
            out.append(m.SecurityGroupRule(direction, proto, ports, rpv, cidr=parse_cidr(r.get("CidrIpv6")),
                                           description=str(r.get("Description", ""))))
        for r in _items(p.get("UserIdGroupPairs")):
            out.append(m.SecurityGroupRule(direction, proto, ports, rpv, group_id=str(r.get("GroupId")),
                                           description=str(r.get("Description", ""))))
        for r in _items(p.get("PrefixListIds")):
            out.append(m.SecurityGroupRule(direction, proto, ports, rpv, prefix_list_id=str(r.get("PrefixListId"))))
    return out


def vpcs(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, v in enumerate(items):
        vid = v.get("VpcId")
        if not vid:
            continue
        cidrs = [parse_cidr(a["CidrBlock"]) for a in _items(v.get("CidrBlockAssociationSet"))
                 if isinstance(a, dict) and a.get("CidrBlock")
                 and (a.get("CidrBlockState") or {}).get("State", "associated") == "associated"]
        if not cidrs and v.get("CidrBlock"):
            cidrs = [parse_cidr(v["CidrBlock"])]
        dns = _attr(v.get("EnableDnsSupport"))
        inv.vpcs[vid] = m.Vpc(vid, tuple(cidrs), dns if isinstance(dns, bool) else m.Unresolved(
            f"{vid}.enableDnsSupport", "DescribeVpcs does not return it; ec2:DescribeVpcAttribute was not read"),
            _prov(source, vid, f"Vpcs[{i}]", input_name))


def _attr(v: Any) -> Any:
    return v.get("Value") if isinstance(v, dict) else v


def vpc_attributes(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """Entries ``{"VpcId", "EnableDnsSupport": {"Value": bool}, "EnableDnsHostnames": {...}}`` written by the
    live source from DescribeVpcAttribute."""
    import dataclasses

    for a in items:
        vpc = inv.vpcs.get(str(a.get("VpcId"))) if isinstance(a, dict) else None
        if vpc is None:
            continue
        changes: dict[str, Any] = {}
        dns = _attr(a.get("EnableDnsSupport"))
        if isinstance(dns, bool):
            changes["enable_dns_support"] = dns
        host = _attr(a.get("EnableDnsHostnames"))
        if isinstance(host, bool):
            changes["enable_dns_hostnames"] = host
        inv.vpcs[vpc.id] = dataclasses.replace(vpc, **changes)


def subnets(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, s in enumerate(items):
        sid = s.get("SubnetId")
        if not sid:
            continue
        inv.subnets[sid] = m.Subnet(
            sid, s.get("VpcId") or m.Unresolved(f"{sid}.VpcId", "VpcId missing"),
            parse_cidr(s.get("CidrBlock")) if s.get("CidrBlock") else m.Unresolved(f"{sid}.CidrBlock", "no IPv4 CIDR"),
            s.get("AvailabilityZone") or m.Unresolved(f"{sid}.AvailabilityZone", "AZ missing"),
            _prov(source, sid, f"Subnets[{i}]", input_name),
            available_ips=s.get("AvailableIpAddressCount") if isinstance(s.get("AvailableIpAddressCount"), int) else None,
        )


def security_groups(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, g in enumerate(items):
        gid = g.get("GroupId")
        if not gid:
            continue
        pv = _prov(source, gid, f"SecurityGroups[{i}]", input_name)
        inv.security_groups[gid] = m.SecurityGroup(
            gid, g.get("VpcId") or m.Unresolved("EC2-Classic", "security group without VpcId"),
            g.get("GroupName", gid),
            tuple(_rules(gid, _items(g.get("IpPermissions")), "ingress", pv)),
            tuple(_rules(gid, _items(g.get("IpPermissionsEgress")), "egress", pv)),
            pv,
        )


def route_tables(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, t in enumerate(items):
        rid = t.get("RouteTableId")
        if not rid:
            continue
        pv = _prov(source, rid, f"RouteTables[{i}]", input_name)
        routes = []
        for r in _items(t.get("Routes")):
            dest: Any = None
            if r.get("DestinationCidrBlock"):
                dest = parse_cidr(r["DestinationCidrBlock"])
            elif r.get("DestinationIpv6CidrBlock"):
                dest = parse_cidr(r["DestinationIpv6CidrBlock"])
            elif r.get("DestinationPrefixListId"):
                dest = r["DestinationPrefixListId"]
            kind, target = "other", None
            gw = r.get("GatewayId")
            if gw == "local":
                kind, target = "local", "local"
            elif isinstance(gw, str) and gw.startswith("igw-"):
                kind, target = "igw", gw
            elif isinstance(gw, str) and gw.startswith("vpce-"):
                kind, target = "vpce", gw
            elif isinstance(gw, str):
                kind, target = "gateway", gw
            for key, k in (("NatGatewayId", "nat"), ("VpcPeeringConnectionId", "pcx"), ("TransitGatewayId", "tgw"),
                           ("NetworkInterfaceId", "eni"), ("InstanceId", "instance"),
                           ("EgressOnlyInternetGatewayId", "egress-only")):
                if r.get(key):
                    kind, target = k, r[key]
                    break
            state = "blackhole" if r.get("State") == "blackhole" else "active"
            routes.append(m.Route(dest if dest is not None else m.Unresolved("route", "no destination"), kind,
                                  target or m.Unresolved("route", "no target"), pv, state))
        assoc = [a for a in _items(t.get("Associations")) if isinstance(a, dict)]
        is_main = any(a.get("Main") for a in assoc)
        sids = tuple(a["SubnetId"] for a in assoc if a.get("SubnetId"))
        inv.route_tables[rid] = m.RouteTable(rid, t.get("VpcId") or m.Unresolved(rid, "VpcId missing"),
                                             tuple(routes), sids, is_main, pv)


def network_acls(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, a in enumerate(items):
        aid = a.get("NetworkAclId")
        if not aid:
            continue
        pv = _prov(source, aid, f"NetworkAcls[{i}]", input_name)
        entries = []
        for e in _items(a.get("Entries")):
            proto = normalise_protocol(e.get("Protocol", "-1"))
            pr = e.get("PortRange") or {}
            ports = port_range(proto, pr.get("From"), pr.get("To")) if pr else (ALL_PORTS if proto in ("-1", "6", "17")
                                                                                 else ALL_PORTS)
            cidr = e.get("CidrBlock") or e.get("Ipv6CidrBlock")
            entries.append(m.NetworkAclEntry(int(e.get("RuleNumber", 32767)), bool(e.get("Egress")), proto,
                                             str(e.get("RuleAction", "deny")).lower(),
                                             parse_cidr(cidr) if cidr else m.Unresolved(aid, "entry without CIDR"),
                                             ports, pv))
        entries.sort(key=lambda x: x.rule_number)
        sids = tuple(x["SubnetId"] for x in _items(a.get("Associations")) if isinstance(x, dict) and x.get("SubnetId"))
        inv.network_acls[aid] = m.NetworkAcl(aid, a.get("VpcId") or m.Unresolved(aid, "VpcId missing"),
                                             bool(a.get("IsDefault")), sids, tuple(entries), pv)


def internet_gateways(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, g in enumerate(items):
        gid = g.get("InternetGatewayId")
        if gid:
            vpc_ids = tuple(a["VpcId"] for a in _items(g.get("Attachments"))
                            if isinstance(a, dict) and a.get("VpcId") and a.get("State", "available") in
                            ("available", "attached"))
            inv.internet_gateways[gid] = m.InternetGateway(gid, vpc_ids,
                                                           _prov(source, gid, f"InternetGateways[{i}]", input_name))


def nat_gateways(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, g in enumerate(items):
        gid = g.get("NatGatewayId")
        if gid:
            inv.nat_gateways[gid] = m.NatGateway(
                gid, g.get("SubnetId") or m.Unresolved(gid, "SubnetId missing"),
                _prov(source, gid, f"NatGateways[{i}]", input_name),
                str(g.get("ConnectivityType", "public")).lower(), str(g.get("State", "available")))


def vpc_endpoints(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeVpcEndpoints: type, subnets and groups (Interface), route tables (Gateway), ENIs, policy."""
    for i, e in enumerate(items):
        eid = e.get("VpcEndpointId")
        if eid:
            pv = _prov(source, eid, f"VpcEndpoints[{i}]", input_name)
            doc = _doc(e.get("PolicyDocument")) if e.get("PolicyDocument") else None
            inv.vpc_endpoints[eid] = m.VpcEndpoint(
                eid, e.get("VpcId") or m.Unresolved(eid, "VpcId missing"), e.get("ServiceName", ""),
                str(e.get("VpcEndpointType", "Gateway")), tuple(_items(e.get("SubnetIds"))),
                tuple(str(g["GroupId"]) for g in _items(e.get("Groups")) if isinstance(g, dict) and g.get("GroupId")),
                bool(e.get("PrivateDnsEnabled")), pv,
                route_table_ids=tuple(str(x) for x in _items(e.get("RouteTableIds"))),
                network_interface_ids=tuple(str(x) for x in _items(e.get("NetworkInterfaceIds"))),
                state=str(e.get("State", "available")).lower(),
                policy=parse_policy(f"{eid}/policy", doc, pv).statements if isinstance(doc, dict) else None)


def _cidr_set(info: dict[str, Any]) -> tuple[Any, ...]:
    cidrs = [parse_cidr(c["CidrBlock"]) for c in _items(info.get("CidrBlockSet"))
             if isinstance(c, dict) and c.get("CidrBlock")]
    if not cidrs and info.get("CidrBlock"):
        cidrs = [parse_cidr(info["CidrBlock"])]
    return tuple(c for c in cidrs if not isinstance(c, m.Unresolved))


def _dns_option(info: dict[str, Any]) -> bool | None:
    opts = info.get("PeeringOptions")
    if not isinstance(opts, dict):
        return None
    v = opts.get("AllowDnsResolutionFromRemoteVpc")
    return v if isinstance(v, bool) else None


def peering_connections(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeVpcPeeringConnections: both VPCs with their CIDRs, Regions, owners and DNS options."""
    for i, p in enumerate(items):
        pid = p.get("VpcPeeringConnectionId")
        if pid:
            req = p.get("RequesterVpcInfo") or {}
            acc = p.get("AccepterVpcInfo") or {}
            inv.peering_connections[pid] = m.VpcPeeringConnection(
                pid, req.get("VpcId", m.Unresolved(pid, "requester unknown")),
                acc.get("VpcId", m.Unresolved(pid, "accepter unknown")),
                str((p.get("Status") or {}).get("Code", "unknown")),
                _prov(source, pid, f"VpcPeeringConnections[{i}]", input_name),
                requester_cidrs=_cidr_set(req), accepter_cidrs=_cidr_set(acc),
                requester_region=req.get("Region"), accepter_region=acc.get("Region"),
                requester_owner_id=req.get("OwnerId"), accepter_owner_id=acc.get("OwnerId"),
                requester_dns_from_remote=_dns_option(req), accepter_dns_from_remote=_dns_option(acc))


def _eni(inv: m.Inventory, n: dict[str, Any], pv: m.Provenance) -> None:
    nid = n.get("NetworkInterfaceId")
    if not nid:
        return
    ips = [str(a["PrivateIpAddress"]) for a in _items(n.get("PrivateIpAddresses"))
           if isinstance(a, dict) and a.get("PrivateIpAddress")]
    if not ips and n.get("PrivateIpAddress"):
        ips = [str(n["PrivateIpAddress"])]
    desc = str(n.get("Description") or "")
    owner = (n.get("Attachment") or {}).get("InstanceId")
    itype = str(n.get("InterfaceType") or "interface")
    if owner is None:
        for word in desc.split():
            if word.startswith(("nat-", "vpce-", "tgw-attach-")):
                owner = word
    prev = inv.network_interfaces.get(nid)
    inv.network_interfaces[nid] = m.NetworkInterface(
        nid, n.get("SubnetId") or m.Unresolved(nid, "SubnetId missing"),
        n.get("VpcId") or (prev.vpc_id if prev else m.Unresolved(nid, "VpcId missing")), tuple(ips),
        tuple(str(g["GroupId"]) for g in _items(n.get("Groups")) if isinstance(g, dict) and g.get("GroupId")),
        itype, pv, owner or (prev.owner_id if prev else None),
        n.get("SourceDestCheck") is not False, desc)


def network_interfaces(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeNetworkInterfaces."""
    for i, n in enumerate(items):
        if isinstance(n, dict) and n.get("NetworkInterfaceId"):
            _eni(inv, n, _prov(source, n["NetworkInterfaceId"], f"NetworkInterfaces[{i}]", input_name))


def reservations(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeInstances ``Reservations[].Instances[]``: instances and their ENIs."""
    for i, r in enumerate(items):
        for j, x in enumerate(_items(r.get("Instances") if isinstance(r, dict) else None)):
            iid = x.get("InstanceId") if isinstance(x, dict) else None
            if not iid:
                continue
            pv = _prov(source, iid, f"Reservations[{i}].Instances[{j}]", input_name)
            enis = []
            for k, n in enumerate(_items(x.get("NetworkInterfaces"))):
                if isinstance(n, dict) and n.get("NetworkInterfaceId"):
                    n = dict(n)
                    n["Attachment"] = {**(n.get("Attachment") or {}), "InstanceId": iid}
                    n.setdefault("VpcId", x.get("VpcId"))
                    if n["NetworkInterfaceId"] not in inv.network_interfaces:
                        _eni(inv, n, _prov(source, n["NetworkInterfaceId"],
                                           f"Reservations[{i}].Instances[{j}].NetworkInterfaces[{k}]", input_name))
                    enis.append(str(n["NetworkInterfaceId"]))
            inv.instances[iid] = m.Instance(
                iid, x.get("SubnetId") or m.Unresolved(iid, "SubnetId missing"),
                x.get("VpcId") or m.Unresolved(iid, "VpcId missing"), x.get("PrivateIpAddress"), tuple(enis),
                tuple(str(g["GroupId"]) for g in _items(x.get("SecurityGroups")) if isinstance(g, dict)
                      and g.get("GroupId")), pv, x.get("SourceDestCheck") is not False,
                str((x.get("State") or {}).get("Name", "running")))


def transit_gateways(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeTransitGateways."""
    for i, t in enumerate(items):
        tid = t.get("TransitGatewayId") if isinstance(t, dict) else None
        if not tid:
            continue
        o = t.get("Options") or {}
        inv.transit_gateways[tid] = m.TransitGateway(
            tid, str(t.get("State", "available")), _prov(source, tid, f"TransitGateways[{i}]", input_name),
            o.get("DefaultRouteTableAssociation", "enable") == "enable",
            o.get("DefaultRouteTablePropagation", "enable") == "enable",
            o.get("AssociationDefaultRouteTableId"), o.get("PropagationDefaultRouteTableId"),
            o.get("DnsSupport", "enable") == "enable")


def transit_gateway_vpc_attachments(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeTransitGatewayVpcAttachments: the subnets (one per AZ) of each VPC attachment."""
    import dataclasses

    for i, a in enumerate(items):
        aid = a.get("TransitGatewayAttachmentId") if isinstance(a, dict) else None
        if not aid:
            continue
        prev = inv.transit_gateway_attachments.get(aid)
        att = m.TransitGatewayVpcAttachment(
            aid, a.get("TransitGatewayId") or m.Unresolved(aid, "TransitGatewayId missing"),
            a.get("VpcId") or m.Unresolved(aid, "VpcId missing"), tuple(_items(a.get("SubnetIds"))),
            str(a.get("State", "available")), _prov(source, aid, f"TransitGatewayVpcAttachments[{i}]", input_name),
            prev.route_table_id if prev else None)
        inv.transit_gateway_attachments[aid] = att if prev is None else dataclasses.replace(
            att, route_table_id=prev.route_table_id)


def transit_gateway_attachments(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeTransitGatewayAttachments: the associated route table (``Association``) of VPC attachments."""
    import dataclasses

    for a in items:
        aid = a.get("TransitGatewayAttachmentId") if isinstance(a, dict) else None
        assoc = a.get("Association") if isinstance(a, dict) else None
        if not aid or a.get("ResourceType") != "vpc" or not isinstance(assoc, dict):
            continue
        if assoc.get("State") not in (None, "associated"):
            continue
        att = inv.transit_gateway_attachments.get(aid)
        if att is not None:
            inv.transit_gateway_attachments[aid] = dataclasses.replace(
                att, route_table_id=assoc.get("TransitGatewayRouteTableId"))


def transit_gateway_route_tables(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeTransitGatewayRouteTables (routes come from TransitGatewayStaticRoutes / propagations)."""
    for i, t in enumerate(items):
        rid = t.get("TransitGatewayRouteTableId") if isinstance(t, dict) else None
        if not rid:
            continue
        inv.transit_gateway_route_tables[rid] = m.TransitGatewayRouteTable(
            rid, t.get("TransitGatewayId") or m.Unresolved(rid, "TransitGatewayId missing"),
            _prov(source, rid, f"TransitGatewayRouteTables[{i}]", input_name),
            default_association=bool(t.get("DefaultAssociationRouteTable")),
            default_propagation=bool(t.get("DefaultPropagationRouteTable")), routes_known=False)


def transit_gateway_propagations(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """``TransitGatewayPropagations``: per route table, GetTransitGatewayRouteTablePropagations output."""
    import dataclasses

    for t in items:
        rid = t.get("TransitGatewayRouteTableId") if isinstance(t, dict) else None
        rt = inv.transit_gateway_route_tables.get(rid) if rid else None
        if rt is None:
            continue
        props = tuple(str(p["TransitGatewayAttachmentId"]) for p in _items(t.get("TransitGatewayRouteTablePropagations"))
                      if isinstance(p, dict) and p.get("TransitGatewayAttachmentId") and p.get("State") == "enabled")
        inv.transit_gateway_route_tables[rt.id] = dataclasses.replace(rt, propagations=rt.propagations + props)


def transit_gateway_static_routes(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """``TransitGatewayStaticRoutes``: per route table, SearchTransitGatewayRoutes(type=static) output."""
    import dataclasses

    for i, t in enumerate(items):
        rid = t.get("TransitGatewayRouteTableId") if isinstance(t, dict) else None
        rt = inv.transit_gateway_route_tables.get(rid) if rid else None
        if rt is None:
            continue
        pv = _prov(source, rt.id, f"TransitGatewayStaticRoutes[{i}]", input_name)
        routes = []
        for r in _items(t.get("Routes")):
            if not isinstance(r, dict) or not r.get("DestinationCidrBlock"):
                continue
            atts = tuple(str(a["TransitGatewayAttachmentId"]) for a in _items(r.get("TransitGatewayAttachments"))
                         if isinstance(a, dict) and a.get("TransitGatewayAttachmentId"))
            routes.append(m.TransitGatewayRoute(parse_cidr(r["DestinationCidrBlock"]), atts,
                                                str(r.get("Type", "static")), str(r.get("State", "active")), pv))
        inv.transit_gateway_route_tables[rt.id] = dataclasses.replace(
            rt, routes=rt.routes + tuple(x for x in routes if x.route_type == "static"), routes_known=True)


def functions(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, f in enumerate(items):
        arn = f.get("FunctionArn")
        if not arn:
            continue
        vpc = f.get("VpcConfig") or {}
        config = None
        if _items(vpc.get("SubnetIds")):
            config = m.VpcConfig(tuple(vpc["SubnetIds"]), tuple(_items(vpc.get("SecurityGroupIds"))))
        env = ((f.get("Environment") or {}).get("Variables")) or {}
        runtime_secrets = tuple(v for v in env.values() if isinstance(v, str) and v.startswith("arn:aws")
                                and ":secretsmanager:" in v)
        pv = _prov(source, arn, f"Functions[{i}]", input_name)
        inv.functions[arn] = m.LambdaFunction(
            arn, f.get("FunctionName", arn), f.get("Role") or m.Unresolved(arn, "no role"), config,
            {str(k): str(v) for k, v in env.items()}, pv, runtime_secrets=runtime_secrets,
            reserved_concurrency=f.get("ReservedConcurrentExecutions")
            if isinstance(f.get("ReservedConcurrentExecutions"), int) else None,
            runtime=str(f.get("Runtime", "")))


def _subnet_group(inv: m.Inventory, g: Any, source: str, input_name: str, path: str) -> str | None:
    if not isinstance(g, dict) or not g.get("DBSubnetGroupName"):
        return None
    name = g["DBSubnetGroupName"]
    gid = f"dbsubnetgroup:{name}"
    subnets_ = tuple(str(s["SubnetIdentifier"]) for s in _items(g.get("Subnets"))
                     if isinstance(s, dict) and s.get("SubnetIdentifier"))
    if gid not in inv.db_subnet_groups or subnets_:
        inv.db_subnet_groups[gid] = m.DBSubnetGroup(gid, name, subnets_, _prov(source, name, path, input_name))
    return str(name)


def db_instances(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, d in enumerate(items):
        ident = d.get("DBInstanceIdentifier")
        if not ident:
            continue
        arn = d.get("DBInstanceArn") or f"arn:aws:rds:::db:{ident}"
        ep = d.get("Endpoint") or {}
        group = _subnet_group(inv, d.get("DBSubnetGroup"), source, input_name, f"DBInstances[{i}].DBSubnetGroup")
        inv.db_instances[arn] = m.DBInstance(
            arn, ident, d.get("Engine", ""), ep.get("Port") or d.get("DbInstancePort") or None,
            ep.get("Address") or m.Unresolved(f"{ident}.Endpoint", "instance has no endpoint yet"),
            group, tuple(str(g["VpcSecurityGroupId"]) for g in _items(d.get("VpcSecurityGroups"))
                         if isinstance(g, dict) and g.get("VpcSecurityGroupId") and g.get("Status", "active") == "active"),
            bool(d.get("PubliclyAccessible")), _prov(source, arn, f"DBInstances[{i}]", input_name),
            cluster_id=d.get("DBClusterIdentifier"), resource_id=d.get("DbiResourceId"), arn=arn,
            master_secret=(d.get("MasterUserSecret") or {}).get("SecretArn"),
            status=str(d.get("DBInstanceStatus", "available")),
            iam_auth=bool(d.get("IAMDatabaseAuthenticationEnabled")),
            availability_zone=d.get("AvailabilityZone"))


def db_clusters(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, c in enumerate(items):
        ident = c.get("DBClusterIdentifier")
        if not ident:
            continue
        arn = c.get("DBClusterArn") or f"arn:aws:rds:::cluster:{ident}"
        sg_name = c.get("DBSubnetGroup")
        inv.db_clusters[arn] = m.DBCluster(
            arn, ident, c.get("Engine", ""), c.get("Port"),
            c.get("Endpoint") or m.Unresolved(f"{ident}.Endpoint", "no endpoint"),
            c.get("ReaderEndpoint") or m.Unresolved(f"{ident}.ReaderEndpoint", "no reader endpoint"),
            sg_name if isinstance(sg_name, str) else None,
            tuple(str(g["VpcSecurityGroupId"]) for g in _items(c.get("VpcSecurityGroups"))
                  if isinstance(g, dict) and g.get("VpcSecurityGroupId")),
            _prov(source, arn, f"DBClusters[{i}]", input_name), arn=arn,
            resource_id=c.get("DbClusterResourceId"),
            master_secret=(c.get("MasterUserSecret") or {}).get("SecretArn"),
            http_endpoint=bool(c.get("HttpEndpointEnabled")), status=str(c.get("Status", "available")),
            iam_auth=bool(c.get("IAMDatabaseAuthenticationEnabled")))


def db_subnet_groups(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, g in enumerate(items):
        _subnet_group(inv, g, source, input_name, f"DBSubnetGroups[{i}]")


def db_proxies(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    for i, p in enumerate(items):
        arn = p.get("DBProxyArn")
        if not arn:
            continue
        auth = tuple(m.ProxyAuth(a.get("SecretArn") or m.Unresolved(arn, "auth secret"), str(a.get("IAMAuth", "DISABLED")))
                     for a in _items(p.get("Auth")) if isinstance(a, dict))
        inv.db_proxies[arn] = m.DBProxy(
            arn, p.get("DBProxyName", arn), arn, arn.rsplit(":", 1)[-1], p.get("EngineFamily", ""),
            p.get("Endpoint") or m.Unresolved(arn, "no endpoint"), tuple(_items(p.get("VpcSubnetIds"))),
            tuple(_items(p.get("VpcSecurityGroupIds"))), bool(p.get("RequireTLS")), auth,
            p.get("RoleArn") or m.Unresolved(arn, "no role"), _prov(source, arn, f"DBProxies[{i}]", input_name),
            status=str(p.get("Status", "available")))


def db_proxy_targets(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """DescribeDBProxyTargets items; we keep a side table keyed by the proxy name (``_ProxyName`` added by
    the live source/snapshot writer, absent in raw API output)."""
    import dataclasses

    for t in items:
        name = t.get("_ProxyName") if isinstance(t, dict) else None
        ident = t.get("RdsResourceId") if isinstance(t, dict) else None
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
    for i, s in enumerate(items):
        arn = s.get("ARN")
        if arn:
            inv.secrets[arn] = m.Secret(arn, arn, s.get("Name", arn), _prov(source, arn, f"SecretList[{i}]", input_name))


def _doc(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(unquote(value))
        except ValueError:
            return None
    return value


def roles(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """``RoleDetailList`` of GetAccountAuthorizationDetails (or ``Roles`` with inline/attached policies added
    by the live source)."""
    for i, r in enumerate(items):
        arn = r.get("Arn")
        if not arn:
            continue
        pv = _prov(source, arn, f"RoleDetailList[{i}]", input_name)
        inline = tuple(parse_policy(f"{r.get('RoleName')}/inline:{p.get('PolicyName')}", _doc(p.get("PolicyDocument")), pv)
                       for p in _items(r.get("RolePolicyList")) if isinstance(p, dict))
        attached: tuple[Any, ...] = tuple(str(p["PolicyArn"]) for p in _items(r.get("AttachedManagedPolicies"))
                                          if isinstance(p, dict) and p.get("PolicyArn"))
        if r.get("RdslinkUnknownAttachedPolicies"):
            attached += (m.Unresolved("iam:ListAttachedRolePolicies", "attached policies could not be listed"),)
        if r.get("RdslinkUnknownInlinePolicies"):
            inline += (m.PolicyDocument(f"{r.get('RoleName')}/inline:?", (m.Statement(
                "Unknown", (m.Unresolved("iam:ListRolePolicies", "inline policies could not be read"),),
                (m.Unresolved("iam:ListRolePolicies", "inline policies could not be read"),), pv),)),)
        trust = _doc(r.get("AssumeRolePolicyDocument")) or {}
        principals: list[Any] = []
        for st in _items(trust.get("Statement")) if isinstance(trust, dict) else []:
            pr = st.get("Principal") if isinstance(st, dict) else None
            if isinstance(pr, dict):
                aws = pr.get("AWS")
                principals.extend(aws if isinstance(aws, list) else [aws] if aws else [])
        boundary = (r.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        inv.roles[arn] = m.Role(arn, arn, r.get("RoleName", arn), inline, attached, pv, tuple(principals), boundary)
    bundled = aws_managed_policies()
    for role in inv.roles.values():
        for parn in role.managed_policy_arns:
            if isinstance(parn, str) and parn in bundled and parn not in inv.managed_policies:
                inv.managed_policies[parn] = bundled[parn]


def managed_policies(inv: m.Inventory, items: list[Any], source: str, input_name: str) -> None:
    """``Policies`` of GetAccountAuthorizationDetails: the default version's document."""
    for i, p in enumerate(items):
        arn = p.get("Arn")
        if not arn:
            continue
        doc = None
        for v in _items(p.get("PolicyVersionList")):
            if isinstance(v, dict) and v.get("IsDefaultVersion"):
                doc = _doc(v.get("Document"))
        if doc is None and "Document" in p:
            doc = _doc(p.get("Document"))
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
