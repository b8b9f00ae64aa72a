"""Mutation testing of rdslink's analysis and input layers: does the test suite notice a broken analysis?

A small, dependency-free AST mutator (mutmut/cosmic-ray need their own project configuration and copy or
rewrite the whole package per run; this one runs a *targeted* test subset per mutant instead). Each mutant is
one small change to one file under ``src/rdslink/analysis/`` or ``src/rdslink/sources/``:

* ``cmp``      a comparison flipped or loosened (``==``/``!=``, ``<``/``<=``, ``>``/``>=``, ``in``/``not in``,
               ``is``/``is not``)
* ``bool``     ``and`` <-> ``or``
* ``not``      a ``not`` removed; an ``if``/``while``/ternary condition negated
* ``const``    an int constant +1 (``65535`` -> ``65536``, ``1024`` -> ``1025``), ``True`` <-> ``False``
* ``drop-elt`` one element dropped from a literal tuple/list/set of two or more constants
               (``("-1", "6")`` -> ``("6",)``)
* ``arith``    ``+`` <-> ``-``
* ``stmt``     an expression statement (``findings.append(...)``, ``x.extend(...)``) replaced by ``pass``
* ``ret``      ``return True``/``False`` flipped; a ``continue``/``break`` replaced by ``pass``

Strings (evidence texts, ids), f-strings, docstrings, annotations, ``raise`` and ``assert`` statements and
logging are left alone. The whole list of mutants is enumerated and sampled with ``--seed``, up to
``--max-mutants`` (a simple random sample, so its kill rate estimates the whole set's) and to ``--seconds``
of wall-clock time. Every mutant is written into a private copy of ``src/`` that ``PYTHONPATH`` puts ahead of the
installed (editable) package, and pytest runs the tests relevant to the mutated file (``SUBSETS``) with ``-x``.
A failing run (or a timeout, or an import error) kills the mutant; a passing run means it survived.

Usage (from the repository root, in the project's virtual environment; it is CPU-heavy, so be nice)::

    nice -n 10 python scripts/mutation.py --max-mutants 200 --seconds 3000
    python scripts/mutation.py --list                      # enumerate only
    python scripts/mutation.py --only analysis/network.py --max-mutants 20 --json
    python scripts/mutation.py --max-mutants 50 --json out.json   # table, and the JSON report into out.json

Prints a table (per file: mutants, killed, survived, kill rate) and every survivor with its line, or with
``--json`` the same as one JSON object (``rdslink/mutation/v1``). Exit code 0 when the kill rate reaches
``--goal`` (default 95 %), else 1; 2 for a usage error or a test suite that fails before any mutation.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
PACKAGE = SRC / "rdslink"
TARGET_DIRS = ("analysis", "sources")

#: path prefix below src/rdslink -> the tests that exercise it (fast first: ``-x`` stops at the first failure)
SUBSETS: list[tuple[str, list[str]]] = [
    ("analysis/iam.py", ["tests/unit/test_iam.py", "tests/unit/test_check_fixtures.py"]),
    ("analysis/path/locate.py", ["tests/unit/test_locate.py", "tests/unit/test_network.py",
                                 "tests/unit/test_describe_fixtures.py", "tests/unit/test_check_fixtures.py",
                                 "tests/acceptance/test_batfish_flows.py"]),
    ("analysis/pairs.py", ["tests/unit/test_pair_discovery.py", "tests/unit/test_pairs.py",
                           "tests/unit/test_unchecked_functions.py", "tests/unit/test_network.py",
                           "tests/unit/test_iam.py", "tests/unit/test_describe_fixtures.py",
                           "tests/unit/test_check_fixtures.py", "tests/acceptance/test_describe_corpus.py"]),
    ("analysis/path/", ["tests/unit/test_network.py", "tests/unit/test_describe_fixtures.py",
                        "tests/unit/test_check_fixtures.py", "tests/acceptance/test_batfish_flows.py"]),
    ("analysis/", ["tests/unit/test_network.py", "tests/unit/test_iam.py", "tests/unit/test_pairs.py",
                   "tests/unit/test_describe_fixtures.py",
                   "tests/unit/test_check_fixtures.py", "tests/acceptance/test_describe_corpus.py"]),
    ("sources/cloudformation/", ["tests/unit/test_intrinsics.py", "tests/unit/test_check_fixtures.py",
                                 "tests/unit/test_bad_input.py"]),
    ("sources/live.py", ["tests/live/test_live_checks.py"]),
    ("sources/aws_api.py", ["tests/unit/test_describe_fixtures.py", "tests/acceptance/test_describe_corpus.py",
                            "tests/acceptance/test_batfish_flows.py"]),
    ("sources/describe_json.py", ["tests/unit/test_describe_fixtures.py", "tests/acceptance/test_describe_corpus.py",
                                  "tests/unit/test_bad_input.py"]),
    ("sources/", ["tests/unit"]),
]

CMP_SWAP = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE,
            ast.GtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
SKIP_CALLS = {"warn", "warning", "debug", "info", "log", "error"}


@dataclasses.dataclass(frozen=True)
class Mutant:
    """One change: replace ``src[start:end]`` (character offsets in ``file``) by ``new``."""

    file: str  # relative to src/rdslink
    line: int
    op: str
    start: int
    end: int
    new: str
    old: str

    @property
    def key(self) -> str:
        return f"{self.file}:{self.line}:{self.op}:{self.old.strip()[:40]}->{self.new.strip()[:40]}"


def _offsets(text: str) -> list[int]:
    out, pos = [0], 0
    for line in text.splitlines(keepends=True):
        pos += len(line)
        out.append(pos)
    return out


class _Collector(ast.NodeVisitor):
    def __init__(self, rel: str, text: str) -> None:
        self.rel, self.text = rel, text
        self.lines = _offsets(text)
        self.out: list[Mutant] = []

    # ---- helpers ----
    def _span(self, node: ast.AST) -> tuple[int, int]:
        start = self.lines[node.lineno - 1] + _col(self.text, self.lines[node.lineno - 1], node.col_offset)
        end = self.lines[node.end_lineno - 1] + _col(self.text, self.lines[node.end_lineno - 1],  # type: ignore[operator]
                                                     node.end_col_offset)  # type: ignore[arg-type]
        return start, end

    def _add(self, node: ast.AST, op: str, new: str, wrap: bool = True) -> None:
        start, end = self._span(node)
        self.out.append(Mutant(self.rel, node.lineno, op, start, end, f"({new})" if wrap else new,
                               self.text[start:end]))

    # ---- skipped subtrees ----
    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        return

    def visit_Assert(self, node: ast.Assert) -> None:
        return

    def visit_Raise(self, node: ast.Raise) -> None:
        return

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)

    def visit_arg(self, node: ast.arg) -> None:
        return

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for d in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            self.visit(d)
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # docstring
        for stmt in body:
            self.visit(stmt)

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_If(self, node: ast.If) -> None:
        if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            return
        self._negate(node.test)
        self.generic_visit(node)

    def visit_While(self, node: ast.While) -> None:
        self._negate(node.test)
        self.generic_visit(node)

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self._negate(node.test)
        self.generic_visit(node)

    def _negate(self, test: ast.expr) -> None:
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return  # the "not" operator below removes it
        self._add(test, "not", "not (" + self.text[slice(*self._span(test))] + ")")

    # ---- operators ----
    def visit_Compare(self, node: ast.Compare) -> None:
        for i, op in enumerate(node.ops):
            swap = CMP_SWAP.get(type(op))
            if swap is None:
                continue
            new = ast.Compare(node.left, list(node.ops), list(node.comparators))
            new.ops[i] = swap()
            self._add(node, "cmp", ast.unparse(new))
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        self._add(node, "bool", ast.unparse(ast.BoolOp(other, node.values)))
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self._add(node, "not", ast.unparse(node.operand))
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, (ast.Add, ast.Sub)) and not _is_str(node.left) and not _is_str(node.right):
            other = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
            self._add(node, "arith", ast.unparse(ast.BinOp(node.left, other, node.right)))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bool):
            self._add(node, "const", repr(not node.value))
        elif isinstance(node.value, int):
            self._add(node, "const", repr(node.value + 1))

    def _literal(self, node: ast.Tuple | ast.List | ast.Set) -> None:
        if len(node.elts) >= 2 and all(isinstance(e, ast.Constant) for e in node.elts) and \
                isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            for i in range(len(node.elts)):
                rest = node.elts[:i] + node.elts[i + 1:]
                if isinstance(node, ast.Set):
                    new: ast.expr = ast.Set(rest)
                elif isinstance(node, ast.List):
                    new = ast.List(rest, ast.Load())
                else:
                    new = ast.Tuple(rest, ast.Load())
                text = ast.unparse(new)
                if isinstance(node, ast.Tuple) and len(rest) == 1 and not text.endswith(",)"):
                    text = text[:-1] + ",)" if text.startswith("(") else f"({text},)"
                self._add(node, "drop-elt", text)
            return
        self.generic_visit(node)

    visit_Tuple = _literal
    visit_List = _literal
    visit_Set = _literal

    def visit_Expr(self, node: ast.Expr) -> None:
        call = node.value
        if isinstance(call, ast.Call) and not (isinstance(call.func, ast.Attribute) and call.func.attr in SKIP_CALLS):
            self._add(node, "stmt", "pass", wrap=False)
        self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, bool):
            self._add(node.value, "ret", repr(not node.value.value))
            return
        self.generic_visit(node)

    def visit_Continue(self, node: ast.Continue) -> None:
        self._add(node, "ret", "pass", wrap=False)

    def visit_Break(self, node: ast.Break) -> None:
        self._add(node, "ret", "pass", wrap=False)

    # subscripts used as annotations/type aliases are not worth mutating; keyword names are not expressions
    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.generic_visit(node)


def _is_str(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) or isinstance(node, ast.JoinedStr)


def _col(text: str, line_start: int, col_utf8: int) -> int:
    """AST column offsets count UTF-8 bytes; convert to a character offset within the line."""
    line_end = text.find("\n", line_start)
    line = text[line_start: line_end if line_end >= 0 else len(text)]
    return len(line.encode("utf-8")[:col_utf8].decode("utf-8", errors="ignore"))


def target_files(only: list[str]) -> list[Path]:
    files = sorted(p for d in TARGET_DIRS for p in (PACKAGE / d).rglob("*.py"))
    if only:
        files = [p for p in files if any(p.relative_to(PACKAGE).as_posix().startswith(o) for o in only)]
    return files


def enumerate_mutants(files: list[Path], texts: dict[str, str] | None = None) -> list[Mutant]:
    """Every mutant of ``files`` that still compiles, in file order; ``texts`` (if given) receives the source
    each mutant's offsets refer to, by file relative to src/rdslink."""
    out: list[Mutant] = []
    for path in files:
        text = path.read_text()
        if texts is not None:
            texts[path.relative_to(PACKAGE).as_posix()] = text
        col = _Collector(path.relative_to(PACKAGE).as_posix(), text)
        col.visit(ast.parse(text))
        seen = set()
        for m in col.out:
            if m.old.strip() == m.new.strip("()").strip() or (m.start, m.end, m.new) in seen:
                continue
            seen.add((m.start, m.end, m.new))
            try:
                compile(apply(text, m), str(path), "exec")
            except SyntaxError:
                continue
            out.append(m)
    return out


