"""Read a CloudFormation/SAM template with cfn-lint's decoder (YAML short-form intrinsics, line numbers) and
apply the transforms rdslink models (SAM via aws-sam-translator through cfn-lint's wrapper; the Secrets Manager
hosted-rotation transform by :mod:`.transforms`)."""

from __future__ import annotations

import os
from typing import Any

from ..errors import InputError

#: Largest template accepted, in bytes. CloudFormation itself accepts at most 1 MB (S3 TemplateURL); SAM
#: sources may be larger before the transform, so allow headroom but refuse obviously wrong inputs early.
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
SECRETS_TRANSFORM = "AWS::SecretsManager-2020-07-23"
#: Newer version of the same transform (what AWS CDK emits for hosted rotation); same HostedRotationLambda model.
SECRETS_TRANSFORMS = (SECRETS_TRANSFORM, "AWS::SecretsManager-2024-09-16")


def line_of(node: Any) -> int | None:
    """1-based line of a decoded node (cfn-lint nodes carry ``start_mark``), else None."""
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def read_template(path: str, display: str | None = None) -> dict[str, Any]:
    """Decode ``path`` into a template dict.

    Raises:
        InputError: missing/unreadable file, file too large, invalid YAML/JSON (with line), or a document that
            is not a CloudFormation template (no ``Resources`` mapping).
    """
    shown = display or path
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise InputError(shown, f"cannot read file: {exc.strerror or exc}") from None
    if os.path.isdir(path):
        raise InputError(shown, "is a folder, not a template")
    if size > MAX_TEMPLATE_BYTES:
        raise InputError(
            shown,
            f"file is {size / 1048576:.1f} MB; a CloudFormation template is at most 1 MB "
            f"(rdslink reads up to {MAX_TEMPLATE_BYTES // 1048576} MB)",
        )
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(shown, "not UTF-8 text (is this a binary file?)") from None
    except OSError as exc:
        raise InputError(shown, f"cannot read file: {exc.strerror or exc}") from None
    if path.lower().endswith(".json") and text.lstrip().startswith("{"):
        import json

        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(shown, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    return decode_text(text, shown)


def decode_text(text: str, shown: str) -> dict[str, Any]:
    """Decode template text (JSON or YAML); see :func:`read_template` for errors."""
    from cfnlint.decode import decode_str

    if not text.strip():
        raise InputError(shown, "file is empty")
    try:
        template, matches = decode_str(text)
    except Exception as exc:  # cfn-lint normally reports through matches; be safe
        raise InputError(shown, f"cannot parse: {exc}") from None
    if matches:
        m = matches[0]
        line = getattr(m, "linenumber", None)
        msg = str(getattr(m, "message", m)).splitlines()[0]
        raise InputError(shown, f"invalid YAML/JSON: {msg}", line)
    if not isinstance(template, dict):
        raise InputError(shown, "not a CloudFormation template (top level is not a mapping)")
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise InputError(shown, "not a CloudFormation template (no Resources section)", line_of(template))
    for name, res in resources.items():
        if not isinstance(res, dict) or not isinstance(res.get("Type"), str):
            raise InputError(shown, f"resource {name}: missing or invalid Type", line_of(res) or line_of(resources))
    return template


def transforms_of(template: dict[str, Any]) -> list[str]:
    t = template.get("Transform")
    if t is None:
        return []
    items = t if isinstance(t, list) else [t]
    return [x if isinstance(x, str) else str(x.get("Name", "")) if isinstance(x, dict) else str(x) for x in items]


def apply_sam(template: dict[str, Any], shown: str, region: str) -> dict[str, Any]:
    """Run the SAM transform offline (aws-sam-translator through cfn-lint's wrapper, which supplies the
    managed-policy map and fake CodeUri). Line marks of original resources survive.

    Raises:
        InputError: when SAM rejects the template (message from samtranslator).
    """
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    from cfnlint.template.transforms._sam import Transform

    sam = Transform(shown, template, region)
    matches = sam.transform_template()
    if matches:
        msg = str(getattr(matches[0], "message", matches[0]))
        raise InputError(shown, f"SAM transform failed: {msg}")
    out = sam.template()
    return dict(out)
