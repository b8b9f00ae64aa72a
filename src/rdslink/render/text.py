"""Terminal report (rich): one block per pair, verdict in colour, the blocking hop first with its evidence and
fix. Read in ten seconds."""

from __future__ import annotations

import shlex
from typing import Any

from ..findings import CheckResult, PairResult, Severity, Status, Verdict

_COLOURS = {
    Verdict.REACHABLE: "bold green",
    Verdict.BLOCKED: "bold red",
    Verdict.INTERMITTENT: "bold yellow",
    Verdict.UNKNOWN: "bold magenta",
}


def render_text(result: CheckResult, color: bool = False, width: int = 110) -> str:
    """Render ``result`` as text; ``color`` adds ANSI colours. Every string that comes from the inputs (ids,
    names, evidence, warnings, fixes) is escaped for rich's markup, so ``[/]`` in a name prints as itself."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(record=True, width=width, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False, emoji=False,
                      file=_Null())  # type: ignore[arg-type]
    if not result.pairs:
        console.print("No function -> database pair found in the inputs.")
    for pair in result.pairs:
        _pair(console, pair, escape)
    other = [f for f in result.findings if f.severity is not Severity.INFO or f.id in ("RL003",)]
    if other:
        console.print("[bold]Other findings[/bold]")
        for f in other:
            console.print(f"  {escape(f.id)} {f.severity.value}: {escape(f.title)} \\[{escape(', '.join(f.resources))}]")
            console.print(f"      {escape(f.evidence)}", style="dim")
    shown = [w for w in result.warnings if "is not used by rdslink" not in w]
    ignored = len(result.warnings) - len(shown)
    for w in shown[:8]:
        console.print(f"warning: {escape(w)}", style="yellow")
    if len(shown) > 8:
        console.print(f"warning: ... and {len(shown) - 8} more (see --format json)", style="yellow")
    if ignored:
        console.print(f"note: {ignored} file key(s) not used by rdslink were ignored (see --format json)", style="dim")
    counts = {v: sum(1 for p in result.pairs if p.verdict is v) for v in Verdict}
    summary = ", ".join(f"{n} {v.value}" for v, n in counts.items() if n)
    console.print(f"[bold]{len(result.pairs)} pair(s)[/bold]{': ' + summary if summary else ''}")
    return console.export_text(styles=color)


def _pair(console: Any, pair: PairResult, escape: Any) -> None:
    c = console
    esc = escape
    t = pair.target
    kind = f" ({t.kind}{', ' + t.engine if t.engine else ''}{', port ' + str(t.port) if t.port else ''})" if t.kind else ""
    c.print(f"[{_COLOURS[pair.verdict]}]{pair.verdict.value:<12}[/] [bold]{esc(pair.function.id)}[/bold] -> "
            f"[bold]{esc(t.id)}[/bold]{esc(kind)}")
    ordered = sorted(pair.hops, key=lambda h: {Status.CLOSED: 0, Status.UNKNOWN: 1, Status.OPEN: 2}[h.status])
    for h in ordered:
        if h.status is Status.OPEN and pair.verdict is not Verdict.REACHABLE:
            continue
        mark = {"open": "ok ", "closed": "XX ", "unknown": "?? "}[h.status.value]
        c.print(f"  {mark}{esc(h.name)}: {esc(h.evidence)}", style=None if h.status is not Status.OPEN else "dim")
    for f in sorted(pair.findings, key=lambda f: ["error", "warning", "info"].index(f.severity.value)):
        c.print(f"  {esc(f.id)} {f.severity.value}: {esc(f.title)}")
        c.print(f"      {esc(f.evidence)}")
        if f.fix:
            for cmd in f.fix.cli:
                c.print("      fix: " + esc(shlex.join(cmd)), style="cyan")
            if f.fix.template:
                c.print("      template:", style="cyan")
                for line in f.fix.template.rstrip().splitlines():
                    c.print("        " + esc(line), style="cyan")
    c.print("")


class _Null:
    def write(self, s: str) -> int:
        return len(s)

    def flush(self) -> None:
        pass
