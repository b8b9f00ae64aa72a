"""Pair discovery (rdslink.analysis.pairs, ARCHITECTURE.md "Pair discovery") on hand-built inventories: which
function is paired with which database, on which evidence tier, and what ``--function``/``--target`` select.

Tiers, strongest first, the highest one that yields something wins per function: 1 an endpoint in the environment
or ``rds-db:connect``/``rds-data:*`` on the database, 2 the database's master secret, 3 a security-group rule
admitting the function's group into the database's, 4 an input with exactly one function and one database."""

from __future__ import annotations

import ipaddress

import pytest

from rdslink.analysis.pairs import (
    PairSpec,
    construct_path_alias,
    discover_pairs,
    explicit_pairs,
    external_target_pairs,
    function_matches,
    mark_account_evidence,
    name_by_construct_path,
    target_matches,
    unchecked_functions,
)
from rdslink.analysis.targets import Target, collect_targets
from rdslink.findings import CheckResult, Endpoint, Hop, PairResult, Status, Verdict
from rdslink.model import (
    DBCluster,
    DBInstance,
    DBProxy,
    Inventory,
    LambdaFunction,
    PolicyDocument,
    PortRange,
    Provenance,
    Role,
    Secret,
    SecurityGroup,
    SecurityGroupRule,
    Statement,
    Subnet,
    Unresolved,
    VpcConfig,
)

HOST = "orders.abc123.us-east-1.rds.amazonaws.com"
OTHER_HOST = "billing.abc123.us-east-1.rds.amazonaws.com"


def P(x: str, inp: str = "app.yaml") -> Provenance:
    return Provenance(inp, x, input=inp)


def fn(logical: str = "Orders", env: dict[str, object] | None = None, groups: object = ("sg-fn",),
       role: str = "arn:aws:iam::123456789012:role/orders", inp: str = "app.yaml", vpc: bool = True,
       sources: dict[str, str] | None = None, subnets: object = ("subnet-1",)) -> LambdaFunction:
    return LambdaFunction(f"arn:fn:{logical}", logical.lower(), role,
                          VpcConfig(subnets, groups) if vpc else None, dict(env or {}),  # type: ignore[arg-type]
                          P(logical, inp), environment_sources=dict(sources or {}))


def db(logical: str = "OrdersDb", host: str = HOST, inp: str = "app.yaml", secret: str | None = None,
       resource_id: str = "db-ABC") -> DBInstance:
    return DBInstance(f"id-{logical}", logical.lower(), "postgres", 5432, host, "dbs", ("sg-db",), False,
                      P(logical, inp), resource_id=resource_id, master_secret=secret)


def role(*statements: tuple[str, str]) -> Role:
    sts = tuple(Statement("Allow", (a,), (r,), P("st")) for a, r in statements)
    return Role("orders-role", "arn:aws:iam::123456789012:role/orders", "orders", (PolicyDocument("p", sts),), (),
                P("Role"))


def inventory(*objs: object) -> Inventory:
    inv = Inventory()
    for o in objs:
        if isinstance(o, LambdaFunction):
            inv.functions[o.id] = o
        elif isinstance(o, DBInstance):
            inv.db_instances[o.id] = o
        elif isinstance(o, DBCluster):
            inv.db_clusters[o.id] = o
        elif isinstance(o, DBProxy):
            inv.db_proxies[o.id] = o
        elif isinstance(o, Role):
            inv.roles[o.id] = o
        elif isinstance(o, Secret):
            inv.secrets[o.id] = o
        elif isinstance(o, SecurityGroup):
            inv.security_groups[o.id] = o
    inv.index()
    return inv


def pairs(inv: Inventory) -> list[tuple[str, str, int]]:
    targets = collect_targets(inv)
    groups = {t.key: set(getattr(t.obj, "security_group_ids", ())) for t in targets}
    return [(p.function.prov.logical_id, p.target.display if p.target else f"?{p.unresolved}", p.tier)
            for p in discover_pairs(inv, targets, groups)]


def specs(inv: Inventory) -> list[PairSpec]:
    targets = collect_targets(inv)
    return discover_pairs(inv, targets, {t.key: set(getattr(t.obj, "security_group_ids", ())) for t in targets})


