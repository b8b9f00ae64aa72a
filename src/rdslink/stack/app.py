"""``ReferenceStack`` and synthesis helpers: the reference system as a standalone CloudFormation template.

``cdk deploy`` users: ``cdk deploy --app "python -m rdslink.stack.app" -c engine=mysql -c proxy=true`` (context
keys are the :class:`~rdslink.stack.options.ReferenceOptions` field names). Everyone else: ``rdslink stack
synth -o DIR`` writes a template whose function code comes from the ``CodeBucket``/``CodeKey`` parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from .construct import ReferenceSystem
from .options import ReferenceOptions

_HIDDEN = ("Resource", "Default")


def describe(options: ReferenceOptions) -> str:
    """One-line template description naming the options."""
    parts = [options.engine, f"egress {options.egress}", "RDS Proxy" if options.proxy else "no proxy",
             options.trigger, f"{options.azs} AZs"]
    if options.faults:
        parts.append("FAULTS " + ",".join(sorted(options.faults)))
    return "rdslink reference system: Lambda -> private RDS (" + ", ".join(parts) + ")"


class ReferenceStack(cdk.Stack):
    """An environment-agnostic stack holding one :class:`ReferenceSystem` (construct id ``System``).

    Logical ids are the construct path below the system without CDK's hash suffix (``FunctionRole``,
    ``RdsSecurityGroup``, ...), so rdslink findings and CloudFormation events name resources readably; a
    collision fails synthesis instead of overwriting.

    Args:
        scope: the app.
        construct_id: stack name.
        options: what to build.
        code: the function code (default: the asset built by :func:`rdslink.stack.asset.build_asset`).
        code_from_parameters: take the code from the ``CodeBucket``/``CodeKey`` template parameters
            (a template deployable without CDK); ignored when ``code`` is given.
        kwargs: more :class:`aws_cdk.StackProps` (``env``, ``tags``, ...). Default synthesizer: no bootstrap
            version rule, no CDK metadata.
    """

    def __init__(self, scope: Construct, construct_id: str, options: ReferenceOptions | None = None, *,
                 code: lambda_.Code | None = None, code_from_parameters: bool = False, **kwargs: Any) -> None:
        options = (options or ReferenceOptions()).validate()
        kwargs.setdefault("synthesizer", cdk.DefaultStackSynthesizer(generate_bootstrap_version_rule=False))
        kwargs.setdefault("analytics_reporting", False)
        kwargs.setdefault("description", describe(options))
        super().__init__(scope, construct_id, **kwargs)
        if code is None and code_from_parameters:
            bucket = cdk.CfnParameter(self, "CodeBucket", type="String",
                                      description="S3 bucket holding the function code zip (rdslink stack synth "
                                      "writes function.zip)")
            key = cdk.CfnParameter(self, "CodeKey", type="String", default="function.zip",
                                   description="S3 key of the function code zip")
            code = lambda_.Code.from_cfn_parameters(bucket_name_param=bucket, object_key_param=key)
        self.system = ReferenceSystem(self, "System", options, code=code)

    def _allocate_logical_id(self, cfn_element: cdk.CfnElement) -> str:
        """Readable logical id: the construct path below ``System`` without ``Resource``/``Default``; security
        group rules as ``<Group>From<Peer><Port>`` / ``<Group>To<Peer><Port>``."""
        names = [c.node.id for c in cfn_element.node.scopes[len(self.node.scopes):]]
        if names and names[0] == "System":
            names = names[1:]
        stack_prefix = re.sub(r"[^A-Za-z0-9]", "", self.node.id) + "System"
        parts: list[str] = []
        for name in names:
            if name in _HIDDEN:
                continue
            rule = _RULE_ID.match(name)
            if rule:  # "from <peer unique id>:<port>" (CDK's id for a rule between two groups)
                peer = rule.group(2)
                peer = peer[len(stack_prefix):] if peer.startswith(stack_prefix) else peer
                name = f"{rule.group(1)} {peer} {rule.group(3)}"
            parts.extend(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", name) if w)
        return "".join(parts)[:255] or re.sub(r"[^A-Za-z0-9]", "", cfn_element.node.id)


_RULE_ID = re.compile(r"^(from|to) ([A-Za-z0-9]+?)(?:[0-9A-F]{8}):(.+)$")


def synth_templates(stacks: Mapping[str, ReferenceOptions], *, outdir: str | Path | None = None,
                    nag: bool = False, code_from_parameters: bool = True) -> dict[str, dict[str, Any]]:
    """Synthesize one app holding a :class:`ReferenceStack` per entry; return ``{stack name: template}``.

    Args:
        stacks: stack name -> options.
        outdir: cloud assembly directory (default: a temporary one).
        nag: run cdk-nag AwsSolutions as a policy validation plugin; violations make synthesis fail with
            ``RuntimeError`` (jsii) and are written to ``policy-validation-report.json`` in ``outdir``.
        code_from_parameters: see :class:`ReferenceStack` (True: no asset staging, deterministic templates).

    Takes ~20 s cold (the jsii runtime unpacks aws-cdk-lib once per machine), 5-10 s warm.
    """
    context: dict[str, Any] = {"@aws-cdk/core:validationReportJson": True}
    app = cdk.App(outdir=str(outdir) if outdir else None, context=context)
    for name, options in stacks.items():
        ReferenceStack(app, name, options, code_from_parameters=code_from_parameters)
    if nag:
        from cdk_nag import AwsSolutionsChecks

        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    assembly = app.synth()
    return {name: assembly.get_stack_by_name(name).template for name in stacks}


def options_from_context(app: cdk.App) -> ReferenceOptions:
    """:class:`ReferenceOptions` from CDK context (``-c engine=mysql -c proxy=true -c azs=3 ...``); the keys are
    the option field names. Raises ValueError for a bad value."""
    from .options import options_from_strings

    values = {}
    for field_name in ReferenceOptions.__dataclass_fields__:
        value = app.node.try_get_context(field_name)
        if value is not None and field_name != "faults":
            values[field_name] = str(value)
    return options_from_strings(values)


def main() -> None:
    """``cdk deploy --app "python3 -m rdslink.stack.app"``: one stack (context ``stack_name``, default
    ``RdslinkReference``) from context options, with the code asset built from ``examples/handler.py`` and
    context ``handler``/``ca_bundle``/``vendor`` (see :func:`rdslink.stack.asset.build_asset`); cdk-nag runs
    unless ``-c nag=false``."""
    from .asset import build_asset

    app = cdk.App()
    name = app.node.try_get_context("stack_name") or "RdslinkReference"
    extras = {key: app.node.try_get_context(key) for key in ("handler", "ca_bundle", "vendor")}
    code = lambda_.Code.from_asset(str(build_asset(**{k: v for k, v in extras.items() if v})))
    ReferenceStack(app, name, options_from_context(app), code=code)
    if str(app.node.try_get_context("nag") or "true").lower() != "false":
        from cdk_nag import AwsSolutionsChecks

        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()


if __name__ == "__main__":  # pragma: no cover
    main()
