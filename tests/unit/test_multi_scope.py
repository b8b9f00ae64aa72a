"""Several accounts and Regions (issue 9, section 1 "Multi-account and multi-Region"): describe folders in
Batfish's ``accounts/<account-id>/<region>/`` layout (built by :mod:`.multiscope`), checked and traced through the
CLI: a cross-account VPC peering (REACHABLE; RL304 without the accepter's route back), two Regions joined by a
transit gateway peering (REACHABLE both ways; UNKNOWN naming the Region when the peer side is not described;
RL305 when the peer TGW has no route back), a security-group reference across a cross-Region peering (RL206),
and ids that collide across scopes kept apart."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

from rdslink.analysis.path import Disposition, PathEngine, locate
from rdslink.sources.describe_json import load_describe_dir

from .multiscope import ACCT_A, ACCT_B, EAST, WEST, tgw_peering, vpc_peering
from .test_check_fixtures import run_check

DB_IP = "10.2.1.10"
SG_REF = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
          "UserIdGroupPairs": [{"GroupId": "sg-0fn", "UserId": ACCT_A}]}


def run_trace(args: list[str]) -> tuple[int, dict[str, Any] | None, str]:
    from rdslink.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["trace", *args, "--format", "json"])
    try:
        doc = json.loads(out.getvalue())
    except ValueError:
        doc = None
    return code, doc, err.getvalue()


def _pair(folder: Path) -> tuple[int, dict[str, Any], list[str]]:
    code, doc, err = run_check([str(folder)], ["--no-lint"])
    assert doc is not None, err
    assert len(doc["pairs"]) == 1, doc["pairs"]
    p = doc["pairs"][0]
    return code, p, sorted(f["id"] for f in p["findings"] if f["severity"] == "error")


def _nodes(flow: dict[str, Any]) -> list[str]:
    return [h["node"] for h in flow["hops"]]


# ---- loading ----------------------------------------------------------------------------------------------------


def test_objects_carry_account_and_region_and_colliding_ids_stay_apart(tmp_path: Path) -> None:
    inv = load_describe_dir(str(vpc_peering(tmp_path / "p")))
    vpc_a, vpc_b = inv.vpcs["vpc-0aaa"], inv.vpcs["vpc-0bbb"]
    assert inv.scope_of(vpc_a) == (ACCT_A, EAST) and inv.scope_of(vpc_b) == (ACCT_B, EAST)
    assert (vpc_a.prov.account, vpc_a.prov.region) == (ACCT_A, EAST)
    # rtb-0main / acl-0main / sg-0default exist in both accounts with different content: never merged
    qa, qb = f"rtb-0main@{ACCT_A}/{EAST}", f"rtb-0main@{ACCT_B}/{EAST}"
    assert "rtb-0main" not in inv.route_tables and {qa, qb} <= set(inv.route_tables)
    assert inv.route_tables[qa].vpc_id == "vpc-0aaa" and inv.route_tables[qb].vpc_id == "vpc-0bbb"
    assert inv.route_tables[qb].prov.logical_id == qb  # displayed qualified: ambiguous
    assert inv.ambiguous_ids["rtb-0main"] == (qa, qb)
    assert inv.route_table_for(inv.subnets["subnet-0da"]).id == qb  # the DB subnet uses its own account's table
    assert inv.network_acl_for(inv.subnets["subnet-0fa"]).id == f"acl-0main@{ACCT_A}/{EAST}"
    assert inv.vpcs["vpc-0aaa"].prov.logical_id == "vpc-0aaa"  # not ambiguous: plain AWS id
    assert any("rtb-0main names different route tables" in w for w in inv.warnings)
    # the peering, read in both accounts, is one object with both sides' owners
    (pcx,) = inv.peering_connections.values()
    assert (pcx.requester_owner_id, pcx.accepter_owner_id) == (ACCT_A, ACCT_B)


def test_identical_objects_in_two_scopes_are_one(tmp_path: Path) -> None:
    root = vpc_peering(tmp_path / "p")
    # account B sees account A's subnet shared through AWS RAM (same Region, same content): one subnet
    src = root / "accounts" / ACCT_A / EAST
    (root / "accounts" / ACCT_B / EAST / "SharedSubnets.json").write_text((src / "Subnets.json").read_text())
    # account A's role read again in another Region (IAM is global): one role
    west = root / "accounts" / ACCT_A / WEST
    west.mkdir()
    (west / "Roles.json").write_text((src / "Roles.json").read_text())
    inv = load_describe_dir(str(root))
    assert "subnet-0fa" in inv.subnets and "subnet-0fa" not in inv.ambiguous_ids
    assert len(inv.roles) == 1 and not inv.ambiguous_ids.keys() & {r.id for r in inv.roles.values()}
    # the same subnet file in another Region is another subnet (regional ids never name one object twice)
    (west / "Subnets.json").write_text((src / "Subnets.json").read_text())
    inv = load_describe_dir(str(root))
    assert "subnet-0fa" in inv.ambiguous_ids


def test_ambiguous_id_is_a_clear_trace_error(tmp_path: Path) -> None:
    root = vpc_peering(tmp_path / "p")
    code, _, err = run_trace([str(root), "--from", "sg-0default", "--to", DB_IP, "--port", "5432"])
    assert code == 2
    assert f"sg-0default@{ACCT_A}/{EAST}" in err and f"sg-0default@{ACCT_B}/{EAST}" in err


# ---- cross-account VPC peering ----------------------------------------------------------------------------------


def test_cross_account_peering_reachable(tmp_path: Path) -> None:
    code, pair, errors = _pair(vpc_peering(tmp_path / "p"))
    assert (code, pair["verdict"], errors) == (0, "REACHABLE", [])
    code, doc, err = run_trace([str(tmp_path / "p"), "--from", "orders", "--to", "orders-db", "--port", "5432"])
    assert code == 0, err
    assert doc is not None and len(doc["flows"]) == 2
    for flow in doc["flows"]:
        assert flow["disposition"] == "ACCEPTED"
        assert _nodes(flow)[:5] == ["arn:aws:lambda:us-east-1:111111111111:function:orders", "subnet-0fa",
                                    "vpc-0aaa", "pcx-0ab", "vpc-0bbb"]


def test_cross_account_peering_without_accepter_route_is_rl304(tmp_path: Path) -> None:
    code, pair, errors = _pair(vpc_peering(tmp_path / "p", return_route=False))
    assert (code, pair["verdict"]) == (1, "BLOCKED")
    assert "RL304" in errors
    rl304 = next(f for f in pair["findings"] if f["id"] == "RL304")
    assert f"rtb-0main@{ACCT_B}/{EAST}" in rl304["evidence"]  # the accepter account's table, named unambiguously


def test_peer_vpc_not_described_names_its_account_and_region(tmp_path: Path) -> None:
    root = vpc_peering(tmp_path / "p")
    for f in (root / "accounts" / ACCT_B / EAST).iterdir():
        if f.name not in ("VpcPeeringConnections.json",):
            f.unlink()
    code, doc, err = run_trace([str(root), "--from", "orders", "--to", DB_IP, "--port", "5432"])
    assert code == 3, err
    assert doc is not None
    steps = [s for h in doc["flows"][0]["hops"] for s in h["steps"]]
    unknown = [s for s in steps if s["status"] == "unknown"]
    assert unknown and f"account {ACCT_B}, Region {EAST}" in unknown[0]["detail"]


def test_dns_option_of_the_accepter_comes_from_the_accepter_account(tmp_path: Path) -> None:
    """A publicly accessible DB behind a cross-account, cross-Region peering: its name resolves to the private IP
    from the function's VPC only when the DB side allows DNS resolution from the remote VPC (VPC Peering Guide,
    "Enable DNS resolution for a VPC peering connection": each owner sets its own side, also across Regions).
    The requester's view does not state the accepter's option; the accepter account's view does."""
    kw: dict[str, Any] = {"regions": (EAST, WEST), "public": True}
    inv = load_describe_dir(str(vpc_peering(tmp_path / "on", accepter_dns=True, **kw)))
    (pcx,) = inv.peering_connections.values()
    assert pcx.accepter_dns_from_remote is True and pcx.requester_dns_from_remote is False
    code, pair, errors = _pair(tmp_path / "on")
    assert (code, pair["verdict"], errors) == (0, "REACHABLE", [])
    code, pair, errors = _pair(vpc_peering(tmp_path / "off", accepter_dns=False, **kw))
    assert (code, pair["verdict"]) == (1, "BLOCKED") and "RL402" in errors
    code, pair, errors = _pair(vpc_peering(tmp_path / "unstated", accepter_dns=None, **kw))
    assert (code, pair["verdict"], errors) == (3, "UNKNOWN", [])