# ---- tier 1: the environment names the endpoint ------------------------------------------------------------

def test_endpoint_in_the_environment_pairs_that_database_only() -> None:
    inv = inventory(fn(env={"DB_HOST": HOST, "LOG_LEVEL": "debug"}), db(), db("BillingDb", OTHER_HOST))
    assert pairs(inv) == [("Orders", "OrdersDb", 1)]
    [s] = specs(inv)
    assert s.evidence == f"environment variable DB_HOST = {HOST}" and not s.data_api


def test_endpoints_in_several_variables_pair_each_database_once_in_display_order() -> None:
    inv = inventory(fn(env={"A_URL": f"postgresql://{OTHER_HOST}:5432/x", "B_HOST": HOST, "C_HOST": HOST}), db(),
                    db("BillingDb", OTHER_HOST))
    assert pairs(inv) == [("Orders", "BillingDb", 1), ("Orders", "OrdersDb", 1)]


def test_an_rds_host_no_input_defines_is_an_unresolved_target() -> None:
    inv = inventory(fn(env={"DB_HOST": OTHER_HOST}), db())
    assert pairs(inv) == [("Orders", f"?{OTHER_HOST}", 1)]
    [s] = specs(inv)
    assert s.target is None and "no input defines this endpoint" in s.evidence
    # named after the parameter the value came from, when known
    inv = inventory(fn(env={"DB_HOST": OTHER_HOST}, sources={"DB_HOST": "DbHostParam"}), db())
    assert pairs(inv) == [("Orders", "?DbHostParam", 1)]


def test_hosts_inside_urls_and_dynamic_references_are_not_guessed() -> None:
    inv = inventory(fn(env={"DB_URL": f"postgresql://{OTHER_HOST}/x",
                            "DB_HOST": "{{resolve:ssm:/db/" + OTHER_HOST + "}}"}))
    assert pairs(inv) == []


@pytest.mark.parametrize("key", ["DB_HOST", "DATABASE_ENDPOINT", "PROXY_ADDRESS", "JDBC_URL"])
def test_an_unresolved_endpoint_variable_is_an_unresolved_target(key: str) -> None:
    inv = inventory(fn(env={key: Unresolved("DbEndpoint", "parameter DbEndpoint has no value")}), db(), db("B", OTHER_HOST))
    assert pairs(inv) == [("Orders", "?DbEndpoint", 1)]
    [s] = specs(inv)
    assert s.evidence == f"environment variable {key} is unresolved: parameter DbEndpoint has no value"


@pytest.mark.parametrize("key", ["DB_SECRET_ARN", "DB_PORT", "DB_USER", "LOG_LEVEL", "QUEUE_URL", "*"])
def test_other_unresolved_variables_make_no_pair(key: str) -> None:
    inv = inventory(fn(env={key: Unresolved("X", "x")}), db(), db("B", OTHER_HOST))
    assert pairs(inv) == []


def test_an_unresolved_variable_whose_source_names_an_endpoint_is_an_unresolved_target() -> None:
    inv = inventory(fn(env={"CONN": Unresolved("Stack.Outputs.DbEndpoint", "x")}, sources={"CONN": "DbEndpoint"}),
                    db(), db("B", OTHER_HOST))
    assert pairs(inv) == [("Orders", "?DbEndpoint", 1)]


# ---- tier 1: IAM on the database ---------------------------------------------------------------------------

def test_rds_db_connect_on_the_database_resource_id_pairs_it() -> None:
    r = role(("rds-db:connect", "arn:aws:rds-db:us-east-1:123456789012:dbuser:db-ABC/app"))
    inv = inventory(fn(), db(), db("BillingDb", OTHER_HOST, resource_id="db-XYZ"), r)
    assert pairs(inv) == [("Orders", "OrdersDb", 1)]
    [s] = specs(inv)
    assert "rds-db:connect on arn:aws:rds-db" in s.evidence


def test_any_rds_db_action_on_the_database_pairs_it() -> None:
    r = role(("rds-db:*", "arn:aws:rds-db:us-east-1:123456789012:dbuser:db-ABC/app"))
    inv = inventory(fn(), db(), db("BillingDb", OTHER_HOST, resource_id="db-XYZ"), r)
    assert pairs(inv) == [("Orders", "OrdersDb", 1)]


