"""The check registry (rdslink.analysis.checks.registry) against the catalogue (../shared/design/CHECKS.md when
present), the family modules (each id declared once, in ``checks/declarations/<family>.py`` named by its digit),
the code that makes findings (every declared id is reported somewhere), and the documentation pages
docs/checks/<id>.md."""

from __future__ import annotations

import ast
import functools
import importlib
import re
from pathlib import Path

import pytest

from rdslink.analysis.checks import declarations
from rdslink.analysis.checks.registry import CHECKS, FAMILIES, assemble

from ..shared_dir import SHARED

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "checks"
SRC = ROOT / "src" / "rdslink"
DECLARATIONS = SRC / "analysis" / "checks" / "declarations"
SECTIONS = ("## What it means", "## Why it times out", "## Fix", "## AWS sources")

#: ids that are not findings: how the program reports them instead, and the file that must say so
NOT_FINDINGS = {"RL001": ("an unreadable input is an error line and exit 2, never a finding",
                          SRC / "sources" / "errors.py")}
#: declared ids no code reports yet (each one a defect to fix, e.g. ``{"RL603": "why"}`` before RL603 existed);
#: the test of such an id fails once code reports it, so the entry cannot outlive the defect
NEVER_REPORTED: dict[str, str] = {}


def _catalogue_ids() -> set[str]:
    catalogue = SHARED / "design" / "CHECKS.md"
    if not catalogue.is_file():
        pytest.skip(f"{catalogue} not present")
    return set(re.findall(r"^\| (RL\d{3}) \|", catalogue.read_text(), re.M))


def _declaring_modules() -> dict[str, list[str]]:
    """id -> names of the modules under src/rdslink that declare it: a ``Check("RLnnn", ...)`` call anywhere."""
    out: dict[str, list[str]] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Check"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                out.setdefault(str(node.args[0].value), []).append(path.relative_to(SRC).as_posix())
    return out


@functools.cache
def _reported_ids() -> dict[str, set[str]]:
    """id -> files under src/rdslink (declarations and the registry excepted) holding the id as a string literal,
    the way findings are made (``make("RL201", ...)``, ``ingress_id="RL201"``, ``SourceIssue("RL002", ...)``)."""
    out: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        if DECLARATIONS in path.parents or path.name == "registry.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"RL\d{3}", node.value):
                out.setdefault(node.value, set()).add(path.relative_to(SRC).as_posix())
    return out


def test_ids_are_well_formed_and_in_their_family() -> None:
    for cid, c in CHECKS.items():
        assert re.fullmatch(r"RL\d{3}", cid) and c.id == cid
        assert c.family == FAMILIES[int(cid[2])]
        assert (SRC / "analysis" / "checks" / f"{c.family}.py").is_file()
        assert (DECLARATIONS / f"{c.family}.py").is_file()
        assert c.title and not c.title.endswith(".")
        assert c.summary.endswith(".") and "\n" not in c.summary, cid


def test_each_family_module_declares_its_own_ids_and_the_registry_assembles_them() -> None:
    modules = sorted(p.stem for p in DECLARATIONS.glob("*.py") if p.stem != "__init__")
    assert modules == sorted(FAMILIES)
    seen: list[str] = []
    for family in FAMILIES:
        mod = importlib.import_module(f"rdslink.analysis.checks.declarations.{family}")
        assert mod.CHECKS and all(c.family == family for c in mod.CHECKS), family
        seen.extend(c.id for c in mod.CHECKS)
    assert seen == list(CHECKS)
    assert all(CHECKS[c.id] is c for family in FAMILIES
               for c in importlib.import_module(f"rdslink.analysis.checks.declarations.{family}").CHECKS)


def test_every_catalogue_id_is_declared_once_in_the_module_its_family_names() -> None:
    where = _declaring_modules()
    for cid in sorted(_catalogue_ids()):
        family = FAMILIES[int(cid[2])]
        assert where.get(cid) == [f"analysis/checks/declarations/{family}.py"], (cid, where.get(cid))
    assert set(where) == set(CHECKS), sorted(set(where) ^ set(CHECKS))


def test_a_misplaced_or_repeated_declaration_is_refused() -> None:
    c = declarations.Check("RL201", "t", declarations.E, summary="s.")
    with pytest.raises(ValueError, match="RL201 belongs to family security_groups"):
        declarations.declare("network_acls", c)
    with pytest.raises(ValueError, match="declared twice"):
        declarations.declare("security_groups", c, c)
    with pytest.raises(ValueError, match="declared twice"):
        assemble((c,), (c,))
    with pytest.raises(ValueError, match="summary"):
        declarations.declare("security_groups", declarations.Check("RL201", "t", declarations.E))
    with pytest.raises(ValueError, match="not RL and three digits"):
        _ = declarations.Check("RL2x1", "t", declarations.E).family


@pytest.mark.parametrize("cid", [pytest.param(cid, marks=pytest.mark.xfail(strict=True, reason=NEVER_REPORTED[cid]))
                                 if cid in NEVER_REPORTED else cid for cid in sorted(CHECKS)])
def test_every_declared_id_is_reported_somewhere(cid: str) -> None:
    if cid in NOT_FINDINGS:
        why, path = NOT_FINDINGS[cid]
        assert cid in path.read_text(), f"{path} should say that {cid} is reported as {why}"
        return
    assert cid in _reported_ids(), f"{cid} is declared but no code under src/rdslink reports it"


@pytest.mark.parametrize("cid", sorted(CHECKS))
def test_every_check_has_its_page(cid: str) -> None:
    page = DOCS / f"{cid}.md"
    assert page.is_file(), f"{page} missing: run python scripts/gen_check_docs.py"
    text = page.read_text()
    assert text.splitlines()[0] == f"# {cid}: {CHECKS[cid].title}"
    positions = [text.find(s) for s in SECTIONS]
    assert all(p > 0 for p in positions) and positions == sorted(positions), f"{page}: sections {SECTIONS}"
    meaning = " ".join(text.split(SECTIONS[0], 1)[1].split(SECTIONS[1], 1)[0].split())
    assert meaning.startswith(CHECKS[cid].summary), f"{page}: {SECTIONS[0]} does not start with the declared summary"
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
    assert _catalogue_ids() == set(CHECKS)
