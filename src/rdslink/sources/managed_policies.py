"""AWS managed policy documents bundled with rdslink (generated from moto's copy by
``scripts/update_managed_policies.py``), so roles that attach them can be evaluated offline."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from ..model import ManagedPolicy, Provenance
from .policy import parse_policy


@lru_cache(maxsize=1)
def aws_managed_policies() -> dict[str, ManagedPolicy]:
    """ARN -> ManagedPolicy for every bundled AWS managed policy."""
    text = resources.files("rdslink.data").joinpath("aws_managed_policies.json").read_text()
    out = {}
    for arn, doc in json.loads(text).items():
        pv = Provenance(source="aws-managed-policy", logical_id=arn)
        out[arn] = ManagedPolicy(arn=arn, document=parse_policy(arn, doc, pv), prov=pv)
    return out
