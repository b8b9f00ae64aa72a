"""Frozen, slotted dataclasses for the AWS objects the analysis reasons about, named as the EC2/RDS/Lambda/IAM
APIs name them. Values a source could not determine are :class:`Unresolved` markers, never guesses.

Ids: ``id`` is the physical id (``subnet-...``, ``sg-...``, ARN for roles/secrets/functions) or, for template
inputs, a deterministic synthetic one; ``prov.logical_id`` is what users see.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .values import IPNetwork, PortRange, Provenance, Unresolved

Str = str | Unresolved
Ids = tuple[Str, ...] | Unresolved


@dataclass(frozen=True, slots=True)
class Vpc:
    """AWS::EC2::VPC / DescribeVpcs. ``enable_dns_support`` defaults to True (EC2 default)."""

    id: str
    cidr_blocks: tuple[IPNetwork | Unresolved, ...]
    enable_dns_support: bool | Unresolved
    prov: Provenance
    main_route_table_id: str | None = None
    default_network_acl_id: str | None = None
    default_security_group_id: str | None = None
    enable_dns_hostnames: bool | Unresolved = True


@dataclass(frozen=True, slots=True)
class Subnet:
    """AWS::EC2::Subnet / DescribeSubnets. ``available_ips`` only from live data (RL106)."""

    id: str
    vpc_id: Str
    cidr: IPNetwork | Unresolved
    availability_zone: Str
    prov: Provenance
    available_ips: int | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """One route. ``target_type``: local, igw, nat, pcx, tgw, vpce, eni, instance, egress-only, other;
    ``state`` active or blackhole. ``destination`` is a CIDR, a prefix list id, or Unresolved."""

    destination: IPNetwork | Str
    target_type: str
    target_id: Str
    prov: Provenance
    state: str = "active"


@dataclass(frozen=True, slots=True)
class RouteTable:
    """AWS::EC2::RouteTable (+ routes and associations) / DescribeRouteTables. The implicit local route for
    each VPC CIDR is not stored: the analysis knows it."""

    id: str
    vpc_id: Str
    routes: tuple[Route, ...]
    subnet_ids: tuple[Str, ...]
    is_main: bool
    prov: Provenance


@dataclass(frozen=True, slots=True)
class SecurityGroupRule:
    """One rule of a security group.

    ``direction`` ingress/egress; ``protocol`` IANA number as string or ``-1``; ``ports`` inclusive range;
    exactly one peer: ``cidr`` (ip_network), ``group_id`` (sg id) or ``prefix_list_id``; any of them may be
    Unresolved.
    """

    direction: str
    protocol: Str
    ports: PortRange | Unresolved
    prov: Provenance
    cidr: IPNetwork | Unresolved | None = None
    group_id: Str | None = None
    prefix_list_id: Str | None = None
    description: str = ""
    implicit: bool = False


@dataclass(frozen=True, slots=True)
class SecurityGroup:
    """AWS::EC2::SecurityGroup (+ standalone Ingress/Egress resources) / DescribeSecurityGroups.

    ``terraform_no_egress``: a Terraform ``aws_security_group`` (or ``aws_default_security_group``) that declares
    no egress at all: Terraform removed AWS's allow-all egress rule, so the group allows no outbound traffic
    (RL207).
    """

    id: str
    vpc_id: Str
    group_name: Str
    ingress: tuple[SecurityGroupRule, ...]
    egress: tuple[SecurityGroupRule, ...]
    prov: Provenance
    terraform_no_egress: bool = False


@dataclass(frozen=True, slots=True)
class NetworkAclEntry:
    """One NACL entry; ``rule_number`` 1-32766 evaluated in ascending order, 32767 is the implicit ``*`` deny."""

    rule_number: int
    egress: bool
    protocol: Str
    rule_action: str
    cidr: IPNetwork | Unresolved
    ports: PortRange | Unresolved
    prov: Provenance


@dataclass(frozen=True, slots=True)
class NetworkAcl:
    """AWS::EC2::NetworkAcl (+ entries, associations) / DescribeNetworkAcls."""

    id: str
    vpc_id: Str
    is_default: bool
    subnet_ids: tuple[Str, ...]
    entries: tuple[NetworkAclEntry, ...]
    prov: Provenance


@dataclass(frozen=True, slots=True)
class InternetGateway:
    id: str
    vpc_ids: tuple[Str, ...]
    prov: Provenance


@dataclass(frozen=True, slots=True)
class NatGateway:
    """``connectivity_type`` public (needs its subnet routed to an IGW) or private."""

    id: str
    subnet_id: Str
    prov: Provenance
    connectivity_type: str = "public"
    state: str = "available"


@dataclass(frozen=True, slots=True)
class VpcEndpoint:
    """AWS::EC2::VPCEndpoint / DescribeVpcEndpoints. ``private_dns_enabled`` matters for Interface endpoints."""

    id: str
    vpc_id: Str
    service_name: Str
    endpoint_type: str
    subnet_ids: tuple[Str, ...]
    security_group_ids: tuple[Str, ...]
    private_dns_enabled: bool | Unresolved
    prov: Provenance
    route_table_ids: tuple[Str, ...] = ()
    network_interface_ids: tuple[str, ...] = ()
    state: str = "available"
    #: statements of the endpoint policy (None: the default full-access policy)
    policy: tuple[Statement, ...] | None = None


@dataclass(frozen=True, slots=True)
class VpcPeeringConnection:
    """AWS::EC2::VPCPeeringConnection / DescribeVpcPeeringConnections.

    ``status`` is ``Status.Code`` (``active``, ``pending-acceptance``, ``rejected``, ``deleted``, ...); only
    ``active`` forwards traffic. ``*_cidrs`` are the VPC CIDRs the peering carries (``CidrBlockSet``),
    ``*_region`` / ``*_owner_id`` the VPC's Region and account (None when not stated: same as the other side).
    ``*_dns_from_remote`` is that side's ``PeeringOptions.AllowDnsResolutionFromRemoteVpc``: True lets the
    *other* VPC resolve this VPC's public DNS names to private IPs (None: not described; CloudFormation cannot
    set it, so the EC2 default False applies to template inputs).
    """

    id: str
    requester_vpc_id: Str
    accepter_vpc_id: Str
    status: str
    prov: Provenance
    requester_cidrs: tuple[IPNetwork, ...] = ()
    accepter_cidrs: tuple[IPNetwork, ...] = ()
    requester_region: str | None = None
    accepter_region: str | None = None
    requester_owner_id: str | None = None
    accepter_owner_id: str | None = None
    requester_dns_from_remote: bool | None = False
    accepter_dns_from_remote: bool | None = False

    def other_side(self, vpc_id: object) -> Str | None:
        """The VPC at the other end from ``vpc_id`` (None when ``vpc_id`` is on neither side)."""
        if vpc_id == self.requester_vpc_id:
            return self.accepter_vpc_id
        if vpc_id == self.accepter_vpc_id:
            return self.requester_vpc_id
        return None

    def dns_from_remote(self, vpc_id: object) -> bool | None:
        """``AllowDnsResolutionFromRemoteVpc`` of ``vpc_id``'s side."""
        if vpc_id == self.requester_vpc_id:
            return self.requester_dns_from_remote
        if vpc_id == self.accepter_vpc_id:
            return self.accepter_dns_from_remote
        return None


