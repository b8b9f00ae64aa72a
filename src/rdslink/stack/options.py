"""Options of the reference system (pure Python: importable without aws-cdk-lib).

Every option of :class:`ReferenceOptions` is also a flag of ``rdslink stack synth`` (see
``docs/reference-stack.md`` for the table). ``faults`` exists only so tests can build deliberately broken
variants through the same construct and prove that ``rdslink check`` reports them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

ENGINES = ("postgres", "mysql")
EGRESS = ("endpoints", "nat")
TRIGGERS = ("http-api", "schedule")

#: Default port of each engine (PostgreSQL 5432, MySQL 3306).
ENGINE_PORTS = {"postgres": 5432, "mysql": 3306}
#: Default engine versions: full versions current in cfn-lint's RDS data (a major-only "16" is flagged W3691 and
#: MySQL needs a full version); automatic minor version upgrades keep the instance current after creation.
#: Pass ``engine_version`` (``--engine-version``) when RDS stops offering these for new instances.
ENGINE_VERSIONS = {"postgres": "16.13", "mysql": "8.4.9"}

#: Deliberate faults, for tests only: name -> what the construct does instead of the right thing.
FAULTS: dict[str, str] = {
    "db-admits-cidr": "the database (or proxy) group admits the first function subnet's CIDR instead of the lambda "
                      "group, so the other subnets time out",
    "db-no-ingress": "the database (or proxy) group admits nothing from the function",
    "db-wrong-port": "the database (or proxy) group admits the function on the other engine's port",
    "lambda-no-egress": "the lambda group has no outbound rule on the DB port",
    "single-az": "the function is attached to one private subnet only",
    "no-vpc": "the function has no VpcConfig",
    "no-vpc-policy": "the execution role lacks AWSLambdaVPCAccessExecutionRole",
    "no-egress": "neither interface endpoints nor NAT gateways (implies egress 'endpoints' without endpoints)",
    "endpoint-no-private-dns": "the Secrets Manager endpoint has private DNS off",
    "endpoint-no-ingress": "the endpoint group admits nothing on 443",
    "dns-support-off": "the VPC has enableDnsSupport false",
    "proxy-db-no-ingress": "the database group does not admit the proxy group (needs proxy)",
    "proxy-no-connect": "the function role is not granted rds-db:connect on the proxy (needs proxy)",
}


@dataclass(frozen=True)
class ReferenceOptions:
    """What to build. All fields have the article's defaults; validate with :meth:`validate`.

    Attributes:
        engine: "postgres" (port 5432) or "mysql" (port 3306).
        engine_version: RDS engine version; None = :data:`ENGINE_VERSIONS` (PostgreSQL 16.13, MySQL 8.4.9).
        egress: "endpoints" (interface endpoint for Secrets Manager, no NAT; the article's option B) or "nat"
            (public subnets, an internet gateway and NAT gateways; option A).
        proxy: put an RDS Proxy (IAM auth and TLS required) between the function and the database.
        trigger: "http-api" (API Gateway HTTP API, IAM authorization) or "schedule" (EventBridge rule).
        azs: number of Availability Zones, 2 or 3 (env-agnostic ``Fn::Select``/``Fn::GetAZs``).
        cidr: the VPC's IPv4 CIDR (/16 to /22; every subnet is a /24 when it fits, else split evenly).
        nat_gateways: NAT gateways with egress "nat": None = one per AZ (recommended), 1 = one shared.
        reserved_concurrency: the function's reserved concurrent executions (None: unreserved; then the
            function can open more connections than a small instance accepts without a proxy).
        schedule: EventBridge schedule expression for trigger "schedule" (e.g. "rate(5 minutes)").
        instance_type: RDS instance class without the ``db.`` prefix (e.g. "t4g.micro").
        multi_az: Multi-AZ DB instance (a standby in another AZ of the isolated subnets).
        deletion_protection: RDS deletion protection (turn off to be able to delete the stack at once).
        database_name: initial database name.
        username: master user name (the secret's ``username``; the IAM-auth user through the proxy).
        rotation_days: days between automatic rotations of the secret.
        faults: deliberate mistakes from :data:`FAULTS`, for tests only.
    """

    engine: str = "postgres"
    engine_version: str | None = None
    egress: str = "endpoints"
    proxy: bool = False
    trigger: str = "http-api"
    azs: int = 2
    cidr: str = "10.0.0.0/16"
    nat_gateways: int | None = None
    reserved_concurrency: int | None = 10
    schedule: str = "rate(5 minutes)"
    instance_type: str = "t4g.micro"
    multi_az: bool = True
    deletion_protection: bool = True
    database_name: str = "app"
    username: str = "app"
    rotation_days: int = 30
    faults: frozenset[str] = field(default_factory=frozenset)

    @property
    def port(self) -> int:
        """The database port (5432 PostgreSQL, 3306 MySQL)."""
        return ENGINE_PORTS[self.engine]

    @property
    def resolved_engine_version(self) -> str:
        """:attr:`engine_version`, or the engine's default from :data:`ENGINE_VERSIONS`."""
        return self.engine_version or ENGINE_VERSIONS[self.engine]

    def with_faults(self, *names: str) -> ReferenceOptions:
        """A copy with ``names`` added to :attr:`faults`."""
        return replace(self, faults=frozenset(self.faults) | frozenset(names))

    def validate(self) -> ReferenceOptions:
        """Return self when every option is usable.

        Raises:
            ValueError: naming the option and the accepted values.
        """
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {self.engine!r}")
        if self.engine_version is not None and not all(p.isdigit() for p in self.engine_version.split(".")[:2]):
            raise ValueError(f"engine_version must look like 16.13 or 8.4.9, not {self.engine_version!r}")
        if self.egress not in EGRESS:
            raise ValueError(f"egress must be one of {', '.join(EGRESS)}, not {self.egress!r}")
        if self.trigger not in TRIGGERS:
            raise ValueError(f"trigger must be one of {', '.join(TRIGGERS)}, not {self.trigger!r}")
        if self.azs not in (2, 3):
            raise ValueError(f"azs must be 2 or 3, not {self.azs}")
        try:
            net = ipaddress.IPv4Network(self.cidr)
        except ValueError:
            raise ValueError(f"cidr must be an IPv4 network such as 10.0.0.0/16, not {self.cidr!r}") from None
        if not 16 <= net.prefixlen <= 22:
            raise ValueError(f"cidr must be a /16 to /22 network, not /{net.prefixlen}")
        if self.nat_gateways is not None:
            if self.egress != "nat":
                raise ValueError("nat_gateways needs egress 'nat'")
            if not 1 <= self.nat_gateways <= self.azs:
                raise ValueError(f"nat_gateways must be between 1 and azs ({self.azs}), not {self.nat_gateways}")
        if self.reserved_concurrency is not None and self.reserved_concurrency < 1:
            raise ValueError("reserved_concurrency must be >= 1 (or None for unreserved)")
        if self.rotation_days < 1 or self.rotation_days > 1000:
            raise ValueError("rotation_days must be between 1 and 1000")
        if not self.database_name.isidentifier() or not self.username.isidentifier():
            raise ValueError("database_name and username must be letters, digits and underscores")
        unknown = sorted(set(self.faults) - set(FAULTS))
        if unknown:
            raise ValueError(f"unknown fault(s) {', '.join(unknown)}; known: {', '.join(FAULTS)}")
        if not self.proxy and {"proxy-db-no-ingress", "proxy-no-connect"} & set(self.faults):
            raise ValueError("faults proxy-db-no-ingress and proxy-no-connect need proxy=True")
        return self


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def options_from_strings(values: Mapping[str, str]) -> ReferenceOptions:
    """:class:`ReferenceOptions` from string values keyed by field name (CDK context, environment).

    Raises:
        ValueError: a value of the wrong type, an unknown key, or options that do not validate.
    """
    kinds = {f.name: f.type for f in fields(ReferenceOptions)}
    kwargs: dict[str, Any] = {}
    for key, raw in values.items():
        if key not in kinds or key == "faults":
            raise ValueError(f"unknown option {key!r}")
        kind = str(kinds[key])
        text = str(raw).strip()
        if kind == "bool":
            if text.lower() not in _TRUE + _FALSE:
                raise ValueError(f"{key} must be true or false, not {raw!r}")
            kwargs[key] = text.lower() in _TRUE
        elif kind == "str | None" and text.lower() in ("", "none"):
            kwargs[key] = None
        elif kind in ("int", "int | None"):
            if kind == "int | None" and text.lower() in ("", "none"):
                kwargs[key] = None
            else:
                try:
                    kwargs[key] = int(text)
                except ValueError:
                    raise ValueError(f"{key} must be an integer, not {raw!r}") from None
        else:
            kwargs[key] = text
    return ReferenceOptions(**kwargs).validate()
