"""rdslink.stack: the reference system (the article's architecture, built correctly) as an AWS CDK construct.

    from rdslink.stack import ReferenceOptions, ReferenceStack
    ReferenceStack(app, "Reference", ReferenceOptions(engine="mysql", proxy=True))

Needs the ``cdk`` extra (aws-cdk-lib v2, constructs, cdk-nag) and node; ``rdslink stack synth`` writes the
template without an AWS account. Importing this package is cheap: CDK modules load on first attribute access.
"""

import os
from typing import TYPE_CHECKING, Any

# jsii prints a banner on every import when node is past its end of life; the version works (ENVIRONMENT.md).
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from .options import FAULTS, ReferenceOptions  # noqa: E402

if TYPE_CHECKING:
    from .app import ReferenceStack, synth_templates
    from .construct import ReferenceSystem

_LAZY = {"ReferenceStack": "app", "synth_templates": "app", "ReferenceSystem": "construct"}

__all__ = ["FAULTS", "ReferenceOptions", "ReferenceStack", "ReferenceSystem", "synth_templates"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
