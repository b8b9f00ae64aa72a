"""Map Terraform resource instances (from a configuration or a plan) to model objects, with the AWS
provider's own defaults.

Provider semantics kept here (AWS provider documentation, resource pages):

* ``aws_security_group``: Terraform removes the allow-all egress rule AWS creates, so a group without an
  ``egress`` block and without standalone egress rules has no outbound rule at all (RL207). ``self = true``
  is the group itself as peer.
* ``aws_default_security_group`` / ``aws_default_network_acl`` / ``aws_default_route_table`` replace the
  default object's rules with exactly the ones declared.
* ``aws_db_instance`` without ``db_subnet_group_name`` is in the default VPC (not in the inputs).
* a VPC gets its main route table (local route), default network ACL (allow all) and default security group
  (ingress from itself, egress to everywhere), as EC2 creates them.

An instance is any object with ``type``, ``mode``, ``address``, ``file``, ``line``, ``input_name``,
``arg(name)`` (configured value, None when unset), ``blocks(name)`` (nested blocks as dicts) and
``get_attr(name)`` (value including computed attributes).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from typing import Any

from ... import model as m
from ...model.values import ALL_PORTS, as_bool, normalise_protocol, parse_cidr, port_range
from ..cloudformation.stack import short_hash
from ..managed_policies import aws_managed_policies
from ..policy import key_policy_grants_account_only, parse_policy
from .expr import Encoded, PartialText, first_unresolved, to_text
from .ssm import READ_REASON

Unresolved = m.Unresolved
_SENTINEL = re.compile(r"@@RDSLINK(\d+)@@")
_STANDALONE_ROUTE = re.compile(r"(^|\.)aws_route\.[\w-]+(\[[^\]]*\])?$")


def _list(v: Any) -> list[Any]:
    if v is None:
        return []
    if isinstance(v, Unresolved):
        return [v]
    if isinstance(v, dict):
        return list(v.values())
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _str(v: Any) -> Any:
    if v is None or isinstance(v, (str, Unresolved)):
        return v
    try:
        return to_text(v)
    except Exception:  # noqa: BLE001 - a non-scalar where a string is expected
        return Unresolved(repr(v)[:40], "not a string")


def _ids(v: Any) -> tuple[Any, ...] | Unresolved:
    if isinstance(v, Unresolved):
        return Unresolved(v.name, v.reason, v.index) if isinstance(v, PartialText) else v
    return tuple(_str(x) for x in _list(v) if x is not None)


def _tuple(v: Any) -> tuple[Any, ...]:
    ids = _ids(v)
    return (ids,) if isinstance(ids, Unresolved) else ids


def decode_policy(value: Any) -> Any:
    """A policy argument (JSON text, ``jsonencode`` of a partly unresolved object, or a template with
    unresolved parts) as a dict whose unknown strings are Unresolved; Unresolved when nothing is known."""
    if isinstance(value, Encoded):
        return value.value
    if isinstance(value, dict):
        return value
    if isinstance(value, PartialText):
        unknowns: list[Unresolved] = []
        text = []
        for p in value.parts:
            if isinstance(p, Unresolved):
                unknowns.append(p)
                text.append(f"@@RDSLINK{len(unknowns) - 1}@@")
            else:
                text.append(p)
        try:
            doc = json.loads("".join(text))
        except ValueError:
            return Unresolved(value.name, value.reason)

        def fill(x: Any) -> Any:
            if isinstance(x, str):
                mt = _SENTINEL.search(x)
                if mt:
                    u = unknowns[int(mt.group(1))]
                    return Unresolved(u.name, u.reason, u.index)
                return x
            if isinstance(x, list):
                return [fill(y) for y in x]
            if isinstance(x, dict):
                return {k: fill(y) for k, y in x.items()}
            return x

        return fill(doc)
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return Unresolved(value[:60], "policy is not valid JSON")
    return None


def policy_document_json(inst: Any) -> Any:
    """``data "aws_iam_policy_document"``: its ``json`` attribute built from the ``statement`` blocks."""
    if inst.arg("source_policy_documents") or inst.arg("override_policy_documents") or \
            inst.arg("source_json") or inst.arg("override_json"):
        return Unresolved(f"{inst.address}.json", "merged policy documents are not evaluated")
    statements = []
    for b in inst.blocks("statement"):
        if "__unresolved__" in b:
            return b["__unresolved__"]
        st: dict[str, Any] = {"Effect": b.get("effect") or "Allow"}
        for key, arg in (("Action", "actions"), ("NotAction", "not_actions"), ("Resource", "resources"),
                         ("NotResource", "not_resources")):
            if b.get(arg) is not None:
                st[key] = b[arg]
        if b.get("sid"):
            st["Sid"] = b["sid"]
        principals: dict[str, list[Any]] = {}
        for p in b.get("principals", []):
            principals.setdefault(str(p.get("type")), []).extend(_list(p.get("identifiers")))
        if principals:
            st["Principal"] = principals
        if b.get("condition"):
            st["Condition"] = {"rdslink": "condition"}
        statements.append(st)
    doc = {"Version": "2012-10-17", "Statement": statements}
    if first_unresolved(doc) is not None:
        return Encoded(doc)
    return json.dumps(doc)


def _port(v: Any) -> Any:
    if v is None or isinstance(v, Unresolved):
        return v
    try:
        return int(str(v))
    except ValueError:
        return Unresolved(str(v), "port is not a number")


def _bool(v: Any, default: bool) -> Any:
    r = as_bool(v, default)
    return default if r is None else r


class Converter:
    """Builds an Inventory from instances of one input.

    Args:
        input_name: display name of the input.
        display: maps a Terraform address to the id shown to users (adds an input prefix when needed).
        region: region of the configuration.
    """

    def __init__(self, input_name: str, display: Callable[[str], str], region: str) -> None:
        self.input_name = input_name
        self.display = display
        self.inv = m.Inventory(region=region)
        self.issues: list[m.SourceIssue] = []
        self.warnings: list[str] = []
        self.sg_base: dict[str, dict[str, Any]] = {}
        self.rt_base: dict[str, dict[str, Any]] = {}
        self.acl_base: dict[str, dict[str, Any]] = {}
        self.vpc_base: dict[str, dict[str, Any]] = {}
        self.igw_vpcs: dict[str, list[Any]] = {}
        self.igw_prov: dict[str, m.Provenance] = {}
        self.pending_rules: list[tuple[Any, m.SecurityGroupRule]] = []
        self.pending_routes: list[tuple[Any, m.Route]] = []
        self.pending_rt_assoc: list[tuple[Any, Any]] = []
        self.pending_main_assoc: list[tuple[Any, Any]] = []
        self.pending_acl_entries: list[tuple[Any, m.NetworkAclEntry]] = []
        self.pending_acl_assoc: list[tuple[Any, Any]] = []
        self.pending_defaults: list[tuple[str, Any, Any]] = []
        self.pending_role_policies: list[tuple[Any, m.PolicyDocument]] = []
        self.pending_role_attach: list[tuple[Any, Any]] = []
        self.pending_endpoint_assoc: list[tuple[str, Any, Any]] = []
        self.pcx_accepted: set[Any] = set()
        self.pcx_dns: list[tuple[Any, str, bool | None]] = []
        self.tgws: dict[Any, dict[str, Any]] = {}
        self.tgw_atts: dict[Any, dict[str, Any]] = {}
        self.tgw_tables: dict[Any, dict[str, Any]] = {}
        self.tgw_pending: list[tuple[str, Any, Any]] = []
        self.proxy_targets: dict[Any, list[Any]] = {}
        self.rotations: list[tuple[Any, Any]] = []
        self.cluster_instances: list[Any] = []
        #: (type, address) of resources (or modules) whose instances are unknown: see :meth:`unknown_parts`
        self.unexpanded: list[tuple[str, str, set[str] | None]] = []

    def prov(self, inst: Any, path: str = "", line: int | None = None) -> m.Provenance:
        return m.Provenance(source=inst.file, logical_id=self.display(inst.address), path=path or inst.address,
                            line=line or inst.line, synthetic_id=True, input=self.input_name)

    def add(self, instances: list[Any]) -> None:
        """Convert every instance (unknown resource types are ignored). Literal secrets (DB passwords, secret
        strings, password-looking environment variables) are registered so that no output shows them."""
        for inst in instances:
            if inst.mode != "managed":
                continue
            _register_secrets(inst)
            handler = getattr(self, "_r_" + inst.type, None)
            if handler is not None:
                handler(inst)

    # ---- EC2: VPC, subnets, routing ----------------------------------------------------------------------

    def _r_aws_vpc(self, inst: Any) -> None:
        vid = inst.get_attr("id")
        pv = self.prov(inst)
        cidr = inst.arg("cidr_block")
        self.vpc_base[vid] = {
            "cidrs": [parse_cidr(cidr)] if cidr is not None else [Unresolved(f"{inst.address}.cidr_block",
                                                                               "IPAM-allocated CIDR")],
            "dns": _bool(inst.arg("enable_dns_support"), True),
            "hostnames": _bool(inst.arg("enable_dns_hostnames"), False),
            "prov": pv,
            "main_rt": inst.get_attr("main_route_table_id"),
            "acl": inst.get_attr("default_network_acl_id"),
            "sg": inst.get_attr("default_security_group_id"),
        }
        b = self.vpc_base[vid]
        sg_prov = dataclasses.replace(pv, logical_id=f"{pv.logical_id}.default_security_group")
        self.sg_base[b["sg"]] = {
            "vpc": vid, "name": "default", "prov": sg_prov, "tf_group": False,
            "ingress": [m.SecurityGroupRule("ingress", "-1", ALL_PORTS, sg_prov, group_id=b["sg"],
                                            description="default security group: all traffic from itself",
                                            implicit=True)],
            "egress": [m.SecurityGroupRule("egress", "-1", ALL_PORTS, sg_prov, cidr=parse_cidr("0.0.0.0/0"),
                                           description="default security group: all outbound", implicit=True)],
        }
        rt_prov = dataclasses.replace(pv, logical_id=f"{pv.logical_id}.main_route_table")
        self.rt_base[b["main_rt"]] = {"vpc": vid, "routes": [], "subnets": [], "main": True, "prov": rt_prov}
        acl_prov = dataclasses.replace(pv, logical_id=f"{pv.logical_id}.default_network_acl")
        self.acl_base[b["acl"]] = {"vpc": vid, "default": True, "subnets": [], "prov": acl_prov,
                                   "entries": _allow_all(acl_prov)}

    def _r_aws_vpc_ipv4_cidr_block_association(self, inst: Any) -> None:
        cidr = inst.arg("cidr_block")
        if cidr is not None:
            self.pending_defaults.append(("vpc_cidr", inst.arg("vpc_id"), parse_cidr(cidr)))

    def _r_aws_subnet(self, inst: Any) -> None:
        sid = inst.get_attr("id")
        az = inst.arg("availability_zone")
        if az is None:
            az = inst.arg("availability_zone_id")
        if az is None:
            az = Unresolved(f"{self.display(inst.address)}.availability_zone", "AZ chosen by EC2 at creation")
        cidr = inst.arg("cidr_block")
        self.inv.subnets[sid] = m.Subnet(
            id=sid, vpc_id=_str(inst.arg("vpc_id")),
            cidr=parse_cidr(cidr) if cidr is not None else Unresolved(f"{inst.address}.cidr_block",
                                                                       "subnet has no IPv4 cidr_block"),
            availability_zone=_str(az), prov=self.prov(inst))

    def _route(self, inst: Any, r: dict[str, Any], path: str) -> m.Route:
        dest: Any = None
        for key in ("cidr_block", "destination_cidr_block", "ipv6_cidr_block", "destination_ipv6_cidr_block"):
            if r.get(key) not in (None, ""):
                dest = parse_cidr(r[key])
                break
        else:
            for key in ("destination_prefix_list_id",):
                if r.get(key) not in (None, ""):
                    dest = _str(r[key])
        target_type, target = "other", Unresolved(f"{inst.address} route target", "route without a target")
        for key, kind in (("nat_gateway_id", "nat"), ("vpc_peering_connection_id", "pcx"),
                          ("transit_gateway_id", "tgw"), ("vpc_endpoint_id", "vpce"),
                          ("network_interface_id", "eni"), ("instance_id", "instance"),
                          ("egress_only_gateway_id", "egress-only"), ("gateway_id", "gateway"),
                          ("carrier_gateway_id", "other"), ("local_gateway_id", "other"),
                          ("core_network_arn", "other")):
            if r.get(key) not in (None, ""):
                target_type, target = kind, _str(r[key])
                break
        return m.Route(dest if dest is not None else Unresolved(f"{inst.address} destination", "no destination"),
                       target_type, target, self.prov(inst, path, r.get("__line__")))

    def _inline_routes(self, inst: Any, rid: Any) -> None:
        routes = inst.arg("route")
        items = routes if isinstance(routes, list) else inst.blocks("route")
        if (isinstance(routes, list) or items) and rid in self.rt_base:
            self.rt_base[rid]["inline"] = True
        if isinstance(routes, Unresolved):
            items = [{"__unresolved__": routes}]
        for i, r in enumerate(items):
            if not isinstance(r, dict):
                continue
            if "__unresolved__" in r:
                u = r["__unresolved__"]
                self.pending_routes.append((rid, m.Route(u, "other", u, self.prov(inst))))
                continue
            self.pending_routes.append((rid, self._route(inst, r, f"{inst.address}.route[{i}]")))

    def _r_aws_route_table(self, inst: Any) -> None:
        rid = inst.get_attr("id")
        self.rt_base[rid] = {"vpc": _str(inst.arg("vpc_id")), "routes": [], "subnets": [], "main": False,
                             "prov": self.prov(inst)}
        self._inline_routes(inst, rid)

    def _r_aws_default_route_table(self, inst: Any) -> None:
        rid = _str(inst.arg("default_route_table_id"))
        self.pending_defaults.append(("rt", rid, inst))

    def _r_aws_route(self, inst: Any) -> None:
        self.pending_routes.append((_str(inst.arg("route_table_id")),
                                    self._route(inst, {k: inst.arg(k) for k in (
                                        "destination_cidr_block", "destination_ipv6_cidr_block",
                                        "destination_prefix_list_id", "nat_gateway_id", "vpc_peering_connection_id",
                                        "transit_gateway_id", "vpc_endpoint_id", "network_interface_id",
                                        "instance_id", "egress_only_gateway_id", "gateway_id",
                                        "carrier_gateway_id", "local_gateway_id", "core_network_arn")},
                                        inst.address)))

    def _r_aws_route_table_association(self, inst: Any) -> None:
        if inst.arg("subnet_id") is not None:
            self.pending_rt_assoc.append((_str(inst.arg("route_table_id")), _str(inst.arg("subnet_id"))))

    def _r_aws_main_route_table_association(self, inst: Any) -> None:
        self.pending_main_assoc.append((_str(inst.arg("vpc_id")), _str(inst.arg("route_table_id"))))

    # ---- security groups ---------------------------------------------------------------------------------

    def _sg_rules(self, inst: Any, direction: str, r: dict[str, Any], gid: Any, path: str, line: Any
                  ) -> list[m.SecurityGroupRule]:
        proto = normalise_protocol(r.get("protocol", "-1") if r.get("protocol") is not None else "-1")
        ports = port_range(proto, r.get("from_port"), r.get("to_port"))
        pv = self.prov(inst, path, line)
        d = r.get("description")
        desc = d if isinstance(d, str) else ""
        out = []

        def rule(**peer: Any) -> None:
            out.append(m.SecurityGroupRule(direction, proto, ports, pv, description=desc, **peer))

        for key in ("cidr_blocks", "ipv6_cidr_blocks"):
            for c in _list(r.get(key)):
                rule(cidr=parse_cidr(c))
        for p in _list(r.get("prefix_list_ids")):
            rule(prefix_list_id=_str(p))
        for g in _list(r.get("security_groups")):
            rule(group_id=_str(g))
        for key in ("source_security_group_id",):
            if r.get(key) is not None:
                rule(group_id=_str(r[key]))
        self_v = r.get("self")
        if self_v is True:
            rule(group_id=gid)
        elif isinstance(self_v, Unresolved):
            rule(group_id=self_v)
        return out

    def _r_aws_security_group(self, inst: Any, default: bool = False) -> None:
        gid = inst.get_attr("id")
        vpc = inst.arg("vpc_id")
        if vpc is None:
            vpc = Unresolved("default VPC", f"security group {inst.address} has no vpc_id (default VPC)")
        base = {"vpc": _str(vpc), "name": _str(inst.get_attr("name")) if not default else "default",
                "prov": self.prov(inst), "ingress": [], "egress": [], "tf_group": True}
        for direction in ("ingress", "egress"):
            raw = inst.arg(direction)
            if isinstance(raw, Unresolved):
                base[direction].append(m.SecurityGroupRule(direction, raw, raw, self.prov(inst), cidr=raw))
                continue
            items = raw if isinstance(raw, list) else inst.blocks(direction)
            if isinstance(raw, list) or items:
                base["inline_" + direction] = True
            for i, r in enumerate(items):
                if not isinstance(r, dict):
                    continue
                if "__unresolved__" in r:
                    u = r["__unresolved__"]
                    base[direction].append(m.SecurityGroupRule(direction, u, u, self.prov(inst), cidr=u))
                    continue
                base[direction].extend(self._sg_rules(inst, direction, r, gid, f"{inst.address}.{direction}[{i}]",
                                                      r.get("__line__")))
        if default:
            self.pending_defaults.append(("sg", _str(inst.arg("vpc_id")), base))
        else:
            self.sg_base[gid] = base

    def _r_aws_default_security_group(self, inst: Any) -> None:
        self._r_aws_security_group(inst, default=True)

    def _r_aws_security_group_rule(self, inst: Any) -> None:
        direction = inst.arg("type")
        if direction not in ("ingress", "egress"):
            return
        gid = _str(inst.arg("security_group_id"))
        r = {k: inst.arg(k) for k in ("protocol", "from_port", "to_port", "cidr_blocks", "ipv6_cidr_blocks",
                                      "prefix_list_ids", "source_security_group_id", "self", "description")}
        for rule in self._sg_rules(inst, direction, r, gid, inst.address, inst.line):
            self.pending_rules.append((gid, rule))

    def _vpc_rule(self, inst: Any, direction: str) -> None:
        gid = _str(inst.arg("security_group_id"))
        r = {"protocol": inst.arg("ip_protocol"), "from_port": inst.arg("from_port"), "to_port": inst.arg("to_port"),
             "cidr_blocks": [x for x in (inst.arg("cidr_ipv4"), inst.arg("cidr_ipv6")) if x is not None],
             "prefix_list_ids": [inst.arg("prefix_list_id")] if inst.arg("prefix_list_id") is not None else [],
             "source_security_group_id": inst.arg("referenced_security_group_id"),
             "description": inst.arg("description")}
        for rule in self._sg_rules(inst, direction, r, gid, inst.address, inst.line):
            self.pending_rules.append((gid, rule))

    def _r_aws_vpc_security_group_ingress_rule(self, inst: Any) -> None:
        self._vpc_rule(inst, "ingress")

    def _r_aws_vpc_security_group_egress_rule(self, inst: Any) -> None:
        self._vpc_rule(inst, "egress")

    # ---- network ACLs ------------------------------------------------------------------------------------

    def _acl_entry(self, inst: Any, r: dict[str, Any], egress: bool, path: str) -> m.NetworkAclEntry:
        proto = normalise_protocol(r.get("protocol", "-1") if r.get("protocol") is not None else "-1")
        ports = port_range(proto, r.get("from_port"), r.get("to_port"))
        cidr = r.get("cidr_block") or r.get("ipv6_cidr_block")
        number = r.get("rule_no", r.get("rule_number"))
        try:
            n = int(str(number))
        except ValueError:
            n = 0
        action = r.get("action", r.get("rule_action"))
        return m.NetworkAclEntry(n, egress, proto, str(action).lower() if isinstance(action, str) else "deny",
                                 parse_cidr(cidr) if cidr is not None else Unresolved(path, "entry without CIDR"),
                                 ports, self.prov(inst, path, r.get("__line__")))

    def _acl_entries(self, inst: Any) -> list[m.NetworkAclEntry]:
        out = []
        for direction in ("ingress", "egress"):
            raw = inst.arg(direction)
            items = raw if isinstance(raw, list) else inst.blocks(direction)
            for i, r in enumerate(items):
                if isinstance(r, dict) and "__unresolved__" not in r:
                    out.append(self._acl_entry(inst, r, direction == "egress", f"{inst.address}.{direction}[{i}]"))
                elif isinstance(r, dict):
                    u = r["__unresolved__"]
                    out.append(m.NetworkAclEntry(1, direction == "egress", u, "allow", u, u, self.prov(inst)))
        return out

    def _r_aws_network_acl(self, inst: Any) -> None:
        aid = inst.get_attr("id")
        entries = self._acl_entries(inst)
        self.acl_base[aid] = {"vpc": _str(inst.arg("vpc_id")), "default": False,
                              "subnets": list(_tuple(inst.arg("subnet_ids"))), "entries": entries,
                              "prov": self.prov(inst), "inline": bool(entries)}

    def _r_aws_default_network_acl(self, inst: Any) -> None:
        self.pending_defaults.append(("acl", _str(inst.arg("default_network_acl_id")),
                                      (self._acl_entries(inst), list(_tuple(inst.arg("subnet_ids"))),
                                       self.prov(inst))))

    def _r_aws_network_acl_rule(self, inst: Any) -> None:
        r = {k: inst.arg(k) for k in ("protocol", "from_port", "to_port", "cidr_block", "ipv6_cidr_block",
                                      "rule_number", "rule_action")}
        egress = _bool(inst.arg("egress"), False) is True
        self.pending_acl_entries.append((_str(inst.arg("network_acl_id")),
                                         self._acl_entry(inst, r, egress, inst.address)))

    def _r_aws_network_acl_association(self, inst: Any) -> None:
        self.pending_acl_assoc.append((_str(inst.arg("network_acl_id")), _str(inst.arg("subnet_id"))))

    # ---- gateways, endpoints, peering --------------------------------------------------------------------

    def _r_aws_internet_gateway(self, inst: Any) -> None:
        gid = inst.get_attr("id")
        self.igw_vpcs.setdefault(gid, [])
        if inst.arg("vpc_id") is not None:
            self.igw_vpcs[gid].append(_str(inst.arg("vpc_id")))
        self.igw_prov[gid] = self.prov(inst)

    def _r_aws_internet_gateway_attachment(self, inst: Any) -> None:
        self.igw_vpcs.setdefault(_str(inst.arg("internet_gateway_id")), []).append(_str(inst.arg("vpc_id")))

    def _r_aws_nat_gateway(self, inst: Any) -> None:
        nid = inst.get_attr("id")
        ctype = inst.arg("connectivity_type")
        self.inv.nat_gateways[nid] = m.NatGateway(nid, _str(inst.arg("subnet_id")), self.prov(inst),
                                                  str(ctype).lower() if isinstance(ctype, str) else "public")

    def _r_aws_vpc_endpoint(self, inst: Any) -> None:
        eid = inst.get_attr("id")
        etype = inst.arg("vpc_endpoint_type")
        etype = etype if isinstance(etype, str) else "Gateway"
        pdns = inst.arg("private_dns_enabled")
        self.inv.vpc_endpoints[eid] = m.VpcEndpoint(
            eid, _str(inst.arg("vpc_id")), _str(inst.arg("service_name")), etype,
            _tuple(inst.arg("subnet_ids")), _tuple(inst.arg("security_group_ids")),
            _bool(pdns, False) if pdns is not None else False, self.prov(inst))
        if etype.lower() == "gateway":
            for rt in _list(inst.arg("route_table_ids")):
                self.pending_endpoint_assoc.append(("rt", eid, _str(rt)))

    def _r_aws_vpc_endpoint_route_table_association(self, inst: Any) -> None:
        self.pending_endpoint_assoc.append(("rt", _str(inst.arg("vpc_endpoint_id")), _str(inst.arg("route_table_id"))))

    def _r_aws_vpc_endpoint_subnet_association(self, inst: Any) -> None:
        self.pending_endpoint_assoc.append(("subnet", _str(inst.arg("vpc_endpoint_id")), _str(inst.arg("subnet_id"))))

    def _r_aws_vpc_endpoint_security_group_association(self, inst: Any) -> None:
        self.pending_endpoint_assoc.append(("sg", _str(inst.arg("vpc_endpoint_id")),
                                            _str(inst.arg("security_group_id"))))

    def _r_aws_vpc_peering_connection(self, inst: Any) -> None:
        pid = inst.get_attr("id")
        auto = inst.arg("auto_accept") is True and inst.arg("peer_owner_id") is None and \
            inst.arg("peer_region") is None
        region, owner = inst.arg("peer_region"), inst.arg("peer_owner_id")
        self.inv.peering_connections[pid] = m.VpcPeeringConnection(
            pid, _str(inst.arg("vpc_id")), _str(inst.arg("peer_vpc_id")), "active" if auto else "pending-acceptance",
            self.prov(inst), accepter_region=region if isinstance(region, str) else None,
            accepter_owner_id=owner if isinstance(owner, str) else None)
        self._pcx_options(inst, pid)

    def _r_aws_vpc_peering_connection_accepter(self, inst: Any) -> None:
        if inst.arg("auto_accept") is True:
            self.pcx_accepted.add(_str(inst.arg("vpc_peering_connection_id")))
        self._pcx_options(inst, _str(inst.arg("vpc_peering_connection_id")))

    def _r_aws_vpc_peering_connection_options(self, inst: Any) -> None:
        self._pcx_options(inst, _str(inst.arg("vpc_peering_connection_id")))

    def _pcx_options(self, inst: Any, pid: Any) -> None:
        """``requester``/``accepter`` blocks: ``allow_remote_vpc_dns_resolution`` is that side's
        ``AllowDnsResolutionFromRemoteVpc`` (None when unresolved)."""
        for side in ("requester", "accepter"):
            for b in inst.blocks(side):
                v = b.get("allow_remote_vpc_dns_resolution", b.get("__unresolved__"))
                if v is not None:
                    self.pcx_dns.append((pid, side, v if isinstance(v, bool) else None))

    # ---- transit gateways (associations and propagations are resolved here, as DescribeTransitGateway*
    # reports them, so the path engine sees each attachment's route table and each table's propagations) ----

    def _r_aws_ec2_transit_gateway(self, inst: Any) -> None:
        tid = inst.get_attr("id")
        assoc = _enable(inst.arg("default_route_table_association"))
        prop = _enable(inst.arg("default_route_table_propagation"))
        default_rt = inst.get_attr("association_default_route_table_id")
        if not isinstance(default_rt, str) or not default_rt:  # (a plan may know it)
            default_rt = f"tgw-rtb-{short_hash(inst.input_name, inst.address, 'default-rtb')}"
        self.tgws[tid] = {"assoc": assoc, "prop": prop, "dns": _enable(inst.arg("dns_support")),
                          "default_rt": None if assoc is False and prop is False else default_rt,
                          "prov": self.prov(inst), "provider": _provider_of(inst),
                          "auto_accept": _enable(inst.arg("auto_accept_shared_attachments"), False)}

    def _r_aws_ec2_transit_gateway_vpc_attachment(self, inst: Any) -> None:
        aid = inst.get_attr("id")
        self.tgw_atts[aid] = {
            "tgw": _str(inst.arg("transit_gateway_id")), "vpc": _str(inst.arg("vpc_id")),
            "subnets": _tuple(inst.arg("subnet_ids")), "prov": self.prov(inst),
            "assoc": _enable(inst.arg("transit_gateway_default_route_table_association")),
            "prop": _enable(inst.arg("transit_gateway_default_route_table_propagation")),
            "provider": _provider_of(inst)}

    def _r_aws_ec2_transit_gateway_vpc_attachment_accepter(self, inst: Any) -> None:
        # the transit gateway owner accepts a (cross-account) attachment; its default route table options are
        # the ones that apply (the attachment's own cannot be set on a shared transit gateway)
        self.tgw_pending.append(("accept", _str(inst.arg("transit_gateway_attachment_id")), (
            _enable(inst.arg("transit_gateway_default_route_table_association")),
            _enable(inst.arg("transit_gateway_default_route_table_propagation")))))

    def _r_aws_ec2_transit_gateway_route_table(self, inst: Any) -> None:
        rid = inst.get_attr("id")
        self.tgw_tables[rid] = {"tgw": _str(inst.arg("transit_gateway_id")), "prov": self.prov(inst),
                                "assoc": [], "prop": [], "routes": [], "default": (False, False)}

    def _r_aws_ec2_transit_gateway_route_table_association(self, inst: Any) -> None:
        self.tgw_pending.append(("assoc", _str(inst.arg("transit_gateway_attachment_id")), (
            _str(inst.arg("transit_gateway_route_table_id")), inst.arg("replace_existing_association") is True,
            self.prov(inst))))

    def _r_aws_ec2_transit_gateway_route_table_propagation(self, inst: Any) -> None:
        self.tgw_pending.append(("prop", _str(inst.arg("transit_gateway_attachment_id")),
                                 (_str(inst.arg("transit_gateway_route_table_id")), None, self.prov(inst))))

    def _r_aws_ec2_transit_gateway_route(self, inst: Any) -> None:
        black = _bool(inst.arg("blackhole"), False)
        att = inst.arg("transit_gateway_attachment_id")
        dest = inst.arg("destination_cidr_block")
        pv = self.prov(inst)
        if isinstance(black, Unresolved):
            route = m.TransitGatewayRoute(black, (), "static", "active", pv)
        else:
            route = m.TransitGatewayRoute(
                parse_cidr(dest) if dest is not None else Unresolved(f"{inst.address}.destination_cidr_block",
                                                                      "no destination"),
                () if black is True or att is None else (_str(att),), "static",
                "blackhole" if black is True else "active", pv)
        self.tgw_pending.append(("route", _str(inst.arg("transit_gateway_route_table_id")), route))

    def _r_aws_ec2_transit_gateway_default_route_table_association(self, inst: Any) -> None:
        self.tgw_pending.append(("default_assoc", _str(inst.arg("transit_gateway_id")),
                                 _str(inst.arg("transit_gateway_route_table_id"))))

    def _r_aws_ec2_transit_gateway_default_route_table_propagation(self, inst: Any) -> None:
        self.tgw_pending.append(("default_prop", _str(inst.arg("transit_gateway_id")),
                                 _str(inst.arg("transit_gateway_route_table_id"))))

    def _finish_tgw(self) -> None:  # noqa: C901 - one pass per kind of pending item
        """Build TransitGateway / TransitGatewayVpcAttachment / TransitGatewayRouteTable objects. Each
        attachment's association is resolved here (explicit association, else the transit gateway's default
        association table when both the gateway and the attachment enable it), and every table lists its
        propagations; what cannot be decided gives the table (or a table standing for the attachment's
        unknown association) a route with an Unresolved destination, so paths through it are UNKNOWN."""
        inv = self.inv
        tables = self.tgw_tables
        defaults: dict[Any, dict[str, Any]] = {}
        for tid, g in self.tgws.items():
            rt = g["default_rt"]
            defaults[tid] = {"assoc": rt if g["assoc"] is not False else None,
                             "prop": rt if g["prop"] is not False else None}
            if rt is not None:
                pv = dataclasses.replace(g["prov"], logical_id=f"{g['prov'].logical_id}.default_route_table")
                tables.setdefault(rt, {"tgw": tid, "prov": pv, "assoc": [], "prop": [], "routes": [],
                                       "default": (g["assoc"] is not False, g["prop"] is not False)})
                if isinstance(g["prop"], Unresolved):  # which attachments propagate into it is unknown
                    tables[rt]["routes"].append(m.TransitGatewayRoute(g["prop"], (), "static", "active", g["prov"]))
        explicit: dict[Any, list[tuple[Any, bool, m.Provenance]]] = {}
        props: dict[Any, list[Any]] = {}
        unknown_att: list[tuple[Unresolved, m.Provenance]] = []
        unknown_rt: list[tuple[Unresolved, m.Provenance]] = []
        for kind, ref, payload in self.tgw_pending:
            if kind == "accept" and ref in self.tgw_atts:
                self.tgw_atts[ref]["assoc"], self.tgw_atts[ref]["prop"] = payload
                self.tgw_atts[ref]["accepted"] = True
            elif kind in ("default_assoc", "default_prop") and ref in defaults:
                defaults[ref][kind[8:]] = payload
            elif kind == "route" and isinstance(ref, Unresolved):
                unknown_rt.append((ref, payload.prov))  # a static route into an unknown table: any may get it
            elif kind == "route":
                b = tables.get(ref) if isinstance(ref, str) else None
                if b is not None:
                    b["routes"].append(payload)
            elif kind in ("assoc", "prop"):
                if isinstance(ref, Unresolved):
                    unknown_att.append((ref, payload[2]))
                elif kind == "assoc":
                    explicit.setdefault(ref, []).append(payload)
                else:
                    props.setdefault(ref, []).append(payload[0])
        for rt in [r for rs in props.values() for r in rs]:
            if isinstance(rt, Unresolved):  # a propagation into an unknown table: any table may get routes
                for b in tables.values():
                    b["routes"].append(m.TransitGatewayRoute(rt, (), "static", "active", b["prov"]))
        for u, pv in unknown_att + unknown_rt:  # an unknown attachment may propagate into any table
            for b in tables.values():
                b["routes"].append(m.TransitGatewayRoute(u, (), "static", "active", pv))
        att_rt: dict[Any, str | None] = {}
        for aid, a in self.tgw_atts.items():
            gw = self.tgws.get(a["tgw"]) if isinstance(a["tgw"], str) else None
            d = defaults.get(a["tgw"], {})
            chosen: Any = None
            if gw is not None and d.get("assoc") and gw["assoc"] is not False and a["assoc"] is not False:
                chosen = d["assoc"]
                if isinstance(gw["assoc"], Unresolved) or isinstance(a["assoc"], Unresolved):
                    chosen = gw["assoc"] if isinstance(gw["assoc"], Unresolved) else a["assoc"]
            for rt, replace, pv in explicit.get(aid, []):
                if chosen is None or replace:
                    chosen = rt
                else:  # an attachment has one association: a second one is rejected by EC2 unless it replaces
                    chosen = Unresolved(f"{pv.logical_id}", f"{a['prov'].logical_id} is also associated with the "
                                        "default route table; AssociateTransitGatewayRouteTable fails unless "
                                        "replace_existing_association = true")
                    self.warnings.append(f"{pv.where()}: {pv.logical_id}: {chosen.reason}")
            if gw is not None and a["provider"] != gw["provider"] and not a.get("accepted") and \
                    gw["auto_accept"] is not True:
                # created through another provider configuration (another account?) and accepted by nothing in
                # the inputs: the attachment may be pendingAcceptance, which forwards nothing
                chosen = Unresolved(f"{a['prov'].logical_id}", "attachment made with another provider "
                                    "configuration than its transit gateway and no "
                                    "aws_ec2_transit_gateway_vpc_attachment_accepter: it may be pending acceptance")
            if isinstance(chosen, Unresolved):
                rid = f"tgw-rtb-unknown-{short_hash(str(aid))}"
                upv = dataclasses.replace(a["prov"], logical_id=f"{a['prov'].logical_id} (route table unknown: "
                                          f"{chosen.name})")
                tables[rid] = {"tgw": a["tgw"], "prov": upv, "assoc": [aid], "prop": [], "default": (False, False),
                               "routes": [m.TransitGatewayRoute(chosen, (), "static", "active", upv)]}
                chosen = rid
            att_rt[aid] = chosen if isinstance(chosen, str) else None
            if isinstance(chosen, str) and chosen in tables and aid not in tables[chosen]["assoc"]:
                tables[chosen]["assoc"].append(aid)
            targets = list(props.get(aid, []))
            if gw is not None and d.get("prop") and gw["prop"] is not False and a["prop"] is not False:
                targets.append(d["prop"])
                if isinstance(gw["prop"], Unresolved) or isinstance(a["prop"], Unresolved):
                    u = gw["prop"] if isinstance(gw["prop"], Unresolved) else a["prop"]
                    if d["prop"] in tables:
                        tables[d["prop"]]["routes"].append(m.TransitGatewayRoute(u, (), "static", "active",
                                                                                 a["prov"]))
            for rt in targets:
                if isinstance(rt, str) and rt in tables and aid not in tables[rt]["prop"]:
                    tables[rt]["prop"].append(aid)
        for tid, g in self.tgws.items():
            d = defaults[tid]
            # associations and propagations are resolved above (as DescribeTransitGatewayAttachments reports
            # them): the engine must not associate an attachment that opted out with the default table
            inv.transit_gateways[tid] = m.TransitGateway(
                tid, "available", g["prov"], default_association=False, default_propagation=g["prop"] is True,
                association_default_route_table_id=d["assoc"] if isinstance(d["assoc"], str) else None,
                propagation_default_route_table_id=d["prop"] if isinstance(d["prop"], str) else None,
                dns_support=g["dns"] is not False)
        for aid, a in self.tgw_atts.items():
            inv.transit_gateway_attachments[aid] = m.TransitGatewayVpcAttachment(
                aid, a["tgw"], a["vpc"], a["subnets"], "available", a["prov"], att_rt.get(aid))
        for rid, b in tables.items():
            if isinstance(rid, str):
                inv.transit_gateway_route_tables[rid] = m.TransitGatewayRouteTable(
                    rid, b["tgw"], b["prov"], tuple(b["assoc"]), tuple(b["prop"]), tuple(b["routes"]),
                    default_association=b["default"][0], default_propagation=b["default"][1])

    # ---- Lambda ------------------------------------------------------------------------------------------

    def _r_aws_lambda_function(self, inst: Any) -> None:
        arn = inst.get_attr("arn")
        fid = arn if isinstance(arn, str) else f"function:{self.input_name}:{inst.address}"
        vpc_config = None
        vpcs = inst.blocks("vpc_config")
        if vpcs:
            v = vpcs[0]
            if "__unresolved__" in v:
                u = v["__unresolved__"]
                vpc_config = m.VpcConfig(u, u)
            else:
                subnets = _ids(v.get("subnet_ids"))
                if isinstance(subnets, Unresolved) or subnets:
                    vpc_config = m.VpcConfig(subnets, _ids(v.get("security_group_ids")))
        env: dict[str, Any] = {}
        sources: dict[str, str] = {}
        envs = inst.blocks("environment")
        if envs:
            variables = envs[0].get("variables", envs[0].get("__unresolved__"))
            if isinstance(variables, Unresolved):
                env["*"] = variables
            elif isinstance(variables, dict):
                for k, v in variables.items():
                    v = _str(v)
                    if isinstance(v, PartialText) and any(isinstance(p, str) and p.strip() for p in v.parts):
                        # keep the known text (a host name inside a URL) so pairs are found; the unknown parts
                        # are marked and can never equal a real value
                        v = "".join(p if isinstance(p, str) else f"${{?{p.name}}}" for p in v.parts)
                    elif isinstance(v, PartialText):
                        v = Unresolved(v.name, v.reason, v.index)
                    if isinstance(v, Unresolved) and (".var." in v.name or v.name.startswith("var.") or
                                                      v.reason.startswith(READ_REASON)):
                        sources[k] = v.name
                    env[k] = v
        # a secret ARN in the environment is read at run time (also one no input defines, e.g. the master user
        # secret RDS manages), as the template builder records it
        runtime_secrets = tuple(v for v in env.values() if isinstance(v, str) and v.startswith("arn:")
                                and v.split(":")[2:3] == ["secretsmanager"])
        role = inst.arg("role")
        rc = inst.arg("reserved_concurrent_executions")
        self.inv.functions[fid] = m.LambdaFunction(
            id=fid, name=_str(inst.get_attr("function_name")),
            role_arn=_str(role) if role is not None else Unresolved(f"{inst.address}.role", "function has no role"),
            vpc_config=vpc_config, environment=env, prov=self.prov(inst), environment_sources=sources,
            runtime_secrets=runtime_secrets,
            reserved_concurrency=rc if isinstance(rc, int) and rc >= 0 else None,
            runtime=str(inst.arg("runtime") or ""))

    # ---- RDS ---------------------------------------------------------------------------------------------

    def _master_secret(self, inst: Any) -> Any:
        if inst.arg("manage_master_user_password") is True:
            s = inst.get_attr("master_user_secret")
            if isinstance(s, list) and s and isinstance(s[0], dict):
                return s[0].get("secret_arn")
        return None

    def _r_aws_db_subnet_group(self, inst: Any) -> None:
        name = inst.get_attr("name")
        gid = f"dbsubnetgroup:{self.input_name}:{name if isinstance(name, str) else inst.address}"
        self.inv.db_subnet_groups[gid] = m.DBSubnetGroup(gid, name, _ids(inst.arg("subnet_ids")), self.prov(inst))

    def _r_aws_db_instance(self, inst: Any) -> None:
        arn = inst.get_attr("arn")
        iid = arn if isinstance(arn, str) else f"db:{self.input_name}:{inst.address}"
        public = inst.arg("publicly_accessible")
        self.inv.db_instances[iid] = m.DBInstance(
            id=iid, identifier=_str(inst.get_attr("identifier")), engine=_str(inst.arg("engine")),
            port=_port(inst.get_attr("port")), endpoint_address=_str(inst.get_attr("address")),
            subnet_group=_str(inst.arg("db_subnet_group_name")),
            security_group_ids=_ids(inst.arg("vpc_security_group_ids")),
            publicly_accessible=as_bool(public) if public is not None else False, prov=self.prov(inst),
            resource_id=_str(inst.get_attr("resource_id")), arn=arn, master_secret=self._master_secret(inst),
            iam_auth=inst.arg("iam_database_authentication_enabled") is True,
            availability_zone=_str(inst.arg("availability_zone")), instance_class=_str(inst.arg("instance_class")),
            parameter_group=_str(inst.arg("parameter_group_name")))

    def _r_aws_rds_cluster(self, inst: Any) -> None:
        arn = inst.get_attr("arn")
        cid = arn if isinstance(arn, str) else f"cluster:{self.input_name}:{inst.address}"
        self.inv.db_clusters[cid] = m.DBCluster(
            id=cid, identifier=_str(inst.get_attr("cluster_identifier")),
            engine=_str(inst.arg("engine") if inst.arg("engine") is not None else "aurora"),
            port=_port(inst.get_attr("port")), endpoint_address=_str(inst.get_attr("endpoint")),
            reader_endpoint_address=_str(inst.get_attr("reader_endpoint")),
            subnet_group=_str(inst.arg("db_subnet_group_name")),
            security_group_ids=_ids(inst.arg("vpc_security_group_ids")), prov=self.prov(inst), arn=arn,
            resource_id=_str(inst.get_attr("cluster_resource_id")), master_secret=self._master_secret(inst),
            http_endpoint=inst.arg("enable_http_endpoint") is True,
            iam_auth=inst.arg("iam_database_authentication_enabled") is True,
            parameter_group=_str(inst.arg("db_cluster_parameter_group_name")))

    def _r_aws_rds_cluster_instance(self, inst: Any) -> None:
        self.cluster_instances.append(inst)

    def _cluster_instance(self, inst: Any) -> None:
        arn = inst.get_attr("arn")
        iid = arn if isinstance(arn, str) else f"db:{self.input_name}:{inst.address}"
        cluster_ident = _str(inst.arg("cluster_identifier"))
        cluster = next((c for c in self.inv.db_clusters.values() if c.identifier == cluster_ident), None)
        public = inst.arg("publicly_accessible")
        self.inv.db_instances[iid] = m.DBInstance(
            id=iid, identifier=_str(inst.get_attr("identifier")), engine=_str(inst.arg("engine")),
            port=cluster.port if cluster else _port(inst.get_attr("port")),
            endpoint_address=_str(inst.get_attr("endpoint")),
            subnet_group=_str(inst.arg("db_subnet_group_name")) if inst.arg("db_subnet_group_name") is not None
            else (cluster.subnet_group if cluster else None),
            security_group_ids=cluster.security_group_ids if cluster else (),
            publicly_accessible=as_bool(public) if public is not None else False, prov=self.prov(inst),
            cluster_id=cluster_ident, resource_id=_str(inst.get_attr("dbi_resource_id")), arn=arn,
            instance_class=_str(inst.arg("instance_class")),
            parameter_group=_str(inst.arg("db_parameter_group_name")))

    def _r_aws_db_parameter_group(self, inst: Any) -> None:
        """aws_db_parameter_group / aws_rds_cluster_parameter_group: ``parameter`` blocks' max_connections (RL603)."""
        value: Any = None
        for b in inst.blocks("parameter"):
            if "__unresolved__" in b:
                value = b["__unresolved__"]
            elif b.get("name") == "max_connections":
                value = b.get("value")
        gid = f"dbparametergroup:{self.input_name}:{inst.address}"
        self.inv.db_parameter_groups[gid] = m.DBParameterGroup(
            gid, _str(inst.get_attr("name")), m.parse_max_connections(value, inst.address), self.prov(inst))

    _r_aws_rds_cluster_parameter_group = _r_aws_db_parameter_group

    def _r_aws_db_proxy(self, inst: Any) -> None:
        arn = inst.get_attr("arn")
        pid = arn if isinstance(arn, str) else f"proxy:{self.input_name}:{inst.address}"
        auth = []
        for a in inst.blocks("auth"):
            if "__unresolved__" in a:
                continue
            iam = a.get("iam_auth")
            auth.append(m.ProxyAuth(_str(a.get("secret_arn")), str(iam).upper() if isinstance(iam, str) else "DISABLED"))
        self.inv.db_proxies[pid] = m.DBProxy(
            id=pid, name=_str(inst.get_attr("name")), arn=pid,
            resource_id=pid.rsplit(":", 1)[-1] if isinstance(arn, str) else Unresolved(
                f"{inst.address}.arn", "known only after apply"),
            engine_family=_str(inst.arg("engine_family")), endpoint_address=_str(inst.get_attr("endpoint")),
            subnet_ids=_ids(inst.arg("vpc_subnet_ids")), security_group_ids=_ids(inst.arg("vpc_security_group_ids")),
            require_tls=_bool(inst.arg("require_tls"), False), auth=tuple(auth), role_arn=_str(inst.arg("role_arn")),
            prov=self.prov(inst))

    def _r_aws_db_proxy_target(self, inst: Any) -> None:
        for key in ("db_cluster_identifier", "db_instance_identifier"):
            if inst.arg(key) is not None:
                self.proxy_targets.setdefault(_str(inst.arg("db_proxy_name")), []).append(_str(inst.arg(key)))

    def _r_aws_db_proxy_endpoint(self, inst: Any) -> None:
        arn = inst.get_attr("arn")
        eid = arn if isinstance(arn, str) else f"proxy-endpoint:{self.input_name}:{inst.address}"
        role = inst.arg("target_role")
        self.inv.db_proxy_endpoints[eid] = m.DBProxyEndpoint(
            eid, _str(inst.get_attr("db_proxy_endpoint_name")), _str(inst.arg("db_proxy_name")),
            _str(inst.get_attr("endpoint")), _ids(inst.arg("vpc_subnet_ids")),
            _ids(inst.arg("vpc_security_group_ids")), role if isinstance(role, str) else "READ_WRITE",
            self.prov(inst))

    # ---- IAM, secrets, KMS -------------------------------------------------------------------------------

    def _doc(self, name: str, value: Any, pv: m.Provenance) -> m.PolicyDocument:
        return parse_policy(name, decode_policy(value), pv)

    def _r_aws_iam_role(self, inst: Any) -> None:
        arn = inst.get_attr("arn")
        rid = arn if isinstance(arn, str) else f"role:{self.input_name}:{inst.address}"
        pv = self.prov(inst)
        inline = []
        for b in inst.blocks("inline_policy"):
            if "__unresolved__" not in b and b.get("policy") is not None:
                inline.append(self._doc(f"{pv.logical_id}/inline:{b.get('name', '?')}", b.get("policy"), pv))
        trusted: list[Any] = []
        trust = decode_policy(inst.arg("assume_role_policy"))
        if isinstance(trust, dict):
            for st in _list(trust.get("Statement")):
                if isinstance(st, dict) and isinstance(st.get("Principal"), dict):
                    trusted.extend(_str(x) for x in _list(st["Principal"].get("AWS")))
        self.inv.roles[rid] = m.Role(
            id=rid, arn=rid, name=_str(inst.get_attr("name")), inline_policies=tuple(inline),
            managed_policy_arns=tuple(_str(x) for x in _list(inst.arg("managed_policy_arns"))), prov=pv,
            trusted_principals=tuple(trusted), permissions_boundary=_str(inst.arg("permissions_boundary")))

    def _r_aws_iam_role_policy(self, inst: Any) -> None:
        pv = self.prov(inst)
        self.pending_role_policies.append((_str(inst.arg("role")), self._doc(pv.logical_id, inst.arg("policy"), pv)))

    def _r_aws_iam_role_policy_attachment(self, inst: Any) -> None:
        self.pending_role_attach.append((_str(inst.arg("role")), _str(inst.arg("policy_arn"))))

    def _r_aws_iam_role_policy_attachments_exclusive(self, inst: Any) -> None:
        for arn in _list(inst.arg("policy_arns")):
            self.pending_role_attach.append((_str(inst.arg("role_name")), _str(arn)))

    def _r_aws_iam_policy_attachment(self, inst: Any) -> None:
        for role in _list(inst.arg("roles")):
            self.pending_role_attach.append((_str(role), _str(inst.arg("policy_arn"))))

    def _r_aws_iam_policy(self, inst: Any) -> None:
        arn = inst.get_attr("arn")
        key = arn if isinstance(arn, str) else f"policy:{self.input_name}:{inst.address}"
        pv = self.prov(inst)
        self.inv.managed_policies[key] = m.ManagedPolicy(key, self._doc(pv.logical_id, inst.arg("policy"), pv), pv)

    def _r_aws_secretsmanager_secret(self, inst: Any) -> None:
        arn = inst.get_attr("arn")
        sid = arn if isinstance(arn, str) else f"secret:{self.input_name}:{inst.address}"
        self.inv.secrets[sid] = m.Secret(sid, sid, _str(inst.get_attr("name")), self.prov(inst),
                                         kms_key_id=_str(inst.arg("kms_key_id")))

    def _r_aws_secretsmanager_secret_rotation(self, inst: Any) -> None:
        if inst.arg("rotation_lambda_arn") is not None:
            self.rotations.append((_str(inst.arg("rotation_lambda_arn")), _str(inst.arg("secret_id"))))

    def _r_aws_kms_key(self, inst: Any) -> None:
        arn = inst.get_attr("arn")
        kid = inst.get_attr("id")
        policy = decode_policy(inst.arg("policy")) if inst.arg("policy") is not None else None
        iam_only = True  # the default key policy (no policy argument) grants the account root only
        if isinstance(policy, dict):
            iam_only = key_policy_grants_account_only(policy)
        elif policy is not None:
            iam_only = False
        key = arn if isinstance(arn, str) else f"kms:{self.input_name}:{inst.address}"
        self.inv.kms_keys[key] = m.KmsKey(_str(kid), key, iam_only, self.prov(inst))

    def _r_aws_kms_alias(self, inst: Any) -> None:
        self.pending_defaults.append(("kms_alias", _str(inst.arg("target_key_id")), _str(inst.arg("name"))))

    # ---- assembly ----------------------------------------------------------------------------------------

    def _unknown_parts(self) -> None:
        """Soundness for what cannot be attributed: a standalone rule/route/entry whose target object is
        unresolved, resources whose instances are unknown (unresolved count/for_each), and modules not
        available that were given an object's id, may add rules to a group (routes to a table, entries to an
        ACL). Those objects get an Unresolved rule, so their hops are UNKNOWN rather than wrongly closed (and
        RL207 is not claimed)."""
        sg: dict[str, set[str] | None] = {}
        rt: set[str] | None = set()
        acl: set[str] | None = set()
        any_rt = any(isinstance(r, Unresolved) for r, _ in self.pending_routes + self.pending_rt_assoc)
        any_acl = any(isinstance(a, Unresolved) for a, _ in self.pending_acl_entries + self.pending_acl_assoc)
        for group, rule in self.pending_rules:
            if isinstance(group, Unresolved):
                sg[rule.direction] = None
        names: list[str] = []
        for rtype, address, ids in self.unexpanded:
            dirs = {"ingress"} if rtype.endswith("ingress_rule") else {"egress"} if rtype.endswith(
                "egress_rule") else {"ingress", "egress"} if rtype in ("module", "aws_security_group_rule") else set()
            for d in dirs:
                if ids is None or sg.get(d, set()) is None:
                    sg[d] = None
                else:
                    sg.setdefault(d, set()).update(ids)  # type: ignore[union-attr]
            if rtype in ("module", "aws_route", "aws_route_table_association"):
                any_rt = any_rt or ids is None
                if rt is not None and ids:
                    rt.update(ids)
            if rtype in ("module", "aws_network_acl_rule", "aws_network_acl_association"):
                any_acl = any_acl or ids is None
                if acl is not None and ids:
                    acl.update(ids)
            names.append(address)
        why = "rules of an unresolved resource or missing module" + (f" ({', '.join(names[:3])})" if names else "")
        for direction, ids in sorted(sg.items()):
            u = Unresolved(f"{direction} rules", f"{why} may apply to this group")
            for gid, base in self.sg_base.items():
                if ids is None or gid in ids:
                    base[direction].append(m.SecurityGroupRule(direction, u, u, base["prov"], cidr=u))
        u = Unresolved("routes", f"{why} may apply to this route table")
        for rid, base in self.rt_base.items():
            if any_rt or (rt and rid in rt):
                base["routes"].append(m.Route(u, "other", u, base["prov"]))
        u = Unresolved("network ACL entries", f"{why} may apply to this network ACL")
        for aid, base in self.acl_base.items():
            if any_acl or (acl and aid in acl):
                base["entries"].append(m.NetworkAclEntry(0, False, u, "allow", u, u, base["prov"]))
                base["entries"].append(m.NetworkAclEntry(0, True, u, "allow", u, u, base["prov"]))

    def finish(self) -> m.Inventory:  # noqa: C901 - straight-line assembly
        """Attach standalone rules/routes/associations, apply default-object overrides, build the Inventory."""
        inv = self.inv
        # a DB names its subnet group by name: bind it to this input's group of that name (another input may
        # define a group with the same name)
        groups = {g.name: g.id for g in inv.db_subnet_groups.values() if isinstance(g.name, str)}
        for key, db in list(inv.db_instances.items()):
            if isinstance(db.subnet_group, str) and db.subnet_group in groups:
                inv.db_instances[key] = dataclasses.replace(db, subnet_group=groups[db.subnet_group])
        for key, cl in list(inv.db_clusters.items()):
            if isinstance(cl.subnet_group, str) and cl.subnet_group in groups:
                inv.db_clusters[key] = dataclasses.replace(cl, subnet_group=groups[cl.subnet_group])
        for inst in self.cluster_instances:
            self._cluster_instance(inst)
        kms_aliases: list[tuple[Any, Any]] = []
        for kind, ref, payload in self.pending_defaults:
            if kind == "sg":
                vb = self.vpc_base.get(ref) if isinstance(ref, str) else None
                if vb is None:
                    self.warnings.append(f"{payload['prov'].where()}: {payload['prov'].logical_id} manages the default "
                                         "security group of a VPC not in the inputs")
                    continue
                payload["vpc"] = ref
                self.sg_base[vb["sg"]] = payload
            elif kind == "rt" and isinstance(ref, str) and ref in self.rt_base:
                self.rt_base[ref]["prov"] = self.prov(payload)
                self._inline_routes(payload, ref)
            elif kind == "acl" and isinstance(ref, str) and ref in self.acl_base:
                entries, subnets, pv = payload
                self.acl_base[ref].update(entries=entries, subnets=subnets, prov=pv)
            elif kind == "vpc_cidr" and isinstance(ref, str) and ref in self.vpc_base:
                self.vpc_base[ref]["cidrs"].append(payload)
            elif kind == "kms_alias":
                kms_aliases.append((payload, ref))
        self._unknown_parts()
        for group, rule in self.pending_rules:
            base = self.sg_base.get(group) if isinstance(group, str) else None
            if base is None:
                self.warnings.append(f"{rule.prov.where()}: {rule.prov.logical_id} adds a rule to "
                                     f"{group if isinstance(group, str) else '?' + str(getattr(group, 'name', ''))}, "
                                     "which is not in the inputs")
                continue
            if base.get("inline_" + rule.direction):
                # the provider manages a direction declared inline exclusively: a standalone rule for it is
                # removed again on the next apply ("cannot use a Security Group with in-line rules in conjunction
                # with any Security Group Rule resources"), so whether it exists depends on the apply
                u = Unresolved(f"{rule.prov.logical_id}", f"{rule.prov.logical_id} ({rule.prov.where()}) conflicts "
                               f"with the inline {rule.direction} rules of {base['prov'].logical_id}: Terraform "
                               "removes it on the next apply")
                rule = dataclasses.replace(rule, protocol=u, ports=u, cidr=u, group_id=None, prefix_list_id=None)
            base[rule.direction].append(rule)
        for sg_id, b in self.sg_base.items():
            no_egress = b.get("tf_group", False) and not b["egress"]  # an Unresolved rule counts as egress
            inv.security_groups[sg_id] = m.SecurityGroup(sg_id, b["vpc"], b["name"], tuple(b["ingress"]),
                                                         tuple(b["egress"]), b["prov"], terraform_no_egress=no_egress)
        rt_of_vpce: dict[Any, list[Any]] = {}
        for kind, eid, other in self.pending_endpoint_assoc:
            if kind == "rt":
                rt_of_vpce.setdefault(eid, []).append(other)
            elif isinstance(eid, str) and eid in inv.vpc_endpoints:
                e = inv.vpc_endpoints[eid]
                if kind == "subnet":
                    inv.vpc_endpoints[eid] = dataclasses.replace(e, subnet_ids=e.subnet_ids + (other,))
                else:
                    inv.vpc_endpoints[eid] = dataclasses.replace(e, security_group_ids=e.security_group_ids + (other,))
        for eid, rts in rt_of_vpce.items():
            ep = inv.vpc_endpoints.get(eid) if isinstance(eid, str) else None
            if ep is None:
                continue
            service = ep.service_name if isinstance(ep.service_name, str) else "?"
            dest = Unresolved(f"prefix list of {service}", "managed prefix list id of the service")
            for rt in rts:
                self.pending_routes.append((rt, m.Route(dest, "vpce", eid, ep.prov)))
        for rt_id, route in self.pending_routes:
            if not (isinstance(rt_id, str) and rt_id in self.rt_base):
                continue
            if self.rt_base[rt_id].get("inline") and _STANDALONE_ROUTE.search(route.prov.path):
                # inline routes and aws_route on one table conflict: the provider removes the standalone route
                u = Unresolved(route.prov.logical_id, f"{route.prov.logical_id} ({route.prov.where()}) conflicts with "
                               f"the inline routes of {self.rt_base[rt_id]['prov'].logical_id}: Terraform removes it "
                               "on the next apply")
                route = dataclasses.replace(route, destination=u, target_type="other", target_id=u)
            if route.target_type == "gateway":
                tid = route.target_id
                kind = "local" if tid == "local" else "igw" if isinstance(tid, str) and (
                    tid in self.igw_vpcs or tid.startswith("igw-")) else "vgw" if isinstance(
                    tid, str) and tid.startswith("vgw-") else "vpce" if isinstance(tid, str) and tid.startswith(
                    "vpce-") else "gateway"
                route = dataclasses.replace(route, target_type=kind)
            self.rt_base[rt_id]["routes"].append(route)
        for rt_id, subnet in self.pending_rt_assoc:
            if isinstance(rt_id, str) and rt_id in self.rt_base:
                self.rt_base[rt_id]["subnets"].append(subnet)
        for vpc_id, rt_id in self.pending_main_assoc:
            vb = self.vpc_base.get(vpc_id) if isinstance(vpc_id, str) else None
            if vb is not None and isinstance(rt_id, str) and rt_id in self.rt_base:
                self.rt_base[vb["main_rt"]]["main"] = False
                self.rt_base[rt_id]["main"] = True
                vb["main_rt"] = rt_id
        for rt_id, b in self.rt_base.items():
            inv.route_tables[rt_id] = m.RouteTable(rt_id, b["vpc"], tuple(b["routes"]), tuple(b["subnets"]),
                                                   b["main"], b["prov"])
        for acl_id, entry in self.pending_acl_entries:
            if isinstance(acl_id, str) and acl_id in self.acl_base:
                if self.acl_base[acl_id].get("inline"):
                    # inline entries and aws_network_acl_rule on one ACL conflict (provider note): not trusted
                    u = Unresolved(entry.prov.logical_id, f"{entry.prov.logical_id} conflicts with the inline rules "
                                   f"of {self.acl_base[acl_id]['prov'].logical_id}")
                    entry = dataclasses.replace(entry, protocol=u, cidr=u, ports=u)
                self.acl_base[acl_id]["entries"].append(entry)
        for acl_id, subnet in self.pending_acl_assoc:
            if isinstance(acl_id, str) and acl_id in self.acl_base:
                self.acl_base[acl_id]["subnets"].append(subnet)
        for acl_id, b in self.acl_base.items():
            entries = tuple(sorted(b["entries"], key=lambda e: e.rule_number))
            inv.network_acls[acl_id] = m.NetworkAcl(acl_id, b["vpc"], b["default"], tuple(b["subnets"]), entries,
                                                    b["prov"])
        for vid, b in self.vpc_base.items():
            inv.vpcs[vid] = m.Vpc(vid, tuple(b["cidrs"]), b["dns"], b["prov"], b["main_rt"], b["acl"], b["sg"],
                                  b["hostnames"])
        for gid, vpcs in self.igw_vpcs.items():
            if gid in self.igw_prov:
                inv.internet_gateways[gid] = m.InternetGateway(gid, tuple(vpcs), self.igw_prov[gid])
        self._finish_tgw()
        for pid, p in list(inv.peering_connections.items()):
            if pid in self.pcx_accepted:
                inv.peering_connections[pid] = dataclasses.replace(p, status="active")
        for pid, side, allow in self.pcx_dns:
            pcx = inv.peering_connections.get(pid) if isinstance(pid, str) else None
            if pcx is not None and side == "requester":
                inv.peering_connections[pid] = dataclasses.replace(pcx, requester_dns_from_remote=allow)
            elif pcx is not None:
                inv.peering_connections[pid] = dataclasses.replace(pcx, accepter_dns_from_remote=allow)
        by_ident: dict[Any, str] = {}
        for c in inv.db_clusters.values():
            by_ident[c.identifier] = c.id
        for d in inv.db_instances.values():
            by_ident[d.identifier] = d.id
        for pid, proxy in list(inv.db_proxies.items()):
            targets = tuple(by_ident.get(t, t) for t in self.proxy_targets.get(proxy.name, []))
            inv.db_proxies[pid] = dataclasses.replace(proxy, targets=targets)
        for fn_arn, secret in self.rotations:
            fn = inv.functions.get(fn_arn) if isinstance(fn_arn, str) else None
            if fn is not None:
                inv.functions[fn_arn] = dataclasses.replace(fn, runtime_secrets=fn.runtime_secrets + (secret,))
        inv.index()
        for role_ref, doc in self.pending_role_policies:
            role = inv.role_for(role_ref) if isinstance(role_ref, str) else None
            if role is not None:
                inv.roles[role.id] = dataclasses.replace(role, inline_policies=role.inline_policies + (doc,))
        for role_ref, arn in self.pending_role_attach:
            role = inv.role_for(role_ref) if isinstance(role_ref, str) else None
            if role is not None:
                inv.roles[role.id] = dataclasses.replace(role, managed_policy_arns=role.managed_policy_arns + (arn,))
        bundled = aws_managed_policies()
        for role in inv.roles.values():
            for arn in role.managed_policy_arns:
                if isinstance(arn, str) and arn in bundled and arn not in inv.managed_policies:
                    inv.managed_policies[arn] = bundled[arn]
        for alias, key in kms_aliases:
            k = inv.kms_key(key)
            if k is not None and isinstance(alias, str):
                inv.kms_keys[k.arn] = dataclasses.replace(k, aliases=k.aliases + (alias,))
        inv.issues.extend(self.issues)
        inv.warnings.extend(self.warnings)
        inv.index()
        return inv


