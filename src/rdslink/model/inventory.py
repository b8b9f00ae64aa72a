"""Inventory: one typed collection of every AWS object the sources found, with lookup indexes."""

from __future__ import annotations

from dataclasses import dataclass, field

from .objects import (
    DBCluster,
    DBInstance,
    DBParameterGroup,
    DBProxy,
    DBProxyEndpoint,
    DBSubnetGroup,
    Instance,
    InternetGateway,
    KmsKey,
    LambdaFunction,
    ManagedPolicy,
    NatGateway,
    NetworkAcl,
    NetworkInterface,
    Role,
    RouteTable,
    Secret,
    SecurityGroup,
    Subnet,
    TransitGateway,
    TransitGatewayPeeringAttachment,
    TransitGatewayRouteTable,
    TransitGatewayVpcAttachment,
    Vpc,
    VpcEndpoint,
    VpcPeeringConnection,
)
from .values import PLACEHOLDER_ACCOUNT_ID, Unresolved, arn_account


@dataclass(frozen=True, slots=True)
class SourceIssue:
    """Something a source noticed that becomes a finding: RL002 (unresolved value), RL003 (construct not
    analysed), RL004 (will not deploy).

    Attributes:
        id: check id.
        resources: display ids / parameter names.
        evidence: explanation with ``file:line``.
        input: the top-level input it belongs to; for RL004 every pair touching that input is blocked.
        severity: ``error``, ``warning`` or ``info``.
    """

    id: str
    resources: tuple[str, ...]
    evidence: str
    input: str = ""
    severity: str = "warning"