@dataclass(frozen=True, slots=True)
class NetworkInterface:
    """An ENI / DescribeNetworkInterfaces (also the ENIs of DescribeInstances). ``interface_type`` as EC2 names
    it (``interface``, ``nat_gateway``, ``vpc_endpoint``, ``transit_gateway``, ``lambda``, ...);
    ``owner_id`` is the instance, NAT gateway, VPC endpoint or TGW attachment it belongs to, when known.
    ``source_dest_check``: EC2's SourceDestCheck (None: not known); off, the interface forwards traffic not
    addressed to it (a NAT instance). ``public_ip``: it has a public IPv4 address or an Elastic IP (None: not
    known)."""

    id: str
    subnet_id: Str
    vpc_id: Str
    private_ip_addresses: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    interface_type: str
    prov: Provenance
    owner_id: str | None = None
    source_dest_check: bool | None = True
    description: str = ""
    public_ip: bool | None = None


@dataclass(frozen=True, slots=True)
class Instance:
    """An EC2 instance (DescribeInstances ``Reservations[].Instances[]``, AWS::EC2::Instance);
    ``network_interface_ids`` its ENIs; ``source_dest_check`` and ``public_ip`` as for :class:`NetworkInterface`
    (the instance attribute is its primary interface's)."""

    id: str
    subnet_id: Str
    vpc_id: Str
    private_ip: str | None
    network_interface_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    prov: Provenance
    source_dest_check: bool | None = True
    state: str = "running"
    public_ip: bool | None = None


