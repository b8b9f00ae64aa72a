"""Several accounts and Regions in one inventory: stamp every object with its account and Region, and merge the
per-(account, Region) inventories without letting ids that collide across them merge silently.

AWS ids (``vpc-...``, ``subnet-...``) are unique in practice, but describe folders copied between accounts, test
snapshots and DB subnet group names (unique per Region only) do collide. The rule here:

- IAM roles and policies (keyed by ARNs, global) are kept once; the same id with the same content (provenance
  aside) in two accounts of one Region is one object seen twice (a subnet or transit gateway shared through AWS
  RAM): kept once; the same id in two Regions is never the same regional object;
- VPC peering connections and transit gateway peering attachments are shared objects: each side's account and
  Region describes them with the same id, so the records are combined (what one side leaves unstated, such as
  the other side's ``AllowDnsResolutionFromRemoteVpc``, is taken from the other);
- any other collision is qualified: the objects' ids become ``<id>@<account>/<region>`` (``<id>@<region>``
  without an account), every reference inside the same account and Region is rewritten to match, the objects'
  display ids are qualified too (output keeps plain AWS ids otherwise), and a warning names the collision;
  ``Inventory.ambiguous_ids`` maps the plain id to its qualified forms (so ``rdslink trace --from vpc-1`` can say
  which to pick).

Peering sides are resolved by the ``OwnerId``/``Region`` the peering states for each side (RequesterVpcInfo,
AccepterVpcInfo; RequesterTgwInfo, AccepterTgwInfo), not by where the record was read.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..model import Inventory, Provenance
from ..model.objects import TransitGatewayPeeringAttachment, VpcPeeringConnection

Scope = tuple[str | None, str | None]

#: Inventory dicts holding model objects by id (every ``dict[str, <model class>]`` field, so a kind added to the
#: Inventory later is carried through a merge too).
KINDS = tuple(f.name for f in dataclasses.fields(Inventory)
              if not f.name.startswith("_") and str(f.type).startswith("dict[str, ")
              and f.name not in ("ambiguous_ids", "construct_paths"))
#: Objects both sides describe under one id.
SHARED = ("peering_connections", "transit_gateway_peering_attachments")
#: Keyed by ARNs that already carry the account (IAM is global: the same role is read in every Region).
GLOBAL = ("roles", "managed_policies")


def scope_label(scope: Scope) -> str:
    """``<account>/<region>``, ``<region>`` or ``<account>`` (``?`` when neither is known)."""
    account, region = scope
    return "/".join(x for x in (account, region) if x) or "?"


def qualify(ident: str, scope: Scope) -> str:
    """``<id>@<account>/<region>``: the internal id of an object whose AWS id collides across scopes."""
    return f"{ident}@{scope_label(scope)}"


def stamp(inv: Inventory, account: str | None, region: str | None) -> None:
    """Set ``prov.account`` / ``prov.region`` of every object of ``inv`` (values already set are kept)."""
    for kind in KINDS:
        table: dict[str, Any] = getattr(inv, kind)
        for key, obj in list(table.items()):
            prov = getattr(obj, "prov", None)
            if not isinstance(prov, Provenance):
                continue
            new = dataclasses.replace(prov, account=prov.account or account, region=prov.region or region)
            if new != prov:
                table[key] = dataclasses.replace(obj, prov=new)


def _content(value: Any) -> Any:
    """A comparable form of a model value without its provenance."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if isinstance(value, Provenance):
            return None
        return tuple((f.name, _content(getattr(value, f.name))) for f in dataclasses.fields(value))
    if isinstance(value, (tuple, list)):
        return tuple(_content(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), repr(_content(v))) for k, v in value.items()))
    return value


def _rewrite(value: Any, ids: dict[str, str], names: dict[str, str], field_name: str = "") -> Any:
    """``value`` with every id of ``ids`` replaced (recursively through tuples and dataclasses; dicts such as a
    function's environment are left alone). ``names`` applies only to DB subnet group names."""
    if isinstance(value, str):
        if field_name in ("subnet_group", "name@dbsubnetgroup") and value in names:
            return names[value]
        return ids.get(value, value)
    if isinstance(value, tuple):
        new = tuple(_rewrite(v, ids, names, field_name) for v in value)
        return new if new != value else value
    if isinstance(value, Provenance):
        return dataclasses.replace(value, logical_id=ids[value.logical_id]) if value.logical_id in ids else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        is_group = type(value).__name__ == "DBSubnetGroup"
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            if isinstance(old, dict):
                continue
            fname = "name@dbsubnetgroup" if is_group and f.name == "name" else f.name
            new = _rewrite(old, ids, names, fname)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


def _combine(a: Any, b: Any) -> Any:
    """One record of a shared object from two views: ``a``'s values, with what ``a`` leaves unstated (None,
    empty) taken from ``b``; associations of both TGW sides kept."""
    changes = {}
    for f in dataclasses.fields(a):
        if f.name == "prov":
            continue
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if f.name == "route_table_ids":
            merged = tuple(dict.fromkeys(va + vb))
            if merged != va:
                changes[f.name] = merged
        elif (va is None or va == ()) and vb not in (None, ()):
            changes[f.name] = vb
    return dataclasses.replace(a, **changes) if changes else a


