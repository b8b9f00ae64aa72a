"""The check registry: every check id of ``../shared/design/CHECKS.md`` declared once, with its title, default
severity, family (the module of :mod:`rdslink.analysis.checks` that implements it) and documentation page
(``docs/checks/<id>.md``, checked against this table by a test). Ids are stable and never reused."""

from __future__ import annotations

from dataclasses import dataclass

from ...findings import Finding, Fix, Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

#: families in id order: RL0xx inputs, RL1xx functions, RL2xx security_groups, RL3xx network_acls (NACLs and
#: routes), RL4xx dns, RL5xx aws_api, RL6xx databases, RL7xx proxy
FAMILIES = ("inputs", "functions", "security_groups", "network_acls", "dns", "aws_api", "databases", "proxy")


@dataclass(frozen=True, slots=True)
class Check:
    """One check: ``id`` (RLnnn), one-line ``title``, default ``severity``, implementing ``family`` module."""

    id: str
    title: str
    severity: Severity
    family: str

    @property
    def doc(self) -> str:
        """Path of its documentation page, relative to the repository."""
        return f"docs/checks/{self.id}.md"


def _family(check_id: str) -> str:
    return FAMILIES[int(check_id[2])]


_TABLE: dict[str, tuple[str, Severity]] = {
    "RL001": ("input cannot be parsed", E),
    "RL002": ("value cannot be resolved", W),
    "RL003": ("construct not analysed", W),
    "RL004": ("template will not deploy", E),
    "RL101": ("function has no VpcConfig but the target is only reachable inside a VPC", E),
    "RL102": ("function subnets all in one Availability Zone", W),
    "RL103": ("function ENI in a public subnet (Lambda ENIs get no public IP)", W),
    "RL104": ("execution role lacks the ENI permissions of AWSLambdaVPCAccessExecutionRole", E),
    "RL105": ("function and target in different VPCs with no peering or transit gateway path", E),
    "RL106": ("function subnets nearly out of free IP addresses", W),
    "RL201": ("target security group has no inbound rule for the DB port from the function", E),
    "RL202": ("target admits the function by CIDR instead of security-group reference", W),
    "RL203": ("target security group open to 0.0.0.0/0 or ::/0 on the DB port", W),
    "RL204": ("function security groups have no outbound rule to the target on the DB port", E),
    "RL205": ("rule admits a port other than the target's port", E),
    "RL206": ("rule references a security group that cannot match this traffic (another VPC without an active "
              "same-Region peering)", E),
    "RL207": ("Terraform aws_security_group of the function has no egress: the function can send nothing", E),
    "RL301": ("network ACL of a function subnet denies outbound to the target subnet", E),
    "RL302": ("network ACL of a target subnet denies inbound from the function subnet", E),
    "RL303": ("network ACL denies the return traffic (ephemeral ports 1024-65535)", E),
    "RL304": ("no route between the function subnet and the target subnet", E),
    "RL305": ("peering connection not active / transit gateway attachment or route missing", E),
    "RL306": ("network ACL denies only part of the return port range 1024-65535", E),
    "RL307": ("transit gateway VPC attachment has no subnet in an Availability Zone the function or the DB uses",
              E),
    "RL401": ("VPC enableDnsSupport is off: the endpoint name cannot be resolved", E),
    "RL402": ("DB endpoint resolves to a public IP from the peer VPC", E),
    "RL501": ("function reads Secrets Manager but has neither a NAT route nor a secretsmanager interface endpoint", E),
    "RL502": ("interface endpoint without private DNS, so the public name is still used", E),
    "RL503": ("interface endpoint security group does not admit 443 from the function", E),
    "RL504": ("NAT gateway sits in a subnet with no route to an internet gateway", E),
    "RL505": ("a single NAT gateway serves subnets in several AZs", W),
    "RL506": ("function calls an AWS service API with neither a NAT route nor an endpoint for that service", E),
    "RL507": ("gateway endpoint exists but the function subnet's route table has no route to it, or its policy "
              "denies", E),
    "RL601": ("DB instance PubliclyAccessible", W),
    "RL602": ("DB not available", E),
    "RL603": ("function concurrency can exceed the DB's max_connections with no RDS Proxy", W),
    "RL604": ("target reached through the RDS Data API (HTTPS), not the VPC: VPC checks do not apply", INFO),
    "RL701": ("RDS Proxy security group does not admit the function", E),
    "RL702": ("DB security group does not admit the RDS Proxy", E),
    "RL703": ("proxy requires IAM auth but the function role lacks rds-db:connect on the proxy", E),
    "RL704": ("proxy requires TLS: client must connect with TLS", INFO),
    "RL705": ("proxy's role cannot read its auth secret", E),
}

#: id -> Check, the registry
CHECKS: dict[str, Check] = {k: Check(k, t, s, _family(k)) for k, (t, s) in _TABLE.items()}


def make(check: str, resources: tuple[str, ...] | list[str], evidence: str, fix: Fix | None = None,
         severity: Severity | None = None) -> Finding:
    """Build a Finding with the registry's title and (unless overridden) severity.

    Raises:
        KeyError: ``check`` is not a registered id.
    """
    c = CHECKS[check]
    seen: list[str] = []
    for r in resources:
        if r not in seen:
            seen.append(r)
    return Finding(check, severity or c.severity, c.title, tuple(seen), evidence, fix)
