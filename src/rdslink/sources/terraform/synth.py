"""Values of resource attributes that exist only after ``apply`` (ids, ARNs, endpoints), synthesised
deterministically from the instance address so references between resources still link (as the template
loader does for ``Ref``/``Fn::GetAtt``). Attributes that are neither configured nor synthesisable are
:class:`~rdslink.model.Unresolved` ("known after apply").

An instance is any object with ``type``, ``mode``, ``address``, ``input_name``, ``region`` and ``arg(name)``
(the configured/planned value, None when unset).
"""

from __future__ import annotations

from typing import Any

from ...model import Unresolved
from ..cloudformation.loader import ENGINE_PORTS
from ..cloudformation.stack import ACCOUNT_ID, PARTITION, short_hash

ID_PREFIX = {
    "aws_vpc": "vpc", "aws_default_vpc": "vpc", "aws_subnet": "subnet", "aws_default_subnet": "subnet",
    "aws_security_group": "sg", "aws_default_security_group": "sg", "aws_route_table": "rtb",
    "aws_default_route_table": "rtb", "aws_network_acl": "acl", "aws_default_network_acl": "acl",
    "aws_internet_gateway": "igw", "aws_nat_gateway": "nat", "aws_eip": "eipalloc", "aws_vpc_endpoint": "vpce",
    "aws_vpc_peering_connection": "pcx", "aws_ec2_transit_gateway": "tgw",
    "aws_ec2_transit_gateway_vpc_attachment": "tgw-attach", "aws_ec2_transit_gateway_route_table": "tgw-rtb",
    "aws_security_group_rule": "sgrule", "aws_vpc_security_group_ingress_rule": "sgr",
    "aws_vpc_security_group_egress_rule": "sgr", "aws_route": "r", "aws_route_table_association": "rtbassoc",
    "aws_network_acl_rule": "nacl-rule", "aws_network_acl_association": "aclassoc", "aws_egress_only_internet_gateway":
    "eigw", "aws_ec2_managed_prefix_list": "pl", "aws_network_interface": "eni", "aws_instance": "i",
}

#: name-like argument that is the resource's id / name, and whether AWS lower-cases it
NAME_ARG = {
    "aws_db_instance": ("identifier", True), "aws_rds_cluster": ("cluster_identifier", True),
    "aws_rds_cluster_instance": ("identifier", True), "aws_db_subnet_group": ("name", True),
    "aws_db_proxy": ("name", True), "aws_db_proxy_endpoint": ("db_proxy_endpoint_name", True),
    "aws_lambda_function": ("function_name", False), "aws_iam_role": ("name", False),
    "aws_iam_policy": ("name", False), "aws_secretsmanager_secret": ("name", False),
    "aws_security_group": ("name", False), "aws_ssm_parameter": ("name", False),
}


def h(inst: Any, *extra: str) -> str:
    """Deterministic hash of the instance (input + address)."""
    return short_hash(inst.input_name, inst.address, *extra)


def resource_name(inst: Any) -> Any:
    """The name/identifier AWS will use: configured, ``*_prefix`` + suffix, or ``terraform-<hash>``."""
    arg, lower = NAME_ARG.get(inst.type, ("name", False))
    v = inst.arg(arg)
    if v is None:
        prefix = inst.arg(arg + "_prefix") if arg != "cluster_identifier" else inst.arg("cluster_identifier_prefix")
        if isinstance(prefix, Unresolved):
            return prefix
        v = f"{prefix}{h(inst)[:12]}" if isinstance(prefix, str) else f"terraform-{h(inst)[:17]}"
    if isinstance(v, str) and lower:
        v = v.lower()
    return v


def engine_port(inst: Any) -> Any:
    port = inst.arg("port")
    if port is not None:
        return port
    engine = inst.arg("engine")
    if isinstance(engine, Unresolved):
        return engine
    if inst.type in ("aws_rds_cluster", "aws_rds_cluster_instance") and engine is None:
        engine = "aurora"  # the provider's default engine for aws_rds_cluster
    if isinstance(engine, str) and engine.lower() in ENGINE_PORTS:
        return ENGINE_PORTS[engine.lower()]
    return Unresolved(f"{inst.address}.port", "engine port unknown")


