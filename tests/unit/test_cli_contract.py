"""The command-line contract of ARCHITECTURE.md: exit 4 (one line, no traceback, no input values) for an
internal error, `--version`, and the dependency rules (no private imports, bounded majors, a lock file)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import tomllib
from packaging.specifiers import SpecifierSet

from rdslink import __version__
from rdslink.cli import main

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "rdslink"
FIXED = ROOT / "examples" / "fixed-stack.yaml"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"rdslink {__version__}"


def _boom(*_a: object, **_k: object) -> object:
    raise KeyError("hunter2-secret-value")


def test_internal_error_is_exit_4_one_line(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    import rdslink.analysis.engine as engine

    monkeypatch.setattr(engine, "analyse", _boom)
    code = main(["check", str(FIXED), "--no-lint", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 4
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert re.fullmatch(
        r"rdslink: internal error: KeyError at rdslink/[\w/]+\.py:\d+ \(run with --debug for the traceback\)",
        lines[0],
    ), lines[0]
    assert "hunter2" not in err + out
    assert "Traceback" not in err


def test_debug_prints_the_traceback_anywhere_on_the_line(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    import rdslink.analysis.engine as engine

    monkeypatch.setattr(engine, "analyse", _boom)
    code = main(["check", str(FIXED), "--debug", "--no-lint"])
    err = capsys.readouterr().err
    assert code == 4
    assert "Traceback (most recent call last)" in err
    assert err.strip().splitlines()[-1].startswith("rdslink: internal error: KeyError")


def test_usage_error_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check", "--format", "yaml"])
    assert exc.value.code == 2


def _private_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
            names: list[str] = []
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: rdslink's own modules
                continue
            mods = [node.module or ""]
            names = [a.name for a in node.names]
        else:
            continue
        for mod in mods:
            if mod.split(".")[0] in ("rdslink", "__future__"):
                continue
            parts = mod.split(".") + names
            if any(p.startswith("_") for p in parts):
                bad.append(f"{path.name if ROOT not in path.parents else path.relative_to(ROOT)}:{node.lineno}: {mod} {names or ''}".strip())
    return bad


def test_private_import_detector_catches_the_old_sam_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from cfnlint.template.transforms._sam import Transform\nimport os._x\n"
                     "from psycopg import _private\nfrom . import _deadline\nfrom rdslink.runtime import _deadline\n")
    found = _private_imports(probe)
    assert len(found) == 3, found


def test_no_private_imports_of_dependencies() -> None:
    bad = [hit for f in sorted(SRC.rglob("*.py")) for hit in _private_imports(f)]
    assert bad == [], "imports of third-party private modules (use their public API):\n" + "\n".join(bad)


def _requirements() -> list[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    reqs = list(data["project"]["dependencies"])
    for items in data["project"]["optional-dependencies"].values():
        reqs += [r for r in items if not r.startswith("rdslink[")]
    return reqs


def test_every_dependency_has_a_major_bound_and_is_locked() -> None:
    locked = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt line without ==: {line}"
            locked[re.sub(r"[-_.]+", "-", name).lower()] = version
    reqs = _requirements()
    assert reqs
    for req in reqs:
        name = re.sub(r"[-_.]+", "-", re.split(r"[\[<>=!~; ]", req, maxsplit=1)[0]).lower()
        assert "<" in req, f"{req}: bound the major version (e.g. '<{name} next major>')"
        assert name in locked, f"{name} is not in constraints.txt"
        spec = SpecifierSet(re.sub(r"^[A-Za-z0-9_.\-]+(\[[^\]]*\])?", "", req).split(";")[0])
        assert spec.contains(locked[name]), f"constraints.txt pins {name}=={locked[name]}, outside {req}"
