"""Pair discovery: which function talks to which target (ARCHITECTURE.md "Pair discovery").

Tiers, strongest first; the highest tier that yields a target wins for each function:

1. an environment variable whose value contains a target's endpoint address, or ``rds-db:connect`` /
   ``rds-data:*`` granted on that specific target;
2. an environment variable, dynamic reference or rotation naming a secret that is the target's master secret
   (a secret that is also a proxy's auth secret identifies the DB, not the proxy);
3. a security-group rule that admits the function's group into the target's group;
4. fallback: an input with exactly one function and one target and no other evidence.

An endpoint-like environment variable whose value stays unresolved (or names an RDS host that is in no
input) still makes a pair with target ``?<Name>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..findings import CheckResult, Endpoint, Hop, Status
from ..model import Inventory, LambdaFunction, Unresolved
from .iam import role_documents
from .targets import Target

_ENDPOINT_KEY = re.compile(r"(HOST|ENDPOINT|ADDRESS|ADDR|SERVER|DSN|JDBC|DB_URL|DATABASE_URL|PROXY)", re.I)
#: Variables that never hold an endpoint even when their name says HOST/ENDPOINT: secrets, other services, and
#: ports (``DB_ENDPOINT_PORT`` holds a number, never a database).
_NOT_ENDPOINT_KEY = re.compile(r"(SECRET|CERT|STS|KMS|SQS|SNS|S3|API|ROLE|ARN|RESOURCE|REGION|NAME|USER|PASS|PORT)",
                               re.I)
#: An RDS endpoint host name: <name>.<cluster-|cluster-ro-|proxy-|...><id>.<region>.rds.amazonaws.com[.cn]
_RDS_HOST = re.compile(r"(?<![/\w.-])[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*\.[a-z]{2}(-gov)?-[a-z]+-\d\.rds\.amazonaws\.com(\.cn)?",
                       re.I)


@dataclass(frozen=True, slots=True)
class PairSpec:
    """A discovered pair. ``target`` is None for an unresolved endpoint named ``unresolved``;
    ``data_api`` marks a pair through the RDS Data API; ``tier`` is the evidence tier (1-4)."""

    function: LambdaFunction
    target: Target | None
    tier: int
    evidence: str
    unresolved: str = ""
    data_api: bool = False


def _contains_host(value: str, host: str) -> bool:
    """``host`` appears in ``value`` as a whole DNS name (not inside a longer name: ``prod-orders.x`` does not
    contain ``orders.x``)."""
    start = value.find(host)
    while start != -1:
        before = value[start - 1] if start > 0 else ""
        after = value[start + len(host)] if start + len(host) < len(value) else ""
        inside_before = before != "" and (before.isalnum() or before in "-.")
        inside_after = after != "" and (after.isalnum() or after in "-_")
        if not inside_before and not inside_after:
            return True
        start = value.find(host, start + 1)
    return False


def _endpoint_key(key: str) -> bool:
    return bool(_ENDPOINT_KEY.search(key)) and not _NOT_ENDPOINT_KEY.search(key.replace("ENDPOINT", ""))


def _statements(inv: Inventory, fn: LambdaFunction) -> list[tuple[str, tuple[str | Unresolved, ...]]]:
    role = inv.role_for(fn.role_arn)
    if role is None:
        return []
    docs, _ = role_documents(inv, role)
    out = []
    for d in docs:
        for st in d.statements:
            if st.effect.lower() == "allow":
                for a in st.actions:
                    if isinstance(a, str):
                        out.append((a.lower(), st.resources))
    return out


def _tier1(inv: Inventory, fn: LambdaFunction, targets: list[Target]) -> tuple[list[PairSpec], list[PairSpec]]:
    found: dict[str, PairSpec] = {}
    unresolved: list[PairSpec] = []
    for key, value in sorted(fn.environment.items()):
        if isinstance(value, str):
            hit = False
            for t in targets:
                for addr in t.addresses:
                    if addr and _contains_host(value, addr):
                        found.setdefault(t.key, PairSpec(fn, t, 1, f"environment variable {key} = {addr}"))
                        hit = True
            if not hit and _RDS_HOST.search(value) and "{{resolve:" not in value and "://" not in value:
                name = fn.environment_sources.get(key) or _RDS_HOST.search(value).group(0)  # type: ignore[union-attr]
                unresolved.append(PairSpec(fn, None, 1, f"environment variable {key} = {value}: no input defines "
                                           "this endpoint", unresolved=name))
        elif isinstance(value, Unresolved) and key != "*" and (
            _endpoint_key(key) or _endpoint_key(fn.environment_sources.get(key, ""))
        ):
            name = fn.environment_sources.get(key) or value.name
            unresolved.append(PairSpec(fn, None, 1, f"environment variable {key} is unresolved: {value.reason}",
                                       unresolved=name))
    for action, resources in _statements(inv, fn):
        if action == "rds-db:connect" or action.startswith("rds-db:"):
            for r in resources:
                if not isinstance(r, str) or ":dbuser:" not in r:
                    continue
                rid = r.split(":dbuser:", 1)[1].split("/", 1)[0]
                if "*" in rid or "?" in rid:
                    continue
                for t in targets:
                    if rid in t.resource_ids and t.proxy is None:
                        found.setdefault(t.key, PairSpec(fn, t, 1, f"rds-db:connect on {r}"))
        if action.startswith("rds-data:"):
            for r in resources:
                if not isinstance(r, str):
                    continue
                for t in targets:
                    if t.kind == "db-cluster" and r in t.arns:
                        found[t.key] = PairSpec(fn, t, 1, f"{action} on {r}", data_api=True)
    return list(found.values()), unresolved


def _tier2(inv: Inventory, fn: LambdaFunction, targets: list[Target]) -> list[PairSpec]:
    refs: list[tuple[str, str]] = []
    for key, value in fn.environment.items():
        if isinstance(value, str) and "{{resolve:" not in value:
            refs.append((value, f"environment variable {key}"))
    for r in fn.dynamic_secret_refs:
        if isinstance(r, str):
            refs.append((r, "dynamic reference {{resolve:secretsmanager:...}}"))
    for r in fn.runtime_secrets:
        if isinstance(r, str):
            refs.append((r, "secret read at run time"))
    out: dict[str, PairSpec] = {}
    for value, why in refs:
        secret = inv.secret_for(value)
        names = {value}
        if secret is not None:
            names.update({secret.arn, secret.id})
            if isinstance(secret.name, str):
                names.add(secret.name)
        for t in targets:
            if t.kind == "db-proxy":
                continue  # a proxy's auth secret identifies the DB behind it
            if names & t.master_secrets:
                out.setdefault(t.key, PairSpec(fn, t, 2, f"{why} names the master secret of {t.display}"))
    return list(out.values())


def _tier3(inv: Inventory, fn: LambdaFunction, targets: list[Target], target_groups: dict[str, set[str]]
           ) -> list[PairSpec]:
    if fn.vpc_config is None or isinstance(fn.vpc_config.security_group_ids, Unresolved):
        return []
    mine = {g for g in fn.vpc_config.security_group_ids if isinstance(g, str)}
    out = []
    for t in targets:
        for gid in target_groups.get(t.key, set()):
            sg = inv.security_groups.get(gid)
            if sg is None:
                continue
            for rule in sg.ingress:
                if isinstance(rule.group_id, str) and rule.group_id in mine and not rule.implicit:
                    out.append(PairSpec(fn, t, 3, f"{rule.prov.logical_id} admits {rule.group_id} into {sg.prov.logical_id}"))
                    break
            else:
                continue
            break
    return out


def discover_pairs(inv: Inventory, targets: list[Target], target_groups: dict[str, set[str]]) -> list[PairSpec]:
    """All pairs, ordered by function then target display id. ``target_groups`` maps target key -> its SG ids."""
    pairs: list[PairSpec] = []
    evidence_of: dict[str, bool] = {}
    for fn in inv.functions.values():
        t1, unresolved = _tier1(inv, fn, targets)
        chosen: list[PairSpec] = []
        if t1 or unresolved:
            chosen = t1 + unresolved
        else:
            chosen = _tier2(inv, fn, targets) or _tier3(inv, fn, targets, target_groups)
        evidence_of[fn.id] = bool(chosen)
        pairs.extend(chosen)
    # tier 4: per input, exactly one function and one target and no other evidence
    by_input_fns: dict[str, list[LambdaFunction]] = {}
    for fn in inv.functions.values():
        by_input_fns.setdefault(fn.prov.input, []).append(fn)
    by_input_targets: dict[str, list[Target]] = {}
    for t in targets:
        by_input_targets.setdefault(t.prov.input, []).append(t)
    for inp, fns in by_input_fns.items():
        ts = by_input_targets.get(inp, [])
        if len(fns) == 1 and len(ts) == 1 and not evidence_of.get(fns[0].id):
            pairs.append(PairSpec(fns[0], ts[0], 4, "the input defines exactly one function and one database "
                                  "and nothing else links them"))
    pairs.sort(key=lambda p: (p.function.prov.logical_id, p.target.display if p.target else "?" + p.unresolved))
    return pairs


def function_matches(fn: LambdaFunction, want: str) -> bool:
    """``--function`` matching: model id/ARN, (qualified) logical id, function name, or ``.../<want>``."""
    return want in (fn.id, fn.prov.logical_id, fn.name) or fn.prov.logical_id.endswith("/" + want)


def target_matches(t: Target, want: str) -> bool:
    """``--target`` matching: model id/ARN, display id, DB identifier / proxy name, or ``.../<want>``."""
    ident = getattr(t.obj, "identifier", None) or getattr(t.obj, "name", None)
    return want in (t.key, t.display, ident) or t.display.endswith("/" + want) or want in t.addresses


def explicit_pairs(inv: Inventory, targets: list[Target], functions: list[str], target_ids: list[str]
                   ) -> tuple[list[PairSpec], list[str]]:
    """Pairs named with ``--function``/``--target`` (ids, logical ids, names or ARNs); returns (pairs, errors)."""
    errors: list[str] = []
    fn_matches, t_matches = function_matches, target_matches
    fns = [f for f in inv.functions.values() if not functions or any(fn_matches(f, w) for w in functions)]
    for w in functions:
        if not any(fn_matches(f, w) for f in inv.functions.values()):
            errors.append(f"--function {w}: no such function in the inputs")
    ts = [t for t in targets if not target_ids or any(t_matches(t, w) for w in target_ids)]
    if functions and target_ids:
        out = [PairSpec(f, t, 0, "named on the command line") for f in fns for t in ts]
        return out + external_target_pairs(inv, targets, functions, target_ids), errors
    return [], errors


def external_target_pairs(inv: Inventory, targets: list[Target], functions: list[str], target_ids: list[str]
                          ) -> list[PairSpec]:
    """Pairs for ``--target`` values that name no database of the inputs (an endpoint address or an identifier
    of a database defined elsewhere): each function (those named with ``--function``, else every function) is
    paired with the unresolved target ``?<value>``, which analysis reports as UNKNOWN with RL002; the
    database's network then has to come from ``--account``/``--live``."""
    out: list[PairSpec] = []
    fns = [f for f in inv.functions.values() if not functions or any(function_matches(f, w) for w in functions)]
    known = sorted(t.display for t in targets)
    for w in target_ids:
        if any(target_matches(t, w) for t in targets):
            continue
        have = f" (the inputs define: {', '.join(known[:8])}{', ...' if len(known) > 8 else ''})" if known else ""
        for f in fns:
            out.append(PairSpec(f, None, 0, f"--target {w} names a database that no input defines{have}; "
                                "pass --account DIR or --live to read its network", unresolved=w))
    return out


