"""Speed of ``rdslink check``, measured in-process, phase by phase.

For every run of every case in the corpus (``../shared/corpus/templates/EXPECTED.yaml``, skipped when absent)
and for generated templates (``gen_template.py``: 200 functions, 50 databases, 400 security groups x 10 rules
by default, as YAML and as JSON) it times, after one warm-up, the median of N runs of:

* ``load``    ``load_templates(...)`` (decode, transforms, intrinsics, inventory)
* ``analyse`` ``analyse(inv, ...)`` (pair discovery, paths, checks)
* ``render``  ``render_json(result)``
* ``total``   the three above, per run (median of the per-run sums): what the 2 s target is about
* ``lint``    cfn-lint for RL004 (``rdslink.sources.lint``, run by ``rdslink check`` unless ``--no-lint``), when
  that module exists; measured ``--lint-runs`` times (default 1, cfn-lint's own cache cleared) because it is slow
* ``first``   the warm-up run (load + analyse + render), i.e. what one CLI invocation pays after imports

and, separately, the one-time cost of importing rdslink, cfn-lint's decoder, the SAM translator and cfn-lint's
rule engine, and of reading the bundled managed-policy table. Python start-up is not included anywhere.

Usage::

    python benchmarks/check_speed.py                # table
    python benchmarks/check_speed.py --json         # table, then one JSON object on the last line
    python benchmarks/check_speed.py --profile      # also cProfile one run of the generated YAML template
    python benchmarks/check_speed.py --no-corpus --no-lint --runs 3
    python benchmarks/check_speed.py --no-corpus --no-lint --gc-off   # cyclic GC disabled during the runs
"""

from __future__ import annotations

import time

_T_START = time.perf_counter()

import argparse  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "templates"
TARGET_S = 2.0
SCHEMA = "rdslink/bench/check-speed/v1"

try:  # python benchmarks/check_speed.py puts benchmarks/ first on sys.path; python -m benchmarks.check_speed not
    import gen_template  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    from benchmarks import gen_template  # type: ignore[no-redef]


# ---- helpers ------------------------------------------------------------------------------------------

@contextmanager
def _chdir(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f}"


def _loadavg() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:  # pragma: no cover - not on this platform
        return None


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def measure_imports() -> tuple[dict[str, float], dict[str, Any]]:
    """Import everything a check needs, timing each group (first import in this process = the one-time cost).

    Returns (seconds by group, the imported functions).
    """
    already = sorted(m for m in sys.modules if m.split(".")[0] in ("rdslink", "cfnlint", "samtranslator"))
    if already:  # pragma: no cover - only when imported from another tool
        print(f"note: already imported before timing: {', '.join(already[:5])}", file=sys.stderr)
    cost: dict[str, float] = {}
    fns: dict[str, Any] = {}

    def timed(label: str, names: list[str]) -> list[Any]:
        t0 = time.perf_counter()
        mods = [importlib.import_module(n) for n in names]
        cost[label] = time.perf_counter() - t0
        return mods

    loader, engine, json_out, cli = timed("rdslink", [
        "rdslink.sources.cloudformation.loader", "rdslink.analysis.engine", "rdslink.render.json_out",
        "rdslink.cli", "rdslink.sources.cloudformation.builder"])[:4]
    fns.update(load_templates=loader.load_templates, analyse=engine.analyse, render_json=json_out.render_json,
               parser=cli._parser)
    # rdslink imports cfn-lint lazily (first template read); `import cfnlint.decode` runs cfnlint/__init__, which
    # pulls the whole of cfn-lint (rules, sympy, networkx) and aws-sam-translator (pydantic, boto3): one group.
    timed("cfn-lint+SAM", ["cfnlint.decode", "cfnlint.decode.utils", "samtranslator.public.translator", "cfnlint.api",
                            "cfnlint.config"])
    try:
        lint_mod = importlib.import_module("rdslink.sources.lint")
    except ImportError:
        lint_mod = None
    if lint_mod is not None and hasattr(lint_mod, "lint_inventory"):
        fns["lint_mod"] = lint_mod
    try:
        from rdslink.sources.managed_policies import aws_managed_policies

        t0 = time.perf_counter()
        aws_managed_policies()
        cost["managed-policy table"] = time.perf_counter() - t0
    except ImportError:  # pragma: no cover
        pass
    return cost, fns


