"""Session fixtures for the reference-stack tests: every variant synthesized once, in one CDK app.

One ``app.synth()`` (with cdk-nag AwsSolutions as a policy validation plugin) builds all variants: the engine x
egress x proxy matrix, a few option variants, and the deliberately broken variants. Templates are written as
YAML to a session temp dir; ``rdslink check`` runs in-process on them, once per variant (cached).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from rdslink.stack.options import ReferenceOptions

from .variants import ALL_VARIANTS, DEFAULT_STACK

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
#: Why CDK synthesis cannot run here, or None (tests that synthesize are skipped; the others still run).
NO_CDK = (None if importlib.util.find_spec("aws_cdk") and importlib.util.find_spec("cdk_nag") and shutil.which("node")
          else "needs the cdk extra (pip install -e '.[cdk]') and node")

#: The code location parameter a user passes when deploying; off the network path.
CODE_PARAMETER = "CodeBucket=example-bucket"


@dataclass
class Synthesized:
    """Everything one synthesis produced."""

    outdir: Path
    templates: dict[str, dict[str, Any]]
    paths: dict[str, Path]
    options: dict[str, ReferenceOptions]
    acknowledgements: dict[str, list[tuple[str, str, str]]]
    error: str | None
    violations: list[dict[str, Any]]
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)


def _violations(outdir: Path) -> list[dict[str, Any]]:
    report = outdir / "policy-validation-report.json"
    if not report.is_file():
        return []
    data = json.loads(report.read_text())
    return [v for plugin in data.get("pluginReports", []) for v in plugin.get("violations", [])]


@pytest.fixture(scope="session")
def needs_cdk() -> None:
    """Skip the test when aws-cdk-lib, cdk-nag or node is missing."""
    if NO_CDK:
        pytest.skip(NO_CDK)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory, needs_cdk: None) -> Synthesized:
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from rdslink.stack.app import ReferenceStack
    from rdslink.stack.command import render

    base = tmp_path_factory.mktemp("reference-stack")
    outdir = base / "cdk.out"
    app = cdk.App(outdir=str(outdir), context={"@aws-cdk/core:validationReportJson": True})
    stacks = {name: ReferenceStack(app, name, opts, code_from_parameters=True) for name, opts in ALL_VARIANTS.items()}
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    error = None
    try:
        app.synth()
    except Exception as exc:  # jsii: validation failures surface as RuntimeError after templates are written
        error = str(exc)
    templates = {name: json.loads((outdir / f"{name}.template.json").read_text()) for name in ALL_VARIANTS}
    paths = {}
    for name, template in templates.items():
        paths[name] = base / f"{name}.yaml"
        paths[name].write_text(render(template, ALL_VARIANTS[name]))
    acks = {name: list(stack.system.acknowledgements) for name, stack in stacks.items()}
    assert DEFAULT_STACK in templates
    return Synthesized(outdir, templates, paths, dict(ALL_VARIANTS), acks, error, _violations(outdir))


def run_check(path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    """``rdslink check PATH --format json`` in-process; returns (exit code, parsed JSON)."""
    from rdslink.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["check", str(path), "--format", "json", "-p", CODE_PARAMETER, *extra])
    return code, json.loads(out.getvalue())


@pytest.fixture(scope="session")
def check(synthesized: Synthesized):  # type: ignore[no-untyped-def]
    """``check(name)`` -> the rdslink JSON result for a variant (each variant checked once per session).

    Matrix variants run with cfn-lint (RL004); fault variants with ``--no-lint`` (their faults are network or
    IAM faults, not schema faults, and lint is proven on the matrix), which keeps the suite fast.
    """
    from .variants import MATRIX

    def get(name: str) -> dict[str, Any]:
        if name not in synthesized.checks:
            extra = () if name in MATRIX else ("--no-lint",)
            _, result = run_check(synthesized.paths[name], *extra)
            synthesized.checks[name] = result
        return synthesized.checks[name]

    return get