#: arguments whose literal values are secrets, by resource type
_SECRET_ARGS = {"aws_db_instance": ("password",), "aws_rds_cluster": ("master_password",),
                "aws_secretsmanager_secret_version": ("secret_string",), "aws_db_proxy": (),
                "aws_ssm_parameter": ()}


def _register_secrets(inst: Any) -> None:
    from ..secrets import looks_like_password_key, register_secret

    for arg in _SECRET_ARGS.get(inst.type, ()):
        v = inst.arg(arg)
        if isinstance(v, str):
            register_secret(v)
            try:
                doc = json.loads(v)
            except ValueError:
                doc = None
            if isinstance(doc, dict):  # {"username": ..., "password": ...}: the password itself, too
                for k, x in doc.items():
                    if looks_like_password_key(str(k)) or "password" in str(k).lower():
                        register_secret(x)
    if inst.type == "aws_lambda_function":
        for b in inst.blocks("environment"):
            variables = b.get("variables")
            if isinstance(variables, dict):
                for k, v in variables.items():
                    if looks_like_password_key(str(k)) and isinstance(v, str):
                        register_secret(v)


def _provider_of(inst: Any) -> str:
    """The ``provider`` meta-argument of a configuration instance as text (``aws.shared``; ``""`` for the
    default provider and for plan instances)."""
    from lark import Token, Tree

    block = getattr(inst, "block", None)
    node = block.attrs.get("provider") if block is not None else None
    if isinstance(node, Tree) and node.data == "json":  # *.tf.json: "provider": "aws.shared"
        return str(node.children[0])
    if isinstance(node, Tree):
        return ".".join(str(t) for t in node.scan_values(lambda v: isinstance(v, Token) and v.type == "NAME"))
    return ""


def _enable(v: Any, default: bool = True) -> Any:
    """A transit gateway option: ``"enable"``/``"disable"`` or a bool; None is the provider default."""
    if v is None:
        return default
    if isinstance(v, Unresolved):
        return v
    if isinstance(v, str):
        return v.strip().lower() in ("enable", "true")
    return _bool(v, default)


def _allow_all(pv: m.Provenance) -> list[m.NetworkAclEntry]:
    entries = []
    for egress in (False, True):
        for cidr in ("0.0.0.0/0", "::/0"):
            entries.append(m.NetworkAclEntry(100 if cidr == "0.0.0.0/0" else 101, egress, "-1", "allow",
                                             parse_cidr(cidr), ALL_PORTS, pv))
    return entries
