"""Deterministic generator of a large, realistic CloudFormation template for ``rdslink check`` benchmarks.

The default template (seed 42) has one VPC with a public subnet (NAT gateway, internet gateway) and private
application and database subnets in three AZs, route tables with associations, two network ACLs with entries,
a Secrets Manager interface endpoint, 400 ``AWS::EC2::SecurityGroup`` with 10 ingress/egress rules each (security
group references and CIDRs, various ports), 50 databases (stand-alone ``AWS::RDS::DBInstance`` and Aurora
``AWS::RDS::DBCluster`` with member instances, shared ``AWS::RDS::DBSubnetGroup``\\ s, master secrets), a few shared
IAM roles and 200 ``AWS::Lambda::Function`` in the VPC whose ``DB_HOST`` is ``!GetAtt <Db>.Endpoint.Address``
of exactly one database, so pair discovery yields one pair per function.

Verdicts are mixed on purpose so the analysis does real work: most database security groups admit their
clients' security groups (REACHABLE), some admit them by CIDR (REACHABLE with RL202), one subnet's CIDR only
(INTERMITTENT / BLOCKED), another port (RL205) or nothing (RL201); a few functions lack the egress rule (RL204)
or use a role without ENI permissions (RL104).

Usage::

    python benchmarks/gen_template.py -o /tmp/big.yaml            # YAML with short-form intrinsics
    python benchmarks/gen_template.py -o /tmp/big.json --format json
    python benchmarks/gen_template.py --functions 20 --databases 5 --security-groups 40 -o small.yaml
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from typing import Any

VPC_CIDR = "10.0.0.0/16"
PUBLIC_CIDR = "10.0.0.0/24"
APP_CIDRS = ("10.0.16.0/20", "10.0.32.0/20", "10.0.48.0/20")
DB_CIDRS = ("10.0.128.0/24", "10.0.129.0/24", "10.0.130.0/24")
DB_SUPERNET = "10.0.128.0/22"
AZ_LETTERS = ("A", "B", "C")

VPC_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

#: (engine, kind, port) of the database flavours, cycled with a seeded shuffle.
DB_FLAVOURS = (
    ("postgres", "instance", 5432),
    ("mysql", "instance", 3306),
    ("aurora-postgresql", "cluster", 5432),
    ("aurora-mysql", "cluster", 3306),
    ("postgres", "instance", 5432),
)

#: How a database's security group admits its clients, with weights (per database).
INGRESS_MODES = (("ref", 34), ("cidr-vpc", 4), ("cidr-one-subnet", 4), ("wrong-port", 3), ("none", 5))

NOISE_PORTS = (22, 53, 80, 443, 8080, 8443, 6379, 9200, 11211, 2049, 5439, 27017, 9092)


# ---- intrinsic helpers ----------------------------------------------------------------------------------

def ref(name: str) -> dict[str, Any]:
    return {"Ref": name}


def get_att(name: str, attr: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [name, attr]}


def sub(text: str) -> dict[str, Any]:
    return {"Fn::Sub": text}


def az(index: int) -> dict[str, Any]:
    return {"Fn::Select": [index, {"Fn::GetAZs": ""}]}


def _rule(proto: str, port: int | tuple[int, int], **peer: Any) -> dict[str, Any]:
    lo, hi = (port, port) if isinstance(port, int) else port
    r: dict[str, Any] = {"IpProtocol": proto}
    if proto != "-1":
        r["FromPort"] = lo
        r["ToPort"] = hi
    r.update(peer)
    return r


def _peer_group(rule: dict[str, Any]) -> str | None:
    """Logical id of the security group a rule references (Ref or GetAtt GroupId), else None."""
    v = rule.get("SourceSecurityGroupId", rule.get("DestinationSecurityGroupId"))
    if isinstance(v, dict) and "Ref" in v:
        return str(v["Ref"])
    if isinstance(v, dict) and "Fn::GetAtt" in v:
        return str(v["Fn::GetAtt"][0])
    return None


# ---- the generator --------------------------------------------------------------------------------------

def generate(functions: int = 200, databases: int = 50, security_groups: int = 400, rules_per_group: int = 10,
             seed: int = 42) -> dict[str, Any]:
    """Return the template as a dict (long-form intrinsics: ``{"Ref": ...}``, ``{"Fn::GetAtt": [...]}``)."""
    if functions < 1 or databases < 1:
        raise ValueError("need at least one function and one database")
    rng = random.Random(seed)
    res: dict[str, Any] = {}
    tags = lambda name: [{"Key": "Name", "Value": sub("${EnvName}-" + name)}]  # noqa: E731

    # -- network ------------------------------------------------------------------------------------------
    res["Vpc"] = {"Type": "AWS::EC2::VPC", "Properties": {
        "CidrBlock": VPC_CIDR, "EnableDnsSupport": True, "EnableDnsHostnames": True, "Tags": tags("vpc")}}
    res["InternetGateway"] = {"Type": "AWS::EC2::InternetGateway", "Properties": {"Tags": tags("igw")}}
    res["VpcGatewayAttachment"] = {"Type": "AWS::EC2::VPCGatewayAttachment", "Properties": {
        "VpcId": ref("Vpc"), "InternetGatewayId": ref("InternetGateway")}}
    res["PublicSubnetA"] = {"Type": "AWS::EC2::Subnet", "Properties": {
        "VpcId": ref("Vpc"), "CidrBlock": PUBLIC_CIDR, "AvailabilityZone": az(0), "MapPublicIpOnLaunch": True,
        "Tags": tags("public-a")}}
    for i, letter in enumerate(AZ_LETTERS):
        res[f"AppSubnet{letter}"] = {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": ref("Vpc"), "CidrBlock": APP_CIDRS[i], "AvailabilityZone": az(i),
            "Tags": tags(f"app-{letter.lower()}")}}
        res[f"DbSubnet{letter}"] = {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": ref("Vpc"), "CidrBlock": DB_CIDRS[i], "AvailabilityZone": az(i),
            "Tags": tags(f"db-{letter.lower()}")}}
    res["NatEip"] = {"Type": "AWS::EC2::EIP", "DependsOn": "VpcGatewayAttachment", "Properties": {"Domain": "vpc"}}
    res["NatGateway"] = {"Type": "AWS::EC2::NatGateway", "Properties": {
        "AllocationId": get_att("NatEip", "AllocationId"), "SubnetId": ref("PublicSubnetA"), "Tags": tags("nat")}}
    for name, route in (("Public", {"GatewayId": ref("InternetGateway")}), ("App", {"NatGatewayId": ref("NatGateway")}),
                        ("Db", None)):
        res[f"{name}RouteTable"] = {"Type": "AWS::EC2::RouteTable", "Properties": {
            "VpcId": ref("Vpc"), "Tags": tags(f"{name.lower()}-rt")}}
        if route is not None:
            res[f"{name}DefaultRoute"] = {"Type": "AWS::EC2::Route", "Properties": {
                "RouteTableId": ref(f"{name}RouteTable"), "DestinationCidrBlock": "0.0.0.0/0", **route}}
    res["PublicDefaultRoute"]["DependsOn"] = "VpcGatewayAttachment"
    assoc = [("PublicSubnetA", "Public")] + [(f"App{x}", "App") for x in ("SubnetA", "SubnetB", "SubnetC")] + \
        [(f"Db{x}", "Db") for x in ("SubnetA", "SubnetB", "SubnetC")]
    for subnet, table in assoc:
        res[f"{subnet}RouteTableAssociation"] = {"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {
            "SubnetId": ref(subnet), "RouteTableId": ref(f"{table}RouteTable")}}

    # network ACLs: a permissive one for the public subnet, an explicit one for app + db subnets
    res["PublicNacl"] = {"Type": "AWS::EC2::NetworkAcl", "Properties": {"VpcId": ref("Vpc"), "Tags": tags("public-acl")}}
    res["PrivateNacl"] = {"Type": "AWS::EC2::NetworkAcl", "Properties": {"VpcId": ref("Vpc"), "Tags": tags("private-acl")}}
    entries: list[tuple[str, int, bool, str, str, str, tuple[int, int] | None]] = []
    for egress in (False, True):
        entries.append(("PublicNacl", 100, egress, "-1", "allow", "0.0.0.0/0", None))
        entries += [
            ("PrivateNacl", 90, egress, "6", "deny", "10.0.250.0/24", (0, 65535)),
            ("PrivateNacl", 100, egress, "6", "allow", VPC_CIDR, (3306, 3306)),
            ("PrivateNacl", 110, egress, "6", "allow", VPC_CIDR, (5432, 5432)),
            ("PrivateNacl", 120, egress, "6", "allow", "0.0.0.0/0" if egress else VPC_CIDR, (443, 443)),
            ("PrivateNacl", 130, egress, "6", "allow", VPC_CIDR if egress else "0.0.0.0/0", (1024, 65535)),
            ("PrivateNacl", 140, egress, "17", "allow", VPC_CIDR, (53, 53)),
            ("PrivateNacl", 150, egress, "6", "allow", VPC_CIDR, (6379, 6379)),
            ("PrivateNacl", 160, egress, "6", "allow", "0.0.0.0/0" if egress else VPC_CIDR, (80, 80)),
        ]
    for acl, num, egress, proto, action, cidr, ports in entries:
        props: dict[str, Any] = {"NetworkAclId": ref(acl), "RuleNumber": num, "Protocol": int(proto),
                                 "RuleAction": action, "Egress": egress, "CidrBlock": cidr}
        if ports is not None:
            props["PortRange"] = {"From": ports[0], "To": ports[1]}
        res[f"{acl}{'Out' if egress else 'In'}{num}"] = {"Type": "AWS::EC2::NetworkAclEntry", "Properties": props}
    for subnet in ["PublicSubnetA"] + [f"{k}Subnet{x}" for k in ("App", "Db") for x in AZ_LETTERS]:
        acl = "PublicNacl" if subnet.startswith("Public") else "PrivateNacl"
        res[f"{subnet}NaclAssociation"] = {"Type": "AWS::EC2::SubnetNetworkAclAssociation", "Properties": {
            "SubnetId": ref(subnet), "NetworkAclId": ref(acl)}}

    # -- databases ----------------------------------------------------------------------------------------
    flavours = [DB_FLAVOURS[i % len(DB_FLAVOURS)] for i in range(databases)]
    rng.shuffle(flavours)
    modes = [m for m, w in INGRESS_MODES for _ in range(w)]
    db_modes = [modes[rng.randrange(len(modes))] for _ in range(databases)]
    subnet_groups = {"DbSubnetGroupAll": AZ_LETTERS, "DbSubnetGroupAB": ("A", "B"), "DbSubnetGroupBC": ("B", "C")}
    for name, letters in subnet_groups.items():
        res[name] = {"Type": "AWS::RDS::DBSubnetGroup", "Properties": {
            "DBSubnetGroupDescription": f"database subnets {'/'.join(letters)}",
            "SubnetIds": [ref(f"DbSubnet{x}") for x in letters]}}
    dbs: list[dict[str, Any]] = []  # name, port, sg, mode, secret, target (logical id the endpoint comes from)
    for i in range(databases):
        engine, kind, port = flavours[i]
        n = f"{i + 1:03d}"
        sg = f"Db{n}Sg"
        secret = f"Db{n}Secret"
        group = rng.choice(list(subnet_groups))
        res[secret] = {"Type": "AWS::SecretsManager::Secret", "Properties": {
            "Description": f"master credentials of database {n}",
            "GenerateSecretString": {"SecretStringTemplate": '{"username": "app"}', "GenerateStringKey": "password",
                                     "PasswordLength": 32, "ExcludeCharacters": "\"@/\\"}}}
        password = sub("{{resolve:secretsmanager:${" + secret + "}:SecretString:password}}")
        common = {"DBSubnetGroupName": ref(group), "MasterUsername": "app", "MasterUserPassword": password,
                  "StorageEncrypted": True, "DeletionProtection": False}
        if kind == "instance":
            target = f"Db{n}"
            res[target] = {"Type": "AWS::RDS::DBInstance", "DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot",
                           "Properties": {
                "Engine": engine, "DBInstanceClass": rng.choice(("db.t4g.micro", "db.t4g.medium", "db.m6g.large")),
                "AllocatedStorage": rng.choice((20, 50, 100)), "MultiAZ": rng.random() < 0.5,
                "PubliclyAccessible": False, "VPCSecurityGroups": [get_att(sg, "GroupId")], **common}}
        else:
            target = f"Db{n}Cluster"
            res[target] = {"Type": "AWS::RDS::DBCluster", "DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot",
                           "Properties": {
                "Engine": engine, "VpcSecurityGroupIds": [get_att(sg, "GroupId")], **common}}
            for k in range(rng.choice((1, 2))):
                res[f"Db{n}Member{k + 1}"] = {"Type": "AWS::RDS::DBInstance", "Properties": {
                    "Engine": engine, "DBClusterIdentifier": ref(target), "DBInstanceClass": "db.r6g.large",
                    "DBSubnetGroupName": ref(group), "PubliclyAccessible": False}}
        res[f"{secret}Attachment"] = {"Type": "AWS::SecretsManager::SecretTargetAttachment", "Properties": {
            "SecretId": ref(secret), "TargetId": ref(target),
            "TargetType": "AWS::RDS::DBInstance" if kind == "instance" else "AWS::RDS::DBCluster"}}
        dbs.append({"n": n, "port": port, "sg": sg, "mode": db_modes[i], "secret": secret, "target": target,
                    "letters": subnet_groups[group]})

    # -- functions and their security groups ----------------------------------------------------------------
    roles = ["LambdaVpcRoleA", "LambdaVpcRoleB", "LambdaVpcRoleC", "LambdaVpcRoleD", "LambdaBasicRole"]
    for r in roles:
        managed = [BASIC_EXECUTION] if r == "LambdaBasicRole" else [VPC_ACCESS]
        res[r] = {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "ManagedPolicyArns": managed,
            "Policies": [{"PolicyName": "read-db-secrets", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:*")}]}}]}}

    # each database gets functions/databases clients (round robin over a seeded order)
    order = list(range(functions))
    rng.shuffle(order)
    fn_db = {f: i % databases for i, f in enumerate(order)}
    # functions of one database that are configured the same may share one security group (one "service")
    fn_sg: dict[int, str] = {}
    sg_specs: dict[str, dict[str, Any]] = {}  # name -> {"ingress": [...], "egress": [...]}
    n_fn_sg = 0
    service_sg: dict[int, str] = {}
    fn_egress_missing = {f for f in range(functions) if rng.random() < 0.05}
    for f in range(functions):
        d = fn_db[f]
        share = f not in fn_egress_missing and d in service_sg and rng.random() < 0.5
        if share:
            fn_sg[f] = service_sg[d]
            continue
        n_fn_sg += 1
        name = f"Fn{n_fn_sg:03d}Sg"
        fn_sg[f] = name
        sg_specs[name] = {"ingress": [], "egress": []}
        if f not in fn_egress_missing:
            service_sg.setdefault(d, name)
    n_common = 8
    n_other = security_groups - len(sg_specs) - databases - 1 - n_common
    if n_other < 0:
        raise ValueError(f"security_groups={security_groups} is too few for {functions} functions and "
                         f"{databases} databases (need at least {len(sg_specs) + databases + 1 + n_common})")
    others = [f"App{i + 1:03d}Sg" for i in range(n_other)]
    commons = [f"FnCommon{i + 1}Sg" for i in range(n_common)]
    for name in others + commons + ["SecretsEndpointSg"] + [db["sg"] for db in dbs]:
        sg_specs[name] = {"ingress": [], "egress": []}

    def peer_sg(name: str, direction: str) -> dict[str, Any]:
        key = "SourceSecurityGroupId" if direction == "ingress" else "DestinationSecurityGroupId"
        return {key: get_att(name, "GroupId") if rng.random() < 0.7 else ref(name)}

    # required rules: function egress to its database, database ingress from its clients
    fn_subnets: dict[int, list[str]] = {}
    for f in range(functions):
        fn_subnets[f] = sorted(rng.sample(AZ_LETTERS, rng.choice((2, 2, 3))))
    clients: dict[int, list[int]] = {}
    for f in range(functions):
        clients.setdefault(fn_db[f], []).append(f)
    egress_done: set[tuple[str, int]] = set()
    for d, db in enumerate(dbs):
        spec = sg_specs[db["sg"]]
        port = db["port"]
        seen: set[str] = set()
        for f in clients.get(d, []):
            g = fn_sg[f]
            if f not in fn_egress_missing and (g, d) not in egress_done:
                egress_done.add((g, d))
                sg_specs[g]["egress"].append(_rule("tcp", port, **(peer_sg(db["sg"], "egress") if rng.random() < 0.7
                                                                  else {"CidrIp": DB_SUPERNET})))
            mode = db["mode"]
            if mode == "ref" and g not in seen:
                spec["ingress"].append(_rule("tcp", port, **peer_sg(g, "ingress")))
            elif mode == "wrong-port" and g not in seen:
                spec["ingress"].append(_rule("tcp", port + 1, **peer_sg(g, "ingress")))
            seen.add(g)
        if db["mode"] == "cidr-vpc":
            spec["ingress"].append(_rule("tcp", port, CidrIp=VPC_CIDR))
        elif db["mode"] == "cidr-one-subnet":
            spec["ingress"].append(_rule("tcp", port, CidrIp=APP_CIDRS[0]))
        spec["ingress"].append(_rule("tcp", port, **peer_sg(others[d % len(others)] if others else commons[0], "ingress")))
    for name in [n for n in sg_specs if n.startswith("Fn") and not n.startswith("FnCommon")] + commons:
        sg_specs[name]["egress"].insert(0, _rule("tcp", 443, CidrIp="0.0.0.0/0"))
    sg_specs["SecretsEndpointSg"]["ingress"] += [_rule("tcp", 443, CidrIp=c) for c in APP_CIDRS]
    sg_specs["SecretsEndpointSg"]["egress"].append(_rule("-1", 0, CidrIp="0.0.0.0/0"))

    # fill every group up to rules_per_group with realistic noise (references to app groups, CIDRs, ports)
    sg_names = list(sg_specs)
    for name in sg_names:
        spec = sg_specs[name]
        is_db = name.startswith("Db")
        is_fn = name.startswith("Fn")
        while len(spec["ingress"]) + len(spec["egress"]) < rules_per_group:
            direction = "ingress" if rng.random() < (0.7 if is_db else 0.5) else "egress"
            nport: int | tuple[int, int] = rng.choice(NOISE_PORTS)
            if rng.random() < 0.1:
                nport = (8000, 8100)
            proto = "udp" if nport == 53 else "tcp"
            roll = rng.random()
            if roll < 0.5 and others:
                npeer: dict[str, Any] = peer_sg(rng.choice(others), direction)
            elif roll < 0.7:
                npeer = {"CidrIp": rng.choice(("10.0.200.0/24", "10.0.240.0/24", "192.168.0.0/16", "172.16.0.0/12"))}
            elif roll < 0.8 and not is_db:
                npeer = {"CidrIp": "0.0.0.0/0"}
                nport = rng.choice((80, 443))
            elif roll < 0.9:
                npeer = {"CidrIp": "10.0.250.0/24"}
            else:
                npeer = {"CidrIpv6": "::/0"} if not is_db else {"CidrIp": "10.1.0.0/16"}
            if is_fn and direction == "egress" and isinstance(nport, int) and nport in (3306, 5432):
                continue
            if is_db and direction == "ingress" and isinstance(nport, tuple):
                continue
            nr = _rule(proto, nport, **npeer)
            if rng.random() < 0.3:
                nr["Description"] = f"{direction} {proto}/{nport} ({rng.choice(('monitoring', 'batch', 'admin', 'api'))})"
            if nr not in spec[direction]:
                spec[direction].append(nr)
    # An inline rule that references another group makes this group depend on it; two groups referencing
    # each other inline are a circular dependency CloudFormation rejects (cfn-lint E3004). As in real
    # templates, a reference "up" the order (app tier -> function -> database) stays inline, and one the other
    # way (or to the group itself) becomes a stand-alone AWS::EC2::SecurityGroupIngress/Egress resource. The
    # group still has rules_per_group rules in the model.
    rank = {n: i for i, n in enumerate(others + commons + [n for n in sg_specs if n.startswith("Fn")
                                                           and not n.startswith("FnCommon")]
                                       + ["SecretsEndpointSg"] + [db["sg"] for db in dbs])}
    for name, spec in sg_specs.items():
        props = {"GroupDescription": f"{name} security group", "VpcId": ref("Vpc")}
        for direction, key, rtype in (("ingress", "SecurityGroupIngress", "AWS::EC2::SecurityGroupIngress"),
                                      ("egress", "SecurityGroupEgress", "AWS::EC2::SecurityGroupEgress")):
            inline = []
            for k, r in enumerate(spec[direction]):
                peer_name = _peer_group(r)
                if peer_name is not None and rank[peer_name] >= rank[name]:
                    res[f"{name}{'Ingress' if direction == 'ingress' else 'Egress'}{k + 1:02d}"] = {
                        "Type": rtype, "Properties": {"GroupId": get_att(name, "GroupId"), **r}}
                else:
                    inline.append(r)
            if inline:
                props[key] = inline
        props["Tags"] = tags(name.lower())
        res[name] = {"Type": "AWS::EC2::SecurityGroup", "Properties": props}

    res["SecretsManagerEndpoint"] = {"Type": "AWS::EC2::VPCEndpoint", "Properties": {
        "VpcId": ref("Vpc"), "VpcEndpointType": "Interface", "PrivateDnsEnabled": True,
        "ServiceName": sub("com.amazonaws.${AWS::Region}.secretsmanager"),
        "SubnetIds": [ref(f"AppSubnet{x}") for x in AZ_LETTERS],
        "SecurityGroupIds": [get_att("SecretsEndpointSg", "GroupId")]}}

    for f in range(functions):
        d = fn_db[f]
        db = dbs[d]
        n = f"{f + 1:03d}"
        groups = [get_att(fn_sg[f], "GroupId")]
        if rng.random() < 0.4:
            groups.append(get_att(rng.choice(commons), "GroupId"))
        role = "LambdaBasicRole" if rng.random() < 0.05 else rng.choice(roles[:-1])
        env: dict[str, Any] = {
            "DB_HOST": get_att(db["target"], "Endpoint.Address"),
            "DB_PORT": get_att(db["target"], "Endpoint.Port"),
            "DB_NAME": "app",
            "LOG_LEVEL": rng.choice(("INFO", "DEBUG", "WARNING")),
        }
        if rng.random() < 0.5:
            env["DB_SECRET_ARN"] = ref(db["secret"])
        res[f"Function{n}"] = {"Type": "AWS::Lambda::Function", "Properties": {
            "FunctionName": sub("${EnvName}-function-" + n),
            "Runtime": rng.choice(("python3.12", "python3.13", "nodejs22.x")),
            "Handler": "index.handler",
            "Code": {"S3Bucket": sub("${ArtifactBucket}"), "S3Key": f"functions/{n}.zip"},
            "MemorySize": rng.choice((128, 256, 512, 1024)),
            "Timeout": rng.choice((10, 30, 60)),
            "Role": get_att(role, "Arn"),
            "VpcConfig": {"SubnetIds": [ref(f"AppSubnet{x}") for x in fn_subnets[f]], "SecurityGroupIds": groups},
            "Environment": {"Variables": env},
            "Tags": tags(f"function-{n}")}}

    outputs = {"VpcId": {"Value": ref("Vpc"), "Export": {"Name": sub("${AWS::StackName}-vpc-id")}}}
    for db in dbs[:10]:
        outputs[f"{db['target']}Endpoint"] = {"Value": get_att(db["target"], "Endpoint.Address"),
                                              "Export": {"Name": sub("${AWS::StackName}-" + db["target"].lower())}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"rdslink benchmark: {functions} functions, {databases} databases, {security_groups} "
                       f"security groups x {rules_per_group} rules (seed {seed})",
        "Parameters": {
            "EnvName": {"Type": "String", "Default": "bench", "AllowedPattern": "[a-z][a-z0-9-]*"},
            "ArtifactBucket": {"Type": "String", "Default": "rdslink-bench-artifacts"},
        },
        "Resources": res,
        "Outputs": outputs,
    }


# ---- YAML with short-form intrinsics ------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-/]*$")
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}
_SHORT = {"Ref", "Fn::GetAtt", "Fn::Sub", "Fn::GetAZs", "Fn::Select", "Fn::Join", "Fn::ImportValue"}


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    s = str(v)
    if _PLAIN.match(s) and s.lower() not in _YAML11_WORDS:
        return s
    return json.dumps(s)


def _is_intrinsic(v: Any) -> bool:
    return isinstance(v, dict) and len(v) == 1 and next(iter(v)) in _SHORT


def _flow(v: Any) -> str:
    if _is_intrinsic(v):
        fn, arg = next(iter(v.items()))
        if fn == "Ref":
            return f"!Ref {arg}"
        if fn == "Fn::GetAtt":
            return f"!GetAtt {arg[0]}.{arg[1]}"
        return f"!{fn.split('::')[1]} {_flow(arg)}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_flow(x) for x in v) + "]"
    return _scalar(v)


def _block(v: Any, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(v, dict) and not _is_intrinsic(v):
        for k, x in v.items():
            key = f"{pad}{_scalar(k)}:"
            inline = _flow(x)
            if not isinstance(x, (dict, list)) or _is_intrinsic(x) or (len(inline) + len(key) <= 100 and (
                    isinstance(x, list) or k in ("Principal", "PortRange"))) or not x:
                out.append(f"{key} {inline}")
            else:
                out.append(key)
                _block(x, indent + 2, out)
        return
    if isinstance(v, list):
        for x in v:
            inline = _flow(x)
            if not isinstance(x, (dict, list)) or _is_intrinsic(x) or len(inline) + indent <= 110:
                out.append(f"{pad}- {inline}")
            else:
                sub_lines: list[str] = []
                _block(x, indent + 2, sub_lines)
                sub_lines[0] = f"{pad}- {sub_lines[0][indent + 2:]}"
                out.extend(sub_lines)
        return
    out.append(pad + _flow(v))


def to_yaml(template: dict[str, Any]) -> str:
    """Render a template as YAML using short-form intrinsics (``!Ref``, ``!GetAtt``, ``!Sub``, ...)."""
    lines: list[str] = []
    _block(template, 0, lines)
    return "\n".join(lines) + "\n"


def to_json(template: dict[str, Any]) -> str:
    return json.dumps(template, indent=1, separators=(",", ":")) + "\n"


def write_template(path: str, fmt: str = "yaml", **kwargs: Any) -> dict[str, Any]:
    """Generate and write a template; returns the dict. ``kwargs`` go to :func:`generate`."""
    template = generate(**kwargs)
    text = to_yaml(template) if fmt == "yaml" else to_json(template)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return template


def summary(template: dict[str, Any]) -> dict[str, int]:
    """Resource counts by type plus the number of security-group rules."""
    counts: dict[str, int] = {}
    rules = 0
    for r in template["Resources"].values():
        counts[r["Type"]] = counts.get(r["Type"], 0) + 1
        if r["Type"] == "AWS::EC2::SecurityGroup":
            p = r["Properties"]
            rules += len(p.get("SecurityGroupIngress", [])) + len(p.get("SecurityGroupEgress", []))
        elif r["Type"] in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            rules += 1
    counts["security group rules"] = rules
    return counts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-o", "--output", default="-", help="output file (default stdout)")
    p.add_argument("--format", choices=("yaml", "json"), default="yaml")
    p.add_argument("--functions", type=int, default=200)
    p.add_argument("--databases", type=int, default=50)
    p.add_argument("--security-groups", type=int, default=400)
    p.add_argument("--rules", type=int, default=10, help="rules per security group (ingress + egress)")
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args(argv)
    template = generate(a.functions, a.databases, a.security_groups, a.rules, a.seed)
    text = to_yaml(template) if a.format == "yaml" else to_json(template)
    if a.output == "-":
        sys.stdout.write(text)
    else:
        with open(a.output, "w", encoding="utf-8") as fh:
            fh.write(text)
        counts = summary(template)
        print(f"wrote {a.output}: {len(text) / 1024:.0f} KiB, {len(template['Resources'])} resources, "
              + ", ".join(f"{v} {k.split('::')[-1]}" for k, v in sorted(counts.items())), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
