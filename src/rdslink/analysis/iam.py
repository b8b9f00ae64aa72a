"""Identity-policy evaluation for the questions rdslink asks (ENI actions, rds-db:connect, GetSecretValue).

Follows the IAM policy evaluation logic
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html) restricted to
identity policies: an explicit Deny wins, then an Allow; nothing matching is an implicit deny. Wildcards ``*``
and ``?`` match in Action (case-insensitive) and Resource (case-sensitive). A statement with a Condition, an
unresolved value, a managed policy whose document is not in the inputs, or a permissions boundary makes the
answer UNKNOWN instead of a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..findings import Status
from ..model import Inventory, PolicyDocument, Role, Statement, Unresolved


@lru_cache(maxsize=4096)
def _pattern(text: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def wildcard_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM-style wildcard match of the whole ``value``."""
    return _pattern(pattern, ignore_case).fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class Decision:
    """Result of :func:`evaluate`: status and the statement (policy name) that decided it, for evidence."""

    status: Status
    evidence: str
    policy: str = ""


def _match_list(items: tuple[str | Unresolved, ...], value: str, ignore_case: bool,
                resource_prefix: str | None = None) -> bool | None:
    """True/False, or None when an unresolved item could match.

    With ``resource_prefix`` (``...:dbuser:prx-abc/``), an item matches when it matches the prefix followed by
    the item's own user part: the question is whether SOME database user is allowed.
    """
    maybe = False
    for item in items:
        if isinstance(item, Unresolved):
            maybe = True
            continue
        if wildcard_match(item, value, ignore_case):
            return True
        if resource_prefix is not None:
            user = item.rsplit("/", 1)[1] if "/" in item else ""
            user = user.replace("*", "x").replace("?", "x") or "x"
            if wildcard_match(item, resource_prefix + user, ignore_case):
                return True
    return None if maybe else False


def _statement_applies(st: Statement, action: str, resource: str, resource_prefix: str | None) -> bool | None:
    if not st.actions and not st.not_actions:
        return False  # IAM rejects a statement without Action/NotAction; it grants nothing
    if st.actions:
        a = _match_list(st.actions, action, True)
    else:
        na = _match_list(st.not_actions, action, True)
        a = None if na is None else not na
    if a is False:
        return False
    if st.resources:
        r = _match_list(st.resources, resource, False, resource_prefix)
    elif st.not_resources:
        nr = _match_list(st.not_resources, resource, False)
        r = None if nr is None else not nr
    else:
        r = True
    if r is False:
        return False
    if a is None or r is None:
        return None
    return True


def role_documents(inv: Inventory, role: Role) -> tuple[list[PolicyDocument], list[str]]:
    """Policy documents that apply to ``role`` and the attached managed-policy ARNs with no known document."""
    docs = list(role.inline_policies)
    attached = inv.policies_attached_to(role)
    docs.extend(mp.document for mp in attached)
    known = {mp.arn for mp in attached}
    missing = [a if isinstance(a, str) else f"?{a.name}" for a in role.managed_policy_arns if a not in known]
    return docs, missing


def evaluate(inv: Inventory, role: Role, action: str, resource: str = "*",
             resource_prefix: str | None = None) -> Decision:
    """Does ``role`` allow ``action`` on ``resource``?

    Args:
        resource_prefix: also count a statement whose Resource starts with this literal prefix (used for
            ``rds-db:connect`` where the database user name is not known: ``...:dbuser:prx-abc/``).

    Returns:
        Decision with OPEN (allowed), CLOSED (explicit or implicit deny) or UNKNOWN.
    """
    docs, missing = role_documents(inv, role)
    allow: tuple[str, Statement] | None = None
    unknown: list[str] = []
    may_deny: list[str] = []
    for doc in docs:
        for st in doc.statements:
            applies = _statement_applies(st, action, resource, resource_prefix)
            if applies is False:
                continue
            if st.effect.lower() not in ("allow", "deny"):
                may_deny.append(f"{doc.name} could not be read")
                unknown.append(f"a statement of {doc.name} could not be read")
                continue
            if st.effect.lower() == "deny":
                if applies and not st.has_condition:
                    return Decision(Status.CLOSED, f"explicit Deny of {action} in {doc.name} ({st.prov.where()})",
                                    doc.name)
                may_deny.append(f"a Deny in {doc.name} may apply (condition or unresolved value)")
                continue
            if applies and not st.has_condition:
                allow = allow or (doc.name, st)
            else:
                unknown.append(f"an Allow in {doc.name} applies only under a condition or unresolved value")
    # A policy whose document is unknown may hold a Deny; AWS managed policies (except the deny-all ones) do not.
    may_deny += [a for a in missing if not (a.startswith("arn:aws:iam::aws:policy/") and "Deny" not in a)]
    if allow is not None:
        if may_deny:
            return Decision(Status.UNKNOWN, f"{action} allowed by {allow[0]}, but policies whose documents are not "
                            f"known may deny it: {', '.join(may_deny)}", allow[0])
        if role.permissions_boundary is not None:
            return Decision(Status.UNKNOWN, f"{action} allowed by {allow[0]} but role has a permissions boundary "
                            f"({role.permissions_boundary}) that is not evaluated", allow[0])
        return Decision(Status.OPEN, f"{action} allowed by {allow[0]} ({allow[1].prov.where()})", allow[0])
    if unknown:
        return Decision(Status.UNKNOWN, "; ".join(unknown))
    if missing:  # an unknown policy may hold the Allow; a Deny of any kind cannot grant what nothing allows
        return Decision(Status.UNKNOWN, f"{action} not allowed by the known policies; policies not known: "
                        f"{', '.join(missing)}")
    names = ", ".join(d.name for d in docs) or "no policies"
    return Decision(Status.CLOSED, f"{action} is not allowed by any policy of role {role.prov.logical_id} ({names})")
