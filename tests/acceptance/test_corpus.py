"""Every run of the real-world corpus (../shared/corpus/templates/EXPECTED.yaml) must match its expectations
(conventions C1-C11 in the file's header; comparison in tests/acceptance/corpus.py)."""

from __future__ import annotations

import pytest

from .corpus import SHARED, TEMPLATES, compare, load_runs, run_check

if not (TEMPLATES / "EXPECTED.yaml").is_file():
    pytest.skip(f"real-world corpus not found: {TEMPLATES}/EXPECTED.yaml is missing (expected the shared folder at "
                f"{SHARED}, next to the repository)", allow_module_level=True)

RUNS = load_runs()


def test_corpus_is_not_empty() -> None:
    assert RUNS, "EXPECTED.yaml lists no runs"
    ids = [f"{case}/{run['name']}" for case, run in RUNS]
    assert len(ids) == len(set(ids)), "run names must be unique within a case"


@pytest.mark.parametrize(("case", "run"), RUNS, ids=[f"{case}/{run['name']}" for case, run in RUNS])
def test_corpus_run(case: str, run: dict) -> None:
    code, doc, err = run_check(case, run)
    problems = compare(run, code, doc)
    assert problems == [], f"{case}/{run['name']} (stderr: {err.strip()!r}):\n  - " + "\n  - ".join(problems)


@pytest.mark.parametrize(("case", "run"), RUNS, ids=[f"{case}/{run['name']}" for case, run in RUNS])
def test_corpus_hops_agree_with_engine_traces(case: str, run: dict) -> None:
    """Every corpus pair's network hops agree with the path engine's flows in its ``traces``
    (tests/unit/test_check_trace_agreement.py)."""
    from tests.unit.test_check_trace_agreement import _agree

    _, doc, err = run_check(case, run)
    assert doc is not None, err
    for pair in doc["pairs"]:
        _agree(pair, f"{case}/{run['name']}: {pair['function']['id']} -> {pair['target']['id']}")
