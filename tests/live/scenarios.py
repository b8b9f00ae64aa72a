"""The live environments of the issue: one correct set-up per shape and one broken set-up per blocking check the
live path can express, each in its own VPC of one moto account, with its expected verdict and error finding ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .builders import LOGS_ONLY, Account, Env


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Account, str, int], Env]
    verdict: str
    errors: frozenset[str]
    bug: str = ""  # non-empty: a known rdslink bug; the test is a strict xfail with this reason


def _correct(a: Account, n: str, i: int) -> Env:
    return a.environment(n, i)


def _correct_split(a: Account, n: str, i: int) -> Env:
    return a.environment(n, i, split=True)


def _correct_secrets(a: Account, n: str, i: int) -> Env:
    env = a.environment(n, i, create_function=False)
    a.secrets_endpoint(env, admit_443=True)
    a.function(env, env_vars={"DB_HOST": env.endpoint, "DB_SECRET_ARN": a.secret(f"{n}-secret")})
    return env


def _correct_proxy(a: Account, n: str, i: int) -> Env:
    return a.proxied_environment(n, i)


def _correct_proxy_iam(a: Account, n: str, i: int) -> Env:
    return a.proxied_environment(n, i, iam_auth=True)


def _rl101(a: Account, n: str, i: int) -> Env:
    return a.environment(n, i, in_vpc=False)


def _rl104(a: Account, n: str, i: int) -> Env:
    return a.environment(n, i, role_arn=a.role(f"{n}-role", managed=(), inline={"logs": LOGS_ONLY}))


def _rl201(a: Account, n: str, i: int) -> Env:
    return a.environment(n, i, db_rule=False)


def _rl204(a: Account, n: str, i: int) -> Env:
    env = a.environment(n, i)
    a.revoke_egress(env.fn_sg)
    return env


def _rl205(a: Account, n: str, i: int) -> Env:
    env = a.environment(n, i, db_rule=False)
    a.allow(env.db_sg, 3306, group=env.fn_sg)
    return env


def _entry(rule: int, egress: bool, action: str, proto: str = "-1", ports: tuple[int, int] | None = None) -> dict:
    e = {"RuleNumber": rule, "Egress": egress, "RuleAction": action, "Protocol": proto, "CidrBlock": "0.0.0.0/0"}
    if ports:
        e["PortRange"] = {"From": ports[0], "To": ports[1]}
    return e


def _rl301(a: Account, n: str, i: int) -> Env:
    env = a.environment(n, i, split=True)
    a.custom_nacl(env, env.fn_subnets, [_entry(100, True, "deny", "6", (5432, 5432)), _entry(200, True, "allow"),
                                        _entry(100, False, "allow")])
    return env


def _rl302(a: Account, n: str, i: int) -> Env:
    env = a.environment(n, i, split=True)
    a.custom_nacl(env, env.db_subnets, [_entry(100, False, "deny", "6", (5432, 5432)), _entry(200, False, "allow"),
                                        _entry(100, True, "allow")])
    return env


def _rl303(a: Account, n: str, i: int) -> Env:
    env = a.environment(n, i, split=True)
    a.custom_nacl(env, env.db_subnets, [_entry(100, True, "deny", "6", (1024, 65535)), _entry(200, True, "allow"),
                                        _entry(100, False, "allow")])
    return env


def _rl401(a: Account, n: str, i: int) -> Env:
    env = a.environment(n, i)
    a.c("ec2").modify_vpc_attribute(VpcId=env.vpc_id, EnableDnsSupport={"Value": False})
    return env


def _rl501(a: Account, n: str, i: int) -> Env:
    env = a.environment(n, i, create_function=False)
    a.function(env, env_vars={"DB_HOST": env.endpoint, "DB_SECRET_ARN": a.secret(f"{n}-secret")})
    return env


def _correct_secrets_nat(a: Account, n: str, i: int) -> Env:
    # the function subnets reach Secrets Manager only through their explicitly associated route table
    env = a.environment(n, i, create_function=False)
    a.nat_path(env, associate=True)
    a.function(env, env_vars={"DB_HOST": env.endpoint, "DB_SECRET_ARN": a.secret(f"{n}-secret")})
    return env


def _rl501_nat_not_associated(a: Account, n: str, i: int) -> Env:
    # the same NAT route table exists but is not associated with the function subnets: they use the main one
    env = a.environment(n, i, create_function=False)
    a.nat_path(env, associate=False)
    a.function(env, env_vars={"DB_HOST": env.endpoint, "DB_SECRET_ARN": a.secret(f"{n}-secret")})
    return env


def _nat_instance(source_dest_check: bool, via_eni: bool = False) -> Callable[[Account, str, int], Env]:
    def build(a: Account, n: str, i: int) -> Env:
        # the secrets call leaves through a NAT instance; with SourceDestCheck on (EC2's default) it drops it
        env = a.environment(n, i, create_function=False)
        a.nat_instance(env, source_dest_check=source_dest_check, via_eni=via_eni)
        a.function(env, env_vars={"DB_HOST": env.endpoint, "DB_SECRET_ARN": a.secret(f"{n}-secret")})
        return env
    return build


def _rl502(a: Account, n: str, i: int) -> Env:
    env = a.environment(n, i, create_function=False)
    a.secrets_endpoint(env, admit_443=True, private_dns=False)
    a.function(env, env_vars={"DB_HOST": env.endpoint, "DB_SECRET_ARN": a.secret(f"{n}-secret")})
    return env


def _rl503(a: Account, n: str, i: int) -> Env:
    env = a.environment(n, i, create_function=False)
    a.secrets_endpoint(env, admit_443=False)
    a.function(env, env_vars={"DB_HOST": env.endpoint, "DB_SECRET_ARN": a.secret(f"{n}-secret")})
    return env


def _rl602(a: Account, n: str, i: int) -> Env:
    env = a.environment(n, i)
    a.c("rds").stop_db_instance(DBInstanceIdentifier=env.db_id)
    return env


def _rl602_proxy(a: Account, n: str, i: int) -> Env:
    env = a.proxied_environment(n, i)
    a.c("rds").stop_db_instance(DBInstanceIdentifier=env.db_id)
    return env


def _rl701(a: Account, n: str, i: int) -> Env:
    return a.proxied_environment(n, i, proxy_admits_fn=False)


def _rl702(a: Account, n: str, i: int) -> Env:
    return a.proxied_environment(n, i, db_admits_proxy=False)


def _rl703(a: Account, n: str, i: int) -> Env:
    return a.proxied_environment(n, i, iam_auth=True, fn_connect=False)


def _rl705(a: Account, n: str, i: int) -> Env:
    return a.proxied_environment(n, i, proxy_reads_secret=False)


def _intermittent(a: Account, n: str, i: int) -> Env:
    env = a.environment(n, i, db_rule=False)
    a.allow(env.db_sg, 5432, cidr=env.subnet_cidrs[env.fn_subnets[0]])
    return env


def _peering(a: Account, n: str, i: int) -> Env:
    return a.cross_vpc(n, i)


def _rl304(a: Account, n: str, i: int) -> Env:
    return a.cross_vpc(n, i, route_back=False)


def _rl305(a: Account, n: str, i: int) -> Env:
    return a.cross_vpc(n, i, accept=False)


def _rl105(a: Account, n: str, i: int) -> Env:
    return a.cross_vpc(n, i, link=None)


def _rl206(a: Account, n: str, i: int) -> Env:
    return a.cross_vpc(n, i, link="tgw", sg_ref=True)


def _tgw(a: Account, n: str, i: int) -> Env:
    return a.cross_vpc(n, i, link="tgw")


def _rl307(a: Account, n: str, i: int) -> Env:
    return a.cross_vpc(n, i, link="tgw", tgw_fn_azs=("a",))


def _rl506(a: Account, n: str, i: int) -> Env:
    env = a.environment(n, i, create_function=False)
    a.function(env, env_vars={"DB_HOST": env.endpoint, "CONFIG_PARAM": "/app/config"})
    return env


def _ssm_endpoint(a: Account, n: str, i: int) -> Env:
    env = a.environment(n, i, create_function=False)
    a.service_endpoint(env, "ssm")
    a.function(env, env_vars={"DB_HOST": env.endpoint, "CONFIG_PARAM": "/app/config"})
    return env


def _rl507(a: Account, n: str, i: int) -> Env:
    env = a.environment(n, i, create_function=False)
    ec2 = a.c("ec2")
    other = ec2.create_route_table(VpcId=env.vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_vpc_endpoint(VpcId=env.vpc_id, ServiceName=f"com.amazonaws.{a.region}.s3", VpcEndpointType="Gateway",
                            RouteTableIds=[other])
    a.function(env, env_vars={"DB_HOST": env.endpoint, "BUCKET": "arn:aws:s3:::app-config"})
    return env


def _rl306(a: Account, n: str, i: int) -> Env:
    env = a.environment(n, i, split=True)
    a.custom_nacl(env, env.fn_subnets, [_entry(100, True, "allow"), _entry(90, False, "deny", "6", (3306, 3306)),
                                        _entry(100, False, "allow")])
    return env


def _one(check: str) -> frozenset[str]:
    return frozenset({check})


NONE: frozenset[str] = frozenset()

CASES = [
    Case("correct", _correct, "REACHABLE", NONE),
    Case("correct-split", _correct_split, "REACHABLE", NONE),
    Case("correct-secrets-endpoint", _correct_secrets, "REACHABLE", NONE),
    Case("correct-proxy", _correct_proxy, "REACHABLE", NONE),
    Case("correct-proxy-iam", _correct_proxy_iam, "REACHABLE", NONE),
    Case("rl101", _rl101, "BLOCKED", _one("RL101")),
    Case("rl104", _rl104, "BLOCKED", _one("RL104")),
    Case("rl201", _rl201, "BLOCKED", _one("RL201")),
    Case("rl204", _rl204, "BLOCKED", _one("RL204")),
    Case("rl205", _rl205, "BLOCKED", _one("RL205")),
    Case("rl301", _rl301, "BLOCKED", _one("RL301")),
    Case("rl302", _rl302, "BLOCKED", _one("RL302")),
    Case("rl303", _rl303, "BLOCKED", _one("RL303")),
    Case("rl401", _rl401, "BLOCKED", _one("RL401")),
    Case("rl501", _rl501, "BLOCKED", _one("RL501")),
    Case("rl502", _rl502, "BLOCKED", _one("RL502")),
    Case("rl503", _rl503, "BLOCKED", _one("RL503")),
    Case("rl602", _rl602, "BLOCKED", _one("RL602")),
    Case("rl602-behind-proxy", _rl602_proxy, "BLOCKED", _one("RL602")),
    Case("rl701", _rl701, "BLOCKED", _one("RL701")),
    Case("rl702", _rl702, "BLOCKED", _one("RL702")),
    Case("rl703", _rl703, "BLOCKED", _one("RL703")),
    Case("rl705", _rl705, "BLOCKED", _one("RL705")),
    Case("intermittent-rl202", _intermittent, "INTERMITTENT", _one("RL202")),
    Case("correct-peering", _peering, "REACHABLE", NONE),
    Case("rl304-no-route-back", _rl304, "BLOCKED", _one("RL304")),
    Case("rl305-peering-pending", _rl305, "BLOCKED", _one("RL305")),
    Case("rl105-nothing-between", _rl105, "BLOCKED", _one("RL105")),
    Case("rl206-group-across-tgw", _rl206, "BLOCKED", _one("RL206")),
    Case("correct-tgw", _tgw, "REACHABLE", NONE),
    Case("rl307-tgw-one-az", _rl307, "INTERMITTENT", _one("RL307")),
    Case("rl506-ssm-no-endpoint", _rl506, "BLOCKED", _one("RL506")),
    Case("correct-ssm-endpoint", _ssm_endpoint, "REACHABLE", NONE),
    Case("rl507-s3-endpoint-not-associated", _rl507, "BLOCKED", _one("RL507")),
    Case("rl306-partial-return", _rl306, "INTERMITTENT", _one("RL306")),
    Case("correct-secrets-nat", _correct_secrets_nat, "REACHABLE", NONE),
    Case("rl501-nat-not-associated", _rl501_nat_not_associated, "BLOCKED", _one("RL501")),
    Case("correct-nat-instance", _nat_instance(False), "REACHABLE", NONE),
    Case("rl504-nat-instance-source-dest-check", _nat_instance(True), "BLOCKED", _one("RL504")),
    Case("correct-nat-instance-eni-route", _nat_instance(False, via_eni=True), "REACHABLE", NONE),
    Case("rl504-nat-instance-eni-source-dest-check", _nat_instance(True, via_eni=True), "BLOCKED", _one("RL504")),
]
BY_NAME = {c.name: c for c in CASES}


def build_all(acct: Account, names: list[str] | None = None) -> dict[str, Env]:
    """Build the named cases (all by default), each in VPC 10.<20+i>.0.0/16 with its objects named
    ``<case><acct.suffix>-...``; returns {case name: Env}."""
    out = {}
    for i, case in enumerate(CASES):
        if names is None or case.name in names:
            out[case.name] = case.build(acct, case.name + acct.suffix, 20 + i)
    return out
