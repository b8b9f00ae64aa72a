"""The CLI end to end against a moto server on 127.0.0.1 (``--endpoint-url``): ``rdslink snapshot DIR`` then
``rdslink check DIR`` must give the same pairs, verdicts and finding ids as ``rdslink check --live``."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rdslink.cli import main

from .builders import REGION, Account
from .scenarios import BY_NAME, build_all
from .support import summary

CASES = ["correct", "correct-proxy", "rl104", "rl201", "rl301", "rl503", "rl702", "intermittent-rl202",
         "correct-secrets-nat", "rl501-nat-not-associated"]


@pytest.fixture(scope="module")
def server(aws_env: None) -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    srv = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    srv.start()
    host, port = srv.get_host_and_port()
    assert host == "127.0.0.1"
    url = f"http://{host}:{port}"
    try:
        yield url
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def envs(server: str) -> dict[str, Any]:
    # the server shares moto's in-process state with the ``world`` of the other modules: keep names apart
    return build_all(Account(endpoint_url=server, suffix="-cli"), CASES)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def runs(server: str, envs: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    snap = tmp_path_factory.mktemp("snap") / "account"
    code_s, out_s, err_s = run("snapshot", str(snap), "--endpoint-url", server, "--live-region", REGION)
    assert code_s == 0, err_s
    code_d, out_d, err_d = run("check", str(snap), "--format", "json")
    code_l, out_l, err_l = run("check", "--live", "--endpoint-url", server, "--live-region", REGION, "--format",
                               "json", "--verbose")
    return {"snap": snap, "snapshot_out": out_s, "dir": (code_d, json.loads(out_d), err_d),
            "live": (code_l, json.loads(out_l), err_l)}


def test_snapshot_writes_api_shaped_files(runs: dict[str, Any]) -> None:
    folder = Path(runs["snap"]) / REGION
    names = {p.name for p in folder.iterdir()}
    assert {"ec2-describe-vpcs.json", "ec2-describe-network-acls.json", "lambda-list-functions.json",
            "rds-describe-db-instances.json", "rds-describe-db-proxy-targets.json", "iam-roles.json"} <= names
    assert "rdslink-snapshot-notes.json" not in names
    assert json.loads((folder / "ec2-describe-vpcs.json").read_text())["Vpcs"]
    assert "API calls" in runs["snapshot_out"]


def test_snapshot_check_equals_live_check(runs: dict[str, Any]) -> None:
    code_d, doc_d, _ = runs["dir"]
    code_l, doc_l, _ = runs["live"]
    assert code_d == code_l == 1
    assert summary(doc_d) == summary(doc_l)
    assert sorted(f["id"] for f in doc_d["findings"]) == sorted(f["id"] for f in doc_l["findings"])
    assert [i["kind"] for i in doc_d["inputs"]] == ["describe-json"]
    assert doc_l["inputs"] == [{"kind": "live", "location": REGION}]
    assert any(w.startswith(f"live {REGION}: ") and "API calls" in w for w in doc_l["warnings"])


@pytest.mark.parametrize("case", CASES)
def test_cli_verdicts(runs: dict[str, Any], envs: dict[str, Any], case: str) -> None:
    env, expected = envs[case], BY_NAME[case]
    for key in ("dir", "live"):
        doc = runs[key][1]
        pairs = [p for p in doc["pairs"] if p["function"]["name"] == env.function_name]
        assert len(pairs) == 1, (key, pairs)
        errors = {f["id"] for f in pairs[0]["findings"] if f["severity"] == "error"}
        assert (pairs[0]["verdict"], errors) == (expected.verdict, set(expected.errors)), key


def test_cli_exit_codes_for_one_function(server: str, envs: dict[str, Any], runs: dict[str, Any]) -> None:
    code, out, err = run("check", "--live", "--endpoint-url", server, "--live-region", REGION, "--function",
                         envs["correct"].function_name, "--format", "json")
    assert code == 0, err
    assert [p["verdict"] for p in json.loads(out)["pairs"]] == ["REACHABLE"]
    code, out, _ = run("check", str(runs["snap"]), "--function", envs["rl201"].function_name, "--format", "json")
    assert code == 1 and [p["verdict"] for p in json.loads(out)["pairs"]] == ["BLOCKED"]


def test_snapshot_refuses_non_empty_dir(server: str, runs: dict[str, Any]) -> None:
    code, _, err = run("snapshot", str(runs["snap"]), "--endpoint-url", server, "--live-region", REGION)
    assert code == 2 and "refusing to overwrite" in err