@dataclass(frozen=True, slots=True)
class TransitGateway:
    """AWS::EC2::TransitGateway / DescribeTransitGateways. ``default_association`` /
    ``default_propagation``: ``Options.DefaultRouteTableAssociation/Propagation == enable``;
    ``association_default_route_table_id`` / ``propagation_default_route_table_id`` the default route table
    (None for template inputs: the default table is created by EC2 and has no logical id)."""

    id: str
    state: str
    prov: Provenance
    default_association: bool = True
    default_propagation: bool = True
    association_default_route_table_id: str | None = None
    propagation_default_route_table_id: str | None = None
    dns_support: bool = True


@dataclass(frozen=True, slots=True)
class TransitGatewayVpcAttachment:
    """AWS::EC2::TransitGatewayAttachment / DescribeTransitGatewayVpcAttachments: one subnet per AZ where the
    TGW places an ENI; traffic from an AZ without one cannot reach the TGW (Transit Gateway Guide,
    "Transit gateway attachments to a VPC"). ``route_table_id`` is the associated TGW route table when stated
    (DescribeTransitGatewayAttachments ``Association``).

    ``association`` says how far ``route_table_id`` is the truth: ``"template"`` (a template: EC2 associates the
    attachment with the default route table when the TGW's DefaultRouteTableAssociation is enabled),
    ``"described"`` (DescribeTransitGatewayAttachments listed it: None means associated with no table) or
    ``"unknown"`` (a describe source without that list: the association is undecided)."""

    id: str
    transit_gateway_id: Str
    vpc_id: Str
    subnet_ids: tuple[Str, ...]
    state: str
    prov: Provenance
    route_table_id: str | None = None
    association: str = "template"


@dataclass(frozen=True, slots=True)
class TransitGatewayPeeringAttachment:
    """DescribeTransitGatewayPeeringAttachments: a peering between two transit gateways (usually in two Regions,
    possibly two accounts). ``requester_*`` / ``accepter_*`` are ``RequesterTgwInfo`` / ``AccepterTgwInfo``
    (``TransitGatewayId``, ``OwnerId``, ``Region``); ``state`` is ``State`` (only ``available`` forwards).
    ``route_table_ids`` pairs each TGW with the route table the attachment is associated with on that side
    (DescribeTransitGatewayAttachments ``Association``, read in each Region). Peering attachments never
    propagate routes: only static routes point to them (Transit Gateway Guide, "Transit gateway peering
    attachments")."""

    id: str
    requester_tgw_id: Str
    accepter_tgw_id: Str
    state: str
    prov: Provenance
    requester_region: str | None = None
    accepter_region: str | None = None
    requester_owner_id: str | None = None
    accepter_owner_id: str | None = None
    route_table_ids: tuple[tuple[str, str], ...] = ()

    def other_side(self, tgw_id: object) -> Str | None:
        """The transit gateway at the other end from ``tgw_id`` (None when it is on neither side)."""
        if tgw_id == self.requester_tgw_id:
            return self.accepter_tgw_id
        if tgw_id == self.accepter_tgw_id:
            return self.requester_tgw_id
        return None

    def side(self, tgw_id: object) -> tuple[str | None, str | None]:
        """``(OwnerId, Region)`` of ``tgw_id``'s side, as the attachment states them."""
        if tgw_id == self.requester_tgw_id:
            return self.requester_owner_id, self.requester_region
        return self.accepter_owner_id, self.accepter_region

    def route_table_on(self, tgw_id: object) -> str | None:
        """The route table of ``tgw_id`` this attachment is associated with, when described."""
        return next((rt for t, rt in self.route_table_ids if t == tgw_id), None)