# ---- cross-Region peering: security-group references never match -------------------------------------------------


def test_sg_reference_across_cross_region_peering_is_rl206(tmp_path: Path) -> None:
    root = vpc_peering(tmp_path / "x", accounts=(ACCT_A, ACCT_A), regions=(EAST, WEST), db_ingress=SG_REF)
    code, pair, errors = _pair(root)
    assert (code, pair["verdict"]) == (1, "BLOCKED")
    assert "RL206" in errors
    # the same reference across a same-Region cross-account peering matches (VPC Peering Guide)
    code, pair, errors = _pair(vpc_peering(tmp_path / "s", db_ingress=SG_REF))
    assert (code, pair["verdict"], errors) == (0, "REACHABLE", [])


def test_cross_region_peering_with_cidr_rule_is_reachable_and_engine_agrees(tmp_path: Path) -> None:
    root = vpc_peering(tmp_path / "x", accounts=(ACCT_A, ACCT_A), regions=(EAST, WEST))
    code, pair, errors = _pair(root)
    assert (code, pair["verdict"], errors) == (0, "REACHABLE", [])
    inv = load_describe_dir(str(root))
    engine = PathEngine(inv)
    (src,) = locate(inv, "orders", as_source=True)
    (dst,) = locate(inv, DB_IP, as_source=False)
    t = engine.trace(src, dst, "6", 5432)
    # forwarded across the Regions to the DB subnet; no interface of the inputs holds the address: UNKNOWN
    assert [h.node for h in t.hops][:5] == [src.node, "subnet-0fa", "vpc-0aaa", "pcx-0ab", "vpc-0bbb"]
    assert t.disposition is Disposition.UNKNOWN and t.hops[-1].steps[-1].cause == "not-described"


