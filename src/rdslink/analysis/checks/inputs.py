"""RL0xx: unresolved values, constructs not analysed, will-not-deploy.

Its ids are declared (title, severity, summary) in :mod:`.declarations.inputs`; implemented here.
"""

from __future__ import annotations

from ...findings import Finding, Hop, Status, Verdict
from ...model import (
    Inventory,
    LambdaFunction,
    Provenance,
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


def value_hint(inv: Inventory, prov: Provenance) -> str:
    """How to supply a value (and the database that goes with it) that the input of ``prov`` leaves open, in that
    input's own terms: ``--var``/``--var-file`` for a Terraform folder, ``--parameter``/``--bindings`` for a
    CloudFormation template, another input for a plan, describe folder or live account (their values are
    literal). The input's kind is the ``kind`` of the ``inv.inputs`` entry whose location is ``prov.input``."""
    kind = next((i.get("kind", "") for i in inv.inputs if i.get("location") == prov.input), "")
    if kind == "terraform":
        return "pass the value (--var/--var-file) and the Terraform configuration that defines the database"
    if kind == "terraform-plan":
        return "add the Terraform configuration or plan that defines the database"
    if kind in ("cloudformation", ""):
        return "pass the value (--parameter/--bindings) and the template that defines the database"
    return "add the input that defines the database (its template, --account DIR or --live)"


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
                  and i.evidence.startswith("transform ")]
        if macros:
            hops.append(Hop("transform", Status.UNKNOWN, tuple(i.resources[0] for i in macros),
                            "a transform that is not modelled may rewrite any resource of this input before "
                            "deployment: " + macros[0].evidence))
            verdicts.append(Verdict.UNKNOWN)

