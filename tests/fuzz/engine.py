"""Mutation fuzzer for ``rdslink check``: seeded structural and byte-level mutations of templates and of
describe-JSON folders, run through the CLI's ``main`` in-process.

An outcome is acceptable when ``main`` returns a verdict exit code (0, 1, 3) or a documented input error
(exit 2 with exactly one ``rdslink: error:`` line, or argparse's usage error), no exception escapes, no
traceback is printed, the JSON document parses when one is printed, and none of the secret canaries planted
in the input appears in stdout or stderr. Anything else is a *failure* with a *signature* (the exception type
and the innermost rdslink frame, or the kind of bad outcome) so that repeated crashes of the same root cause
count once.

Used by ``tests/fuzz/test_fuzz.py`` (a bounded run in the suite) and ``scripts/fuzz.py`` (a long run that saves
minimised reproducers).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import random
import shutil
import signal
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..shared_dir import SHARED

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
CORPUS = SHARED / "corpus"

#: Secret canaries planted in inputs; none may ever appear in any output.
CANARY_NOECHO = "NoEchoCanary7f3a9"
CANARY_PASSWORD = "LiteralPwdCanary51c"
CANARY_ENV = "EnvPwdCanary2b8e"
CANARY_CLI = "CliValueCanary90d4"
CANARIES = (CANARY_NOECHO, CANARY_PASSWORD, CANARY_ENV, CANARY_CLI)

#: Exit codes that are verdicts or documented input errors.
ACCEPTED = {0, 1, 2, 3}

#: Seconds one input may take before it counts as a hang.
HANG_SECONDS = 30


# ---- seeds -----------------------------------------------------------------------------------------------------


def template_seeds(include_corpus: bool = True) -> list[Path]:
    """Template files of the fixtures (and of ../shared/corpus when present)."""
    out = sorted(p for p in (FIXTURES / "templates").rglob("*.yaml") if not p.name.endswith(".expected.yaml"))
    if include_corpus and (CORPUS / "templates").is_dir():
        for p in sorted((CORPUS / "templates").rglob("*")):
            if p.suffix in (".yaml", ".yml", ".json", ".template") and p.name not in ("EXPECTED.yaml", "bindings.yaml"):
                out.append(p)
    return out


def describe_seeds(include_corpus: bool = True) -> list[Path]:
    """Describe-JSON folders: the fixture snapshot (and the corpus's folders when present)."""
    out = [p for p in sorted((FIXTURES / "describe").iterdir()) if p.is_dir()] if (FIXTURES / "describe").is_dir() else []
    if include_corpus and (CORPUS / "describe").is_dir():
        for p in sorted((CORPUS / "describe").iterdir()):
            if not p.is_dir():
                continue
            subs = [q for q in sorted(p.iterdir()) if q.is_dir()]
            has_json = any(p.glob("*/*.json"))
            if has_json or not subs:
                out.append(p)
            else:
                out.extend(q for q in subs)
    return out


def decode_template(path: Path) -> Any:
    """The template as plain JSON-compatible data (short-form tags expanded by cfn-lint's decoder)."""
    from cfnlint.decode import decode_str

    data, matches = decode_str(path.read_text(encoding="utf-8"))
    if matches or not isinstance(data, dict):
        return None
    return json.loads(json.dumps(data, default=str))


# ---- mutation --------------------------------------------------------------------------------------------------

INTERESTING: list[Any] = [
    None, True, False, 0, -1, 1, 65535, 65536, 99999, -2, 3.5, "", " ", "-1", "tcp", "udp", "6", "all", "icmp",
    "[/]", "[bold]x[/bold]", "[link=x]", "\x00", "\u202e", "0.0.0.0/0", "::/0", "10.0.0.0/33", "not-a-cidr",
    "sg-123", "subnet-1", "vpc-1", "arn:aws:iam::123456789012:role/x", "x" * 300, [], {}, [[]], [None], [{}],
    {"Ref": True}, {"Ref": []}, {"Ref": "AWS::NoValue"}, {"Ref": "AWS::Bogus"}, {"Ref": "Nope"},
    {"Fn::GetAtt": True}, {"Fn::GetAtt": []}, {"Fn::GetAtt": ["A"]}, {"Fn::GetAtt": "A.B"}, {"Fn::GetAtt": [1, 2, 3]},
    {"Fn::GetAtt": [{"Ref": "X"}, "Arn"]},
    {"Fn::Join": []}, {"Fn::Join": ""}, {"Fn::Join": ["-"]}, {"Fn::Join": ["-", "x"]}, {"Fn::Join": [[], [1]]},
    {"Fn::Join": ["-", [[1], {}]]},
    {"Fn::Sub": ["${x}", "str"]}, {"Fn::Sub": []}, {"Fn::Sub": 5}, {"Fn::Sub": ["${x}", {"x": [1]}]},
    {"Fn::Sub": "${AWS::Region}-${Nope.Attr}-${!lit}"}, {"Fn::Sub": [["a"], {}]},
    {"Fn::Select": []}, {"Fn::Select": [5, []]}, {"Fn::Select": ["x", [1]]}, {"Fn::Select": "0"},
    {"Fn::Select": [0, "abc"]}, {"Fn::Split": []}, {"Fn::Split": [",", [1]]}, {"Fn::Split": [[], "a"]},
    {"Fn::If": "c"}, {"Fn::If": []}, {"Fn::If": ["C", 1]}, {"Fn::If": [[], 1, 2]},
    {"Fn::Equals": "x"}, {"Fn::Equals": [1]}, {"Fn::Equals": [1, 2, 3]}, {"Fn::And": "x"}, {"Fn::And": [1]},
    {"Fn::Or": {}}, {"Fn::Not": []}, {"Fn::Not": "x"}, {"Condition": []}, {"Condition": {"a": 1}},
    {"Fn::FindInMap": []}, {"Fn::FindInMap": "x"}, {"Fn::FindInMap": ["M", "a"]}, {"Fn::FindInMap": [[], [], []]},
    {"Fn::FindInMap": ["M", "a", "b", "notadict"]},
    {"Fn::GetAZs": []}, {"Fn::GetAZs": {"Ref": "AWS::Region"}}, {"Fn::ImportValue": []}, {"Fn::ImportValue": {}},
    {"Fn::Cidr": []}, {"Fn::Cidr": ["10.0.0.0/16", 999999999, 8]}, {"Fn::Cidr": ["10.0.0.0/16", 3, 200]},
    {"Fn::Cidr": "x"}, {"Fn::Length": 5}, {"Fn::Base64": []}, {"Fn::ToJsonString": {}}, {"Fn::Transform": {}},
    {"Fn::Unknown": 1}, {"Fn::GetAtt": ["A", {"Ref": "B"}]},
    "{{resolve:secretsmanager:MySecret:SecretString:password}}", "{{resolve:ssm-secure:/db/pw}}",
    "{{resolve:ssm:/x}}", "${x}", "mydb.c123.us-east-1.rds.amazonaws.com",
    {"Ref": "FuzzNoEchoSecret"}, {"Ref": "FuzzPort"},
]

DESCRIBE_INTERESTING: list[Any] = [
    None, True, 0, -1, 65536, 99999, "", "[/]", "x", "-1", "tcp", "6", "all", "10.0.0.0/33", "0.0.0.0/0",
    [], {}, ["vpc-1"], [1, 2], [None], [[]], {"Value": "x"}, {"Value": True}, "sg-1", "subnet-1", "vpc-1",
    "arn:aws:rds:us-east-1:123456789012:db:x", "mydb.c1.us-east-1.rds.amazonaws.com", "\u202e", "x" * 300,
    {"Key": "Name", "Value": "[/]"}, "not json at all {", 1e308, -0.0,
]

TEXT_SNIPPETS = [
    "[/]", "[bold]", ": ", "- ", "!Ref", "!GetAtt", "!Sub", "&a", "*a", "<<: *a", "{", "}", "[", "]", ",", '"', "'",
    "\t", "\n", "---\n", "...\n", "\x00", "\ufeff", "#", "%YAML 1.2\n", "!!python/object:os.system", "? ", "|", ">",
    "Fn::GetAtt", "Fn::Join", "Ref", "NoEcho", "\\u0000", "1e9999", "-1", "65536",
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        node = node[p]
    return node


def _set(root: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = _get(root, path[:-1])
    parent[path[-1]] = value
    return root


def _delete(root: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return root
    parent = _get(root, path[:-1])
    if isinstance(parent, dict):
        parent.pop(path[-1], None)
    elif isinstance(parent, list) and path[-1] < len(parent):
        parent.pop(path[-1])
    return root


def mutate_structure(rng: random.Random, doc: Any, pool: list[Any], rounds: int | None = None) -> Any:
    """Apply 1-4 structural mutations to a copy of ``doc``: replace a node by an interesting value or by a node
    spliced from elsewhere, delete a node, wrap it in a list/mapping, unwrap it, or duplicate it."""
    doc = copy.deepcopy(doc)
    for _ in range(rounds or rng.randint(1, 4)):
        paths = list(_paths(doc))
        path = rng.choice(paths)
        op = rng.random()
        try:
            node = _get(doc, path)
        except (KeyError, IndexError, TypeError):
            continue
        if op < 0.45:
            doc = _set(doc, path, copy.deepcopy(rng.choice(pool)))
        elif op < 0.6:
            other = _get(doc, rng.choice(paths))
            doc = _set(doc, path, copy.deepcopy(other))
        elif op < 0.72 and path:
            doc = _delete(doc, path)
        elif op < 0.8:
            doc = _set(doc, path, [copy.deepcopy(node)])
        elif op < 0.85:
            doc = _set(doc, path, {"Fn::Unknown" if rng.random() < 0.2 else "Key": copy.deepcopy(node)})
        elif op < 0.9 and isinstance(node, (list, dict)) and node:
            inner = rng.choice(list(node.values()) if isinstance(node, dict) else node)
            doc = _set(doc, path, copy.deepcopy(inner))
        elif op < 0.95 and isinstance(node, dict):
            node[rng.choice(["Type", "Properties", "Condition", "DependsOn", "Ref", "Fn::If", "x"])] = copy.deepcopy(
                rng.choice(pool))
        elif isinstance(node, list):
            node.extend(copy.deepcopy(node[: rng.randint(0, 3)]))
    return doc


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    """1-4 byte-level mutations: flip, delete a range, duplicate a range, insert a syntax snippet, truncate."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not b:
            b.extend(rng.choice(TEXT_SNIPPETS).encode())
            continue
        op = rng.random()
        i = rng.randrange(len(b))
        if op < 0.25:
            b[i] = rng.randrange(256)
        elif op < 0.45:
            del b[i:i + rng.randint(1, 64)]
        elif op < 0.6:
            j = min(len(b), i + rng.randint(1, 200))
            b[i:i] = b[i:j]
        elif op < 0.9:
            b[i:i] = rng.choice(TEXT_SNIPPETS).encode()
        else:
            del b[rng.randrange(len(b)):]
    return bytes(b)


# ---- planting secrets ------------------------------------------------------------------------------------------


def plant_secrets(rng: random.Random, doc: Any) -> Any:
    """Add a NoEcho parameter (given with ``-p``), a NoEcho Number parameter used as a port, a literal master
    password and a password-looking environment variable to a template, some of them referenced from random
    places, so that the run can check that none of their values reaches the output."""
    if not isinstance(doc, dict):
        return doc
    params = doc.get("Parameters")
    if not isinstance(params, dict):
        params = {} if params is None or rng.random() < 0.8 else params
        if isinstance(params, dict):
            doc["Parameters"] = params
    if isinstance(params, dict):
        params["FuzzNoEchoSecret"] = {"Type": "String", "NoEcho": True}
        params["FuzzPort"] = {"Type": "Number", "NoEcho": "true", "Default": "5999"}
    resources = doc.get("Resources")
    if not isinstance(resources, dict):
        return doc
    for res in resources.values():
        if not isinstance(res, dict) or not isinstance(res.get("Properties"), dict):
            continue
        props = res["Properties"]
        rtype = res.get("Type")
        if rtype in ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster") and rng.random() < 0.6:
            props["MasterUserPassword"] = rng.choice([CANARY_PASSWORD, {"Ref": "FuzzNoEchoSecret"}])
            if rng.random() < 0.3:
                props["Port"] = {"Ref": "FuzzPort"}
        if rtype in ("AWS::Lambda::Function", "AWS::Serverless::Function") and rng.random() < 0.6:
            env = props.setdefault("Environment", {})
            if isinstance(env, dict):
                variables = env.setdefault("Variables", {})
                if isinstance(variables, dict):
                    variables["DB_PASSWORD"] = CANARY_ENV
                    if rng.random() < 0.5:
                        variables["DB_SECRET_VALUE"] = {"Ref": "FuzzNoEchoSecret"}
                    if rng.random() < 0.3:
                        variables["DB_PORT"] = {"Ref": "FuzzPort"}
    return doc


# ---- running ---------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one run produced. ``failure`` is None when acceptable, else a short signature."""

    code: int | None
    stdout: str
    stderr: str
    failure: str | None = None
    detail: str = ""


class Hang(BaseException):
    """Raised by the alarm when one input runs longer than :data:`HANG_SECONDS`."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise Hang()


def _signature(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    frames = [f for f in tb if "/rdslink/" in f.filename] or list(tb)
    where = f"{Path(frames[-1].filename).name}:{frames[-1].name}" if frames else "?"
    return f"{type(exc).__name__}@{where}"


def _cache_parser() -> None:
    """Build the CLI's argparse parser once per process (it is a fifth of the cost of a small input and has no
    state between ``parse_args`` calls)."""
    import functools

    import rdslink.cli

    if not hasattr(rdslink.cli._parser, "cache_info"):
        rdslink.cli._parser = functools.lru_cache(maxsize=1)(rdslink.cli._parser)  # type: ignore[method-assign]


def run_cli(argv: list[str], cwd: Path | None = None, timeout: int = HANG_SECONDS) -> Outcome:
    """Run ``rdslink`` in-process; classify the outcome."""
    _cache_parser()
    from rdslink.cli import main

    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    code: int | None = None
    failure = None
    detail = ""
    use_alarm = hasattr(signal, "SIGALRM") and timeout > 0
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.alarm(timeout)
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse usage errors
                code = exc.code if isinstance(exc.code, int) else 2
    except Hang:
        failure, detail = "hang", f"no result after {timeout} s"
    except RecursionError as exc:
        failure, detail = _signature(exc), traceback.format_exc()
    except Exception as exc:  # noqa: BLE001 - the point of a fuzzer
        failure, detail = _signature(exc), traceback.format_exc()
    finally:
        if use_alarm:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        os.chdir(old)
    stdout, stderr = out.getvalue(), err.getvalue()
    if failure is None:
        failure, detail = classify(code, stdout, stderr, "--format" in argv and "json" in argv)
        if failure and failure.startswith("exit-4") and "--debug" not in argv:
            again = run_cli([*argv, "--debug"], cwd, timeout)
            detail = again.stderr[-4000:]
    return Outcome(code, stdout, stderr, failure, detail)


def classify(code: int | None, stdout: str, stderr: str, is_json: bool) -> tuple[str | None, str]:
    """Signature of an unacceptable outcome, or (None, "")."""
    text = stdout + stderr
    if "Traceback (most recent call last)" in text:
        return "traceback-printed", stderr[-2000:]
    if code not in ACCEPTED:
        line = stderr.strip().splitlines()[-1] if stderr.strip() else ""
        if "internal error:" in line:  # "rdslink: internal error: TypeError at rdslink/x.py:12 (run with ...)"
            return "exit-4:" + line.split("internal error:", 1)[1].split("(run with")[0].strip(), line
        return f"exit-{code}", line[:300]
    for c in CANARIES:
        if c in text:
            where = "stdout" if c in stdout else "stderr"
            idx = text.find(c)
            return f"secret-in-{where}:{c}", text[max(0, idx - 300): idx + 100]
    if code == 2:
        lines = [x for x in stderr.strip().splitlines() if x.strip()]
        if len(lines) != 1 and not (lines and lines[0].startswith("usage:")):
            return "input-error-not-one-line", stderr[:1000]
    elif is_json:
        try:
            json.loads(stdout)
        except ValueError:
            return "json-output-invalid", stdout[:500]
    return None, ""


# ---- cases -----------------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One fuzz input: a template file or a describe-JSON folder (files relative path -> bytes)."""

    kind: str  # "template" | "describe"
    files: dict[str, bytes]
    argv: list[str]
    seed_name: str
    extra: dict[str, Any] = field(default_factory=dict)

    def write(self, root: Path) -> None:
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        for rel, data in self.files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)


class Fuzzer:
    """Generates and runs cases from the seeds with one ``random.Random(seed)``."""

    def __init__(self, seed: int, include_corpus: bool = True, lint_every: int = 25) -> None:
        self.rng = random.Random(seed)
        self.lint_every = lint_every
        self.templates: list[tuple[str, Any, bytes, str]] = []  # (name, decoded, raw, suffix)
        for p in template_seeds(include_corpus):
            raw = p.read_bytes()
            doc = decode_template(p)
            self.templates.append((str(p.relative_to(p.parents[1])), doc, raw, p.suffix))
        self.folders: list[tuple[str, dict[str, bytes]]] = []
        for d in describe_seeds(include_corpus):
            files = {str(f.relative_to(d)): f.read_bytes() for f in sorted(d.rglob("*.json")) if f.is_file()}
            if files:
                self.folders.append((d.name, files))
        self.pool = INTERESTING + self._spliceable()
        self.count = 0

    def _spliceable(self) -> list[Any]:
        out: list[Any] = []
        rng = random.Random(0)
        for _, doc, _, _ in self.templates:
            if isinstance(doc, dict) and isinstance(doc.get("Resources"), dict):
                for res in list(doc["Resources"].values())[:30]:
                    if isinstance(res, dict) and isinstance(res.get("Properties"), dict):
                        vals = list(res["Properties"].values())
                        if vals:
                            out.append(rng.choice(vals))
        return out[:400]

    def template_case(self) -> Case:
        rng = self.rng
        self.count += 1
        name, doc, raw, suffix = rng.choice(self.templates)
        if b"AWS::Serverless-2016-10-31" in raw and rng.random() < 0.6:
            # SAM inputs cost ~0.5 s each (the translator): keep them, at a lower rate
            name, doc, raw, suffix = rng.choice(self.templates)
        argv_extra: list[str] = []
        mode = rng.random()
        if doc is None or mode < 0.3:
            data = mutate_bytes(rng, raw)
            fname = "t" + suffix
            kind = "bytes"
        else:
            # secrets are planted after mutating, so a canary only ever sits where a secret belongs (a mutation
            # that copies a password into a resource name would make the name legitimately printable)
            mutated = plant_secrets(rng, mutate_structure(rng, doc, self.pool))
            data = json.dumps(mutated, default=str).encode()
            fname = "t.json"
            kind = "structure"
            argv_extra += ["-p", f"FuzzNoEchoSecret={CANARY_NOECHO}"]
            if rng.random() < 0.2:
                argv_extra += ["-p", f"FuzzPort={rng.choice(['3306', '99999', '-1', 'x'])}"]
        if rng.random() < 0.05:
            argv_extra += ["-p", f"nothere.yaml:Password={CANARY_CLI}"]
        fmt = rng.choice(["json", "text"])
        argv = ["check", fname, "--format", fmt, *argv_extra]
        if self.count % self.lint_every:
            argv.append("--no-lint")
        return Case("template", {fname: data}, argv, name, {"mutation": kind})

    def describe_case(self) -> Case:
        rng = self.rng
        self.count += 1
        name, files = rng.choice(self.folders)
        files = dict(files)
        for _ in range(rng.randint(1, 3)):
            rel = rng.choice(sorted(files))
            if rng.random() < 0.25:
                files[rel] = mutate_bytes(rng, files[rel])
                continue
            try:
                doc = json.loads(files[rel])
            except ValueError:
                continue
            mutated = mutate_structure(rng, doc, DESCRIBE_INTERESTING + self._describe_splice(doc))
            text = json.dumps(mutated)
            if rng.random() < 0.05 and isinstance(mutated, dict) and mutated:
                k = next(iter(mutated))
                text = text[:-1] + f', "{k}": []' + "}" if text.endswith("}") and len(mutated) else text
            files[rel] = text.encode()
        fmt = rng.choice(["json", "text"])
        return Case("describe", {f"snap/{k}": v for k, v in files.items()}, ["check", "snap", "--format", fmt], name)

    def _describe_splice(self, doc: Any) -> list[Any]:
        rng = self.rng
        paths = list(_paths(doc))
        return [copy.deepcopy(_get(doc, rng.choice(paths))) for _ in range(3)]


def run_case(case: Case, workdir: Path, timeout: int = HANG_SECONDS) -> Outcome:
    """Write ``case`` below ``workdir`` and run it."""
    case.write(workdir)
    return run_cli(case.argv, cwd=workdir, timeout=timeout)


# ---- minimising ------------------------------------------------------------------------------------------------


def minimise(case: Case, workdir: Path, signature: str, budget: int = 200, seconds: float = 120,
             heartbeat: Callable[[], None] | None = None) -> Case:
    """Greedy minimisation of a failing case keeping the same failure signature: structural (drop mapping keys and
    list items of JSON inputs) then byte-level (drop chunks) for anything else; at most ``budget`` runs and
    ``seconds``. Hangs are not minimised (each try would take the whole hang time)."""
    import time

    if signature == "hang":
        return case
    tries = 0
    deadline = time.monotonic() + seconds

    def still_fails(c: Case) -> bool:
        nonlocal tries
        tries += 1
        if time.monotonic() > deadline:
            tries = budget
            return False
        if heartbeat is not None:
            heartbeat()
        o = run_case(c, workdir)
        return o.failure == signature

    for rel in list(case.files):
        data = case.files[rel]
        try:
            doc = json.loads(data)
        except ValueError:
            doc = None
        if doc is not None:
            changed = True
            while changed and tries < budget:
                changed = False
                for path in sorted(_paths(doc), key=len):
                    if not path or tries >= budget:
                        continue
                    trial = copy.deepcopy(doc)
                    try:
                        _delete(trial, path)
                    except (KeyError, IndexError, TypeError):
                        continue
                    c = Case(case.kind, {**case.files, rel: json.dumps(trial).encode()}, case.argv, case.seed_name)
                    if still_fails(c):
                        doc, case = trial, c
                        changed = True
                        break
        else:
            chunk = max(1, len(data) // 2)
            while chunk >= 1 and tries < budget:
                i = 0
                while i < len(data) and tries < budget:
                    trial_b = data[:i] + data[i + chunk:]
                    c = Case(case.kind, {**case.files, rel: trial_b}, case.argv, case.seed_name)
                    if still_fails(c):
                        data, case = trial_b, c
                    else:
                        i += chunk
                chunk //= 2
    return case


def signature_dir(failure: str) -> str:
    """Folder name for a failure signature."""
    return "".join(ch if ch.isalnum() or ch in "-_.@" else "_" for ch in failure)[:120]


def save_reproducer(case: Case, outcome: Outcome, out: Path) -> Path:
    """Save ``case`` under ``out/<signature>/`` with ``argv.json`` and the failure detail."""
    dest = out / signature_dir(outcome.failure or "x")
    case.write(dest / "input")
    (dest / "argv.json").write_text(json.dumps({"argv": case.argv, "cwd": "input", "seed": case.seed_name}, indent=2))
    (dest / "failure.txt").write_text(f"{outcome.failure}\nexit {outcome.code}\n\n{outcome.detail}\n\n"
                                      f"stdout:\n{outcome.stdout[:3000]}\nstderr:\n{outcome.stderr[:3000]}\n")
    return dest


def fuzz(seed: int, n_templates: int, n_describe: int, workdir: Path, include_corpus: bool = True,
         on_failure: Callable[[Case, Outcome], None] | None = None,
         should_stop: Callable[[], bool] | None = None, lint_every: int = 200
         ) -> tuple[int, dict[str, tuple[Case, Outcome]]]:
    """Run ``n_templates`` template cases and ``n_describe`` describe cases, interleaved; returns (runs, first
    case and outcome per failure signature)."""
    fz = Fuzzer(seed, include_corpus, lint_every=lint_every)
    failures: dict[str, tuple[Case, Outcome]] = {}
    runs = 0
    plan = ["t"] * n_templates + (["d"] * n_describe if fz.folders else [])
    fz.rng.shuffle(plan)
    for kind in plan:
        if should_stop is not None and should_stop():
            break
        case = fz.template_case() if kind == "t" else fz.describe_case()
        outcome = run_case(case, workdir)
        runs += 1
        if outcome.failure and outcome.failure not in failures:
            failures[outcome.failure] = (case, outcome)
            if on_failure is not None:
                on_failure(case, outcome)
    return runs, failures
