"""Values that must never appear in any output, and their redaction.

Sources register what they recognise as secret while they read the inputs: values of ``NoEcho`` template
parameters (from ``--parameter``, a bindings file or the ``Default``), literal passwords in resource properties
(``MasterUserPassword``...), values of password-looking environment variables. The CLI passes everything it
prints (text, JSON, warnings, errors) through :func:`redact`.

The registry is per run: the CLI calls :func:`reset` before reading the inputs.
"""

from __future__ import annotations

import re

MASK = "****"

#: Environment variable / property names whose literal values are secrets (a password, a token, a private key),
#: but not names of *references* to secrets (``DB_SECRET_ARN``, ``SECRET_NAME``, ``PASSWORD_PARAMETER``).
_PASSWORD_KEY = re.compile(r"(PASS(WORD|WD|PHRASE)?|PWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)", re.I)
_REFERENCE_KEY = re.compile(r"(ARN|_ID$|^ID$|NAME|PARAM|PATH|URL|URI|FILE|ENDPOINT|HOST|REGION|KEY_?ID|"
                            r"SECRETS?_?MANAGER)", re.I)

_values: set[str] = set()
_pattern: re.Pattern[str] | None = None


def reset() -> None:
    """Forget every registered value (start of a run)."""
    global _pattern
    _values.clear()
    _pattern = None


def looks_like_password_key(name: str) -> bool:
    """Whether a variable or property called ``name`` holds a secret value itself (``DB_PASSWORD``,
    ``API_TOKEN``), rather than the name or ARN of one (``DB_SECRET_ARN``)."""
    return bool(_PASSWORD_KEY.search(name)) and not _REFERENCE_KEY.search(name)


def register_secret(value: object) -> None:
    """Remember ``value`` (a string, number, or list of them) as secret. Empty values, dynamic references
    (``{{resolve:...}}``, which name a secret rather than hold it) and secret ARNs are not registered."""
    global _pattern
    if isinstance(value, (list, tuple)):
        for v in value:
            register_secret(v)
        return
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return
    text = str(value).strip()
    if not text or text.startswith("{{resolve:") or text.startswith("arn:") or text.lower() in ("true", "false"):
        return
    if text not in _values:
        _values.add(text)
        _pattern = None


def has_secrets() -> bool:
    """Whether any value was registered in this run."""
    return bool(_values)


def _compiled() -> re.Pattern[str] | None:
    global _pattern
    if _pattern is None and _values:
        parts = []
        for v in sorted(_values, key=len, reverse=True):
            forms = {v, v.encode("unicode_escape").decode("ascii"), _json_inner(v)}
            for f in forms:
                if len(f) >= 6:
                    parts.append(re.escape(f))
                else:  # a short value (a port, "admin") only as a whole token, not inside other words/numbers
                    parts.append(r"(?<![A-Za-z0-9])" + re.escape(f) + r"(?![A-Za-z0-9])")
        _pattern = re.compile("|".join(parts))
    return _pattern


def _json_inner(v: str) -> str:
    import json

    return json.dumps(v, ensure_ascii=False)[1:-1]


#: Dynamic references to secret values: what follows the service name is never printed.
_DYNAMIC = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure):[^}]*\}\}")


def redact(text: str) -> str:
    """``text`` with every registered secret value replaced by ``****``, and the contents of
    ``{{resolve:secretsmanager:...}}`` / ``{{resolve:ssm-secure:...}}`` references masked."""
    if not text:
        return text
    if "{{resolve:" in text:
        text = _DYNAMIC.sub(lambda m: "{{resolve:" + m.group(1) + ":" + MASK + "}}", text)
    pattern = _compiled()
    if pattern is None:
        return text
    return pattern.sub(MASK, text)


def redact_json(doc: object) -> object:
    """A JSON document with registered secrets masked in every string; a number equal to a secret (a NoEcho
    parameter used as a port) becomes the string ``****``."""
    if isinstance(doc, dict):
        return {redact(str(k)): redact_json(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [redact_json(v) for v in doc]
    if isinstance(doc, str):
        return redact(doc)
    if isinstance(doc, (int, float)) and not isinstance(doc, bool) and str(doc) in _values:
        return MASK
    return doc
