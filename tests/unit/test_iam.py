"""Identity-policy evaluation (rdslink.analysis.iam): wildcard_match and evaluate over hand-built roles."""

from __future__ import annotations

import pytest

from rdslink.analysis.iam import evaluate, wildcard_match
from rdslink.findings import Status
from rdslink.model import Inventory, ManagedPolicy, PolicyDocument, Provenance, Role, Statement, Unresolved

PV = Provenance("t.yaml", "Role", line=7)
ENI = "ec2:CreateNetworkInterface"
PROXY = "arn:aws:rds-db:us-east-1:123456789012:dbuser:prx-0abc"


def st(effect: str = "Allow", actions: tuple = (), resources: tuple = ("*",), *, not_actions: tuple = (),
       not_resources: tuple = (), condition: bool = False) -> Statement:
    return Statement(effect, tuple(actions), tuple(resources), PV, tuple(not_actions), tuple(not_resources),
                     condition)


def role(*docs: PolicyDocument, managed: tuple = (), boundary: str | None = None, name: str = "fn-role") -> Role:
    return Role(id=f"arn:aws:iam::123456789012:role/{name}", arn=f"arn:aws:iam::123456789012:role/{name}",
                name=name, inline_policies=tuple(docs), managed_policy_arns=tuple(managed), prov=PV,
                permissions_boundary=boundary)


def doc(name: str, *statements: Statement) -> PolicyDocument:
    return PolicyDocument(name, tuple(statements))


def decide(r: Role, action: str = ENI, resource: str = "*", inv: Inventory | None = None,
           prefix: str | None = None) -> Status:
    return evaluate(inv or Inventory(), r, action, resource, prefix).status


# ---- wildcard_match -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "ignore_case", "expected"),
    [
        ("ec2:*", ENI, False, True),
        ("*", "anything:at-all", False, True),
        ("ec2:Create*", ENI, False, True),
        ("ec2:Describe*", ENI, False, False),
        ("ec2:?reateNetworkInterface", ENI, False, True),
        ("ec2:?NetworkInterface", ENI, False, False),  # ? is exactly one character
        ("ec2:createnetworkinterface", ENI, True, True),
        ("ec2:createnetworkinterface", ENI, False, False),
        ("ec2:Create", ENI, False, False),  # whole value, not a prefix
        ("reateNetworkInterface", ENI, False, False),  # whole value, not a suffix
        ("arn:aws:s3:::a.b", "arn:aws:s3:::axb", False, False),  # regex metacharacters are literal
        ("arn:aws:s3:::a+b", "arn:aws:s3:::a+b", False, True),
        (f"{PROXY}/*", f"{PROXY}/app_user", False, True),
        (f"{PROXY}/*", "arn:aws:rds-db:us-east-1:123456789012:dbuser:prx-0other/app_user", False, False),
        ("arn:aws:rds-db:*:*:dbuser:*/*", f"{PROXY}/u", False, True),
        ("a*b*c", "aXXbYYc", False, True),
        ("a*b*c", "aXXcYYb", False, False),
    ],
)
def test_wildcard_match(pattern: str, value: str, ignore_case: bool, expected: bool) -> None:
    assert wildcard_match(pattern, value, ignore_case) is expected


# ---- evaluate: allow / implicit deny / explicit deny -------------------------------------------------------------


def test_allow_exact_action() -> None:
    r = role(doc("Role/inline:Eni", st(actions=(ENI,))))
    d = evaluate(Inventory(), r, ENI)
    assert d.status is Status.OPEN
    assert d.policy == "Role/inline:Eni" and "Role/inline:Eni" in d.evidence


def test_no_policy_is_implicit_deny() -> None:
    assert decide(role()) is Status.CLOSED
    assert decide(role(doc("p", st(actions=("ec2:DescribeNetworkInterfaces",))))) is Status.CLOSED


@pytest.mark.parametrize("order", ["deny-first", "allow-first"])
def test_explicit_deny_wins_over_allow(order: str) -> None:
    allow = doc("allow", st(actions=("ec2:*",)))
    deny = doc("deny", st("Deny", actions=(ENI,)))
    r = role(*((deny, allow) if order == "deny-first" else (allow, deny)))
    d = evaluate(Inventory(), r, ENI)
    assert d.status is Status.CLOSED and "Deny" in d.evidence
    # the deny is specific: other actions stay allowed
    assert decide(r, "ec2:DeleteNetworkInterface") is Status.OPEN


def test_deny_in_same_statement_list() -> None:
    r = role(doc("p", st(actions=("*",)), st("Deny", actions=("ec2:*NetworkInterface",))))
    assert decide(r) is Status.CLOSED
    assert decide(r, "ec2:DescribeNetworkInterfaces") is Status.OPEN  # plural: no match for the deny