@pytest.mark.parametrize("resource", ["arn:aws:rds-db:us-east-1:123456789012:dbuser:*/app",
                                      "arn:aws:rds-db:us-east-1:123456789012:dbuser:db-AB?/app",
                                      "arn:aws:rds:us-east-1:123456789012:db:orders", "*"])
def test_rds_db_connect_on_a_wildcard_or_other_resource_names_no_database(resource: str) -> None:
    inv = inventory(fn(), db(), db("BillingDb", OTHER_HOST, resource_id="db-XYZ"), role(("rds-db:connect", resource)))
    assert pairs(inv) == []


def test_rds_data_on_a_cluster_arn_is_a_data_api_pair() -> None:
    cluster = DBCluster("cl-1", "orders", "aurora-postgresql", 5432, "orders.cluster-abc.us-east-1.rds.amazonaws.com",
                        "orders.cluster-ro-abc.us-east-1.rds.amazonaws.com", "dbs", ("sg-db",), P("Cluster"),
                        arn="arn:aws:rds:us-east-1:123456789012:cluster:orders", http_endpoint=True)
    other = DBCluster("cl-2", "billing", "aurora-postgresql", 5432, "billing.cluster-abc.us-east-1.rds.amazonaws.com",
                      None, "dbs", ("sg-db",), P("Billing"), arn="arn:aws:rds:us-east-1:123456789012:cluster:billing")
    inv = inventory(fn(), cluster, other,
                    role(("rds-data:ExecuteStatement", "arn:aws:rds:us-east-1:123456789012:cluster:orders")))
    [s] = specs(inv)
    assert (s.target and s.target.display, s.tier, s.data_api) == ("Cluster", 1, True)


def test_deny_statements_name_no_database() -> None:
    r = Role("orders-role", "arn:aws:iam::123456789012:role/orders", "orders", (PolicyDocument("p", (
        Statement("Deny", ("rds-db:connect",), ("arn:aws:rds-db:us-east-1:1:dbuser:db-ABC/app",), P("st")),)),), (),
        P("Role"))
    inv = inventory(fn(), db(), db("BillingDb", OTHER_HOST, resource_id="db-XYZ"), r)
    assert pairs(inv) == []


# ---- tier 2: the master secret -----------------------------------------------------------------------------

def test_the_master_secret_in_the_environment_pairs_its_database() -> None:
    secret = Secret("sec-1", "arn:aws:secretsmanager:us-east-1:1:secret:orders-AbCdEf", "orders", P("Secret"))
    inv = inventory(fn(env={"DB_SECRET_ARN": "orders"}), db(secret="arn:aws:secretsmanager:us-east-1:1:secret:orders-AbCdEf"),
                    db("BillingDb", OTHER_HOST, secret="arn:other"), secret)
    assert pairs(inv) == [("Orders", "OrdersDb", 2)]
    [s] = specs(inv)
    assert s.evidence == "environment variable DB_SECRET_ARN names the master secret of OrdersDb"


def test_a_secret_attached_to_the_database_counts_as_its_master_secret() -> None:
    secret = Secret("sec-1", "arn:aws:secretsmanager:us-east-1:1:secret:orders-AbCdEf", "orders", P("Secret"),
                    target_ids=("id-OrdersDb",))
    inv = inventory(fn(env={"DB_SECRET_ARN": secret.arn}), db(), db("BillingDb", OTHER_HOST), secret)
    assert pairs(inv) == [("Orders", "OrdersDb", 2)]


def test_a_secret_read_at_run_time_or_by_dynamic_reference_pairs_its_database() -> None:
    base = fn()
    for f in (LambdaFunction(base.id, base.name, base.role_arn, base.vpc_config, {}, base.prov,
                             runtime_secrets=("arn:orders-secret",)),
              LambdaFunction(base.id, base.name, base.role_arn, base.vpc_config, {}, base.prov,
                             dynamic_secret_refs=("arn:orders-secret",))):
        inv = inventory(f, db(secret="arn:orders-secret"), db("BillingDb", OTHER_HOST, secret="arn:other"))
        assert pairs(inv) == [("Orders", "OrdersDb", 2)]


