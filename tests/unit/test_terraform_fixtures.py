"""Golden fixtures for Terraform inputs: ``tests/fixtures/terraform/{good,bad}/<name>/`` is a root module folder
(or holds a plan JSON) with ``expected.yaml`` beside it, in the format of the template fixtures
(tests/unit/test_check_fixtures.py)::

    inputs: [plan.json]             # optional; relative to the fixture folder (default: the folder itself)
    args: ["--var", "x=y"]          # optional; "{here}" is replaced by the fixture folder
    exit: 1
    pairs:  [{function: <address>, target: <address or ?name>, verdict: BLOCKED}]
    findings: [{id: RL207, resources: [...]}]      # exact set, severity error/warning
    info: [...]                                     # optional exact set of info findings

Expectations were written from AWS / Terraform semantics, not copied from rdslink's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .test_check_fixtures import _all_findings, _finding_key, run_check

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "terraform"
CASES = sorted(p.parent.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("expected.yaml")
               if ".terraform" not in p.parts)


def _expected(rel: str) -> dict:
    data = yaml.safe_load((FIXTURES / rel / "expected.yaml").read_text())
    assert isinstance(data, dict) and isinstance(data.get("exit"), int), rel
    return data


@pytest.mark.parametrize("rel", CASES)
def test_terraform_fixture(rel: str) -> None:
    exp = _expected(rel)
    folder = FIXTURES / rel
    inputs = [str(folder / i) for i in exp.get("inputs") or ["."]]
    args = [str(a).replace("{here}", str(folder)) for a in exp.get("args") or []]
    code, doc, err = run_check(inputs, args)
    assert doc is not None, f"no JSON output (exit {code}): {err}"
    pairs = sorted((p["function"]["id"], p["target"]["id"], p["verdict"]) for p in doc["pairs"])
    findings = _all_findings(doc)
    got = {_finding_key(f) for f in findings if f["severity"] in ("error", "warning")}
    report = (f"\nexit {code}\npairs {pairs}\nfindings\n  "
              + "\n  ".join(f"{f['id']} {f['severity']} {f['resources']}: {f['evidence']}" for f in findings))
    want_pairs = sorted((p["function"], p["target"], p["verdict"]) for p in exp.get("pairs") or [])
    assert pairs == want_pairs, report
    want = {_finding_key(f) for f in exp.get("findings") or []}
    assert got == want, f"missing {sorted(want - got)}, unexpected {sorted(got - want)}" + report
    if "info" in exp:
        got_info = {_finding_key(f) for f in findings if f["severity"] == "info"}
        assert got_info == {_finding_key(f) for f in exp.get("info") or []}, report
    assert code == exp["exit"], report
    assert all(i["kind"].startswith("terraform") for i in doc["inputs"])


def test_rl207_fix_is_an_hcl_egress_block() -> None:
    _, doc, _ = run_check([str(FIXTURES / "bad" / "RL207-no-egress")], [])
    assert doc is not None
    f = next(f for p in doc["pairs"] for f in p["findings"] if f["id"] == "RL207")
    assert 'resource "aws_security_group" "fn"' in f["fix"]["template"]
    assert "egress {" in f["fix"]["template"] and 'cidr_blocks = ["0.0.0.0/0"]' in f["fix"]["template"]
    assert "main.tf:" in f["evidence"]


def test_sg_fix_for_terraform_is_hcl_not_cloudformation() -> None:
    _, doc, _ = run_check([str(FIXTURES / "bad" / "RL201-db-group-without-ingress")], [])
    assert doc is not None
    f = next(f for p in doc["pairs"] for f in p["findings"] if f["id"] == "RL201")
    tpl = f["fix"]["template"]
    assert 'resource "aws_vpc_security_group_ingress_rule"' in tpl
    assert "security_group_id            = aws_security_group.db.id" in tpl
    assert "referenced_security_group_id = aws_security_group.fn.id" in tpl
    assert "AWS::EC2" not in tpl and "!Ref" not in tpl


def test_every_terraform_family_has_good_and_bad() -> None:
    names = set(CASES)
    for check in ("RL207", "RL002"):
        for kind in ("good", "bad"):
            assert any(n.startswith(f"{kind}/{check}-") for n in names), f"no {kind} Terraform fixture for {check}"


@pytest.mark.parametrize("rel", CASES)
def test_fixes_for_terraform_inputs_are_hcl(rel: str) -> None:
    """Every fix template of a Terraform input is HCL: no CloudFormation resource types, tags or properties."""
    exp = _expected(rel)
    folder = FIXTURES / rel
    inputs = [str(folder / i) for i in exp.get("inputs") or ["."]]
    args = [str(a).replace("{here}", str(folder)) for a in exp.get("args") or []]
    _, doc, _ = run_check(inputs, args)
    assert doc is not None
    for f in _all_findings(doc):
        tpl = (f.get("fix") or {}).get("template") or ""
        if not tpl:
            continue
        assert "AWS::" not in tpl and "!Ref" not in tpl and "Properties:" not in tpl, (f["id"], tpl)
        assert "resource \"" in tpl, (f["id"], tpl)