class Bench:
    def __init__(self, fns: dict[str, Any], runs: int, lint: bool, lint_runs: int, gc_off: bool = False) -> None:
        self.fns = fns
        self.runs = runs
        self.lint = lint and "lint_mod" in fns
        self.lint_runs = lint_runs
        self.gc_off = gc_off

    def _once(self, ns: argparse.Namespace) -> tuple[dict[str, float], Any, Any]:
        if self.gc_off:
            gc.disable()
        try:
            t0 = time.perf_counter()
            inv = self.fns["load_templates"](ns.inputs, ns.parameter, ns.bindings, region=ns.region)
            t1 = time.perf_counter()
            result = self.fns["analyse"](inv, ns.function, ns.target)
            t2 = time.perf_counter()
            self.fns["render_json"](result)
            t3 = time.perf_counter()
        finally:
            gc.enable()
        return {"load": t1 - t0, "analyse": t2 - t1, "render": t3 - t2, "total": t3 - t0}, inv, result

    def _lint_once(self, inv: Any, ns: argparse.Namespace) -> float:
        mod = self.fns["lint_mod"]
        cached = getattr(mod, "_lint", None)
        if cached is not None and hasattr(cached, "cache_clear"):
            cached.cache_clear()
        files = getattr(inv, "source_files", None) or [(p, p, "") for p in ns.inputs]
        t0 = time.perf_counter()
        mod.lint_inventory(inv, files, ns.region)
        return time.perf_counter() - t0

    def case(self, name: str, cwd: Path, argv: list[str]) -> dict[str, Any]:
        """Warm up once, then ``runs`` timed runs of ``rdslink check ARGV`` in ``cwd``."""
        row: dict[str, Any] = {"name": name, "argv": argv}
        ns = self.fns["parser"]().parse_args(["check", *argv])
        with _chdir(cwd):
            try:
                gc.collect()
                first, inv, result = self._once(ns)
            except Exception as exc:  # an input error (exit 2) is a result too; report it, keep going
                row["error"] = f"{type(exc).__name__}: {exc}"
                return row
            per: dict[str, list[float]] = {k: [] for k in first}
            for _ in range(self.runs):
                gc.collect()
                times, inv, result = self._once(ns)
                for k, v in times.items():
                    per[k].append(v)
            lint_times: list[float] = []
            if self.lint and not getattr(ns, "no_lint", False):
                try:
                    for _ in range(max(1, self.lint_runs)):
                        gc.collect()
                        lint_times.append(self._lint_once(inv, ns))
                except Exception as exc:  # the lint module is someone else's work in progress: never crash
                    row["lint_error"] = f"{type(exc).__name__}: {exc}"
        row.update({k: _median(v) for k, v in per.items()})
        row["first"] = first["total"]
        row["lint"] = _median(lint_times)
        row["runs_s"] = {k: [round(x, 6) for x in v] for k, v in per.items()}
        row["pairs"] = len(result.pairs)
        row["verdicts"] = dict(Counter(p.verdict.value if hasattr(p.verdict, "value") else str(p.verdict)
                                       for p in result.pairs))
        row["exit"] = result.exit_code()
        return row


def corpus_cases(corpus: Path) -> list[tuple[str, Path, list[str]]]:
    import yaml

    data = yaml.safe_load((corpus / "EXPECTED.yaml").read_text(encoding="utf-8")) or []
    out = []
    for case in data:
        if not isinstance(case, dict) or "case" not in case:
            continue
        for run in case.get("runs") or []:
            argv = [str(x) for x in run.get("inputs") or []] + [str(x) for x in run.get("args") or []]
            out.append((f"{case['case']}/{run.get('name', '?')}", corpus / str(case["case"]), argv))
    return out


