"""``rdslink stack synth`` (parser from ``add_parser``, run through ``run``), options parsing and the asset."""

from __future__ import annotations

import argparse
import contextlib
import io
import zipfile
from pathlib import Path

import pytest

from rdslink.stack.asset import build_asset, default_handler, write_zip
from rdslink.stack.command import add_parser, options_from_strings, run
from rdslink.stack.options import ReferenceOptions

REPO = Path(__file__).resolve().parents[2]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="rdslink")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(list(argv))


def run_quiet(args: argparse.Namespace) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(args)
    return code, out.getvalue(), err.getvalue()


def test_synth_writes_the_example_template_and_the_code_zip(tmp_path: Path, needs_cdk: None) -> None:
    code, out, err = run_quiet(parse("stack", "synth", "-o", str(tmp_path)))
    assert code == 0, err
    assert (tmp_path / "reference-stack.yaml").read_text() == (REPO / "examples" / "reference-stack.yaml").read_text()
    with zipfile.ZipFile(tmp_path / "function.zip") as zf:
        names = set(zf.namelist())
        assert {"handler.py", "rdslink/__init__.py", "rdslink/runtime/database.py"} <= names
        assert zf.read("handler.py") == (REPO / "examples" / "handler.py").read_bytes()
    assert "--vendor" in err and "--ca-bundle" in err  # says what the zip still lacks
    assert "reference-stack.yaml" in out


@pytest.mark.parametrize(("argv", "message"), [
    (("--cidr", "10.0.0.0/8"), "/16 to /22"),
    (("--nat-gateways", "1"), "needs egress 'nat'"),
    (("--reserved-concurrency", "zero"), "integer"),
    (("--engine-version", "latest"), "engine_version"),
])
def test_bad_options_exit_2_before_synthesis(tmp_path: Path, argv: tuple[str, ...], message: str) -> None:
    code, _, err = run_quiet(parse("stack", "synth", "-o", str(tmp_path), *argv))
    assert code == 2 and message in err
    assert not (tmp_path / "reference-stack.yaml").exists()


def test_options_from_strings() -> None:
    opts = options_from_strings({"engine": "mysql", "proxy": "true", "azs": "3", "reserved_concurrency": "none",
                                 "engine_version": ""})
    assert opts == ReferenceOptions(engine="mysql", proxy=True, azs=3, reserved_concurrency=None)
    assert opts.port == 3306 and opts.resolved_engine_version.startswith("8.4")
    with pytest.raises(ValueError, match="unknown option"):
        options_from_strings({"faults": "no-vpc"})
    with pytest.raises(ValueError, match="true or false"):
        options_from_strings({"proxy": "maybe"})


def test_options_validate() -> None:
    with pytest.raises(ValueError, match="engine"):
        ReferenceOptions(engine="oracle").validate()
    with pytest.raises(ValueError, match="azs"):
        ReferenceOptions(azs=4).validate()
    with pytest.raises(ValueError, match="unknown fault"):
        ReferenceOptions().with_faults("typo").validate()
    with pytest.raises(ValueError, match="need proxy"):
        ReferenceOptions().with_faults("proxy-no-connect").validate()
    assert ReferenceOptions(egress="nat", nat_gateways=2, azs=3).validate().nat_gateways == 2


def test_asset_folder_and_reproducible_zip(tmp_path: Path) -> None:
    assert default_handler() == REPO / "examples" / "handler.py"
    (tmp_path / "vendor" / "pymysql").mkdir(parents=True)
    (tmp_path / "vendor" / "pymysql" / "__init__.py").write_text("")
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    folder = build_asset(tmp_path / "code", ca_bundle=tmp_path / "ca.pem", vendor=tmp_path / "vendor")
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {"handler.py", "global-bundle.pem", "pymysql/__init__.py", "rdslink/__init__.py",
            "rdslink/runtime/__init__.py"} <= files
    assert not any("__pycache__" in f for f in files)
    a, b = write_zip(folder, tmp_path / "a.zip"), write_zip(folder, tmp_path / "b.zip")
    assert a.read_bytes() == b.read_bytes()
    with pytest.raises(FileExistsError):
        build_asset(folder)
    with pytest.raises(FileNotFoundError):
        build_asset(tmp_path / "other", handler=tmp_path / "missing.py")