def computed(inst: Any, attr: str) -> Any:  # noqa: C901 - a table of provider attributes
    """Value of an attribute not set in the configuration (see module doc)."""
    t, region = inst.type, inst.region
    if inst.mode == "data":
        return data_value(inst, attr)
    hh = h(inst)
    if attr == "id":
        if t == "aws_default_security_group":
            vpc = inst.arg("vpc_id")
            return f"sg-{short_hash('default-sg', vpc)}" if isinstance(vpc, str) else Unresolved(
                f"{inst.address}.id", "default security group of an unresolved VPC")
        if t in ("aws_default_network_acl", "aws_default_route_table"):
            return inst.arg("default_network_acl_id" if t == "aws_default_network_acl" else "default_route_table_id")
        if t in ID_PREFIX:
            return f"{ID_PREFIX[t]}-{hh}"
        if t == "aws_vpc_peering_connection_accepter" or t == "aws_vpc_peering_connection_options":
            return inst.arg("vpc_peering_connection_id")
        if t == "aws_ec2_transit_gateway_vpc_attachment_accepter":
            return inst.arg("transit_gateway_attachment_id")
        if t in ("aws_iam_policy", "aws_secretsmanager_secret"):
            return computed(inst, "arn")
        if t == "aws_kms_key":
            return f"{hh[:8]}-{hh[8:12]}-{hh[12:16]}-{short_hash(hh, n=4)}-{short_hash(hh, 'k', n=12)}"
        if t == "aws_secretsmanager_secret_version":
            return f"{_s(inst.arg('secret_id'))}|{hh[:8]}"
        if t in NAME_ARG:
            return resource_name(inst)
        return f"{t}-{hh}"
    if t in NAME_ARG and attr == NAME_ARG[t][0]:
        return resource_name(inst)
    if t == "aws_iam_role" and attr == "arn":
        name = resource_name(inst)
        path = inst.arg("path") or "/"
        return name if isinstance(name, Unresolved) else f"arn:{PARTITION}:iam::{ACCOUNT_ID}:role{path}{name}"
    if t == "aws_iam_role" and attr == "unique_id":
        return f"AROA{hh.upper()}"
    if t == "aws_iam_policy" and attr == "arn":
        name = resource_name(inst)
        path = inst.arg("path") or "/"
        return name if isinstance(name, Unresolved) else f"arn:{PARTITION}:iam::{ACCOUNT_ID}:policy{path}{name}"
    if t == "aws_lambda_function" and attr in ("arn", "qualified_arn", "invoke_arn"):
        name = resource_name(inst)
        return name if isinstance(name, Unresolved) else \
            f"arn:{PARTITION}:lambda:{region}:{ACCOUNT_ID}:function:{name}"
    if t == "aws_secretsmanager_secret" and attr == "arn":
        name = resource_name(inst)
        return name if isinstance(name, Unresolved) else \
            f"arn:{PARTITION}:secretsmanager:{region}:{ACCOUNT_ID}:secret:{name}-{hh[:6]}"
    if t == "aws_secretsmanager_secret_version" and attr == "arn":
        return inst.arg("secret_id")
    if t == "aws_vpc":
        if attr == "default_security_group_id":
            return f"sg-{short_hash('default-sg', str(computed_id(inst)))}"
        if attr == "default_network_acl_id":
            return f"acl-{h(inst, 'default-acl')}"
        if attr in ("main_route_table_id", "default_route_table_id"):
            return f"rtb-{h(inst, 'main-rtb')}"
        if attr == "arn":
            return f"arn:{PARTITION}:ec2:{region}:{ACCOUNT_ID}:vpc/vpc-{hh}"
        if attr == "enable_dns_support":
            return True
        if attr == "enable_dns_hostnames":
            return False
    if t == "aws_ec2_transit_gateway" and attr in ("association_default_route_table_id",
                                                  "propagation_default_route_table_id"):
        # EC2 creates one default route table when association or propagation is enabled (the default)
        opts = [inst.arg("default_route_table_association"), inst.arg("default_route_table_propagation")]
        if any(isinstance(o, Unresolved) for o in opts):
            return next(o for o in opts if isinstance(o, Unresolved))
        if any(o is None or str(o).lower() == "enable" for o in opts):
            return f"tgw-rtb-{h(inst, 'default-rtb')}"
        return Unresolved(f"{inst.address}.{attr}", "the transit gateway has no default route table")
    if t == "aws_subnet" and attr == "availability_zone":
        return Unresolved(f"{inst.address}.availability_zone", "AZ chosen by EC2 at creation")
    if t == "aws_eip" and attr == "allocation_id":
        return computed(inst, "id")
    if t in ("aws_db_instance", "aws_rds_cluster_instance"):
        ident = resource_name(inst)
        if attr == "address":
            return ident if isinstance(ident, Unresolved) else f"{ident}.c{hh[:12]}.{region}.rds.amazonaws.com"
        if attr == "endpoint":
            addr, port = computed(inst, "address"), engine_port(inst)
            if t == "aws_rds_cluster_instance":
                return addr
            if isinstance(addr, Unresolved):
                return addr
            return port if isinstance(port, Unresolved) else f"{addr}:{port}"
        if attr == "port":
            return engine_port(inst)
        if attr in ("resource_id", "dbi_resource_id"):
            return f"db-{hh.upper()[:26]}"
        if attr == "arn":
            return f"arn:{PARTITION}:rds:{region}:{ACCOUNT_ID}:db:{ident}"
        if attr == "master_user_secret" and inst.arg("manage_master_user_password") is True:
            return [{"secret_arn": f"arn:{PARTITION}:secretsmanager:{region}:{ACCOUNT_ID}:secret:rds!db-{hh[:12]}"
                     f"-{hh[:6]}"}]
    if t == "aws_rds_cluster":
        ident = resource_name(inst)
        if attr == "endpoint":
            return ident if isinstance(ident, Unresolved) else f"{ident}.cluster-c{hh[:12]}.{region}.rds.amazonaws.com"
        if attr == "reader_endpoint":
            return ident if isinstance(ident, Unresolved) else \
                f"{ident}.cluster-ro-c{hh[:12]}.{region}.rds.amazonaws.com"
        if attr == "port":
            return engine_port(inst)
        if attr == "cluster_resource_id":
            return f"cluster-{hh.upper()[:26]}"
        if attr == "arn":
            return f"arn:{PARTITION}:rds:{region}:{ACCOUNT_ID}:cluster:{ident}"
        if attr == "engine":
            return "aurora"
        if attr == "master_user_secret" and inst.arg("manage_master_user_password") is True:
            return [{"secret_arn": f"arn:{PARTITION}:secretsmanager:{region}:{ACCOUNT_ID}:secret:rds!cluster-"
                     f"{hh[:12]}-{hh[:6]}"}]
    if t == "aws_db_proxy":
        name = resource_name(inst)
        if attr == "endpoint":
            return name if isinstance(name, Unresolved) else f"{name}.proxy-c{hh[:12]}.{region}.rds.amazonaws.com"
        if attr == "arn":
            return f"arn:{PARTITION}:rds:{region}:{ACCOUNT_ID}:db-proxy:prx-{hh}"
    if t == "aws_db_proxy_endpoint":
        name = resource_name(inst)
        if attr == "endpoint":
            return name if isinstance(name, Unresolved) else \
                f"{name}.endpoint.proxy-c{hh[:12]}.{region}.rds.amazonaws.com"
        if attr == "arn":
            return f"arn:{PARTITION}:rds:{region}:{ACCOUNT_ID}:db-proxy-endpoint:prx-endpoint-{hh}"
    if t == "aws_db_subnet_group" and attr == "arn":
        return f"arn:{PARTITION}:rds:{region}:{ACCOUNT_ID}:subgrp:{resource_name(inst)}"
    if t == "aws_kms_key" and attr in ("arn", "key_id"):
        kid = computed(inst, "id")
        return kid if attr == "key_id" else f"arn:{PARTITION}:kms:{region}:{ACCOUNT_ID}:key/{kid}"
    if t == "aws_ssm_parameter" and attr == "arn":
        return f"arn:{PARTITION}:ssm:{region}:{ACCOUNT_ID}:parameter/{str(resource_name(inst)).lstrip('/')}"
    if attr == "arn" and t in ID_PREFIX:
        return f"arn:{PARTITION}:ec2:{region}:{ACCOUNT_ID}:{t[4:].replace('_', '-')}/{computed(inst, 'id')}"
    if attr in ("tags_all", "tags"):
        return inst.arg("tags") or {}
    if attr == "owner_id":
        return ACCOUNT_ID
    return Unresolved(f"{inst.address}.{attr}", "known only after apply")