def profile_run(bench: Bench, path: Path, top: int) -> str:
    """cProfile one load + analyse + render of ``path`` (after the warm-up already done); returns the report."""
    import cProfile
    import pstats

    ns = bench.fns["parser"]().parse_args(["check", str(path)])
    prof = cProfile.Profile()
    gc.collect()
    prof.enable()
    bench._once(ns)
    prof.disable()
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf)
    st.strip_dirs().sort_stats("cumulative").print_stats(top)
    st.sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def cli_wall(path: Path, lint: bool) -> float | None:
    """Wall time of one ``rdslink check`` subprocess (Python start-up and imports included), for context."""
    cmd = [sys.executable, "-m", "rdslink.cli", "check", str(path), "--format", "json"]
    if not lint:
        cmd.append("--no-lint")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode == 2:
        print(f"note: {' '.join(cmd[2:])} failed: {proc.stderr.strip()[:200]}", file=sys.stderr)
        return None
    return wall


# ---- report -------------------------------------------------------------------------------------------

COLUMNS = ("pairs", "exit", "load", "analyse", "render", "total", "lint", "first")


def table(rows: list[dict[str, Any]], header: str) -> str:
    width = max([len(r["name"]) for r in rows] + [10])
    lines = [header, f"{'case / run':<{width}}  " + "  ".join(f"{c:>7}" for c in COLUMNS)]
    for r in rows:
        if "error" in r:
            lines.append(f"{r['name']:<{width}}  input error (exit 2): {r['error'][:80]}")
            continue
        cells = []
        for c in COLUMNS:
            v = r.get(c)
            cells.append(f"{v:>7}" if c in ("pairs", "exit") else f"{_ms(v):>7}")
        lines.append(f"{r['name']:<{width}}  " + "  ".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Time rdslink check in-process (load, analyse, render, lint).")
    p.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    p.add_argument("--runs", type=int, default=5, help="timed runs after one warm-up (median reported)")
    p.add_argument("--lint-runs", type=int, default=1, help="timed cfn-lint runs per case (slow)")
    p.add_argument("--no-lint", action="store_true", help="do not time the cfn-lint (RL004) phase")
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"corpus folder (default {DEFAULT_CORPUS})")
    p.add_argument("--no-corpus", action="store_true", help="only the generated templates")
    p.add_argument("--formats", default="yaml,json", help="generated template formats (default yaml,json)")
    p.add_argument("--functions", type=int, default=200)
    p.add_argument("--databases", type=int, default=50)
    p.add_argument("--security-groups", type=int, default=400)
    p.add_argument("--rules", type=int, default=10, help="rules per security group")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--profile", nargs="?", const=30, type=int, metavar="TOP",
                   help="cProfile one run of the generated YAML template and print the TOP (30) entries")
    p.add_argument("--gc-off", action="store_true",
                   help="disable the cyclic garbage collector during each timed run (what GC tuning in the CLI buys)")
    p.add_argument("--cli", action="store_true",
                   help="also time one `rdslink check` subprocess per generated template (start-up included)")
    a = p.parse_args(argv)

    load_before = _loadavg()
    import_cost, fns = measure_imports()
    bench = Bench(fns, max(1, a.runs), not a.no_lint, a.lint_runs, a.gc_off)
    notes: list[str] = []
    rows: list[dict[str, Any]] = []

    if not a.no_corpus:
        if (a.corpus / "EXPECTED.yaml").is_file():
            for name, cwd, case_argv in corpus_cases(a.corpus):
                rows.append(bench.case(name, cwd, case_argv))
        else:
            notes.append(f"corpus not found at {a.corpus}: corpus cases skipped")

    gen_rows: list[dict[str, Any]] = []
    profile_text = ""
    params = {"functions": a.functions, "databases": a.databases, "security_groups": a.security_groups,
              "rules_per_group": a.rules, "seed": a.seed}
    with tempfile.TemporaryDirectory(prefix="rdslink-bench-") as tmp:
        for fmt in [f.strip() for f in a.formats.split(",") if f.strip()]:
            path = Path(tmp) / f"generated.{fmt}"
            template = gen_template.write_template(str(path), fmt, **params)
            counts = gen_template.summary(template)
            row = bench.case(f"generated ({fmt}, {path.stat().st_size // 1024} KiB)", Path(tmp), [str(path)])
            row.update(generated=True, format=fmt, size_bytes=path.stat().st_size,
                       resources=len(template["Resources"]), counts=counts)
            if a.cli:
                row["cli_wall_no_lint"] = cli_wall(path, lint=False)
                if bench.lint:
                    row["cli_wall"] = cli_wall(path, lint=True)
            gen_rows.append(row)
            if a.profile and fmt == "yaml":
                profile_text = profile_run(bench, path, a.profile)

    all_rows = rows + gen_rows
    cpus = os.cpu_count()
    load_after = _loadavg()
    if max(load_before or 0.0, load_after or 0.0) > 0.75 * (cpus or 1):
        notes.append(f"machine busy (1-min load average {load_before} before, {load_after} after on {cpus} CPUs): "
                     "figures are pessimistic; rerun when idle")
    header = (f"rdslink check speed: Python {platform.python_version()}, {cpus} CPUs; median of {bench.runs} runs "
              f"after 1 warm-up (lint: {bench.lint_runs} run{'s' if bench.lint_runs != 1 else ''})"
              f"{'; GC disabled during runs' if bench.gc_off else ''}; times in ms")
    print(table(all_rows, header))
    print()
    print("one-time import cost (ms): " + ", ".join(f"{k} {_ms(v)}" for k, v in import_cost.items())
          + f"; sum {_ms(sum(import_cost.values()))}")
    for note in notes:
        print(f"note: {note}")
    verdict_lines = []
    met = None
    for r in gen_rows:
        if "error" in r:
            verdict_lines.append(f"{r['name']}: input error, target not measured")
            met = False
            continue
        ok = r["total"] < TARGET_S
        met = ok if met is None else (met and ok)
        line = (f"{r['name']}: {r['resources']} resources, {r['counts'].get('security group rules', 0)} SG rules, "
                f"{r['pairs']} pairs {r['verdicts']}; total {r['total']:.2f} s "
                f"{'<' if ok else '>='} {TARGET_S:.0f} s target: {'MET' if ok else 'NOT MET'}")
        if r.get("lint") is not None:
            with_lint = r["total"] + r["lint"]
            line += (f"; with cfn-lint (rdslink check default) {with_lint:.2f} s: "
                     f"{'MET' if with_lint < TARGET_S else 'NOT MET'}")
        if r.get("cli_wall_no_lint") is not None:
            line += f"; one CLI process --no-lint {r['cli_wall_no_lint']:.2f} s"
        if r.get("cli_wall") is not None:
            line += f", with lint {r['cli_wall']:.2f} s"
        verdict_lines.append(line)
    for line in verdict_lines:
        print(line)
    if profile_text:
        print()
        print(profile_text.rstrip())
    if a.json:
        payload = {
            "schema": SCHEMA,
            "python": platform.python_version(),
            "cpus": cpus,
            "loadavg_1min": [load_before, load_after],
            "runs": bench.runs,
            "lint_runs": bench.lint_runs if bench.lint else 0,
            "gc_off": bench.gc_off,
            "unit": "s",
            "imports_s": import_cost,
            "target_s": TARGET_S,
            "target_met": met,
            "generator": params,
            "cases": all_rows,
            "notes": notes,
            "wall_s": time.perf_counter() - _T_START,
        }
        print(json.dumps(payload, default=str, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
