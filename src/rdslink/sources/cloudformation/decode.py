"""Read a CloudFormation/SAM template with cfn-lint's decoder (YAML short-form intrinsics, line numbers) and
apply the transforms rdslink models (SAM via aws-sam-translator's public API; the Secrets Manager
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
    from ..files import read_capped

    shown = display or path
    raw = read_capped(path, shown, MAX_TEMPLATE_BYTES, "template")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(shown, "not UTF-8 text (is this a binary file?)") from None
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
    return check_template(template, shown)


def check_template(template: Any, shown: str) -> dict[str, Any]:
    """Check that a decoded document is a CloudFormation template of the right shape (see
    :func:`validate_sections`, :func:`check_expansion`); returns it.

    Raises:
        InputError: not a mapping, no ``Resources``, a resource without ``Type``, a section of the wrong shape.
    """
    if not isinstance(template, dict):
        raise InputError(shown, "not a CloudFormation template (top level is not a mapping)")
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise InputError(shown, "not a CloudFormation template (no Resources section)", line_of(template))
    for name, res in resources.items():
        if not isinstance(res, dict) or not isinstance(res.get("Type"), str):
            raise InputError(shown, f"resource {name}: missing or invalid Type", line_of(res) or line_of(resources))
    check_expansion(template, shown)
    validate_sections(template, shown)
    return template


#: Largest number of nodes a decoded template may expand to. YAML aliases share one Python object between all
#: their uses, so a 1 KB "billion laughs" file decodes instantly but expands to ~10^9 nodes as soon as anything
#: walks it. A 5 MB template without aliases has far fewer than this.
MAX_EXPANDED_NODES = 2_000_000


def check_expansion(template: Any, shown: str, limit: int = MAX_EXPANDED_NODES) -> None:
    """Refuse a template whose YAML aliases expand it beyond ``limit`` nodes (counted with each shared node
    computed once, so the check itself is linear in the decoded size).

    Raises:
        InputError: too many nodes after alias expansion, or nesting too deep to walk.
    """
    memo: dict[int, int] = {}

    def size(node: Any) -> int:
        key = id(node)
        if key in memo:
            return memo[key]
        if isinstance(node, dict):
            n = 1 + len(node) + sum(size(v) for v in node.values())
        elif isinstance(node, list):
            n = 1 + sum(size(v) for v in node)
        else:
            return 1
        memo[key] = n
        if n > limit:
            raise InputError(shown, f"YAML aliases expand the template to more than {limit:,} nodes "
                             "(an alias bomb?); refusing to read it")
        return n

    try:
        size(template)
    except RecursionError:
        raise InputError(shown, "template nested too deeply") from None


_KIND = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number",
         type(None): "null"}


def kind_of(value: Any) -> str:
    """``a mapping``, ``a list``, ``a string``... for error messages."""
    for t, name in _KIND.items():
        if isinstance(value, t):
            return name
    return type(value).__name__


def validate_sections(template: dict[str, Any], shown: str) -> None:
    """Check the shapes CloudFormation itself checks before anything is evaluated (it rejects the template
    otherwise): sections are mappings, each parameter/output/mapping a mapping, a resource's ``Properties`` a
    mapping, ``Condition`` a string and ``DependsOn`` a string or a list of strings, an output's ``Export`` a
    mapping. See the template anatomy reference:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html

    Raises:
        InputError: naming the section, entry and field, with the line when known.
    """

    def fail(where: str, want: str, value: Any, node: Any) -> InputError:
        return InputError(shown, f"{where}: expected {want}, got {kind_of(value)}", line_of(node) or line_of(template))

    for section in ("Parameters", "Conditions", "Mappings", "Outputs", "Resources", "Rules", "Metadata", "Globals"):
        if section in template and not isinstance(template[section], dict):
            raise fail(section, "a mapping", template[section], template[section])
    for section in ("Parameters", "Outputs", "Mappings"):
        for name, entry in (template.get(section) or {}).items():
            if not isinstance(entry, dict):
                raise fail(f"{section}.{name}", "a mapping", entry, entry)
    for name, out in (template.get("Outputs") or {}).items():
        if "Export" in out and not isinstance(out["Export"], dict):
            raise fail(f"Outputs.{name}.Export", "a mapping with Name", out["Export"], out)
        if "Condition" in out and not isinstance(out["Condition"], str):
            raise fail(f"Outputs.{name}.Condition", "a condition name", out["Condition"], out)
    for name, res in template["Resources"].items():
        props = res.get("Properties")
        if props is not None and not isinstance(props, dict):
            raise fail(f"Resources.{name}.Properties", "a mapping", props, res)
        if "Condition" in res and not isinstance(res["Condition"], str):
            raise fail(f"Resources.{name}.Condition", "a condition name", res["Condition"], res)
        dep = res.get("DependsOn")
        if dep is not None and not (isinstance(dep, str) or (isinstance(dep, list)
                                                             and all(isinstance(d, str) for d in dep))):
            raise fail(f"Resources.{name}.DependsOn", "a resource name or a list of them", dep, res)
    t = template.get("Transform")
    if t is not None:
        for item in t if isinstance(t, list) else [t]:
            if not isinstance(item, (str, dict)):
                raise fail("Transform", "a transform name or a list of them", item, template)


def transforms_of(template: dict[str, Any]) -> list[str]:
    t = template.get("Transform")
    if t is None:
        return []
    items = t if isinstance(t, list) else [t]
    return [x if isinstance(x, str) else str(x.get("Name", "")) if isinstance(x, dict) else str(x) for x in items]


def _sam_managed_policy_map() -> dict[str, str]:
    """Managed-policy name -> ARN map for SAM's ``Policies: [Name]`` (bundled; see
    ``scripts/update_managed_policies.py``), so the transform never calls IAM."""
    import json
    from importlib import resources

    text = resources.files("rdslink.data").joinpath("sam_managed_policy_map.json").read_text()
    return dict(json.loads(text))


_FAKE_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/rdslink-offline:latest"


def _fake_s3(value: Any) -> Any:
    """SAM accepts only S3 locations for code and definitions; local paths (``./src``) become a fake one."""
    if isinstance(value, dict) and "Bucket" in value and "Key" in value:
        return value
    return "s3://rdslink-offline/placeholder.zip"


def _prepare_for_sam(template: dict[str, Any]) -> dict[str, Any]:
    """Return the parameter values SAM needs and replace local artefact paths, as ``sam validate`` does.

    Local ``CodeUri``/``ImageUri``/``ContentUri``/``DefinitionUri``/``Location`` values are replaced by a
    placeholder S3 URI (they do not affect networking); an ``AutoPublishAlias`` given by ``Ref`` to a
    parameter gets the value ``Alias``.
    """
    params: dict[str, Any] = {}
    raw_params = template.get("Parameters")
    declared: dict[str, Any] = raw_params if isinstance(raw_params, dict) else {}

    def alias_param(value: Any) -> None:
        if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("Ref"), str):
            if value["Ref"] in declared:
                params[value["Ref"]] = "Alias"

    glob = template.get("Globals")
    if isinstance(glob, dict) and isinstance(glob.get("Function"), dict):
        alias_param(glob["Function"].get("AutoPublishAlias"))
        if "CodeUri" in glob["Function"]:
            glob["Function"]["CodeUri"] = _fake_s3(glob["Function"]["CodeUri"])
        if "ImageUri" in glob["Function"]:
            glob["Function"]["ImageUri"] = _FAKE_IMAGE
    resources_ = template.get("Resources")
    if not isinstance(resources_, dict):
        return params
    for res in resources_.values():
        if not isinstance(res, dict) or not isinstance(res.get("Properties"), dict):
            continue
        rtype, props = res.get("Type"), res["Properties"]
        if rtype == "AWS::Serverless::Function":
            if props.get("PackageType") == "Image":
                props["ImageUri"] = _FAKE_IMAGE
            elif "CodeUri" in props or "InlineCode" not in props:
                props["CodeUri"] = _fake_s3(props.get("CodeUri"))
            alias_param(props.get("AutoPublishAlias"))
            if isinstance(props.get("AutoPublishCodeSha256"), dict):
                props["AutoPublishCodeSha256"] = "placeholder"
        elif rtype == "AWS::Serverless::LayerVersion" and "ContentUri" in props:
            props["ContentUri"] = _fake_s3(props["ContentUri"])
        elif rtype == "AWS::Serverless::Application" and isinstance(props.get("Location"), dict):
            props["Location"] = "s3://rdslink-offline/application.yaml"
        elif rtype in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi", "AWS::Serverless::StateMachine"):
            if "DefinitionUri" in props:
                props["DefinitionUri"] = _fake_s3(props["DefinitionUri"])
    return params


def apply_sam(template: dict[str, Any], shown: str, region: str) -> dict[str, Any]:
    """Run the SAM transform offline through aws-sam-translator's public API
    (``samtranslator.public.translator.Translator``), with the managed-policy map and Region supplied by
    rdslink. Line marks of original resources survive (cfn-lint's ``convert_dict`` keeps the key marks).

    Args:
        template: the decoded template (a copy is transformed; the caller's stays as it was).
        shown: the input's display name, for errors.
        region: the Region SAM builds ARNs and partitions for (``AWS_DEFAULT_REGION`` is set if absent).

    Raises:
        InputError: when SAM rejects the template (first cause from samtranslator).

    See https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification.html
    """
    import copy
    import logging

    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    from cfnlint.decode.utils import convert_dict
    from samtranslator.public.exceptions import InvalidDocumentException
    from samtranslator.public.parser import Parser
    from samtranslator.public.translator import Translator

    logging.getLogger("samtranslator").setLevel(logging.CRITICAL)
    work = copy.deepcopy(template)
    params = _prepare_for_sam(work)
    translator = Translator(managed_policy_map=_sam_managed_policy_map(), sam_parser=Parser())
    try:
        out = translator.translate(sam_template=work, parameter_values=params, passthrough_metadata=True)
    except InvalidDocumentException as exc:
        causes = list(getattr(exc, "causes", None) or [])
        msg = str(getattr(causes[0], "message", causes[0])) if causes else str(exc)
        raise InputError(shown, f"SAM transform failed: {msg.splitlines()[0] if msg else exc}") from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        # samtranslator raises plain Python errors on some malformed inputs (e.g. a list where it expects a
        # mapping); these are input errors, not rdslink bugs.
        raise InputError(shown, f"SAM transform failed: {type(exc).__name__}: {exc}") from None
    return dict(convert_dict(out))