def test_a_dynamic_reference_in_a_variable_is_not_a_secret_name() -> None:
    inv = inventory(fn(env={"PASSWORD": "{{resolve:secretsmanager:arn:orders-secret}}"}),
                    db(secret="{{resolve:secretsmanager:arn:orders-secret}}"), db("BillingDb", OTHER_HOST))
    assert pairs(inv) == []


def test_the_proxy_auth_secret_identifies_the_database_not_the_proxy() -> None:
    proxy = DBProxy("prx-1", "orders-proxy", "arn:proxy", "prx-1", "POSTGRESQL", "orders-proxy.proxy-abc.us-east-1.rds.amazonaws.com",
                    ("subnet-1",), ("sg-proxy",), False, (), "arn:role", P("Proxy"))
    secret = Secret("sec-1", "arn:orders-secret", "orders", P("Secret"), target_ids=("id-OrdersDb", "prx-1"))
    inv = inventory(fn(env={"SECRET": "arn:orders-secret"}), db(), db("BillingDb", OTHER_HOST), proxy, secret)
    assert pairs(inv) == [("Orders", "OrdersDb", 2)]


def test_a_stronger_tier_wins() -> None:
    inv = inventory(fn(env={"DB_HOST": OTHER_HOST, "SECRET": "arn:orders-secret"}), db(secret="arn:orders-secret"),
                    db("BillingDb", OTHER_HOST))
    assert pairs(inv) == [("Orders", "BillingDb", 1)]


# ---- tier 3: a security-group rule ---------------------------------------------------------------------------

def _db_group(*rules: SecurityGroupRule) -> SecurityGroup:
    return SecurityGroup("sg-db", "vpc-1", "db", rules, (), P("DbSg"))


def _rule(group: str, implicit: bool = False) -> SecurityGroupRule:
    return SecurityGroupRule("ingress", "tcp", PortRange(5432, 5432), P("DbSgIngress"), group_id=group,
                             implicit=implicit)


def test_a_rule_admitting_the_function_group_pairs_the_database() -> None:
    inv = inventory(fn(), db(), _db_group(_rule("sg-other"), _rule("sg-fn")),
                    DBInstance("id-B", "b", "postgres", 5432, OTHER_HOST, "dbs", ("sg-none",), False, P("BillingDb")))
    assert pairs(inv) == [("Orders", "OrdersDb", 3)]
    [s] = specs(inv)
    assert s.evidence == "DbSgIngress admits sg-fn into DbSg"


def test_any_group_of_the_database_may_admit_the_function() -> None:
    """Every group of the database is looked at, not only the first (the groups are a set: no order)."""
    others = [SecurityGroup(f"sg-{i}", "vpc-1", f"g{i}", (_rule("sg-other"),), (), P(f"Sg{i}")) for i in range(20)]
    target = DBInstance("id-OrdersDb", "ordersdb", "postgres", 5432, HOST, "dbs",
                        tuple(g.id for g in others) + ("sg-db",), False, P("OrdersDb"))
    other = DBInstance("id-B", "b", "postgres", 5432, OTHER_HOST, "dbs", ("sg-none",), False, P("BillingDb"))
    inv = inventory(fn(), target, other, _db_group(_rule("sg-fn")), *others)
    assert pairs(inv) == [("Orders", "OrdersDb", 3)]


def test_implicit_rules_and_unresolved_function_groups_pair_nothing() -> None:
    other = DBInstance("id-B", "b", "postgres", 5432, OTHER_HOST, "dbs", ("sg-none",), False, P("BillingDb"))
    assert pairs(inventory(fn(), db(), _db_group(_rule("sg-fn", implicit=True)), other)) == []
    assert pairs(inventory(fn(groups=Unresolved("G", "x")), db(), _db_group(_rule("sg-fn")), other)) == []
    assert pairs(inventory(fn(vpc=False), db(), _db_group(_rule("sg-fn")), other)) == []


# ---- tier 4: one function and one database in an input -----------------------------------------------------

def test_one_function_and_one_database_in_an_input_are_a_pair() -> None:
    inv = inventory(fn(), db())
    assert pairs(inv) == [("Orders", "OrdersDb", 4)]