def apply(text: str, m: Mutant) -> str:
    return text[:m.start] + m.new + text[m.end:]


def sample(mutants: list[Mutant], n: int, seed: int) -> list[Mutant]:
    """A simple random sample of up to ``n`` mutants (``seed``), so the kill rate estimates the whole set's
    (in random order, so a ``--seconds`` cut keeps it a random sample)."""
    rng = random.Random(seed)
    return [mutants[i] for i in rng.sample(range(len(mutants)), min(n, len(mutants)))]


def tests_for(rel: str) -> list[str]:
    for prefix, tests in SUBSETS:
        if rel.startswith(prefix):
            return [t for t in tests if (REPO / t).exists()]
    return ["tests/unit"]


@dataclasses.dataclass
class Result:
    mutant: Mutant
    outcome: str  # killed | survived | timeout | error
    seconds: float
    detail: str = ""


class Runner:
    """Runs pytest in a private snapshot of ``src/`` and ``tests/`` (taken once, so edits made to the working
    tree meanwhile do not leak into the run) with one source file replaced.

    Args:
        timeout: per pytest run, in seconds.
        python: the interpreter (the project's virtual environment, with rdslink installed editable).
        texts: the source each mutant was computed from, by file relative to src/rdslink.
    """

    def __init__(self, timeout: float, python: str, texts: dict[str, str]) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="rdslink-mutation-"))
        ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis")
        shutil.copytree(SRC, self.tmp / "src", ignore=ignore)
        shutil.copytree(REPO / "tests", self.tmp / "tests", ignore=ignore)
        shutil.copy2(REPO / "pyproject.toml", self.tmp / "pyproject.toml")
        self.texts = texts
        for rel, text in texts.items():
            (self.tmp / "src" / "rdslink" / rel).write_text(text)
        self.timeout = timeout
        self.python = python
        shared = os.environ.get("RDSLINK_SHARED") or str(REPO.parent / "shared")
        self.env = dict(os.environ, PYTHONPATH=str(self.tmp / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
                        PYTHONDONTWRITEBYTECODE="1", RDSLINK_SHARED=shared)
        probe = subprocess.run([python, "-c", "import rdslink; print(rdslink.__file__)"], env=self.env,
                               cwd=self.tmp, capture_output=True, text=True, check=False)
        if not probe.stdout.strip().startswith(str(self.tmp)):
            raise SystemExit(f"mutation: the copy of src/ does not shadow the installed rdslink "
                             f"(imported {probe.stdout.strip() or probe.stderr.strip()})")

    def pytest(self, tests: list[str], timeout: float | None = None) -> tuple[str, float, str]:
        cmd = [self.python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header", "-o",
               "addopts=", *tests]
        t0 = time.monotonic()
        try:
            proc = subprocess.run(cmd, env=self.env, cwd=self.tmp, capture_output=True, text=True,
                                  timeout=timeout or self.timeout, check=False)
        except subprocess.TimeoutExpired:
            return "timeout", time.monotonic() - t0, ""
        took = time.monotonic() - t0
        tail = (proc.stdout.strip().splitlines() or [""])[-1]
        if proc.returncode == 0:
            return "survived", took, tail
        if proc.returncode in (1, 2, 3):  # failures, interrupted (import/collection error), internal error
            return "killed", took, tail
        return "error", took, f"pytest exit {proc.returncode}: {tail or proc.stderr.strip()[-200:]}"

    def run(self, m: Mutant) -> Result:
        target = self.tmp / "src" / "rdslink" / m.file
        original = self.texts[m.file]
        target.write_text(apply(original, m))
        try:
            outcome, took, detail = self.pytest(tests_for(m.file))
        finally:
            target.write_text(original)
        return Result(m, "killed" if outcome == "timeout" else outcome, took,
                      "timeout" if outcome == "timeout" else detail)

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def report(results: list[Result], goal: float, elapsed: float, total: int) -> dict[str, object]:
    rows: dict[str, dict[str, int]] = {}
    for r in results:
        row = rows.setdefault(r.mutant.file, {"mutants": 0, "killed": 0, "survived": 0, "error": 0})
        row["mutants"] += 1
        row[r.outcome if r.outcome in row else "error"] += 1
    killed = sum(r.outcome == "killed" for r in results)
    decided = sum(r.outcome in ("killed", "survived") for r in results)
    rate = killed / decided if decided else 0.0
    return {
        "schema": "rdslink/mutation/v1",
        "enumerated": total,
        "run": len(results),
        "killed": killed,
        "survived": sum(r.outcome == "survived" for r in results),
        "errors": sum(r.outcome == "error" for r in results),
        "timeouts": sum(r.detail == "timeout" for r in results),
        "kill_rate": round(rate, 4),
        "goal": goal,
        "seconds": round(elapsed, 1),
        "files": rows,
        "survivors": [{"file": r.mutant.file, "line": r.mutant.line, "op": r.mutant.op,
                       "old": r.mutant.old.strip(), "new": r.mutant.new.strip()}
                      for r in results if r.outcome == "survived"],
        "errored": [{"file": r.mutant.file, "line": r.mutant.line, "detail": r.detail}
                    for r in results if r.outcome == "error"],
    }


def table(doc: dict[str, object]) -> str:
    files: dict[str, dict[str, int]] = doc["files"]  # type: ignore[assignment]
    w = max([len(f) for f in files] + [20])
    lines = [f"{'file (src/rdslink/)':<{w}}  mutants  killed  survived  error  kill rate"]
    for f, row in sorted(files.items()):
        dec = row["killed"] + row["survived"]
        rate = f"{100 * row['killed'] / dec:5.1f} %" if dec else "    -"
        lines.append(f"{f:<{w}}  {row['mutants']:7d}  {row['killed']:6d}  {row['survived']:8d}  {row['error']:5d}"
                     f"  {rate:>9}")
    lines.append(f"{'total':<{w}}  {doc['run']:7d}  {doc['killed']:6d}  {doc['survived']:8d}  {doc['errors']:5d}"
                 f"  {100 * doc['kill_rate']:7.1f} %")  # type: ignore[operator]
    lines.append(f"{doc['enumerated']} mutants enumerated, {doc['run']} run in {doc['seconds']} s "
                 f"({doc['timeouts']} killed by timeout); goal {100 * doc['goal']:.0f} %")  # type: ignore[operator]
    surv = doc["survivors"]
    if surv:
        lines.append("survivors:")
        for s in surv:  # type: ignore[attr-defined]
            lines.append(f"  {s['file']}:{s['line']} [{s['op']}] {s['old'][:70]!r} -> {s['new'][:70]!r}")
    for e in doc["errored"]:  # type: ignore[attr-defined]
        lines.append(f"  error {e['file']}:{e['line']}: {e['detail']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-mutants", type=int, default=100, help="mutants to run (default 100)")
    ap.add_argument("--seconds", type=float, default=1800, help="stop starting new mutants after this (default 1800)")
    ap.add_argument("--seed", type=int, default=8, help="sampling seed (default 8)")
    ap.add_argument("--only", action="append", default=[], metavar="PREFIX",
                    help="files below src/rdslink/ starting with PREFIX (repeatable), e.g. analysis/engine.py")
    ap.add_argument("--timeout", type=float, default=0, help="per-mutant timeout in s (default 5x the clean run)")
    ap.add_argument("--goal", type=float, default=0.95, help="kill rate for exit 0 (default 0.95)")
    ap.add_argument("--list", action="store_true", help="only enumerate and print the sampled mutants")
    ap.add_argument("--json", nargs="?", const="-", metavar="FILE",
                    help="print the report as JSON (or write it to FILE and still print the table)")
    ap.add_argument("--quiet", action="store_true", help="no per-mutant progress on stderr")
    ap.add_argument("--skip-baseline", action="store_true",
                    help="do not first run each test subset unmutated (only when the suite was just seen green: a "
                         "failing subset would count every mutant as killed)")
    args = ap.parse_args(argv)

    files = target_files(args.only)
    if not files:
        print(f"mutation: no file under src/rdslink/{{analysis,sources}} matches {args.only}", file=sys.stderr)
        return 2
    texts: dict[str, str] = {}
    mutants = enumerate_mutants(files, texts)
    chosen = sample(mutants, args.max_mutants, args.seed)
    if args.list:
        for m in chosen:
            print(f"{m.file}:{m.line} [{m.op}] {m.old.strip()[:70]!r} -> {m.new.strip()[:70]!r}")
        print(f"{len(chosen)} of {len(mutants)} mutants", file=sys.stderr)
        return 0

    runner = Runner(args.timeout or 600, sys.executable, texts)
    results: list[Result] = []
    t0 = time.monotonic()
    try:
        baseline: dict[tuple[str, ...], float] = {}
        for subset in sorted({tuple(tests_for(m.file)) for m in chosen}):
            if args.skip_baseline:
                baseline[subset] = 120.0
                continue
            outcome, took, detail = runner.pytest(list(subset))
            if outcome != "survived":
                print(f"mutation: the unmutated suite does not pass ({' '.join(subset)}): {detail}", file=sys.stderr)
                return 2
            baseline[subset] = took
        for i, m in enumerate(chosen, 1):
            if time.monotonic() - t0 > args.seconds:
                break
            runner.timeout = args.timeout or max(60.0, 5 * baseline[tuple(tests_for(m.file))])
            r = runner.run(m)
            results.append(r)
            if not args.quiet:
                print(f"[{i}/{len(chosen)}] {r.outcome:8s} {r.seconds:5.1f}s {m.file}:{m.line} [{m.op}] "
                      f"{m.old.strip()[:50]!r} -> {m.new.strip()[:50]!r}", file=sys.stderr, flush=True)
    finally:
        runner.close()
    doc = report(results, args.goal, time.monotonic() - t0, len(mutants))
    if args.json == "-":
        print(json.dumps(doc, indent=1))
    else:
        print(table(doc))
        if args.json:
            Path(args.json).write_text(json.dumps(doc, indent=1) + "\n")
    return 0 if doc["kill_rate"] >= args.goal else 1  # type: ignore[operator]


if __name__ == "__main__":
    raise SystemExit(main())
