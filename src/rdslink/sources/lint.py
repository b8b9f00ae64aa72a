"""Will-not-deploy findings (RL004) from cfn-lint.

Only deterministic failures count (ARCHITECTURE.md "Will-not-deploy"): schema and type errors, unknown resource
types or properties, references to things that do not exist, dependency cycles. Lifecycle data that depends
on today's date or the region (deprecated runtimes E2531/E2533, engine version lists E3690/E3691/W3690) never
does; neither does any rule not listed in :data:`FATAL_RULES`, nor a type mismatch (E3012) that no source
shows failing a deployment (:data:`SHAPE_CASES`). Every fatal rule and case names its source. A stack that cannot be created rolls back as
a whole, so an RL004 blocks every pair of that input.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from ..model import Inventory, SourceIssue

#: cfn-lint rules whose errors mean CloudFormation rejects the template whatever the date or Region, each with
#: the source that shows the failure. Rules not listed here never give RL004.
FATAL_RULES: dict[str, tuple[str, str]] = {
    "E0000": ("parse error", "CloudFormation User Guide, template anatomy: the template must be valid JSON or "
              "YAML (CreateStack: 'Template format error')"),
    "E0001": ("transform error", "AWS SAM / transform documentation: a transform that fails fails the change set"),
    "E1001": ("basic template structure", "CloudFormation User Guide, template anatomy ('Template format error')"),
    "E1010": ("GetAtt to a resource/attribute that does not exist", "CloudFormation User Guide, Fn::GetAtt "
              "('Template error: instance of Fn::GetAtt references undefined resource')"),
    "E1012": ("Ref to a parameter/resource that does not exist", "CloudFormation User Guide, Ref "
              "('Template format error: Unresolved resource dependencies')"),
    "E1019": ("Sub with a variable that does not exist", "CloudFormation User Guide, Fn::Sub "
              "('Unresolved resource dependencies')"),
    "E1020": ("Ref structure", "CloudFormation User Guide, Ref (its argument must be a string)"),
    "E3001": ("resource configuration (Type/Properties)", "CloudFormation User Guide, Resources section"),
    "E3002": ("property not allowed for the resource type", "aws/aws-sdk issue #740: create-stack fails with "
              "'Encountered unsupported property TemplateBody' (validate-template passes)"),
    "E3003": ("required property missing", "CloudFormation resource schemas ('Model validation failed "
              "(#: required key [...] not found)')"),
    "E3004": ("circular dependency", "CloudFormation User Guide, DependsOn ('Circular dependency between "
              "resources')"),
    "E3005": ("DependsOn a resource that does not exist", "CloudFormation User Guide, DependsOn "
              "('Template format error: Unresolved resource dependencies')"),
    "E3006": ("resource type does not exist", "CloudFormation User Guide ('Template format error: Unrecognized "
              "resource types')"),
    "E3012": ("property value of the wrong type", "see SHAPE_CASES: fatal or a warning by case"),
}

#: E3012 (wrong type) by case: (pattern on cfn-lint's message "<value> is not of type '<type>'", fatal, source).
#: The first matching case decides. A shape mismatch that CloudFormation is known to accept (or that no source
#: shows failing) is a warning, not RL004.
SHAPE_CASES: tuple[tuple[str, bool, str], ...] = (
    (r"^\{.*\} is not of type 'array'", True,
     "cloudtools/troposphere issue #336: a single mapping where a list is expected fails to deploy "
     "('Value of property Ec2TagFilters must be of type List')"),
    (r"^'.*' is not of type 'array'", True,
     "binoculars/aws-lambda-ffmpeg issue #22 and nicolaka/ddc-aws issue #9: a string where a list is expected "
     "fails ('Value of property Roles must be of type List of String'); cfn-lint issue #3223 for schema "
     "handlers ('Model validation failed (#/Targets/0/Values: expected type: JSONArray, found: String)')"),
    (r"^[\[{].* is not of type 'string'", True,
     "nicolaka/ddc-aws issue #9: 'Value of property HostedZoneName must be of type String'; "
     "awslabs/landing-zone-accelerator-on-aws issue #93 for AWS::CloudFormation::StackSet ('Properties "
     "validation failed ... expected type')"),
    (r"^\[.*\] is not of type 'object'", False,
     "aws-cloudformation/cfn-lint issue #2063: templates CloudFormation deploys without error are flagged "
     "E3012 on Json-typed properties (AWS::SSM::Association Parameters)"),
    (r"^'[-+]?[0-9.]+' is not of type '(integer|number)'|^'(true|false)' is not of type 'boolean'", False,
     "CloudFormation passes every scalar to the resource handler as a string (a number or boolean written as a "
     "string is the same value); no failed deployment is known"),
)

#: Kept for callers that only need the rule ids (every rule of :data:`FATAL_RULES`).
DETERMINISTIC = frozenset(FATAL_RULES)


def classify(rule: str, message: str) -> tuple[bool, str]:
    """Whether a cfn-lint match means CloudFormation rejects the template, and the source saying so.

    Returns:
        (fatal, source). Rules outside :data:`FATAL_RULES` are (False, ""); an E3012 message that matches no
        case of :data:`SHAPE_CASES` is a warning (not certain).
    """
    import re

    if rule not in FATAL_RULES:
        return False, ""
    if rule != "E3012":
        return True, FATAL_RULES[rule][1]
    for pattern, fatal, source in SHAPE_CASES:
        if re.search(pattern, message, re.S):
            return fatal, source
    return False, "no source shows this type mismatch failing a deployment"


@lru_cache(maxsize=256)
def _lint(path: str, mtime: float, region: str) -> tuple[tuple[str, int, str, tuple[str, ...]], ...]:
    import logging

    from cfnlint import api
    from cfnlint.config import ManualArgs

    logging.getLogger("cfnlint").setLevel(logging.CRITICAL)
    matches = api.lint_file(Path(path), config=ManualArgs(regions=[region]))
    out = []
    for m in matches:
        rid = m.rule.id
        if rid not in FATAL_RULES:
            continue
        out.append((rid, int(m.linenumber or 0), str(m.message), tuple(str(p) for p in (getattr(m, "path", None) or ()))))
    return tuple(out)


def lint_inventory(inv: Inventory, files: list[tuple[str, str, str]], region: str) -> None:
    """Add RL004 issues to ``inv`` for deterministic cfn-lint errors.

    Args:
        files: (file path, top-level input, qualified-id prefix) for every template read, nested ones included.
    """
    seen = set()
    for path, input_name, prefix in files:
        if (path, input_name, prefix) in seen or not os.path.isfile(path):
            continue
        seen.add((path, input_name, prefix))
        try:
            results = _lint(path, os.path.getmtime(path), region)
        except Exception as exc:  # cfn-lint crashed: say so, never block on it
            inv.warnings.append(f"{path}: cfn-lint could not lint this file ({exc}); RL004 not checked")
            continue
        for rid, line, message, mpath in results:
            resource = prefix + mpath[1] if len(mpath) > 1 and mpath[0] == "Resources" else prefix + (
                mpath[0] if mpath else os.path.basename(path))
            fatal, source = classify(rid, message)
            if not fatal:
                inv.warnings.append(f"{path}:{line}: cfn-lint {rid} on {resource}: {message} - not counted as "
                                    f"will-not-deploy ({source})")
                continue
            inv.issues.append(SourceIssue(
                "RL004", (resource,),
                f"{path}:{line}: cfn-lint {rid}: {message} - CloudFormation rejects the template, so the stack "
                "cannot be created",
                input_name, "error"))
