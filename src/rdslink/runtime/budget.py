"""Connection budget: can the database take one connection per concurrent Lambda execution environment?

Lambda runs one execution environment per concurrent request, and with :class:`rdslink.runtime.Database`
each environment holds one connection, so peak connections = concurrency x connections per environment.
When that exceeds what the database can spare, use RDS Proxy, which multiplexes many client connections
onto a small pool (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.html,
https://docs.aws.amazon.com/lambda/latest/dg/services-rds.html).

Used by `rdslink check` (RL603) and usable on its own.
"""

from __future__ import annotations

__all__ = ["ConcurrencyBudget", "assess_concurrency", "default_max_connections", "instance_class_memory",
           "max_connections_for"]


class ConcurrencyBudget:
    """The verdict of :func:`assess_concurrency` (all counts are connections).

    Attributes:
        max_connections: the DB's ``max_connections`` parameter.
        reserved: connections not available to clients (superuser/rdsadmin reserve, other clients).
        usable: ``headroom`` x (max_connections - reserved), rounded down.
        peak_demand: expected_concurrency x connections_per_environment.
        needs_proxy: True when peak_demand > usable.
        utilisation: peak_demand / usable (float; inf when usable is 0).
        reason: one sentence a person can act on.
    """

    __slots__ = ("max_connections", "reserved", "usable", "peak_demand", "needs_proxy", "utilisation", "reason")

    def __init__(self, *, max_connections: int, reserved: int, usable: int, peak_demand: int,
                 needs_proxy: bool, utilisation: float, reason: str) -> None:
        self.max_connections = max_connections
        self.reserved = reserved
        self.usable = usable
        self.peak_demand = peak_demand
        self.needs_proxy = needs_proxy
        self.utilisation = utilisation
        self.reason = reason

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict of every attribute."""
        return {name: getattr(self, name) for name in self.__slots__}

    def __repr__(self) -> str:
        return (f"ConcurrencyBudget(needs_proxy={self.needs_proxy}, peak_demand={self.peak_demand}, "
                f"usable={self.usable}, max_connections={self.max_connections})")


def assess_concurrency(
    max_connections: int,
    expected_concurrency: int,
    *,
    connections_per_environment: int = 1,
    reserved: int = 3,
    other_clients: int = 0,
    headroom: float = 0.8,
) -> ConcurrencyBudget:
    """Say whether RDS Proxy is needed for `expected_concurrency` Lambda environments.

    Args:
        max_connections: the DB's max_connections (see :func:`default_max_connections` for RDS defaults).
        expected_concurrency: peak concurrent executions (the function's reserved concurrency, or the
            account's unreserved concurrency limit, 1000 by default, when it has none).
        connections_per_environment: connections one environment holds (1 with ``Database``).
        reserved: connections kept for administrators (PostgreSQL ``superuser_reserved_connections``
            defaults to 3; RDS also keeps some for ``rdsadmin``).
        other_clients: connections other applications hold at the same time.
        headroom: fraction of the remaining connections the function may use (0 < headroom <= 1);
            the rest absorbs environments that are being replaced while their old connection lingers.

    Returns a :class:`ConcurrencyBudget`. Raises ValueError on negative counts or a headroom outside (0, 1].
    """
    if max_connections < 0 or expected_concurrency < 0 or connections_per_environment < 0:
        raise ValueError("connection counts and concurrency must be >= 0")
    if reserved < 0 or other_clients < 0:
        raise ValueError("reserved and other_clients must be >= 0")
    if not 0 < headroom <= 1:
        raise ValueError("headroom must be in (0, 1]")
    taken = reserved + other_clients
    usable = int(max(0, max_connections - taken) * headroom)
    demand = expected_concurrency * connections_per_environment
    utilisation = demand / usable if usable else (0.0 if demand == 0 else float("inf"))
    needs_proxy = demand > usable
    if needs_proxy:
        reason = (f"{expected_concurrency} concurrent environments x {connections_per_environment} connection(s) "
                  f"= {demand} exceeds the {usable} connections this function can use "
                  f"({headroom:.0%} of max_connections {max_connections} - {taken} reserved/other): "
                  "put RDS Proxy in front of the database or cap the function's reserved concurrency "
                  f"at {usable // max(1, connections_per_environment)}")
    else:
        reason = (f"peak {demand} connections fit in the {usable} usable "
                  f"(max_connections {max_connections}, {utilisation:.0%} used): RDS Proxy is not needed for "
                  "connection count")
    return ConcurrencyBudget(max_connections=max_connections, reserved=taken, usable=usable, peak_demand=demand,
                             needs_proxy=needs_proxy, utilisation=utilisation, reason=reason)


def default_max_connections(engine: str, memory_bytes: int) -> int:
    """The RDS default ``max_connections`` for an instance with `memory_bytes` of memory.

    Follows the default parameter-group formulas in
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections :
    PostgreSQL ``LEAST({DBInstanceClassMemory/9531392}, 5000)``, MySQL/MariaDB
    ``{DBInstanceClassMemory/12582880}``. DBInstanceClassMemory is a little below the class's nominal
    memory, so this is a slight over-estimate. `engine`: "postgres", "aurora-postgresql", "mysql",
    "mariadb", "aurora-mysql" (any case). Raises ValueError for another engine.
    """
    e = engine.lower()
    if "postgres" in e:
        return int(min(memory_bytes // 9531392, 5000))
    if "mysql" in e or "maria" in e or e == "aurora":
        return int(memory_bytes // 12582880)
    raise ValueError(f"unknown engine {engine!r}: expected a PostgreSQL, MySQL or MariaDB engine name")


_GIB = 1024**3
#: memory (GiB) by size for the burstable (t2/t3/t4g), general-purpose (m*) and memory-optimised (r*) DB instance
#: classes, from https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Summary.html
_T_SIZES = {"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}
_M_SIZES = {"large": 8, "xlarge": 16, "2xlarge": 32, "4xlarge": 64, "8xlarge": 128, "12xlarge": 192,
            "16xlarge": 256, "24xlarge": 384, "32xlarge": 512, "48xlarge": 768}
_R_SIZES = {k: 2 * v for k, v in _M_SIZES.items()}
_FAMILIES = {
    **{f: _T_SIZES for f in ("t2", "t3", "t4g")},
    **{f: _M_SIZES for f in ("m5", "m5d", "m6g", "m6gd", "m6i", "m6id", "m6in", "m6idn", "m7g", "m7gd", "m7i")},
    **{f: _R_SIZES for f in ("r5", "r5b", "r5d", "r6g", "r6gd", "r6i", "r6id", "r6in", "r6idn", "r7g", "r7gd",
                             "r7i")},
}
#: Aurora MySQL's default max_connections by instance class, from the table in
#: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Managing.Performance.html
#: (its formula uses logarithms of DBInstanceClassMemory, so the RDS MySQL formula does not apply)
_AURORA_MYSQL = {"db.t2.small": 45, "db.t2.medium": 90, "db.t3.small": 45, "db.t3.medium": 90,
                 "db.t4g.medium": 90, **{f"db.{f}.{k}": v for f in ("r5", "r6g", "r6i", "r7g") for k, v in
                                        {"large": 1000, "xlarge": 2000, "2xlarge": 3000, "4xlarge": 4000,
                                         "8xlarge": 5000, "12xlarge": 6000, "16xlarge": 6000,
                                         "24xlarge": 7000}.items()}}


def instance_class_memory(instance_class: str) -> int | None:
    """Nominal memory in bytes of an RDS DB instance class (``"db.t3.micro"`` -> 1 GiB), or None.

    Covers the t2/t3/t4g, m5-m7 and r5-r7 families (the AWS DB instance class table linked in the module);
    ``db.serverless`` and any other class give None: the caller then knows nothing and must not guess.
    """
    parts = instance_class.lower().split(".")
    if len(parts) != 3 or parts[0] != "db":
        return None
    sizes = _FAMILIES.get(parts[1])
    gib = sizes.get(parts[2]) if sizes else None
    return gib * _GIB if gib else None


def max_connections_for(engine: str, instance_class: str) -> int | None:
    """The default ``max_connections`` of `engine` on `instance_class`, or None when not known.

    RDS for PostgreSQL/MySQL/MariaDB and Aurora PostgreSQL use :func:`default_max_connections` on the class's
    nominal memory (a slight over-estimate, so a warning built on it is never too eager); Aurora MySQL uses
    AWS's published table. Other engines (SQL Server, Oracle), unknown classes and ``db.serverless`` give None.
    """
    e = engine.lower()
    if e in ("aurora", "aurora-mysql"):
        return _AURORA_MYSQL.get(instance_class.lower())
    memory = instance_class_memory(instance_class)
    if memory is None:
        return None
    try:
        return default_max_connections(e, memory)
    except ValueError:
        return None