def test_deny_on_other_resource_does_not_apply() -> None:
    r = role(doc("p", st(actions=("rds-db:connect",), resources=(f"{PROXY}/*",)),
                 st("Deny", actions=("rds-db:connect",), resources=(f"{PROXY}/admin",))))
    assert decide(r, "rds-db:connect", f"{PROXY}/app") is Status.OPEN
    assert decide(r, "rds-db:connect", f"{PROXY}/admin") is Status.CLOSED


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("ec2:*", Status.OPEN), ("*", Status.OPEN), ("EC2:CREATENETWORKINTERFACE", Status.OPEN),
     ("Ec2:Create*", Status.OPEN), ("ec2:Describe*", Status.CLOSED), ("rds:*", Status.CLOSED)],
)
def test_action_wildcards_case_insensitive(pattern: str, expected: Status) -> None:
    assert decide(role(doc("p", st(actions=(pattern,))))) is expected


def test_resource_match_is_case_sensitive() -> None:
    r = role(doc("p", st(actions=("rds-db:connect",), resources=(f"{PROXY.upper()}/*",))))
    assert decide(r, "rds-db:connect", f"{PROXY}/app") is Status.CLOSED


# ---- NotAction / NotResource ------------------------------------------------------------------------------------


def test_not_action_allow() -> None:
    r = role(doc("p", st(not_actions=("iam:*", "s3:*"))))
    assert decide(r) is Status.OPEN
    assert decide(r, "iam:PassRole") is Status.CLOSED
    assert decide(r, "IAM:passrole") is Status.CLOSED  # case-insensitive in NotAction too


def test_not_action_deny() -> None:
    r = role(doc("p", st(actions=("*",)), st("Deny", not_actions=("ec2:Describe*",))))
    assert decide(r) is Status.CLOSED
    assert decide(r, "ec2:DescribeNetworkInterfaces") is Status.OPEN


def test_not_resource() -> None:
    r = role(doc("p", st(actions=("rds-db:connect",), resources=(), not_resources=(f"{PROXY}/admin",))))
    assert decide(r, "rds-db:connect", f"{PROXY}/app") is Status.OPEN
    assert decide(r, "rds-db:connect", f"{PROXY}/admin") is Status.CLOSED


# ---- UNKNOWN instead of a guess ---------------------------------------------------------------------------------


def test_condition_on_allow_is_unknown() -> None:
    r = role(doc("p", st(actions=(ENI,), condition=True)))
    d = evaluate(Inventory(), r, ENI)
    assert d.status is Status.UNKNOWN and "condition" in d.evidence


def test_unconditional_allow_beside_conditional_allow_is_open() -> None:
    r = role(doc("p", st(actions=(ENI,), condition=True), st(actions=("ec2:*",))))
    assert decide(r) is Status.OPEN


def test_conditional_deny_without_allow_is_not_open() -> None:
    # no Allow anywhere: the implicit deny decides, whether or not the Deny's condition holds
    r = role(doc("p", st("Deny", actions=(ENI,), condition=True)))
    d = evaluate(Inventory(), r, ENI)
    assert d.status is Status.CLOSED and "not allowed by any policy" in d.evidence


@pytest.mark.parametrize("deny", [
    st("Deny", actions=(ENI,), condition=True),
    st("Deny", actions=(ENI,), resources=(Unresolved("RestrictedSubnet", "parameter without value"),)),
])
def test_allow_with_possibly_applying_deny_is_unknown(deny: Statement) -> None:
    r = role(doc("allow", st(actions=("ec2:*",))), doc("deny", deny))
    assert decide(r) is Status.UNKNOWN


def test_unresolved_action_or_resource_is_unknown() -> None:
    r = role(doc("p", st(actions=(Unresolved("ActionParam", "no value"),))))
    assert decide(r) is Status.UNKNOWN
    r2 = role(doc("p", st(actions=("rds-db:connect",), resources=(Unresolved("ProxyResourceId", "no value"),))))
    assert decide(r2, "rds-db:connect", f"{PROXY}/app") is Status.UNKNOWN
    # an unresolved statement that cannot match the action still gives a clean CLOSED
    r3 = role(doc("p", st(actions=("s3:GetObject",), resources=(Unresolved("Bucket", "no value"),))))
    assert decide(r3) is Status.CLOSED


