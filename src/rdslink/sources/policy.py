"""Parse IAM policy documents (already resolved JSON) into model PolicyDocuments."""

from __future__ import annotations

from typing import Any

from .. import model as m

Unresolved = m.Unresolved


def _list(v: Any) -> list[Any]:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _str(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None or isinstance(v, (str, Unresolved)):
        return v
    return str(v)


def parse_policy(name: str, doc: Any, pv: m.Provenance) -> m.PolicyDocument:
    """Parse an IAM policy JSON (resolved) into a PolicyDocument; tolerant of single-statement forms."""
    statements = []
    if isinstance(doc, dict):
        for st in _list(doc.get("Statement")):
            if not isinstance(st, dict):
                continue
            statements.append(m.Statement(
                effect=str(st.get("Effect", "Allow")),
                actions=tuple(_str(a) for a in _list(st.get("Action")) if a is not None),
                resources=tuple(_str(r) for r in _list(st.get("Resource")) if r is not None),
                prov=pv,
                not_actions=tuple(_str(a) for a in _list(st.get("NotAction")) if a is not None),
                not_resources=tuple(_str(r) for r in _list(st.get("NotResource")) if r is not None),
                has_condition=bool(st.get("Condition")),
            ))
    elif isinstance(doc, Unresolved):
        statements.append(m.Statement("Allow", (doc,), (doc,), pv))
    return m.PolicyDocument(name, tuple(statements))


def key_policy_grants_account_only(policy: dict[str, Any]) -> bool:
    """True when every Allow statement of a KMS key policy names only the account (``arn:...:root`` or a
    bare account id) as an ``AWS`` principal, so access is decided by IAM policies, as with the default
    key policy. Any other principal (a role, ``*``, a service) makes it False.

    See https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    """
    for st in _list(policy.get("Statement")):
        if not isinstance(st, dict) or str(st.get("Effect", "Allow")) != "Allow":
            continue
        pr = st.get("Principal")
        aws = pr.get("AWS") if isinstance(pr, dict) else pr
        for a in _list(aws):
            if not (isinstance(a, str) and (a.endswith(":root") or a.isdigit())):
                return False
        if isinstance(pr, dict) and set(pr) - {"AWS"}:
            return False
    return True
