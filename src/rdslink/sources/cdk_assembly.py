"""Read an AWS CDK cloud assembly (``cdk.out``): the stacks its ``manifest.json`` lists, their templates, the
nested-stack templates its asset manifests name, and the stacks' environments and dependencies.

Follows the cloud assembly schema (``aws-cdk-lib/cloud-assembly-schema``, ``manifest.json``): artifacts of type
``aws:cloudformation:stack`` carry ``properties.templateFile``, an optional ``properties.stackName`` (else the
artifact id), ``environment`` (``aws://ACCOUNT/REGION``, ``unknown-account``/``unknown-region`` when
environment-agnostic) and ``dependencies``; ``cdk:asset-manifest`` artifacts point at ``*.assets.json`` whose
``files`` map an asset hash to its ``source.path`` and the S3 ``objectKey`` it is published under (a nested
stack's TemplateURL ends in that key); ``cdk:cloud-assembly`` artifacts are nested assemblies (CDK stages) in
``properties.directoryName``.

The command line gives each stack's environment to the template loader (``load_templates(environments=...)``):
its pseudo parameters (``AWS::AccountId``, ``AWS::Region``, ``AWS::Partition``, ``AWS::URLSuffix``) and the
Region of its ``--account``/``--live``/``--stack`` look-ups; placeholders are None, never values.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError

STACK = "aws:cloudformation:stack"
ASSET_MANIFEST = "cdk:asset-manifest"
NESTED_ASSEMBLY = "cdk:cloud-assembly"


@dataclass(frozen=True, slots=True)
class AssemblyStack:
    """One ``aws:cloudformation:stack`` artifact.

    Attributes:
        artifact_id: the artifact's key in ``manifest.json``.
        stack_name: the deployed stack name (``properties.stackName`` or the artifact id).
        template: path of the template file.
        account / region: from ``environment``; None when environment-agnostic.
        dependencies: artifact ids this stack depends on (stacks only).
    """

    artifact_id: str
    stack_name: str
    template: str
    account: str | None
    region: str | None
    dependencies: tuple[str, ...] = ()


@dataclass(slots=True)
class CloudAssembly:
    """Every stack of an assembly (nested assemblies included), in dependency order, and the local files of
    templates published as assets (S3 object key -> path), which resolve nested stacks' TemplateURLs."""

    directory: str
    stacks: list[AssemblyStack] = field(default_factory=list)
    template_files: dict[str, str] = field(default_factory=dict)


def is_cloud_assembly(path: str) -> bool:
    """True when ``path`` is a folder holding a cloud assembly ``manifest.json``."""
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, "manifest.json"))


def _read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None


def _environment(env: Any) -> tuple[str | None, str | None]:
    if not isinstance(env, str) or not env.startswith("aws://"):
        return None, None
    account, _, region = env[len("aws://"):].partition("/")
    return (None if account.startswith("unknown-") or not account else account,
            None if region.startswith("unknown-") or not region else region)


def read_assembly(directory: str) -> CloudAssembly:
    """Read ``directory/manifest.json`` (and nested assemblies).

    Raises:
        InputError: unreadable or malformed manifest (file and JSON path named), a stack artifact without a
            template file, or a template file that does not exist.
    """
    out = CloudAssembly(directory)
    _read(directory, out, depth=0)
    out.stacks = _dependency_order(out.stacks)
    return out


def _read(directory: str, out: CloudAssembly, depth: int) -> None:
    manifest_path = os.path.join(directory, "manifest.json")
    manifest = _read_json(manifest_path)
    if not isinstance(manifest, dict):
        raise InputError(manifest_path, "not a cloud assembly manifest (top level is not an object)")
    artifacts = manifest.get("artifacts") or {}
    if not isinstance(artifacts, dict):
        raise InputError(manifest_path, "artifacts: expected an object of artifact id -> artifact")
    for aid, art in artifacts.items():
        if not isinstance(art, dict):
            raise InputError(manifest_path, f"artifacts.{aid}: expected an object")
        kind = art.get("type")
        props = art.get("properties") or {}
        if not isinstance(props, dict):
            raise InputError(manifest_path, f"artifacts.{aid}.properties: expected an object")
        if kind == STACK:
            template = props.get("templateFile")
            if not isinstance(template, str) or not template:
                raise InputError(manifest_path, f"artifacts.{aid}.properties.templateFile: missing")
            path = os.path.join(directory, template)
            if not os.path.isfile(path):
                raise InputError(manifest_path, f"artifacts.{aid}.properties.templateFile: {template} does not "
                                 "exist in the assembly (re-run cdk synth)")
            account, region = _environment(art.get("environment"))
            stack_name = props.get("stackName")
            name = stack_name if isinstance(stack_name, str) and stack_name else str(aid)
            deps = tuple(str(d) for d in art.get("dependencies") or () if isinstance(d, str))
            out.stacks.append(AssemblyStack(str(aid), name, path, account, region, deps))
        elif kind == ASSET_MANIFEST and isinstance(props.get("file"), str):
            _read_assets(os.path.join(directory, props["file"]), directory, out)
        elif kind == NESTED_ASSEMBLY and isinstance(props.get("directoryName"), str) and depth < 8:
            sub = os.path.join(directory, props["directoryName"])
            if is_cloud_assembly(sub):
                _read(sub, out, depth + 1)


def _read_assets(path: str, directory: str, out: CloudAssembly) -> None:
    if not os.path.isfile(path):
        return
    data = _read_json(path)
    files = data.get("files") if isinstance(data, dict) else None
    for asset in (files or {}).values() if isinstance(files, dict) else ():
        if not isinstance(asset, dict):
            continue
        source = (asset.get("source") or {}).get("path") if isinstance(asset.get("source"), dict) else None
        if not isinstance(source, str) or not source.endswith(".json"):
            continue
        local = os.path.join(directory, source)
        if not os.path.isfile(local):
            continue
        for dest in (asset.get("destinations") or {}).values():
            key = dest.get("objectKey") if isinstance(dest, dict) else None
            if isinstance(key, str):
                out.template_files.setdefault(key.rsplit("/", 1)[-1], local)


def _dependency_order(stacks: list[AssemblyStack]) -> list[AssemblyStack]:
    by_id = {s.artifact_id: s for s in stacks}
    done: list[AssemblyStack] = []
    seen: set[str] = set()

    def visit(s: AssemblyStack, trail: tuple[str, ...]) -> None:
        if s.artifact_id in seen or s.artifact_id in trail:
            return
        for d in s.dependencies:
            if d in by_id:
                visit(by_id[d], trail + (s.artifact_id,))
        seen.add(s.artifact_id)
        done.append(s)

    for s in stacks:
        visit(s, ())
    return done


def assembly_region(assembly: CloudAssembly) -> str | None:
    """The one concrete Region all stacks name, or None (environment-agnostic or several Regions)."""
    regions = {s.region for s in assembly.stacks}
    if len(regions) == 1:
        return next(iter(regions))
    return None


__all__ = ["AssemblyStack", "CloudAssembly", "assembly_region", "is_cloud_assembly", "read_assembly"]