#: What to pass when a function has nothing to be checked against (issue 11, item 4).
ACCOUNT_HINT = ("pass --account DIR (a describe-* folder) or --live to read them from the account, or "
                "--target ENDPOINT|IDENTIFIER to name its database")


def _external_ids(inv: Inventory, ids: object, table: dict[str, object]) -> list[str]:
    if isinstance(ids, Unresolved):
        return [f"?{ids.name}"]
    out: list[str] = []
    item: object
    for item in tuple(ids or ()):  # type: ignore[arg-type]
        if isinstance(item, Unresolved):
            out.append(f"?{item.name}")
        elif isinstance(item, str) and item not in table:
            out.append(item)
    return out


def unchecked_functions(inv: Inventory, paired: set[str], functions: list[str]
                        ) -> list[tuple[LambdaFunction, list[str], str]]:
    """VPC-attached functions that ended in no pair (nothing to check them against).

    A run that checks nothing for such a function must not look like a success: each one is returned with
    evidence naming what is missing (the database it talks to, and its subnets / security groups when they
    are external ids that no input describes) and the ``--account/--live/--target`` hint.

    Args:
        inv: the indexed inventory.
        paired: model ids of the functions that appear in some pair.
        functions: ``--function`` filters (only matching functions are considered when given).

    Returns:
        (function, external ids, evidence) for every VPC-attached function (with at least one subnet, or subnets that are
        unresolved) that is in no pair, in logical-id order.
    """
    out = []
    for fn in sorted(inv.functions.values(), key=lambda f: f.prov.logical_id):
        if fn.id in paired or fn.vpc_config is None:
            continue
        if functions and not any(function_matches(fn, w) for w in functions):
            continue
        subnets = fn.vpc_config.subnet_ids
        if not isinstance(subnets, Unresolved) and not tuple(subnets or ()):
            continue  # VpcConfig without subnets: not attached
        missing = ["no database, cluster or proxy of the inputs is linked to it (no endpoint, secret, "
                   "rds-db:connect or security-group rule names one)"]
        ext_subnets = _external_ids(inv, subnets, inv.subnets)  # type: ignore[arg-type]
        ext_groups = _external_ids(inv, fn.vpc_config.security_group_ids, inv.security_groups)  # type: ignore[arg-type]
        if ext_subnets:
            missing.append(f"its subnets {', '.join(ext_subnets)} are in no input")
        if ext_groups:
            missing.append(f"its security groups {', '.join(ext_groups)} are in no input")
        out.append((fn, [i for i in ext_subnets + ext_groups if not i.startswith("?")],
                    f"{fn.prov.logical_id} ({fn.prov.where()}) is attached to a VPC but nothing was checked "
                        f"for it: {'; '.join(missing)}; {ACCOUNT_HINT}"))
    return out


