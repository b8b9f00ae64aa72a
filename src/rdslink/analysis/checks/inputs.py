"""RL0xx: unresolved values, constructs not analysed, will-not-deploy.

Its ids are declared (title, severity, summary) in :mod:`.declarations.inputs`; implemented here.
"""

from __future__ import annotations

from ...findings import Finding, Hop, Status, Verdict
from ...model import (
    LambdaFunction,
)
from ..targets import Target
from .base import (  # noqa: F401  # noqa: F401
    ENI_ACTIONS,
    MIN_FREE_IPS,
    SERVICE_APIS,
    UNAVAILABLE,
    WORLD,
    Context,
    _az_key,
    _combine,
    _display,
    _handle,
    _ids_of,
    _rules_ev,
    _show,
    _Side,
    _Stage,
)
from .registry import make


class InputChecks(Context):
    """Checks of this family, mixed into the Analyzer."""

    def deploy_check(self, fn: LambdaFunction, t: Target, hops: list[Hop], findings: list[Finding],
                     verdicts: list[Verdict]) -> None:
        inputs = {fn.prov.input, t.prov.input}
        bad = [i for i in self.inv.issues if i.id == "RL004" and i.input in inputs]
        if bad:
            for i in bad:
                findings.append(make("RL004", i.resources, i.evidence))
            hops.append(Hop("deploy", Status.CLOSED, tuple(r for i in bad for r in i.resources),
                            "the stack holding this pair cannot deploy: " + bad[0].evidence))
            verdicts.append(Verdict.BLOCKED)
        # RL003 for a transform (macro) rdslink does not model: it may rewrite any resource of that input
        macros = [i for i in self.inv.issues if i.id == "RL003" and i.input in inputs and i.resources
                  and i.evidence.startswith(f"transform {i.resources[0]} ")]
        if macros:
            hops.append(Hop("transform", Status.UNKNOWN, tuple(i.resources[0] for i in macros),
                            "a transform that is not modelled may rewrite any resource of this input before "
                            "deployment: " + macros[0].evidence))
            verdicts.append(Verdict.UNKNOWN)