# ---- transit gateway peering between Regions ---------------------------------------------------------------------


def test_tgw_peering_both_ways_reachable(tmp_path: Path) -> None:
    root = tgw_peering(tmp_path / "t")
    code, pair, errors = _pair(root)
    assert (code, pair["verdict"], errors) == (0, "REACHABLE", [])
    code, doc, err = run_trace([str(root), "--from", "orders", "--to", "orders-db", "--port", "5432"])
    assert code == 0, err
    assert doc is not None and len(doc["flows"]) == 2
    for flow in doc["flows"]:
        assert flow["disposition"] == "ACCEPTED"
        assert _nodes(flow)[1:7] == ["subnet-0fa", "vpc-0aaa", "tgw-0east", "tgw-attach-0peer", "tgw-0west",
                                     "vpc-0bbb"]
    # and from the DB side back (the other direction as a flow of its own)
    code, doc, err = run_trace([str(root), "--from", "subnet-0da", "--to", "10.1.1.10", "--protocol", "all"])
    assert doc is not None, err
    flow = doc["flows"][0]
    assert _nodes(flow)[:7] == ["subnet-0da", "vpc-0bbb", "tgw-0west", "tgw-attach-0peer", "tgw-0east", "vpc-0aaa",
                                "subnet-0fa"]
    # delivered into the function subnet; the address belongs to no described interface
    assert flow["disposition"] == "UNKNOWN" and flow["hops"][-1]["steps"][-1]["detail"].startswith("no interface")


def test_tgw_peering_peer_region_absent_is_unknown_naming_it(tmp_path: Path) -> None:
    root = tgw_peering(tmp_path / "t", with_west=False)
    code, doc, err = run_trace([str(root), "--from", "orders", "--to", DB_IP, "--port", "5432"])
    assert code == 3, err
    assert doc is not None
    (flow,) = doc["flows"]
    assert flow["disposition"] == "UNKNOWN"
    last = flow["hops"][-1]
    assert last["node"] == "tgw-0west"
    (step,) = last["steps"]
    assert step["status"] == "unknown" and f"Region {WEST}" in step["detail"] and ACCT_A in step["detail"]
    # check with --target on the DB address: UNKNOWN, never REACHABLE
    code, doc2, err = run_check([str(root)], ["--no-lint", "--target", "orders.c1abcdefgh.rds.amazonaws.com"])
    assert code == 3 and doc2 is not None, err
    assert [p["verdict"] for p in doc2["pairs"]] == ["UNKNOWN"]


