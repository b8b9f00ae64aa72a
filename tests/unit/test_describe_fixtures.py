"""Describe-JSON fixtures (``tests/fixtures/describe/<name>/``): saved API responses, checked through the CLI.

``route-table-associations`` is the ``rdslink snapshot`` of two moto environments (tests/live/scenarios.py
``correct-secrets-nat`` and ``rl501-nat-not-associated``, VPCs 10.20/16 and 10.21/16). In both the VPC's main
route table has only its local route and a NAT gateway sits in a public subnet; in the first the function
subnets are explicitly associated with a route table 0.0.0.0/0 -> NAT (EC2: "a subnet uses the main route table
unless explicitly associated"), in the second that table exists but is associated with nothing. Both functions
read a secret at run time, so the secrets path decides: REACHABLE, and BLOCKED by RL501.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from .test_check_fixtures import _all_findings, run_check

DESCRIBE = Path(__file__).resolve().parents[1] / "fixtures" / "describe"
ASSOC = DESCRIBE / "route-table-associations"
ROUTES = "us-east-1/ec2-describe-route-tables.json"
NAT_TABLE = "rtb-f998c66012c041144"  # 0.0.0.0/0 -> nat-ee186789fb439af34, associated with the two fn subnets
UNUSED_NAT_TABLE = "rtb-7297eedd478da42d9"  # the same route in the other VPC, associated with nothing
GOOD_FN, BAD_FN = "correct-secrets-nat-fn", "rl501-nat-not-associated-fn"


def _summary(doc: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """function name -> (verdict, sorted ids of error/warning findings of its pair)."""
    out = {}
    for p in doc["pairs"]:
        ids = sorted(f["id"] for f in p["findings"] if f["severity"] != "info")
        out[p["function"]["name"]] = (p["verdict"], ids)
    return out


def _check(folder: Path) -> tuple[int, dict[str, Any]]:
    code, doc, err = run_check([str(folder)], [])
    assert doc is not None, err
    return code, doc


def _edit_routes(tmp_path: Path, edit: Any) -> Path:
    folder = tmp_path / "snap"
    shutil.copytree(ASSOC, folder)
    path = folder / ROUTES
    data = json.loads(path.read_text())
    edit({t["RouteTableId"]: t for t in data["RouteTables"]})
    path.write_text(json.dumps(data))
    return folder


def test_explicit_association_decides_the_secrets_path() -> None:
    code, doc = _check(ASSOC)
    assert code == 1
    assert _summary(doc) == {GOOD_FN: ("REACHABLE", []), BAD_FN: ("BLOCKED", ["RL501"])}
    good = next(p for p in doc["pairs"] if p["function"]["name"] == GOOD_FN)
    hop = next(h for h in good["hops"] if h["name"] == "secrets-path")
    assert hop["status"] == "open" and NAT_TABLE in hop["evidence"], hop
    bad = next(p for p in doc["pairs"] if p["function"]["name"] == BAD_FN)
    rl501 = next(f for f in bad["findings"] if f["id"] == "RL501")
    assert "has no default route" in rl501["evidence"] and UNUSED_NAT_TABLE not in rl501["evidence"], rl501
    # the one NAT gateway serves the two AZs of the first function's subnets (RL505, not tied to a pair)
    assert sorted((f["id"], f["severity"]) for f in doc["findings"]) == [("RL505", "warning")]
    assert all(f["severity"] != "error" for f in _all_findings(doc) if f["id"] != "RL501")


def test_without_the_association_the_main_table_applies(tmp_path: Path) -> None:
    def drop(tables: dict[str, Any]) -> None:
        tables[NAT_TABLE]["Associations"] = []

    code, doc = _check(_edit_routes(tmp_path, drop))
    assert code == 1
    assert _summary(doc) == {GOOD_FN: ("BLOCKED", ["RL501"]), BAD_FN: ("BLOCKED", ["RL501"])}
    assert doc["findings"] == []  # no subnet routes through the NAT gateway any more: no RL505


def test_associating_the_unused_table_opens_the_path(tmp_path: Path) -> None:
    def associate(tables: dict[str, Any]) -> None:
        subnets = json.loads((ASSOC / "us-east-1/lambda-list-functions.json").read_text())["Functions"]
        fn = next(f for f in subnets if f["FunctionName"] == BAD_FN)
        tables[UNUSED_NAT_TABLE]["Associations"] = [
            {"Main": False, "RouteTableId": UNUSED_NAT_TABLE, "SubnetId": s,
             "RouteTableAssociationId": f"rtbassoc-{i}", "AssociationState": {"State": "associated"}}
            for i, s in enumerate(fn["VpcConfig"]["SubnetIds"])]

    code, doc = _check(_edit_routes(tmp_path, associate))
    assert code == 0
    assert _summary(doc) == {GOOD_FN: ("REACHABLE", []), BAD_FN: ("REACHABLE", [])}
    assert sorted(f["id"] for f in doc["findings"]) == ["RL505", "RL505"]


def test_a_main_flag_on_the_nat_table_makes_it_the_default(tmp_path: Path) -> None:
    """The main route table is the one whose association says ``Main: true``; unassociated subnets use it."""
    def make_main(tables: dict[str, Any]) -> None:
        old_main = next(t for t in tables.values() if t["VpcId"] == tables[UNUSED_NAT_TABLE]["VpcId"]
                        and any(a.get("Main") for a in t["Associations"]))
        old_main["Associations"] = []
        tables[UNUSED_NAT_TABLE]["Associations"] = [{"Main": True, "RouteTableId": UNUSED_NAT_TABLE,
                                                     "RouteTableAssociationId": "rtbassoc-main"}]

    code, doc = _check(_edit_routes(tmp_path, make_main))
    assert _summary(doc)[BAD_FN] == ("REACHABLE", [])
    assert code == 0


def test_a_security_group_being_removed_from_the_db_admits_nothing(tmp_path: Path) -> None:
    """DescribeDBInstances lists VpcSecurityGroups with a Status; only ``active`` ones filter traffic. The first
    DB keeps its admitting group only as ``removing`` and gets the VPC's default group (no ingress rule)."""
    folder = tmp_path / "snap"
    shutil.copytree(ASSOC, folder)
    path = folder / "us-east-1/rds-describe-db-instances.json"
    data = json.loads(path.read_text())
    db = next(d for d in data["DBInstances"] if d["DBInstanceIdentifier"] == "correct-secrets-nat-db")
    db["VpcSecurityGroups"] = [{"Status": "active", "VpcSecurityGroupId": "sg-0f6fe699598f76c8f"},
                               {"Status": "removing", "VpcSecurityGroupId": "sg-b7a3f4384649bf8e7"}]
    path.write_text(json.dumps(data))
    code, doc = _check(folder)
    assert code == 1
    assert _summary(doc)[GOOD_FN] == ("BLOCKED", ["RL201"])
    rl201 = next(f for p in doc["pairs"] for f in p["findings"] if f["id"] == "RL201")
    assert "sg-0f6fe699598f76c8f" in rl201["resources"] and "sg-b7a3f4384649bf8e7" not in rl201["resources"]