def test_unknown_managed_policy_is_unknown() -> None:
    arn = "arn:aws:iam::123456789012:policy/not-in-the-inputs"
    d = evaluate(Inventory(), role(managed=(arn,)), ENI)
    assert d.status is Status.UNKNOWN and arn in d.evidence
    # an inline allow does not decide it: the unknown customer policy may hold a Deny
    d2 = evaluate(Inventory(), role(doc("p", st(actions=(ENI,))), managed=(arn,)), ENI)
    assert d2.status is Status.UNKNOWN and arn in d2.evidence


def test_unknown_aws_managed_policy_cannot_deny() -> None:
    inline = doc("p", st(actions=(ENI,)))
    assert decide(role(inline, managed=("arn:aws:iam::aws:policy/NotBundledHere",))) is Status.OPEN
    assert decide(role(managed=("arn:aws:iam::aws:policy/NotBundledHere",))) is Status.UNKNOWN
    # ... except the deny-all ones
    assert decide(role(inline, managed=("arn:aws:iam::aws:policy/AWSDenyAll",))) is Status.UNKNOWN


def test_unresolved_managed_policy_arn_is_unknown() -> None:
    d = evaluate(Inventory(), role(managed=(Unresolved("PolicyArnParam", "no value"),)), ENI)
    assert d.status is Status.UNKNOWN and "PolicyArnParam" in d.evidence


def test_known_managed_policy_attached_by_arn_or_by_roles() -> None:
    arn = "arn:aws:iam::123456789012:policy/eni"
    mp_doc = doc(arn, st(actions=(ENI, "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface")))
    inv = Inventory()
    inv.managed_policies[arn] = ManagedPolicy(arn, mp_doc, PV)
    assert decide(role(managed=(arn,)), inv=inv) is Status.OPEN
    # AWS::IAM::ManagedPolicy with Roles: [fn-role] attaches itself
    inv2 = Inventory()
    inv2.managed_policies[arn] = ManagedPolicy(arn, mp_doc, PV, roles=("fn-role",))
    assert decide(role(), inv=inv2) is Status.OPEN
    assert decide(role(name="other-role"), inv=inv2) is Status.CLOSED


def test_managed_policy_deny_wins() -> None:
    arn = "arn:aws:iam::123456789012:policy/guard"
    inv = Inventory()
    inv.managed_policies[arn] = ManagedPolicy(arn, doc(arn, st("Deny", actions=("ec2:*",))), PV)
    assert decide(role(doc("p", st(actions=(ENI,))), managed=(arn,)), inv=inv) is Status.CLOSED


def test_permissions_boundary_makes_an_allow_unknown() -> None:
    r = role(doc("p", st(actions=(ENI,))), boundary="arn:aws:iam::123456789012:policy/boundary")
    d = evaluate(Inventory(), r, ENI)
    assert d.status is Status.UNKNOWN and "boundary" in d.evidence


def test_statement_without_action_grants_nothing() -> None:
    # {"Effect": "Allow", "Resource": "*"} is a malformed statement (IAM rejects it), not "allow everything"
    r = role(doc("p", st(actions=(), resources=("*",))))
    assert decide(r) is Status.CLOSED


# ---- resource_prefix (rds-db:connect with an unknown database user) ------------------------------------------------


def test_resource_prefix() -> None:
    ask = f"{PROXY}/"
    specific_user = role(doc("p", st(actions=("rds-db:connect",), resources=(f"{PROXY}/app_user",))))
    assert decide(specific_user, "rds-db:connect", ask) is Status.CLOSED
    assert decide(specific_user, "rds-db:connect", ask, prefix=ask) is Status.OPEN
    other_proxy = role(doc("p", st(actions=("rds-db:connect",),
                                   resources=("arn:aws:rds-db:us-east-1:123456789012:dbuser:prx-0zzz/app",))))
    assert decide(other_proxy, "rds-db:connect", ask, prefix=ask) is Status.CLOSED
    wildcard_user = role(doc("p", st(actions=("rds-db:connect",), resources=(f"{PROXY}/*",))))
    assert decide(wildcard_user, "rds-db:connect", ask) is Status.OPEN
    # the prefix never widens the action
    assert decide(specific_user, "rds-db:other", ask, prefix=ask) is Status.CLOSED


@pytest.mark.parametrize("resource", [
    "arn:aws:rds-db:us-east-1:123456789012:dbuser:*/app_user",
    "arn:aws:rds-db:*:*:dbuser:prx-0abc/app_user",
])
def test_resource_prefix_with_wildcards_before_the_user(resource: str) -> None:
    # how the engine asks (engine.proxy_iam): a made-up user name plus the literal prefix
    ask = f"{PROXY}/"
    r = role(doc("p", st(actions=("rds-db:connect",), resources=(resource,))))
    assert decide(r, "rds-db:connect", ask + "rdslinkuser", prefix=ask) is Status.OPEN
