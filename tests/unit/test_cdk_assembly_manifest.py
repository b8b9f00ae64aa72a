"""Cloud assembly manifest reading without CDK: stacks in dependency order, environments, nested assemblies
(CDK stages) and templates published as assets."""

from __future__ import annotations

import json
from pathlib import Path

from rdslink.sources.cdk_assembly import assembly_region, is_cloud_assembly, read_assembly

TEMPLATE = {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}


def _write(d: Path, manifest: dict, files: dict[str, object]) -> None:
    d.mkdir(parents=True, exist_ok=True)
    (d / "manifest.json").write_text(json.dumps(manifest))
    for name, body in files.items():
        (d / name).write_text(json.dumps(body))


def test_stacks_dependencies_environment_stages_and_assets(tmp_path: Path) -> None:
    stage = {"artifacts": {"Prod-Db": {"type": "aws:cloudformation:stack", "environment": "aws://111122223333/eu-west-1",
                                       "properties": {"templateFile": "ProdDb.template.json", "stackName": "prod-db"}}}}
    _write(tmp_path / "assembly-Prod", stage, {"ProdDb.template.json": TEMPLATE})
    manifest = {"artifacts": {
        "App": {"type": "aws:cloudformation:stack", "environment": "aws://111122223333/eu-west-1",
                "properties": {"templateFile": "App.template.json"}, "dependencies": ["Data", "App.assets"]},
        "App.assets": {"type": "cdk:asset-manifest", "properties": {"file": "App.assets.json"}},
        "Data": {"type": "aws:cloudformation:stack", "environment": "aws://111122223333/eu-west-1",
                 "properties": {"templateFile": "Data.template.json"}},
        "Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod"}},
        "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}},
    }}
    assets = {"files": {"abc": {"source": {"path": "AppChild.nested.template.json", "packaging": "file"},
                                "destinations": {"d": {"bucketName": "b", "objectKey": "abc.json"}}}}}
    _write(tmp_path, manifest, {"App.template.json": TEMPLATE, "Data.template.json": TEMPLATE,
                                "AppChild.nested.template.json": TEMPLATE, "App.assets.json": assets})
    assert is_cloud_assembly(str(tmp_path)) and not is_cloud_assembly(str(tmp_path / "App.template.json"))
    asm = read_assembly(str(tmp_path))
    names = [s.stack_name for s in asm.stacks]
    assert names.index("Data") < names.index("App") and "prod-db" in names
    assert {s.region for s in asm.stacks} == {"eu-west-1"} and assembly_region(asm) == "eu-west-1"
    assert asm.template_files == {"abc.json": str(tmp_path / "AppChild.nested.template.json")}


def test_environment_agnostic_assembly_has_no_region(tmp_path: Path) -> None:
    manifest = {"artifacts": {"S": {"type": "aws:cloudformation:stack",
                                    "environment": "aws://unknown-account/unknown-region",
                                    "properties": {"templateFile": "S.template.json"}}}}
    _write(tmp_path, manifest, {"S.template.json": TEMPLATE})
    asm = read_assembly(str(tmp_path))
    assert asm.stacks[0].account is None and assembly_region(asm) is None