def _find_scope(scopes: list[Scope], owner: str | None, region: str | None, default: Scope) -> Scope | None:
    """The loaded scope of a peering side stated as (OwnerId, Region): same Region (the record's own when not
    stated), same account unless one of them is unknown."""
    region = region or default[1]
    owner = owner or default[0]
    hits = [s for s in scopes if s[1] == region and (s[0] is None or owner is None or s[0] == owner)]
    exact = [s for s in hits if s[0] == owner]
    found = exact or hits
    return found[0] if found else None


def merge_scopes(parts: list[tuple[Scope, Inventory]]) -> Inventory:
    """Merge per-scope inventories (each already stamped) into one, qualifying colliding ids (module doc).

    Returns the merged inventory (not indexed; its ``region`` is left to the caller)."""
    scopes = [s for s, _ in parts]
    owners: dict[tuple[str, str], list[int]] = {}
    for i, (_, inv) in enumerate(parts):
        for kind in KINDS:
            for key in getattr(inv, kind):
                owners.setdefault((kind, key), []).append(i)
    # which ids collide (different content in different scopes), per scope
    qualified: list[dict[str, str]] = [{} for _ in parts]
    group_names: list[dict[str, str]] = [{} for _ in parts]
    out = Inventory()
    for (kind, key), idx in owners.items():
        if len(idx) < 2 or kind in SHARED or kind in GLOBAL:
            continue
        objs = [getattr(parts[i][1], kind)[key] for i in idx]
        regions = {scopes[i][1] for i in idx if scopes[i][1] is not None}
        if len(regions) <= 1 and all(_content(o) == _content(objs[0]) for o in objs[1:]):
            continue  # one object seen from two accounts of its Region (shared through AWS RAM)
        labels = []
        for i in idx:
            q = qualify(key, scopes[i])
            qualified[i][key] = q
            labels.append(q)
            if kind == "db_subnet_groups":
                name = getattr(parts[i][1], kind)[key].name
                if isinstance(name, str):
                    group_names[i][name] = qualify(name, scopes[i])
        out.ambiguous_ids[key.split(":", 1)[1] if kind == "db_subnet_groups" else key] = tuple(labels)
        out.warnings.append(f"{key} names different {kind.replace('_', ' ')} in "
                            f"{', '.join(scope_label(scopes[i]) for i in idx)}: kept apart as {', '.join(labels)}")
    for i, (scope, inv) in enumerate(parts):
        ids, names = qualified[i], group_names[i]
        for kind in KINDS:
            src: dict[str, Any] = getattr(inv, kind)
            dst: dict[str, Any] = getattr(out, kind)
            for key, obj in src.items():
                if kind in SHARED:
                    obj = _resolve_sides(obj, scope, scopes, qualified)
                    dst[key] = _combine(dst[key], obj) if key in dst else obj
                    continue
                if ids or names:
                    obj = _rewrite(obj, ids, names)
                    key = ids.get(key, key)
                dst.setdefault(key, obj)
        # everything that is not an object table
        rest = Inventory()
        rest.inputs, rest.issues, rest.warnings = inv.inputs, inv.issues, inv.warnings
        rest.source_files, rest.construct_paths = inv.source_files, inv.construct_paths
        rest.missing_kinds, rest.api_calls = inv.missing_kinds, inv.api_calls
        out.merge(rest)
    return out


def _resolve_sides(obj: Any, scope: Scope, scopes: list[Scope], qualified: list[dict[str, str]]) -> Any:
    """Rewrite the VPC / TGW ids of a peering's two sides to the ids used in the scopes that own them."""
    def side(ident: Any, owner: str | None, region: str | None) -> Any:
        s = _find_scope(scopes, owner, region, scope)
        if s is None or not isinstance(ident, str):
            return ident
        return qualified[scopes.index(s)].get(ident, ident)

    if isinstance(obj, VpcPeeringConnection):
        return dataclasses.replace(
            obj, requester_vpc_id=side(obj.requester_vpc_id, obj.requester_owner_id, obj.requester_region),
            accepter_vpc_id=side(obj.accepter_vpc_id, obj.accepter_owner_id, obj.accepter_region))
    if isinstance(obj, TransitGatewayPeeringAttachment):
        own = qualified[scopes.index(scope)]
        return dataclasses.replace(
            obj, requester_tgw_id=side(obj.requester_tgw_id, obj.requester_owner_id, obj.requester_region),
            accepter_tgw_id=side(obj.accepter_tgw_id, obj.accepter_owner_id, obj.accepter_region),
            route_table_ids=tuple((own.get(t, t), own.get(r, r)) for t, r in obj.route_table_ids))
    return obj
