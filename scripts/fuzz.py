#!/usr/bin/env python3
"""Fuzz ``rdslink check`` for as long as asked: mutated templates and describe-JSON folders (the engine of
``tests/fuzz``), run in-process in a worker; saves a minimised reproducer of every new failure signature.

    python scripts/fuzz.py --seconds 3600 --seed 1 --out fuzz-out/

A failure is anything but a verdict (exit 0/1/3) or a documented input error (exit 2, one line): an exception,
exit 4, a traceback in the output, invalid JSON, a planted secret in the output, an input that runs longer
than --hang seconds, or a worker whose memory exceeds --max-rss-mb. The worker runs in a child process watched
by this one, so a hang inside C code or a memory blow-up is caught too: the watcher saves the input that was
running, kills the worker and starts a new one with the next seed.

Reproducers: ``OUT/<signature>/input/`` (run ``rdslink`` there with the arguments of ``argv.json``) and
``failure.txt`` (the traceback). ``OUT/summary.json`` holds the counts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def worker(seed: int, seconds: float, out: Path, hang: int, lint_every: int) -> int:
    """Run cases until ``seconds`` have passed; write progress and the current case for the watcher."""
    from tests.fuzz import engine

    out.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + seconds
    fz = engine.Fuzzer(seed, include_corpus=True, lint_every=lint_every)
    work = Path(tempfile.mkdtemp(prefix="rdslink-fuzz-"))
    known = {p.name for p in out.iterdir() if p.is_dir()}
    runs = 0
    progress = out / f".progress-{seed}"
    current = out / ".current"
    try:
        while time.monotonic() < deadline:
            case = fz.template_case() if fz.rng.random() < 0.66 or not fz.folders else fz.describe_case()
            current.write_text(json.dumps({"argv": case.argv, "seed_name": case.seed_name, "kind": case.kind,
                                           "files": {k: v.decode("latin-1") for k, v in case.files.items()}}))
            outcome = engine.run_case(case, work / "case", timeout=hang)
            runs += 1
            if runs % 50 == 0:
                progress.write_text(str(runs))
            if outcome.failure:
                safe = engine.signature_dir(outcome.failure)
                if safe in known:
                    continue
                known.add(safe)
                print(f"[seed {seed}] new failure after {runs} runs: {outcome.failure}", flush=True)
                small = engine.minimise(case, work / "min", outcome.failure, heartbeat=current.touch)
                engine.save_reproducer(small, outcome, out)
    finally:
        progress.write_text(str(runs))
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def watch(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + args.seconds
    seed = args.seed
    total = 0
    incidents: list[str] = []
    peak = 0.0
    while time.monotonic() < deadline - 5:
        left = deadline - time.monotonic()
        cmd = [sys.executable, __file__, "--worker", "--seed", str(seed), "--seconds", str(int(left)),
               "--out", str(out), "--hang", str(args.hang), "--lint-every", str(args.lint_every)]
        current = out / ".current"
        current.unlink(missing_ok=True)
        started = time.time()
        proc = subprocess.Popen(cmd)
        killed = ""
        while proc.poll() is None:
            time.sleep(2)
            rss = _rss_mb(proc.pid)
            peak = max(peak, rss)
            age = time.time() - (current.stat().st_mtime if current.exists() else started)
            if rss > args.max_rss_mb:
                killed = f"memory-over-{args.max_rss_mb}MB"
            elif age > args.hang * 2:
                killed = "hang-worker"
            if killed:
                proc.kill()
                proc.wait()
                dest = out / f"{killed}-seed{seed}"
                dest.mkdir(exist_ok=True)
                if current.exists():
                    shutil.copy(current, dest / "case.json")
                incidents.append(f"{killed} (seed {seed}): {dest}")
                print(f"watcher: {killed} in seed {seed}; case saved to {dest}", flush=True)
                break
        prog = out / f".progress-{seed}"
        total += int(prog.read_text()) if prog.exists() else 0
        seed += 1000
    failures = sorted(p.name for p in out.iterdir() if p.is_dir())
    summary = {"inputs": total, "seconds": args.seconds, "first_seed": args.seed, "peak_worker_rss_mb": round(peak),
               "failure_signatures": failures, "incidents": incidents}
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    return 1 if failures else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=600, help="how long to fuzz (default 600)")
    p.add_argument("--seed", type=int, default=1, help="first seed (each restarted worker adds 1000)")
    p.add_argument("--out", default="fuzz-out", help="folder for reproducers and summary.json")
    p.add_argument("--hang", type=int, default=120,
                   help="seconds after which one input counts as a hang (default 120: the machine may be busy)")
    p.add_argument("--max-rss-mb", type=int, default=1024, help="worker memory limit that counts as a failure")
    p.add_argument("--lint-every", type=int, default=100,
                   help="run cfn-lint (slow) on every N-th template input; --no-lint on the others")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    os.environ.setdefault("RDSLINK_SHARED", str(REPO.parent / "shared"))
    if args.worker:
        return worker(args.seed, args.seconds, Path(args.out), args.hang, args.lint_every)
    return watch(args)


if __name__ == "__main__":
    sys.exit(main())