def test_tgw_peering_without_route_back_or_not_available(tmp_path: Path) -> None:
    code, pair, errors = _pair(tgw_peering(tmp_path / "n", west_peer_route=False))
    assert (code, pair["verdict"]) == (1, "BLOCKED")
    assert "RL305" in errors and any("tgw-rtb-0west" in f["evidence"] for f in pair["findings"])
    code, pair, errors = _pair(tgw_peering(tmp_path / "p", state="pendingAcceptance"))
    assert (code, pair["verdict"]) == (1, "BLOCKED")
    route = next(h for h in pair["hops"] if h["name"] == "route")
    assert "pendingAcceptance" in route["evidence"]


def test_tgw_peering_missing_vpc_route_is_rl304_not_rl105(tmp_path: Path) -> None:
    """The function VPC's table lacks the route to the TGW: a route is missing (RL304), the VPCs are linked (two
    peered transit gateways), so RL105 ("no peering or transit gateway between them") would be wrong."""
    root = tgw_peering(tmp_path / "t")
    f = root / "accounts" / ACCT_A / EAST / "RouteTables.json"
    data = json.loads(f.read_text())
    data["RouteTables"][0]["Routes"] = [r for r in data["RouteTables"][0]["Routes"] if "TransitGatewayId" not in r]
    f.write_text(json.dumps(data))
    code, pair, errors = _pair(root)
    assert (code, pair["verdict"]) == (1, "BLOCKED")
    assert "RL304" in errors and "RL105" not in errors
    vpc = next(h for h in pair["hops"] if h["name"] == "vpc")
    assert "tgw-attach-0peer" in vpc["evidence"]


def test_tgw_peering_association_not_described_is_unknown(tmp_path: Path) -> None:
    root = tgw_peering(tmp_path / "t")
    f = root / "accounts" / ACCT_A / WEST / "TransitGatewayAttachments.json"
    data = json.loads(f.read_text())
    data["TransitGatewayAttachments"] = [a for a in data["TransitGatewayAttachments"]
                                         if a["ResourceType"] != "peering"]
    f.write_text(json.dumps(data))
    code, doc, err = run_trace([str(root), "--from", "orders", "--to", DB_IP, "--port", "5432"])
    assert code == 3, err
    assert doc is not None and doc["flows"][0]["disposition"] == "UNKNOWN"
    assert "associated with is not described" in doc["flows"][0]["hops"][-1]["steps"][0]["detail"]


def test_account_folders_named_otherwise_stay_apart(tmp_path: Path) -> None:
    """``accounts/<name>/<region>/`` (a snapshot whose account id could not be read is named after the profile):
    the folder after ``accounts/`` is the account, so two of them never collapse into one scope."""
    root = vpc_peering(tmp_path / "p")
    (root / "accounts" / ACCT_A).rename(root / "accounts" / "prod")
    (root / "accounts" / ACCT_B).rename(root / "accounts" / "shared")
    inv = load_describe_dir(str(root))
    assert inv.scope_of(inv.vpcs["vpc-0aaa"]) == ("prod", EAST)
    assert set(inv.ambiguous_ids["rtb-0main"]) == {f"rtb-0main@prod/{EAST}", f"rtb-0main@shared/{EAST}"}


def _same_ip_elsewhere(root: Path) -> None:
    """Account B's DB subnet gets an interface at 10.2.1.10 (the DB group); account A reuses 10.2.0.0/16 in
    us-west-2 for an unrelated VPC with an interface at the same address behind a closed group."""
    def eni(eid: str, vpc: str, subnet: str, sg: str) -> dict[str, Any]:
        return {"NetworkInterfaces": [{"NetworkInterfaceId": eid, "VpcId": vpc, "SubnetId": subnet,
                                       "PrivateIpAddress": DB_IP, "InterfaceType": "interface",
                                       "PrivateIpAddresses": [{"PrivateIpAddress": DB_IP}], "Groups": [{"GroupId": sg}]}]}

    (root / "accounts" / ACCT_B / EAST / "NetworkInterfaces.json").write_text(
        json.dumps(eni("eni-0bbb", "vpc-0bbb", "subnet-0da", "sg-0db")))
    west = root / "accounts" / ACCT_A / WEST
    west.mkdir(parents=True)
    (west / "Vpcs.json").write_text(json.dumps({"Vpcs": [{"VpcId": "vpc-0www", "CidrBlock": "10.2.0.0/16"}]}))
    (west / "Subnets.json").write_text(json.dumps({"Subnets": [{"SubnetId": "subnet-0ww", "VpcId": "vpc-0www",
                                                                "CidrBlock": "10.2.1.0/24",
                                                                "AvailabilityZone": f"{WEST}a"}]}))
    (west / "SecurityGroups.json").write_text(json.dumps({"SecurityGroups": [{
        "GroupId": "sg-0closed", "GroupName": "closed", "VpcId": "vpc-0www", "IpPermissions": [],
        "IpPermissionsEgress": []}]}))
    (west / "NetworkInterfaces.json").write_text(json.dumps(eni("eni-0www", "vpc-0www", "subnet-0ww", "sg-0closed")))
    (root / "accounts" / ACCT_A / EAST / "NetworkInterfaces.json").write_text(json.dumps({"NetworkInterfaces": []}))


