"""Targets: the things a function connects to (DB instance, DB cluster, RDS Proxy or proxy endpoint), with the
subnets and security groups their network interfaces may use."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import (
    DBCluster,
    DBInstance,
    DBProxy,
    DBProxyEndpoint,
    Inventory,
    Provenance,
    Unresolved,
)


@dataclass(slots=True)
class Target:
    """One connectable target.

    Attributes:
        key: model id.
        display: id shown to users (logical id / ARN).
        kind: ``db-instance``, ``db-cluster``, ``db-proxy``; ``data-api`` is decided per pair.
        addresses: endpoint DNS names (writer/reader for clusters).
        resource_ids: ids used in ``rds-db:connect`` ARNs (``db-...``, ``cluster-...``, ``prx-...``).
        arns: ARNs used by ``rds-data:*`` statements (clusters).
        master_secrets: secret ARNs/names that hold its master credentials.
        proxy: for a proxy endpoint, its proxy.
    """

    key: str
    display: str
    kind: str
    obj: DBInstance | DBCluster | DBProxy | DBProxyEndpoint
    prov: Provenance
    engine: str | None
    port: int | Unresolved | None
    addresses: set[str] = field(default_factory=set)
    resource_ids: set[str] = field(default_factory=set)
    arns: set[str] = field(default_factory=set)
    master_secrets: set[str] = field(default_factory=set)
    proxy: DBProxy | None = None
    http_endpoint: bool = False


def _s(v: object) -> str | None:
    return v if isinstance(v, str) else None


def collect_targets(inv: Inventory) -> list[Target]:
    """Every DB cluster, stand-alone DB instance (Aurora members are their cluster), proxy and proxy endpoint."""
    out: list[Target] = []
    secrets_by_target: dict[str, set[str]] = {}
    for s in inv.secrets.values():
        for tid in s.target_ids:
            if isinstance(tid, str):
                secrets_by_target.setdefault(tid, set()).update({s.arn, s.id})
    for c in inv.db_clusters.values():
        t = Target(c.id, c.prov.logical_id, "db-cluster", c, c.prov, _s(c.engine), c.port,
                   http_endpoint=c.http_endpoint)
        t.addresses.update(a for a in (c.endpoint_address, c.reader_endpoint_address) if isinstance(a, str))
        if isinstance(c.resource_id, str):
            t.resource_ids.add(c.resource_id)
        if isinstance(c.arn, str):
            t.arns.add(c.arn)
        if isinstance(c.master_secret, str):
            t.master_secrets.add(c.master_secret)
        t.master_secrets.update(secrets_by_target.get(c.id, set()))
        for d in inv.cluster_members(c):
            if isinstance(d.endpoint_address, str):
                t.addresses.add(d.endpoint_address)
            t.master_secrets.update(secrets_by_target.get(d.id, set()))
        out.append(t)
    cluster_idents = {c.identifier for c in inv.db_clusters.values()}
    for d in inv.db_instances.values():
        if d.cluster_id is not None and (d.cluster_id in cluster_idents or isinstance(d.cluster_id, Unresolved)):
            continue
        t = Target(d.id, d.prov.logical_id, "db-instance", d, d.prov, _s(d.engine), d.port)
        if isinstance(d.endpoint_address, str):
            t.addresses.add(d.endpoint_address)
        if isinstance(d.resource_id, str):
            t.resource_ids.add(d.resource_id)
        if isinstance(d.master_secret, str):
            t.master_secrets.add(d.master_secret)
        t.master_secrets.update(secrets_by_target.get(d.id, set()))
        out.append(t)
    proxies_by_name = {}
    for p in inv.db_proxies.values():
        proxies_by_name[p.name] = p
        t = Target(p.id, p.prov.logical_id, "db-proxy", p, p.prov, _s(p.engine_family), proxy_port(inv, p))
        if isinstance(p.endpoint_address, str):
            t.addresses.add(p.endpoint_address)
        if isinstance(p.resource_id, str):
            t.resource_ids.add(p.resource_id)
        if isinstance(p.arn, str):
            t.arns.add(p.arn)
        out.append(t)
    for e in inv.db_proxy_endpoints.values():
        parent = proxies_by_name.get(e.proxy_id)
        t = Target(e.id, e.prov.logical_id, "db-proxy", e, e.prov,
                   _s(parent.engine_family) if parent else None,
                   proxy_port(inv, parent) if parent else None, proxy=parent)
        if isinstance(e.endpoint_address, str):
            t.addresses.add(e.endpoint_address)
        if parent is not None and isinstance(parent.resource_id, str):
            t.resource_ids.add(parent.resource_id)
        out.append(t)
    return out


def proxy_port(inv: Inventory, proxy: DBProxy) -> int | None:
    """RDS Proxy listens on the engine family's default port (3306 MySQL, 5432 PostgreSQL, 1433 SQL Server)."""
    family = proxy.engine_family if isinstance(proxy.engine_family, str) else ""
    return {"MYSQL": 3306, "POSTGRESQL": 5432, "SQLSERVER": 1433}.get(family.upper())