@dataclass(frozen=True, slots=True)
class TransitGatewayRoute:
    """One route of a TGW route table: ``route_type`` static or propagated; ``state`` active or blackhole."""

    destination: IPNetwork | Unresolved
    attachment_ids: tuple[Str, ...]
    route_type: str
    state: str
    prov: Provenance


@dataclass(frozen=True, slots=True)
class TransitGatewayRouteTable:
    """AWS::EC2::TransitGatewayRouteTable (+ associations, propagations, static routes) /
    DescribeTransitGatewayRouteTables + GetTransitGatewayRouteTablePropagations + SearchTransitGatewayRoutes.
    ``routes_known`` is False when the static routes were not described."""

    id: str
    transit_gateway_id: Str
    prov: Provenance
    associations: tuple[Str, ...] = ()
    propagations: tuple[Str, ...] = ()
    routes: tuple[TransitGatewayRoute, ...] = ()
    default_association: bool = False
    default_propagation: bool = False
    routes_known: bool = True


@dataclass(frozen=True, slots=True)
class VpcConfig:
    """Lambda VpcConfig. Empty subnet list means not attached."""

    subnet_ids: Ids
    security_group_ids: Ids


@dataclass(frozen=True, slots=True)
class LambdaFunction:
    """AWS::Lambda::Function (after the SAM transform) / ListFunctions.

    Attributes:
        environment: variable name -> value (Unresolved where undetermined).
        environment_sources: variable name -> the parameter / import / SSM name the value came from, when the
            value was a direct reference (used to name ``?<Name>`` targets).
        runtime_secrets: secret ARNs/ids the function reads at run time (env var naming a secret, rotation).
        dynamic_secret_refs: secret ARNs/ids named in ``{{resolve:secretsmanager:...}}`` (deploy-time).
        role_arn: execution role ARN (or Unresolved).
    """

    id: str
    name: Str
    role_arn: Str
    vpc_config: VpcConfig | None
    environment: dict[str, Str]
    prov: Provenance
    environment_sources: dict[str, str] = field(default_factory=dict)
    runtime_secrets: tuple[Str, ...] = ()
    dynamic_secret_refs: tuple[Str, ...] = ()
    reserved_concurrency: int | None = None
    runtime: str = ""
    #: False when the source may omit ReservedConcurrentExecutions (ListFunctions does): RL603 is then undecided.
    concurrency_known: bool = True


@dataclass(frozen=True, slots=True)
class DBSubnetGroup:
    id: str
    name: Str
    subnet_ids: tuple[Str, ...] | Unresolved
    prov: Provenance


@dataclass(frozen=True, slots=True)
class DBInstance:
    """AWS::RDS::DBInstance / DescribeDBInstances. ``port`` TCP port (engine default when unset)."""

    id: str
    identifier: Str
    engine: Str
    port: int | Unresolved | None
    endpoint_address: Str
    subnet_group: Str | None
    security_group_ids: tuple[Str, ...] | Unresolved
    publicly_accessible: bool | Unresolved | None
    prov: Provenance
    cluster_id: Str | None = None
    resource_id: Str | None = None
    arn: Str | None = None
    master_secret: Str | None = None
    status: str = "available"
    iam_auth: bool = False
    availability_zone: Str | None = None
    #: DBInstanceClass (``db.t3.micro``), for the default ``max_connections`` (RL603)
    instance_class: Str | None = None
    #: DBParameterGroupName; None = the engine's default group
    parameter_group: Str | None = None


@dataclass(frozen=True, slots=True)
class DBCluster:
    """AWS::RDS::DBCluster / DescribeDBClusters; ``http_endpoint`` = Data API enabled."""

    id: str
    identifier: Str
    engine: Str
    port: int | Unresolved | None
    endpoint_address: Str
    reader_endpoint_address: Str
    subnet_group: Str | None
    security_group_ids: tuple[Str, ...] | Unresolved
    prov: Provenance
    arn: Str | None = None
    resource_id: Str | None = None
    master_secret: Str | None = None
    http_endpoint: bool = False
    status: str = "available"
    iam_auth: bool = False
    #: DBClusterParameterGroupName; None = the engine's default group
    parameter_group: Str | None = None