@dataclass(slots=True)
class Inventory:
    """Dicts by id for every object type plus indexes built by :meth:`index`.

    ``inputs`` lists ``{"kind": ..., "location": ...}`` as in the JSON contract.
    """

    inputs: list[dict[str, str]] = field(default_factory=list)
    vpcs: dict[str, Vpc] = field(default_factory=dict)
    subnets: dict[str, Subnet] = field(default_factory=dict)
    route_tables: dict[str, RouteTable] = field(default_factory=dict)
    security_groups: dict[str, SecurityGroup] = field(default_factory=dict)
    network_acls: dict[str, NetworkAcl] = field(default_factory=dict)
    internet_gateways: dict[str, InternetGateway] = field(default_factory=dict)
    nat_gateways: dict[str, NatGateway] = field(default_factory=dict)
    vpc_endpoints: dict[str, VpcEndpoint] = field(default_factory=dict)
    peering_connections: dict[str, VpcPeeringConnection] = field(default_factory=dict)
    functions: dict[str, LambdaFunction] = field(default_factory=dict)
    db_subnet_groups: dict[str, DBSubnetGroup] = field(default_factory=dict)
    db_instances: dict[str, DBInstance] = field(default_factory=dict)
    db_clusters: dict[str, DBCluster] = field(default_factory=dict)
    db_parameter_groups: dict[str, DBParameterGroup] = field(default_factory=dict)
    db_proxies: dict[str, DBProxy] = field(default_factory=dict)
    db_proxy_endpoints: dict[str, DBProxyEndpoint] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    managed_policies: dict[str, ManagedPolicy] = field(default_factory=dict)
    secrets: dict[str, Secret] = field(default_factory=dict)
    kms_keys: dict[str, KmsKey] = field(default_factory=dict)
    network_interfaces: dict[str, NetworkInterface] = field(default_factory=dict)
    instances: dict[str, Instance] = field(default_factory=dict)
    transit_gateways: dict[str, TransitGateway] = field(default_factory=dict)
    transit_gateway_attachments: dict[str, TransitGatewayVpcAttachment] = field(default_factory=dict)
    transit_gateway_route_tables: dict[str, TransitGatewayRouteTable] = field(default_factory=dict)
    transit_gateway_peering_attachments: dict[str, TransitGatewayPeeringAttachment] = field(default_factory=dict)
    #: AWS id -> the qualified ids (``<id>@<account>/<region>``) of the objects that share it in different
    #: accounts/Regions (filled by :func:`rdslink.sources.scopes.merge_scopes`); such an id names nothing alone.
    ambiguous_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)
    issues: list[SourceIssue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    region: str = "us-east-1"
    #: API calls a live source made (``--verbose``).
    api_calls: int = 0
    #: Object kinds a describe/live source could not load (e.g. ``RouteTables``): hops needing them are UNKNOWN.
    missing_kinds: set[str] = field(default_factory=set)
    #: (file, top-level input, qualified-id prefix) of every template read, for linting.
    source_files: list[tuple[str, str, str]] = field(default_factory=list)
    #: (template file, qualified logical id) -> CDK construct path (``aws:cdk:path`` metadata), for naming.
    construct_paths: dict[tuple[str, str], str] = field(default_factory=dict)

    # indexes (filled by index())
    _route_table_of: dict[str, str] = field(default_factory=dict)
    _nacl_of: dict[str, str] = field(default_factory=dict)
    _role_by_arn: dict[str, str] = field(default_factory=dict)
    _role_by_name: dict[str, str] = field(default_factory=dict)
    _secret_by_ref: dict[str, str] = field(default_factory=dict)
    _subnet_group_by_name: dict[str, str] = field(default_factory=dict)
    _eni_by_ip: dict[str, str] = field(default_factory=dict)
    _enis_by_ip: dict[str, list[str]] = field(default_factory=dict)

    def merge(self, other: Inventory) -> None:
        """Add every object of ``other`` (ids are globally unique: synthetic ids include the input)."""
        for name in (
            "vpcs", "subnets", "route_tables", "security_groups", "network_acls", "internet_gateways",
            "nat_gateways", "vpc_endpoints", "peering_connections", "functions", "db_subnet_groups",
            "db_instances", "db_clusters", "db_parameter_groups", "db_proxies", "db_proxy_endpoints", "roles", "managed_policies",
            "secrets", "kms_keys", "network_interfaces", "instances", "transit_gateways",
            "transit_gateway_attachments", "transit_gateway_route_tables", "transit_gateway_peering_attachments",
        ):
            getattr(self, name).update(getattr(other, name))
        self.inputs.extend(other.inputs)
        self.issues.extend(other.issues)
        self.warnings.extend(other.warnings)
        self.source_files.extend(other.source_files)
        self.construct_paths.update(other.construct_paths)
        self.missing_kinds |= other.missing_kinds
        self.api_calls += other.api_calls
        self.ambiguous_ids.update(other.ambiguous_ids)

    def scope_of(self, obj: object) -> tuple[str | None, str]:
        """``(account, region)`` of a model object: its provenance's, the Region defaulting to the inventory's."""
        prov = getattr(obj, "prov", None)
        return (getattr(prov, "account", None), getattr(prov, "region", None) or self.region)

    def index(self) -> None:
        """Build lookup indexes; call once after loading."""
        self._route_table_of.clear()
        for rt in self.route_tables.values():
            for sid in rt.subnet_ids:
                if isinstance(sid, str):
                    self._route_table_of[sid] = rt.id
        self._nacl_of.clear()
        for acl in self.network_acls.values():
            for sid in acl.subnet_ids:
                if isinstance(sid, str):
                    self._nacl_of[sid] = acl.id
        self._role_by_arn = {r.arn: r.id for r in self.roles.values()}
        self._role_by_name = {r.name: r.id for r in self.roles.values() if isinstance(r.name, str)}
        self._secret_by_ref = {}
        for s in self.secrets.values():
            self._secret_by_ref[s.arn] = s.id
            self._secret_by_ref[s.id] = s.id
            if isinstance(s.name, str):
                self._secret_by_ref[s.name] = s.id
        self._eni_by_ip = {}
        self._enis_by_ip = {}
        for eni in self.network_interfaces.values():
            for ip in eni.private_ip_addresses:
                self._eni_by_ip.setdefault(ip, eni.id)
                self._enis_by_ip.setdefault(ip, []).append(eni.id)
        self._subnet_group_by_name = {}
        for g in self.db_subnet_groups.values():
            self._subnet_group_by_name[g.id] = g.id
            if isinstance(g.name, str):
                self._subnet_group_by_name[g.name] = g.id
                self._subnet_group_by_name[g.name.lower()] = g.id

    # ---- lookups -------------------------------------------------------------------------------------

    def route_table_for(self, subnet: Subnet) -> RouteTable | None:
        """Explicitly associated route table, else the VPC's main route table (EC2 semantics)."""
        rt_id = self._route_table_of.get(subnet.id)
        if rt_id:
            return self.route_tables[rt_id]
        vpc = self.vpcs.get(subnet.vpc_id) if isinstance(subnet.vpc_id, str) else None
        if vpc and vpc.main_route_table_id and vpc.main_route_table_id in self.route_tables:
            return self.route_tables[vpc.main_route_table_id]
        for rt in self.route_tables.values():
            if rt.is_main and rt.vpc_id == subnet.vpc_id:
                return rt
        return None

    def network_acl_for(self, subnet: Subnet) -> NetworkAcl | None:
        """Explicitly associated NACL, else the VPC's default NACL."""
        acl_id = self._nacl_of.get(subnet.id)
        if acl_id:
            return self.network_acls[acl_id]
        vpc = self.vpcs.get(subnet.vpc_id) if isinstance(subnet.vpc_id, str) else None
        if vpc and vpc.default_network_acl_id and vpc.default_network_acl_id in self.network_acls:
            return self.network_acls[vpc.default_network_acl_id]
        for acl in self.network_acls.values():
            if acl.is_default and acl.vpc_id == subnet.vpc_id:
                return acl
        return None

    def eni_for_ip(self, ip: str, vpc_id: object = None) -> NetworkInterface | None:
        """The described ENI holding private address ``ip`` (None when no described ENI has it); with ``vpc_id``,
        only an ENI of that VPC (VPCs of different accounts/Regions often reuse the same addresses)."""
        if vpc_id is not None:
            for eid in self._enis_by_ip.get(ip, ()):
                eni = self.network_interfaces[eid]
                if eni.vpc_id == vpc_id:
                    return eni
            return None
        first = self._eni_by_ip.get(ip)
        return self.network_interfaces.get(first) if first else None

    def enis_for_ip(self, ip: str) -> list[NetworkInterface]:
        """Every described ENI holding private address ``ip``."""
        return [self.network_interfaces[e] for e in self._enis_by_ip.get(ip, ())]

    def role_for(self, arn_or_name: str | Unresolved) -> Role | None:
        """The role a function's ``Role`` names: by ARN, by name, or by the name at the end of an ARN (a path or a
        made-up template ARN differs) when both ARNs are of the same account or one is the loader's placeholder
        account. A role of the same name in another account is another role: None (IAM role names are unique
        per account only, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)."""
        if not isinstance(arn_or_name, str):
            return None
        rid = self._role_by_arn.get(arn_or_name) or self._role_by_name.get(arn_or_name)
        if rid is None and ":role/" in arn_or_name:
            rid = self._role_by_name.get(arn_or_name.rsplit("/", 1)[-1])
            role = self.roles.get(rid) if rid else None
            if role is not None:
                asked, have = arn_account(arn_or_name), arn_account(role.arn)
                if asked and have and asked != have and PLACEHOLDER_ACCOUNT_ID not in (asked, have):
                    return None
        return self.roles.get(rid) if rid else None

    def secret_for(self, ref: str | Unresolved) -> Secret | None:
        """Find a secret by ARN, id or name (also a partial ARN without the random suffix)."""
        if not isinstance(ref, str):
            return None
        sid = self._secret_by_ref.get(ref)
        if sid is None and ref.startswith("arn:") and ":secret:" in ref:
            name = ref.split(":secret:", 1)[1]
            sid = self._secret_by_ref.get(name) or self._secret_by_ref.get(name.rsplit("-", 1)[0])
        return self.secrets.get(sid) if sid else None

    def kms_key(self, ref: str | Unresolved | None) -> KmsKey | None:
        """Find a KMS key by id, ARN, alias name or alias ARN."""
        if not isinstance(ref, str):
            return None
        for k in self.kms_keys.values():
            if ref in (k.id, k.arn) or ref in k.aliases or any(ref.endswith(":" + a) for a in k.aliases):
                return k
        return None

    def cluster_members(self, cluster: DBCluster) -> list[DBInstance]:
        """The DB instances whose DBClusterIdentifier names ``cluster`` (its writer and readers)."""
        return [d for d in self.db_instances.values()
                if d.cluster_id is not None and d.cluster_id == cluster.identifier]

    def subnet_group(self, name: str | Unresolved | None) -> DBSubnetGroup | None:
        if not isinstance(name, str):
            return None
        gid = self._subnet_group_by_name.get(name) or self._subnet_group_by_name.get(name.lower())
        return self.db_subnet_groups.get(gid) if gid else None

    def policies_attached_to(self, role: Role) -> list[ManagedPolicy]:
        """Managed policies attached to ``role`` by ARN on the role or by the policy's own ``Roles:`` list."""
        out = []
        for mp in self.managed_policies.values():
            if mp.arn in role.managed_policy_arns or (role.name in mp.roles) or (role.id in mp.roles):
                out.append(mp)
        return out


def parameter_group_max_connections(inv: Inventory, name: object) -> int | Unresolved | None:
    """``max_connections`` set by the DB (cluster) parameter group named `name`.

    Returns None for no group or an engine default group (``default.*``) or a group of the inputs that leaves
    it unset; an int when a group of the inputs sets a number; Unresolved when the group is not in the inputs
    or sets something else (a formula, an unresolved value).
    """
    if name is None or (isinstance(name, str) and name.lower().startswith("default.")):
        return None
    if not isinstance(name, str):
        return Unresolved(str(getattr(name, "name", "DBParameterGroupName")), "parameter group name unresolved")
    for g in inv.db_parameter_groups.values():
        if g.name == name or g.id == name:
            return g.max_connections
    return Unresolved(name, f"parameter group {name} is not in the inputs")


def parse_max_connections(value: object, owner: str) -> int | Unresolved | None:
    """A parameter group's ``max_connections`` as :class:`DBParameterGroup` holds it: None when unset, an int for
    a number (CloudFormation and Terraform pass it as a string), Unresolved for anything else (a formula such as
    ``{DBInstanceClassMemory/12582880}``, an unresolved value). `owner` names the group in the Unresolved."""
    if value is None:
        return None
    if isinstance(value, (int, str)) and not isinstance(value, bool) and str(value).strip().isdigit():
        return int(str(value).strip())
    return Unresolved(f"{owner}.max_connections", "set to a formula or a value the inputs do not determine")