def test_address_reused_in_another_account_is_delivered_in_the_routed_vpc(tmp_path: Path) -> None:
    import dataclasses

    root = vpc_peering(tmp_path / "p")
    _same_ip_elsewhere(root)
    inv = load_describe_dir(str(root))
    assert [e.id for e in inv.enis_for_ip(DB_IP)] == ["eni-0www", "eni-0bbb"]  # A/us-west-2 is read first
    (src,) = locate(inv, "orders", as_source=True)
    (dst,) = locate(inv, "eni-0bbb", as_source=False)
    addr = dataclasses.replace(dst, node=DB_IP, subnet=None, vpc_id=None, groups=None, role="address")
    t = PathEngine(inv).trace(src, addr, "6", 5432)
    # the peering leads into vpc-0bbb: the interface there (sg-0db admits 5432), not eni-0www of vpc-0www
    assert t.disposition is Disposition.ACCEPTED, t
    assert [h.node for h in t.hops][-1] == "eni-0bbb"
    # naming the bare address is ambiguous across accounts/Regions: a clear error
    code, _, err = run_trace([str(root), "--from", "orders", "--to", DB_IP, "--port", "5432"])
    assert code == 2 and "several accounts/Regions" in err and "subnet-0da" in err and "subnet-0ww" in err


def test_non_peering_items_of_peering_attachments_are_ignored(tmp_path: Path) -> None:
    """moto answers DescribeTransitGatewayPeeringAttachments with VPC attachments too (no RequesterTgwInfo):
    such items are not peering attachments and must not shadow the VPC attachment of the same id."""
    root = tgw_peering(tmp_path / "t")
    f = root / "accounts" / ACCT_A / EAST / "TransitGatewayPeeringAttachments.json"
    data = json.loads(f.read_text())
    data["TransitGatewayPeeringAttachments"].append({"TransitGatewayAttachmentId": "tgw-attach-0a",
                                                     "State": "available"})
    f.write_text(json.dumps(data))
    inv = load_describe_dir(str(root))
    assert set(inv.transit_gateway_peering_attachments) == {"tgw-attach-0peer"}
    code, pair, errors = _pair(root)
    assert (code, pair["verdict"], errors) == (0, "REACHABLE", [])


def _collide(root: Path) -> None:
    """Rename account B's VPC, subnet and groups to account A's ids (as in folders copied between accounts),
    everywhere they appear, including both views of the peering (its accepter becomes ``vpc-0aaa`` too)."""
    for f in root.rglob("*.json"):
        text = f.read_text()
        for b, a in (("vpc-0bbb", "vpc-0aaa"), ("subnet-0da", "subnet-0fa"), ("sg-0db", "sg-0fn")):
            text = text.replace(f'"{b}"', f'"{a}"')
        f.write_text(text)


def test_every_id_colliding_across_accounts_changes_no_verdict(tmp_path: Path) -> None:
    """The VPC, a subnet and a group of the DB account share the function account's ids: each side of the
    peering is resolved in the account and Region it states, so the verdicts are those of distinct ids."""
    root = vpc_peering(tmp_path / "ok")
    _collide(root)
    inv = load_describe_dir(str(root))
    (pcx,) = inv.peering_connections.values()
    assert (pcx.requester_vpc_id, pcx.accepter_vpc_id) == (f"vpc-0aaa@{ACCT_A}/{EAST}", f"vpc-0aaa@{ACCT_B}/{EAST}")
    assert inv.subnets[f"subnet-0fa@{ACCT_B}/{EAST}"].vpc_id == f"vpc-0aaa@{ACCT_B}/{EAST}"
    code, pair, errors = _pair(root)
    assert (code, pair["verdict"], errors) == (0, "REACHABLE", [])
    bad = vpc_peering(tmp_path / "bad", return_route=False)
    _collide(bad)
    code, pair, errors = _pair(bad)
    assert (code, pair["verdict"]) == (1, "BLOCKED") and "RL304" in errors
    # across Regions (same account) too
    x = vpc_peering(tmp_path / "x", accounts=(ACCT_A, ACCT_A), regions=(EAST, WEST))
    _collide(x)
    code, pair, errors = _pair(x)
    assert (code, pair["verdict"], errors) == (0, "REACHABLE", [])