def computed_id(inst: Any) -> Any:
    """The instance's id (configured/planned, else synthesised)."""
    v = inst.arg("id")
    return v if v is not None else computed(inst, "id")


def _s(v: Any) -> str:
    return v if isinstance(v, str) else "?"


def data_value(inst: Any, attr: str) -> Any:
    """Data sources: the account/region/partition the analysis assumes, policy documents, else Unresolved."""
    t = inst.type
    if t == "aws_caller_identity":
        return {"account_id": ACCOUNT_ID, "id": ACCOUNT_ID, "arn": f"arn:{PARTITION}:iam::{ACCOUNT_ID}:root",
                "user_id": ACCOUNT_ID}.get(attr, Unresolved(f"{inst.address}.{attr}", "unknown"))
    if t == "aws_region":
        if attr in ("name", "id", "region"):
            return inst.region
        if attr == "endpoint":
            return f"ec2.{inst.region}.amazonaws.com"
    if t == "aws_partition":
        return {"partition": PARTITION, "id": PARTITION, "dns_suffix": "amazonaws.com"}.get(
            attr, Unresolved(f"{inst.address}.{attr}", "unknown"))
    if t == "aws_iam_policy_document" and attr == "json":
        from .convert import policy_document_json

        return policy_document_json(inst)
    if t == "aws_ssm_parameter" and attr in ("value", "insecure_value"):
        writers = getattr(inst, "ssm_writers", None)
        if writers is not None:
            return writers.lookup(inst.arg("name"), inst.address)
    if t == "aws_ssm_parameter" and attr == "arn" and isinstance(inst.arg("name"), str):
        return f"arn:{PARTITION}:ssm:{inst.region}:{ACCOUNT_ID}:parameter/{inst.arg('name').lstrip('/')}"
    if t == "aws_iam_policy" and attr in ("arn", "id") and isinstance(inst.arg("arn"), str):
        return inst.arg("arn")
    return Unresolved(f"{inst.address}.{attr}", f"data source {inst.address} is read from the account at plan "
                      "time")
