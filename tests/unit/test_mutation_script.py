"""scripts/mutation.py: the mutants it makes are real, compilable, one-place changes, sampled reproducibly.
(Running them is what the script is for; here only the enumeration, which is quick.)"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "mutation.py"


@pytest.fixture(scope="module")
def mutation() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rdslink_mutation_script", SCRIPT)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_mutants_of_iam_py(mutation: ModuleType) -> None:
    path = mutation.PACKAGE / "analysis" / "iam.py"
    texts: dict[str, str] = {}
    mutants = mutation.enumerate_mutants([path], texts)
    text = texts["analysis/iam.py"]
    assert text == path.read_text()
    assert len(mutants) > 50
    assert {m.op for m in mutants} >= {"cmp", "bool", "not", "const", "drop-elt", "stmt", "ret", "arith"}
    for m in mutants:
        assert text[m.start:m.end] == m.old
        changed = mutation.apply(text, m)
        assert changed != text
        compile(changed, "iam.py", "exec")
        # the change starts on the mutant's line
        first = next(i for i, (a, b) in enumerate(zip(text.splitlines(), changed.splitlines(), strict=False)) if a != b)
        assert first + 1 == m.line, (m, first)
    # nothing inside an f-string (evidence texts) or a docstring is mutated
    lines = mutation._offsets(text)
    tree = ast.parse(text)
    spans = []
    for n in ast.walk(tree):
        if isinstance(n, ast.JoinedStr) or (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)
                                            and isinstance(n.value.value, str)):
            spans.append((lines[n.lineno - 1] + mutation._col(text, lines[n.lineno - 1], n.col_offset),
                          lines[n.end_lineno - 1] + mutation._col(text, lines[n.end_lineno - 1], n.end_col_offset)))
    assert spans
    assert not [m for m in mutants for a, b in spans if a <= m.start < b]


def test_the_rl203_protocol_mutant_is_made(mutation: ModuleType) -> None:
    """The issue's probe: RL203 ignoring protocol -1 (``("-1", "6")`` -> ``("6",)``) is one of the mutants."""
    rel = "analysis/checks/network_acls.py"  # the network leg, RL203 included
    text = (mutation.PACKAGE / rel).read_text()
    col = mutation._Collector(rel, text)  # the candidates, before the (slow) compile filter
    col.visit(ast.parse(text))
    mutants = col.out
    assert any(m.op == "drop-elt" and m.old == '("-1", "6")' and m.new == "(('6',))" for m in mutants)


def test_sample_is_reproducible_and_bounded(mutation: ModuleType) -> None:
    mutants = mutation.enumerate_mutants([mutation.PACKAGE / "analysis" / "iam.py"])
    a = mutation.sample(mutants, 10, seed=3)
    assert a == mutation.sample(mutants, 10, seed=3)
    assert len(a) == 10 and len(set(a)) == 10
    assert mutation.sample(mutants, 10, seed=4) != a
    assert len(mutation.sample(mutants, 10_000, seed=3)) == len(mutants)


def test_every_target_file_maps_to_existing_tests(mutation: ModuleType) -> None:
    for path in mutation.target_files([]):
        rel = path.relative_to(mutation.PACKAGE).as_posix()
        tests = mutation.tests_for(rel)
        assert tests and all((mutation.REPO / t).exists() for t in tests), rel


def test_list_mode(mutation: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert mutation.main(["--list", "--only", "analysis/checks/registry.py", "--max-mutants", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and all(line.startswith("analysis/checks/registry.py:") for line in out)
    assert mutation.main(["--list", "--only", "nothing/here.py"]) == 2
