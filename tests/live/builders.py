"""Build live-account fixtures in moto through API calls (never CloudFormation: moto's create_stack skips NACL
entries, SG egress, secrets, proxies and DB security groups; see ../shared/design/ENVIRONMENT.md).

:class:`Account` wraps boto3 clients (in-process ``mock_aws`` when ``endpoint_url`` is None, else a moto server
on loopback). :meth:`Account.environment` builds one complete, correct function -> database set-up in its own
VPC; the ``break_*`` helpers turn it into exactly one broken check.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

REGION = "us-east-1"
VPC_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
TRUST_LAMBDA = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
TRUST_RDS = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "rds.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
LOGS_ONLY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
     "Resource": "*"}]}


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("h.py", "def h(event, context):\n    return None\n")
    return buf.getvalue()


ZIP = _zip()


@dataclass
class Env:
    """Ids of one function -> target environment."""

    name: str
    vpc_id: str
    fn_subnets: list[str]
    db_subnets: list[str]
    subnet_cidrs: dict[str, str]
    fn_sg: str
    db_sg: str
    role_arn: str
    function_name: str = ""
    function_arn: str = ""
    db_id: str = ""
    db_arn: str = ""
    endpoint: str = ""
    target_arn: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Account:
    """boto3 clients for one moto account, plus shared roles. ``suffix`` keeps names apart when two test modules
    build in the same moto state (a suffix, not a prefix: see test_pairing_ignores_a_longer_endpoint_name)."""

    def __init__(self, endpoint_url: str | None = None, region: str = REGION, suffix: str = "") -> None:
        import boto3

        self.region = region
        self.suffix = suffix
        self.endpoint_url = endpoint_url
        self.session = boto3.session.Session(region_name=region)
        self._clients: dict[str, Any] = {}
        self._roles: dict[str, str] = {}

    def c(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service, region_name=self.region,
                                                         endpoint_url=self.endpoint_url)
        return self._clients[service]

    # ---- IAM ---------------------------------------------------------------------------------------------

    def role(self, name: str, managed: tuple[str, ...] = (VPC_ACCESS,), inline: dict[str, Any] | None = None,
             trust: dict[str, Any] = TRUST_LAMBDA) -> str:
        """Create (once) a role with the given attached managed policies and inline policies; returns its ARN."""
        if name in self._roles:
            return self._roles[name]
        iam = self.c("iam")
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        for p in managed:
            iam.attach_role_policy(RoleName=name, PolicyArn=p)
        for pname, doc in (inline or {}).items():
            iam.put_role_policy(RoleName=name, PolicyName=pname, PolicyDocument=json.dumps(doc))
        self._roles[name] = arn
        return arn

    def customer_policy(self, name: str, doc: dict[str, Any]) -> str:
        return self.c("iam").create_policy(PolicyName=name, PolicyDocument=json.dumps(doc))["Policy"]["Arn"]

    # ---- one environment -----------------------------------------------------------------------------

    def environment(self, name: str, idx: int, *, split: bool = False, in_vpc: bool = True,
                    role_arn: str | None = None, db_rule: bool = True, env_vars: dict[str, str] | None = None,
                    create_function: bool = True) -> Env:
        """A correct set-up in VPC 10.<idx>.0.0/16: two subnets in two AZs used by the function (and, unless
        ``split``, by the DB subnet group; with ``split`` the DB gets two more subnets), a function security
        group (default egress), a DB security group admitting the function group on 5432, a postgres instance,
        a role with AWSLambdaVPCAccessExecutionRole and a function with VpcConfig and DB_HOST."""
        ec2, rds = self.c("ec2"), self.c("rds")
        vpc = ec2.create_vpc(CidrBlock=f"10.{idx}.0.0/16")["Vpc"]["VpcId"]
        cidrs: dict[str, str] = {}

        def subnet(n: int, az: str) -> str:
            cidr = f"10.{idx}.{n}.0/24"
            sid = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{self.region}{az}")["Subnet"]["SubnetId"]
            cidrs[sid] = cidr
            return sid

        fn_subnets = [subnet(1, "a"), subnet(2, "b")]
        db_subnets = [subnet(3, "a"), subnet(4, "b")] if split else list(fn_subnets)
        fn_sg = ec2.create_security_group(GroupName=f"{name}-fn", Description="function", VpcId=vpc)["GroupId"]
        db_sg = ec2.create_security_group(GroupName=f"{name}-db", Description="database", VpcId=vpc)["GroupId"]
        if db_rule:
            self.allow(db_sg, 5432, group=fn_sg)
        rds.create_db_subnet_group(DBSubnetGroupName=f"{name}-dbsubnets", DBSubnetGroupDescription=name,
                                   SubnetIds=db_subnets)
        db = rds.create_db_instance(
            DBInstanceIdentifier=f"{name}-db", Engine="postgres", DBInstanceClass="db.t3.micro",
            MasterUsername="app", MasterUserPassword="not-a-secret-1", AllocatedStorage=20,
            DBSubnetGroupName=f"{name}-dbsubnets", VpcSecurityGroupIds=[db_sg], PubliclyAccessible=False,
        )["DBInstance"]
        endpoint = rds.describe_db_instances(DBInstanceIdentifier=db["DBInstanceIdentifier"])["DBInstances"][0][
            "Endpoint"]["Address"]
        env = Env(name, vpc, fn_subnets, db_subnets, cidrs, fn_sg, db_sg,
                  role_arn or self.role(f"rdslink-vpc-role{self.suffix}"), db_id=db["DBInstanceIdentifier"],
                  db_arn=db["DBInstanceArn"], endpoint=endpoint, target_arn=db["DBInstanceArn"])
        if create_function:
            self.function(env, in_vpc=in_vpc, env_vars={"DB_HOST": endpoint, **(env_vars or {})})
        return env

    def function(self, env: Env, *, in_vpc: bool = True, env_vars: dict[str, str] | None = None,
                 name: str | None = None, role_arn: str | None = None) -> str:
        kwargs: dict[str, Any] = {}
        if in_vpc:
            kwargs["VpcConfig"] = {"SubnetIds": env.fn_subnets, "SecurityGroupIds": [env.fn_sg]}
        fn = self.c("lambda").create_function(
            FunctionName=name or f"{env.name}-fn", Runtime="python3.12", Role=role_arn or env.role_arn, Handler="h.h",
            Code={"ZipFile": ZIP}, Environment={"Variables": env_vars or {"DB_HOST": env.endpoint}}, **kwargs)
        if name is None:
            env.function_name, env.function_arn = fn["FunctionName"], fn["FunctionArn"]
        return str(fn["FunctionArn"])

    # ---- building blocks -----------------------------------------------------------------------------

    def allow(self, sg: str, port: int, *, group: str | None = None, cidr: str | None = None) -> None:
        perm: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
        if group:
            perm["UserIdGroupPairs"] = [{"GroupId": group}]
        if cidr:
            perm["IpRanges"] = [{"CidrIp": cidr}]
        self.c("ec2").authorize_security_group_ingress(GroupId=sg, IpPermissions=[perm])

    def revoke_ingress(self, sg: str) -> None:
        ec2 = self.c("ec2")
        perms = ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"][0]["IpPermissions"]
        if perms:
            ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=perms)

    def revoke_egress(self, sg: str) -> None:
        ec2 = self.c("ec2")
        perms = ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"][0]["IpPermissionsEgress"]
        if perms:
            ec2.revoke_security_group_egress(GroupId=sg, IpPermissions=perms)

    def custom_nacl(self, env: Env, subnets: list[str], entries: list[dict[str, Any]]) -> str:
        """A new NACL (no entries: AWS's implicit deny-all) associated with ``subnets`` through
        ``replace_network_acl_association``, then ``entries`` (create_network_acl_entry kwargs) added."""
        ec2 = self.c("ec2")
        acl = ec2.create_network_acl(VpcId=env.vpc_id)["NetworkAcl"]["NetworkAclId"]
        for sid in subnets:
            cur = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [sid]}])["NetworkAcls"]
            assoc = next(a["NetworkAclAssociationId"] for n in cur for a in n["Associations"] if a["SubnetId"] == sid)
            ec2.replace_network_acl_association(AssociationId=assoc, NetworkAclId=acl)
        for e in entries:
            ec2.create_network_acl_entry(NetworkAclId=acl, **e)
        return str(acl)

    def nat_path(self, env: Env, *, associate: bool = True) -> str:
        """Internet access through a NAT gateway, set up with explicit route-table associations while the VPC's
        main route table keeps only its local route: an internet gateway, a public subnet 10.x.9.0/24 associated
        with a route table 0.0.0.0/0 -> igw, a NAT gateway there, and a private route table 0.0.0.0/0 -> nat
        associated with the function subnets (left unassociated when ``associate`` is False). Returns the
        private route table's id."""
        ec2 = self.c("ec2")
        idx = env.subnet_cidrs[env.fn_subnets[0]].split(".")[1]
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=env.vpc_id)
        public = ec2.create_subnet(VpcId=env.vpc_id, CidrBlock=f"10.{idx}.9.0/24",
                                   AvailabilityZone=f"{self.region}a")["Subnet"]["SubnetId"]
        public_rt = ec2.create_route_table(VpcId=env.vpc_id)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public)
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip)["NatGateway"]["NatGatewayId"]
        private_rt = ec2.create_route_table(VpcId=env.vpc_id)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        if associate:
            for sid in env.fn_subnets:
                ec2.associate_route_table(RouteTableId=private_rt, SubnetId=sid)
        env.extra.update(igw=igw, public_subnet=public, public_rt=public_rt, nat=nat, private_rt=private_rt)
        return str(private_rt)

    def nat_instance(self, env: Env, *, source_dest_check: bool, via_eni: bool = False) -> str:
        """Internet access through a NAT instance (VPC User Guide, "NAT instances"): an internet gateway, a public
        subnet 10.x.9.0/24 routed to it, an instance there with a public IP and a security group admitting 443
        from the function's group, SourceDestCheck set by ModifyInstanceAttribute, and a route table
        0.0.0.0/0 -> the instance associated with the function subnets. ``via_eni``: the route targets the
        instance's network interface, whose SourceDestCheck is set by ModifyNetworkInterfaceAttribute. Returns the
        instance id."""
        ec2 = self.c("ec2")
        idx = env.subnet_cidrs[env.fn_subnets[0]].split(".")[1]
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=env.vpc_id)
        public = ec2.create_subnet(VpcId=env.vpc_id, CidrBlock=f"10.{idx}.9.0/24",
                                   AvailabilityZone=f"{self.region}a")["Subnet"]["SubnetId"]
        public_rt = ec2.create_route_table(VpcId=env.vpc_id)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public)
        sg = ec2.create_security_group(GroupName=f"{env.name}-nat", Description="NAT instance",
                                       VpcId=env.vpc_id)["GroupId"]
        self.allow(sg, 443, group=env.fn_sg)
        inst = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro",
                                 NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": public, "Groups": [sg],
                                                     "AssociatePublicIpAddress": True}])["Instances"][0]["InstanceId"]
        private_rt = ec2.create_route_table(VpcId=env.vpc_id)["RouteTable"]["RouteTableId"]
        if via_eni:
            eni = ec2.describe_instances(InstanceIds=[inst])["Reservations"][0]["Instances"][0][
                "NetworkInterfaces"][0]["NetworkInterfaceId"]
            ec2.modify_network_interface_attribute(NetworkInterfaceId=eni,
                                                   SourceDestCheck={"Value": source_dest_check})
            ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NetworkInterfaceId=eni)
        else:
            ec2.modify_instance_attribute(InstanceId=inst, SourceDestCheck={"Value": source_dest_check})
            ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", InstanceId=inst)
        for sid in env.fn_subnets:
            ec2.associate_route_table(RouteTableId=private_rt, SubnetId=sid)
        env.extra.update(igw=igw, public_subnet=public, nat_instance=inst, private_rt=private_rt)
        return str(inst)

    def secret(self, name: str) -> str:
        return str(self.c("secretsmanager").create_secret(Name=name, SecretString='{"password": "x"}')["ARN"])

    def secrets_endpoint(self, env: Env, *, admit_443: bool, private_dns: bool = True) -> str:
        ec2 = self.c("ec2")
        sg = ec2.create_security_group(GroupName=f"{env.name}-vpce", Description="endpoint", VpcId=env.vpc_id)["GroupId"]
        if admit_443:
            self.allow(sg, 443, group=env.fn_sg)
        return str(ec2.create_vpc_endpoint(
            VpcId=env.vpc_id, ServiceName=f"com.amazonaws.{self.region}.secretsmanager", VpcEndpointType="Interface",
            SubnetIds=env.fn_subnets, SecurityGroupIds=[sg], PrivateDnsEnabled=private_dns)["VpcEndpoint"]["VpcEndpointId"])

    def proxied_environment(self, name: str, idx: int, *, proxy_admits_fn: bool = True, db_admits_proxy: bool = True,
                            iam_auth: bool = False, fn_connect: bool = True, proxy_reads_secret: bool = True) -> Env:
        """A function -> RDS Proxy -> postgres instance set-up (function DB_HOST = the proxy endpoint)."""
        ec2, rds = self.c("ec2"), self.c("rds")
        env = self.environment(name, idx, db_rule=False, create_function=False)
        proxy_sg = ec2.create_security_group(GroupName=f"{name}-proxy", Description="proxy", VpcId=env.vpc_id)["GroupId"]
        if proxy_admits_fn:
            self.allow(proxy_sg, 5432, group=env.fn_sg)
        if db_admits_proxy:
            self.allow(env.db_sg, 5432, group=proxy_sg)
        secret = self.secret(f"{name}-db-credentials")
        read = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret}]}
        proxy_role = self.role(f"{name}-proxy-role", managed=(), inline={"read-secret": read} if proxy_reads_secret
                               else {"nothing": LOGS_ONLY}, trust=TRUST_RDS)
        proxy = rds.create_db_proxy(
            DBProxyName=f"{name}-proxy", EngineFamily="POSTGRESQL", RoleArn=proxy_role,
            Auth=[{"AuthScheme": "SECRETS", "SecretArn": secret, "IAMAuth": "REQUIRED" if iam_auth else "DISABLED"}],
            VpcSubnetIds=env.db_subnets, VpcSecurityGroupIds=[proxy_sg], RequireTLS=True)["DBProxy"]
        rds.register_db_proxy_targets(DBProxyName=proxy["DBProxyName"], DBInstanceIdentifiers=[env.db_id])
        prx = proxy["DBProxyArn"].rsplit(":", 1)[-1]
        if iam_auth:
            connect = {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "rds-db:connect",
                 "Resource": f"arn:aws:rds-db:{self.region}:123456789012:dbuser:{prx}/*"}]}
            policy = self.customer_policy(f"{name}-connect", connect)
            env.role_arn = self.role(f"{name}-fn-role", managed=(VPC_ACCESS, policy) if fn_connect else (VPC_ACCESS,))
        env.endpoint = proxy["Endpoint"]
        env.target_arn = proxy["DBProxyArn"]
        env.extra.update(proxy_sg=proxy_sg, proxy_name=proxy["DBProxyName"], secret=secret, proxy_role=proxy_role)
        self.function(env, env_vars={"DB_HOST": proxy["Endpoint"]})
        return env

    # ---- two VPCs ------------------------------------------------------------------------------------

    def cross_vpc(self, name: str, idx: int, *, link: str | None = "peering", accept: bool = True,
                  route_there: bool = True, route_back: bool = True, sg_ref: bool = False,
                  tgw_fn_azs: tuple[str, ...] = ("a", "b")) -> Env:
        """The function in VPC 10.<idx>.0.0/16 (subnets in AZs a and b), the postgres DB in VPC
        10.<idx+100>.0.0/16 (its own two subnets), linked by ``link``: ``peering`` (accepted unless
        ``accept`` is False), ``tgw`` (a transit gateway with both VPCs attached, the function VPC's attachment
        in ``tgw_fn_azs``, propagation enabled on its default route table), or None. Each VPC's main route
        table routes the other's CIDR to the link (``route_there`` / ``route_back``). The DB group admits the
        function's group (``sg_ref``) or its VPC CIDR."""
        ec2, rds = self.c("ec2"), self.c("rds")
        fn_cidr, db_cidr = f"10.{idx}.0.0/16", f"10.{idx + 100}.0.0/16"
        vpc = ec2.create_vpc(CidrBlock=fn_cidr)["Vpc"]["VpcId"]
        dvpc = ec2.create_vpc(CidrBlock=db_cidr)["Vpc"]["VpcId"]
        cidrs: dict[str, str] = {}

        def subnet(v: str, cidr: str, az: str) -> str:
            sid = ec2.create_subnet(VpcId=v, CidrBlock=cidr, AvailabilityZone=f"{self.region}{az}")["Subnet"]["SubnetId"]
            cidrs[sid] = cidr
            return str(sid)

        fn_subnets = [subnet(vpc, f"10.{idx}.1.0/24", "a"), subnet(vpc, f"10.{idx}.2.0/24", "b")]
        db_subnets = [subnet(dvpc, f"10.{idx + 100}.1.0/24", "a"), subnet(dvpc, f"10.{idx + 100}.2.0/24", "b")]
        fn_sg = ec2.create_security_group(GroupName=f"{name}-fn", Description="function", VpcId=vpc)["GroupId"]
        db_sg = ec2.create_security_group(GroupName=f"{name}-db", Description="database", VpcId=dvpc)["GroupId"]
        if sg_ref:
            self.allow(db_sg, 5432, group=fn_sg)
        else:
            self.allow(db_sg, 5432, cidr=fn_cidr)

        def main_rt(v: str) -> str:
            rts = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [v]}])["RouteTables"]
            return str(next(t["RouteTableId"] for t in rts if any(a.get("Main") for a in t.get("Associations", []))))

        target: dict[str, str] = {}
        if link == "peering":
            pcx = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=dvpc)["VpcPeeringConnection"][
                "VpcPeeringConnectionId"]
            if accept:
                ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
            target = {"VpcPeeringConnectionId": pcx}
        elif link == "tgw":
            tgw = ec2.create_transit_gateway(Description=name)["TransitGateway"]
            table = tgw["Options"]["AssociationDefaultRouteTableId"]
            by_az = dict(zip(("a", "b"), fn_subnets, strict=True))
            for v, subs in ((vpc, [by_az[z] for z in tgw_fn_azs]), (dvpc, db_subnets)):
                att = ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw["TransitGatewayId"], VpcId=v,
                                                                SubnetIds=subs)["TransitGatewayVpcAttachment"]
                # moto does not propagate into the default route table by itself (AWS does): enable it
                ec2.enable_transit_gateway_route_table_propagation(
                    TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=att["TransitGatewayAttachmentId"])
            target = {"TransitGatewayId": tgw["TransitGatewayId"]}
        if target and route_there:
            ec2.create_route(RouteTableId=main_rt(vpc), DestinationCidrBlock=db_cidr, **target)
        if target and route_back:
            ec2.create_route(RouteTableId=main_rt(dvpc), DestinationCidrBlock=fn_cidr, **target)
        rds.create_db_subnet_group(DBSubnetGroupName=f"{name}-dbsubnets", DBSubnetGroupDescription=name,
                                   SubnetIds=db_subnets)
        db = rds.create_db_instance(
            DBInstanceIdentifier=f"{name}-db", Engine="postgres", DBInstanceClass="db.t3.micro",
            MasterUsername="app", MasterUserPassword="not-a-secret-1", AllocatedStorage=20,
            DBSubnetGroupName=f"{name}-dbsubnets", VpcSecurityGroupIds=[db_sg], PubliclyAccessible=False,
        )["DBInstance"]
        endpoint = rds.describe_db_instances(DBInstanceIdentifier=db["DBInstanceIdentifier"])["DBInstances"][0][
            "Endpoint"]["Address"]
        env = Env(name, vpc, fn_subnets, db_subnets, cidrs, fn_sg, db_sg, self.role(f"rdslink-vpc-role{self.suffix}"),
                  db_id=db["DBInstanceIdentifier"], db_arn=db["DBInstanceArn"], endpoint=endpoint,
                  target_arn=db["DBInstanceArn"], extra={"db_vpc": dvpc, **target})
        self.function(env, env_vars={"DB_HOST": endpoint})
        return env

    def service_endpoint(self, env: Env, service: str) -> str:
        """An interface endpoint for ``service`` with private DNS in the function subnets, admitting 443 from
        the function's group."""
        ec2 = self.c("ec2")
        # private DNS needs both VPC attributes (EC2 rejects the endpoint otherwise; moto does not check)
        ec2.modify_vpc_attribute(VpcId=env.vpc_id, EnableDnsHostnames={"Value": True})
        sg = ec2.create_security_group(GroupName=f"{env.name}-{service}-vpce", Description="endpoint",
                                       VpcId=env.vpc_id)["GroupId"]
        self.allow(sg, 443, group=env.fn_sg)
        return str(ec2.create_vpc_endpoint(
            VpcId=env.vpc_id, ServiceName=f"com.amazonaws.{self.region}.{service}", VpcEndpointType="Interface",
            SubnetIds=env.fn_subnets, SecurityGroupIds=[sg], PrivateDnsEnabled=True)["VpcEndpoint"]["VpcEndpointId"])