def test_tier_4_is_per_input_and_needs_exactly_one_of_each() -> None:
    assert pairs(inventory(fn(), db(inp="other.yaml"))) == []
    assert pairs(inventory(fn(), fn("Billing"), db())) == []
    assert pairs(inventory(fn(), db(), db("BillingDb", OTHER_HOST))) == []
    # a function with evidence elsewhere is not paired by tier 4 as well
    assert pairs(inventory(fn(env={"DB_HOST": OTHER_HOST}), db())) == [("Orders", f"?{OTHER_HOST}", 1)]


def test_pairs_are_ordered_by_function_then_target() -> None:
    inv = inventory(fn("Zeta", env={"H": HOST}), fn("Alpha", env={"H": OTHER_HOST, "I": HOST}), db(),
                    db("BillingDb", OTHER_HOST))
    assert pairs(inv) == [("Alpha", "BillingDb", 1), ("Alpha", "OrdersDb", 1), ("Zeta", "OrdersDb", 1)]


# ---- --function / --target ---------------------------------------------------------------------------------

def _target(inv: Inventory, display: str) -> Target:
    return next(t for t in collect_targets(inv) if t.display == display)


def test_function_and_target_matching() -> None:
    f = fn("Nested/Orders")
    assert all(function_matches(f, w) for w in ("arn:fn:Nested/Orders", "Nested/Orders", "nested/orders", "Orders"))
    assert not any(function_matches(f, w) for w in ("ders", "Nested", "rders"))
    inv = inventory(db("Stack/OrdersDb"))
    t = _target(inv, "Stack/OrdersDb")
    assert all(target_matches(t, w) for w in ("id-Stack/OrdersDb", "Stack/OrdersDb", "stack/ordersdb", "OrdersDb", HOST))
    assert not any(target_matches(t, w) for w in ("Db", "Stack", "abc123.us-east-1.rds.amazonaws.com"))


def test_explicit_pairs_need_both_options_and_report_unknown_functions() -> None:
    inv = inventory(fn(), fn("Billing"), db(), db("BillingDb", OTHER_HOST))
    targets = collect_targets(inv)
    out, errors = explicit_pairs(inv, targets, ["Orders"], ["BillingDb"])
    assert [(p.function.prov.logical_id, p.target and p.target.display, p.tier) for p in out] == [
        ("Orders", "BillingDb", 0)] and errors == []
    out, errors = explicit_pairs(inv, targets, ["Orders"], [])
    assert out == [] and errors == []
    out, errors = explicit_pairs(inv, targets, ["Nope", "Orders"], ["OrdersDb"])
    assert errors == ["--function Nope: no such function in the inputs"]
    assert [(p.function.prov.logical_id, p.target and p.target.display) for p in out] == [("Orders", "OrdersDb")]


def test_a_target_no_input_defines_is_paired_with_each_selected_function() -> None:
    inv = inventory(fn(), fn("Billing"), db())
    targets = collect_targets(inv)
    out = external_target_pairs(inv, targets, ["Billing"], ["OrdersDb", OTHER_HOST])
    assert [(p.function.prov.logical_id, p.target, p.unresolved) for p in out] == [("Billing", None, OTHER_HOST)]
    assert "the inputs define: OrdersDb" in out[0].evidence and "--account" in out[0].evidence
    out = external_target_pairs(inv, targets, [], [OTHER_HOST])
    assert sorted(p.function.prov.logical_id for p in out) == ["Billing", "Orders"]
    out, _ = explicit_pairs(inv, targets, ["Orders"], [OTHER_HOST])
    assert [(p.target, p.unresolved) for p in out] == [(None, OTHER_HOST)]


def test_the_list_of_known_targets_is_cut_after_eight() -> None:
    inv = inventory(fn(), *[db(f"Db{i}", f"db{i}.abc.us-east-1.rds.amazonaws.com") for i in range(9)])
    [p] = external_target_pairs(inv, collect_targets(inv), [], [OTHER_HOST])
    assert "Db7, ..." in p.evidence and "Db8" not in p.evidence
    inv = inventory(fn())
    [p] = external_target_pairs(inv, collect_targets(inv), [], [OTHER_HOST])
    assert "the inputs define" not in p.evidence