def test_tgw_ids_colliding_across_regions_change_no_verdict(tmp_path: Path) -> None:
    """Both Regions use the same ids for their TGW, TGW route table, VPC attachment, VPC, subnet and group: the
    peering attachment's two sides are told apart by the Region each states."""
    root = tgw_peering(tmp_path / "t")
    _collide(root)
    for f in root.rglob("*.json"):
        text = f.read_text()
        for b, a in (("tgw-0west", "tgw-0east"), ("tgw-rtb-0west", "tgw-rtb-0east"),
                     ("tgw-attach-0b", "tgw-attach-0a")):
            text = text.replace(f'"{b}"', f'"{a}"')
        f.write_text(text)
    inv = load_describe_dir(str(root))
    (tpa,) = inv.transit_gateway_peering_attachments.values()
    assert (tpa.requester_tgw_id, tpa.accepter_tgw_id) == (f"tgw-0east@{ACCT_A}/{EAST}", f"tgw-0east@{ACCT_A}/{WEST}")
    assert tpa.route_table_on(f"tgw-0east@{ACCT_A}/{WEST}") == f"tgw-rtb-0east@{ACCT_A}/{WEST}"
    code, pair, errors = _pair(root)
    assert (code, pair["verdict"], errors) == (0, "REACHABLE", [])


def test_profile_and_live_region_repeat_on_every_command() -> None:
    from rdslink.cli import _parser

    for argv in (["check", "--live"], ["snapshot", "out"], ["trace", "--live", "--from", "x", "--to", "y"]):
        args = _parser().parse_args([*argv, "--profile", "a", "--profile", "b", "--live-region", EAST,
                                     "--live-region", WEST])
        assert (args.profile, args.profiles, args.live_region) == ("a", ["a", "b"], [EAST, WEST]), argv
    args = _parser().parse_args(["check", "--live"])
    assert args.profile is None and getattr(args, "profiles", None) in (None, [])


def _east_attachment_without_association(root: Path, drop_entry: bool) -> None:
    """East TGW with default association on (its default table is tgw-rtb-0east, which routes to the DB), and
    its VPC attachment listed with no Association (drop_entry False) or not listed at all (True)."""
    east = root / "accounts" / ACCT_A / EAST
    f = east / "TransitGateways.json"
    data = json.loads(f.read_text())
    data["TransitGateways"][0]["Options"].update({"DefaultRouteTableAssociation": "enable",
                                                  "AssociationDefaultRouteTableId": "tgw-rtb-0east"})
    f.write_text(json.dumps(data))
    f = east / "TransitGatewayAttachments.json"
    data = json.loads(f.read_text())
    atts = data["TransitGatewayAttachments"]
    if drop_entry:
        data["TransitGatewayAttachments"] = [a for a in atts if a["ResourceType"] != "vpc"]
    else:
        for a in atts:
            if a["ResourceType"] == "vpc":
                del a["Association"]
    f.write_text(json.dumps(data))


def test_described_attachment_without_association_is_not_put_on_the_default_table(tmp_path: Path) -> None:
    """DescribeTransitGatewayAttachments lists the attachment with no Association: it is associated with no
    route table (someone disassociated it), whatever the TGW's default association option says; routing it by
    the default table would be a guess, and here a wrong REACHABLE."""
    root = tgw_peering(tmp_path / "t")
    assert _pair(root)[:2][1]["verdict"] == "REACHABLE"
    _east_attachment_without_association(root, drop_entry=False)
    code, pair, errors = _pair(root)
    assert (code, pair["verdict"]) == (1, "BLOCKED"), pair
    assert any("associated with no transit gateway route table" in h["evidence"] for h in pair["hops"])


def test_attachment_missing_from_the_attachments_list_is_unknown(tmp_path: Path) -> None:
    root = tgw_peering(tmp_path / "t")
    _east_attachment_without_association(root, drop_entry=True)
    code, pair, _ = _pair(root)
    assert (code, pair["verdict"]) == (3, "UNKNOWN"), pair
    assert any("DescribeTransitGatewayAttachments" in h["evidence"] for h in pair["hops"])
