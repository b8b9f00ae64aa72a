"""``examples/reference-stack.yaml`` is the default synthesized template, byte for byte."""

from __future__ import annotations

from pathlib import Path

import yaml

from rdslink.stack.command import render
from rdslink.stack.options import ReferenceOptions

from .variants import DEFAULT_STACK

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reference-stack.yaml"
REGENERATE = "regenerate it: rdslink stack synth --no-code -o examples"


def test_example_template_is_up_to_date(synthesized) -> None:
    assert EXAMPLE.is_file(), REGENERATE
    expected = render(synthesized.templates[DEFAULT_STACK], ReferenceOptions())
    committed = EXAMPLE.read_text()
    assert yaml.safe_load(committed) == yaml.safe_load(expected), REGENERATE
    assert committed == expected, REGENERATE


def test_example_template_is_standalone() -> None:
    template = yaml.safe_load(EXAMPLE.read_text())
    assert set(template["Parameters"]) == {"CodeBucket", "CodeKey"}
    assert "Rules" not in template  # no CDK bootstrap version rule
    text = EXAMPLE.read_text()
    assert "cdk-hnb659fds" not in text and "AssetParameters" not in text and "AWS::CDK::Metadata" not in text