def test_without_route_tables_the_route_hop_is_unknown(tmp_path: Path) -> None:
    """A snapshot without DescribeRouteTables cannot prove the route (a more specific route may divert the
    traffic): UNKNOWN, never REACHABLE, and a warning says what is missing. The first function stops reading
    its secret here, so nothing but the missing route tables stands between it and REACHABLE."""
    folder = tmp_path / "snap"
    shutil.copytree(ASSOC, folder)
    (folder / ROUTES).unlink()
    path = folder / "us-east-1/lambda-list-functions.json"
    data = json.loads(path.read_text())
    fn = next(f for f in data["Functions"] if f["FunctionName"] == GOOD_FN)
    del fn["Environment"]["Variables"]["DB_SECRET_ARN"]
    path.write_text(json.dumps(data))
    code, doc = _check(folder)
    good = next(p for p in doc["pairs"] if p["function"]["name"] == GOOD_FN)
    assert good["verdict"] == "UNKNOWN", good
    route = next(h for h in good["hops"] if h["name"] == "route")
    assert route["status"] == "unknown" and "route tables are not in the inputs" in route["evidence"], route
    assert any("no route tables" in w for w in doc["warnings"]), doc["warnings"]
    # the other function's secrets path cannot be decided either (no route table proves the NAT route absent)
    assert _summary(doc)[BAD_FN][0] == "UNKNOWN"
    assert code == 3


def test_a_detached_internet_gateway_carries_nothing(tmp_path: Path) -> None:
    """DescribeInternetGateways keeps a gateway after detach-internet-gateway with an attachment in state
    ``detached`` (or none at all): the NAT gateway's subnet then has no way out, so the secrets path is closed."""
    folder = tmp_path / "snap"
    shutil.copytree(ASSOC, folder)
    path = folder / "us-east-1/ec2-describe-internet-gateways.json"
    data = json.loads(path.read_text())
    igw = next(g for g in data["InternetGateways"] if g["InternetGatewayId"] == "igw-675e9ac840f7de7f8")
    for a in igw["Attachments"]:
        a["State"] = "detached"
    path.write_text(json.dumps(data))
    code, doc = _check(folder)
    # RL504: the NAT gateway sits in a subnet whose default route leads to no attached internet gateway
    assert _summary(doc) == {GOOD_FN: ("BLOCKED", ["RL504"]), BAD_FN: ("BLOCKED", ["RL501"])}
    assert code == 1