@dataclass(frozen=True, slots=True)
class DBParameterGroup:
    """AWS::RDS::DBParameterGroup / DBClusterParameterGroup (or Terraform's aws_db_parameter_group /
    aws_rds_cluster_parameter_group): only ``max_connections`` is modelled (RL603).

    Attributes:
        name: DBParameterGroupName (what DBInstance.DBParameterGroupName names).
        max_connections: an int when the group sets it to a number; Unresolved when it sets something else (a
            formula such as ``{DBInstanceClassMemory/12582880}``, or a value the inputs do not determine); None
            when the group leaves the engine default.
    """

    id: str
    name: Str
    max_connections: int | Unresolved | None
    prov: Provenance


@dataclass(frozen=True, slots=True)
class ProxyAuth:
    secret_arn: Str
    iam_auth: str  # REQUIRED | DISABLED | ENABLED


@dataclass(frozen=True, slots=True)
class DBProxy:
    """AWS::RDS::DBProxy (+ target group) / DescribeDBProxies. ``resource_id`` is the ``prx-...`` id used in
    ``rds-db:connect`` resources; ``targets`` are DBCluster/DBInstance model ids."""

    id: str
    name: Str
    arn: Str
    resource_id: Str
    engine_family: Str
    endpoint_address: Str
    subnet_ids: tuple[Str, ...] | Unresolved
    security_group_ids: tuple[Str, ...] | Unresolved
    require_tls: bool | Unresolved
    auth: tuple[ProxyAuth, ...]
    role_arn: Str
    prov: Provenance
    targets: tuple[Str, ...] = ()
    status: str = "available"


@dataclass(frozen=True, slots=True)
class DBProxyEndpoint:
    """AWS::RDS::DBProxyEndpoint: an extra endpoint of ``proxy_id`` with its own subnets and groups."""

    id: str
    name: Str
    proxy_id: Str
    endpoint_address: Str
    subnet_ids: tuple[Str, ...] | Unresolved
    security_group_ids: tuple[Str, ...] | Unresolved
    target_role: str
    prov: Provenance


@dataclass(frozen=True, slots=True)
class Statement:
    """One IAM policy statement. Action/Resource lists hold strings (wildcards allowed) or Unresolved."""

    effect: str
    actions: tuple[Str, ...]
    resources: tuple[Str, ...]
    prov: Provenance
    not_actions: tuple[Str, ...] = ()
    not_resources: tuple[Str, ...] = ()
    has_condition: bool = False


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """A policy: ``name`` for evidence (``RoleX/inline:PolicyName`` or a managed policy ARN)."""

    name: str
    statements: tuple[Statement, ...]


@dataclass(frozen=True, slots=True)
class Role:
    """AWS::IAM::Role / GetRole + attached and inline policies.

    ``managed_policy_arns`` that the inventory has no document for make permission questions UNKNOWN.
    ``trusted_principals`` are the AWS principals (ARNs) its trust policy allows to assume it.
    """

    id: str
    arn: str
    name: Str
    inline_policies: tuple[PolicyDocument, ...]
    managed_policy_arns: tuple[Str, ...]
    prov: Provenance
    trusted_principals: tuple[Str, ...] = ()
    permissions_boundary: Str | None = None


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    """AWS::IAM::ManagedPolicy or an AWS managed policy document; ``roles`` = role names it is attached to
    through its own ``Roles:`` property."""

    arn: str
    document: PolicyDocument
    prov: Provenance
    roles: tuple[Str, ...] = ()


@dataclass(frozen=True, slots=True)
class Secret:
    """AWS::SecretsManager::Secret / ListSecrets (metadata only). ``target_ids``: DBs it is attached to."""

    id: str
    arn: str
    name: Str
    prov: Provenance
    target_ids: tuple[Str, ...] = ()
    kms_key_id: Str | None = None


@dataclass(frozen=True, slots=True)
class KmsKey:
    """AWS::KMS::Key: ``iam_delegated_only`` when its key policy grants only the account root (so access must
    come from IAM policies); ``aliases`` are its ``alias/...`` names."""

    id: str
    arn: str
    iam_delegated_only: bool
    prov: Provenance
    aliases: tuple[str, ...] = ()
