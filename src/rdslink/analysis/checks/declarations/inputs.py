"""RL0xx, inputs: values that cannot be resolved, constructs not analysed, templates that will not deploy.

Declared here (id, title, default severity, summary); implemented in
:mod:`rdslink.analysis.checks.inputs`; documented in ``docs/checks/<id>.md``."""

from __future__ import annotations

from . import Check, E, W, declare

CHECKS = declare(
    "inputs",
    Check("RL001", "input cannot be parsed",
          E, summary="An input file cannot be read: invalid YAML/JSON, a template that is not a mapping, "
                     "a describe-JSON file with a broken shape."),
    Check("RL002", "value cannot be resolved",
          W, summary="A value that decides a hop is not in the inputs: a parameter without a value, an "
                     "`Fn::ImportValue` no input exports, an SSM or Secrets Manager dynamic reference, or "
                     "an id of a resource no input defines."),
    Check("RL003", "construct not analysed",
          W, summary="A construct rdslink does not analyse: a custom resource, an unknown transform, a "
                     "nested template that is not a local file."),
    Check("RL004", "template will not deploy",
          E, summary="The template will not deploy: a schema error (misspelled property), a "
                     "`Ref`/`GetAtt`/`DependsOn` to a resource that does not exist under the evaluated "
                     "conditions, a dependency cycle, a name collision."),
)