# ---- functions with nothing to check -----------------------------------------------------------------------

def test_unpaired_vpc_functions_are_listed_with_what_is_missing() -> None:
    inv = inventory(fn("Zeta"), fn("Alpha", groups=("sg-gone", Unresolved("G", "x")), subnets=("subnet-gone",)),
                    fn("Paired"), fn("NoVpc", vpc=False), fn("NoSubnets", subnets=()),
                    fn("Unresolved", subnets=Unresolved("Subnets", "x")))
    inv.subnets["subnet-1"] = Subnet("subnet-1", "vpc-1", ipaddress.ip_network("10.0.1.0/24"), "a", P("S"))
    inv.security_groups["sg-fn"] = SecurityGroup("sg-fn", "vpc-1", "fn", (), (), P("FnSg"))
    out = unchecked_functions(inv, {"arn:fn:Paired"}, [])
    assert [f.prov.logical_id for f, _, _ in out] == ["Alpha", "Unresolved", "Zeta"]
    alpha, unresolved, zeta = out
    assert alpha[1] == ["subnet-gone", "sg-gone"]
    assert "its subnets subnet-gone are in no input" in alpha[2] and "security groups sg-gone, ?G" in alpha[2]
    assert unresolved[1] == [] and "its subnets ?Subnets are in no input" in unresolved[2]
    assert zeta[1] == [] and "in no input" not in zeta[2] and "--target" in zeta[2]
    assert [f.prov.logical_id for f, _, _ in unchecked_functions(inv, set(), ["Zeta"])] == ["Zeta"]


# ---- CDK construct paths and account evidence --------------------------------------------------------------

def _result(*hops: Hop) -> CheckResult:
    r = CheckResult()
    r.pairs.append(PairResult(Endpoint("Orders", source="app.yaml"), Endpoint("OrdersDb", source="app.yaml"),
                              Verdict.REACHABLE, list(hops)))
    return r


def test_construct_paths_name_pairs_and_select_resources() -> None:
    inv = Inventory()
    inv.construct_paths = {("app.yaml", "Orders"): "App/Api/Resource", ("app.yaml", "OrdersDb"): "App/Db",
                           ("app.yaml", "Empty"): ""}
    assert construct_path_alias(inv, "App/Api") == "Orders"
    assert construct_path_alias(inv, "App/Api/Resource") == "Orders"
    assert construct_path_alias(inv, "App/Db") == "OrdersDb"
    assert construct_path_alias(inv, "") == "" and construct_path_alias(inv, "Other") == "Other"
    r = _result(Hop("pair", Status.OPEN, (), "tier 1"), Hop("sg", Status.OPEN, (), "x"))
    name_by_construct_path(r, inv)
    assert r.pairs[0].hops[0].evidence == "construct paths: App/Api -> App/Db; tier 1"
    assert r.pairs[0].hops[1].evidence == "x"
    r = _result()
    name_by_construct_path(r, inv)
    assert [(h.name, h.evidence) for h in r.pairs[0].hops] == [("pair", "construct paths: App/Api -> App/Db")]
    r = _result(Hop("sg", Status.OPEN, (), ""))  # no pair hop: the last hop carries the label
    name_by_construct_path(r, inv)
    assert r.pairs[0].hops[0].evidence == "construct paths: App/Api -> App/Db"
    plain = _result(Hop("pair", Status.OPEN, (), "tier 1"))
    name_by_construct_path(plain, Inventory())
    assert plain.pairs[0].hops[0].evidence == "tier 1"


def test_hops_decided_on_account_objects_say_so() -> None:
    r = _result(Hop("sg", Status.OPEN, ("sg-2", "sg-1", "Local"), "open"), Hop("nacl", Status.OPEN, ("Local",), "ok"))
    mark_account_evidence(r, {"sg-1", "sg-2"})
    assert [h.evidence for h in r.pairs[0].hops] == ["open (from the account: sg-1, sg-2)", "ok"]
    r = _result(Hop("sg", Status.OPEN, ("sg-1",), "open"))
    mark_account_evidence(r, set())
    assert r.pairs[0].hops[0].evidence == "open"
