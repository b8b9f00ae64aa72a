"""Small readers over synthesized templates (logical ids are readable: see ReferenceStack)."""

from __future__ import annotations

from typing import Any

VPC_POLICY_SUFFIX = ":iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"


def resources(template: dict[str, Any], rtype: str) -> dict[str, dict[str, Any]]:
    """Resources of one type, by logical id."""
    return {k: v for k, v in template["Resources"].items() if v["Type"] == rtype}


def group_ref(value: Any) -> str | None:
    """The logical id in ``{"Fn::GetAtt": [X, "GroupId"]}`` / ``{"Ref": X}``, else None."""
    if isinstance(value, dict):
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
        if "Ref" in value:
            return str(value["Ref"])
    return None


def _port(value: Any) -> Any:
    if isinstance(value, dict) and value.get("Fn::GetAtt", [None, None])[1] == "Endpoint.Port":
        return "DB_PORT"
    return value


def sg_rules(template: dict[str, Any], direction: str) -> list[tuple[str, str, Any, Any, str]]:
    """Every ingress or egress rule as (group, protocol, from, to, peer); peer is a group logical id or a CIDR.

    Covers inline rules and standalone AWS::EC2::SecurityGroupIngress/Egress resources.
    """
    key = "SecurityGroupIngress" if direction == "ingress" else "SecurityGroupEgress"
    peer_keys = ("SourceSecurityGroupId", "CidrIp", "CidrIpv6", "SourcePrefixListId") if direction == "ingress" else (
        "DestinationSecurityGroupId", "CidrIp", "CidrIpv6", "DestinationPrefixListId")
    out = []

    def peer(rule: dict[str, Any]) -> str:
        for k in peer_keys:
            if k in rule:
                return group_ref(rule[k]) or str(rule[k])
        return "?"

    for logical, res in resources(template, "AWS::EC2::SecurityGroup").items():
        for rule in res["Properties"].get(key, []):
            out.append((logical, str(rule["IpProtocol"]), _port(rule.get("FromPort")), _port(rule.get("ToPort")),
                        peer(rule)))
    for res in resources(template, f"AWS::EC2::{key}").values():
        p = res["Properties"]
        out.append((group_ref(p["GroupId"]) or "?", str(p["IpProtocol"]), _port(p.get("FromPort")),
                    _port(p.get("ToPort")), peer(p)))
    return out


def real_rules(rules: list[tuple[str, str, Any, Any, str]]) -> list[tuple[str, str, Any, Any, str]]:
    """Drop CDK's placeholder egress rule (icmp 252-86 to 255.255.255.255/32, matches no traffic)."""
    return [r for r in rules if r[4] != "255.255.255.255/32"]


def az_index(subnet: dict[str, Any]) -> int:
    """The index of ``Fn::Select [i, Fn::GetAZs '']`` in a subnet's AvailabilityZone."""
    az = subnet["Properties"]["AvailabilityZone"]
    assert "Fn::Select" in az and az["Fn::Select"][1] == {"Fn::GetAZs": ""}, az
    return int(az["Fn::Select"][0])


def subnet_group_name(logical_id: str) -> str:
    """"private", "isolated" or "public" from a subnet logical id such as VpcPrivateSubnet2Subnet."""
    for name in ("Private", "Isolated", "Public"):
        if logical_id.startswith(f"Vpc{name}Subnet"):
            return name.lower()
    raise AssertionError(f"not a VPC subnet: {logical_id}")


def refs(values: Any) -> list[str]:
    """Logical ids of a list of ``{"Ref": X}``."""
    return [v["Ref"] for v in values]


def join_refs(value: Any) -> list[str]:
    """Logical ids in ``{"Fn::Join": ["", [{"Ref": A}, ",", {"Ref": B}]]}`` (CDK's comma-joined id list)."""
    parts = value["Fn::Join"][1]
    return [p["Ref"] for p in parts if isinstance(p, dict)]


def flatten(value: Any) -> str:
    """A Fn::Join of strings and intrinsics as one readable string (intrinsics as ${...})."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(flatten(p) for p in parts)
    if isinstance(value, dict) and "Ref" in value:
        return "${" + str(value["Ref"]) + "}"
    return "${" + str(value) + "}"