def construct_path_alias(inv: Inventory, want: str) -> str:
    """``--function``/``--target`` given as a CDK construct path (``App/Api`` or ``App/Api/Resource``, from the
    ``aws:cdk:path`` metadata of a cloud assembly) -> the qualified logical id of that resource; any other
    value is returned unchanged."""
    for (_, logical), path in inv.construct_paths.items():
        if want in (path, path.removesuffix("/Resource")) and path != "":
            return logical
    return want


def name_by_construct_path(result: CheckResult, inv: Inventory) -> None:
    """Prefix each pair's ``pair`` hop evidence with the CDK construct paths of its function and target (cloud
    assemblies), so pairs read as the CDK app names them as well as by logical id. Modifies ``result``."""
    if not inv.construct_paths:
        return

    def path_of(ep: Endpoint) -> str | None:
        p = inv.construct_paths.get((ep.source, ep.id))
        return p.removesuffix("/Resource") if p else None

    for pair in result.pairs:
        fpath, tpath = path_of(pair.function), path_of(pair.target)
        if not (fpath or tpath):
            continue
        label = f"construct paths: {fpath or pair.function.id} -> {tpath or pair.target.id}"
        for i, hop in enumerate(pair.hops):
            if hop.name == "pair" or i == len(pair.hops) - 1:
                pair.hops[i] = replace(hop, evidence=f"{label}; {hop.evidence}" if hop.evidence else label)
                break
        else:
            pair.hops.insert(0, Hop("pair", Status.OPEN, (pair.function.id, pair.target.id), label))


def mark_account_evidence(result: CheckResult, account_ids: set[str]) -> None:
    """Append ``(from the account: <ids>)`` to the evidence of every hop decided on objects taken from the
    account (``--account``/``--live`` with templates), so the user sees which values were not in the inputs.
    Modifies ``result``."""
    if not account_ids:
        return
    for pair in result.pairs:
        for i, hop in enumerate(pair.hops):
            used = sorted({r for r in hop.resources if r in account_ids})
            if used:
                pair.hops[i] = replace(hop, evidence=f"{hop.evidence} (from the account: {', '.join(used)})")
