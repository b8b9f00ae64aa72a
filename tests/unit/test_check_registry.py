"""The check registry (rdslink.analysis.checks.registry) against the catalogue (../shared/design/CHECKS.md when
present), the family modules, the code that makes findings, and the documentation pages docs/checks/<id>.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rdslink.analysis.checks.registry import CHECKS, FAMILIES

from ..shared_dir import SHARED

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "checks"
SRC = ROOT / "src" / "rdslink"
SECTIONS = ("## What it means", "## Why it times out", "## Fix", "## AWS sources")


def test_ids_are_well_formed_and_in_their_family() -> None:
    for cid, c in CHECKS.items():
        assert re.fullmatch(r"RL\d{3}", cid) and c.id == cid
        assert c.family == FAMILIES[int(cid[2])]
        assert (SRC / "analysis" / "checks" / f"{c.family}.py").is_file()
        assert c.title and not c.title.endswith(".")


@pytest.mark.parametrize("cid", sorted(CHECKS))
def test_every_check_has_its_page(cid: str) -> None:
    page = DOCS / f"{cid}.md"
    assert page.is_file(), f"{page} missing: run python scripts/gen_check_docs.py"
    text = page.read_text()
    assert text.splitlines()[0] == f"# {cid}: {CHECKS[cid].title}"
    positions = [text.find(s) for s in SECTIONS]
    assert all(p > 0 for p in positions) and positions == sorted(positions), f"{page}: sections {SECTIONS}"
    for a, b in zip(SECTIONS, SECTIONS[1:] + ("\0",), strict=True):
        body = text.split(a, 1)[1].split(b, 1)[0].strip()
        assert len(body) > 20, f"{page}: {a} is empty"
    assert re.search(r"<https://(docs\.aws\.amazon\.com|registry\.terraform\.io)/", text), f"{page}: no source"


def test_no_page_without_a_check() -> None:
    assert {p.stem for p in DOCS.glob("RL*.md")} == set(CHECKS)


def test_every_id_the_code_reports_is_registered() -> None:
    used: set[str] = set()
    for path in SRC.rglob("*.py"):
        used.update(re.findall(r"""["'](RL\d{3})["']""", path.read_text()))
    assert used <= set(CHECKS), sorted(used - set(CHECKS))


def test_registry_matches_the_catalogue() -> None:
    catalogue = SHARED / "design" / "CHECKS.md"
    if not catalogue.is_file():
        pytest.skip(f"{catalogue} not present")
    ids = set(re.findall(r"^\| (RL\d{3}) \|", catalogue.read_text(), re.M))
    assert ids == set(CHECKS)
